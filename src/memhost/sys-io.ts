/**
 * Data calls on in-memory files: read/write/pread64/pwrite64/readv/writev, lseek, ftruncate,
 * fsync/fdatasync. Each open description keeps its offset (shared by dup'ed fds); O_APPEND is
 * the model's status flag, so F_SETFL changes it exactly. stdio is a stream: stdin's bytes are
 * given up front (then EOF), stdout and stderr go to the embedder's callbacks.
 */
import { O_ACCMODE, O_APPEND, O_PATH } from '../linux/index.js';
import type { Inode } from '../state/types.js';
import { isErr, neg, type Result } from '../wali/errno.js';
import { gather, iovecs, ioTable, scatter, seekTarget, usable, vectorTotal } from '../wali/io-vectors.js';
import type { MemCore, OpenFd } from './core.js';
import { nowNs } from './inodes.js';
import { pipeRead, pipeWrite } from './pipes.js';
import { eventRead, eventWrite } from './eventfd.js';

/** A pipe (stdio included), an eventfd or an epoll: no positions (ESPIPE), no sync (EINVAL). */
function streaming(o: OpenFd): boolean {
  return o.desc.stdio !== undefined || o.desc.pipe !== undefined || o.desc.event !== undefined || o.desc.epoll !== undefined;
}

/** The largest file (MAX_LFS_FILESIZE on 64-bit): beyond is EFBIG, or EINVAL for a seek. */
const MAX_FILE = Number.MAX_SAFE_INTEGER;

/** The fd for a read (write=false) or a write: EBADF for closed, O_PATH or the wrong access mode; EISDIR for a directory. */
function ioFd(h: MemCore, fd: number, write: boolean): Result<OpenFd> {
  const o = h.openFd(fd);
  if (isErr(o)) return o;
  const acc = o.file.flags & O_ACCMODE;
  if (o.file.flags & O_PATH || (write ? acc === 0 : acc === 1)) return { errno: 'EBADF' };
  // An epoll description has no read or write (EINVAL).
  if (o.desc.epoll) return { errno: 'EINVAL' };
  if (streaming(o)) return o;
  if (o.inode.kind === 'dir') return { errno: 'EISDIR' };
  if (o.inode.kind !== 'reg') return { errno: 'EINVAL' };
  return o;
}

/** Up to `n` bytes from the description at `pos` (null: its offset, advanced), or -errno (a pipe). */
function take(h: MemCore, o: OpenFd, n: number, pos: number | null): Uint8Array | number {
  if (o.desc.pipe) return pipeRead(h, o, n);
  if (o.desc.event) return eventRead(o, n);
  if (o.desc.stdio !== undefined) {
    const io = h.stdio;
    if (o.desc.stdio !== 0) return new Uint8Array(0);
    const b = io.stdin.subarray(io.stdinAt, io.stdinAt + n);
    io.stdinAt += b.length;
    return b;
  }
  const d = h.data(o.inode);
  const at = pos ?? o.desc.offset;
  const b = h.fs.inodes.read(d, at, n);
  if (pos === null) o.desc.offset = at + b.length;
  d.atimeNs = nowNs();
  return b;
}

/** Writes `data` at `pos` (null: at the offset, advanced; O_APPEND: at the end, pwrite64 included). The count or -errno. */
function put(h: MemCore, o: OpenFd, data: Uint8Array, pos: number | null): number {
  if (o.desc.pipe) return pipeWrite(h, o, data);
  if (o.desc.event) return eventWrite(o, data);
  if (o.desc.stdio !== undefined) {
    if (o.desc.stdio === 0) return neg('EBADF');
    h.stdio.out(o.desc.stdio, data.slice());
    return data.length;
  }
  const d = h.data(o.inode);
  const at = o.file.flags & O_APPEND ? d.size : pos ?? o.desc.offset;
  if (data.length === 0) return 0;
  if (at >= MAX_FILE) return neg('EFBIG');
  const n = h.fs.inodes.write(d, at, data);
  if (n === 0) return neg('ENOSPC');
  if (pos === null) o.desc.offset = at + n;
  d.mtimeNs = d.ctimeNs = nowNs();
  return n;
}

