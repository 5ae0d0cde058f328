/*
 * Sockets, compiled twice: for wasm (raw WALI imports, WALI's wasm32 struct msghdr) and natively
 * (raw Linux syscalls), so the Node host's answers are compared with the kernel's
 * (test/host/sockets.test.ts). One `name=value` line per check: raw results (-errno), data read
 * back, addresses as facts (family, loopback, ports equal). argv[1] selects a group: pair, unix,
 * tcp, udp, msg, errors, priv, deny. Run in a directory holding a regular file `f`.
 */
#ifdef __wasm__
#include "oracle-wasm.h"
SYS(read) i64 sys_read(int, void *, size_t);
SYS(write) i64 sys_write(int, const void *, size_t);
SYS(open) i64 sys_open(const char *, int, int);
SYS(close) i64 sys_close(int);
SYS(fcntl) i64 sys_fcntl(int, int, i64);
SYS(ioctl) i64 sys_ioctl(int, int, void *);
SYS(unlink) i64 sys_unlink(const char *);
SYS(stat) i64 sys_stat(const char *, void *);
SYS(poll) i64 sys_poll(void *, i64, int);
SYS(socket) i64 sys_socket(int, int, int);
SYS(socketpair) i64 sys_socketpair(int, int, int, int *);
SYS(bind) i64 sys_bind(int, const void *, unsigned);
SYS(connect) i64 sys_connect(int, const void *, unsigned);
SYS(listen) i64 sys_listen(int, int);
SYS(accept) i64 sys_accept(int, void *, void *);
SYS(accept4) i64 sys_accept4(int, void *, void *, int);
SYS(getsockname) i64 sys_getsockname(int, void *, void *);
SYS(getpeername) i64 sys_getpeername(int, void *, void *);
SYS(getsockopt) i64 sys_getsockopt(int, int, int, void *, void *);
SYS(setsockopt) i64 sys_setsockopt(int, int, int, const void *, unsigned);
SYS(shutdown) i64 sys_shutdown(int, int);
SYS(sendto) i64 sys_sendto(int, const void *, size_t, int, const void *, unsigned);
SYS(recvfrom) i64 sys_recvfrom(int, void *, size_t, int, void *, void *);
SYS(sendmsg) i64 sys_sendmsg(int, const void *, int);
SYS(recvmsg) i64 sys_recvmsg(int, void *, int);
/* WALI's struct msghdr: wasm32 pointers, 64-bit long's padding (spec/types_abi.py). */
struct iov { void *base; size_t len; };
struct mh { void *name; unsigned namelen; struct iov *iov; int iovlen; int pad1; void *control; unsigned controllen; int pad2; int flags; };
#else
#include "oracle-native.h"
struct iov { void *base; size_t len; };
struct mh { void *name; unsigned namelen; struct iov *iov; size_t iovlen; void *control; size_t controllen; int flags; };
#endif

#define NUL ((void *)0)
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_NONBLOCK 04000
#define SOCK_CLOEXEC 02000000
#define SOL_SOCKET 1
#define SO_REUSEADDR 2
#define SO_TYPE 3
#define SO_ERROR 4
#define SO_RCVBUF 8
#define MSG_PEEK 2
#define MSG_TRUNC 0x20
#define MSG_DONTWAIT 0x40
#define MSG_NOSIGNAL 0x4000
#define F_GETFD 1
#define F_GETFL 3
#define F_SETFL 4
#define O_NONBLOCK 04000
#define FIONREAD 0x541b
#define FIONBIO 0x5421
#define POLLIN 1
#define POLLOUT 4

struct in4 { unsigned short family, port; unsigned char addr[4]; unsigned char zero[8]; };
struct un { unsigned short family; char path[108]; };
struct pollfd { int fd; short events, revents; };

#include "oracle-out.h"
static int eq(const char *a, const char *b, size_t n) { for (size_t i = 0; i < n; i++) if (a[i] != b[i]) return 0; return 1; }
static void ks(const char *name, const char *s, size_t n) { out(name); out("="); S(write, 1, s, n); out("\n"); }

