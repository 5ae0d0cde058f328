/**
 * Descriptor calls the model decides alone: close, dup, dup2, dup3, fcntl and the fd ioctls.
 * The guest fd table is the model's, so these are exact even where Node has no such call;
 * the host only closes a Node fd when the model drops the last reference to its description.
 */
import { fstatSync } from 'node:fs';
import { isatty } from 'node:tty';
import { F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_GETFL, F_SETFD, F_SETFL, FIOCLEX, FIONBIO, FIONCLEX, O_ACCMODE, O_PATH } from '../linux/index.js';
import type { HostCore, OpenFd } from './core.js';
import type { Entry } from '../enforce/enforcer.js';
import { i32, isErr, neg } from './errno.js';
import { loadSysNet } from './native/sys-net.js';

const F_GETLK = 5;
const F_SETLK = 6;
const F_SETLKW = 7;
const F_SETOWN = 8;
const F_GETOWN = 9;
const F_SETSIG = 10;
const F_GETSIG = 11;
const F_OFD_GETLK = 36;
const F_OFD_SETLK = 37;
const F_OFD_SETLKW = 38;
const F_UNLCK = 2;
const TIOCGWINSZ = 0x5413;
const FIONREAD = 0x541b;

/** Commands whose argument is an int: the i64 arg's high half can be va_arg garbage. */
const INT_CMDS = new Set([F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_SETOWN, F_GETOWN, F_SETSIG, F_GETSIG]);
const LOCK_CMDS = new Set([F_GETLK, F_SETLK, F_SETLKW, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW]);

function closeLike(h: HostCore, fd: number, run: () => number): number {
  const before = h.fileIdAt(fd);
  const r = run();
  h.releaseIfGone(before);
  return r;
}

/**
 * Record locks succeed without locking: one single-threaded guest cannot conflict with itself,
 * and other host processes are not coordinated with (documented limit). F_GETLK reports no lock.
 */
function lock(h: HostCore, o: OpenFd, cmd: number, ptr: number): number {
  const mem = h.mem;
  if (!mem) return neg('EFAULT');
  const raw = mem.readBytes(ptr, 32); // struct flock: short type, short whence, off_t start, off_t len, pid_t pid
  if (!(raw instanceof Uint8Array)) return neg('EFAULT');
  const v = new DataView(raw.buffer);
  const type = v.getInt16(0, true);
  const whence = v.getInt16(2, true);
  if (type < 0 || type > 2 || whence < 0 || whence > 2) return neg('EINVAL');
  if (cmd === F_GETLK || cmd === F_OFD_GETLK) {
    if (type === F_UNLCK) return neg('EINVAL');
    return mem.writeBytes(ptr, new Uint8Array([F_UNLCK, 0])) ? neg('EFAULT') : 0;
  }
  const acc = o.file.flags & O_ACCMODE;
  if ((type === 0 && acc === 1) || (type === 1 && acc === 0)) return neg('EBADF'); // lock mode needs the access mode
  return 0;
}

/** What an O_PATH fd allows (check_fcntl_cmd); anything else on one is EBADF. */
const PATH_FD_CMDS = new Set([F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL]);

function fcntl(h: HostCore, e: Entry, fd: number, cmd: number, arg: unknown): number {
  // fdget first (EBADF), then what an O_PATH fd may do, then the command itself (EINVAL).
  const o = h.openFd(fd);
  if (isErr(o)) return h.exit(e, neg(o.errno));
  if (o.file.flags & O_PATH && !PATH_FD_CMDS.has(cmd)) return h.exit(e, neg('EBADF'));
  if (LOCK_CMDS.has(cmd)) return h.exit(e, lock(h, o, cmd, i32(arg) >>> 0));
  if (!INT_CMDS.has(cmd)) return h.exit(e, neg('EINVAL'));
  if (cmd === F_SETOWN || cmd === F_GETOWN || cmd === F_SETSIG || cmd === F_GETSIG) return h.exit(e, 0);
  return closeLike(h, fd, () => h.exit(e));
}

function ioctl(h: HostCore, e: Entry, fd: number, req: number, argp: number): number {
  return h.exit(e, ioctlResult(h, fd, req, argp));
}

/** What an ioctl does on the host (the fd's own flags are the model's: it decides those). */
function ioctlResult(h: HostCore, fd: number, req: number, argp: number): number | undefined {
  const o = h.openFd(fd);
  if (isErr(o)) return neg(o.errno);
  if (o.file.flags & O_PATH) return neg('EBADF');
  const mem = h.mem;
  if (!mem) return neg('EFAULT');
  switch (req) {
    case FIOCLEX:
    case FIONCLEX:
    case FIONBIO:
      return undefined;
    case TIOCGWINSZ: {
      // stdout/stderr always answer: musl line-buffers stdout only on a terminal, and the guest's
      // libc returns from main without flushing a fully buffered stdout.
      const host = o.host;
      const stdio = host?.stdio;
      const tty = host && host.nodeFd >= 0 && isatty(host.nodeFd);
      if (!(tty || stdio === 1 || stdio === 2)) return neg('ENOTTY');
      const cols = (tty && stdio !== undefined && process.stdout.columns) || 80;
      const rows = (tty && stdio !== undefined && process.stdout.rows) || 24;
      const ws = new Uint8Array(8);
      new DataView(ws.buffer).setUint16(0, rows, true);
      new DataView(ws.buffer).setUint16(2, cols, true);
      return mem.writeBytes(argp, ws) ? neg('EFAULT') : 0;
    }
    case FIONREAD: {
      const host = o.host;
      // A socket: the bytes its host socket holds (SIOCINQ).
      if (host?.socket) {
        const v = new Uint8Array(4);
        const r = loadSysNet().ioctlInt(host.nodeFd, FIONREAD, v);
        return r < 0 ? r : mem.writeBytes(argp, v) ? neg('EFAULT') : 0;
      }
      if (host?.kind !== 'seekable') return neg('ENOTTY');
      let left = 0;
      try {
        left = Math.max(0, fstatSync(host.nodeFd).size - host.offset);
      } catch {
        left = 0;
      }
      return mem.writeI32(argp, Math.min(left, 0x7fffffff)) ? neg('EFAULT') : 0;
    }
    default:
      return neg('ENOTTY');
  }
}

/** close, dup, dup2, dup3, fcntl and ioctl, by syscall name: the model decides the fd table. */
export function fdCalls(h: HostCore): Record<string, (e: Entry | undefined, ...a: unknown[]) => number> {
  const judged = (f: (e: Entry, ...a: unknown[]) => number) => (e: Entry | undefined, ...a: unknown[]): number => (e ? f(e, ...a) : neg('EINVAL'));
  return {
    close: judged((e, fd) => closeLike(h, i32(fd), () => h.exit(e))),
    dup: judged((e) => h.exit(e)),
    dup2: judged((e, _fd, nfd) => closeLike(h, i32(nfd), () => h.exit(e))),
    dup3: judged((e, _fd, nfd) => closeLike(h, i32(nfd), () => h.exit(e))),
    fcntl: judged((e, fd, cmd, arg) => fcntl(h, e, i32(fd), i32(cmd), arg)),
    ioctl: judged((e, fd, req, argp) => ioctl(h, e, i32(fd), i32(req) >>> 0, i32(argp) >>> 0)),
  };
}

