/**
 * socket, socketpair, bind, connect, listen, accept, accept4, shutdown, getsockname,
 * getpeername, getsockopt, setsockopt: the guest's sockets are host kernel sockets
 * (./native/sys-net.ts) numbered by the model and mapped as streams (read, write, poll and
 * epoll work through sys-io.ts and sys-poll.ts), so their data, errors and readiness are the
 * kernel's. The enforcer has judged every address first (a Unix path as a path, anything else
 * by the policy's `network` statements); the host binds and connects exactly what was judged
 * (sock-addr.ts). Host sockets are O_NONBLOCK|O_CLOEXEC whatever the guest asked: its
 * O_NONBLOCK and close-on-exec are the model's, and blocking calls wait (sock-wait.ts).
 */
import { readFileSync } from 'node:fs';
import type { Entry } from '../enforce/enforcer.js';
import { O_CLOEXEC, O_NOFOLLOW, O_NONBLOCK, O_PATH } from '../linux/index.js';
import type { HostCore, SyscallImpl } from './core.js';
import { STALE } from './anchors.js';
import { i32, isErr, neg, u32 } from './errno.js';
import { mapHostObject, nextFree } from './host-objects.js';
import { loadSysNet, type SysNet } from './native/sys-net.js';
import { loadSysPoll, type SysPoll } from './native/sys-poll.js';
import { hostAddr, judgedBytes, putAddr, SOCKADDR_MAX, UnixNames } from './sock-addr.js';
import { blockingRetry, inGuest, POLLIN, POLLOUT, sockOf, type Sock } from './sock-wait.js';
import { msgCalls } from './sys-msg.js';

const HOST_FLAGS = O_NONBLOCK | O_CLOEXEC;
const EINPROGRESS = -115;
const EAGAIN = -11;
const SOL_SOCKET = 1;
const SO_ERROR = 4;
/** Options that make or take fds, pointers or privileges the guest does not have (below). */
const SO_PEERPIDFD = 77;
const IPPROTO_IP = 0;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPPROTO_IPV6 = 41;
/** The most option bytes passed either way (larger options are cut to this). */
const OPT_MAX = 4096;

/**
 * setsockopt options passed to the host: values that are plain numbers and structs. Options that
 * take fds or pointers, or pin memory the host frees after the call (SO_ATTACH_FILTER,
 * SO_ATTACH_BPF, SO_ZEROCOPY ...) are ENOPROTOOPT; those needing a capability the guest lacks
 * are refused as Linux refuses an unprivileged process, even when the host process has it.
 */
const SOCKET_SETTABLE = new Set([2, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 19, 20, 21, 29, 30, 34, 35, 37, 38, 41, 42, 43, 47, 49, 63, 64, 65, 66, 67]);
/** SO_BINDTODEVICE, SO_SNDBUFFORCE, SO_RCVBUFFORCE, SO_MARK, SO_BUSY_POLL, SO_BINDTOIFINDEX, SO_PREFER_BUSY_POLL, SO_BUSY_POLL_BUDGET. */
const SOCKET_PRIVILEGED = new Set([25, 32, 33, 36, 46, 62, 69, 70]);
const SO_DEBUG = 1;
const SO_PRIORITY = 12;
/** TCP_REPAIR and its queue, sequence, options and window: CAP_NET_ADMIN. */
const TCP_PRIVILEGED = new Set([19, 20, 21, 22, 29]);
/** TCP_ULP (loads kernel code), TCP_ZEROCOPY_RECEIVE (maps pages). */
const TCP_REFUSED = new Set([31, 35]);
const TCP_CONGESTION = 13;
/** IP_TRANSPARENT, IP_IPSEC_POLICY, IP_XFRM_POLICY; IPV6_IPSEC_POLICY, IPV6_XFRM_POLICY, IPV6_TRANSPARENT. */
const IP_PRIVILEGED = new Set([16, 17, 19]);
const IPV6_PRIVILEGED = new Set([34, 35, 75]);

