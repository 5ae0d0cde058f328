/*
 * Pipes, eventfds, poll/ppoll/select/pselect6 and epoll, compiled twice: for wasm (raw WALI
 * imports) and natively (raw Linux syscalls), so the Node host's answers are compared with the
 * kernel's (test/host/fd-objects.test.ts). One `name=value` line per check: raw results (-errno),
 * data read back, revents and event masks, and 0/1 facts about time (a timeout waited, what a
 * ready call left of its timeout). argv[1] selects a group: pipe, eventfd, poll, select, epoll.
 * Run in a directory holding a regular file `f`.
 */
#ifdef __wasm__
#include "oracle-wasm.h"
SYS(read) i64 sys_read(int, void *, size_t);
SYS(write) i64 sys_write(int, const void *, size_t);
SYS(open) i64 sys_open(const char *, int, int);
SYS(close) i64 sys_close(int);
SYS(dup) i64 sys_dup(int);
SYS(lseek) i64 sys_lseek(int, i64, int);
SYS(pread64) i64 sys_pread64(int, void *, size_t, i64);
SYS(fcntl) i64 sys_fcntl(int, int, i64);
SYS(pipe) i64 sys_pipe(int *);
SYS(pipe2) i64 sys_pipe2(int *, int);
SYS(eventfd) i64 sys_eventfd(unsigned);
SYS(eventfd2) i64 sys_eventfd2(unsigned, int);
SYS(poll) i64 sys_poll(void *, i64, int);
SYS(ppoll) i64 sys_ppoll(void *, i64, void *, void *, size_t);
SYS(select) i64 sys_select(int, void *, void *, void *, void *);
SYS(pselect6) i64 sys_pselect6(int, void *, void *, void *, void *, void *);
SYS(epoll_create) i64 sys_epoll_create(int);
SYS(epoll_create1) i64 sys_epoll_create1(int);
SYS(epoll_ctl) i64 sys_epoll_ctl(int, int, int, void *);
SYS(epoll_wait) i64 sys_epoll_wait(int, void *, int, int);
SYS(epoll_pwait) i64 sys_epoll_pwait(int, void *, int, int, void *, size_t);
SYS(clock_gettime) i64 sys_clock_gettime(int, void *);
#else
#include "oracle-native.h"
#endif

#define NUL ((void *)0) /* natively a variadic syscall() argument: a full-width NULL */
#define O_RDONLY 0
#define O_NONBLOCK 04000
#define O_CLOEXEC 02000000
#define F_GETFD 1
#define F_GETFL 3
#define F_SETFL 4
#define EFD_SEMAPHORE 1
#define POLLIN 0x1
#define POLLOUT 0x4
#define EPOLLIN 0x1
#define EPOLLOUT 0x4
#define EPOLLET (1u << 31)
#define EPOLL_CTL_ADD 1
#define EPOLL_CTL_DEL 2
#define EPOLL_CTL_MOD 3

struct pollfd { int fd; short events, revents; };
struct ts { i64 sec, nsec; };
/* Packed on x86-64, and so in WALI's libc. */
struct epev { unsigned events; u64 data; } __attribute__((packed));

#include "oracle-out.h"
static int eq(const char *a, const char *b) { while (*a && *a == *b) a++, b++; return *a == *b; }
static int same(const char *a, const char *b, int n) { while (n--) if (*a++ != *b++) return 0; return 1; }
static i64 now_ms(void) { struct ts t; S(clock_gettime, 1, &t); return t.sec * 1000 + t.nsec / 1000000; }

static char big[70000];

