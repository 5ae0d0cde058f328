/*
 * The guest's process state and its calls on memory and filesystems, compiled twice: for wasm
 * (raw WALI imports) and natively (raw Linux syscalls), so the Node host's answers are compared
 * with the kernel's (test/host/kernel-state.test.ts). One `name=value` line per check; values
 * are raw results (-errno) or 0/1 facts, never something that differs between two processes
 * (pids, addresses). `only-wasm:` lines are checked on the host alone.
 *
 * Run in a directory holding a file `f` (8 bytes, "abcdefgh") and a directory `d`; argv[1]
 * selects a group: ids, limits, task, futex, fs, mem.
 */
#ifdef __wasm__
#include "oracle-wasm.h"
SYS(write) i64 sys_write(int, const void *, size_t);
SYS(open) i64 sys_open(const char *, int, int);
SYS(close) i64 sys_close(int);
SYS(pread64) i64 sys_pread64(int, void *, size_t, i64);
SYS(pwrite64) i64 sys_pwrite64(int, const void *, size_t, i64);
SYS(getpid) i64 sys_getpid(void);
SYS(gettid) i64 sys_gettid(void);
SYS(getppid) i64 sys_getppid(void);
SYS(getuid) i64 sys_getuid(void);
SYS(geteuid) i64 sys_geteuid(void);
SYS(getgid) i64 sys_getgid(void);
SYS(getegid) i64 sys_getegid(void);
SYS(setuid) i64 sys_setuid(int);
SYS(setgid) i64 sys_setgid(int);
SYS(setreuid) i64 sys_setreuid(int, int);
SYS(setregid) i64 sys_setregid(int, int);
SYS(setresuid) i64 sys_setresuid(int, int, int);
SYS(setresgid) i64 sys_setresgid(int, int, int);
SYS(getgroups) i64 sys_getgroups(int, void *);
SYS(setgroups) i64 sys_setgroups(int, const void *);
SYS(getpgid) i64 sys_getpgid(int);
SYS(getsid) i64 sys_getsid(int);
SYS(setpgid) i64 sys_setpgid(int, int);
SYS(setsid) i64 sys_setsid(void);
SYS(getrlimit) i64 sys_getrlimit(int, void *);
SYS(setrlimit) i64 sys_setrlimit(int, const void *);
SYS(prlimit64) i64 sys_prlimit64(int, int, const void *, void *);
SYS(getrusage) i64 sys_getrusage(int, void *);
SYS(sysinfo) i64 sys_sysinfo(void *);
SYS(sched_getaffinity) i64 sys_sched_getaffinity(int, size_t, void *);
SYS(setitimer) i64 sys_setitimer(int, const void *, void *);
SYS(alarm) i64 sys_alarm(unsigned);
SYS(prctl) i64 sys_prctl(int, i64, i64, i64, i64);
SYS(sigaltstack) i64 sys_sigaltstack(const void *, void *);
SYS(futex) i64 sys_futex(int *, int, int, const void *, int *, int);
SYS(statfs) i64 sys_statfs(const char *, void *);
SYS(fstatfs) i64 sys_fstatfs(int, void *);
SYS(flock) i64 sys_flock(int, int);
SYS(fadvise) i64 sys_fadvise(int, i64, i64, int);
SYS(chroot) i64 sys_chroot(const char *);
SYS(mmap) i64 sys_mmap(void *, size_t, int, int, int, i64);
SYS(munmap) i64 sys_munmap(void *, size_t);
SYS(mprotect) i64 sys_mprotect(void *, size_t, int);
SYS(madvise) i64 sys_madvise(void *, size_t, int);
SYS(msync) i64 sys_msync(void *, size_t, int);
SYS(mremap) i64 sys_mremap(void *, size_t, size_t, int, void *);
#define WASM 1
void *memcpy(void *d, const void *s, size_t n) {
  volatile unsigned char *p = d;
  const volatile unsigned char *q = s;
  while (n--) *p++ = *q++;
  return d;
}
#else
#include "oracle-native.h"
#include <string.h>
#define SYS_fadvise SYS_fadvise64
#define WASM 0
#endif

