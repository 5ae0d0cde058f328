/**
 * poll, ppoll, select, pselect6, epoll_ctl, epoll_wait, epoll_pwait, epoll_pwait2 on guest fds:
 * each guest fd (the model's number) becomes the host fd behind its description, the host kernel
 * waits (./native/sys-poll.ts), and the answer comes back in the guest's numbers. epoll_data is
 * the guest's opaque 64 bits, passed through both ways. The checks Linux makes before waiting
 * (a bad timeout, sigsetsize, nfds over RLIMIT_NOFILE, a pointer outside memory, an fd the
 * model does not know) are made here in Linux's order, on the guest's own values.
 *
 * A wait blocks the guest's thread (the guest runs synchronously). Signal masks are checked and
 * then not applied: the host delivers no signal to a guest (sys-process.ts), so there is no
 * signal a mask could hold back. NULL guest pointers fault, as they do under WAMR.
 */
import { O_PATH } from '../linux/index.js';
import type { HostCore, SyscallImpl } from './core.js';
import { loadSysPoll, type SysPoll } from './native/sys-poll.js';
import { i32, neg, u32 } from './errno.js';
import {
  askedFds, bit, checkMask, DEFAULT_POLLMASK, EPOLL_CTL_DEL, EPOLL_EVENT, epollWaitArgs, msTimeout, NS, POLLERR, POLLHUP, POLLNVAL, pollfd,
  pselectSigArg, readFdSets, readPollfds, readTimeout, setBit, setRevents, writeFdSets, writePollfds,
} from '../wali/poll-args.js';

/** Events one host wait collects; more stay ready in the host's epoll for the next call. */
const EVENTS_PER_WAIT = 1024;
const EINTR = -4;

/** A guest fd as a wait sees it: its host fd, open without a host object, O_PATH, or not open. */
type Target = number | 'none' | 'path' | 'badf';

function target(h: HostCore, fd: number): Target {
  const o = h.openFd(fd);
  if ('errno' in o) return 'badf';
  // fdget refuses O_PATH descriptions: EBADF for epoll, POLLNVAL for poll, never ready for select.
  if (o.file.flags & O_PATH) return 'path';
  return o.host && o.host.nodeFd >= 0 ? o.host.nodeFd : 'none';
}

/** When a wait ends: undefined waits forever. Kept so a retried (EINTR) or finished wait knows what is left. */
class Deadline {
  private constructor(readonly end: bigint | undefined, readonly zero: boolean) {}
  static forever(): Deadline {
    return new Deadline(undefined, false);
  }
  static after(ns: bigint): Deadline {
    return new Deadline(ns === 0n ? 0n : process.hrtime.bigint() + ns, ns === 0n);
  }
  left(): bigint | undefined {
    if (this.end === undefined) return undefined;
    const d = this.end - process.hrtime.bigint();
    return this.zero || d < 0n ? 0n : d;
  }
  /** What is left as a host timespec (null: forever); zero when `now` says a result is already there. */
  timespec(now = false): Uint8Array | null {
    const left = now ? 0n : this.left();
    return left === undefined ? null : timespec(left);
  }
}

function timespec(ns: bigint): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setBigInt64(0, ns / NS, true);
  v.setBigInt64(8, ns % NS, true);
  return b;
}

/** A guest `struct timespec` (a `struct timeval` for select): its deadline, or -errno. */
function readDeadline(h: HostCore, ptr: number, usec: boolean): Deadline | number {
  if (ptr === 0) return neg('EFAULT');
  const ns = readTimeout(h.mem, ptr, usec);
  return typeof ns === 'number' ? ns : Deadline.after(ns);
}

/** poll_select_finish: the time left goes back to the guest (not for a zero timeout); `ret` stays. */
function finish(h: HostCore, ptr: number, d: Deadline, timeval: boolean, ret: number): number {
  if (ptr === 0 || d.zero) return ret;
  const left = d.left() ?? 0n;
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setBigInt64(0, left / NS, true);
  v.setBigInt64(8, timeval ? (left % NS) / 1000n : left % NS, true);
  h.mem?.writeBytes(ptr, b);
  return ret;
}

/** A host wait, retried with what is left while a signal to the Node process interrupts it. */
function waitRetrying(d: Deadline, now: boolean, call: (ts: Uint8Array | null) => number): number {
  for (;;) {
    const r = call(d.timespec(now));
    if (r !== EINTR) return r;
  }
}

// ---- poll, ppoll ----

