/**
 * sendto, recvfrom, sendmsg, recvmsg on the guest's sockets. Data is copied between guest memory
 * and one native buffer (sendmsg gathers the guest's iovecs, recvmsg scatters into them: the
 * kernel sees one segment, which changes neither a stream nor a datagram), at most 8 MiB a call
 * (a short count, which callers of stream sockets retry). The guest's `struct msghdr` is
 * WALI's wasm32 layout (36 bytes: name, namelen, iov, iovlen, pad, control, controllen, pad,
 * flags; iovecs of two u32). Control messages are not passed: sendmsg with control data is
 * EOPNOTSUPP, and recvmsg receives none (the kernel drops what would have come, fds passed with
 * SCM_RIGHTS included, and says MSG_CTRUNC), so no host fd ever reaches the guest.
 */
import type { Entry } from '../enforce/enforcer.js';
import type { HostCore, SyscallImpl } from './core.js';
import { STALE } from './anchors.js';
import { i32, isErr, neg, u32 } from './errno.js';
import type { SysNet } from './native/sys-net.js';
import type { SysPoll } from './native/sys-poll.js';
import { hostAddr, judgedBytes, SOCKADDR_MAX, type HostAddr, type UnixNames } from './sock-addr.js';
import { blockingRetry, inGuest, POLLIN, POLLOUT, sockOf } from './sock-wait.js';

/** The most bytes one call moves. */
const CHUNK = 8 << 20;
const UIO_MAXIOV = 1024;
const MSGHDR = 36;
const MSG_WAITALL = 0x100;
const MSG_PEEK = 0x2;
const EAGAIN = -11;

/** The guest's segments ({ptr, len} in memory), or -errno. */
function segments(h: HostCore, iov: number, cnt: number): [number, number][] | number {
  if (cnt > UIO_MAXIOV) return neg('EMSGSIZE');
  if (cnt === 0) return [];
  const raw = inGuest(h, iov, cnt * 8) ? h.mem!.readBytes(iov, cnt * 8) : undefined;
  if (!(raw instanceof Uint8Array)) return neg('EFAULT');
  const v = new DataView(raw.buffer, raw.byteOffset, raw.length);
  const out: [number, number][] = [];
  let total = 0;
  for (let i = 0; i < cnt; i++) {
    const ptr = v.getUint32(i * 8, true);
    const len = v.getUint32(i * 8 + 4, true);
    if (len > 0x7fffffff - total) return neg('EINVAL');
    if (!inGuest(h, ptr, len)) return neg('EFAULT');
    total += len;
    out.push([ptr, len]);
  }
  return out;
}

/** The guest's bytes of the segments (at most CHUNK). */
function gather(h: HostCore, segs: readonly [number, number][]): Uint8Array {
  const total = Math.min(CHUNK, segs.reduce((a, [, l]) => a + l, 0));
  const out = new Uint8Array(total);
  let at = 0;
  for (const [ptr, len] of segs) {
    if (at >= total) break;
    const n = Math.min(len, total - at);
    out.set(h.mem!.readBytes(ptr, n) as Uint8Array, at);
    at += n;
  }
  return out;
}

function scatter(h: HostCore, segs: readonly [number, number][], data: Uint8Array): void {
  let at = 0;
  for (const [ptr, len] of segs) {
    if (at >= data.length) break;
    const n = Math.min(len, data.length - at);
    h.mem!.writeBytes(ptr, data.subarray(at, at + n));
    at += n;
  }
}

/**
 * The destination for the host: none, or the one the decision read and judged (a Unix path
 * anchored, see sock-addr.ts). Only an address too short to decode (under 2 bytes) is read here.
 */
function destination(h: HostCore, e: Entry | undefined, ptr: number, len: number): HostAddr | null | number {
  if (ptr === 0) return null;
  if (len < 0) return neg('EINVAL');
  const judged = judgedBytes(e);
  if (judged) return hostAddr(h, e, judged, false);
  const n = Math.min(len, SOCKADDR_MAX);
  if (n >= 2) return neg('EACCES'); // an address the decision did not see: fail closed
  const b = n === 0 ? new Uint8Array(0) : inGuest(h, ptr, n) ? h.mem!.readBytes(ptr, n) : undefined;
  if (!(b instanceof Uint8Array)) return neg('EFAULT');
  return hostAddr(h, e, b, false);
}

function send(h: HostCore, n: SysNet, p: SysPoll, e: Entry | undefined, fd: number, segs: [number, number][] | number, flags: number, to: HostAddr | null | number): number {
  const done = (r: number): number => (e ? h.exit(e, r) : r);
  if (to === STALE) return STALE;
  try {
    const s = sockOf(h, fd);
    if (isErr(s)) return done(neg(s.errno));
    if (typeof segs === 'number') return done(segs);
    if (typeof to === 'number') return done(to);
    const data = gather(h, segs);
    return done(blockingRetry(s, n, p, POLLOUT, flags, () => n.sendmsg(s.fd, to?.bytes ?? null, data, flags)));
  } finally {
    if (to !== null && typeof to === 'object') to.release();
  }
}

interface Received { ret: number; data: Uint8Array; name: Uint8Array; namelen: number; flags: number }

