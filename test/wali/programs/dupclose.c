/*
 * dupclose FILE: fd duplication and closing on a file it creates. All the dups share one open
 * file description, so one byte written through each lands in order: FILE ends up "abcdef".
 *
 * Output: one `label = result` line per call (raw results, -errno on failure), in this order:
 *   openat = 3                     O_CREAT|O_RDWR|O_TRUNC, 0644 (fds assume 0-2 are open)
 *   write fd a = 1
 *   dup = 4                        write dup b = 1
 *   dup2 fd 10 = 10                write dup2 c = 1
 *   dup2 fd fd = 3                 (dup2 onto itself is a no-op returning the fd)
 *   dup3 fd 11 O_CLOEXEC = 11      write dup3 d = 1
 *   dup3 fd fd = -22               (EINVAL)
 *   fcntl F_DUPFD 20 = 20          write F_DUPFD e = 1
 *   fcntl F_DUPFD_CLOEXEC 30 = 30  write F_DUPFD_CLOEXEC f = 1
 *   fcntl F_GETFD fd = 0, F_GETFD dup3 = 1, F_GETFD F_DUPFD_CLOEXEC = 1, F_GETFD dup = 0
 *   fcntl F_SETFD dup FD_CLOEXEC = 0, F_GETFD dup = 1
 *   fcntl F_GETFL fd = <flags>     O_RDWR, plus O_LARGEFILE (0100000) on a 64-bit Linux host
 *   lseek fd 0 SEEK_CUR = 6        the shared offset
 *   close dup = 0, close dup2 = 0
 *   write closed = -9, close closed = -9, fcntl F_GETFD closed = -9   (EBADF)
 *   lseek dup3 0 SEEK_SET = 0      read F_DUPFD_CLOEXEC = 6
 *   content = "abcdef"
 *   close fd, close dup3, close F_DUPFD, close F_DUPFD_CLOEXEC = 0 each
 * Exit status: 0 if every result was as listed above (F_GETFL excepted), else 1.
 */
#include "wali.h"

static int failed;

static i64 expect(const char *label, i64 r, i64 want) {
  print_result(label, r);
  if (r != want) failed = 1;
  return r;
}

int prog_main(int argc, char **argv) {
  if (argc != 2) {
    put("usage: dupclose FILE");
    flush_line();
    return 2;
  }
  int fd = (int)expect("openat", sys_openat(AT_FDCWD, argv[1], O_CREAT | O_RDWR | O_TRUNC, 0644), 3);
  if (fd < 0) return 1;
  expect("write fd a", sys_write(fd, "a", 1), 1);

  int d1 = (int)expect("dup", sys_dup(fd), 4);
  expect("write dup b", sys_write(d1, "b", 1), 1);
  int d2 = (int)expect("dup2 fd 10", sys_dup2(fd, 10), 10);
  expect("write dup2 c", sys_write(d2, "c", 1), 1);
  expect("dup2 fd fd", sys_dup2(fd, fd), fd);
  int d3 = (int)expect("dup3 fd 11 O_CLOEXEC", sys_dup3(fd, 11, O_CLOEXEC), 11);
  expect("write dup3 d", sys_write(d3, "d", 1), 1);
  expect("dup3 fd fd", sys_dup3(fd, fd, 0), -22);
  int d4 = (int)expect("fcntl F_DUPFD 20", sys_fcntl(fd, F_DUPFD, 20), 20);
  expect("write F_DUPFD e", sys_write(d4, "e", 1), 1);
  int d5 = (int)expect("fcntl F_DUPFD_CLOEXEC 30", sys_fcntl(fd, F_DUPFD_CLOEXEC, 30), 30);
  expect("write F_DUPFD_CLOEXEC f", sys_write(d5, "f", 1), 1);

  expect("fcntl F_GETFD fd", sys_fcntl(fd, F_GETFD, 0), 0);
  expect("fcntl F_GETFD dup3", sys_fcntl(d3, F_GETFD, 0), FD_CLOEXEC);
  expect("fcntl F_GETFD F_DUPFD_CLOEXEC", sys_fcntl(d5, F_GETFD, 0), FD_CLOEXEC);
  expect("fcntl F_GETFD dup", sys_fcntl(d1, F_GETFD, 0), 0);
  expect("fcntl F_SETFD dup FD_CLOEXEC", sys_fcntl(d1, F_SETFD, FD_CLOEXEC), 0);
  expect("fcntl F_GETFD dup", sys_fcntl(d1, F_GETFD, 0), FD_CLOEXEC);
  i64 fl = sys_fcntl(fd, F_GETFL, 0);
  print_result("fcntl F_GETFL fd", fl);
  if (fl < 0 || (fl & 3) != O_RDWR) failed = 1;

  expect("lseek fd 0 SEEK_CUR", sys_lseek(fd, 0, SEEK_CUR), 6);
  expect("close dup", sys_close(d1), 0);
  expect("close dup2", sys_close(d2), 0);
  expect("write closed", sys_write(d1, "x", 1), -9);
  expect("close closed", sys_close(d2), -9);
  expect("fcntl F_GETFD closed", sys_fcntl(d1, F_GETFD, 0), -9);

  expect("lseek dup3 0 SEEK_SET", sys_lseek(d3, 0, SEEK_SET), 0);
  char buf[64];
  i64 n = expect("read F_DUPFD_CLOEXEC", sys_read(d5, buf, sizeof buf), 6);
  put("content = ");
  put_quoted(buf, n > 0 ? (u32)n : 0);
  flush_line();
  if (n != 6 || buf[0] != 'a' || buf[5] != 'f') failed = 1;

  expect("close fd", sys_close(fd), 0);
  expect("close dup3", sys_close(d3), 0);
  expect("close F_DUPFD", sys_close(d4), 0);
  expect("close F_DUPFD_CLOEXEC", sys_close(d5), 0);
  return failed;
}