function doPoll(h: HostCore, p: SysPoll, ptr: number, nfdsArg: unknown, d: Deadline): number {
  const g = readPollfds(h.mem, h.kernel.s, h.task, ptr, nfdsArg);
  if (typeof g === 'number') return g;
  const n = g.n;
  const hostBuf = new Uint8Array(n * 8);
  const host = new DataView(hostBuf.buffer);
  // Answers made here for fds with no host object to ask: -1 means "the host answers".
  const local = new Int32Array(n).fill(-1);
  let now = false;
  for (let i = 0; i < n; i++) {
    const { fd, events } = pollfd(g, i);
    const t = fd < 0 ? 'ignored' : target(h, fd);
    host.setInt32(i * 8, typeof t === 'number' ? t : -1, true);
    host.setUint16(i * 8 + 4, events, true);
    if (t === 'badf' || t === 'path') local[i] = POLLNVAL;
    else if (t === 'none') local[i] = DEFAULT_POLLMASK & (events | POLLERR | POLLHUP);
    if (local[i]! > 0) now = true;
  }
  const r = waitRetrying(d, now, (ts) => p.ppoll(n === 0 ? null : hostBuf, n, ts));
  if (r < 0) return r;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const rev = local[i]! >= 0 ? local[i]! : host.getUint16(i * 8 + 6, true);
    setRevents(g, i, rev);
    if (rev !== 0) count++;
  }
  return writePollfds(h.mem, ptr, g, count);
}

function poll(h: HostCore, p: SysPoll, ptr: number, nfds: unknown, ms: number): number {
  return doPoll(h, p, ptr, nfds, msDeadline(ms));
}

function ppoll(h: HostCore, p: SysPoll, ptr: number, nfds: unknown, tsp: number, mask: number, size: number): number {
  const d = tsp === 0 ? Deadline.forever() : readDeadline(h, tsp, false);
  if (typeof d === 'number') return d;
  const m = checkMask(h.mem, mask, size);
  if (m < 0) return m;
  return finish(h, tsp, d, false, doPoll(h, p, ptr, nfds, d));
}

// ---- select, pselect6 ----

function doSelect(h: HostCore, p: SysPoll, nArg: number, ptrs: [number, number, number], d: Deadline): number {
  const f = readFdSets(h.mem, h.kernel.s, h.task, nArg, ptrs);
  if (typeof f === 'number') return f;
  const sets = f.sets;
  // The guest fds asked about, each with its target (max_select_fd: any one not open is EBADF).
  const asked = new Map<number, Target>();
  let top = -1;
  for (const fd of askedFds(f)) {
    const t = target(h, fd);
    if (t === 'badf') return neg('EBADF');
    asked.set(fd, t);
    if (typeof t === 'number') top = Math.max(top, t);
  }
  const hostBytes = Math.ceil((top + 1) / 64) * 8;
  const host = sets.map((s) => (s ? new Uint8Array(hostBytes) : null));
  let now = false;
  for (const [fd, t] of asked) {
    if (typeof t === 'number') sets.forEach((s, k) => s && bit(s, fd) && setBit(host[k]!, t));
    // A file without poll (a synthetic directory) is readable and writable at once.
    else if (t === 'none' && ((sets[0] && bit(sets[0], fd)) || (sets[1] && bit(sets[1], fd)))) now = true;
  }
  const r = waitRetrying(d, now, (ts) => {
    // The host rewrites its sets: ask again with fresh copies.
    const h0 = host.map((s) => s && s.slice());
    const ret = p.pselect6(top + 1, h0[0] ?? null, h0[1] ?? null, h0[2] ?? null, ts);
    if (ret >= 0) h0.forEach((s, k) => s && host[k]!.set(s));
    return ret;
  });
  if (r < 0) return r;
  const out = sets.map((s) => (s ? new Uint8Array(f.bytes) : null));
  let count = 0;
  for (const [fd, t] of asked) {
    for (let k = 0; k < 3; k++) {
      const s = sets[k];
      if (!s || !bit(s, fd)) continue;
      const ready = typeof t === 'number' ? bit(host[k]!, t) : t === 'none' && k < 2;
      if (ready) {
        setBit(out[k]!, fd);
        count++;
      }
    }
  }
  return writeFdSets(h.mem, ptrs, f, out, count);
}

function select(h: HostCore, p: SysPoll, n: number, ptrs: [number, number, number], tvp: number): number {
  const d = tvp === 0 ? Deadline.forever() : readDeadline(h, tvp, true);
  if (typeof d === 'number') return d;
  return finish(h, tvp, d, true, doSelect(h, p, n, ptrs, d));
}

