/*
 * Processes, compiled twice: for wasm (raw WALI imports) and natively (raw Linux syscalls), so the
 * Node host's fork, wait4, kill and the inheritance of fds are compared with the kernel's
 * (test/host/processes.test.ts). One `name=value` line per check (raw results, -errno, wait
 * statuses, 0/1 facts about pids). A parent always waits for its child before it prints, so the
 * lines do not depend on scheduling. argv[1] selects a group: fork, wait, fds, signals, selfkill,
 * jump, exec, inherit. Run in a directory holding a regular file `f` with "abcdef", an executable text
 * file `notexec` and this program itself as `prog` (mode 755).
 */
#ifdef __wasm__
#include "oracle-wasm.h"
SYS(read) i64 sys_read(int, void *, size_t);
SYS(write) i64 sys_write(int, const void *, size_t);
SYS(open) i64 sys_open(const char *, int, int);
SYS(close) i64 sys_close(int);
SYS(lseek) i64 sys_lseek(int, i64, int);
SYS(fcntl) i64 sys_fcntl(int, int, i64);
SYS(pipe) i64 sys_pipe(int *);
SYS(fork) i64 sys_fork(void);
SYS(wait4) i64 sys_wait4(int, int *, int, void *);
SYS(kill) i64 sys_kill(int, int);
SYS(tkill) i64 sys_tkill(int, int);
SYS(getpid) i64 sys_getpid(void);
SYS(getppid) i64 sys_getppid(void);
SYS(gettid) i64 sys_gettid(void);
SYS(rt_sigaction) i64 sys_rt_sigaction(int, const void *, void *, size_t);
SYS(rt_sigprocmask) i64 sys_rt_sigprocmask(int, const void *, void *, size_t);
SYS(execve) i64 sys_execve(const char *, char *const *, char *const *);
SYS(prlimit64) i64 sys_prlimit64(int, int, const void *, void *);
SYS(prctl) i64 sys_prctl(int, i64, i64, i64, i64);
SYS(setitimer) i64 sys_setitimer(int, const void *, void *);
SYS(getitimer) i64 sys_getitimer(int, void *);
__attribute__((import_module("wali"), import_name("setjmp"), returns_twice)) int wali_setjmp(void *);
__attribute__((import_module("wali"), import_name("longjmp"))) void wali_longjmp(void *, int);
/* WALI's sigaction: handler, flags (u64), restorer, mask (u64). */
struct sigact { unsigned handler; unsigned pad; u64 flags; unsigned restorer; unsigned pad2; u64 mask; };
#else
#include "oracle-native.h"
#include <setjmp.h>
/* The kernel's struct sigaction on x86-64: handler, flags, restorer, mask. */
struct sigact { unsigned long handler; unsigned long flags; unsigned long restorer; u64 mask; };
#endif

#define NUL ((void *)0)
#define O_RDONLY 0
#define O_RDWR 2
#define O_CLOEXEC 02000000
#define F_GETFD 1
#define F_SETFD 2
#define WNOHANG 1
#define SIGTERM 15
#define SIGKILL 9
#define SIGUSR1 10
#define SIG_IGN 1

#include "oracle-out.h"
static int eq(const char *a, const char *b) { while (*a && *a == *b) a++, b++; return *a == *b; }
static int same(const char *a, const char *b, int n) { while (n--) if (*a++ != *b++) return 0; return 1; }
static void quit(int code) { S(exit_group, code); for (;;) {} }
/* Not nested in S(): a macro is not expanded inside its own expansion. */
static int pid_(void) { return (int)S(getpid); }
static int ppid_(void) { return (int)S(getppid); }
static int tid_(void) { return (int)S(gettid); }

