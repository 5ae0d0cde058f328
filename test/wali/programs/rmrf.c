/*
 * rmrf DIR: deletes DIR recursively the way rm -rf does it with dirfds. Each directory is
 * opened with openat(parentfd, name, O_RDONLY|O_DIRECTORY|O_NOFOLLOW), read to the end with
 * getdents64 before anything is removed (as fts does), then files and symlinks go with
 * unlinkat(fd, name, 0) and subdirectories, after recursion, with unlinkat(fd, name,
 * AT_REMOVEDIR). DIR itself is removed last, against AT_FDCWD.
 *
 * Output: one line per failed syscall, `call(<dirpath>/<name>) = -errno`; nothing on success.
 * Exit status: 1 if any call failed, 0 otherwise.
 */
#include "wali.h"

#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

static int failed;

static void report(const char *call, const char *path, i64 r) {
  failed = 1;
  put(call);
  put("(");
  put(path);
  put(") = ");
  put_i64(r);
  flush_line();
}

struct entry {
  const char *name;
  unsigned char type;
  struct entry *next;
};

/* Every entry of the open directory fd except . and .. (in getdents order). */
static struct entry *read_all(int fd, const char *path) {
  struct entry *head = 0, **tail = &head;
  char *buf = bump_alloc(4096);
  for (;;) {
    i64 n = sys_getdents64(fd, buf, 4096);
    if (n < 0) {
      report("getdents64", path, n);
      break;
    }
    if (n == 0) break;
    for (i64 off = 0; off < n; off += DIRENT_RECLEN(buf + off)) {
      const char *name = DIRENT_NAME(buf + off);
      if (str_eq(name, ".") || str_eq(name, "..")) continue;
      struct entry *e = bump_alloc(sizeof *e);
      u32 len = str_len(name);
      char *copy = bump_alloc(len + 1);
      mem_copy(copy, name, len + 1);
      e->name = copy;
      e->type = DIRENT_TYPE(buf + off);
      e->next = 0;
      *tail = e;
      tail = &e->next;
    }
  }
  return head;
}

/* d_type is DT_UNKNOWN on some filesystems: ask fstatat without following symlinks. */
static int is_dir(int dirfd, const struct entry *e, const char *path) {
  if (e->type != DT_UNKNOWN) return e->type == DT_DIR;
  char st[STAT_SIZE];
  i64 r = sys_newfstatat(dirfd, e->name, st, AT_SYMLINK_NOFOLLOW);
  if (r < 0) {
    report("newfstatat", path, r);
    return 0;
  }
  return (STAT_MODE(st) & S_IFMT) == S_IFDIR;
}

/* Empties the directory open as fd, whose path (for messages) is path. */
static void empty_dir(int fd, const char *path) {
  u32 mark = bump_mark();
  for (struct entry *e = read_all(fd, path); e; e = e->next) {
    char *child = path_join(path, e->name);
    if (is_dir(fd, e, child)) {
      i64 sub = sys_openat(fd, e->name, DIR_FLAGS, 0);
      if (sub < 0) {
        report("openat", child, sub);
        continue;
      }
      empty_dir((int)sub, child);
      i64 c = sys_close((int)sub);
      if (c < 0) report("close", child, c);
      i64 r = sys_unlinkat(fd, e->name, AT_REMOVEDIR);
      if (r < 0) report("unlinkat", child, r);
    } else {
      i64 r = sys_unlinkat(fd, e->name, 0);
      if (r < 0) report("unlinkat", child, r);
    }
  }
  bump_release(mark);
}

int prog_main(int argc, char **argv) {
  if (argc != 2) {
    put("usage: rmrf DIR");
    flush_line();
    return 2;
  }
  const char *dir = argv[1];
  i64 fd = sys_openat(AT_FDCWD, dir, DIR_FLAGS, 0);
  if (fd < 0) {
    report("openat", dir, fd);
    return 1;
  }
  empty_dir((int)fd, dir);
  i64 c = sys_close((int)fd);
  if (c < 0) report("close", dir, c);
  i64 r = sys_unlinkat(AT_FDCWD, dir, AT_REMOVEDIR);
  if (r < 0) report("unlinkat", dir, r);
  return failed;
}
