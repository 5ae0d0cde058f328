/**
 * What the waiting calls (poll, ppoll, select, pselect6, the epoll waits) read and check before
 * any host waits, as Linux reads and checks it: the POLL* bits, timeouts (timespec64_valid, and
 * kern_select's normalised timeval), sigset masks (set_user_sigmask) and pselect6's argument
 * pack, pollfd arrays against RLIMIT_NOFILE, fd_set bitmaps against the fd table's size, and
 * epoll_wait's bounds. Each host then decides readiness its own way. Node-free.
 */
import type { Errno } from '../linux/index.js';
import { nofileOf } from '../state/files.js';
import type { State, Task } from '../state/types.js';
import { i32, neg } from './errno.js';
import type { GuestMemory } from './memory.js';

export const POLLIN = 0x1;
export const POLLPRI = 0x2;
export const POLLOUT = 0x4;
export const POLLERR = 0x8;
export const POLLHUP = 0x10;
export const POLLNVAL = 0x20;
export const POLLRDNORM = 0x40;
export const POLLRDBAND = 0x80;
export const POLLWRNORM = 0x100;
export const POLLWRBAND = 0x200;
/** What a file without a poll method answers (a regular file, a directory): readable and writable. */
export const DEFAULT_POLLMASK = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
/** The POLL* bits each of select's three sets reports (fs/select.c POLLIN_SET, POLLOUT_SET, POLLEX_SET). */
export const SELECT_SETS = [POLLIN | POLLRDNORM | POLLRDBAND | POLLHUP | POLLERR, POLLOUT | POLLWRNORM | POLLWRBAND | POLLERR, POLLPRI] as const;
export const NS = 1_000_000_000n;
const SIGSET = 8;

/** struct epoll_event is packed on x86-64, and in WALI's libc: u32 events, u64 data. */
export const EPOLL_EVENT = 12;
/** Linux's EP_MAX_EVENTS: INT_MAX / sizeof(struct epoll_event). */
export const EP_MAX_EVENTS = Math.floor(0x7fffffff / EPOLL_EVENT);
export const EPOLL_CTL_ADD = 1;
export const EPOLL_CTL_DEL = 2;
export const EPOLL_CTL_MOD = 3;

/**
 * A guest timeout at `ptr` (not NULL) in nanoseconds, or -errno: EFAULT, or EINVAL for an
 * invalid timespec; a timeval (`usec`) is normalised first as kern_select does (microseconds
 * past a second carry over).
 */
export function readTimeout(mem: GuestMemory | undefined, ptr: number, usec: boolean): bigint | number {
  const raw = mem?.readBytes(ptr, 16);
  if (!(raw instanceof Uint8Array)) return neg('EFAULT');
  const v = new DataView(raw.buffer);
  let sec = v.getBigInt64(0, true);
  let frac = v.getBigInt64(8, true);
  if (usec) {
    sec += frac / 1_000_000n;
    frac = (frac % 1_000_000n) * 1000n;
  }
  if (sec < 0n || frac < 0n || frac >= NS) return neg('EINVAL');
  return sec * NS + frac;
}

/** A poll timeout in milliseconds as nanoseconds (undefined: a negative one waits for ever). */
export function msTimeout(ms: number): bigint | undefined {
  return ms < 0 ? undefined : BigInt(ms) * 1_000_000n;
}

/** set_user_sigmask: a mask must be sigsetsize 8 and readable (hosts deliver no signal, so it is then not applied). */
export function checkMask(mem: GuestMemory | undefined, ptr: number, size: number): number {
  if (ptr === 0) return 0;
  if (size !== SIGSET) return neg('EINVAL');
  return mem?.readBytes(ptr, SIGSET) instanceof Uint8Array ? 0 : neg('EFAULT');
}

/**
 * pselect6's sixth argument, {sigset pointer, its size} as two longs (64-bit in WALI's libc
 * too), read first (get_sigset_argpack: EFAULT) and checked after the timeout: the mask and
 * size to give `checkMask`, or -EFAULT.
 */
export function pselectSigArg(mem: GuestMemory | undefined, sig: number): { mask: number; size: number } | number {
  if (sig === 0) return { mask: 0, size: 0 };
  const raw = mem?.readBytes(sig, 16);
  if (!(raw instanceof Uint8Array)) return neg('EFAULT');
  const v = new DataView(raw.buffer);
  const ptr = v.getBigUint64(0, true);
  const sz = v.getBigUint64(8, true);
  // Beyond wasm32's addresses: a mask that cannot be read (after sigsetsize is checked).
  return { mask: ptr >= 1n << 32n ? 0xffffffff : Number(ptr), size: sz === BigInt(SIGSET) ? SIGSET : -1 };
}