/* fork returns 0 in the child and the child's pid in the parent; the child's parent is the caller; data through a pipe. */
static void forks(void) {
  int me = pid_();
  int p[2];
  kv("pipe", S(pipe, p));
  i64 pid = S(fork);
  if (pid == 0) {
    kv("child_ppid_is_parent", ppid_() == me);
    kv("child_pid_differs", pid_() != me);
    kv("child_tid_is_pid", tid_() == pid_());
    S(close, p[0]);
    kv("child_write", S(write, p[1], "from child", 10));
    quit(7);
  }
  int st = -1;
  i64 w = S(wait4, (int)pid, &st, 0, NUL);
  kv("fork_positive", pid > 0);
  kv("wait_is_child", w == pid);
  kv("status", st);
  S(close, p[1]);
  char b[16] = {0};
  kv("parent_read", S(read, p[0], b, 16));
  kv("parent_data", same(b, "from child", 10));
  kv("parent_eof", S(read, p[0], b, 16));
  /* A grandchild: the child waits for it and passes its status on. */
  pid = S(fork);
  if (pid == 0) {
    i64 g = S(fork);
    if (g == 0) quit(5);
    int gs = 0;
    S(wait4, (int)g, &gs, 0, NUL);
    quit(((gs >> 8) & 0xff) + 1);
  }
  S(wait4, (int)pid, &st, 0, NUL);
  kv("nested_status", st);
}

/* wait4's statuses, pids, options and errors. */
static void waits(void) {
  int st = -1;
  kv("no_child", S(wait4, -1, &st, 0, NUL));
  kv("no_child_nohang", S(wait4, -1, &st, WNOHANG, NUL));
  kv("bad_options", S(wait4, -1, &st, 0x100, NUL));
  kv("int_min", S(wait4, (int)0x80000000, &st, 0, NUL));
  int codes[3] = {0, 42, 255};
  for (int i = 0; i < 3; i++) {
    i64 pid = S(fork);
    if (pid == 0) quit(codes[i]);
    st = -1;
    kv(i == 0 ? "wait_any_0" : i == 1 ? "wait_any_42" : "wait_any_255", S(wait4, -1, &st, 0, NUL) == pid);
    kv(i == 0 ? "status_0" : i == 1 ? "status_42" : "status_255", st);
  }
  i64 a = S(fork);
  if (a == 0) quit(1);
  i64 b = S(fork);
  if (b == 0) quit(2);
  /* Both have ended (natively, once wait4 has reaped b, a has surely been waited below). */
  st = -1;
  kv("wait_b", S(wait4, (int)b, &st, 0, NUL) == b);
  kv("status_b", st);
  kv("wait_b_again", S(wait4, (int)b, &st, 0, NUL));
  kv("wait_group_a", S(wait4, 0, &st, 0, NUL) == a);
  kv("status_a", st);
  kv("none_left", S(wait4, -1, &st, 0, NUL));
  kv("none_left_nohang", S(wait4, -1, &st, WNOHANG, NUL));
  kv("wait_other_pid", S(wait4, 999999, &st, 0, NUL));
  i64 c = S(fork);
  if (c == 0) quit(3);
  /* NULL status and rusage are allowed; a bad status pointer is EFAULT and the child is reaped anyway. */
  char ru[144];
  kv("wait_null_status", S(wait4, (int)c, NUL, 0, ru) == c);
  c = S(fork);
  if (c == 0) quit(4);
  kv("wait_bad_status", S(wait4, (int)c, (int *)0xfffffff0, 0, NUL));
  kv("reaped_anyway", S(wait4, -1, &st, WNOHANG, NUL));
}

/* A child's fds: inherited, offsets shared, flags and close-on-exec bits copied, closes its own. */
static void fds(void) {
  int fd = (int)S(open, "f", O_RDONLY, 0);
  int ce = (int)S(open, "f", O_RDONLY | O_CLOEXEC, 0);
  kv("open", fd);
  char b[8] = {0};
  kv("read_parent", S(read, fd, b, 2));
  i64 pid = S(fork);
  if (pid == 0) {
    kv("child_offset", S(lseek, fd, 0, 1));
    kv("child_read", S(read, fd, b, 2));
    kv("child_data", same(b, "cd", 2));
    kv("child_cloexec", S(fcntl, ce, F_GETFD, 0));
    kv("child_write_rdonly", S(write, fd, "x", 1));
    /* The child's close does not close the parent's fd. */
    kv("child_close", S(close, fd));
    quit(0);
  }
  int st;
  S(wait4, (int)pid, &st, 0, NUL);
  kv("parent_offset", S(lseek, fd, 0, 1));
  kv("parent_read_after", S(read, fd, b, 2));
  kv("parent_data_after", same(b, "ef", 2));
  kv("parent_cloexec", S(fcntl, ce, F_GETFD, 0));
  /* A change in the child of the fd flags is its own (the table is a copy). */
  pid = S(fork);
  if (pid == 0) {
    S(fcntl, ce, F_SETFD, 0);
    quit(0);
  }
  S(wait4, (int)pid, &st, 0, NUL);
  kv("parent_cloexec_kept", S(fcntl, ce, F_GETFD, 0));
}

