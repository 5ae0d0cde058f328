/*
 * chroot-exec ROOT CWD PROGRAM [ARG...]: runs PROGRAM (a static binary, named outside ROOT)
 * chrooted into ROOT, in CWD, with the environment it was given, so that `/`, `..` and absolute paths
 * mean for it what they mean for a guest whose whole filesystem is ROOT. The binary is opened
 * before the chroot and executed by its fd: nothing of the host stays reachable. Run by root it
 * chroots at once; run by another user it first enters a user namespace of its own where that
 * user is root (uid and gid 0, as the in-memory host's guest is), as `unshare -r` does.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  int ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
  close(fd);
  return ok ? 0 : -1;
}

/* Root in a user namespace of this process's own: the one id this user has, mapped to 0. */
static int become_root(void) {
  uid_t uid = geteuid();
  gid_t gid = getegid();
  if (uid == 0) return 0;
  char map[64];
  if (unshare(CLONE_NEWUSER) != 0) return -1;
  if (write_file("/proc/self/setgroups", "deny") != 0) return -1;
  snprintf(map, sizeof map, "0 %u 1", (unsigned)uid);
  if (write_file("/proc/self/uid_map", map) != 0) return -1;
  snprintf(map, sizeof map, "0 %u 1", (unsigned)gid);
  return write_file("/proc/self/gid_map", map);
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: chroot-exec ROOT CWD PROGRAM [ARG...]\n");
    return 127;
  }
  int fd = open(argv[3], O_RDONLY | O_CLOEXEC);
  if (fd < 0 || become_root() != 0 || chroot(argv[1]) != 0 || chdir(argv[2]) != 0) {
    perror("chroot-exec");
    return 127;
  }
  extern char **environ;
  argv[3] = "program";
  fexecve(fd, argv + 3, environ);
  perror("chroot-exec: fexecve");
  return 127;
}