function pselect6(h: HostCore, p: SysPoll, n: number, ptrs: [number, number, number], tsp: number, sig: number): number {
  const a = pselectSigArg(h.mem, sig);
  if (typeof a === 'number') return a;
  const d = tsp === 0 ? Deadline.forever() : readDeadline(h, tsp, false);
  if (typeof d === 'number') return d;
  const m = checkMask(h.mem, a.mask, a.size);
  if (m < 0) return m;
  return finish(h, tsp, d, false, doSelect(h, p, n, ptrs, d));
}

// ---- epoll ----

function epollCtl(h: HostCore, p: SysPoll, epfd: number, op: number, fd: number, evPtr: number): number {
  let ev: Uint8Array | null = null;
  if (op !== EPOLL_CTL_DEL) {
    const raw = evPtr === 0 ? undefined : h.mem?.readBytes(evPtr, EPOLL_EVENT);
    if (!(raw instanceof Uint8Array)) return neg('EFAULT');
    ev = raw; // events and the guest's epoll_data, as they are
  }
  const ep = target(h, epfd);
  if (ep === 'badf' || ep === 'path') return neg('EBADF');
  const t = target(h, fd);
  if (t === 'badf' || t === 'path') return neg('EBADF');
  if (t === 'none') return neg('EPERM'); // file_can_poll: a directory cannot be watched
  // An epfd with no host object is not an epoll: the host answers for the fd first (EPERM), then EINVAL.
  return p.epollCtl(ep === 'none' ? t : ep, op, t, ev);
}

function epollWait(h: HostCore, p: SysPoll, epfd: number, evPtr: number, max: number, d: Deadline, mask: number, size: number): number {
  const m = checkMask(h.mem, mask, size);
  if (m < 0) return m;
  const bad = epollWaitArgs(h.mem, evPtr, max, true);
  if (bad) return neg(bad);
  const ep = target(h, epfd);
  if (ep === 'badf' || ep === 'path') return neg('EBADF');
  if (ep === 'none') return neg('EINVAL');
  const cap = Math.min(max, EVENTS_PER_WAIT);
  const buf = new Uint8Array(cap * EPOLL_EVENT);
  const r = waitRetrying(d, false, (ts) => p.epollPwait2(ep, buf, cap, ts));
  if (r <= 0) return r;
  return h.mem?.writeBytes(evPtr, buf.subarray(0, r * EPOLL_EVENT)) ? neg('EFAULT') : r;
}

const msDeadline = (ms: number): Deadline => {
  const ns = msTimeout(ms);
  return ns === undefined ? Deadline.forever() : Deadline.after(ns);
};

/** The polling calls, by syscall name: process-local (the guest's own fds), run without an entry. */
export function pollCalls(h: HostCore): Record<string, SyscallImpl> {
  const p = loadSysPoll();
  const sets = (r: unknown, w: unknown, x: unknown): [number, number, number] => [u32(r), u32(w), u32(x)];
  return {
    poll: (_e, fds, n, ms) => poll(h, p, u32(fds), n, i32(ms)),
    ppoll: (_e, fds, n, ts, mask, size) => ppoll(h, p, u32(fds), n, u32(ts), u32(mask), u32(size)),
    select: (_e, n, r, w, x, tv) => select(h, p, i32(n), sets(r, w, x), u32(tv)),
    pselect6: (_e, n, r, w, x, ts, sig) => pselect6(h, p, i32(n), sets(r, w, x), u32(ts), u32(sig)),
    epoll_ctl: (_e, ep, op, fd, ev) => epollCtl(h, p, i32(ep), i32(op), i32(fd), u32(ev)),
    epoll_wait: (_e, ep, evs, max, ms) => epollWait(h, p, i32(ep), u32(evs), i32(max), msDeadline(i32(ms)), 0, 0),
    epoll_pwait: (_e, ep, evs, max, ms, mask, size) => epollWait(h, p, i32(ep), u32(evs), i32(max), msDeadline(i32(ms)), u32(mask), u32(size)),
    epoll_pwait2: (_e, ep, evs, max, tsp, mask, size) => {
      const d = u32(tsp) === 0 ? Deadline.forever() : readDeadline(h, u32(tsp), false);
      return typeof d === 'number' ? d : epollWait(h, p, i32(ep), u32(evs), i32(max), d, u32(mask), u32(size));
    },
  };
}
