/**
 * open, openat, creat, and the descriptor calls the model decides alone (close, dup, dup2, dup3,
 * fcntl, the fd ioctls). The model plans an open in the kernel's order (flags, the walk,
 * may_open) and the policy judges where it lands; the host then commits exactly that plan and
 * gives a new inode its data (mode less the umask), or truncates the file the plan names.
 */
import type { Entry } from '../enforce/enforcer.js';
import {
  F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_GETFL, F_SETFD, F_SETFL, FIOCLEX, FIONBIO, FIONCLEX, O_ACCMODE, O_PATH, O_TRUNC,
} from '../linux/index.js';
import { i32, isErr, neg } from '../wali/errno.js';
import type { MemCore, OpenFd } from './core.js';
import { nowNs } from './inodes.js';

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

const INT_CMDS = new Set([F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_SETOWN, F_GETOWN, F_SETSIG, F_GETSIG]);
const LOCK_CMDS = new Set([F_GETLK, F_SETLK, F_SETLKW, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW]);
/** What an O_PATH fd allows (check_fcntl_cmd); anything else on one is EBADF. */
const PATH_FD_CMDS = new Set([F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL]);

function open(h: MemCore, e: Entry): number {
  const p = e.open!;
  const t = p.target;
  const umask = h.kernel.umaskOf(h.tid);
  const perm = (e.call as { mode: number }).mode & 0o7777 & ~umask;
  const ret = h.exit(e, p.fd);
  if (ret < 0) return ret;
  const o = h.openFd(ret);
  if (isErr(o)) return ret;
  const now = nowNs();
  if (t.kind !== 'existing') {
    h.made(o.inode.id, t.dir, 'reg', perm, now);
    if (t.kind === 'create') h.touchDir(t.dir, now);
  } else if (p.flags & O_TRUNC && !(p.flags & O_PATH) && o.inode.kind === 'reg') {
    const d = h.data(o.inode);
    h.fs.inodes.resize(d, 0);
    d.mtimeNs = d.ctimeNs = now;
  }
  return ret;
}

/** A close-like call: what it drops loses its host state. */
function closeLike(h: MemCore, fd: number, run: () => number): number {
  const before = h.fileAt(fd);
  const r = run();
  h.released(before);
  return r;
}

/** Record locks succeed without locking: one single-threaded guest cannot conflict with itself. F_GETLK reports no lock. */
function lock(h: MemCore, o: OpenFd, cmd: number, ptr: number): number {
  const mem = h.mem;
  if (!mem) return neg('EFAULT');
  const raw = mem.readBytes(ptr, 32);
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
  if ((type === 0 && acc === 1) || (type === 1 && acc === 0)) return neg('EBADF');
  return 0;
}

function fcntl(h: MemCore, e: Entry, fd: number, cmd: number, arg: unknown): number {
  const o = h.openFd(fd);
  if (isErr(o)) return h.exit(e, neg(o.errno));
  if (o.file.flags & O_PATH && !PATH_FD_CMDS.has(cmd)) return h.exit(e, neg('EBADF'));
  if (LOCK_CMDS.has(cmd)) return h.exit(e, lock(h, o, cmd, i32(arg) >>> 0));
  if (!INT_CMDS.has(cmd)) return h.exit(e, neg('EINVAL'));
  if (cmd === F_SETOWN || cmd === F_GETOWN || cmd === F_SETSIG || cmd === F_GETSIG) return h.exit(e, 0);
  return closeLike(h, fd, () => h.exit(e));
}

/** What an ioctl does (the fd's own flags are the model's: it decides those). */
function ioctlResult(h: MemCore, fd: number, req: number, argp: number): number | undefined {
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
      // stdout and stderr answer as a terminal of 80x24 (as the Node host's do): musl then
      // line-buffers stdout, so output reaches the embedder as it is written.
      if (o.desc.stdio !== 1 && o.desc.stdio !== 2) return neg('ENOTTY');
      const ws = new Uint8Array(8);
      new DataView(ws.buffer).setUint16(0, 24, true);
      new DataView(ws.buffer).setUint16(2, 80, true);
      return mem.writeBytes(argp, ws) ? neg('EFAULT') : 0;
    }
    case FIONREAD: {
      let left: number;
      if (o.desc.stdio === 0) left = h.stdio.stdin.length - h.stdio.stdinAt;
      else if (o.desc.pipe) left = o.desc.pipe.size;
      else if (o.inode.kind === 'reg' && o.desc.stdio === undefined) left = Math.max(0, h.data(o.inode).size - o.desc.offset);
      else return neg('ENOTTY');
      return mem.writeI32(argp, Math.min(left, 0x7fffffff)) ? neg('EFAULT') : 0;
    }
    default:
      return neg('ENOTTY');
  }
}

/** open, openat, creat, close, dup, dup2, dup3, fcntl and ioctl, by syscall name. */
export function fdCalls(h: MemCore): Record<string, (e: Entry | undefined, ...a: unknown[]) => number> {
  const judged = (f: (e: Entry, ...a: unknown[]) => number) => (e: Entry | undefined, ...a: unknown[]): number => (e ? f(e, ...a) : neg('EINVAL'));
  const opener = (e: Entry | undefined): number => (e?.open ? open(h, e) : neg('EINVAL'));
  return {
    open: opener,
    openat: opener,
    creat: opener,
    close: judged((e, fd) => closeLike(h, i32(fd), () => h.exit(e))),
    dup: judged((e) => h.exit(e)),
    dup2: judged((e, _fd, nfd) => closeLike(h, i32(nfd), () => h.exit(e))),
    dup3: judged((e, _fd, nfd) => closeLike(h, i32(nfd), () => h.exit(e))),
    fcntl: judged((e, fd, cmd, arg) => fcntl(h, e, i32(fd), i32(cmd), arg)),
    ioctl: judged((e, fd, req, argp) => h.exit(e, ioctlResult(h, i32(fd), i32(req) >>> 0, i32(argp) >>> 0))),
  };
}
