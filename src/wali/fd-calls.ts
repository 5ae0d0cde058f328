/**
 * The descriptor calls the model decides alone (close, dup, dup2, dup3, fcntl, the fd ioctls), as
 * every WALI host answers them: fcntl's command checks in the kernel's order, record-lock
 * validation, the ioctls' shared prefix and the winsize layout. What differs between hosts
 * (how a dropped description is released, what a terminal or FIONREAD sees) comes in as
 * callbacks. Node-free.
 */
import type { Entry } from '../enforce/enforcer.js';
import { F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_GETFL, F_SETFD, F_SETFL, FIOCLEX, FIONBIO, FIONCLEX, O_ACCMODE, O_PATH } from '../linux/index.js';
import { i32, isErr, neg, type Result } from './errno.js';
import type { GuestMemory } from './memory.js';

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
export const TIOCGWINSZ = 0x5413;
export const FIONREAD = 0x541b;

/** Commands whose argument is an int: the i64 arg's high half can be va_arg garbage. */
const INT_CMDS = new Set([F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_SETOWN, F_GETOWN, F_SETSIG, F_GETSIG]);
const LOCK_CMDS = new Set([F_GETLK, F_SETLK, F_SETLKW, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW]);
/** What an O_PATH fd allows (check_fcntl_cmd); anything else on one is EBADF. */
const PATH_FD_CMDS = new Set([F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL]);

/** What a host's open fd must show for these calls: the model's description. */
export interface FdLike {
  readonly file: { readonly flags: number };
}

/** The parts of a host these calls use. */
export interface FdCallHost<O extends FdLike> {
  readonly mem: GuestMemory | undefined;
  openFd(fd: number): Result<O>;
  /** The model follows the judged call (with the host's result, or deciding it alone). */
  exit(e: Entry | undefined, ret?: number): number;
}

/** What differs between hosts. */
export interface FdCallHooks<O extends FdLike> {
  /** Runs a call that may drop a description (close, dup2 over an open fd ...) and releases what it dropped. */
  closeLike(fd: number, run: () => number): number;
  /** TIOCGWINSZ: the fd's terminal size as [rows, cols], or undefined (ENOTTY). */
  winsize(o: O): readonly [number, number] | undefined;
  /** FIONREAD: the bytes ready to read, or -errno. */
  readable(o: O): number;
}

/**
 * Record locks succeed without locking: one single-threaded guest cannot conflict with itself,
 * and no other process is coordinated with (documented limit). F_GETLK reports no lock.
 */
function lock(mem: GuestMemory | undefined, flags: number, cmd: number, ptr: number): number {
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
  const acc = flags & O_ACCMODE;
  if ((type === 0 && acc === 1) || (type === 1 && acc === 0)) return neg('EBADF'); // lock mode needs the access mode
  return 0;
}

function fcntl<O extends FdLike>(h: FdCallHost<O>, k: FdCallHooks<O>, e: Entry, fd: number, cmd: number, arg: unknown): number {
  // fdget first (EBADF), then what an O_PATH fd may do, then the command itself (EINVAL).
  const o = h.openFd(fd);
  if (isErr(o)) return h.exit(e, neg(o.errno));
  if (o.file.flags & O_PATH && !PATH_FD_CMDS.has(cmd)) return h.exit(e, neg('EBADF'));
  if (LOCK_CMDS.has(cmd)) return h.exit(e, lock(h.mem, o.file.flags, cmd, i32(arg) >>> 0));
  if (!INT_CMDS.has(cmd)) return h.exit(e, neg('EINVAL'));
  if (cmd === F_SETOWN || cmd === F_GETOWN || cmd === F_SETSIG || cmd === F_GETSIG) return h.exit(e, 0);
  return k.closeLike(fd, () => h.exit(e));
}

/** What an ioctl does (undefined: the model decides, the fd's own flags being the model's). */
function ioctlResult<O extends FdLike>(h: FdCallHost<O>, k: FdCallHooks<O>, fd: number, req: number, argp: number): number | undefined {
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
      const size = k.winsize(o);
      if (!size) return neg('ENOTTY');
      const ws = new Uint8Array(8); // struct winsize: ws_row, ws_col, ws_xpixel, ws_ypixel
      new DataView(ws.buffer).setUint16(0, size[0], true);
      new DataView(ws.buffer).setUint16(2, size[1], true);
      return mem.writeBytes(argp, ws) ? neg('EFAULT') : 0;
    }
    case FIONREAD: {
      const left = k.readable(o);
      if (left < 0) return left;
      return mem.writeI32(argp, Math.min(left, 0x7fffffff)) ? neg('EFAULT') : 0;
    }
    default:
      return neg('ENOTTY');
  }
}

/** close, dup, dup2, dup3, fcntl and ioctl, by syscall name: the model decides the fd table. */
export function fdCallTable<O extends FdLike>(h: FdCallHost<O>, k: FdCallHooks<O>): Record<string, (e: Entry | undefined, ...a: unknown[]) => number> {
  const judged = (f: (e: Entry, ...a: unknown[]) => number) => (e: Entry | undefined, ...a: unknown[]): number => (e ? f(e, ...a) : neg('EINVAL'));
  return {
    close: judged((e, fd) => k.closeLike(i32(fd), () => h.exit(e))),
    dup: judged((e) => h.exit(e)),
    dup2: judged((e, _fd, nfd) => k.closeLike(i32(nfd), () => h.exit(e))),
    dup3: judged((e, _fd, nfd) => k.closeLike(i32(nfd), () => h.exit(e))),
    fcntl: judged((e, fd, cmd, arg) => fcntl(h, k, e, i32(fd), i32(cmd), arg)),
    ioctl: judged((e, fd, req, argp) => h.exit(e, ioctlResult(h, k, i32(fd), i32(req) >>> 0, i32(argp) >>> 0))),
  };
}

const LOCK_SH = 1;
const LOCK_EX = 2;
const LOCK_NB = 4;
const LOCK_UN = 8;
const LOCK_MAND = 32;

/**
 * flock's command where no host kernel checks it (locks that conflict with nothing): LOCK_MAND is
 * ignored (Linux 5.15 on: a warning and 0); otherwise exactly one of LOCK_SH, LOCK_EX, LOCK_UN,
 * with LOCK_NB or not. 0 or -EINVAL.
 */
export function flockCheck(op: number): number {
  if (op & LOCK_MAND) return 0;
  const cmd = op & ~LOCK_NB;
  return cmd === LOCK_SH || cmd === LOCK_EX || cmd === LOCK_UN ? 0 : neg('EINVAL');
}

/** fadvise64's length and advice where no host kernel checks them: a negative length or unknown advice is EINVAL. */
export function fadviseCheck(len: number | bigint, advice: number): number {
  return len >= 0 && advice >= 0 && advice <= 5 ? 0 : neg('EINVAL');
}
