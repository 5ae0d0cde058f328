/*
 * fsops: runs the syscalls named on its command line, in order, for policy tests.
 *
 *   fsops OP ARG... [OP ARG...]...
 *
 * Every op takes a fixed number of words (below). A NUM word is a decimal, 0x-hex or 0-octal
 * number, possibly negative, or names OR-ed with `|` (O_WRONLY|O_CREAT|O_TRUNC, AT_FDCWD,
 * AT_REMOVEDIR, SEEK_END, R_OK, F_GETFD, FD_CLOEXEC, RENAME_NOREPLACE ...), or `$` for the
 * previous op's result, or `$K` for the result of op K (counted from 1). TEXT takes the escapes
 * \n \t \\ \xHH. Files are created with mode 0644, directories with 0755.
 *
 *   open PATH FLAGS              openat DIRFD PATH FLAGS      close FD
 *   read FD COUNT                pread FD COUNT OFFSET        write FD TEXT
 *   pwrite FD TEXT OFFSET        lseek FD OFFSET WHENCE       ftruncate FD LENGTH
 *   dup FD                       dup2 FD NEWFD                dup3 FD NEWFD FLAGS
 *   fcntl FD CMD ARG             mkdir PATH                   mkdirat DIRFD PATH
 *   rmdir PATH                   unlink PATH                  unlinkat DIRFD PATH FLAGS
 *   rename OLD NEW               renameat ODIRFD OLD NDIRFD NEW  (renameat2 with flags 0)
 *   renameat2 ODIRFD OLD NDIRFD NEW FLAGS                     link OLD NEW
 *   linkat ODIRFD OLD NDIRFD NEW FLAGS                        symlink TARGET PATH
 *   symlinkat TARGET DIRFD PATH  readlink PATH                stat PATH
 *   lstat PATH                   fstat FD                     fstatat DIRFD PATH FLAGS
 *   access PATH MODE             chmod PATH MODE              chdir PATH
 *   fchdir FD                    getcwd                       getdents FD
 *   ls PATH                      cat PATH                     exit STATUS
 *   readv FD COUNT COUNT         writev FD TEXT TEXT          fsync FD
 *   fdatasync FD                 fchmod FD MODE               fchmodat DIRFD PATH MODE
 *   faccessat2 DIRFD PATH MODE FLAGS                          xstat PATH
 *   utimens DIRFD PATH FLAGS     (atime := 1000000000 s, mtime left alone)
 *   statx DIRFD PATH FLAGS       (mask STATX_BASIC_STATS)     trap  (wasm `unreachable`)
 *   lstype PATH                  (ls, each entry as "name:d_type")
 *   sockbind PATH                (a Unix stream socket bound to PATH, then closed)
 *   sockconnect PATH             (a Unix stream socket connected to PATH, then closed)
 *   socksend PATH                (a Unix datagram socket sending "x" to PATH, then closed)
 *   fork N                       (see below)
 *
 * fork N forks. The child runs the next N ops (fewer when the program, or its own parent's
 * block, ends first) on the fds and cwd it inherited, then exits with 0 (or its `exit` STATUS);
 * it prints no line for the fork, its `$` is 0, and each of its lines starts with `child: `
 * (once per level). The parent waits for it (wait4), prints `fork N = STATUS` (the raw wait
 * status, or fork's -errno), and goes on after those N ops, which it does not run itself (nor
 * count for `$K`) even when fork failed. So the output is the same on every run.
 *
 * Output: one line per op, `OP ARG... = RESULT` with the words as given and the raw syscall
 * result (-errno on failure), followed on the same line by:
 *   read, pread, readlink, getcwd, cat:   the bytes as a C-quoted string "..." (when RESULT >= 0)
 *   readv:                                the bytes of both buffers, as one quoted string
 *   stat, lstat, fstat, fstatat:          mode=0100644 size=N
 *   xstat (lstat):                        nlink=N uid=U gid=G blksize=B blocks=K atime_set=0|1
 *   statx:                                mask=0xM mode=0100644 size=N nlink=N blksize=B
 *   getdents:                             the names from one getdents64 call, sorted, quoted
 *   ls:                                   the entries (without . and ..), sorted, quoted
 * getdents reads once into a 4096-byte buffer. ls is openat(AT_FDCWD, PATH, O_RDONLY|
 * O_DIRECTORY|O_CLOEXEC) + getdents64 until 0 + close; its result is the number of entries or
 * the first failure. cat is open(PATH, O_RDONLY) + read until EOF (up to 64 KiB) + close; its
 * result is the byte count or the first failure.
 * Exit status: 0 after the last op, STATUS for `exit`, 2 for a malformed command line.
 */
