/**
 * pipe, pipe2, eventfd, eventfd2, epoll_create, epoll_create1: the guest's anonymous objects are
 * real host kernel objects (./native/sys-poll.ts), so their data, readiness and errors are the
 * kernel's own. Guest fd numbers are the model's: the model allocates them (lowest free, as
 * Linux) and the host fds behind them are mapped like files' (`HostFiles`, kind 'stream'), so
 * read/write go through sys-io.ts and close releases the host fd with the last reference.
 *
 * Every host fd is O_NONBLOCK|O_CLOEXEC whatever the guest asked: the guest's O_NONBLOCK is the
 * model's status flag (F_SETFL changes it exactly) and a blocking read or write waits for the
 * host fd instead (sys-io.ts); the guest's close-on-exec is the model's too.
 */
import type { Entry } from '../enforce/enforcer.js';
import { O_CLOEXEC, O_NONBLOCK } from '../linux/index.js';
import type { HostCore, SyscallImpl } from './core.js';
import { mapHostObject as map, nextFree } from './host-objects.js';
import { loadSysPoll, type SysPoll } from './native/sys-poll.js';
import { i32, neg, u32 } from './errno.js';

/** The guest's flags for the host: never blocking, never inherited by the host's children. */
const HOST_FLAGS = O_NONBLOCK | O_CLOEXEC;

function closeHost(h: HostCore, ...fds: number[]): void {
  for (const fd of fds) h.sys.close(fd);
}


/**
 * pipe2: the model has already refused bad flags and a full table (EINVAL, EMFILE: Linux checks
 * them before it copies the fds out). A NULL or unwritable `fds` is EFAULT with no fd installed.
 */
function pipe2(h: HostCore, p: SysPoll, e: Entry, ptr: number, flags: number): number {
  const mem = h.mem;
  if (!mem || ptr === 0 || ptr + 8 > mem.byteLength) return h.exit(e, neg('EFAULT'));
  const raw = new Uint8Array(8);
  const r = p.pipe2(raw, flags | HOST_FLAGS);
  if (r < 0) return h.exit(e, r);
  const v = new DataView(raw.buffer);
  const [rd, wr] = [v.getInt32(0, true), v.getInt32(4, true)];
  const a = nextFree(h, 0);
  const b = a < 0 ? a : nextFree(h, a + 1);
  if (b < 0) {
    closeHost(h, rd, wr);
    return h.exit(e, b);
  }
  const out = new Uint8Array(8);
  new DataView(out.buffer).setInt32(0, a, true);
  new DataView(out.buffer).setInt32(4, b, true);
  if (mem.writeBytes(ptr, out)) {
    closeHost(h, rd, wr);
    return h.exit(e, neg('EFAULT'));
  }
  // The model installs the pair at the numbers the guest was given (and grants both).
  const ret = h.exit(e, 0, [a, b]);
  if (ret < 0) {
    closeHost(h, rd, wr);
    return ret;
  }
  map(h, a, rd);
  map(h, b, wr);
  return 0;
}

/** An object of one fd (eventfd, epoll): the host makes it (and checks its flags), the model numbers it. */
function single(h: HostCore, e: Entry, make: () => number): number {
  const hostFd = make();
  if (hostFd < 0) return h.exit(e, hostFd);
  const fd = nextFree(h, 0);
  if (fd < 0) {
    closeHost(h, hostFd);
    return h.exit(e, fd);
  }
  const ret = h.exit(e, fd);
  if (ret < 0) closeHost(h, hostFd);
  else map(h, ret, hostFd);
  return ret;
}

/** The SYS_pipe, pipe2, eventfd, eventfd2, epoll_create and epoll_create1 implementations. */
export function pipeCalls(h: HostCore): Record<string, SyscallImpl> {
  const p = loadSysPoll();
  const judged = (f: (e: Entry, ...a: unknown[]) => number): SyscallImpl => (e, ...a) => (e ? f(e, ...a) : neg('EINVAL'));
  return {
    pipe: judged((e, fds) => pipe2(h, p, e, u32(fds), 0)),
    pipe2: judged((e, fds, flags) => pipe2(h, p, e, u32(fds), i32(flags))),
    // eventfd has no flags argument: eventfd2(initval, 0).
    eventfd: judged((e, init) => single(h, e, () => p.eventfd2(u32(init), HOST_FLAGS))),
    eventfd2: judged((e, init, flags) => single(h, e, () => p.eventfd2(u32(init), i32(flags) | HOST_FLAGS))),
    // epoll_create's size only has to be positive (checked before anything is made).
    epoll_create: judged((e, size) => (i32(size) <= 0 ? h.exit(e, neg('EINVAL')) : single(h, e, () => p.epollCreate1(O_CLOEXEC)))),
    epoll_create1: judged((e, flags) => single(h, e, () => p.epollCreate1(i32(flags) | O_CLOEXEC))),
  };
}
