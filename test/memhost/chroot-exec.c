/*
 * chroot-exec ROOT CWD PROGRAM [ARG...]: runs PROGRAM (a static binary, named outside ROOT)
 * chrooted into ROOT, in CWD, with the environment it was given, so that `/`, `..` and absolute paths
 * mean for it what they mean for a guest whose whole filesystem is ROOT. The binary is opened
 * before the chroot and executed by its fd: nothing of the host stays reachable. Needs root.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: chroot-exec ROOT CWD PROGRAM [ARG...]\n");
    return 127;
  }
  int fd = open(argv[3], O_RDONLY | O_CLOEXEC);
  if (fd < 0 || chroot(argv[1]) != 0 || chdir(argv[2]) != 0) {
    perror("chroot-exec");
    return 127;
  }
  extern char **environ;
  argv[3] = "program";
  fexecve(fd, argv + 3, environ);
  perror("chroot-exec: fexecve");
  return 127;
}