static struct in4 lo(int port) {
  struct in4 a;
  memset(&a, 0, sizeof a);
  a.family = AF_INET;
  a.port = (unsigned short)(((port & 255) << 8) | ((port >> 8) & 255));
  a.addr[0] = 127; a.addr[3] = 1;
  return a;
}
static unsigned un(struct un *u, const char *path) {
  memset(u, 0, sizeof *u);
  u->family = AF_UNIX;
  size_t n = slen(path);
  for (size_t i = 0; i < n; i++) u->path[i] = path[i];
  return (unsigned)(2 + n + 1);
}
static int port_of(int fd) {
  struct in4 a;
  unsigned len = sizeof a;
  if (S(getsockname, fd, &a, &len) != 0) return -1;
  return (a.port >> 8) | ((a.port & 255) << 8);
}

static void pair(void) {
  int sv[2] = {-1, -1};
  char b[16];
  kv("socketpair", S(socketpair, AF_UNIX, SOCK_STREAM, 0, sv));
  kv("fds", sv[0] * 10 + sv[1]);
  kv("write", S(write, sv[0], "abc", 3));
  kv("fionread", ({ int n = -1; i64 r = S(ioctl, sv[1], FIONREAD, &n); r ? r : n; }));
  kv("read", S(read, sv[1], b, sizeof b));
  kv("data_ok", eq(b, "abc", 3));
  kv("back", S(write, sv[1], "xy", 2));
  kv("read_back", S(read, sv[0], b, sizeof b));
  kv("getfl", S(fcntl, sv[0], F_GETFL, 0));
  kv("read_empty_nb", S(recvfrom, sv[0], b, sizeof b, MSG_DONTWAIT, NUL, NUL));
  int on = 1;
  kv("fionbio", S(ioctl, sv[0], FIONBIO, &on));
  kv("getfl_nb", S(fcntl, sv[0], F_GETFL, 0));
  kv("read_nb", S(read, sv[0], b, sizeof b));
  int v = -1;
  unsigned len = sizeof v;
  kv("so_type", S(getsockopt, sv[0], SOL_SOCKET, SO_TYPE, &v, &len) ?: v);
  kv("so_type_len", len);
  kv("so_error", S(getsockopt, sv[0], SOL_SOCKET, SO_ERROR, &v, &len) ?: v);
  struct un u;
  len = sizeof u;
  kv("peername", S(getpeername, sv[0], &u, &len));
  kv("peername_len", len);
  struct pollfd p = { sv[1], POLLIN, 0 };
  S(write, sv[0], "z", 1);
  kv("poll", S(poll, &p, 1, 0));
  kv("revents", p.revents);
  kv("shut_wr", S(shutdown, sv[0], 1));
  S(read, sv[1], b, sizeof b);
  kv("read_eof", S(read, sv[1], b, sizeof b));
  kv("send_after_shut", S(sendto, sv[0], "q", 1, MSG_NOSIGNAL, NUL, 0));
  kv("shut_bad", S(shutdown, sv[0], 9));
  S(close, sv[0]);
  S(close, sv[1]);
  kv("dgram", S(socketpair, AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv));
  kv("dgram_getfl", S(fcntl, sv[0], F_GETFL, 0));
  kv("dgram_getfd", S(fcntl, sv[0], F_GETFD, 0));
  kv("dgram_type", S(getsockopt, sv[0], SOL_SOCKET, SO_TYPE, &v, &len) ?: v);
  kv("dgram_send", S(sendto, sv[0], "hello", 5, 0, NUL, 0));
  kv("dgram_trunc", S(recvfrom, sv[1], b, 2, 0, NUL, NUL));
  kv("dgram_empty", S(read, sv[1], b, sizeof b));
  S(close, sv[0]);
  S(close, sv[1]);
  kv("pair_inet", S(socketpair, AF_INET, SOCK_STREAM, 0, sv));
  kv("pair_null", S(socketpair, AF_UNIX, SOCK_STREAM, 0, NUL));
}