#define O_RDONLY 0
#define O_RDWR 2
#define O_PATH 010000000
#define O_DIRECTORY 0200000

#include "oracle-out.h"
static int eq(const char *a, const char *b) {
  while (*a && *a == *b) a++, b++;
  return *a == *b;
}

struct rlim { u64 cur, max; };
struct timeval64 { i64 sec, usec; };
struct itimerval64 { struct timeval64 interval, value; };
struct timespec64 { i64 sec, nsec; };
typedef struct { void *sp; int flags; size_t size; } altstack;

static void ids(void) {
  int uid = (int)S(getuid), gid = (int)S(getgid);
  kv("setuid_self", S(setuid, uid));
  kv("setuid_other", S(setuid, uid == 65530 ? 65531 : 65530));
  kv("setuid_minus1", S(setuid, -1));
  kv("setgid_self", S(setgid, gid));
  kv("setgid_other", S(setgid, gid == 65530 ? 65531 : 65530));
  kv("setreuid_noop", S(setreuid, -1, -1));
  int euid = (int)S(geteuid);
  kv("setreuid_swap", S(setreuid, euid, uid));
  kv("setreuid_other", S(setreuid, 65530, -1));
  kv("setregid_other", S(setregid, -1, 65530));
  kv("setresuid_same", S(setresuid, uid, uid, uid));
  kv("setresuid_other", S(setresuid, -1, -1, 65530));
  kv("setresgid_other", S(setresgid, 65530, -1, -1));
  kv("uid_kept", S(getuid) == uid && S(geteuid) == uid);
  unsigned groups[256];
  i64 n = S(getgroups, 0, 0);
  kv("getgroups_count", n);
  kv("getgroups_list", S(getgroups, 256, groups));
  kv("getgroups_negative", S(getgroups, -1, groups));
  if (n > 0) kv("getgroups_small", S(getgroups, (int)n - 1, groups));
  kv("setgroups_same", S(setgroups, (int)n, groups));
  kv("setgroups_none", S(setgroups, 0, 0));
  kv("setgroups_negative", S(setgroups, -1, groups));
  i64 pid = S(getpid);
  kv("ppid_positive", S(getppid) > 0);
  kv("ppid_not_self", S(getppid) != pid);
  i64 pgid = S(getpgid, 0);
  kv("pgid_self", S(getpgid, (int)pid) == pgid);
  kv("pgid_leader", pgid == pid);
  kv("getpgid_none", S(getpgid, 2147483640));
  kv("getsid_self", S(getsid, (int)pid) == S(getsid, 0));
  kv("getsid_none", S(getsid, 2147483640));
  kv("setpgid_same", S(setpgid, 0, (int)pgid));
  kv("setpgid_negative", S(setpgid, 0, -1));
  kv("setpgid_none", S(setpgid, 2147483640, 0));
  kv("setpgid_other_group", S(setpgid, 0, 2147483640));
  kv("setsid_is_pid", S(setsid) == pid);
  kv("sid_now_pid", S(getsid, 0) == pid && S(getpgid, 0) == pid);
  kv("setsid_again", S(setsid));
  kv("setpgid_leader", S(setpgid, 0, (int)pgid));
}