/** Whether an option may reach the host (true) or -errno; `val` is the guest's value, when given. */
function optionAllowed(level: number, name: number, set: boolean, val?: Uint8Array | null): true | number {
  const int = val && val.length >= 4 ? new DataView(val.buffer, val.byteOffset, 4).getInt32(0, true) : 0;
  switch (level) {
    case SOL_SOCKET:
      if (!set) return name === SO_PEERPIDFD ? neg('ENOPROTOOPT') : true;
      if (name === SO_DEBUG) return int ? neg('EACCES') : true;
      if (name === SO_PRIORITY && (int < 0 || int > 6)) return neg('EPERM');
      if (SOCKET_PRIVILEGED.has(name)) return neg('EPERM');
      return SOCKET_SETTABLE.has(name) ? true : neg('ENOPROTOOPT');
    case IPPROTO_TCP:
      if (TCP_REFUSED.has(name)) return neg('ENOPROTOOPT');
      if (set && TCP_PRIVILEGED.has(name)) return neg('EPERM');
      // An algorithm outside the ones unprivileged processes may pick would load or use what needs CAP_NET_ADMIN.
      if (set && name === TCP_CONGESTION) return congestion(val);
      return true;
    case IPPROTO_UDP: return true;
    case IPPROTO_IP: return set && IP_PRIVILEGED.has(name) ? neg('EPERM') : name < 64 ? true : neg('ENOPROTOOPT');
    case IPPROTO_IPV6: return set && IPV6_PRIVILEGED.has(name) ? neg('EPERM') : name < 64 || name === 66 || name === 67 ? true : neg('ENOPROTOOPT');
    default: return neg('ENOPROTOOPT');
  }
}

/** The kernel's lists of TCP congestion algorithms (allowed to all, or available at all). */
function congestionList(which: 'allowed' | 'available'): string[] {
  try {
    return readFileSync(`/proc/sys/net/ipv4/tcp_${which}_congestion_control`, 'latin1').trim().split(/\s+/);
  } catch {
    return [];
  }
}

/**
 * TCP_CONGESTION as tcp_set_congestion_control answers a process without CAP_NET_ADMIN: an
 * algorithm allowed to all passes, another loaded one is EPERM, an unknown one ENOENT (nothing
 * is loaded for it).
 */
function congestion(val: Uint8Array | null | undefined): true | number {
  if (!val) return true; // NULL: the kernel answers EFAULT
  const nul = val.indexOf(0);
  const name = Buffer.from(nul < 0 ? val : val.subarray(0, nul)).toString('latin1');
  if (congestionList('allowed').includes(name)) return true;
  return congestionList('available').includes(name) ? neg('EPERM') : neg('ENOENT');
}

/** A new host socket becomes guest fd `guestFd` of the model's table. */
const map = (h: HostCore, guestFd: number, hostFd: number): void => mapHostObject(h, guestFd, hostFd, true);

/** One new host socket (socket, accept): the model numbers it and follows. */
function install(h: HostCore, e: Entry, hostFd: number): number {
  if (hostFd < 0) return h.exit(e, hostFd);
  const fd = nextFree(h, 0);
  if (fd < 0) {
    h.sys.close(hostFd);
    return h.exit(e, fd);
  }
  const ret = h.exit(e, fd);
  if (ret < 0) h.sys.close(hostFd);
  else map(h, ret, hostFd);
  return ret;
}

/** The host's type word: the guest's type with its flags replaced by the host's own. */
const hostType = (type: number): number => (type & ~(O_NONBLOCK | O_CLOEXEC)) | HOST_FLAGS;

const AF_INET = 2;
const AF_INET6 = 10;
const SOCK_RAW = 3;
const SOCK_PACKET = 10;
const SO_DOMAIN = 39;

/**
 * A raw inet socket needs CAP_NET_RAW, which the guest never has (inet_create answers EPERM):
 * refused here too, so a host process that has it does not lend it.
 */
function socket(h: HostCore, n: SysNet, e: Entry, domain: number, type: number, proto: number): number {
  const t = type & 0xf;
  if ((domain === AF_INET || domain === AF_INET6) && (t === SOCK_RAW || t === SOCK_PACKET)) return h.exit(e, neg('EPERM'));
  return install(h, e, n.socket(domain, hostType(type), proto));
}

/** The first port an unprivileged process may bind (net.ipv4.ip_unprivileged_port_start). */
function unprivilegedPortStart(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'latin1').trim()) || 1024;
  } catch {
    return 1024;
  }
}

