/**
 * Data calls on in-memory files: read/write/pread64/pwrite64/readv/writev, lseek, ftruncate,
 * fsync/fdatasync. Each open description keeps its offset (shared by dup'ed fds); O_APPEND is
 * the model's status flag, so F_SETFL changes it exactly. stdio is a stream: stdin's bytes are
 * given up front (then EOF), stdout and stderr go to the embedder's callbacks.
 */
import { O_ACCMODE, O_APPEND, O_PATH } from '../linux/index.js';
import type { Inode } from '../state/types.js';
import { i32, i64, isErr, neg, u32, type Result } from '../wali/errno.js';
import type { MemCore, OpenFd } from './core.js';
import { nowNs } from './inodes.js';
import { pipeRead, pipeWrite } from './pipes.js';
import { eventRead, eventWrite } from './eventfd.js';

/** A pipe (stdio included), an eventfd or an epoll: no positions (ESPIPE), no sync (EINVAL). */
function streaming(o: OpenFd): boolean {
  return o.desc.stdio !== undefined || o.desc.pipe !== undefined || o.desc.event !== undefined || o.desc.epoll !== undefined;
}

/** Linux's MAX_RW_COUNT: one call moves at most this many bytes. */
const MAX_RW = 0x7ffff000;
const IOV_MAX = 1024;
/** The largest file (MAX_LFS_FILESIZE on 64-bit): beyond is EFBIG, or EINVAL for a seek. */
const MAX_FILE = Number.MAX_SAFE_INTEGER;
const SEEK_SET = 0;
const SEEK_CUR = 1;
const SEEK_END = 2;
const SEEK_DATA = 3;
const SEEK_HOLE = 4;

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

/**
 * How much of a `count`-byte buffer at `ptr` exists: Linux copies until the first unmapped byte,
 * so a buffer running off the end of memory is cut there; one starting outside is EFAULT (-1).
 */
function usable(h: MemCore, ptr: number, count: number): number {
  const size = h.mem?.byteLength ?? 0;
  if (count === 0) return 0;
  return ptr < size ? Math.min(count, size - ptr, MAX_RW) : -1;
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
  const n = usable(h, buf, count);
  if (n < 0) return neg('EFAULT');
  const b = take(h, o, n, pos);
  if (typeof b === 'number') return b;
  return h.mem!.writeBytes(buf, b) ? neg('EFAULT') : b.length;
}

function write(h: MemCore, fd: number, buf: number, count: number, pos: number | null): number {
  const o = ioFd(h, fd, true);
  if (isErr(o)) return neg(o.errno);
  if (pos !== null && streaming(o)) return neg('ESPIPE');
  const n = usable(h, buf, count);
  if (n < 0) return neg('EFAULT');
  const data = h.mem!.readBytes(buf, n);
  if (!(data instanceof Uint8Array)) return neg('EFAULT');
  return put(h, o, data, pos);
}

/** An iovec array ({u32 base, u32 len} each): the segments, or EINVAL/EFAULT. */
function iovecs(h: MemCore, iov: number, cnt: number): Result<[number, number][]> {
  if (cnt < 0 || cnt > IOV_MAX) return { errno: 'EINVAL' };
  const raw = h.mem?.readBytes(iov, cnt * 8);
  if (!(raw instanceof Uint8Array)) return { errno: 'EFAULT' };
  const v = new DataView(raw.buffer);
  const size = h.mem!.byteLength;
  const out: [number, number][] = [];
  let total = 0;
  for (let i = 0; i < cnt; i++) {
    const base = v.getUint32(i * 8, true);
    const len = v.getUint32(i * 8 + 4, true);
    if (len > 0x7fffffff || (total += len) > 0x7fffffff) return { errno: 'EINVAL' };
    if (base + len > size) return { errno: 'EFAULT' };
    out.push([base, len]);
  }
  return out;
}