static void limits(void) {
  int pid = (int)S(getpid);
  struct rlim r, r2;
  kv("getrlimit_nofile", S(getrlimit, 7, &r));
  kv("nofile_sane", r.cur > 0 && r.cur <= r.max);
  kv("getrlimit_bad", S(getrlimit, 9999, &r2));
  kv("setrlimit_bad", S(setrlimit, 9999, &r));
  struct rlim cur_above = { r.max + 1, r.max };
  kv("setrlimit_cur_above_max", S(setrlimit, 7, &cur_above));
  struct rlim raise = { r.cur, r.max + 1 };
  kv("setrlimit_raise_max", S(setrlimit, 7, &raise));
  struct rlim five = { 5, r.max };
  kv("setrlimit_five", S(setrlimit, 7, &five));
  kv("getrlimit_after", S(getrlimit, 7, &r2) == 0 && r2.cur == 5 && r2.max == r.max);
  int fds = 0;
  for (int i = 0; i < 4; i++) {
    i64 fd = S(open, "f", O_RDONLY, 0);
    if (fd >= 0) fds++;
    else kv("open_past_limit", fd);
  }
  kv("fds_under_five", fds);
  struct rlim six = { 6, r.max };
  kv("prlimit_self_six", S(prlimit64, pid, 7, &six, 0));
  kv("open_sixth", S(open, "f", O_RDONLY, 0));
  kv("open_seventh", S(open, "f", O_RDONLY, 0));
  struct rlim a, b;
  kv("prlimit_get", S(prlimit64, 0, 3, 0, &a));
  kv("prlimit_self_same", S(prlimit64, pid, 3, 0, &b) == 0 && a.cur == b.cur && a.max == b.max);
  kv("prlimit_bad", S(prlimit64, 0, 9999, 0, &a));
  struct rlim stack_down = { a.cur == (u64)-1 ? 1 << 23 : a.cur, a.max };
  kv("prlimit_set_stack", S(prlimit64, 0, 3, &stack_down, &b));
  kv("prlimit_old_is_old", b.cur == a.cur);
  unsigned char ru[144];
  kv("getrusage_self", S(getrusage, 0, ru));
  kv("getrusage_children", S(getrusage, -1, ru));
  kv("getrusage_thread", S(getrusage, 1, ru));
  kv("getrusage_bad", S(getrusage, 9999, ru));
  unsigned char si[112];
  kv("sysinfo", S(sysinfo, si));
  kv("sysinfo_totalram", *(u64 *)(si + 32) > 0);
  kv("sysinfo_mem_unit", *(unsigned *)(si + 104) > 0);
  u64 mask[16] = {0}, mask2[16] = {0};
  i64 n = S(sched_getaffinity, 0, sizeof mask, mask);
  kv("affinity", n);
  kv("affinity_nonempty", mask[0] != 0);
  kv("affinity_self_same", S(sched_getaffinity, pid, sizeof mask2, mask2) == n && mask2[0] == mask[0]);
  kv("affinity_unaligned", S(sched_getaffinity, 0, 12, mask));
  kv("affinity_none", S(sched_getaffinity, 2147483640, sizeof mask, mask));
}

