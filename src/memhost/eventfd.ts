/**
 * eventfd and eventfd2 on the in-memory host: a 64-bit counter per description (fs/eventfd.c).
 * A read takes the counter (or 1 with EFD_SEMAPHORE) and EAGAINs at zero; a write adds and
 * EAGAINs past 0xfffffffffffffffe. As for pipes, a lone synchronous guest could never see the
 * counter change while it waits: where Linux would block for ever, EAGAIN comes at once.
 */
import type { Entry } from '../enforce/enforcer.js';
import { O_CLOEXEC, O_NONBLOCK } from '../linux/index.js';
import { i32, isErr, neg, u32 } from '../wali/errno.js';
import type { MemCore, OpenFd } from './core.js';

const EFD_SEMAPHORE = 1;
const MAX = 0xfffffffffffffffen;

/** An eventfd's state. */
export interface EventCounter {
  count: bigint;
  semaphore: boolean;
}

/** read(2) of an eventfd: 8 bytes, the value taken, or -errno. */
export function eventRead(o: OpenFd, n: number): Uint8Array | number {
  const ev = o.desc.event!;
  if (n < 8) return neg('EINVAL');
  if (ev.count === 0n) return neg('EAGAIN');
  const take = ev.semaphore ? 1n : ev.count;
  ev.count -= take;
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, take, true);
  return b;
}

/** write(2) to an eventfd: 8, or -errno. */
export function eventWrite(o: OpenFd, data: Uint8Array): number {
  const ev = o.desc.event!;
  if (data.length < 8) return neg('EINVAL');
  const add = new DataView(data.buffer, data.byteOffset, 8).getBigUint64(0, true);
  if (add === 0xffffffffffffffffn) return neg('EINVAL');
  if (add > MAX - ev.count) return neg('EAGAIN');
  ev.count += add;
  return 8;
}

/** What an eventfd is ready for (POLLIN, POLLOUT with their RDNORM/WRNORM). */
export function eventReadiness(ev: EventCounter): number {
  return (ev.count > 0n ? 0x41 : 0) | (ev.count < MAX ? 0x104 : 0);
}

/** eventfd, eventfd2, by syscall name. */
export function eventCalls(h: MemCore): Record<string, (e: Entry | undefined, ...a: unknown[]) => number> {
  const make = (e: Entry | undefined, initval: unknown, flags: number): number => {
    if (!e) return neg('EINVAL');
    // Linux checks the flags before it takes an fd.
    if (flags & ~(EFD_SEMAPHORE | O_CLOEXEC | O_NONBLOCK)) return h.exit(e, neg('EINVAL'));
    const fd = h.exit(e);
    if (fd < 0) return fd;
    const o = h.openFd(fd);
    if (!isErr(o)) o.desc.event = { count: BigInt(u32(initval)), semaphore: (flags & EFD_SEMAPHORE) !== 0 };
    return fd;
  };
  return {
    eventfd: (e, initval) => make(e, initval, 0),
    eventfd2: (e, initval, flags) => make(e, initval, i32(flags)),
  };
}
