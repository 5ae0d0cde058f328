/**
 * Data calls: read/write/pread64/pwrite64/readv/writev, lseek, ftruncate, fsync/fdatasync.
 * Node has no lseek, so each open description keeps its own offset (shared by dup'ed fds) and
 * seekable files use positional I/O at it; O_APPEND is emulated from the model's status flags,
 * so F_SETFL changes it exactly. Streams (pipes, terminals, stdio) use plain read/write.
 */
import { fdatasyncSync, fstatSync, fsyncSync, ftruncateSync, readSync, writeSync } from 'node:fs';
import { O_ACCMODE, O_APPEND, O_NONBLOCK, O_PATH } from '../linux/index.js';
import type { HostCore, OpenFd } from './core.js';
import { fdinfo, type HostFile } from './fdmap.js';
import { loadSysPoll } from './native/sys-poll.js';
import { errnoOf, i32, i64, isErr, neg, u32, type Result } from './errno.js';

/** Linux's MAX_RW_COUNT: one call moves at most this many bytes. */
const MAX_RW = 0x7ffff000;
const IOV_MAX = 1024;
const SEEK_SET = 0;
const SEEK_CUR = 1;
const SEEK_END = 2;
const SEEK_DATA = 3;
const SEEK_HOLE = 4;

const POLLIN = 0x1;
const POLLOUT = 0x4;

/**
 * Retries EAGAIN for descriptions the guest believes blocking, after waiting for the host fd to
 * be ready (`events`): pipes and eventfds are non-blocking on the host (sys-pipes.ts), and Node
 * may have made stdio non-blocking. O_NONBLOCK is the model's flag, so F_SETFL is exact.
 */
function blocking<T>(io: Io, fd: number, events: number, op: () => T): T {
  const o = io.o;
  for (let tries = 0; ; tries++) {
    try {
      return op();
    } catch (e) {
      if (errnoOf(e) !== 'EAGAIN' || o.file.flags & O_NONBLOCK || tries > 100_000) throw e;
      // A forked process runs alone to its end: a guest pipe it waits on stays as it is (processes.ts).
      if (io.h.proc?.waitsForever(o)) throw Object.assign(new Error('a forked process would wait for a suspended one'), { code: 'EDEADLK' });
      loadSysPoll().waitFd(fd, events);
    }
  }
}

interface Io {
  o: OpenFd;
  host: HostFile;
  h: HostCore;
}

/** The fd for a read (write=false) or a write: EBADF for closed, O_PATH or wrong access mode. */
function ioFd(h: HostCore, fd: number, write: boolean): Result<Io> {
  const o = h.openFd(fd);
  if (isErr(o)) return o;
  const acc = o.file.flags & O_ACCMODE;
  if (o.file.flags & O_PATH || (write ? acc === 0 : acc === 1) || !o.host) return { errno: 'EBADF' };
  if (o.host.kind === 'dir' || o.host.kind === 'synthetic') return { errno: 'EISDIR' };
  return { o, host: o.host, h };
}

/** True when [ptr, ptr+len) lies in guest memory. */
function inMemory(h: HostCore, ptr: number, len: number): boolean {
  const m = h.mem;
  return !!m && ptr >= 0 && len >= 0 && ptr + len <= m.byteLength;
}

/**
 * How much of a `count`-byte buffer at `ptr` exists: Linux copies until the first unmapped byte,
 * so a buffer running off the end of memory is cut there; one starting outside is EFAULT (-1).
 */
function usable(h: HostCore, ptr: number, count: number): number {
  const size = h.mem?.byteLength ?? 0;
  if (count === 0) return 0;
  return ptr < size ? Math.min(count, size - ptr, MAX_RW) : -1;
}

/** Reads into `buf`; `pos` null means at (and advancing) the description's offset. */
function hostRead(io: Io, buf: Uint8Array, pos: number | null): number {
  const { host } = io;
  if (host.kind !== 'seekable') return blocking(io, host.nodeFd, POLLIN, () => readSync(host.nodeFd, buf, 0, buf.length, pos));
  const at = pos ?? host.offset;
  const n = readSync(host.nodeFd, buf, 0, buf.length, at);
  if (pos === null) host.offset = at + n;
  return n;
}

function hostWrite(io: Io, data: Uint8Array, pos: number | null): number {
  const { host } = io;
  if (host.kind !== 'seekable') {
    let done = 0;
    try {
      while (done < data.length) done += blocking(io, host.nodeFd, POLLOUT, () => writeSync(host.nodeFd, data, done, data.length - done, pos === null ? null : pos + done));
    } catch (e) {
      // What was written counts (a full non-blocking pipe, EPIPE part-way): Linux returns it.
      if (done === 0) throw e;
    }
    return done;
  }
  // O_APPEND writes at the end whatever the offset, pwrite64 included (as Linux does).
  const append = (io.o.file.flags & O_APPEND) !== 0;
  const at = append ? fstatSync(host.nodeFd).size : pos ?? host.offset;
  let done = 0;
  while (done < data.length) done += writeSync(host.nodeFd, data, done, data.length - done, at + done);
  if (pos === null) host.offset = at + done;
  return done;
}