static void task(void) {
  char name[16] = "walitest", got[16];
  kv("prctl_set_name", S(prctl, 15, (i64)(long)name, 0, 0, 0));
  kv("prctl_get_name", S(prctl, 16, (i64)(long)got, 0, 0, 0));
  kv("name_back", eq(got, "walitest"));
  char longname[32] = "abcdefghijklmnopqrstuvwxyz";
  S(prctl, 15, (i64)(long)longname, 0, 0, 0);
  S(prctl, 16, (i64)(long)got, 0, 0, 0);
  kv("name_cut", eq(got, "abcdefghijklmno"));
  kv("prctl_bad", S(prctl, 99999, 0, 0, 0, 0));
  kv("dumpable", S(prctl, 3, 0, 0, 0, 0));
  kv("set_dumpable_bad", S(prctl, 4, 2, 0, 0, 0));
  kv("pdeathsig_bad", S(prctl, 1, 65, 0, 0, 0));
  kv("pdeathsig_set", S(prctl, 1, 10, 0, 0, 0));
  int sig = -1;
  kv("pdeathsig_get", S(prctl, 2, (i64)(long)&sig, 0, 0, 0));
  kv("pdeathsig", sig);
  kv("nnp_bad", S(prctl, 38, 1, 1, 0, 0));
  kv("nnp_set", S(prctl, 38, 1, 0, 0, 0));
  kv("nnp_get", S(prctl, 39, 0, 0, 0, 0));
  kv("slack_set", S(prctl, 29, 1000, 0, 0, 0));
  kv("slack_get", S(prctl, 30, 0, 0, 0, 0));

  altstack q, ss;
  char stack[8192];
  kv("altstack_query", S(sigaltstack, 0, &q));
  kv("altstack_initial", q.flags == 2 && q.size == 0);
  ss.sp = stack; ss.flags = 0; ss.size = sizeof stack;
  kv("altstack_set", S(sigaltstack, &ss, 0));
  kv("altstack_get", S(sigaltstack, 0, &q));
  kv("altstack_back", q.sp == stack && q.size == sizeof stack && q.flags == 0);
  ss.size = 100;
  kv("altstack_small", S(sigaltstack, &ss, 0));
  ss.size = sizeof stack; ss.flags = 5;
  kv("altstack_bad_flags", S(sigaltstack, &ss, 0));
  ss.flags = (int)0x80000000;
  kv("altstack_autodisarm", S(sigaltstack, &ss, &q));
  kv("altstack_old_flags", q.flags);
  S(sigaltstack, 0, &q);
  kv("altstack_autodisarm_flags", (unsigned)q.flags == 0x80000000u);
  ss.flags = 2;
  kv("altstack_disable", S(sigaltstack, &ss, &q));
  S(sigaltstack, 0, &q);
  kv("altstack_disabled", q.flags == 2 && q.size == 0 && q.sp == 0);

  struct itimerval64 it = {{0, 0}, {10, 0}}, old, off = {{0, 0}, {0, 0}};
  kv("setitimer_bad_which", S(setitimer, 9999, &off, 0));
  struct itimerval64 bad = {{0, 0}, {0, 1000000}};
  kv("setitimer_bad_usec", S(setitimer, 0, &bad, 0));
  kv("setitimer_real", S(setitimer, 0, &it, 0));
  kv("setitimer_off", S(setitimer, 0, &off, &old));
  kv("old_remaining", old.value.sec >= 9 && old.value.sec <= 10 && old.interval.sec == 0);
  kv("setitimer_off_again", S(setitimer, 0, &off, &old));
  kv("old_disarmed", old.value.sec == 0 && old.value.usec == 0);
  struct itimerval64 periodic = {{2, 0}, {5, 0}};
  S(setitimer, 0, &periodic, 0);
  S(setitimer, 0, &off, &old);
  kv("old_interval", old.interval.sec == 2);
  kv("alarm_first", S(alarm, 5));
  kv("alarm_second", S(alarm, 0));
}

static void futex(void) {
  int w = 0, w2 = 3;
  struct timespec64 ms = {0, 1000000}, bad = {0, 1000000000};
  kv("wait_mismatch", S(futex, &w, 0, 1, &ms, 0, 0));
  kv("wait_timeout", S(futex, &w, 0, 0, &ms, 0, 0));
  kv("wait_private_timeout", S(futex, &w, 128, 0, &ms, 0, 0));
  kv("wait_bad_timeout", S(futex, &w, 0, 0, &bad, 0, 0));
  kv("wait_realtime", S(futex, &w, 256, 0, &ms, 0, 0));
  kv("wait_bitset_zero", S(futex, &w, 9, 0, 0, 0, 0));
  kv("wake", S(futex, &w, 1, 1, 0, 0, 0));
  kv("wake_unaligned", S(futex, (int *)((char *)&w + 1), 1, 1, 0, 0, 0));
  kv("bad_op", S(futex, &w, 99, 0, 0, 0, 0));
  kv("requeue_negative", S(futex, &w, 3, -1, 0, &w2, 0));
  kv("cmp_requeue_mismatch", S(futex, &w, 4, 1, 0, &w2, 7));
  kv("cmp_requeue", S(futex, &w, 4, 1, 0, &w2, 0));
  kv("wake_op", S(futex, &w, 5, 1, (void *)1, &w2, (1 << 28) | (4 << 12) | 3));
  kv("wake_op_value", w2);
  kv("wake_op_bad", S(futex, &w, 5, 1, (void *)1, &w2, (7 << 28) | (4 << 12)));
  int lock = 0;
  kv("lock_pi", S(futex, &lock, 6, 0, 0, 0, 0));
  kv("lock_pi_owner", lock == (int)S(gettid));
  kv("lock_pi_again", S(futex, &lock, 6, 0, 0, 0, 0));
  kv("trylock_pi_again", S(futex, &lock, 8, 0, 0, 0, 0));
  kv("unlock_pi", S(futex, &lock, 7, 0, 0, 0, 0));
  kv("unlock_pi_free", lock);
  kv("unlock_pi_again", S(futex, &lock, 7, 0, 0, 0, 0));
  lock = 0x3ffffff0;
  kv("trylock_pi_nobody", S(futex, &lock, 8, 0, 0, 0, 0));
}