#include "wali.h"

struct sym {
  const char *name;
  i64 value;
};

static const struct sym SYMS[] = {
    {"O_RDONLY", O_RDONLY}, {"O_WRONLY", O_WRONLY}, {"O_RDWR", O_RDWR}, {"O_CREAT", O_CREAT},
    {"O_EXCL", O_EXCL}, {"O_NOCTTY", O_NOCTTY}, {"O_TRUNC", O_TRUNC}, {"O_APPEND", O_APPEND},
    {"O_NONBLOCK", O_NONBLOCK}, {"O_DSYNC", O_DSYNC}, {"O_SYNC", O_SYNC},
    {"O_DIRECTORY", O_DIRECTORY}, {"O_NOFOLLOW", O_NOFOLLOW}, {"O_CLOEXEC", O_CLOEXEC},
    {"O_PATH", O_PATH}, {"O_TMPFILE", O_TMPFILE}, {"AT_FDCWD", AT_FDCWD},
    {"AT_SYMLINK_NOFOLLOW", AT_SYMLINK_NOFOLLOW}, {"AT_REMOVEDIR", AT_REMOVEDIR},
    {"AT_SYMLINK_FOLLOW", AT_SYMLINK_FOLLOW}, {"AT_EMPTY_PATH", AT_EMPTY_PATH},
    {"SEEK_SET", SEEK_SET}, {"SEEK_CUR", SEEK_CUR}, {"SEEK_END", SEEK_END},
    {"F_OK", 0}, {"X_OK", 1}, {"W_OK", 2}, {"R_OK", 4},
    {"F_DUPFD", F_DUPFD}, {"F_GETFD", F_GETFD}, {"F_SETFD", F_SETFD}, {"F_GETFL", F_GETFL},
    {"F_SETFL", F_SETFL}, {"F_DUPFD_CLOEXEC", F_DUPFD_CLOEXEC}, {"FD_CLOEXEC", FD_CLOEXEC},
    {"RENAME_NOREPLACE", 1}, {"RENAME_EXCHANGE", 2}, {"RENAME_WHITEOUT", 4},
};

#define MAX_OPS 256
static i64 results[MAX_OPS + 1];
static int nops;
/* fork: this process's depth, the ops it may still run (-1: all), the ops its parent skips. */
static int depth;
static int budget = -1;
static int skip;

__attribute__((noreturn)) static void usage(const char *what, const char *word) {
  put("fsops: ");
  put(what);
  put(" '");
  put(word);
  put("'");
  flush_line();
  exit_with(2);
}

static int digit(char c, int base) {
  int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 99;
  return d < base ? d : -1;
}

/* One `|`-free part of a NUM word: [end) is its extent. */
static i64 num_part(const char *s, const char *end, const char *word) {
  int neg = 0;
  if (s < end && *s == '-') neg = 1, s++;
  if (s == end) usage("bad number", word);
  if ((*s < '0' || *s > '9')) {
    for (u32 i = 0; i < sizeof SYMS / sizeof SYMS[0]; i++) {
      const char *n = SYMS[i].name, *p = s;
      while (p < end && *n && *p == *n) p++, n++;
      if (p == end && !*n) return neg ? -SYMS[i].value : SYMS[i].value;
    }
    usage("unknown name in", word);
  }
  int base = 10;
  if (*s == '0' && s + 1 < end && (s[1] == 'x' || s[1] == 'X')) base = 16, s += 2;
  else if (*s == '0' && s + 1 < end) base = 8, s++;
  if (s == end) usage("bad number", word);
  i64 v = 0;
  for (; s < end; s++) {
    int d = digit(*s, base);
    if (d < 0 || v > (i64)1 << 56) usage("bad number", word);
    v = v * base + d;
  }
  return neg ? -v : v;
}