function read(h: HostCore, fd: number, buf: number, count: number, pos: number | null): number {
  const io = ioFd(h, fd, false);
  if (isErr(io)) return neg(io.errno);
  if (pos !== null && io.host.kind !== 'seekable' && !io.host.positional) return neg('ESPIPE');
  const n0 = usable(h, buf, count);
  if (n0 < 0) return neg('EFAULT');
  const tmp = new Uint8Array(n0);
  try {
    const n = hostRead(io, tmp, pos);
    return h.mem!.writeBytes(buf, tmp.subarray(0, n)) ? neg('EFAULT') : n;
  } catch (e) {
    return neg(errnoOf(e));
  }
}

function write(h: HostCore, fd: number, buf: number, count: number, pos: number | null): number {
  const io = ioFd(h, fd, true);
  if (isErr(io)) return neg(io.errno);
  if (pos !== null && io.host.kind !== 'seekable' && !io.host.positional) return neg('ESPIPE');
  const n = usable(h, buf, count);
  if (n < 0) return neg('EFAULT');
  const data = h.mem?.readBytes(buf, n);
  if (!(data instanceof Uint8Array)) return neg('EFAULT');
  try {
    return hostWrite(io, data, pos);
  } catch (e) {
    return neg(errnoOf(e));
  }
}

/** An iovec array ({u32 base, u32 len} each): the segments, or EINVAL/EFAULT. */
function iovecs(h: HostCore, iov: number, cnt: number): Result<[number, number][]> {
  if (cnt < 0 || cnt > IOV_MAX) return { errno: 'EINVAL' };
  const raw = h.mem?.readBytes(iov, cnt * 8);
  if (!(raw instanceof Uint8Array)) return { errno: 'EFAULT' };
  const v = new DataView(raw.buffer);
  const out: [number, number][] = [];
  let total = 0;
  for (let i = 0; i < cnt; i++) {
    const base = v.getUint32(i * 8, true);
    const len = v.getUint32(i * 8 + 4, true);
    if (len > 0x7fffffff || (total += len) > 0x7fffffff) return { errno: 'EINVAL' };
    if (!inMemory(h, base, len)) return { errno: 'EFAULT' };
    out.push([base, len]);
  }
  return out;
}

/**
 * How many bytes one readv/writev moves: the segments' total, at most MAX_RW and at most the
 * guest's memory size. Up to 1024 segments may cover the same guest bytes; bounding by memory
 * keeps one call from making the host allocate gigabytes (the guest sees a short count, which
 * Linux allows and callers retry).
 */
function vectorTotal(h: HostCore, segs: readonly [number, number][]): number {
  const sum = segs.reduce((s, [, l]) => s + l, 0);
  return Math.min(sum, MAX_RW, Math.max(h.mem?.byteLength ?? 0, segs[0]?.[1] ?? 0));
}

function readv(h: HostCore, fd: number, iov: number, cnt: number): number {
  const io = ioFd(h, fd, false);
  if (isErr(io)) return neg(io.errno);
  const segs = iovecs(h, iov, cnt);
  if (isErr(segs)) return neg(segs.errno);
  const tmp = new Uint8Array(vectorTotal(h, segs));
  let n: number;
  try {
    n = hostRead(io, tmp, null);
  } catch (e) {
    return neg(errnoOf(e));
  }
  let off = 0;
  for (const [base, len] of segs) {
    if (off >= n) break;
    const part = tmp.subarray(off, Math.min(n, off + len));
    if (h.mem!.writeBytes(base, part)) return neg('EFAULT');
    off += part.length;
  }
  return n;
}

function writev(h: HostCore, fd: number, iov: number, cnt: number): number {
  const io = ioFd(h, fd, true);
  if (isErr(io)) return neg(io.errno);
  const segs = iovecs(h, iov, cnt);
  if (isErr(segs)) return neg(segs.errno);
  // Gathered up to the bound (a short write, as Linux may make): never more than the guest has.
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
  try {
    return hostWrite(io, data.subarray(0, Math.min(data.length, MAX_RW)), null);
  } catch (e) {
    return neg(errnoOf(e));
  }
}