function read(h: MemCore, fd: number, buf: number, count: number, pos: number | null): number {
  const o = ioFd(h, fd, false);
  if (isErr(o)) return neg(o.errno);
  if (pos !== null && streaming(o)) return neg('ESPIPE');
  const n = usable(h.mem, buf, count);
  if (n < 0) return neg('EFAULT');
  const b = take(h, o, n, pos);
  if (typeof b === 'number') return b;
  return h.mem!.writeBytes(buf, b) ? neg('EFAULT') : b.length;
}

function write(h: MemCore, fd: number, buf: number, count: number, pos: number | null): number {
  const o = ioFd(h, fd, true);
  if (isErr(o)) return neg(o.errno);
  if (pos !== null && streaming(o)) return neg('ESPIPE');
  const n = usable(h.mem, buf, count);
  if (n < 0) return neg('EFAULT');
  const data = h.mem!.readBytes(buf, n);
  if (!(data instanceof Uint8Array)) return neg('EFAULT');
  return put(h, o, data, pos);
}

function readv(h: MemCore, fd: number, iov: number, cnt: number): number {
  const o = ioFd(h, fd, false);
  if (isErr(o)) return neg(o.errno);
  const segs = iovecs(h.mem, iov, cnt);
  if (isErr(segs)) return neg(segs.errno);
  const b = take(h, o, vectorTotal(h.mem, segs), null);
  if (typeof b === 'number') return b;
  return scatter(h.mem!, segs, b);
}

function writev(h: MemCore, fd: number, iov: number, cnt: number): number {
  const o = ioFd(h, fd, true);
  if (isErr(o)) return neg(o.errno);
  const segs = iovecs(h.mem, iov, cnt);
  if (isErr(segs)) return neg(segs.errno);
  const data = gather(h.mem!, segs, vectorTotal(h.mem, segs));
  if (isErr(data)) return neg(data.errno);
  return put(h, o, data, null);
}

function lseek(h: MemCore, fd: number, off: number, whence: number): number {
  const o = h.openFd(fd);
  if (isErr(o)) return neg(o.errno);
  if (o.file.flags & O_PATH) return neg('EBADF');
  if (streaming(o)) return neg('ESPIPE');
  const dir = o.inode.kind === 'dir';
  const to = seekTarget(off, whence, o.desc.offset, dir, () => h.data(o.inode).size);
  if (typeof to === 'string') return neg(to);
  if (dir && to === 0) delete o.desc.listing; // rewinddir: the next getdents64 reads afresh
  o.desc.offset = to;
  return to;
}

function ftruncate(h: MemCore, fd: number, len: number): number {
  if (len < 0) return neg('EINVAL');
  const o = h.openFd(fd);
  if (isErr(o)) return neg(o.errno);
  if (o.file.flags & O_PATH) return neg('EBADF');
  if (o.desc.stdio !== undefined || o.inode.kind !== 'reg' || (o.file.flags & O_ACCMODE) === 0) return neg('EINVAL');
  return truncateData(h, o.inode, len);
}

/** Sets a regular file's size: EFBIG past the largest file, ENOSPC past the filesystem's budget. */
export function truncateData(h: MemCore, inode: Inode, len: number): number {
  if (len > MAX_FILE) return neg('EFBIG');
  const d = h.data(inode);
  if (!h.fs.inodes.resize(d, len)) return neg('ENOSPC');
  d.mtimeNs = d.ctimeNs = nowNs();
  return 0;
}

function sync(h: MemCore, fd: number): number {
  const o = h.openFd(fd);
  if (isErr(o)) return neg(o.errno);
  if (o.file.flags & O_PATH) return neg('EBADF');
  // stdio is a pipe to the embedder: fsync on a pipe is EINVAL.
  return streaming(o) ? neg('EINVAL') : 0;
}

/** read/write and their positional and vectored forms, lseek, ftruncate, fsync, fdatasync. */
export function ioCalls(h: MemCore): Record<string, (...a: unknown[]) => number> {
  return ioTable(h, { read, write, readv, writev, lseek, ftruncate, sync });
}
