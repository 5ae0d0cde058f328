/**
 * epoll on the in-memory host: an epoll description keeps its registrations (by the watched
 * description and the fd it was added with, as epitems are keyed), and a wait reports what is
 * ready now, with the readiness sys-poll.ts computes. Level-triggered; EPOLLET reports a ready
 * object at every wait as level-triggering does (no event can arrive between two waits of a
 * lone guest, so only an object that stays ready differs); EPOLLONESHOT disarms after a report.
 * As for poll, a wait with nothing ready expires at once, or ends the run when endless.
 */
import type { Entry } from '../enforce/enforcer.js';
import { O_CLOEXEC, O_PATH } from '../linux/index.js';
import { i32, isErr, neg, u32 } from '../wali/errno.js';
import { WaliTrap } from '../wali/endings.js';
import { checkMask, EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD, EPOLL_EVENT, epollWaitArgs, msTimeout, readTimeout } from '../wali/poll-args.js';
import type { MemCore } from './core.js';

const EPOLLERR = 0x8;
const EPOLLHUP = 0x10;
const EPOLLEXCLUSIVE = 1 << 28;
const EPOLLONESHOT = 1 << 30;
/** The flags that are not events. */
const EPOLL_FLAGS = EPOLLEXCLUSIVE | (1 << 29) /* EPOLLWAKEUP */ | EPOLLONESHOT | (1 << 31) /* EPOLLET */;

/** One registration: the watched description, the fd it was added by, what is asked, the guest's data. */
interface Watch {
  fileId: number;
  fd: number;
  events: number;
  data: bigint;
}

/** An epoll instance's registrations. */
export interface EpollSet {
  watches: Watch[];
}

