/*
 * WALI imports and tiny helpers for the test programs. No libc: every call below is a raw
 * import from module "wali", so a host sees exactly the syscalls the program makes.
 *
 * Signatures follow spec/wali/syscalls.json: every SYS_* returns i64 (long long here, since
 * long is 32-bit on plain wasm32); a parameter is long long only for 64-bit C types (off_t,
 * unsigned long); pointers, size_t, mode_t and int are i32. test/wali/programs.test.ts checks
 * the compiled import sections against the table. Results are raw: -errno on failure.
 *
 * A program defines `int prog_main(int argc, char **argv)`; _start below fetches argv through
 * the __cl_* imports, calls it and ends with exit_group.
 */
#ifndef FDWARDEN_WALI_H
#define FDWARDEN_WALI_H

typedef long long i64;
typedef unsigned int u32;
typedef unsigned long long u64;

#define WALI(n) __attribute__((import_module("wali"), import_name(#n)))
#define HELPER static __attribute__((unused))

/* ---- syscalls (only the ones a program calls end up in its import section) ---- */
WALI(SYS_read) i64 sys_read(int fd, void *buf, u32 count);
WALI(SYS_write) i64 sys_write(int fd, const void *buf, u32 count);
WALI(SYS_pread64) i64 sys_pread64(int fd, void *buf, u32 count, i64 offset);
WALI(SYS_pwrite64) i64 sys_pwrite64(int fd, const void *buf, u32 count, i64 offset);
WALI(SYS_lseek) i64 sys_lseek(int fd, i64 offset, int whence);
WALI(SYS_open) i64 sys_open(const char *pathname, int flags, u32 mode);
WALI(SYS_openat) i64 sys_openat(int dirfd, const char *pathname, int flags, u32 mode);
WALI(SYS_close) i64 sys_close(int fd);
WALI(SYS_socket) i64 sys_socket(int domain, int type, int protocol);
WALI(SYS_bind) i64 sys_bind(int fd, const void *addr, u32 len);
WALI(SYS_connect) i64 sys_connect(int fd, const void *addr, u32 len);
WALI(SYS_sendto) i64 sys_sendto(int fd, const void *buf, u32 len, int flags, const void *addr, u32 addrlen);
WALI(SYS_dup) i64 sys_dup(int oldfd);
WALI(SYS_dup2) i64 sys_dup2(int oldfd, int newfd);
WALI(SYS_dup3) i64 sys_dup3(int oldfd, int newfd, int flags);
WALI(SYS_fcntl) i64 sys_fcntl(int fd, int cmd, u64 arg);
WALI(SYS_ftruncate) i64 sys_ftruncate(int fd, i64 length);
WALI(SYS_getdents64) i64 sys_getdents64(int fd, void *dirp, int count);
WALI(SYS_mkdir) i64 sys_mkdir(const char *pathname, u32 mode);
WALI(SYS_mkdirat) i64 sys_mkdirat(int dirfd, const char *pathname, u32 mode);
WALI(SYS_rmdir) i64 sys_rmdir(const char *pathname);
WALI(SYS_unlink) i64 sys_unlink(const char *pathname);
WALI(SYS_unlinkat) i64 sys_unlinkat(int dirfd, const char *pathname, int flags);
WALI(SYS_rename) i64 sys_rename(const char *oldpath, const char *newpath);
/* renameat has no WALI import (not implemented in the spec); renameat2 with flags 0 is it. */
WALI(SYS_renameat2) i64 sys_renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags);
WALI(SYS_link) i64 sys_link(const char *oldpath, const char *newpath);
WALI(SYS_linkat) i64 sys_linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags);
WALI(SYS_symlink) i64 sys_symlink(const char *target, const char *linkpath);
WALI(SYS_symlinkat) i64 sys_symlinkat(const char *target, int newdirfd, const char *linkpath);
WALI(SYS_readlink) i64 sys_readlink(const char *pathname, char *buf, u32 bufsiz);
WALI(SYS_stat) i64 sys_stat(const char *pathname, void *statbuf);
WALI(SYS_lstat) i64 sys_lstat(const char *pathname, void *statbuf);
WALI(SYS_fstat) i64 sys_fstat(int fd, void *statbuf);
WALI(SYS_newfstatat) i64 sys_newfstatat(int dirfd, const char *pathname, void *statbuf, int flags);
WALI(SYS_access) i64 sys_access(const char *pathname, int mode);
WALI(SYS_chmod) i64 sys_chmod(const char *pathname, u32 mode);
WALI(SYS_chdir) i64 sys_chdir(const char *path);
WALI(SYS_fchdir) i64 sys_fchdir(int fd);
WALI(SYS_getcwd) i64 sys_getcwd(char *buf, u32 size);
WALI(SYS_readv) i64 sys_readv(int fd, const void *iov, int iovcnt);
WALI(SYS_writev) i64 sys_writev(int fd, const void *iov, int iovcnt);
WALI(SYS_fsync) i64 sys_fsync(int fd);
WALI(SYS_fdatasync) i64 sys_fdatasync(int fd);
WALI(SYS_fchmod) i64 sys_fchmod(int fd, u32 mode);
WALI(SYS_fchmodat) i64 sys_fchmodat(int dirfd, const char *pathname, u32 mode, int flags);
WALI(SYS_faccessat2) i64 sys_faccessat2(int dirfd, const char *pathname, int mode, int flags);
WALI(SYS_utimensat) i64 sys_utimensat(int dirfd, const char *pathname, const void *times, int flags);
WALI(SYS_statx) i64 sys_statx(int dirfd, const char *pathname, int flags, u32 mask, void *statxbuf);
WALI(SYS_exit_group) i64 sys_exit_group(int status);
WALI(SYS_fork) i64 sys_fork(void);
WALI(SYS_wait4) i64 sys_wait4(int pid, int *status, int options, void *rusage);

