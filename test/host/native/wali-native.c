/*
 * The WALI imports of test/wali/programs/wali.h implemented with Linux syscalls, so that a test
 * program compiled natively (gcc, x86-64) makes the very syscalls the WALI guest asks its host
 * for. The host's answers are then compared with the kernel's. fsops.c's `_start` is renamed
 * wali_start (-D_start=wali_start) and called from main with argv kept for the __cl_* imports.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

typedef long long i64;
typedef unsigned int u32;
typedef unsigned long long u64;

static i64 r(long v) { return v == -1 ? -errno : v; }

i64 sys_read(int fd, void *b, u32 n) { return r(syscall(SYS_read, fd, b, n)); }
i64 sys_write(int fd, const void *b, u32 n) { return r(syscall(SYS_write, fd, b, n)); }
i64 sys_pread64(int fd, void *b, u32 n, i64 off) { return r(syscall(SYS_pread64, fd, b, n, off)); }
i64 sys_pwrite64(int fd, const void *b, u32 n, i64 off) { return r(syscall(SYS_pwrite64, fd, b, n, off)); }
i64 sys_lseek(int fd, i64 off, int whence) { return r(syscall(SYS_lseek, fd, off, whence)); }
i64 sys_open(const char *p, int flags, u32 mode) { return r(syscall(SYS_open, p, flags, mode)); }
i64 sys_openat(int dirfd, const char *p, int flags, u32 mode) { return r(syscall(SYS_openat, dirfd, p, flags, mode)); }
i64 sys_close(int fd) { return r(syscall(SYS_close, fd)); }
i64 sys_socket(int d, int t, int p) { return r(syscall(SYS_socket, d, t, p)); }
i64 sys_bind(int fd, const void *a, u32 n) { return r(syscall(SYS_bind, fd, a, n)); }
i64 sys_connect(int fd, const void *a, u32 n) { return r(syscall(SYS_connect, fd, a, n)); }
i64 sys_sendto(int fd, const void *b, u32 n, int flags, const void *a, u32 an) { return r(syscall(SYS_sendto, fd, b, n, flags, a, an)); }
i64 sys_dup(int fd) { return r(syscall(SYS_dup, fd)); }
i64 sys_dup2(int fd, int nfd) { return r(syscall(SYS_dup2, fd, nfd)); }
i64 sys_dup3(int fd, int nfd, int flags) { return r(syscall(SYS_dup3, fd, nfd, flags)); }
i64 sys_fcntl(int fd, int cmd, u64 arg) { return r(syscall(SYS_fcntl, fd, cmd, arg)); }
i64 sys_ftruncate(int fd, i64 len) { return r(syscall(SYS_ftruncate, fd, len)); }
i64 sys_getdents64(int fd, void *d, int n) { return r(syscall(SYS_getdents64, fd, d, n)); }
i64 sys_mkdir(const char *p, u32 mode) { return r(syscall(SYS_mkdir, p, mode)); }
i64 sys_mkdirat(int dirfd, const char *p, u32 mode) { return r(syscall(SYS_mkdirat, dirfd, p, mode)); }
i64 sys_rmdir(const char *p) { return r(syscall(SYS_rmdir, p)); }
i64 sys_unlink(const char *p) { return r(syscall(SYS_unlink, p)); }
i64 sys_unlinkat(int dirfd, const char *p, int flags) { return r(syscall(SYS_unlinkat, dirfd, p, flags)); }
i64 sys_rename(const char *a, const char *b) { return r(syscall(SYS_rename, a, b)); }
i64 sys_renameat2(int da, const char *a, int db, const char *b, int flags) { return r(syscall(SYS_renameat2, da, a, db, b, flags)); }
i64 sys_link(const char *a, const char *b) { return r(syscall(SYS_link, a, b)); }
i64 sys_linkat(int da, const char *a, int db, const char *b, int flags) { return r(syscall(SYS_linkat, da, a, db, b, flags)); }
i64 sys_symlink(const char *t, const char *p) { return r(syscall(SYS_symlink, t, p)); }
i64 sys_symlinkat(const char *t, int dirfd, const char *p) { return r(syscall(SYS_symlinkat, t, dirfd, p)); }
i64 sys_readlink(const char *p, char *b, u32 n) { return r(syscall(SYS_readlink, p, b, n)); }
i64 sys_stat(const char *p, void *st) { return r(syscall(SYS_stat, p, st)); }
i64 sys_lstat(const char *p, void *st) { return r(syscall(SYS_lstat, p, st)); }
i64 sys_fstat(int fd, void *st) { return r(syscall(SYS_fstat, fd, st)); }
i64 sys_newfstatat(int dirfd, const char *p, void *st, int flags) { return r(syscall(SYS_newfstatat, dirfd, p, st, flags)); }
i64 sys_access(const char *p, int mode) { return r(syscall(SYS_access, p, mode)); }
i64 sys_chmod(const char *p, u32 mode) { return r(syscall(SYS_chmod, p, mode)); }
i64 sys_chdir(const char *p) { return r(syscall(SYS_chdir, p)); }
i64 sys_fchdir(int fd) { return r(syscall(SYS_fchdir, fd)); }
i64 sys_getcwd(char *b, u32 n) { return r(syscall(SYS_getcwd, b, n)); }
i64 sys_readv(int fd, const void *iov, int n) { return r(syscall(SYS_readv, fd, iov, n)); }
i64 sys_writev(int fd, const void *iov, int n) { return r(syscall(SYS_writev, fd, iov, n)); }
i64 sys_fsync(int fd) { return r(syscall(SYS_fsync, fd)); }
i64 sys_fdatasync(int fd) { return r(syscall(SYS_fdatasync, fd)); }
i64 sys_fchmod(int fd, u32 mode) { return r(syscall(SYS_fchmod, fd, mode)); }
i64 sys_fchmodat(int dirfd, const char *p, u32 mode, int flags) { return r(syscall(SYS_fchmodat, dirfd, p, mode, flags)); }
i64 sys_faccessat2(int dirfd, const char *p, int mode, int flags) { return r(syscall(SYS_faccessat2, dirfd, p, mode, flags)); }
i64 sys_utimensat(int dirfd, const char *p, const void *t, int flags) { return r(syscall(SYS_utimensat, dirfd, p, t, flags)); }
i64 sys_statx(int dirfd, const char *p, int flags, u32 mask, void *b) { return r(syscall(SYS_statx, dirfd, p, flags, mask, b)); }
i64 sys_exit_group(int status) { return r(syscall(SYS_exit_group, status)); }
i64 sys_fork(void) { return r(syscall(SYS_fork)); }
i64 sys_wait4(int pid, int *status, int options, void *ru) { return r(syscall(SYS_wait4, pid, status, options, ru)); }

static int g_argc;
static char **g_argv;
int wali_argc(void) { return g_argc; }
int wali_argv_len(u32 i) { return (int)strlen(g_argv[i]); }
int wali_copy_argv(char *buf, u32 i) { strcpy(buf, g_argv[i]); return 0; }

void wali_start(void);

int main(int argc, char **argv) {
  g_argc = argc;
  g_argv = argv;
  /* Only stdio, as the guest has: nothing the test runner left open shifts fd numbers. */
  syscall(SYS_close_range, 3, ~0U, 0);
  wali_start();
  return 0;
}