static void pipes(void) {
  int p[2] = {-1, -1};
  kv("pipe", S(pipe, p));
  kv("pipe_fds", p[0] * 100 + p[1]);
  kv("write", S(write, p[1], "hello", 5));
  char b[8] = {0};
  kv("read", S(read, p[0], b, 8));
  kv("data_ok", same(b, "hello", 5));
  kv("getfl_r", S(fcntl, p[0], F_GETFL, 0));
  kv("getfl_w", S(fcntl, p[1], F_GETFL, 0));
  kv("getfd_r", S(fcntl, p[0], F_GETFD, 0));
  kv("read_wrong_end", S(read, p[1], b, 1));
  kv("write_wrong_end", S(write, p[0], "x", 1));
  kv("lseek", S(lseek, p[0], 0, 0));
  kv("pread", S(pread64, p[0], b, 1, 0));
  /* O_NONBLOCK set by F_SETFL on a blocking pipe: an empty read is EAGAIN, not a wait. */
  kv("setfl_nonblock", S(fcntl, p[0], F_SETFL, O_NONBLOCK));
  kv("read_empty_nonblock", S(read, p[0], b, 1));
  kv("setfl_block", S(fcntl, p[0], F_SETFL, 0));
  kv("write2", S(write, p[1], "ab", 2));
  kv("read_blocking_ready", S(read, p[0], b, 8));
  /* A dup shares the description: the data is one stream. */
  int d = (int)S(dup, p[1]);
  kv("dup", d);
  kv("write_dup", S(write, d, "z", 1));
  kv("read_dup", S(read, p[0], b, 8));
  kv("close_w", S(close, p[1]));
  kv("close_dup", S(close, d));
  kv("read_eof", S(read, p[0], b, 8));
  kv("close_r", S(close, p[0]));
  kv("read_closed", S(read, p[0], b, 1));

  int q[2];
  kv("pipe2_nb", S(pipe2, q, O_NONBLOCK | O_CLOEXEC));
  kv("getfl_nb", S(fcntl, q[0], F_GETFL, 0));
  kv("getfd_cloexec", S(fcntl, q[1], F_GETFD, 0));
  kv("read_empty", S(read, q[0], b, 1));
  /* A full non-blocking pipe takes what fits (the pipe's 64 KiB), then EAGAIN. */
  kv("write_big", S(write, q[1], big, sizeof big));
  kv("write_full", S(write, q[1], "x", 1));
  i64 got = 0, r;
  while ((r = S(read, q[0], big, sizeof big)) > 0) got += r;
  kv("drained", got);
  kv("drain_end", r);
  S(close, q[0]);
  kv("write_no_reader", S(write, q[1], "x", 1));
  S(close, q[1]);

  kv("pipe2_bad_flags", S(pipe2, q, 0x40));
  kv("pipe_null", S(pipe, NUL));
}

static void eventfds(void) {
  u64 v = 0;
  int e = (int)S(eventfd, 10);
  kv("eventfd", e);
  kv("read", S(read, e, &v, 8));
  kv("value", (i64)v);
  v = 5;
  kv("write", S(write, e, &v, 8));
  v = 7;
  kv("write_again", S(write, e, &v, 8));
  kv("read_sum", S(read, e, &v, 8));
  kv("sum", (i64)v);
  kv("read_short", S(read, e, &v, 4));
  kv("write_short", S(write, e, &v, 4));
  v = ~0ull;
  kv("write_max", S(write, e, &v, 8));
  kv("getfl", S(fcntl, e, F_GETFL, 0));
  S(close, e);

  int s = (int)S(eventfd2, 3, EFD_SEMAPHORE | O_NONBLOCK);
  kv("sem", s >= 0);
  kv("sem_getfl", S(fcntl, s, F_GETFL, 0));
  for (int i = 0; i < 4; i++) {
    v = 99;
    i64 r = S(read, s, &v, 8);
    kv(i == 3 ? "sem_read_empty" : "sem_read", r);
    if (r > 0) kv("sem_value", (i64)v);
  }
  S(close, s);
  kv("eventfd2_bad_flags", S(eventfd2, 0, 0x10));
  int c = (int)S(eventfd2, 0, O_CLOEXEC);
  kv("cloexec_getfd", S(fcntl, c, F_GETFD, 0));
  S(close, c);
}

static void polls(void) {
  int p[2];
  S(pipe, p);
  struct pollfd f[4] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}, {-1, POLLIN, 7}, {1000, POLLIN, 0}};
  kv("poll_zero_nfds", S(poll, NUL, 0, 0));
  kv("poll_empty", S(poll, f, 1, 0));
  i64 t0 = now_ms();
  kv("poll_timeout", S(poll, f, 1, 30));
  kv("poll_waited", now_ms() - t0 >= 25);
  kv("poll_all", S(poll, f, 4, 0));
  kv("rev_read", f[0].revents);
  kv("rev_write", f[1].revents);
  kv("rev_ignored", f[2].revents);
  kv("rev_badf", f[3].revents);
  S(write, p[1], "x", 1);
  kv("poll_ready", S(poll, f, 2, 1000));
  kv("rev_read_ready", f[0].revents);
  kv("poll_huge_nfds", S(poll, f, 0x7fffffffffffll, 0));
  struct ts t = {5, 0};
  kv("ppoll_ready", S(ppoll, f, 1, &t, NUL, 8));
  kv("ppoll_left_most", t.sec == 4 || (t.sec == 5 && t.nsec == 0));
  struct ts bad = {0, 1000000000};
  kv("ppoll_bad_ts", S(ppoll, f, 1, &bad, NUL, 8));
  u64 mask = 0;
  kv("ppoll_bad_sigsetsize", S(ppoll, f, 1, &t, &mask, 4));
  kv("ppoll_mask", S(ppoll, f, 1, &t, &mask, 8));
  struct ts zero = {0, 0};
  char b[4];
  S(read, p[0], b, 1);
  t0 = now_ms();
  struct ts ms20 = {0, 20000000};
  kv("ppoll_timeout", S(ppoll, f, 1, &ms20, NUL, 8));
  kv("ppoll_waited", now_ms() - t0 >= 15);
  kv("ppoll_left_zero", ms20.sec == 0 && ms20.nsec == 0);
  kv("ppoll_zero", S(ppoll, f, 1, &zero, NUL, 8));
  S(close, p[1]);
  kv("poll_hup", S(poll, f, 1, 0));
  kv("rev_hup", f[0].revents);
  S(close, p[0]);
}