static void fs(void) {
  unsigned char st[120], st2[120];
  kv("statfs_cwd", S(statfs, ".", st));
  kv("statfs_type", *(i64 *)st);
  kv("statfs_file", S(statfs, "f", st2));
  kv("statfs_same_fs", *(i64 *)st2 == *(i64 *)st);
  kv("statfs_missing", S(statfs, "nope", st2));
  kv("statfs_notdir", S(statfs, "f/x", st2));
  i64 dfd = S(open, ".", O_RDONLY | O_DIRECTORY, 0);
  kv("fstatfs_dir", S(fstatfs, (int)dfd, st2));
  kv("fstatfs_same_fs", *(i64 *)st2 == *(i64 *)st);
  kv("fstatfs_bad", S(fstatfs, 99, st2));
  i64 pfd = S(open, "f", O_PATH, 0);
  kv("fstatfs_opath", S(fstatfs, (int)pfd, st2));
  wasm_only("statfs_root", S(statfs, "/", st2));
  wasm_only("statfs_root_ramfs", *(i64 *)st2 == 0x858458f6);
  i64 fd = S(open, "f", O_RDWR, 0);
  kv("flock_ex", S(flock, (int)fd, 2));
  kv("flock_sh", S(flock, (int)fd, 1));
  kv("flock_un", S(flock, (int)fd, 8));
  kv("flock_nb", S(flock, (int)fd, 2 | 4));
  kv("flock_bad_op", S(flock, (int)fd, 3));
  kv("flock_mand", S(flock, (int)fd, 0xDEAD));
  kv("flock_bad_fd", S(flock, 99, 2));
  kv("flock_bad_fd_bad_op", S(flock, 99, 3));
  kv("flock_opath", S(flock, (int)pfd, 2));
  kv("flock_dir", S(flock, (int)dfd, 2));
  kv("fadvise_normal", S(fadvise, (int)fd, 0, 0, 0));
  kv("fadvise_dontneed", S(fadvise, (int)fd, 0, 8, 4));
  kv("fadvise_bad", S(fadvise, (int)fd, 0, 0, 9999));
  kv("fadvise_bad_fd", S(fadvise, 99, 0, 0, 0));
  kv("fadvise_opath", S(fadvise, (int)pfd, 0, 0, 0));
  kv("fadvise_negative_len", S(fadvise, (int)fd, 0, (i64)-1, 0));
  kv("chroot_dot", S(chroot, "."));
  kv("chroot_dir", S(chroot, "d"));
  kv("chroot_missing", S(chroot, "nope"));
  kv("chroot_file", S(chroot, "f"));
}

#define PROT_READ 1
#define PROT_WRITE 2
#define MAP_SHARED 1
#define MAP_PRIVATE 2
#define MAP_ANONYMOUS 0x20