function lseek(h: HostCore, fd: number, off: number, whence: number): number {
  const o = h.openFd(fd);
  if (isErr(o)) return neg(o.errno);
  const host = o.host;
  if (o.file.flags & O_PATH || !host) return neg('EBADF');
  if (host.kind === 'stream') return host.positional ? sharedOffsetSeek(host, off, whence) : neg('ESPIPE');
  const dir = host.kind === 'dir' || host.kind === 'synthetic';
  const to = seekTarget(host, off, whence, host.offset, dir);
  if (typeof to === 'string') return neg(to);
  host.offset = to;
  if (dir && to === 0) host.listing = undefined; // rewinddir: the next getdents64 reads afresh
  return to;
}

/** Where lseek goes from `cur` (vfs_llseek / generic_file_llseek_size), or Linux's errno. */
function seekTarget(host: HostFile, off: number, whence: number, cur: number, dir: boolean): number | string {
  if (whence < SEEK_SET || whence > SEEK_HOLE) return 'EINVAL';
  if (dir && whence >= SEEK_END) return 'EINVAL';
  let size = 0;
  if (whence >= SEEK_END) {
    try {
      size = fstatSync(host.nodeFd).size;
    } catch (e) {
      return errnoOf(e);
    }
  }
  let to: number;
  if (whence === SEEK_SET) to = off;
  else if (whence === SEEK_CUR) to = cur + off;
  else if (whence === SEEK_END) to = size + off;
  // SEEK_DATA, SEEK_HOLE: Linux compares the offset with the size unsigned, so a negative one is past the end too.
  else if (off < 0 || off >= size) return 'ENXIO';
  else to = whence === SEEK_DATA ? off : size;
  return to < 0 || !Number.isSafeInteger(to) ? 'EINVAL' : to;
}

/**
 * lseek on a description the embedding process shares (stdio on a file): its offset can be read
 * (/proc/self/fdinfo) but Node cannot move it, so a seek that would move it is ESPIPE, what the
 * guest would get on a pipe; a seek to where it is answers as Linux does.
 */
function sharedOffsetSeek(host: HostFile, off: number, whence: number): number {
  if (whence < SEEK_SET || whence > SEEK_HOLE) return neg('EINVAL');
  const cur = fdinfo(host.nodeFd)?.pos;
  if (cur === undefined) return neg('ESPIPE');
  const to = seekTarget(host, off, whence, cur, false);
  if (typeof to === 'string') return neg(to);
  return to === cur ? to : neg('ESPIPE');
}

function ftruncate(h: HostCore, fd: number, len: number): number {
  if (len < 0) return neg('EINVAL');
  const o = h.openFd(fd);
  if (isErr(o)) return neg(o.errno);
  if (o.file.flags & O_PATH || !o.host) return neg('EBADF');
  if (o.host.kind !== 'seekable' || (o.file.flags & O_ACCMODE) === 0) return neg('EINVAL');
  try {
    ftruncateSync(o.host.nodeFd, len);
    return 0;
  } catch (e) {
    return neg(errnoOf(e));
  }
}

function sync(h: HostCore, fd: number, data: boolean): number {
  const o = h.openFd(fd);
  if (isErr(o)) return neg(o.errno);
  if (o.file.flags & O_PATH || !o.host) return neg('EBADF');
  if (o.host.nodeFd < 0) return 0;
  try {
    (data ? fdatasyncSync : fsyncSync)(o.host.nodeFd);
    return 0;
  } catch (e) {
    return neg(errnoOf(e));
  }
}

/** read/write and their positional and vectored forms, lseek, ftruncate, fsync, fdatasync. */
export function ioCalls(h: HostCore): Record<string, (...a: unknown[]) => number> {
  const preadOff = (x: unknown): number | null => {
    const n = i64(x);
    return n < 0 ? null : n;
  };
  return {
    read: (fd, b, n) => read(h, i32(fd), u32(b), u32(n), null),
    write: (fd, b, n) => write(h, i32(fd), u32(b), u32(n), null),
    pread64: (fd, b, n, off) => {
      const at = preadOff(off);
      return at === null ? neg('EINVAL') : read(h, i32(fd), u32(b), u32(n), at);
    },
    pwrite64: (fd, b, n, off) => {
      const at = preadOff(off);
      return at === null ? neg('EINVAL') : write(h, i32(fd), u32(b), u32(n), at);
    },
    readv: (fd, iov, cnt) => readv(h, i32(fd), u32(iov), i32(cnt)),
    writev: (fd, iov, cnt) => writev(h, i32(fd), u32(iov), i32(cnt)),
    lseek: (fd, off, wh) => lseek(h, i32(fd), i64(off), i32(wh)),
    ftruncate: (fd, len) => ftruncate(h, i32(fd), i64(len)),
    fsync: (fd) => sync(h, i32(fd), false),
    fdatasync: (fd) => sync(h, i32(fd), true),
  };
}