static void selects(void) {
  int p[2];
  S(pipe, p);
  u64 rd[16], wr[16];
  struct { i64 sec, usec; } tv = {0, 0};
  memset(rd, 0, sizeof rd);
  rd[0] = 1ull << p[0];
  kv("select_empty", S(select, p[0] + 1, rd, NUL, NUL, &tv));
  kv("select_empty_set", (i64)rd[0]);
  S(write, p[1], "x", 1);
  rd[0] = 1ull << p[0];
  memset(wr, 0, sizeof wr);
  wr[0] = (1ull << p[1]) | (1ull << p[0]);
  tv.sec = 5;
  kv("select_ready", S(select, p[1] + 1, rd, wr, NUL, &tv));
  kv("select_rd", rd[0] == 1ull << p[0]);
  kv("select_wr", wr[0] == 1ull << p[1]);
  kv("select_left_most", tv.sec == 4 || (tv.sec == 5 && tv.usec == 0));
  rd[0] = 1ull << 40;
  kv("select_badf", S(select, 41, rd, NUL, NUL, &tv));
  /* Bits past the fd table's size are not looked at. Linux's size depends on the process's
     history (a fork copies its parent's), so only the guest's, fresh, is checked: 64 fds. */
  rd[0] = 1ull << p[0];
  rd[1] = 1ull << 40;
  i64 past = S(select, 1024, rd, NUL, NUL, &tv);
  wasm_only("select_past_table", past);
  wasm_only("select_past_table_bit", rd[1] == 1ull << 40);
  kv("select_negative", S(select, -1, NUL, NUL, NUL, &tv));
  tv.sec = 0;
  tv.usec = -1;
  kv("select_bad_tv", S(select, 0, NUL, NUL, NUL, &tv));
  tv.usec = 1500000;
  rd[0] = 1ull << p[0];
  kv("select_usec_carry", S(select, p[0] + 1, rd, NUL, NUL, &tv));
  kv("select_usec_left", tv.sec == 1 || (tv.sec == 0 && tv.usec > 900000));
  S(read, p[0], wr, 1);
  rd[0] = 1ull << p[0];
  tv.sec = 0;
  tv.usec = 20000;
  i64 t0 = now_ms();
  kv("select_timeout", S(select, p[0] + 1, rd, NUL, NUL, &tv));
  kv("select_waited", now_ms() - t0 >= 15);
  kv("select_timeout_set", (i64)rd[0]);
  struct ts t = {0, 1000000};
  kv("pselect_sleep", S(pselect6, 0, NUL, NUL, NUL, &t, NUL));
  S(write, p[1], "x", 1);
  rd[0] = 1ull << p[0];
  t.nsec = 0;
  t.sec = 1;
  u64 mask = 0;
  u64 pack[2] = {(u64)(long)&mask, 8};
  kv("pselect_ready", S(pselect6, p[0] + 1, rd, NUL, NUL, &t, pack));
  kv("pselect_rd", rd[0] == 1ull << p[0]);
  pack[1] = 4;
  kv("pselect_bad_sigsetsize", S(pselect6, p[0] + 1, rd, NUL, NUL, &t, pack));
  struct ts bad = {-1, 0};
  kv("pselect_bad_ts", S(pselect6, p[0] + 1, rd, NUL, NUL, &bad, NUL));
  S(close, p[0]);
  S(close, p[1]);
}

