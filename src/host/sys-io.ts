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
import { errnoOf, isErr, neg, type Result } from './errno.js';
import { gather, iovecs, ioTable, scatter, SEEK_HOLE, SEEK_SET, seekTarget, usable, vectorTotal } from '../wali/io-vectors.js';

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
  const n0 = usable(h.mem, buf, count);
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
  const n = usable(h.mem, buf, count);
  if (n < 0) return neg('EFAULT');
  const data = h.mem?.readBytes(buf, n);
  if (!(data instanceof Uint8Array)) return neg('EFAULT');
  try {
    return hostWrite(io, data, pos);
  } catch (e) {
    return neg(errnoOf(e));
  }
}

function readv(h: HostCore, fd: number, iov: number, cnt: number): number {
  const io = ioFd(h, fd, false);
  if (isErr(io)) return neg(io.errno);
  const segs = iovecs(h.mem, iov, cnt);
  if (isErr(segs)) return neg(segs.errno);
  const tmp = new Uint8Array(vectorTotal(h.mem, segs));
  let n: number;
  try {
    n = hostRead(io, tmp, null);
  } catch (e) {
    return neg(errnoOf(e));
  }
  return scatter(h.mem!, segs, tmp.subarray(0, n));
}

function writev(h: HostCore, fd: number, iov: number, cnt: number): number {
  const io = ioFd(h, fd, true);
  if (isErr(io)) return neg(io.errno);
  const segs = iovecs(h.mem, iov, cnt);
  if (isErr(segs)) return neg(segs.errno);
  // Gathered up to the bound (a short write, as Linux may make): never more than the guest has.
  const data = gather(h.mem!, segs, vectorTotal(h.mem, segs));
  if (isErr(data)) return neg(data.errno);
  try {
    return hostWrite(io, data, null);
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
  const to = hostSeekTarget(host, off, whence, host.offset, dir);
  if (typeof to === 'string') return neg(to);
  host.offset = to;
  if (dir && to === 0) host.listing = undefined; // rewinddir: the next getdents64 reads afresh
  return to;
}

/** Where lseek goes from `cur`, the size being the host file's (fstat, asked only when needed). */
function hostSeekTarget(host: HostFile, off: number, whence: number, cur: number, dir: boolean): number | string {
  return seekTarget(off, whence, cur, dir, () => {
    try {
      return fstatSync(host.nodeFd).size;
    } catch (e) {
      return { errno: errnoOf(e) };
    }
  });
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
  const to = hostSeekTarget(host, off, whence, cur, false);
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
  return ioTable(h, { read, write, readv, writev, lseek, ftruncate, sync });
}
