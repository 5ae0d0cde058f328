/* Minimal freestanding support for host tests: WALI imports and a few output helpers. */
typedef unsigned long size_t;
typedef long long i64;

#define SYS(name) __attribute__((import_module("wali"), import_name("SYS_" #name)))
#define AUX(name) __attribute__((import_module("wali"), import_name(#name)))

SYS(open) i64 sys_open(const char *, int, int);
SYS(openat) i64 sys_openat(int, const char *, int, int);
SYS(close) i64 sys_close(int);
SYS(read) i64 sys_read(int, void *, size_t);
SYS(write) i64 sys_write(int, const void *, size_t);
SYS(pread64) i64 sys_pread64(int, void *, size_t, i64);
SYS(pwrite64) i64 sys_pwrite64(int, const void *, size_t, i64);
SYS(readv) i64 sys_readv(int, const void *, int);
SYS(writev) i64 sys_writev(int, const void *, int);
SYS(lseek) i64 sys_lseek(int, i64, int);
SYS(dup) i64 sys_dup(int);
SYS(dup2) i64 sys_dup2(int, int);
SYS(dup3) i64 sys_dup3(int, int, int);
SYS(fcntl) i64 sys_fcntl(int, int, i64);
SYS(ioctl) i64 sys_ioctl(int, int, void *);
SYS(fstat) i64 sys_fstat(int, void *);
SYS(stat) i64 sys_stat(const char *, void *);
SYS(lstat) i64 sys_lstat(const char *, void *);
SYS(newfstatat) i64 sys_newfstatat(int, const char *, void *, int);
SYS(statx) i64 sys_statx(int, const char *, int, unsigned, void *);
SYS(getdents64) i64 sys_getdents64(int, void *, int);
SYS(mkdir) i64 sys_mkdir(const char *, int);
SYS(mkdirat) i64 sys_mkdirat(int, const char *, int);
SYS(unlink) i64 sys_unlink(const char *);
SYS(unlinkat) i64 sys_unlinkat(int, const char *, int);
SYS(rmdir) i64 sys_rmdir(const char *);
SYS(rename) i64 sys_rename(const char *, const char *);
SYS(renameat2) i64 sys_renameat2(int, const char *, int, const char *, int);
SYS(link) i64 sys_link(const char *, const char *);
SYS(symlink) i64 sys_symlink(const char *, const char *);
SYS(readlink) i64 sys_readlink(const char *, char *, size_t);
SYS(chdir) i64 sys_chdir(const char *);
SYS(fchdir) i64 sys_fchdir(int);
SYS(getcwd) i64 sys_getcwd(char *, size_t);
SYS(access) i64 sys_access(const char *, int);
SYS(chmod) i64 sys_chmod(const char *, int);
SYS(fchown) i64 sys_fchown(int, int, int);
SYS(fchmod) i64 sys_fchmod(int, int);
SYS(utimensat) i64 sys_utimensat(int, const char *, const void *, int);
SYS(ftruncate) i64 sys_ftruncate(int, i64);
SYS(truncate) i64 sys_truncate(const char *, i64);
SYS(fsync) i64 sys_fsync(int);
SYS(umask) i64 sys_umask(int);
SYS(mmap) i64 sys_mmap(void *, size_t, int, int, int, i64);
SYS(munmap) i64 sys_munmap(void *, size_t);
SYS(brk) i64 sys_brk(void *);
SYS(clock_gettime) i64 sys_clock_gettime(int, void *);
SYS(getpid) i64 sys_getpid(void);
SYS(uname) i64 sys_uname(void *);
SYS(getrandom) i64 sys_getrandom(void *, size_t, int);
SYS(pipe) i64 sys_pipe(int *);
SYS(exit_group) i64 sys_exit_group(int);

AUX(__cl_get_argc) int cl_get_argc(void);
AUX(__cl_get_argv_len) int cl_get_argv_len(int);
AUX(__cl_copy_argv) int cl_copy_argv(char *, int);
AUX(__get_init_envfile) int get_init_envfile(char *, int);

#define AT_FDCWD (-100)
#define O_RDONLY 0
#define O_WRONLY 1
#define O_RDWR 2
#define O_CREAT 0100
#define O_EXCL 0200
#define O_TRUNC 01000
#define O_APPEND 02000
#define O_DIRECTORY 0200000
#define O_NOFOLLOW 0400000
#define O_CLOEXEC 02000000
#define O_PATH 010000000

void *memset(void *d, int c, size_t n) {
  volatile unsigned char *p = d;
  while (n--) *p++ = (unsigned char)c;
  return d;
}
void *memcpy(void *d, const void *s, size_t n) {
  volatile unsigned char *p = d;
  const volatile unsigned char *q = s;
  while (n--) *p++ = *q++;
  return d;
}

static size_t len(const char *s) {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}
static void out(const char *s) { sys_write(1, s, len(s)); }
static void outn(i64 v) {
  char b[24];
  int i = 23;
  int negative = v < 0;
  unsigned long long u = negative ? -(unsigned long long)v : (unsigned long long)v;
  b[i] = 0;
  do { b[--i] = '0' + (char)(u % 10); u /= 10; } while (u);
  if (negative) b[--i] = '-';
  out(b + i);
}
/* One result line: "name=value\n". */
static void kv(const char *name, i64 v) { out(name); out("="); outn(v); out("\n"); }
static void ks(const char *name, const char *s, size_t n) { out(name); out("="); sys_write(1, s, n); out("\n"); }