/** A guest pollfd array: its bytes (written back with each revents), a view, its length. */
export interface Pollfds {
  raw: Uint8Array;
  view: DataView;
  n: number;
}

/** pollfd i's fd, asked events; setRevents writes its revents. */
export const pollfd = (p: Pollfds, i: number): { fd: number; events: number } => ({ fd: p.view.getInt32(i * 8, true), events: p.view.getUint16(i * 8 + 4, true) });
export const setRevents = (p: Pollfds, i: number, rev: number): void => p.view.setUint16(i * 8 + 6, rev, true);

/** poll's array (nfds_t, 64-bit): EINVAL past RLIMIT_NOFILE, EFAULT when unreadable (NULL too, unless empty). */
export function readPollfds(mem: GuestMemory | undefined, s: State, task: Task, ptr: number, nfdsArg: unknown): Pollfds | number {
  const nfds = BigInt.asUintN(64, typeof nfdsArg === 'bigint' ? nfdsArg : BigInt(i32(nfdsArg)));
  if (nfds > BigInt(nofileOf(s, task))) return neg('EINVAL');
  const n = Number(nfds);
  const raw = n === 0 ? new Uint8Array(0) : ptr === 0 ? undefined : mem?.readBytes(ptr, n * 8);
  if (!(raw instanceof Uint8Array)) return neg('EFAULT');
  return { raw, view: new DataView(raw.buffer), n };
}

/** The pollfd array with its revents back in the guest: the count, or -EFAULT. */
export function writePollfds(mem: GuestMemory | undefined, ptr: number, p: Pollfds, count: number): number {
  return p.n === 0 || !mem?.writeBytes(ptr, p.raw) ? count : neg('EFAULT');
}

/**
 * The fd table's size (fdt->max_fds), which caps select's nfds: 64 fds, grown for the highest
 * open fd as alloc_fdtable grows it. (Linux's table never shrinks; the model's highest open fd
 * stands for its high-water mark.)
 */
function maxFds(s: State, task: Task): number {
  let top = -1;
  for (const fd of s.tables.get(task.files)?.fds.keys() ?? []) top = Math.max(top, fd);
  let size = 64;
  while (size <= top) size = size < 128 ? 128 : size * 2;
  return size;
}

export const bit = (set: Uint8Array, i: number): boolean => (set[i >> 3]! & (1 << (i & 7))) !== 0;
export const setBit = (set: Uint8Array, i: number): void => {
  set[i >> 3]! |= 1 << (i & 7);
};

/** select's three fd_sets (null where the pointer is NULL): bitmaps of 64-bit words, bit i of byte i/8. */
export interface FdSets {
  n: number;
  bytes: number;
  sets: (Uint8Array | null)[];
}

/** select's sets as given: EINVAL for a negative n, EFAULT for an unreadable set; n capped at the fd table's size. */
export function readFdSets(mem: GuestMemory | undefined, s: State, task: Task, nArg: number, ptrs: readonly [number, number, number]): FdSets | number {
  if (nArg < 0) return neg('EINVAL');
  const n = Math.min(nArg, maxFds(s, task));
  const bytes = Math.ceil(n / 64) * 8;
  const sets: (Uint8Array | null)[] = [];
  for (const ptr of ptrs) {
    if (ptr === 0) sets.push(null);
    else {
      const raw = bytes === 0 ? new Uint8Array(0) : mem?.readBytes(ptr, bytes);
      if (!(raw instanceof Uint8Array)) return neg('EFAULT');
      sets.push(raw);
    }
  }
  return { n, bytes, sets };
}

/** The fds any set asks about, in order. */
export function askedFds(f: FdSets): number[] {
  const out: number[] = [];
  for (let fd = 0; fd < f.n; fd++) if (f.sets.some((s) => s && bit(s, fd))) out.push(fd);
  return out;
}

/** select's answer back in the guest's sets: the count, or -EFAULT. */
export function writeFdSets(mem: GuestMemory | undefined, ptrs: readonly [number, number, number], f: FdSets, out: (Uint8Array | null)[], count: number): number {
  for (let k = 0; k < 3; k++) if (out[k] && f.bytes > 0 && mem?.writeBytes(ptrs[k]!, out[k]!)) return neg('EFAULT');
  return count;
}

/** epoll_wait's checks after the mask, before the epoll fd: maxevents (EINVAL), then the events array (EFAULT). */
export function epollWaitArgs(mem: GuestMemory | undefined, evPtr: number, max: number, nullFaults: boolean): Errno | undefined {
  if (max <= 0 || max > EP_MAX_EVENTS) return 'EINVAL';
  if (!mem || (nullFaults && evPtr === 0) || evPtr + max * EPOLL_EVENT > mem.byteLength) return 'EFAULT';
  return undefined;
}