/**
 * inet_bind's CAP_NET_BIND_SERVICE check, made for the guest (which never has it) when the host
 * process could pass it: a port below the unprivileged start is EACCES, after the length and
 * family checks the kernel makes first.
 */
function privilegedPort(n: SysNet, fd: number, g: Uint8Array): boolean {
  if (process.geteuid?.() !== 0 || g.length < 4) return false;
  const dom = new Uint8Array(4);
  if (n.getsockopt(fd, SOL_SOCKET, SO_DOMAIN, dom, new Uint8Array([4, 0, 0, 0])) < 0) return false;
  const domain = new DataView(dom.buffer).getInt32(0, true);
  const family = g[0]! | (g[1]! << 8);
  const fits = domain === AF_INET ? g.length >= 16 && family === AF_INET : domain === AF_INET6 ? g.length >= 24 && family === AF_INET6 : false;
  const port = (g[2]! << 8) | g[3]!;
  return fits && port !== 0 && port < unprivilegedPortStart();
}

function socketpair(h: HostCore, n: SysNet, e: Entry, d: number, t: number, proto: number, ptr: number): number {
  const raw = new Uint8Array(8);
  const r = n.socketpair(d, hostType(t), proto, raw);
  if (r < 0) return h.exit(e, r);
  const v = new DataView(raw.buffer);
  const [x, y] = [v.getInt32(0, true), v.getInt32(4, true)];
  const a = nextFree(h, 0);
  const b = a < 0 ? a : nextFree(h, a + 1);
  const fail = (err: number): number => {
    h.sys.close(x);
    h.sys.close(y);
    return h.exit(e, err);
  };
  if (b < 0) return fail(b);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setInt32(0, a, true);
  new DataView(out.buffer).setInt32(4, b, true);
  if (!inGuest(h, ptr, 8) || h.mem!.writeBytes(ptr, out)) return fail(neg('EFAULT'));
  const ret = h.exit(e, 0, [a, b]);
  if (ret < 0) {
    h.sys.close(x);
    h.sys.close(y);
    return ret;
  }
  map(h, a, x);
  map(h, b, y);
  return 0;
}

/**
 * The guest's address bytes: those the decision read (the one decoding), never read again; only
 * an address too short to decode (under 2 bytes) is read here. At most 128 bytes.
 */
function guestAddr(h: HostCore, e: Entry, ptr: number, len: number): Uint8Array | number {
  if (len < 0 || len > SOCKADDR_MAX) return neg('EINVAL');
  const judged = judgedBytes(e);
  if (judged) return judged;
  if (len >= 2) return neg('EACCES'); // an address the decision did not see: fail closed
  if (len === 0) return new Uint8Array(0);
  const b = inGuest(h, ptr, len) ? h.mem!.readBytes(ptr, len) : undefined;
  return b instanceof Uint8Array ? b : neg('EFAULT');
}

/** bind's and connect's operands: socket `fd`, which the guest must own (EPERM), and the address it gives; or -errno. */
function sockAndAddr(h: HostCore, e: Entry, fd: number, ptr: number, len: number): { s: Sock; g: Uint8Array } | number {
  const s = sockOf(h, fd);
  if (isErr(s)) return neg(s.errno);
  if (!s.own) return neg('EPERM');
  const g = guestAddr(h, e, ptr, len);
  return typeof g === 'number' ? g : { s, g };
}