/** One readv/writev moves at most MAX_RW bytes and at most the guest's memory size (segments may overlap). */
function vectorTotal(h: MemCore, segs: readonly [number, number][]): number {
  const sum = segs.reduce((s, [, l]) => s + l, 0);
  return Math.min(sum, MAX_RW, Math.max(h.mem?.byteLength ?? 0, segs[0]?.[1] ?? 0));
}

function readv(h: MemCore, fd: number, iov: number, cnt: number): number {
  const o = ioFd(h, fd, false);
  if (isErr(o)) return neg(o.errno);
  const segs = iovecs(h, iov, cnt);
  if (isErr(segs)) return neg(segs.errno);
  const b = take(h, o, vectorTotal(h, segs), null);
  if (typeof b === 'number') return b;
  let off = 0;
  for (const [base, len] of segs) {
    if (off >= b.length) break;
    const part = b.subarray(off, Math.min(b.length, off + len));
    if (h.mem!.writeBytes(base, part)) return neg('EFAULT');
    off += part.length;
  }
  return b.length;
}

function writev(h: MemCore, fd: number, iov: number, cnt: number): number {
  const o = ioFd(h, fd, true);
  if (isErr(o)) return neg(o.errno);
  const segs = iovecs(h, iov, cnt);
  if (isErr(segs)) return neg(segs.errno);
  const total = vectorTotal(h, segs);
  const data = new Uint8Array(total);
  let at = 0;
  for (const [base, len] of segs) {
    if (at >= total) break;
    const b = h.mem!.readBytes(base, Math.min(len, total - at));
    if (!(b instanceof Uint8Array)) return neg('EFAULT');
    data.set(b, at);
    at += b.length;
  }
  return put(h, o, data, null);
}

function lseek(h: MemCore, fd: number, off: number, whence: number): number {
  const o = h.openFd(fd);
  if (isErr(o)) return neg(o.errno);
  if (o.file.flags & O_PATH) return neg('EBADF');
  if (streaming(o)) return neg('ESPIPE');
  if (whence < SEEK_SET || whence > SEEK_HOLE) return neg('EINVAL');
  const dir = o.inode.kind === 'dir';
  // A directory's offset is the index of its next entry (dcache_dir_lseek: SEEK_SET and SEEK_CUR only).
  if (dir && whence >= SEEK_END) return neg('EINVAL');
  const size = dir ? 0 : h.data(o.inode).size;
  let to: number;
  if (whence === SEEK_SET) to = off;
  else if (whence === SEEK_CUR) to = o.desc.offset + off;
  else if (whence === SEEK_END) to = size + off;
  // SEEK_DATA, SEEK_HOLE: the offset is compared with the size unsigned, so a negative one is past the end too.
  else if (off < 0 || off >= size) return neg('ENXIO');
  else to = whence === SEEK_DATA ? off : size;
  if (to < 0 || !Number.isSafeInteger(to)) return neg('EINVAL');
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
  const at = (x: unknown): number | null => {
    const n = i64(x);
    return n < 0 ? null : n;
  };
  return {
    read: (fd, b, n) => read(h, i32(fd), u32(b), u32(n), null),
    write: (fd, b, n) => write(h, i32(fd), u32(b), u32(n), null),
    pread64: (fd, b, n, off) => {
      const p = at(off);
      return p === null ? neg('EINVAL') : read(h, i32(fd), u32(b), u32(n), p);
    },
    pwrite64: (fd, b, n, off) => {
      const p = at(off);
      return p === null ? neg('EINVAL') : write(h, i32(fd), u32(b), u32(n), p);
    },
    readv: (fd, iov, cnt) => readv(h, i32(fd), u32(iov), i32(cnt)),
    writev: (fd, iov, cnt) => writev(h, i32(fd), u32(iov), i32(cnt)),
    lseek: (fd, off, wh) => lseek(h, i32(fd), i64(off), i32(wh)),
    ftruncate: (fd, len) => ftruncate(h, i32(fd), i64(len)),
    fsync: (fd) => sync(h, i32(fd)),
    fdatasync: (fd) => sync(h, i32(fd)),
  };
}
