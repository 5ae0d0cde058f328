/*
 * renamecwd DIR NEWNAME: moves the directory that holds the cwd, then keeps using relative
 * paths, which must now land under NEWNAME/sub.
 *   mkdir(DIR, 0755); mkdir(DIR/sub, 0755)   (EEXIST is fine)
 *   chdir(DIR/sub)
 *   renameat2(AT_FDCWD, DIR, AT_FDCWD, NEWNAME, 0)
 *       the paths are used as given, so relative ones resolve against DIR/sub, the cwd by
 *       then: pass absolute paths (or ../../DIR ../../NEWNAME).
 *   openat(AT_FDCWD, "after.txt", O_CREAT|O_WRONLY|O_TRUNC, 0644); write "after\n"; close
 *   mkdir("d", 0755)
 *   getcwd
 * Output: one `call(args) = result` line per call, then `cwd = "<path>"` if getcwd worked.
 * Exit status: 0 if every call succeeded (the two setup mkdirs may say EEXIST), else 1.
 */
#include "wali.h"

static int failed;

static void show(const char *call, const char *a, const char *b, i64 r, int ok) {
  put(call);
  put("(");
  put(a);
  if (b) {
    put(", ");
    put(b);
  }
  put(") = ");
  put_i64(r);
  flush_line();
  if (!ok) failed = 1;
}

int prog_main(int argc, char **argv) {
  if (argc != 3) {
    put("usage: renamecwd DIR NEWNAME");
    flush_line();
    return 2;
  }
  const char *dir = argv[1], *newname = argv[2];
  char *sub = path_join(dir, "sub");

  i64 r = sys_mkdir(dir, 0755);
  show("mkdir", dir, 0, r, r >= 0 || r == -EEXIST);
  r = sys_mkdir(sub, 0755);
  show("mkdir", sub, 0, r, r >= 0 || r == -EEXIST);
  r = sys_chdir(sub);
  show("chdir", sub, 0, r, r >= 0);
  r = sys_renameat2(AT_FDCWD, dir, AT_FDCWD, newname, 0);
  show("renameat2", dir, newname, r, r >= 0);

  i64 fd = sys_openat(AT_FDCWD, "after.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
  show("openat", "after.txt", 0, fd, fd >= 0);
  if (fd >= 0) {
    r = sys_write((int)fd, "after\n", 6);
    show("write", "after.txt", 0, r, r == 6);
    r = sys_close((int)fd);
    show("close", "after.txt", 0, r, r >= 0);
  }
  r = sys_mkdir("d", 0755);
  show("mkdir", "d", 0, r, r >= 0);

  char cwd[4096];
  r = sys_getcwd(cwd, sizeof cwd);
  show("getcwd", "", 0, r, r >= 0);
  if (r > 0) {
    put("cwd = ");
    put_quoted(cwd, str_len(cwd));
    flush_line();
  }
  return failed;
}