/* ---- aux imports: argv. WAMR (libc-wali/wali.c): argv_len is strlen (no NUL), copy_argv
 * strcpy's the NUL too and returns 0; wali-musl allocates argv_len + 1. ---- */
WALI(__cl_get_argc) int wali_argc(void);
WALI(__cl_get_argv_len) int wali_argv_len(u32 arg_index);
WALI(__cl_copy_argv) int wali_copy_argv(char *argbuf, u32 arg_index);

/* ---- x86-64 constants (the guest always uses these) ---- */
#define AT_FDCWD (-100)
#define O_RDONLY 00
#define O_WRONLY 01
#define O_RDWR 02
#define O_CREAT 0100
#define O_EXCL 0200
#define O_NOCTTY 0400
#define O_TRUNC 01000
#define O_APPEND 02000
#define O_NONBLOCK 04000
#define O_DSYNC 010000
#define O_DIRECTORY 0200000
#define O_NOFOLLOW 0400000
#define O_CLOEXEC 02000000
#define O_SYNC 04010000
#define O_PATH 010000000
#define O_TMPFILE 020200000
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR 0x200
#define AT_SYMLINK_FOLLOW 0x400
#define AT_EMPTY_PATH 0x1000
#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define F_DUPFD_CLOEXEC 1030
#define FD_CLOEXEC 1
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#define DT_UNKNOWN 0
#define DT_DIR 4
#define DT_LNK 10
#define S_IFMT 0170000
#define S_IFDIR 0040000
#define EEXIST 17
#define EINTR 4

/* x86-64 struct stat: 144 bytes; st_mode at 24, st_size at 48. */
#define STAT_SIZE 144
#define STAT_MODE(b) (*(const u32 *)((const char *)(b) + 24))
#define STAT_SIZE_OF(b) (*(const i64 *)((const char *)(b) + 48))

/* struct iovec: pointer-sized base and length ({u32, u32} on wasm32, as WALI passes it). */
struct iovec_w {
  void *base;
  unsigned long len;
};

/* struct timespec as the x86-64 kernel reads it (utimensat): two 64-bit fields. */
struct timespec_w {
  i64 sec;
  i64 nsec;
};
#define UTIME_OMIT ((1l << 30) - 2l)

/* struct statx (the same on every architecture): 256 bytes. */
#define STATX_SIZE 256
#define STATX_MASK(b) (*(const u32 *)((const char *)(b) + 0))
#define STATX_BLKSIZE(b) (*(const u32 *)((const char *)(b) + 4))
#define STATX_NLINK(b) (*(const u32 *)((const char *)(b) + 16))
#define STATX_MODE(b) (*(const unsigned short *)((const char *)(b) + 28))
#define STATX_SIZE_OF(b) (*(const u64 *)((const char *)(b) + 40))

/* More of x86-64 struct stat: st_nlink at 16, st_uid 28, st_gid 32, st_blksize 56, st_blocks 64, st_atime 72. */
#define STAT_NLINK(b) (*(const u64 *)((const char *)(b) + 16))
#define STAT_UID(b) (*(const u32 *)((const char *)(b) + 28))
#define STAT_GID(b) (*(const u32 *)((const char *)(b) + 32))
#define STAT_BLKSIZE(b) (*(const i64 *)((const char *)(b) + 56))
#define STAT_BLOCKS(b) (*(const i64 *)((const char *)(b) + 64))
#define STAT_ATIME(b) (*(const i64 *)((const char *)(b) + 72))

/* struct linux_dirent64: u64 d_ino, i64 d_off, u16 d_reclen, u8 d_type, char d_name[]. */
#define DIRENT_RECLEN(p) (*(const unsigned short *)((const char *)(p) + 16))
#define DIRENT_TYPE(p) (*(const unsigned char *)((const char *)(p) + 18))
#define DIRENT_NAME(p) ((const char *)(p) + 19)