function bind(h: HostCore, n: SysNet, names: UnixNames, e: Entry, fd: number, ptr: number, len: number): number {
  const sg = sockAndAddr(h, e, fd, ptr, len);
  if (typeof sg === 'number') return h.exit(e, sg);
  const { s, g } = sg;
  if (privilegedPort(n, s.fd, g)) return h.exit(e, neg('EACCES'));
  const a = hostAddr(h, e, g, true);
  if (a === STALE) return STALE;
  if (typeof a === 'number') return h.exit(e, a);
  let r: number;
  let ident: string | undefined;
  try {
    r = n.bind(s.fd, a.bytes, a.bytes.length);
    if (r >= 0 && a.made) {
      // The node's mode is 0777 less the guest's umask (the host process's umask applied instead).
      const node = h.sys.openat(a.made.fd, a.made.name, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0);
      if (node >= 0) {
        h.sys.fchmodat(-100, `/proc/self/fd/${node}`, 0o777 & ~h.kernel.umaskOf(h.tid));
        h.sys.close(node);
      }
      ident = h.identAt(a.made);
      const body = g.subarray(2);
      const nul = body.indexOf(0);
      names.remember(Buffer.from(a.bytes.subarray(2, a.bytes.length - 1)).toString('latin1'), nul < 0 ? body : body.subarray(0, nul));
    }
  } finally {
    a.release();
  }
  const obj = e.request?.checks[0]?.object;
  if (r === -98 && obj && !obj.exists && obj.parent !== undefined && obj.name !== undefined) h.kernel.forgetName(obj.parent, obj.name); // EADDRINUSE: a name made behind the model's back
  const ret = h.exit(e, r < 0 ? r : 0);
  if (ident && obj?.parent !== undefined && obj.name !== undefined) {
    const id = h.kernel.childOf(obj.parent, obj.name);
    if (id) h.kernel.setIdent(id, ident);
  }
  return ret;
}

/** A blocking connect waits for the handshake and answers its outcome (SO_ERROR). */
function connect(h: HostCore, n: SysNet, p: SysPoll, e: Entry, fd: number, ptr: number, len: number): number {
  const sg = sockAndAddr(h, e, fd, ptr, len);
  if (typeof sg === 'number') return h.exit(e, sg);
  const { s, g } = sg;
  const a = hostAddr(h, e, g, false);
  if (a === STALE) return STALE;
  if (typeof a === 'number') return h.exit(e, a);
  let r: number;
  try {
    r = n.connect(s.fd, a.bytes, a.bytes.length);
    const blocking = !(s.o.file.flags & O_NONBLOCK);
    if (r === EINPROGRESS && blocking) {
      p.waitFd(s.fd, POLLOUT);
      const v = new Uint8Array(4);
      const l = new Uint8Array([4, 0, 0, 0]);
      r = n.getsockopt(s.fd, SOL_SOCKET, SO_ERROR, v, l);
      if (r >= 0) r = -new DataView(v.buffer).getInt32(0, true);
    }
    // A Unix listener's full backlog: a blocking connect waits for room (no readiness says when).
    for (let tries = 0; r === EAGAIN && blocking && tries < 100_000; tries++) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
      r = n.connect(s.fd, a.bytes, a.bytes.length);
    }
  } finally {
    a.release();
  }
  return h.exit(e, r < 0 ? r : 0);
}

function accept(h: HostCore, n: SysNet, p: SysPoll, names: UnixNames, e: Entry, fd: number, ptr: number, lenPtr: number, flags: number): number {
  const s = sockOf(h, fd);
  if (isErr(s)) return h.exit(e, neg(s.errno));
  if (!s.own) return h.exit(e, neg('EPERM'));
  const addr = new Uint8Array(SOCKADDR_MAX);
  const len = new Uint8Array(4);
  const hostFlags = (flags & ~(O_NONBLOCK | O_CLOEXEC)) | HOST_FLAGS;
  const r = blockingRetry(s, n, p, POLLIN, 0, () => {
    new DataView(len.buffer).setUint32(0, SOCKADDR_MAX, true);
    return n.accept4(s.fd, addr, len, hostFlags);
  });
  if (r >= 0 && ptr !== 0) {
    // The connection is taken first; a bad address buffer loses it, as in Linux.
    const put = putAddr(h, names, addr, new DataView(len.buffer).getUint32(0, true), ptr, lenPtr);
    if (put < 0) {
      h.sys.close(r);
      return h.exit(e, put);
    }
  }
  return install(h, e, r);
}

function getName(h: HostCore, n: SysNet, names: UnixNames, peer: boolean, fd: number, ptr: number, lenPtr: number): number {
  const s = sockOf(h, fd);
  if (isErr(s)) return neg(s.errno);
  const addr = new Uint8Array(SOCKADDR_MAX);
  const len = new Uint8Array([SOCKADDR_MAX, 0, 0, 0]);
  const r = peer ? n.getpeername(s.fd, addr, len) : n.getsockname(s.fd, addr, len);
  if (r < 0) return r;
  return putAddr(h, names, addr, new DataView(len.buffer).getUint32(0, true), ptr, lenPtr);
}