static i64 num(const char *w) {
  if (w[0] == '$') {
    if (!w[1]) {
      if (nops == 0) usage("no result yet for", w);
      return results[nops];
    }
    i64 k = num_part(w + 1, w + str_len(w), w);
    if (k < 1 || k > nops) usage("no result yet for", w);
    return results[k];
  }
  i64 v = 0;
  const char *part = w;
  for (const char *p = w;; p++) {
    if (*p == '|' || !*p) {
      v |= num_part(part, p, w);
      if (!*p) return v;
      part = p + 1;
    }
  }
}

/* Decodes TEXT escapes into a fresh buffer; *len gets the byte count. */
static char *unescape(const char *s, u32 *len) {
  char *out = bump_alloc(str_len(s) + 1);
  u32 n = 0;
  while (*s) {
    if (*s == '\\' && s[1]) {
      s++;
      if (*s == 'n') out[n++] = '\n', s++;
      else if (*s == 't') out[n++] = '\t', s++;
      else if (*s == 'x' && digit(s[1], 16) >= 0 && digit(s[2], 16) >= 0) out[n++] = (char)(digit(s[1], 16) * 16 + digit(s[2], 16)), s += 3;
      else out[n++] = *s++;
    } else {
      out[n++] = *s++;
    }
  }
  *len = n;
  return out;
}

static void put_names(const char **names, u32 n) {
  /* Insertion sort: kernel order differs between filesystems and hosts. */
  for (u32 i = 1; i < n; i++)
    for (u32 j = i; j > 0 && str_cmp(names[j - 1], names[j]) > 0; j--) {
      const char *t = names[j];
      names[j] = names[j - 1];
      names[j - 1] = t;
    }
  for (u32 i = 0; i < n; i++) {
    put(" ");
    put_quoted(names[i], str_len(names[i]));
  }
}

/* Appends the names in a getdents64 buffer to names[*n] (as "name:d_type" when asked); skips . and .. when asked. */
static void collect(const char *buf, i64 len, const char **names, u32 *n, u32 cap, int skip_dots, int with_type) {
  for (i64 off = 0; off < len; off += DIRENT_RECLEN(buf + off)) {
    const char *name = DIRENT_NAME(buf + off);
    if (skip_dots && (str_eq(name, ".") || str_eq(name, ".."))) continue;
    if (*n == cap) return;
    u32 l = str_len(name);
    char *c = bump_alloc(l + 24);
    mem_copy(c, name, l + 1);
    if (with_type) {
      c[l] = ':';
      c[l + 1 + fmt_i64(c + l + 1, DIRENT_TYPE(buf + off))] = 0;
    }
    names[(*n)++] = c;
  }
}

/* Writes `label` and v in decimal at buf; returns the length. */
static u32 fmt_kv(char *buf, const char *label, i64 v) {
  u32 n = str_len(label);
  mem_copy(buf, label, n);
  return n + fmt_i64(buf + n, v);
}

static void put_stat(i64 r, const char *st) {
  if (r < 0) return;
  put(" mode=");
  put_octal(STAT_MODE(st));
  put(" size=");
  put_i64(STAT_SIZE_OF(st));
}

#define NAMES_CAP 4096
#define CAT_MAX 65536

