/*
 * A file loop and a pipe loop, compiled twice: for wasm (raw WALI imports, run on the Node host)
 * and natively (raw Linux syscalls), so bench/host.mjs prints what the same work costs on each.
 * Each loop is timed inside the program (CLOCK_MONOTONIC), so start-up is not counted. Run in a
 * writable directory; prints `name=nanoseconds per iteration` lines.
 *   file loop: openat(O_RDWR|O_CREAT) + fstat + pwrite64 64 B + pread64 64 B + close
 *   pipe loop: write 64 B + read 64 B through one pipe
 */
#define FILE_ITERS 20000
#define PIPE_ITERS 100000

#ifdef __wasm__
typedef unsigned long size_t;
typedef long long i64;
#define SYS(name) __attribute__((import_module("wali"), import_name("SYS_" #name)))
SYS(openat) i64 sys_openat(int, const char *, int, int);
SYS(close) i64 sys_close(int);
SYS(read) i64 sys_read(int, void *, size_t);
SYS(write) i64 sys_write(int, const void *, size_t);
SYS(pread64) i64 sys_pread64(int, void *, size_t, i64);
SYS(pwrite64) i64 sys_pwrite64(int, const void *, size_t, i64);
SYS(fstat) i64 sys_fstat(int, void *);
SYS(pipe2) i64 sys_pipe2(int *, int);
SYS(clock_gettime) i64 sys_clock_gettime(int, void *);
SYS(exit_group) i64 sys_exit_group(int);
#define ENTRY void _start(void)
#define DONE(code) sys_exit_group(code)
#else
#include <sys/syscall.h>
#include <unistd.h>
typedef long long i64;
#define sys_openat(a, b, c, d) syscall(SYS_openat, a, b, c, d)
#define sys_close(a) syscall(SYS_close, a)
#define sys_read(a, b, c) syscall(SYS_read, a, b, c)
#define sys_write(a, b, c) syscall(SYS_write, a, b, c)
#define sys_pread64(a, b, c, d) syscall(SYS_pread64, a, b, c, d)
#define sys_pwrite64(a, b, c, d) syscall(SYS_pwrite64, a, b, c, d)
#define sys_fstat(a, b) syscall(SYS_fstat, a, b)
#define sys_pipe2(a, b) syscall(SYS_pipe2, a, b)
#define sys_clock_gettime(a, b) syscall(SYS_clock_gettime, a, b)
#define ENTRY int main(void)
#define DONE(code) return code
#endif

#define AT_FDCWD (-100)
#define O_RDWR 2
#define O_CREAT 0100

static i64 now_ns(void) {
  i64 ts[2];
  sys_clock_gettime(1, ts); /* CLOCK_MONOTONIC; struct timespec is two 64-bit words on both */
  return ts[0] * 1000000000LL + ts[1];
}

static void out(const char *s) {
  size_t n = 0;
  while (s[n]) n++;
  sys_write(1, s, n);
}

static void kv(const char *name, i64 v) {
  char b[24];
  int i = 23;
  b[i] = 0;
  do { b[--i] = '0' + (char)(v % 10); v /= 10; } while (v);
  out(name);
  out("=");
  out(b + i);
  out("\n");
}

static char buf[64];
static char st[256];

ENTRY {
  int bad = 0;
  i64 t = now_ns();
  for (int i = 0; i < FILE_ITERS; i++) {
    int fd = (int)sys_openat(AT_FDCWD, "bench-file", O_RDWR | O_CREAT, 0644);
    if (fd < 0) { bad = 1; break; }
    bad |= sys_fstat(fd, st) != 0;
    bad |= sys_pwrite64(fd, buf, sizeof buf, 0) != sizeof buf;
    bad |= sys_pread64(fd, buf, sizeof buf, 0) != sizeof buf;
    sys_close(fd);
  }
  kv("file_loop_ns", (now_ns() - t) / FILE_ITERS);
  int p[2];
  bad |= sys_pipe2(p, 0) != 0;
  t = now_ns();
  for (int i = 0; i < PIPE_ITERS && !bad; i++) {
    bad |= sys_write(p[1], buf, sizeof buf) != sizeof buf;
    bad |= sys_read(p[0], buf, sizeof buf) != sizeof buf;
  }
  kv("pipe_loop_ns", (now_ns() - t) / PIPE_ITERS);
  kv("failed", bad);
  DONE(bad);
}
