/*
 * hog MODE [N]: a guest that overuses one resource, for the limits of `fdwarden run`.
 *   recurse N  N nested calls through a function pointer (no linear-memory stack, no tail calls),
 *              so only the engine's own call stack bounds it; prints `recurse = N` if it returns
 *   grow N     memory.grow by N pages (64 KiB each) until it fails
 *   mmap N     anonymous mmap of N bytes until it fails, touching every mapping's first and last byte
 *   spin       loops forever without a syscall
 *   sleep N    nanosleep for N seconds, then prints `sleep = 0`
 *   writev N   one writev to fd 1 of 1024 segments that all cover the same N bytes (from address 0);
 *              prints `writev = <result>` after it
 *   names N    newfstatat on N distinct missing names of 255 bytes in the cwd (the host's model
 *              caches absent names only up to a bound); prints `names = <how many were ENOENT>`
 *   files N    creates N empty files with distinct 255-byte names in the cwd (each one a name the
 *              host's model holds); prints `files = <how many were made>` (stops at the first failure)
 * grow and mmap print `grow = -1 pages=P` / `mmap = -errno bytes=B` (what the failing call
 * returned, and how much the guest got before it).
 * Exit status: 0 when the mode ended as described, 3 if grow or mmap never failed (after 4 GiB),
 * 2 on bad usage.
 */
#include "wali.h"

WALI(SYS_mmap) i64 sys_mmap(void *addr, u32 length, int prot, int flags, int fd, i64 offset);
WALI(SYS_nanosleep) i64 sys_nanosleep(const void *req, void *rem);

#define ENOENT 2
#define NAME_MAX 255

#define PROT_READ 1
#define PROT_WRITE 2
#define MAP_PRIVATE 2
#define MAP_ANONYMOUS 0x20

static i64 parse_count(const char *s) {
  i64 v = 0;
  if (!s || !*s) return -1;
  for (; *s; s++) {
    if (*s < '0' || *s > '9' || v > 100000000000LL) return -1;
    v = v * 10 + (*s - '0');
  }
  return v;
}

/* Called through a volatile pointer: clang can neither inline it nor turn the recursion into a loop. */
static u32 down(u32 n);
static u32 (*volatile next)(u32) = down;
static u32 down(u32 n) { return n == 0 ? 0 : next(n - 1) + 1; }

static void print_with(const char *label, i64 result, const char *what, u64 amount) {
  put(label);
  put(" = ");
  put_i64(result);
  put(" ");
  put(what);
  put("=");
  put_i64((i64)amount);
  flush_line();
}

static int grow(u32 step) {
  u64 pages = __builtin_wasm_memory_size(0);
  for (;;) {
    long got = __builtin_wasm_memory_grow(0, step);
    if (got < 0) {
      print_with("grow", got, "pages", pages);
      return 0;
    }
    pages += step;
    if (pages >= 65536) return 3;
  }
}

static int map(u32 step) {
  u64 total = 0;
  for (;;) {
    i64 at = sys_mmap(0, step, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (at < 0) {
      print_with("mmap", at, "bytes", total);
      return 0;
    }
    /* Touch the mapping: it must really be there. */
    char *p = (char *)(u32)at;
    p[0] = 1;
    p[step - 1] = 1;
    total += step;
    if (total >= 4ull << 30) return 3;
  }
}

/* The names: 255 bytes each, the last 8 the counter in hex, so no two are the same. */
static void name_for(char *name, u32 i) {
  static const char hexd[] = "0123456789abcdef";
  volatile char *fill = name; /* volatile: a plain loop becomes a call to memset, which there is none of */
  for (u32 k = 0; k < NAME_MAX; k++) fill[k] = 'n';
  name[NAME_MAX] = 0;
  for (u32 k = 0; k < 8; k++) name[NAME_MAX - 1 - k] = hexd[(i >> (4 * k)) & 15];
}

static int names(u32 n) {
  char name[NAME_MAX + 1], st[STAT_SIZE];
  i64 missing = 0;
  for (u32 i = 0; i < n; i++) {
    name_for(name, i);
    missing += sys_newfstatat(AT_FDCWD, name, st, 0) == -ENOENT;
  }
  print_result("names", missing);
  return 0;
}

static int files(u32 n) {
  char name[NAME_MAX + 1];
  i64 made = 0;
  for (u32 i = 0; i < n; i++) {
    name_for(name, i);
    i64 fd = sys_openat(AT_FDCWD, name, O_CREAT | O_WRONLY, 0644);
    if (fd < 0) break;
    sys_close((int)fd);
    made++;
  }
  print_result("files", made);
  return 0;
}

static int gather(u32 n) {
  static struct iovec_w iov[1024];
  for (u32 i = 0; i < 1024; i++) iov[i].base = 0, iov[i].len = n;
  print_result("writev", sys_writev(1, iov, 1024));
  return 0;
}

int prog_main(int argc, char **argv) {
  const char *mode = argc >= 2 ? argv[1] : "";
  i64 n = argc == 3 ? parse_count(argv[2]) : -1;
  if (str_eq(mode, "spin") && argc == 2) {
    for (volatile u32 i = 0;; i++) {
    }
  }
  if (n < 0 || n > 0xffffffffLL) {
    put("usage: hog recurse N | grow PAGES | mmap BYTES | spin | sleep SECONDS | names N | files N | writev N");
    flush_line();
    return 2;
  }
  if (str_eq(mode, "recurse")) {
    print_result("recurse", down((u32)n));
    return 0;
  }
  if (str_eq(mode, "grow") && n > 0) return grow((u32)n);
  if (str_eq(mode, "mmap") && n > 0) return map((u32)n);
  if (str_eq(mode, "names")) return names((u32)n);
  if (str_eq(mode, "files")) return files((u32)n);
  if (str_eq(mode, "writev")) return gather((u32)n);
  if (str_eq(mode, "sleep")) {
    struct timespec_w t = {n, 0};
    print_result("sleep", sys_nanosleep(&t, 0));
    return 0;
  }
  put("hog: unknown mode ");
  put(mode);
  flush_line();
  return 2;
}