/* Signals between the guest's processes: existence checks, bad signals, deaths by signal. */
static void signals(void) {
  int me = pid_();
  kv("kill_self_0", S(kill, me, 0));
  kv("tkill_self_0", S(tkill, tid_(), 0));
  kv("kill_self_bad", S(kill, me, 999));
  kv("kill_self_neg", S(kill, me, -1));
  kv("tkill_self_bad", S(tkill, tid_(), 65));
  /* SIGUSR1 ignored: nothing happens. */
  struct sigact ign = {0}, old;
  ign.handler = SIG_IGN;
  kv("ignore_usr1", S(rt_sigaction, SIGUSR1, &ign, &old, 8));
  kv("kill_self_ignored", S(kill, me, SIGUSR1));
  int st;
  i64 pid = S(fork);
  if (pid == 0) {
    kv("child_kill_parent_0", S(kill, ppid_(), 0));
    S(kill, pid_(), SIGTERM);
    quit(1);
  }
  /* Alive or a zombie, the child exists until it is reaped (printed once it is: no interleaving). */
  i64 k0 = S(kill, (int)pid, 0);
  i64 kbad = S(kill, (int)pid, 100);
  S(wait4, (int)pid, &st, 0, NUL);
  kv("kill_child_0", k0);
  kv("kill_child_bad", kbad);
  kv("status_sigterm", st);
  pid = S(fork);
  if (pid == 0) {
    S(kill, pid_(), SIGKILL);
    quit(1);
  }
  S(wait4, (int)pid, &st, 0, NUL);
  kv("status_sigkill", st);
  /* The child inherits SIGUSR1 ignored. */
  pid = S(fork);
  if (pid == 0) {
    S(kill, pid_(), SIGUSR1);
    quit(3);
  }
  S(wait4, (int)pid, &st, 0, NUL);
  kv("status_usr1_ignored", st);
  /* A blocked SIGTERM stays pending: the child exits normally. */
  pid = S(fork);
  if (pid == 0) {
    u64 set = 1ull << (SIGTERM - 1);
    S(rt_sigprocmask, 0, &set, NUL, 8);
    S(kill, pid_(), SIGTERM);
    quit(4);
  }
  S(wait4, (int)pid, &st, 0, NUL);
  kv("status_blocked", st);
  /* A grandchild kills its parent: the parent ends by the signal. */
  pid = S(fork);
  if (pid == 0) {
    i64 g = S(fork);
    if (g == 0) {
      S(kill, ppid_(), SIGTERM);
      quit(0);
    }
    int gs;
    S(wait4, (int)g, &gs, 0, NUL);
    quit(1);
  }
  S(wait4, (int)pid, &st, 0, NUL);
  kv("status_killed_by_child", st);
}

/* setjmp returns 0, then longjmp's value (1 for 0); locals and the stack are as at setjmp. */
#ifdef __wasm__
typedef int jmpbuf[64];
#define SETJMP(b) wali_setjmp(b)
#define LONGJMP(b, v) wali_longjmp(b, v)
#else
typedef jmp_buf jmpbuf;
#define SETJMP(b) setjmp(b)
#define LONGJMP(b, v) longjmp(b, v)
#endif
static jmpbuf jb;
static int depth;
static void __attribute__((noinline)) dive(int n, int v) {
  volatile char pad[256];
  pad[0] = (char)n;
  depth++;
  if (n == 0) LONGJMP(jb, v);
  dive(n - 1, v + pad[0] * 0);
}
static void jumps(void) {
  volatile int rounds = 0;
  int r = SETJMP(jb);
  kv(rounds == 0 ? "setjmp_first" : rounds == 1 ? "setjmp_second" : "setjmp_third", r);
  rounds++;
  if (rounds == 1) dive(10, 7);
  if (rounds == 2) dive(3, 0);
  kv("rounds", rounds);
  kv("depth", depth);
}