function getsockopt(h: HostCore, n: SysNet, fd: number, level: number, name: number, ptr: number, lenPtr: number): number {
  const s = sockOf(h, fd);
  if (isErr(s)) return neg(s.errno);
  const mem = h.mem!;
  const given = inGuest(h, lenPtr, 4) ? mem.readI32(lenPtr) : undefined;
  if (typeof given !== 'number') return neg('EFAULT');
  if (given < 0) return neg('EINVAL');
  const ok = optionAllowed(level, name, false);
  if (ok !== true) return ok;
  const cap = Math.min(given, OPT_MAX);
  const val = new Uint8Array(cap);
  const len = new Uint8Array(4);
  new DataView(len.buffer).setUint32(0, cap, true);
  const r = n.getsockopt(s.fd, level, name, ptr === 0 ? null : val, len);
  if (r < 0) return r;
  const out = Math.min(new DataView(len.buffer).getUint32(0, true), cap);
  if (out > 0 && (!inGuest(h, ptr, out) || mem.writeBytes(ptr, val.subarray(0, out)))) return neg('EFAULT');
  return mem.writeI32(lenPtr, out) ? neg('EFAULT') : 0;
}

function setsockopt(h: HostCore, n: SysNet, fd: number, level: number, name: number, ptr: number, optlen: number): number {
  const s = sockOf(h, fd);
  if (isErr(s)) return neg(s.errno);
  if (!s.own) return neg('EPERM');
  if (optlen < 0) return neg('EINVAL');
  const len = Math.min(optlen, OPT_MAX);
  let val: Uint8Array | null = null;
  if (ptr !== 0) {
    const b = inGuest(h, ptr, len) ? h.mem!.readBytes(ptr, len) : undefined;
    if (!(b instanceof Uint8Array)) return neg('EFAULT');
    val = b;
  }
  const ok = optionAllowed(level, name, true, val);
  if (ok !== true) return ok;
  return n.setsockopt(s.fd, level, name, val, len);
}

function simple(h: HostCore, fd: number, changes: boolean, op: (s: Sock) => number): number {
  const s = sockOf(h, fd);
  if (isErr(s)) return neg(s.errno);
  if (changes && !s.own) return neg('EPERM');
  return op(s);
}

/** The socket calls by syscall name (the SYS_* imports). */
export function socketCalls(h: HostCore): Record<string, SyscallImpl> {
  const n = loadSysNet();
  const p = loadSysPoll();
  const names = new UnixNames();
  const judged = (f: (e: Entry, ...a: unknown[]) => number): SyscallImpl => (e, ...a) => (e ? f(e, ...a) : neg('EINVAL'));
  return {
    socket: judged((e, d, t, proto) => socket(h, n, e, i32(d), i32(t), i32(proto))),
    socketpair: judged((e, d, t, proto, sv) => socketpair(h, n, e, i32(d), i32(t), i32(proto), u32(sv))),
    bind: judged((e, fd, a, l) => bind(h, n, names, e, i32(fd), u32(a), i32(l))),
    connect: judged((e, fd, a, l) => connect(h, n, p, e, i32(fd), u32(a), i32(l))),
    accept: judged((e, fd, a, l) => accept(h, n, p, names, e, i32(fd), u32(a), u32(l), 0)),
    accept4: judged((e, fd, a, l, f) => accept(h, n, p, names, e, i32(fd), u32(a), u32(l), i32(f))),
    listen: (_e, fd, backlog) => simple(h, i32(fd), true, (s) => n.listen(s.fd, i32(backlog))),
    shutdown: (_e, fd, how) => simple(h, i32(fd), true, (s) => n.shutdown(s.fd, i32(how))),
    getsockname: (_e, fd, a, l) => getName(h, n, names, false, i32(fd), u32(a), u32(l)),
    getpeername: (_e, fd, a, l) => getName(h, n, names, true, i32(fd), u32(a), u32(l)),
    getsockopt: (_e, fd, level, name, v, l) => getsockopt(h, n, i32(fd), i32(level), i32(name), u32(v), u32(l)),
    setsockopt: (_e, fd, level, name, v, l) => setsockopt(h, n, i32(fd), i32(level), i32(name), u32(v), i32(l)),
    ...msgCalls(h, n, p, names),
  };
}