function receive(h: HostCore, n: SysNet, p: SysPoll, fd: number, cap: number, flags: number, wantName: boolean): Received | number {
  const s = sockOf(h, fd);
  if (isErr(s)) return neg(s.errno);
  const data = new Uint8Array(Math.min(cap, CHUNK));
  const name = new Uint8Array(wantName ? SOCKADDR_MAX : 0);
  let got = { ret: 0, namelen: 0, flags: 0 };
  const r = blockingRetry(s, n, p, POLLIN, flags, () => {
    got = n.recvmsg(s.fd, wantName ? name : null, data, flags);
    return got.ret;
  });
  if (r < 0) return r;
  // MSG_WAITALL on a blocking stream: keep reading until the buffer is full, the peer is done, or an error.
  let total = r;
  if (flags & MSG_WAITALL && !(flags & MSG_PEEK) && total > 0 && total < data.length) {
    for (;;) {
      const rest = data.subarray(total);
      const more = blockingRetry(s, n, p, POLLIN, flags, () => n.recvmsg(s.fd, null, rest, flags).ret);
      if (more <= 0 || more === EAGAIN) break;
      total += more;
      if (total >= data.length) break;
    }
  }
  return { ret: total, data: data.subarray(0, Math.min(total, data.length)), name, namelen: got.namelen, flags: got.flags };
}

function putName(h: HostCore, names: UnixNames, r: Received, ptr: number, lenPtr: number): number {
  const mem = h.mem!;
  const given = inGuest(h, lenPtr, 4) ? mem.readI32(lenPtr) : undefined;
  if (typeof given !== 'number') return neg('EFAULT');
  if (given < 0) return neg('EINVAL');
  const g = names.toGuest(r.name, r.namelen);
  const k = Math.min(given, g.len);
  if (k > 0 && (!inGuest(h, ptr, k) || mem.writeBytes(ptr, g.bytes.subarray(0, k)))) return neg('EFAULT');
  return mem.writeI32(lenPtr, g.len) ? neg('EFAULT') : 0;
}

function recvfrom(h: HostCore, n: SysNet, p: SysPoll, names: UnixNames, fd: number, buf: number, len: number, flags: number, from: number, fromLen: number): number {
  const s = sockOf(h, fd);
  if (isErr(s)) return neg(s.errno);
  if (!inGuest(h, buf, len)) return neg('EFAULT');
  const r = receive(h, n, p, fd, len, flags, from !== 0);
  if (typeof r === 'number') return r;
  h.mem!.writeBytes(buf, r.data);
  if (from !== 0) {
    const put = putName(h, names, r, from, fromLen);
    if (put < 0) return put;
  }
  return r.ret;
}

/** The guest's msghdr fields, or -errno. */
function msghdr(h: HostCore, ptr: number): { name: number; namelen: number; iov: number; iovlen: number; control: number; controllen: number } | number {
  const raw = inGuest(h, ptr, MSGHDR) ? h.mem!.readBytes(ptr, MSGHDR) : undefined;
  if (!(raw instanceof Uint8Array)) return neg('EFAULT');
  const v = new DataView(raw.buffer, raw.byteOffset, MSGHDR);
  return {
    name: v.getUint32(0, true), namelen: v.getInt32(4, true), iov: v.getUint32(8, true), iovlen: v.getUint32(12, true),
    control: v.getUint32(20, true), controllen: v.getUint32(24, true),
  };
}

function sendmsg(h: HostCore, n: SysNet, p: SysPoll, e: Entry | undefined, fd: number, ptr: number, flags: number): number {
  const m = msghdr(h, ptr);
  if (typeof m === 'number') return e ? h.exit(e, m) : m;
  if (m.namelen < 0) return e ? h.exit(e, neg('EINVAL')) : neg('EINVAL');
  const segs = segments(h, m.iov, m.iovlen);
  const to = m.controllen > 0 ? neg('EOPNOTSUPP') : destination(h, e, m.name, m.namelen);
  return send(h, n, p, e, fd, segs, flags, to);
}

function recvmsg(h: HostCore, n: SysNet, p: SysPoll, names: UnixNames, fd: number, ptr: number, flags: number): number {
  const s = sockOf(h, fd);
  if (isErr(s)) return neg(s.errno);
  const m = msghdr(h, ptr);
  if (typeof m === 'number') return m;
  if (m.namelen < 0) return neg('EINVAL');
  const segs = segments(h, m.iov, m.iovlen);
  if (typeof segs === 'number') return segs;
  const r = receive(h, n, p, fd, segs.reduce((a, [, l]) => a + l, 0), flags, m.name !== 0);
  if (typeof r === 'number') return r;
  scatter(h, segs, r.data);
  const mem = h.mem!;
  if (m.name !== 0) {
    const g = names.toGuest(r.name, r.namelen);
    const k = Math.min(m.namelen, g.len);
    if (k > 0 && (!inGuest(h, m.name, k) || mem.writeBytes(m.name, g.bytes.subarray(0, k)))) return neg('EFAULT');
    mem.writeI32(ptr + 4, g.len);
  } else mem.writeI32(ptr + 4, 0);
  mem.writeU32(ptr + 24, 0); // no control data was received
  mem.writeI32(ptr + 32, r.flags);
  return r.ret;
}

/** sendto, recvfrom, sendmsg, recvmsg. A destination is judged (the entry) when the guest names one. */
export function msgCalls(h: HostCore, n: SysNet, p: SysPoll, names: UnixNames): Record<string, SyscallImpl> {
  return {
    sendto: (e, fd, buf, len, flags, to, toLen) => {
      const segs: [number, number][] | number = inGuest(h, u32(buf), u32(len)) ? [[u32(buf), u32(len)]] : neg('EFAULT');
      return send(h, n, p, e, i32(fd), segs, i32(flags), destination(h, e, u32(to), i32(toLen)));
    },
    recvfrom: (_e, fd, buf, len, flags, from, fromLen) => recvfrom(h, n, p, names, i32(fd), u32(buf), u32(len), i32(flags), u32(from), u32(fromLen)),
    sendmsg: (e, fd, msg, flags) => sendmsg(h, n, p, e, i32(fd), u32(msg), i32(flags)),
    recvmsg: (_e, fd, msg, flags) => recvmsg(h, n, p, names, i32(fd), u32(msg), i32(flags)),
  };
}