static void unix_path(void) {
  struct un u, got;
  char b[16];
  unsigned len;
  int s = S(socket, AF_UNIX, SOCK_STREAM, 0);
  kv("socket", s);
  kv("bind", S(bind, s, &u, un(&u, "sock")));
  kv("bind_again", S(bind, s, &u, un(&u, "other")));
  char st[144];
  kv("stat", S(stat, "sock", st));
  unsigned mode = *(unsigned *)(st + 24);
  kv("is_sock", (mode & 0170000) == 0140000);
  len = sizeof got;
  memset(&got, 0, sizeof got);
  kv("sockname", S(getsockname, s, &got, &len));
  kv("sockname_len", len);
  ks("sockname_path", got.path, slen(got.path));
  kv("listen", S(listen, s, 4));
  int c = S(socket, AF_UNIX, SOCK_STREAM, 0);
  kv("connect", S(connect, c, &u, un(&u, "sock")));
  len = sizeof got;
  memset(&got, 0, sizeof got);
  int a = S(accept4, s, &got, &len, SOCK_CLOEXEC);
  kv("accept", a);
  kv("accept_len", len);
  kv("accept_cloexec", S(fcntl, a, F_GETFD, 0));
  len = sizeof got;
  memset(&got, 0, sizeof got);
  kv("peer", S(getpeername, c, &got, &len));
  ks("peer_path", got.path, slen(got.path));
  kv("c_to_a", S(write, c, "ping", 4));
  kv("a_read", S(read, a, b, sizeof b));
  kv("a_to_c", S(write, a, "pong!", 5));
  kv("c_read", S(read, c, b, sizeof b));
  kv("c_data", eq(b, "pong!", 5));
  int s2 = S(socket, AF_UNIX, SOCK_STREAM, 0);
  kv("bind_inuse", S(bind, s2, &u, un(&u, "sock")));
  kv("bind_noent", S(bind, s2, &u, un(&u, "none/x")));
  kv("connect_noent", S(connect, s2, &u, un(&u, "nosuch")));
  kv("connect_file", S(connect, s2, &u, un(&u, "f")));
  kv("connect_dir", S(connect, s2, &u, un(&u, ".")));
#ifdef __wasm__
  /* The host binds /proc/self/fd/N/NAME, which must fit sun_path too: a long name cannot. */
  kv("only-wasm:bind_long", S(bind, s2, &u, un(&u, "a123456789b123456789c123456789d123456789e123456789f123456789g123456789h123456789i123456789j123456789")));
#endif
  S(fcntl, s, F_SETFL, O_NONBLOCK);
  kv("accept_nb", S(accept, s, NUL, NUL));
  S(close, a);
  S(close, c);
  S(close, s);
  S(close, s2);
  kv("unlink", S(unlink, "sock"));
  int d = S(socket, AF_UNIX, SOCK_DGRAM, 0);
  kv("dg_bind", S(bind, d, &u, un(&u, "dg")));
  int e = S(socket, AF_UNIX, SOCK_DGRAM, 0);
  kv("dg_sendto", S(sendto, e, "hi", 2, 0, &u, un(&u, "dg")));
  len = sizeof got;
  kv("dg_recvfrom", S(recvfrom, d, b, sizeof b, 0, &got, &len));
  kv("dg_from_len", len);
  kv("dg_connect", S(connect, e, &u, un(&u, "dg")));
  kv("dg_write", S(write, e, "yo", 2));
  kv("dg_read", S(read, d, b, sizeof b));
  S(unlink, "dg");
  kv("dg_sendto_gone", S(sendto, e, "hi", 2, 0, &u, un(&u, "dg")));
  S(close, d);
  S(close, e);
}