int prog_main(int argc, char **argv) {
  int i = 1;
  while (i < argc) {
    const char *op = argv[i];
    char **a = argv + i + 1;
    int left = argc - i - 1;
    u32 mark = bump_mark();
    if (nops == MAX_OPS) usage("too many ops at", op);
/* A skipped op (a child's, in its parent) is only measured. */
#define NEED(k) \
  if (left < (k)) usage("missing arguments for", op); \
  nargs = (k); \
  if (skip) goto next
    int nargs = 0;
    i64 r;
    /* After the result: extra output for some ops. */
    const char *data = 0;
    u32 data_len = 0;
    char st[STAT_SIZE];
    int has_stat = 0;
    const char **names = 0;
    u32 nnames = 0;
    char *xbuf = 0; /* xstat, statx: fields printed after the result */

    if (str_eq(op, "open")) {
      NEED(2);
      r = sys_open(a[0], (int)num(a[1]), 0644);
    } else if (str_eq(op, "openat")) {
      NEED(3);
      r = sys_openat((int)num(a[0]), a[1], (int)num(a[2]), 0644);
    } else if (str_eq(op, "close")) {
      NEED(1);
      r = sys_close((int)num(a[0]));
    } else if (str_eq(op, "read") || str_eq(op, "pread")) {
      int pread = op[0] == 'p';
      NEED(pread ? 3 : 2);
      i64 count = num(a[1]);
      if (count < 0 || count > CAT_MAX) usage("bad count", a[1]);
      char *buf = bump_alloc((u32)count + 1);
      r = pread ? sys_pread64((int)num(a[0]), buf, (u32)count, num(a[2])) : sys_read((int)num(a[0]), buf, (u32)count);
      data = buf, data_len = r > 0 ? (u32)r : 0;
    } else if (str_eq(op, "write") || str_eq(op, "pwrite")) {
      int pwrite = op[0] == 'p';
      NEED(pwrite ? 3 : 2);
      u32 len;
      char *text = unescape(a[1], &len);
      r = pwrite ? sys_pwrite64((int)num(a[0]), text, len, num(a[2])) : sys_write((int)num(a[0]), text, len);
    } else if (str_eq(op, "lseek")) {
      NEED(3);
      r = sys_lseek((int)num(a[0]), num(a[1]), (int)num(a[2]));
    } else if (str_eq(op, "ftruncate")) {
      NEED(2);
      r = sys_ftruncate((int)num(a[0]), num(a[1]));
    } else if (str_eq(op, "dup")) {
      NEED(1);
      r = sys_dup((int)num(a[0]));
    } else if (str_eq(op, "dup2")) {
      NEED(2);
      r = sys_dup2((int)num(a[0]), (int)num(a[1]));
    } else if (str_eq(op, "dup3")) {
      NEED(3);
      r = sys_dup3((int)num(a[0]), (int)num(a[1]), (int)num(a[2]));
    } else if (str_eq(op, "fcntl")) {
      NEED(3);
      r = sys_fcntl((int)num(a[0]), (int)num(a[1]), (u64)num(a[2]));
    } else if (str_eq(op, "mkdir")) {
      NEED(1);
      r = sys_mkdir(a[0], 0755);
    } else if (str_eq(op, "mkdirat")) {
      NEED(2);
      r = sys_mkdirat((int)num(a[0]), a[1], 0755);
    } else if (str_eq(op, "rmdir")) {
      NEED(1);
      r = sys_rmdir(a[0]);
    } else if (str_eq(op, "unlink")) {
      NEED(1);
      r = sys_unlink(a[0]);
    } else if (str_eq(op, "unlinkat")) {
      NEED(3);
      r = sys_unlinkat((int)num(a[0]), a[1], (int)num(a[2]));
    } else if (str_eq(op, "rename")) {
      NEED(2);
      r = sys_rename(a[0], a[1]);
    } else if (str_eq(op, "renameat")) {
      NEED(4);
      r = sys_renameat2((int)num(a[0]), a[1], (int)num(a[2]), a[3], 0);
    } else if (str_eq(op, "renameat2")) {
      NEED(5);
      r = sys_renameat2((int)num(a[0]), a[1], (int)num(a[2]), a[3], (int)num(a[4]));
    } else if (str_eq(op, "link")) {
      NEED(2);
      r = sys_link(a[0], a[1]);
    } else if (str_eq(op, "linkat")) {
      NEED(5);
      r = sys_linkat((int)num(a[0]), a[1], (int)num(a[2]), a[3], (int)num(a[4]));
    } else if (str_eq(op, "symlink")) {
      NEED(2);
      r = sys_symlink(a[0], a[1]);
    } else if (str_eq(op, "symlinkat")) {
      NEED(3);
      r = sys_symlinkat(a[0], (int)num(a[1]), a[2]);
    } else if (str_eq(op, "readlink")) {
      NEED(1);
      char *buf = bump_alloc(4096);
      r = sys_readlink(a[0], buf, 4096);
      data = buf, data_len = r > 0 ? (u32)r : 0;
    } else if (str_eq(op, "stat") || str_eq(op, "lstat")) {
      NEED(1);
      r = op[0] == 'l' ? sys_lstat(a[0], st) : sys_stat(a[0], st);
      has_stat = 1;
    } else if (str_eq(op, "fstat")) {
      NEED(1);
      r = sys_fstat((int)num(a[0]), st);
      has_stat = 1;
    } else if (str_eq(op, "fstatat")) {
      NEED(3);
      r = sys_newfstatat((int)num(a[0]), a[1], st, (int)num(a[2]));
      has_stat = 1;
    } else if (str_eq(op, "access")) {
      NEED(2);
      r = sys_access(a[0], (int)num(a[1]));
    } else if (str_eq(op, "chmod")) {
      NEED(2);
      r = sys_chmod(a[0], (u32)num(a[1]));
    } else if (str_eq(op, "chdir")) {
      NEED(1);
      r = sys_chdir(a[0]);
    } else if (str_eq(op, "fchdir")) {
      NEED(1);
      r = sys_fchdir((int)num(a[0]));
    } else if (str_eq(op, "getcwd")) {
      NEED(0);
      char *buf = bump_alloc(4096);
      r = sys_getcwd(buf, 4096);
      data = buf, data_len = r > 0 ? str_len(buf) : 0;
    } else if (str_eq(op, "getdents")) {
      NEED(1);
      char *buf = bump_alloc(4096);
      names = bump_alloc(NAMES_CAP * sizeof *names);
      r = sys_getdents64((int)num(a[0]), buf, 4096);
      if (r > 0) collect(buf, r, names, &nnames, NAMES_CAP, 0, 0);
    } else if (str_eq(op, "ls") || str_eq(op, "lstype")) {
      NEED(1);
      int with_type = op[2] == 't';
      char *buf = bump_alloc(4096);
      names = bump_alloc(NAMES_CAP * sizeof *names);
      i64 fd = sys_openat(AT_FDCWD, a[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
      r = fd;
      if (fd >= 0) {
        i64 n;
        while ((n = sys_getdents64((int)fd, buf, 4096)) > 0) collect(buf, n, names, &nnames, NAMES_CAP, 1, with_type);
        i64 c = sys_close((int)fd);
        r = n < 0 ? n : c < 0 ? c : (i64)nnames;
      }
    } else if (str_eq(op, "cat")) {
      NEED(1);
      char *buf = bump_alloc(CAT_MAX);
      i64 fd = sys_open(a[0], O_RDONLY, 0);
      r = fd;
      if (fd >= 0) {
        i64 n;
        u32 got = 0;
        while (got < CAT_MAX && (n = sys_read((int)fd, buf + got, CAT_MAX - got)) > 0) got += (u32)n;
        i64 c = sys_close((int)fd);
        r = n < 0 ? n : c < 0 ? c : (i64)got;
        data = buf, data_len = got;
      }
    } else if (str_eq(op, "readv")) {
      NEED(3);
      i64 c1 = num(a[1]), c2 = num(a[2]);
      if (c1 < 0 || c2 < 0 || c1 + c2 > CAT_MAX) usage("bad count", a[1]);
      char *buf = bump_alloc((u32)(c1 + c2) + 1);
      struct iovec_w iov[2] = {{buf, (unsigned long)c1}, {buf + c1, (unsigned long)c2}};
      r = sys_readv((int)num(a[0]), iov, 2);
      data = buf, data_len = r > 0 ? (u32)r : 0;
    } else if (str_eq(op, "writev")) {
      NEED(3);
      u32 l1, l2;
      char *t1 = unescape(a[1], &l1);
      char *t2 = unescape(a[2], &l2);
      struct iovec_w iov[2] = {{t1, l1}, {t2, l2}};
      r = sys_writev((int)num(a[0]), iov, 2);
    } else if (str_eq(op, "fsync") || str_eq(op, "fdatasync")) {
      NEED(1);
      r = op[1] == 's' ? sys_fsync((int)num(a[0])) : sys_fdatasync((int)num(a[0]));
    } else if (str_eq(op, "fchmod")) {
      NEED(2);
      r = sys_fchmod((int)num(a[0]), (u32)num(a[1]));
    } else if (str_eq(op, "fchmodat")) {
      NEED(3);
      r = sys_fchmodat((int)num(a[0]), a[1], (u32)num(a[2]), 0);
    } else if (str_eq(op, "faccessat2")) {
      NEED(4);
      r = sys_faccessat2((int)num(a[0]), a[1], (int)num(a[2]), (int)num(a[3]));
    } else if (str_eq(op, "utimens")) {
      NEED(3);
      struct timespec_w times[2] = {{1000000000, 0}, {0, UTIME_OMIT}};
      r = sys_utimensat((int)num(a[0]), a[1], times, (int)num(a[2]));
    } else if (str_eq(op, "xstat")) {
      NEED(1);
      r = sys_lstat(a[0], st);
      if (r >= 0) {
        xbuf = bump_alloc(256);
        u32 n = 0;
        n += fmt_kv(xbuf + n, " nlink=", (i64)STAT_NLINK(st));
        n += fmt_kv(xbuf + n, " uid=", STAT_UID(st));
        n += fmt_kv(xbuf + n, " gid=", STAT_GID(st));
        n += fmt_kv(xbuf + n, " blksize=", STAT_BLKSIZE(st));
        n += fmt_kv(xbuf + n, " blocks=", STAT_BLOCKS(st));
        n += fmt_kv(xbuf + n, " atime_set=", STAT_ATIME(st) == 1000000000);
        xbuf[n] = 0;
      }
    } else if (str_eq(op, "statx")) {
      NEED(3);
      char *sx = bump_alloc(STATX_SIZE);
      r = sys_statx((int)num(a[0]), a[1], (int)num(a[2]), 0x7ff, sx);
      if (r >= 0) {
        xbuf = bump_alloc(256);
        u32 n = 0;
        n += fmt_kv(xbuf + n, " mask=", STATX_MASK(sx) & 0x7ff);
        n += fmt_kv(xbuf + n, " mode=", STATX_MODE(sx));
        n += fmt_kv(xbuf + n, " size=", (i64)STATX_SIZE_OF(sx));
        n += fmt_kv(xbuf + n, " nlink=", STATX_NLINK(sx));
        n += fmt_kv(xbuf + n, " blksize=", STATX_BLKSIZE(sx));
        xbuf[n] = 0;
      }
    } else if (str_eq(op, "sockbind") || str_eq(op, "sockconnect") || str_eq(op, "socksend")) {
      NEED(1);
      struct { unsigned short family; char path[108]; } sa;
      u32 n = 0;
      sa.family = 1; /* AF_UNIX */
      while (a[0][n] && n < sizeof sa.path - 1) sa.path[n] = a[0][n], n++;
      sa.path[n] = 0;
      int dgram = op[4] == 's';
      i64 s = sys_socket(1, (dgram ? 2 : 1) | 02000000 /* SOCK_CLOEXEC */, 0);
      r = s;
      if (s >= 0) {
        r = op[4] == 'b' ? sys_bind((int)s, &sa, 2 + n + 1) : op[4] == 'c' ? sys_connect((int)s, &sa, 2 + n + 1) : sys_sendto((int)s, "x", 1, 0, &sa, 2 + n + 1);
        sys_close((int)s);
      }
    } else if (str_eq(op, "fork")) {
      NEED(1);
      i64 n = num(a[0]);
      if (n < 0 || n > MAX_OPS) usage("bad count", a[0]);
      if (budget >= 0 && n > budget - 1) n = budget - 1;
      r = sys_fork();
      if (r == 0) {
        /* The child: its first op is the next one; this op's count is taken below. */
        depth++;
        budget = (int)n + 1;
        results[++nops] = 0;
        goto next;
      }
      if (r > 0) {
        int status = 0;
        i64 w = sys_wait4((int)r, &status, 0, 0);
        r = w < 0 ? w : status;
      }
      skip = (int)n + 1; /* this op, then the child's */
    } else if (str_eq(op, "trap")) {
      NEED(0);
      __builtin_trap();
    } else if (str_eq(op, "exit")) {
      NEED(1);
      exit_with((int)num(a[0]));
    } else {
      usage("unknown op", op);
    }

    for (int d = 0; d < depth; d++) put("child: ");
    put(op);
    for (int k = 0; k < nargs; k++) {
      put(" ");
      put(a[k]);
    }
    put(" = ");
    put_i64(r);
    if (data && r >= 0) {
      put(" ");
      put_quoted(data, data_len);
    }
    if (has_stat) put_stat(r, st);
    if (names) put_names(names, nnames);
    if (xbuf) put(xbuf);
    flush_line();
    results[++nops] = r;
  next:
    bump_release(mark);
    i += 1 + nargs;
    if (skip) skip--;
    if (budget > 0 && --budget == 0) exit_with(0);
  }
  return 0;
}
