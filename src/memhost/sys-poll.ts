/**
 * poll, ppoll, select and pselect6 over the in-memory host's objects. Readiness is Linux's for
 * each kind (a file or directory is always readable and writable; a pipe end by its buffer and
 * its peer, pipe_poll; stdin is a pipe whose writer is gone, stdout and stderr pipes never full).
 * The guest runs alone and synchronously, so nothing can become ready while it waits: with
 * nothing ready a finite timeout expires at once (the time left written back is zero), and an
 * infinite one ends the run as a trap, which Linux would instead leave waiting for ever.
 */
import { O_ACCMODE, O_PATH, O_WRONLY } from '../linux/index.js';
import { i32, isErr, neg, u32 } from '../wali/errno.js';
import { WaliTrap } from '../wali/endings.js';
import {
  askedFds, bit, checkMask, DEFAULT_POLLMASK, msTimeout, POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLRDNORM, POLLWRNORM, pollfd, pselectSigArg,
  readFdSets, readPollfds, readTimeout, SELECT_SETS, setBit, setRevents, writeFdSets, writePollfds,
} from '../wali/poll-args.js';
import type { MemCore } from './core.js';
import { eventReadiness } from './eventfd.js';
import { epollReadiness } from './epoll.js';

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

function doPoll(h: MemCore, ptr: number, nfdsArg: unknown, timeout: bigint | undefined, call: string): number {
  const p = readPollfds(h.mem, h.kernel.s, h.task, ptr, nfdsArg);
  if (typeof p === 'number') return p;
  let count = 0;
  for (let i = 0; i < p.n; i++) {
    const { fd, events } = pollfd(p, i);
    const mask = fd < 0 ? 0 : readiness(h, fd) ?? POLLNVAL;
    const rev = mask === POLLNVAL ? POLLNVAL : mask & (events | POLLERR | POLLHUP);
    setRevents(p, i, rev);
    if (rev !== 0) count++;
  }
  if (count === 0) wait(timeout, call);
  return writePollfds(h.mem, ptr, p, count);
}

function doSelect(h: MemCore, nArg: number, ptrs: [number, number, number], timeout: bigint | undefined, call: string): number {
  const f = readFdSets(h.mem, h.kernel.s, h.task, nArg, ptrs);
  if (typeof f === 'number') return f;
  const out = f.sets.map((s) => (s ? new Uint8Array(f.bytes) : null));
  let count = 0;
  for (const fd of askedFds(f)) {
    const mask = readiness(h, fd);
    if (mask === undefined) return neg('EBADF');
    for (let k = 0; k < 3; k++) {
      const s = f.sets[k];
      if (!s || !bit(s, fd) || mask === POLLNVAL || !(mask & SELECT_SETS[k]!)) continue;
      setBit(out[k]!, fd);
      count++;
    }
  }
  if (count === 0) wait(timeout, call);
  return writeFdSets(h.mem, ptrs, f, out, count);
}

/** poll, ppoll, select and pselect6, by syscall name. */
export function pollCalls(h: MemCore): Record<string, (e: unknown, ...a: unknown[]) => number> {
  const sets = (r: unknown, w: unknown, x: unknown): [number, number, number] => [u32(r), u32(w), u32(x)];
  const time = (ptr: number, usec: boolean): bigint | undefined | number => (ptr === 0 ? undefined : readTimeout(h.mem, ptr, usec));
  return {
    poll: (_e, fds, n, ms) => doPoll(h, u32(fds), n, msTimeout(i32(ms)), 'poll'),
    ppoll: (_e, fds, n, tsp, mask, size) => {
      const t = time(u32(tsp), false);
      if (typeof t === 'number') return t;
      const m = checkMask(h.mem, u32(mask), u32(size));
      if (m < 0) return m;
      return finish(h, u32(tsp), t, doPoll(h, u32(fds), n, t, 'ppoll'));
    },
    select: (_e, n, r, w, x, tvp) => {
      const t = time(u32(tvp), true);
      if (typeof t === 'number') return t;
      return finish(h, u32(tvp), t, doSelect(h, i32(n), sets(r, w, x), t, 'select'));
    },
    pselect6: (_e, n, r, w, x, tsp, sig) => {
      const a = pselectSigArg(h.mem, u32(sig));
      if (typeof a === 'number') return a;
      const t = time(u32(tsp), false);
      if (typeof t === 'number') return t;
      const m = checkMask(h.mem, a.mask, a.size);
      if (m < 0) return m;
      return finish(h, u32(tsp), t, doSelect(h, i32(n), sets(r, w, x), t, 'pselect6'));
    },
  };
}