static void tcp(void) {
  char b[16];
  int v = -1;
  unsigned len = sizeof v;
  int l = S(socket, AF_INET, SOCK_STREAM, 0);
  kv("socket", l);
  int one = 1;
  kv("reuseaddr", S(setsockopt, l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
  kv("reuseaddr_get", S(getsockopt, l, SOL_SOCKET, SO_REUSEADDR, &v, &len) ?: v);
  struct in4 a = lo(0), got;
  kv("accept_unbound", S(accept, l, NUL, NUL));
  kv("bind", S(bind, l, &a, sizeof a));
  int port = port_of(l);
  kv("port_set", port > 0);
  len = sizeof got;
  S(getsockname, l, &got, &len);
  kv("name_family", got.family);
  kv("name_loopback", got.addr[0] == 127 && got.addr[3] == 1);
  kv("listen", S(listen, l, 4));
  int c = S(socket, AF_INET, SOCK_STREAM, 0);
  a = lo(port);
  kv("connect", S(connect, c, &a, sizeof a));
  len = sizeof got;
  int s = S(accept, l, &got, &len);
  kv("accept_ok", s >= 0);
  kv("accept_len", len);
  kv("accept_peer_port", ((got.port >> 8) | ((got.port & 255) << 8)) == port_of(c));
  len = sizeof got;
  kv("peername", S(getpeername, c, &got, &len));
  kv("peer_port", ((got.port >> 8) | ((got.port & 255) << 8)) == port);
  kv("send", S(sendto, c, "hello", 5, 0, NUL, 0));
  kv("peek", S(recvfrom, s, b, sizeof b, MSG_PEEK, NUL, NUL));
  kv("recv", S(recvfrom, s, b, sizeof b, 0, NUL, NUL));
  kv("recv_ok", eq(b, "hello", 5));
  kv("shut", S(shutdown, c, 1));
  kv("eof", S(read, s, b, sizeof b));
  S(fcntl, l, F_SETFL, O_NONBLOCK);
  kv("accept_nb", S(accept4, l, NUL, NUL, 0));
  int c2 = S(socket, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  i64 r = S(connect, c2, &a, sizeof a);
  kv("connect_nb", r == 0 || r == -115);
  struct pollfd p = { c2, POLLOUT, 0 };
  kv("connect_nb_poll", S(poll, &p, 1, 5000));
  len = sizeof v;
  kv("connect_nb_error", S(getsockopt, c2, SOL_SOCKET, SO_ERROR, &v, &len) ?: v);
  int l2 = S(socket, AF_INET, SOCK_STREAM, 0);
  kv("bind_inuse", S(bind, l2, &a, sizeof a));
  struct in4 six = lo(0);
  six.family = AF_INET6;
  kv("bind_family", S(bind, l2, &six, sizeof six));
  kv("bind_short", S(bind, l2, &a, 8));
  kv("bind_long", S(bind, l2, &a, 129));
  a = lo(1);
  kv("refused", S(connect, l2, &a, sizeof a));
  int u = S(socket, AF_INET, SOCK_DGRAM, 0);
  kv("listen_udp", S(listen, u, 1));
  kv("so_type", S(getsockopt, l, SOL_SOCKET, SO_TYPE, &v, &len) ?: v);
  kv("bad_opt", S(getsockopt, l, SOL_SOCKET, 99999, &v, &len));
  kv("bad_setopt", S(setsockopt, l, SOL_SOCKET, 99999, &one, sizeof one));
  int buf = 4096;
  kv("rcvbuf", S(setsockopt, l, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf));
  len = sizeof v;
  kv("rcvbuf_get", S(getsockopt, l, SOL_SOCKET, SO_RCVBUF, &v, &len) ?: v);
  kv("opt_neg_len", S(setsockopt, l, SOL_SOCKET, SO_RCVBUF, &buf, -1));
#ifdef __wasm__
  /* Options the host does not pass: fds or pointers, pages pinned past the call. */
  kv("only-wasm:so_attach_filter", S(setsockopt, l, SOL_SOCKET, 26, &one, sizeof one));
  kv("only-wasm:so_zerocopy", S(setsockopt, l, SOL_SOCKET, 60, &one, sizeof one));
#endif
  kv("socket_bad_type", S(socket, AF_INET, 9999, 0));
  kv("socket_bad_family", S(socket, 9999, SOCK_STREAM, 0));
  S(close, c); S(close, c2); S(close, s); S(close, l); S(close, l2); S(close, u);
}

static void udp(void) {
  char b[16];
  int s1 = S(socket, AF_INET, SOCK_DGRAM, 0), s2 = S(socket, AF_INET, SOCK_DGRAM, 0);
  struct in4 a = lo(0), got;
  unsigned len;
  kv("bind1", S(bind, s1, &a, sizeof a));
  kv("bind2", S(bind, s2, &a, sizeof a));
  struct in4 to = lo(port_of(s2));
  kv("sendto", S(sendto, s1, "WORLD", 5, 0, &to, sizeof to));
  len = sizeof got;
  kv("recvfrom", S(recvfrom, s2, b, sizeof b, 0, &got, &len));
  kv("from_len", len);
  kv("from_port", ((got.port >> 8) | ((got.port & 255) << 8)) == port_of(s1));
  kv("data_ok", eq(b, "WORLD", 5));
  kv("empty_nb", S(recvfrom, s2, b, sizeof b, MSG_DONTWAIT, NUL, NUL));
  struct in4 bad = to;
  bad.family = AF_INET6;
  kv("bad_dest", S(sendto, s1, "X", 1, 0, &bad, sizeof bad));
  kv("connect", S(connect, s1, &to, sizeof to));
  kv("write", S(write, s1, "abc", 3));
  char small[2];
  struct iov io = { small, 2 };
  struct mh m;
  memset(&m, 0, sizeof m);
  m.iov = &io; m.iovlen = 1;
  kv("recvmsg_trunc", S(recvmsg, s2, &m, 0));
  kv("recvmsg_flags", m.flags & MSG_TRUNC);
  kv("peek_trunc", ({ S(write, s1, "abcdef", 6); S(recvfrom, s2, b, 2, MSG_PEEK | MSG_TRUNC, NUL, NUL); }));
  S(close, s1);
  S(close, s2);
}

static void msg(void) {
  int sv[2];
  S(socketpair, AF_UNIX, SOCK_STREAM, 0, sv);
  struct iov out3[3] = { { "ab", 2 }, { "cd", 2 }, { "ef", 2 } };
  struct mh m;
  memset(&m, 0, sizeof m);
  m.iov = out3; m.iovlen = 3;
  kv("sendmsg", S(sendmsg, sv[0], &m, 0));
  char x[4], y[4];
  struct iov in2[2] = { { x, 4 }, { y, 4 } };
  struct un from;
  memset(&m, 0, sizeof m);
  m.iov = in2; m.iovlen = 2;
  m.name = &from; m.namelen = sizeof from;
  kv("recvmsg", S(recvmsg, sv[1], &m, 0));
  kv("recvmsg_data", eq(x, "abcd", 4) && eq(y, "ef", 2));
  kv("recvmsg_flags", m.flags);
  kv("recvmsg_namelen", m.namelen);
  memset(&m, 0, sizeof m);
  kv("sendmsg_empty", S(sendmsg, sv[0], &m, 0));
  m.iov = in2; m.iovlen = 1025;
  kv("recvmsg_iovmax", S(recvmsg, sv[1], &m, 0));
  m.iov = (void *)0x7ffffff0; m.iovlen = 1;
  kv("recvmsg_efault", S(recvmsg, sv[1], &m, 0));
  kv("recvmsg_nb", S(recvmsg, sv[1], &(struct mh){ .iov = in2, .iovlen = 1 }, MSG_DONTWAIT));
  kv("sendmsg_badfd", S(sendmsg, 99, &m, 0));
  int f = S(open, "f", 0, 0);
  kv("sendmsg_notsock", S(sendmsg, f, &m, 0));
  S(close, f);
  int fds[1] = { 1 };
  unsigned char ctl[24];
  memset(ctl, 0, sizeof ctl);
  *(unsigned *)ctl = 20; ctl[8] = 1; ctl[12] = 1; /* cmsg_len, SOL_SOCKET, SCM_RIGHTS */
  *(int *)(ctl + 16) = fds[0];
  memset(&m, 0, sizeof m);
  m.iov = out3; m.iovlen = 1; m.control = ctl; m.controllen = sizeof ctl;
#ifdef __wasm__
  kv("only-wasm:scm_rights", S(sendmsg, sv[0], &m, 0));
#endif
  S(close, sv[0]);
  S(close, sv[1]);
}

static void errors(void) {
  struct un u;
  unsigned len = sizeof u;
  int f = S(open, "f", 0, 0);
  kv("peername_stdin", S(getpeername, 0, &u, &len));
  kv("sockname_badfd", S(getsockname, -1, &u, &len));
  kv("peername_badfd", S(getpeername, 99999, &u, &len));
  kv("bind_badfd", S(bind, 99, &u, un(&u, "x")));
  kv("bind_file", S(bind, f, &u, un(&u, "x")));
  kv("connect_file", S(connect, f, &u, un(&u, "x")));
  kv("listen_file", S(listen, f, 1));
  kv("accept_file", S(accept, f, NUL, NUL));
  kv("shutdown_file", S(shutdown, f, 0));
  kv("getsockopt_file", S(getsockopt, f, SOL_SOCKET, SO_TYPE, &len, &len));
  kv("recvfrom_file", S(recvfrom, f, &u, 1, 0, NUL, NUL));
  kv("sendto_badfd", S(sendto, 99, "x", 1, 0, NUL, 0));
  int s = S(socket, AF_UNIX, SOCK_STREAM, 0);
  int neg = -1;
  kv("sockname_neglen", S(getsockname, s, &u, &neg));
  kv("sockname_nulllen", S(getsockname, s, &u, NUL));
  kv("socket_flags", S(socket, AF_UNIX, SOCK_STREAM | 0x100000, 0));
  kv("accept4_flags", S(accept4, s, NUL, NUL, 1));
  S(close, s);
  S(close, f);
}

/* What an unprivileged process may not do (the native run drops every capability when root). */
static void priv(void) {
  int one = 1, seven = 7;
  kv("raw", S(socket, AF_INET, 3, 1));
  kv("raw6", S(socket, AF_INET6, 3, 58));
  kv("packet_type", S(socket, AF_INET, 10, 0));
  int s = S(socket, AF_INET, SOCK_STREAM, 0);
  struct in4 a = lo(80);
  kv("bind_80", S(bind, s, &a, sizeof a));
  a.family = AF_INET6;
  kv("bind_80_family", S(bind, s, &a, sizeof a));
  kv("so_debug", S(setsockopt, s, SOL_SOCKET, 1, &one, sizeof one));
  kv("so_mark", S(setsockopt, s, SOL_SOCKET, 36, &one, sizeof one));
  kv("so_priority_7", S(setsockopt, s, SOL_SOCKET, 12, &seven, sizeof seven));
  kv("tcp_repair", S(setsockopt, s, 6, 19, &one, sizeof one));
  kv("congestion_unknown", S(setsockopt, s, 6, 13, "no-such-cc", 11));
  kv("congestion_reno", S(setsockopt, s, 6, 13, "reno", 5));
  S(close, s);
}

/* Under a policy without network (and a denied directory `secret`): what the guest gets. */
static void deny(void) {
  struct un u;
  int sv[2];
  kv("inet", S(socket, AF_INET, SOCK_STREAM, 0));
  kv("inet6", S(socket, AF_INET6, SOCK_DGRAM, 0));
  kv("pair_inet", S(socketpair, AF_INET, SOCK_STREAM, 0, sv));
  int s = S(socket, AF_UNIX, SOCK_STREAM, 0);
  kv("unix", s >= 0);
  memset(&u, 0, sizeof u);
  u.family = AF_UNIX;
  u.path[1] = 'x';
  kv("abstract_bind", S(bind, s, &u, 4));
  kv("abstract_connect", S(connect, s, &u, 4));
  kv("autobind", S(bind, s, &u, 2));
  kv("secret_bind", S(bind, s, &u, un(&u, "secret/new")));
  kv("secret_connect", S(connect, s, &u, un(&u, "secret/sock")));
  kv("escape_connect", S(connect, s, &u, un(&u, "out")));
  kv("dotdot_connect", S(connect, s, &u, un(&u, "../outside/sock")));
  kv("ok_bind", S(bind, s, &u, un(&u, "mine")));
  kv("sendto_inet", ({ struct in4 a = lo(9); S(sendto, s, "x", 1, 0, &a, sizeof a); }));
  S(close, s);
}

static int run(const char *g) {
  if (eq(g, "pair", 5)) pair();
  else if (eq(g, "unix", 5)) unix_path();
  else if (eq(g, "tcp", 4)) tcp();
  else if (eq(g, "udp", 4)) udp();
  else if (eq(g, "msg", 4)) msg();
  else if (eq(g, "errors", 7)) errors();
  else if (eq(g, "deny", 5)) deny();
  else if (eq(g, "priv", 5)) priv();
  else return 2;
  return 0;
}

#define ORACLE_NO_SIGPIPE
#include "oracle-main.h"
