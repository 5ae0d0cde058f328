/**
 * poll, ppoll, select and pselect6 over the in-memory host's objects. Readiness is Linux's for
 * each kind (a file or directory is always readable and writable; a pipe end by its buffer and
 * its peer, pipe_poll; stdin is a pipe whose writer is gone, stdout and stderr pipes never full).
 * The guest runs alone and synchronously, so nothing can become ready while it waits: with
 * nothing ready a finite timeout expires at once (the time left written back is zero), and an
 * infinite one ends the run as a trap, which Linux would instead leave waiting for ever.
 */
import { O_ACCMODE, O_PATH, O_WRONLY } from '../linux/index.js';
import { nofileOf } from '../state/files.js';
import { i32, isErr, neg, u32 } from '../wali/errno.js';
import { WaliTrap } from '../wali/endings.js';
import type { MemCore } from './core.js';
import { eventReadiness } from './eventfd.js';
import { epollReadiness } from './epoll.js';

const POLLIN = 0x1;
const POLLPRI = 0x2;
const POLLOUT = 0x4;
const POLLERR = 0x8;
const POLLHUP = 0x10;
const POLLNVAL = 0x20;
const POLLRDNORM = 0x40;
const POLLRDBAND = 0x80;
const POLLWRNORM = 0x100;
const POLLWRBAND = 0x200;
const DEFAULT_POLLMASK = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
const SELECT_IN = POLLIN | POLLRDNORM | POLLRDBAND | POLLHUP | POLLERR;
const SELECT_OUT = POLLOUT | POLLWRNORM | POLLWRBAND | POLLERR;
const SELECT_EX = POLLPRI;
const NS = 1_000_000_000n;
const SIGSET = 8;
const PIPE_CAPACITY = 65536;

/** What fd `fd` is ready for now (POLL* bits), or undefined when it is not open; O_PATH is POLLNVAL. */
export function readiness(h: MemCore, fd: number): number | undefined {
  const o = h.openFd(fd);
  if (isErr(o)) return undefined;
  if (o.file.flags & O_PATH) return POLLNVAL;
  const writeEnd = (o.file.flags & O_ACCMODE) === O_WRONLY;
  if (o.desc.pipe) {
    const p = o.desc.pipe;
    let peer = false;
    for (const f of h.kernel.s.files.values()) if (f.inode === o.inode.id && ((f.flags & O_ACCMODE) === O_WRONLY) !== writeEnd) peer = true;
    if (writeEnd) return (p.size < PIPE_CAPACITY ? POLLOUT | POLLWRNORM : 0) | (peer ? 0 : POLLERR);
    return (p.size > 0 ? POLLIN | POLLRDNORM : 0) | (peer ? 0 : POLLHUP);
  }
  if (o.desc.event) return eventReadiness(o.desc.event);
  if (o.desc.epoll) return epollReadiness(o.desc.epoll, (fd) => readiness(h, fd));
  if (o.desc.stdio === 0) return (h.stdio.stdin.length > h.stdio.stdinAt ? POLLIN | POLLRDNORM : 0) | POLLHUP;
  if (o.desc.stdio !== undefined) return POLLOUT | POLLWRNORM;
  return DEFAULT_POLLMASK;
}

/** A guest timeout in nanoseconds (undefined: for ever), EFAULT or EINVAL. */
function readTime(h: MemCore, ptr: number, usec: boolean): bigint | undefined | { errno: number } {
  if (ptr === 0) return undefined;
  const raw = h.mem?.readBytes(ptr, 16);
  if (!(raw instanceof Uint8Array)) return { errno: neg('EFAULT') };
  const v = new DataView(raw.buffer);
  let sec = v.getBigInt64(0, true);
  let frac = v.getBigInt64(8, true);
  // kern_select normalises a timeval (microseconds past a second carry over); a timespec must be valid.
  if (usec) {
    sec += frac / 1_000_000n;
    frac = (frac % 1_000_000n) * 1000n;
  }
  if (sec < 0n || frac < 0n || frac >= NS) return { errno: neg('EINVAL') };
  return sec * NS + frac;
}

/**
 * After a wait: the time left goes back to the guest. No time passes while it waits, so a
 * result ready at once leaves all of it (the guest's value stays), an expired wait none.
 */
function finish(h: MemCore, ptr: number, timeout: bigint | undefined, ready: number): number {
  if (ptr !== 0 && timeout !== undefined && timeout > 0n && ready === 0) h.mem?.writeBytes(ptr, new Uint8Array(16));
  return ready;
}

/** Nothing is ready: a finite wait expires now; an endless one could never end. */
function wait(timeout: bigint | undefined, call: string): number {
  if (timeout === undefined) throw new WaliTrap(`${call} would wait for ever: nothing can become ready while the guest waits alone`);
  return 0;
}

/** set_user_sigmask: a mask must be sigsetsize 8 and readable (it is then not applied: no signal is ever delivered). */
function checkMask(h: MemCore, ptr: number, size: number): number {
  if (ptr === 0) return 0;
  if (size !== SIGSET) return neg('EINVAL');
  return h.mem?.readBytes(ptr, SIGSET) instanceof Uint8Array ? 0 : neg('EFAULT');
}