static void epolls(void) {
  int p[2];
  S(pipe, p);
  int ep = (int)S(epoll_create1, 0);
  kv("create1", ep);
  kv("create1_bad", S(epoll_create1, 0x10));
  kv("create_zero", S(epoll_create, 0));
  int ep2 = (int)S(epoll_create, 1);
  kv("create", ep2);
  kv("create1_cloexec_getfd", S(fcntl, ep2, F_GETFD, 0));
  struct epev ev = {EPOLLIN, 0x1122334455667788ull}, got[4];
  kv("add", S(epoll_ctl, ep, EPOLL_CTL_ADD, p[0], &ev));
  kv("add_again", S(epoll_ctl, ep, EPOLL_CTL_ADD, p[0], &ev));
  kv("wait_none", S(epoll_pwait, ep, got, 4, 0, NUL, 8));
  i64 t0 = now_ms();
  kv("wait_timeout", S(epoll_wait, ep, got, 4, 30));
  kv("wait_waited", now_ms() - t0 >= 25);
  S(write, p[1], "x", 1);
  memset(got, 0, sizeof got);
  kv("wait_ready", S(epoll_pwait, ep, got, 4, 1000, NUL, 8));
  kv("ev_events", got[0].events);
  kv("ev_data_ok", got[0].data == 0x1122334455667788ull);
  ev.events = EPOLLOUT;
  kv("mod", S(epoll_ctl, ep, EPOLL_CTL_MOD, p[0], &ev));
  kv("wait_after_mod", S(epoll_wait, ep, got, 4, 0));
  kv("del", S(epoll_ctl, ep, EPOLL_CTL_DEL, p[0], NUL));
  kv("del_again", S(epoll_ctl, ep, EPOLL_CTL_DEL, p[0], NUL));
  kv("mod_missing", S(epoll_ctl, ep, EPOLL_CTL_MOD, p[0], &ev));
  kv("bad_op", S(epoll_ctl, ep, 0xdead, p[0], &ev));
  kv("add_badf", S(epoll_ctl, ep, EPOLL_CTL_ADD, 900, &ev));
  kv("add_bad_epfd", S(epoll_ctl, 900, EPOLL_CTL_ADD, p[0], &ev));
  kv("add_not_epoll", S(epoll_ctl, p[1], EPOLL_CTL_ADD, p[0], &ev));
  kv("add_self", S(epoll_ctl, ep, EPOLL_CTL_ADD, ep, &ev));
  int f = (int)S(open, "f", O_RDONLY, 0);
  kv("add_file", S(epoll_ctl, ep, EPOLL_CTL_ADD, f, &ev));
  S(close, f);
  kv("wait_bad_max", S(epoll_wait, ep, got, 0, 0));
  kv("wait_not_epoll", S(epoll_wait, p[0], got, 4, 0));
  kv("wait_badf", S(epoll_wait, 900, got, 4, 0));
  kv("pwait_bad_sigsetsize", S(epoll_pwait, ep, got, 4, 0, got, 4));
  /* Edge-triggered: one event per change. */
  ev.events = EPOLLIN | EPOLLET;
  ev.data = 42;
  kv("add_et", S(epoll_ctl, ep, EPOLL_CTL_ADD, p[0], &ev));
  kv("et_first", S(epoll_wait, ep, got, 4, 0));
  kv("et_again", S(epoll_wait, ep, got, 4, 0));
  S(write, p[1], "y", 1);
  kv("et_new_data", S(epoll_wait, ep, got, 4, 0));
  kv("et_data", (i64)got[0].data);
  /* An eventfd and a nested epoll in the same set. */
  int e = (int)S(eventfd2, 0, 0);
  ev.events = EPOLLIN;
  ev.data = 7;
  kv("add_eventfd", S(epoll_ctl, ep, EPOLL_CTL_ADD, e, &ev));
  u64 one = 1;
  S(write, e, &one, 8);
  ev.data = 8;
  kv("add_nested", S(epoll_ctl, ep2, EPOLL_CTL_ADD, ep, &ev));
  kv("nested_ready", S(epoll_wait, ep2, got, 4, 0));
  kv("nested_data", (i64)got[0].data);
  kv("both_ready", S(epoll_wait, ep, got, 4, 0));
  kv("both_data", (i64)(got[0].data + got[1].data));
  kv("max_one", S(epoll_wait, ep, got, 1, 0));
  /* Closing the last fd of a watched description takes it out of every epoll. */
  S(close, e);
  char b[4];
  S(read, p[0], b, 4);
  kv("after_close", S(epoll_wait, ep, got, 4, 0));
  S(close, ep2);
  S(close, ep);
  S(close, p[0]);
  S(close, p[1]);
}

static int run(const char *group) {
  if (eq(group, "pipe")) pipes();
  else if (eq(group, "eventfd")) eventfds();
  else if (eq(group, "poll")) polls();
  else if (eq(group, "select")) selects();
  else if (eq(group, "epoll")) epolls();
  else return 2;
  return 0;
}

#define ORACLE_NO_SIGPIPE
#include "oracle-main.h"
