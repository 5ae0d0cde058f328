/**
 * Host kernel objects the guest's pipes, eventfds and epoll instances are, and the waits on host
 * fds (ppoll, pselect6, epoll_pwait), reached as ./sys.ts reaches the *at family: koffi, raw
 * `syscall(2)`, x86-64 numbers, -errno results. The guest's fd numbers never reach these calls:
 * src/host/sys-poll.ts translates them to host fds first.
 *
 * Buffers are the x86-64 layouts, which WALI's are too (struct pollfd, the packed 12-byte
 * struct epoll_event, timespec, fd_set bitmaps of 64-bit words). A `null` buffer is NULL.
 * No signal mask ever reaches the host: the Node process's own mask is not the guest's.
 */
import { bindSyscall, sysResult } from './syscall.js';

export interface SysPoll {
  /** pipe2 into an 8-byte `int[2]`. */
  pipe2(fds: Uint8Array, flags: number): number;
  eventfd2(initval: number, flags: number): number;
  epollCreate1(flags: number): number;
  /** epoll_ctl with a 12-byte `struct epoll_event` (null for EPOLL_CTL_DEL). */
  epollCtl(epfd: number, op: number, fd: number, event: Uint8Array | null): number;
  /** epoll_pwait without a signal mask; `events` holds maxevents * 12 bytes. */
  epollPwait(epfd: number, events: Uint8Array, maxevents: number, timeoutMs: number): number;
  /** epoll_pwait2 without a signal mask; `timeout` a 16-byte timespec or null (forever). */
  epollPwait2(epfd: number, events: Uint8Array, maxevents: number, timeout: Uint8Array | null): number;
  /** ppoll without a signal mask; `timeout` (16-byte timespec, updated with what is left) or null. */
  ppoll(fds: Uint8Array | null, nfds: number, timeout: Uint8Array | null): number;
  /** pselect6 without a signal mask; sets of ceil(nfds/64) 64-bit words, or null. */
  pselect6(nfds: number, rd: Uint8Array | null, wr: Uint8Array | null, ex: Uint8Array | null, timeout: Uint8Array | null): number;
  /** Blocks until host fd `fd` has one of `events` (or an error or hangup): a blocking read or write on a non-blocking host fd. */
  waitFd(fd: number, events: number): number;
}

/** x86-64 syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl). */
const NR = { epoll_ctl: 233, pselect6: 270, ppoll: 271, epoll_pwait: 281, eventfd2: 290, epoll_create1: 291, pipe2: 293, epoll_pwait2: 441 } as const;
/** What the kernel's sigsetsize must be (a NULL mask is never read). */
const SIGSET_SIZE = 8;

let loaded: SysPoll | undefined;

/** The host's pipe, eventfd, epoll and polling calls; throws on a machine that is not Linux x86-64. */
export function loadSysPoll(): SysPoll {
  if (loaded) return loaded;
  const s = bindSyscall({
    ii: 'long, long',
    i: 'long',
    bi: '_Inout_ uint8_t *, long',
    iiib: 'long, long, long, _Inout_ uint8_t *',
    ibiiii: 'long, _Inout_ uint8_t *, long, long, long, long',
    ibibii: 'long, _Inout_ uint8_t *, long, _Inout_ uint8_t *, long, long',
    bibii: '_Inout_ uint8_t *, long, _Inout_ uint8_t *, long, long',
    ibbbbi: 'long, _Inout_ uint8_t *, _Inout_ uint8_t *, _Inout_ uint8_t *, _Inout_ uint8_t *, long',
  });
  const r = sysResult;
  const one = new Uint8Array(8);
  const oneView = new DataView(one.buffer);
  loaded = {
    pipe2: (fds, flags) => r(s.bi(NR.pipe2, fds, flags)),
    eventfd2: (initval, flags) => r(s.ii(NR.eventfd2, initval, flags)),
    epollCreate1: (flags) => r(s.i(NR.epoll_create1, flags)),
    epollCtl: (epfd, op, fd, ev) => r(s.iiib(NR.epoll_ctl, epfd, op, fd, ev)),
    epollPwait: (epfd, evs, max, ms) => r(s.ibiiii(NR.epoll_pwait, epfd, evs, max, ms, 0, SIGSET_SIZE)),
    epollPwait2: (epfd, evs, max, ts) => r(s.ibibii(NR.epoll_pwait2, epfd, evs, max, ts, 0, SIGSET_SIZE)),
    ppoll: (fds, nfds, ts) => r(s.bibii(NR.ppoll, fds, nfds, ts, 0, SIGSET_SIZE)),
    pselect6: (n, rd, wr, ex, ts) => r(s.ibbbbi(NR.pselect6, n, rd, wr, ex, ts, 0)),
    waitFd: (fd, events) => {
      oneView.setInt32(0, fd, true);
      oneView.setInt16(4, events, true);
      oneView.setInt16(6, 0, true);
      return r(s.bibii(NR.ppoll, one, 1, null, 0, SIGSET_SIZE));
    },
  };
  return loaded;
}