/* ---- strings ---- */
HELPER u32 str_len(const char *s) {
  u32 n = 0;
  while (s[n]) n++;
  return n;
}

HELPER int str_eq(const char *a, const char *b) {
  while (*a && *a == *b) a++, b++;
  return *a == *b;
}

HELPER int str_cmp(const char *a, const char *b) {
  while (*a && *a == *b) a++, b++;
  return (unsigned char)*a - (unsigned char)*b;
}

HELPER void mem_copy(void *d, const void *s, u32 n) {
  char *dd = d;
  const char *ss = s;
  while (n--) *dd++ = *ss++;
}

/* Writes the decimal form of v into buf (at least 21 bytes); returns its length. */
HELPER u32 fmt_i64(char *buf, i64 v) {
  char tmp[24];
  u32 n = 0, len = 0;
  /* Negate in unsigned arithmetic so INT64_MIN works. */
  u64 u = v < 0 ? 0 - (u64)v : (u64)v;
  do tmp[n++] = (char)('0' + u % 10), u /= 10;
  while (u);
  if (v < 0) buf[len++] = '-';
  while (n) buf[len++] = tmp[--n];
  return len;
}

/* ---- output: lines are built in a buffer and written with one write(2) ---- */
static char line_buf[8192];
static u32 line_len;

HELPER void put_mem(const char *s, u32 n) {
  while (n--) {
    if (line_len < sizeof line_buf - 1) line_buf[line_len++] = *s;
    s++;
  }
}

HELPER void put(const char *s) { put_mem(s, str_len(s)); }

HELPER void put_i64(i64 v) {
  char b[24];
  put_mem(b, fmt_i64(b, v));
}

HELPER void put_octal(u32 v) {
  char tmp[12];
  u32 n = 0;
  do tmp[n++] = (char)('0' + (v & 7)), v >>= 3;
  while (v);
  put("0");
  while (n) put_mem(&tmp[--n], 1);
}

/* A quoted string with C escapes, so data and odd names stay on one line. */
HELPER void put_quoted(const char *s, u32 n) {
  static const char hexd[] = "0123456789abcdef";
  put("\"");
  for (u32 i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    char e[4] = {'\\', 0, 0, 0};
    if (c == '\n') e[1] = 'n', put_mem(e, 2);
    else if (c == '\t') e[1] = 't', put_mem(e, 2);
    else if (c == '"' || c == '\\') e[1] = (char)c, put_mem(e, 2);
    else if (c < 0x20 || c >= 0x7f) e[1] = 'x', e[2] = hexd[c >> 4], e[3] = hexd[c & 15], put_mem(e, 4);
    else put_mem((const char *)&c, 1);
  }
  put("\"");
}

/* Ends the line and writes it to fd 1, retrying short writes. */
HELPER void flush_line(void) {
  line_buf[line_len++] = '\n';
  u32 off = 0;
  while (off < line_len) {
    i64 r = sys_write(1, line_buf + off, line_len - off);
    if (r == -EINTR) continue;
    if (r <= 0) break;
    off += (u32)r;
  }
  line_len = 0;
}

/* Prints `label = result`. */
HELPER void print_result(const char *label, i64 result) {
  put(label);
  put(" = ");
  put_i64(result);
  flush_line();
}

/* ---- bump allocator on a static buffer; mark/release frees in LIFO order ---- */
static char heap[1 << 20];
static u32 heap_top;

HELPER void *bump_alloc(u32 n) {
  u32 start = (heap_top + 7) & ~7u;
  if (n > sizeof heap - start) {
    static const char msg[] = "out of memory\n";
    sys_write(2, msg, sizeof msg - 1);
    sys_exit_group(70);
    __builtin_unreachable();
  }
  heap_top = start + n;
  return heap + start;
}

HELPER u32 bump_mark(void) { return heap_top; }
HELPER void bump_release(u32 mark) { heap_top = mark; }

/* a + "/" + b in a fresh allocation. */
HELPER char *path_join(const char *a, const char *b) {
  u32 la = str_len(a), lb = str_len(b);
  char *p = bump_alloc(la + lb + 2);
  mem_copy(p, a, la);
  p[la] = '/';
  mem_copy(p + la + 1, b, lb + 1);
  return p;
}

/* ---- startup ---- */
int prog_main(int argc, char **argv);

__attribute__((noreturn)) HELPER void exit_with(int status) {
  sys_exit_group(status);
  __builtin_unreachable();
}

__attribute__((export_name("_start"))) void _start(void) {
  int argc = wali_argc();
  char **argv = bump_alloc((u32)(argc + 1) * sizeof(char *));
  for (int i = 0; i < argc; i++) {
    int len = wali_argv_len((u32)i);
    argv[i] = bump_alloc((u32)len + 1);
    argv[i][len] = 0; /* in case a host copies without the NUL */
    wali_copy_argv(argv[i], (u32)i);
  }
  argv[argc] = 0;
  exit_with(prog_main(argc, argv));
}

#endif