/** epoll_create, epoll_create1, epoll_ctl and the waits; `readiness` is sys-poll.ts's. */
export function epollCalls(h: MemCore, readiness: (fd: number) => number | undefined): Record<string, (e: Entry | undefined, ...a: unknown[]) => number> {
  const make = (e: Entry | undefined, bad: boolean): number => {
    if (!e) return neg('EINVAL');
    if (bad) return h.exit(e, neg('EINVAL'));
    const fd = h.exit(e);
    if (fd < 0) return fd;
    const o = h.openFd(fd);
    if (!isErr(o)) o.desc.epoll = { watches: [] };
    return fd;
  };
  /** The registrations whose description is still open (a closed one's goes, as Linux's eventpoll_release). */
  const live = (set: EpollSet): Watch[] => (set.watches = set.watches.filter((w) => h.kernel.s.files.has(w.fileId)));
  const ctl = (epfd: number, op: number, fd: number, ptr: number): number => {
    const ep = h.openFd(epfd);
    if (isErr(ep)) return neg('EBADF');
    let events = 0;
    let data = 0n;
    if (op !== EPOLL_CTL_DEL) {
      const raw = h.mem?.readBytes(ptr, EPOLL_EVENT);
      if (!(raw instanceof Uint8Array)) return neg('EFAULT');
      const v = new DataView(raw.buffer);
      events = v.getUint32(0, true);
      data = v.getBigUint64(4, true);
    }
    const t = h.openFd(fd);
    if (isErr(t)) return neg('EBADF');
    if (ep.file.flags & O_PATH || t.file.flags & O_PATH) return neg('EBADF');
    // Files and directories have no poll: they cannot be watched.
    if (!t.desc.stdio && !t.desc.pipe && !t.desc.event && !t.desc.epoll) return neg('EPERM');
    if (!ep.desc.epoll || fd === epfd) return neg('EINVAL');
    if (events & EPOLLEXCLUSIVE && (op === EPOLL_CTL_MOD || t.desc.epoll || events & EPOLLONESHOT)) return neg('EINVAL');
    const set = ep.desc.epoll;
    // Epolls may nest, never in a loop, and at most 4 deep (ep_loop_check: ELOOP).
    if (op === EPOLL_CTL_ADD && t.desc.epoll && reaches(h, t.desc.epoll, ep.fileId, 0)) return neg('ELOOP');
    const at = live(set).findIndex((w) => w.fileId === t.fileId && w.fd === fd);
    switch (op) {
      case EPOLL_CTL_ADD:
        if (at >= 0) return neg('EEXIST');
        set.watches.push({ fileId: t.fileId, fd, events: events | EPOLLERR | EPOLLHUP, data });
        return 0;
      case EPOLL_CTL_DEL:
        if (at < 0) return neg('ENOENT');
        set.watches.splice(at, 1);
        return 0;
      case EPOLL_CTL_MOD:
        if (at < 0) return neg('ENOENT');
        set.watches[at] = { ...set.watches[at]!, events: events | EPOLLERR | EPOLLHUP, data };
        return 0;
      default:
        return neg('EINVAL');
    }
  };
  const wait = (epfd: number, out: number, max: number, timeoutNs: bigint | undefined, name: string): number => {
    const bad = epollWaitArgs(h.mem, out, max, false);
    if (bad) return neg(bad);
    const ep = h.openFd(epfd);
    if (isErr(ep)) return neg('EBADF');
    if (!ep.desc.epoll) return neg('EINVAL');
    const found: Uint8Array[] = [];
    for (const w of live(ep.desc.epoll)) {
      if (found.length >= max) break;
      if ((w.events & ~EPOLL_FLAGS) === 0) continue; // a oneshot already reported
      const mask = readiness(w.fd);
      const rev = (mask ?? 0) & w.events & ~EPOLL_FLAGS;
      if (rev === 0) continue;
      const b = new Uint8Array(EPOLL_EVENT);
      const v = new DataView(b.buffer);
      v.setUint32(0, rev, true);
      v.setBigUint64(4, w.data, true);
      found.push(b);
      if (w.events & EPOLLONESHOT) w.events &= EPOLL_FLAGS;
    }
    if (found.length === 0 && timeoutNs === undefined) throw new WaliTrap(`${name} would wait for ever: nothing can become ready while the guest waits alone`);
    found.forEach((b, i) => h.mem!.writeBytes(out + i * EPOLL_EVENT, b));
    return found.length;
  };
  const ms = (x: unknown): bigint | undefined => msTimeout(i32(x));
  const mask = (ptr: number, size: number): number => checkMask(h.mem, ptr, size);
  return {
    epoll_create: (e, size) => make(e, i32(size) <= 0),
    epoll_create1: (e, flags) => make(e, (i32(flags) & ~O_CLOEXEC) !== 0),
    epoll_ctl: (_e, epfd, op, fd, ev) => ctl(i32(epfd), i32(op), i32(fd), u32(ev)),
    epoll_wait: (_e, epfd, ev, max, t) => wait(i32(epfd), u32(ev), i32(max), ms(t), 'epoll_wait'),
    epoll_pwait: (_e, epfd, ev, max, t, sig, size) => {
      const m = mask(u32(sig), u32(size));
      return m < 0 ? m : wait(i32(epfd), u32(ev), i32(max), ms(t), 'epoll_pwait');
    },
    epoll_pwait2: (_e, epfd, ev, max, tsp, sig, size) => {
      const t = u32(tsp) === 0 ? undefined : readTimeout(h.mem, u32(tsp), false);
      if (typeof t === 'number') return t;
      const m = mask(u32(sig), u32(size));
      return m < 0 ? m : wait(i32(epfd), u32(ev), i32(max), t, 'epoll_pwait2');
    },
  };
}

/** Whether watching `set` reaches epoll description `target` (or nests too deep). */
function reaches(h: MemCore, set: EpollSet, target: number, depth: number): boolean {
  if (depth >= 4) return true;
  for (const w of set.watches) {
    if (w.fileId === target) return true;
    const o = h.openFd(w.fd);
    if (!isErr(o) && o.fileId === w.fileId && o.desc.epoll && reaches(h, o.desc.epoll, target, depth + 1)) return true;
  }
  return false;
}

/** The readiness of an epoll description itself (readable when something in it is ready). */
export function epollReadiness(set: EpollSet, readiness: (fd: number) => number | undefined): number {
  for (const w of set.watches) if (((readiness(w.fd) ?? 0) & w.events & ~EPOLL_FLAGS) !== 0) return 0x41;
  return 0;
}

