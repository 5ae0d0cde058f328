/*
 * loop MODE N PATH: a syscall loop for benchmarks.
 *   read1     open PATH once, then N times pread64(fd, buf, 1, 0)
 *   read0     open PATH once, then N times read(fd, buf, 0) (the least work a kernel does for an fd call)
 *   fstat     open PATH once, then N times fstat(fd, buf)
 *   seekread  open PATH once, then N times lseek(fd, 0, SEEK_SET) + read(fd, buf, 1)
 *   openclose N times openat(AT_FDCWD, PATH, O_RDONLY) + close
 *   stat      N times newfstatat(AT_FDCWD, PATH, buf, 0)
 * Output: `MODE = <successful iterations>` (or `openat = -errno` if the first open failed).
 * Exit status: 0 if all N iterations succeeded, else 1.
 */
#include "wali.h"

static i64 parse_count(const char *s) {
  i64 v = 0;
  if (!*s) return -1;
  for (; *s; s++) {
    if (*s < '0' || *s > '9' || v > 100000000000LL) return -1;
    v = v * 10 + (*s - '0');
  }
  return v;
}

int prog_main(int argc, char **argv) {
  i64 n = argc == 4 ? parse_count(argv[2]) : -1;
  if (n < 0) {
    put("usage: loop read1|read0|fstat|seekread|openclose|stat N PATH");
    flush_line();
    return 2;
  }
  const char *mode = argv[1], *path = argv[3];
  i64 ok = 0;
  char buf[STAT_SIZE];
  if (str_eq(mode, "read1") || str_eq(mode, "read0") || str_eq(mode, "fstat") || str_eq(mode, "seekread")) {
    i64 fd = sys_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0) {
      print_result("openat", fd);
      return 1;
    }
    int seek = str_eq(mode, "seekread"), zero = str_eq(mode, "read0"), st = str_eq(mode, "fstat");
    for (i64 i = 0; i < n; i++) {
      if (seek) ok += sys_lseek((int)fd, 0, SEEK_SET) == 0 && sys_read((int)fd, buf, 1) == 1;
      else if (zero) ok += sys_read((int)fd, buf, 0) == 0;
      else if (st) ok += sys_fstat((int)fd, buf) == 0;
      else ok += sys_pread64((int)fd, buf, 1, 0) == 1;
    }
    sys_close((int)fd);
  } else if (str_eq(mode, "openclose")) {
    for (i64 i = 0; i < n; i++) {
      i64 fd = sys_openat(AT_FDCWD, path, O_RDONLY, 0);
      ok += fd >= 0 && sys_close((int)fd) == 0;
    }
  } else if (str_eq(mode, "stat")) {
    for (i64 i = 0; i < n; i++) ok += sys_newfstatat(AT_FDCWD, path, buf, 0) == 0;
  } else {
    put("loop: unknown mode ");
    put(mode);
    flush_line();
    return 2;
  }
  print_result(mode, ok);
  return ok == n ? 0 : 1;
}