/* execve: its errors, then a child runs this program again ("execd"), which reports its fds. */
static char *argv_of(char *a, char *b, char *c, char *d) {
  static char *v[5];
  v[0] = a; v[1] = b; v[2] = c; v[3] = d; v[4] = 0;
  return (char *)v;
}
static void execs(void) {
  static char *env[] = {"A=1", 0};
  char **av = (char **)argv_of("prog", "execd", "3", "4");
  int plain = (int)S(open, "f", O_RDONLY, 0);
  int ce = (int)S(open, "f", O_RDONLY | O_CLOEXEC, 0);
  kv("fds", plain * 10 + ce);
  kv("exec_missing", S(execve, "missing", av, env));
  kv("exec_dir", S(execve, ".", av, env));
  kv("exec_not_executable", S(execve, "f", av, env));
  kv("exec_not_a_program", S(execve, "notexec", av, env));
  kv("exec_bad_argv", S(execve, "./prog", (char **)0xfffffff0, env));
  i64 pid = S(fork);
  if (pid == 0) {
    i64 r = S(execve, "./prog", av, env);
    kv("exec_returned", r);
    quit(99);
  }
  int st;
  S(wait4, (int)pid, &st, 0, NUL);
  kv("exec_status", st);
  kv("parent_cloexec_open", S(fcntl, ce, F_GETFD, 0));
}
static void execd(void) {
  kv("execd_plain", S(fcntl, 3, F_GETFD, 0));
  kv("execd_cloexec", S(fcntl, 4, F_GETFD, 0));
  kv("execd_ppid_differs", ppid_() != pid_());
  quit(9);
}

/* What a fork child inherits of its parent's per-process state, and what it does not. */
static void inherits(void) {
  u64 lim[2] = {0, 0}, want[2];
  S(prlimit64, 0, 7 /* RLIMIT_NOFILE */, NUL, lim);
  want[0] = 100; want[1] = lim[1];
  kv("set_nofile", S(prlimit64, 0, 7, want, NUL));
  kv("set_name", S(prctl, 15 /* PR_SET_NAME */, (i64)(long)"parentname", 0, 0, 0));
  kv("set_pdeathsig", S(prctl, 1 /* PR_SET_PDEATHSIG */, SIGUSR1, 0, 0, 0));
  kv("set_subreaper", S(prctl, 36 /* PR_SET_CHILD_SUBREAPER */, 1, 0, 0, 0));
  i64 itv[4] = {0, 0, 100, 0}; /* interval 0, value 100 s */
  kv("set_itimer", S(setitimer, 0, itv, NUL));
  i64 pid = S(fork);
  if (pid == 0) {
    u64 l[2] = {0, 0};
    S(prlimit64, 0, 7, NUL, l);
    kv("child_nofile", (i64)l[0]);
    char name[16] = {0};
    S(prctl, 16 /* PR_GET_NAME */, (i64)(long)name, 0, 0, 0);
    kv("child_name", same(name, "parentname", 11));
    int v = -1;
    S(prctl, 2 /* PR_GET_PDEATHSIG */, (i64)(long)&v, 0, 0, 0);
    kv("child_pdeathsig", v);
    v = -1;
    S(prctl, 37 /* PR_GET_CHILD_SUBREAPER */, (i64)(long)&v, 0, 0, 0);
    kv("child_subreaper", v);
    i64 cur[4] = {-1, -1, -1, -1};
    S(getitimer, 0, cur);
    kv("child_itimer", cur[2] + cur[3]);
    quit(0);
  }
  int st;
  S(wait4, (int)pid, &st, 0, NUL);
  int v = -1;
  S(prctl, 2, (i64)(long)&v, 0, 0, 0);
  kv("parent_pdeathsig", v);
  i64 cur[4] = {0, 0, 0, 0};
  S(getitimer, 0, cur);
  kv("parent_itimer_left", cur[2] > 0);
  i64 off[4] = {0, 0, 0, 0};
  S(setitimer, 0, off, NUL);
}

static int run(const char *group) {
  if (eq(group, "fork")) forks();
  else if (eq(group, "wait")) waits();
  else if (eq(group, "fds")) fds();
  else if (eq(group, "signals")) signals();
  else if (eq(group, "selfkill")) { S(kill, pid_(), SIGTERM); return 1; }
  else if (eq(group, "jump")) jumps();
  else if (eq(group, "exec")) execs();
  else if (eq(group, "inherit")) inherits();
  else if (eq(group, "execd")) execd();
  else return 2;
  return 0;
}

/* An execve'd run keeps what it was given. */
#define ORACLE_KEEPS_FDS(argc, argv) ((argc) >= 2 && eq((argv)[1], "execd"))
#include "oracle-main.h"
