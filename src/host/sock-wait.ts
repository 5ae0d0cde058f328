/**
 * What the guest's socket calls share: finding the host socket behind a guest fd, and waiting
 * like a blocking socket. Host sockets are always non-blocking (as pipes are, sys-pipes.ts): a
 * call the guest makes on a description the model holds blocking waits for the host fd and is
 * retried, within the socket's own SO_RCVTIMEO/SO_SNDTIMEO when it has one (then EAGAIN, as
 * Linux answers a timed-out socket).
 */
import { O_NONBLOCK, O_PATH } from '../linux/index.js';
import type { HostCore, OpenFd } from './core.js';
import { isErr, neg, type Result } from './errno.js';
import type { SysNet } from './native/sys-net.js';
import type { SysPoll } from './native/sys-poll.js';
import { kindOfStat } from './stat.js';

export const POLLIN = 0x1;
export const POLLOUT = 0x4;
const EAGAIN = -11;
const SOL_SOCKET = 1;
const SO_RCVTIMEO_OLD = 20;
const SO_SNDTIMEO_OLD = 21;
const MSG_DONTWAIT = 0x40;
const AT_EMPTY_PATH = 0x1000;

export interface Sock {
  o: OpenFd;
  fd: number;
  /** False for a socket the embedding process gave as stdio: the guest may use it, not change it. */
  own: boolean;
}

/** The host socket behind guest fd `fd`: EBADF for a closed or O_PATH fd, ENOTSOCK for anything else. */
export function sockOf(h: HostCore, fd: number): Result<Sock> {
  const o = h.openFd(fd);
  if (isErr(o)) return o;
  if (o.file.flags & O_PATH) return { errno: 'EBADF' };
  const host = o.host;
  if (host?.socket) return { o, fd: host.nodeFd, own: true };
  if (host?.stdio !== undefined && host.nodeFd >= 0) {
    const st = new Uint8Array(144);
    if (h.sys.fstatat(host.nodeFd, '', st, AT_EMPTY_PATH) === 0 && kindOfStat(st) === 'sock') return { o, fd: host.nodeFd, own: false };
  }
  return { errno: 'ENOTSOCK' };
}

/** The socket's timeout for this direction in ms (-1: none), as the kernel keeps it. */
function timeoutMs(n: SysNet, fd: number, events: number): number {
  const tv = new Uint8Array(16);
  const len = new Uint8Array(4);
  new DataView(len.buffer).setUint32(0, 16, true);
  if (n.getsockopt(fd, SOL_SOCKET, events === POLLIN ? SO_RCVTIMEO_OLD : SO_SNDTIMEO_OLD, tv, len) < 0) return -1;
  const v = new DataView(tv.buffer);
  const ms = Number(v.getBigInt64(0, true)) * 1000 + Math.ceil(Number(v.getBigInt64(8, true)) / 1000);
  return ms > 0 ? ms : -1;
}

/**
 * Runs `op` until it stops answering EAGAIN, waiting for `events` on the host fd between tries,
 * when the guest's description is blocking and the call did not ask not to wait.
 */
export function blockingRetry(s: Sock, n: SysNet, p: SysPoll, events: number, flags: number, op: () => number): number {
  let r = op();
  if (r !== EAGAIN || s.o.file.flags & O_NONBLOCK || flags & MSG_DONTWAIT) return r;
  const limit = timeoutMs(n, s.fd, events);
  const until = limit < 0 ? Infinity : Date.now() + limit;
  const pfd = new Uint8Array(8);
  const pv = new DataView(pfd.buffer);
  const ts = new Uint8Array(16);
  const tv = new DataView(ts.buffer);
  while (r === EAGAIN) {
    if (limit < 0) p.waitFd(s.fd, events);
    else {
      const left = until - Date.now();
      if (left <= 0) return EAGAIN;
      pv.setInt32(0, s.fd, true);
      pv.setInt16(4, events, true);
      tv.setBigInt64(0, BigInt(Math.floor(left / 1000)), true);
      tv.setBigInt64(8, BigInt((left % 1000) * 1_000_000), true);
      p.ppoll(pfd, 1, ts);
    }
    r = op();
  }
  return r;
}

/** Whether a guest buffer [ptr, ptr+len) lies in memory (NULL faults, as under WAMR). */
export function inGuest(h: HostCore, ptr: number, len: number): boolean {
  const m = h.mem;
  return !!m && len >= 0 && ptr + len <= m.byteLength && (len === 0 || ptr !== 0);
}

export { neg };