function doPoll(h: MemCore, ptr: number, nfdsArg: unknown, timeout: bigint | undefined, call: string): number {
  const nfds = BigInt.asUintN(64, typeof nfdsArg === 'bigint' ? nfdsArg : BigInt(i32(nfdsArg)));
  if (nfds > BigInt(nofileOf(h.kernel.s, h.task))) return neg('EINVAL');
  const n = Number(nfds);
  const raw = n === 0 ? new Uint8Array(0) : ptr === 0 ? undefined : h.mem?.readBytes(ptr, n * 8);
  if (!(raw instanceof Uint8Array)) return neg('EFAULT');
  const v = new DataView(raw.buffer);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const fd = v.getInt32(i * 8, true);
    const events = v.getUint16(i * 8 + 4, true);
    const mask = fd < 0 ? 0 : readiness(h, fd) ?? POLLNVAL;
    const rev = mask === POLLNVAL ? POLLNVAL : mask & (events | POLLERR | POLLHUP);
    v.setUint16(i * 8 + 6, rev, true);
    if (rev !== 0) count++;
  }
  if (count === 0) wait(timeout, call);
  return n === 0 || !h.mem?.writeBytes(ptr, raw) ? count : neg('EFAULT');
}

/** The fd table's size (fdt->max_fds), which caps select's nfds: 64, grown for the highest open fd. */
function maxFds(h: MemCore): number {
  let top = -1;
  for (const fd of h.kernel.s.tables.get(h.task.files)?.fds.keys() ?? []) top = Math.max(top, fd);
  let size = 64;
  while (size <= top) size = size < 128 ? 128 : size * 2;
  return size;
}

const bit = (set: Uint8Array, i: number): boolean => (set[i >> 3]! & (1 << (i & 7))) !== 0;

/** select's fd_sets are bitmaps of 64-bit words (little-endian: bit i is byte i/8's bit i%8). */
function doSelect(h: MemCore, nArg: number, ptrs: [number, number, number], timeout: bigint | undefined, call: string): number {
  if (nArg < 0) return neg('EINVAL');
  const n = Math.min(nArg, maxFds(h));
  const bytes = Math.ceil(n / 64) * 8;
  const sets: (Uint8Array | null)[] = [];
  for (const ptr of ptrs) {
    if (ptr === 0) sets.push(null);
    else {
      const raw = bytes === 0 ? new Uint8Array(0) : h.mem?.readBytes(ptr, bytes);
      if (!(raw instanceof Uint8Array)) return neg('EFAULT');
      sets.push(raw);
    }
  }
  const out = sets.map((s) => (s ? new Uint8Array(bytes) : null));
  const wants = [SELECT_IN, SELECT_OUT, SELECT_EX];
  let count = 0;
  for (let fd = 0; fd < n; fd++) {
    if (!sets.some((s) => s && bit(s, fd))) continue;
    const mask = readiness(h, fd);
    if (mask === undefined) return neg('EBADF');
    for (let k = 0; k < 3; k++) {
      if (!sets[k] || !bit(sets[k]!, fd) || mask === POLLNVAL || !(mask & wants[k]!)) continue;
      out[k]![fd >> 3]! |= 1 << (fd & 7);
      count++;
    }
  }
  if (count === 0) wait(timeout, call);
  for (let k = 0; k < 3; k++) if (out[k] && bytes > 0 && h.mem?.writeBytes(ptrs[k]!, out[k]!)) return neg('EFAULT');
  return count;
}

/** poll, ppoll, select and pselect6, by syscall name. */
export function pollCalls(h: MemCore): Record<string, (e: unknown, ...a: unknown[]) => number> {
  const sets = (r: unknown, w: unknown, x: unknown): [number, number, number] => [u32(r), u32(w), u32(x)];
  return {
    poll: (_e, fds, n, ms) => doPoll(h, u32(fds), n, i32(ms) < 0 ? undefined : BigInt(i32(ms)) * 1_000_000n, 'poll'),
    ppoll: (_e, fds, n, tsp, mask, size) => {
      const t = readTime(h, u32(tsp), false);
      if (typeof t === 'object') return t.errno;
      const m = checkMask(h, u32(mask), u32(size));
      if (m < 0) return m;
      return finish(h, u32(tsp), t, doPoll(h, u32(fds), n, t, 'ppoll'));
    },
    select: (_e, n, r, w, x, tvp) => {
      const t = readTime(h, u32(tvp), true);
      if (typeof t === 'object') return t.errno;
      return finish(h, u32(tvp), t, doSelect(h, i32(n), sets(r, w, x), t, 'select'));
    },
    // The sixth argument is {sigset pointer, its size}: two 64-bit words in WALI's libc too.
    pselect6: (_e, n, r, w, x, tsp, sig) => {
      const t = readTime(h, u32(tsp), false);
      if (typeof t === 'object') return t.errno;
      if (u32(sig) !== 0) {
        const raw = h.mem?.readBytes(u32(sig), 16);
        if (!(raw instanceof Uint8Array)) return neg('EFAULT');
        const v = new DataView(raw.buffer);
        const ptr = v.getBigUint64(0, true);
        const m = ptr > 0xffffffffn ? (v.getBigUint64(8, true) !== BigInt(SIGSET) ? neg('EINVAL') : neg('EFAULT')) : checkMask(h, Number(ptr), Number(v.getBigUint64(8, true) & 0xffffffffn));
        if (m < 0) return m;
      }
      return finish(h, u32(tsp), t, doSelect(h, i32(n), sets(r, w, x), t, 'pselect6'));
    },
  };
}