static void mem(void) {
  char *p = (char *)(long)S(mmap, 0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  p[0] = 'X';
  kv("mprotect_ro", S(mprotect, p, 4096, PROT_READ));
  kv("mprotect_rw", S(mprotect, p, 4096, PROT_READ | PROT_WRITE));
  kv("mprotect_zero_len", S(mprotect, p, 0, PROT_READ));
  kv("mprotect_unaligned", S(mprotect, p + 1, 4096, PROT_READ));
  kv("mprotect_bad_prot", S(mprotect, p, 4096, 0x40));
  kv("mprotect_null", S(mprotect, 0, 4096, PROT_READ));
  kv("mprotect_growsdown", S(mprotect, p, 4096, PROT_READ | 0x01000000));
  kv("madvise_normal", S(madvise, p, 4096, 0));
  kv("madvise_bad", S(madvise, p, 4096, 9999));
  kv("madvise_unaligned", S(madvise, p + 1, 4096, 0));
  kv("madvise_null", S(madvise, 0, 4096, 0));
  kv("madvise_zero_len_null", S(madvise, 0, 0, 0));
  kv("madvise_hwpoison", S(madvise, p, 4096, 100));
  kv("madvise_dontneed", S(madvise, p, 4096, 4));
  kv("dontneed_zeroed", p[0]);
  kv("msync_anon", S(msync, p, 4096, 4));
  kv("msync_bad_flags", S(msync, p, 4096, 0xDEAD));
  kv("msync_both", S(msync, p, 4096, 1 | 4));
  kv("msync_unaligned", S(msync, p + 1, 4096, 4));
  kv("msync_null", S(msync, 0, 4096, 4));
  p[0] = 'Y';
  kv("mremap_bad_flags", (i64)S(mremap, p, 4096, 4096, 8, 0));
  kv("mremap_fixed_alone", (i64)S(mremap, p, 4096, 8192, 2, 0));
  kv("mremap_unaligned", (i64)S(mremap, p + 1, 4096, 4096, 1, 0));
  kv("mremap_zero_new", (i64)S(mremap, p, 4096, 0, 1, 0));
  kv("mremap_null", (i64)S(mremap, 0, 4096, 8192, 1, 0));
  char *q = (char *)(long)S(mremap, p, 4096, 2048, 1, 0);
  kv("mremap_shrink_in_place", q == p);
  char *g = (char *)(long)S(mremap, q, 4096, 3 * 4096, 1, 0);
  kv("mremap_grow", (long)g > 0);
  kv("mremap_grow_kept", g[0]);
  g[3 * 4096 - 1] = 1;
  char *s = (char *)(long)S(mremap, g, 3 * 4096, 4096, 0, 0);
  kv("mremap_shrink_back", s == g);
  kv("munmap", S(munmap, s, 4096));

  i64 fd = S(open, "f", O_RDWR, 0);
  char *m = (char *)(long)S(mmap, 0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, (int)fd, 0);
  kv("mmap_shared", (long)m > 0);
  S(close, (int)fd);
  kv("shared_reads_file", m[0] == 'a' && m[7] == 'h' && m[8] == 0);
  m[1] = 'B';
  m[100] = 'Z'; /* past the end of the file: never written to it */
  kv("msync_sync", S(msync, m, 4096, 4));
  fd = S(open, "f", O_RDONLY, 0);
  char buf[16] = {0};
  kv("file_after_msync", S(pread64, (int)fd, buf, 16, 0));
  kv("file_byte1", buf[1]);
  m[2] = 'C';
  kv("msync_async", S(msync, m, 4096, 1));
  S(pread64, (int)fd, buf, 16, 0);
  kv("file_byte2", buf[2]);
  m[3] = 'D';
  kv("munmap_shared", S(munmap, m, 4096));
  S(pread64, (int)fd, buf, 16, 0);
  kv("file_byte3_after_munmap", buf[3]);
  char *r = (char *)(long)S(mmap, 0, 4096, PROT_READ, MAP_SHARED, (int)fd, 0);
  kv("mprotect_shared_ro_fd", S(mprotect, r, 4096, PROT_READ | PROT_WRITE));
  kv("madvise_free_file", S(madvise, r, 4096, 8));
  kv("madvise_remove_ro", S(madvise, r, 4096, 9));
  S(munmap, r, 4096);
  char *pr = (char *)(long)S(mmap, 0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, (int)fd, 0);
  pr[0] = 'q';
  kv("madvise_dontneed_private_file", S(madvise, pr, 4096, 4));
  kv("private_file_reloaded", pr[0]);
  S(munmap, pr, 4096);
  fd = S(open, "f", O_RDWR, 0);
  char *last = (char *)(long)S(mmap, 0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, (int)fd, 0);
  last[4] = 'E'; /* written back when the process exits */
}

static int run(const char *group) {
  if (eq(group, "ids")) ids();
  else if (eq(group, "limits")) limits();
  else if (eq(group, "task")) task();
  else if (eq(group, "futex")) futex();
  else if (eq(group, "fs")) fs();
  else if (eq(group, "mem")) mem();
  else return 2;
  return 0;
}

#include "oracle-main.h"
