/**
 * What the data calls share on every WALI host: how much of a guest buffer a call may use,
 * WALI's iovec arrays (wasm32: {u32 base, u32 len}) with the kernel's checks, scattering and
 * gathering them, lseek's arithmetic, and the coercion of the calls' arguments. Node-free.
 */
import type { Errno } from '../linux/index.js';
import { i32, i64, isErr, neg, u32, type Result } from './errno.js';
import type { GuestMemory } from './memory.js';

/** Linux's MAX_RW_COUNT: one call moves at most this many bytes. */
export const MAX_RW = 0x7ffff000;
const IOV_MAX = 1024;
export const SEEK_SET = 0;
export const SEEK_CUR = 1;
export const SEEK_END = 2;
export const SEEK_DATA = 3;
export const SEEK_HOLE = 4;

/** One iovec: guest address and length. */
export type Segment = [number, number];

/**
 * How much of a `count`-byte buffer at `ptr` exists: Linux copies until the first unmapped byte,
 * so a buffer running off the end of memory is cut there; one starting outside is EFAULT (-1).
 */
export function usable(mem: GuestMemory | undefined, ptr: number, count: number): number {
  const size = mem?.byteLength ?? 0;
  if (count === 0) return 0;
  return ptr < size ? Math.min(count, size - ptr, MAX_RW) : -1;
}

/** An iovec array: the segments, or EINVAL (count, lengths past ssize_t) or EFAULT. */
export function iovecs(mem: GuestMemory | undefined, iov: number, cnt: number): Result<Segment[]> {
  if (cnt < 0 || cnt > IOV_MAX) return { errno: 'EINVAL' };
  const raw = mem?.readBytes(iov, cnt * 8);
  if (!mem || !(raw instanceof Uint8Array)) return { errno: 'EFAULT' };
  const v = new DataView(raw.buffer);
  const size = mem.byteLength;
  const out: Segment[] = [];
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

/**
 * How many bytes one readv/writev moves: the segments' total, at most MAX_RW and at most the
 * guest's memory size. Up to 1024 segments may cover the same guest bytes; bounding by memory
 * keeps one call from making the host allocate gigabytes (the guest sees a short count, which
 * Linux allows and callers retry).
 */
export function vectorTotal(mem: GuestMemory | undefined, segs: readonly Segment[]): number {
  const sum = segs.reduce((s, [, l]) => s + l, 0);
  return Math.min(sum, MAX_RW, Math.max(mem?.byteLength ?? 0, segs[0]?.[1] ?? 0));
}

/** Spreads `data` over the segments in order (readv): its length, or -EFAULT. */
export function scatter(mem: GuestMemory, segs: readonly Segment[], data: Uint8Array): number {
  let off = 0;
  for (const [base, len] of segs) {
    if (off >= data.length) break;
    const part = data.subarray(off, Math.min(data.length, off + len));
    if (mem.writeBytes(base, part)) return neg('EFAULT');
    off += part.length;
  }
  return data.length;
}

/** The segments' bytes in order, `total` of them at most (writev), or EFAULT. */
export function gather(mem: GuestMemory, segs: readonly Segment[], total: number): Result<Uint8Array> {
  const data = new Uint8Array(total);
  let at = 0;
  for (const [base, len] of segs) {
    if (at >= total) break;
    const b = mem.readBytes(base, Math.min(len, total - at));
    if (!(b instanceof Uint8Array)) return { errno: 'EFAULT' };
    data.set(b, at);
    at += b.length;
  }
  return data;
}

/**
 * Where lseek goes from `cur` (vfs_llseek / generic_file_llseek_size), or Linux's errno. A
 * directory's offset is the index of its next entry (SEEK_SET and SEEK_CUR only); `size` is
 * asked only for SEEK_END, SEEK_DATA and SEEK_HOLE.
 */
export function seekTarget(off: number, whence: number, cur: number, dir: boolean, size: () => Result<number>): number | Errno {
  if (whence < SEEK_SET || whence > SEEK_HOLE) return 'EINVAL';
  if (dir && whence >= SEEK_END) return 'EINVAL';
  let end = 0;
  if (whence >= SEEK_END) {
    const s = size();
    if (isErr(s)) return s.errno;
    end = s;
  }
  let to: number;
  if (whence === SEEK_SET) to = off;
  else if (whence === SEEK_CUR) to = cur + off;
  else if (whence === SEEK_END) to = end + off;
  // SEEK_DATA, SEEK_HOLE: Linux compares the offset with the size unsigned, so a negative one is past the end too.
  else if (off < 0 || off >= end) return 'ENXIO';
  else to = whence === SEEK_DATA ? off : end;
  return to < 0 || !Number.isSafeInteger(to) ? 'EINVAL' : to;
}

/** A host's data calls on its core `h`, their arguments coerced (`pos` null: at and advancing the offset). */
export interface IoOps<H> {
  read(h: H, fd: number, buf: number, count: number, pos: number | null): number;
  write(h: H, fd: number, buf: number, count: number, pos: number | null): number;
  readv(h: H, fd: number, iov: number, cnt: number): number;
  writev(h: H, fd: number, iov: number, cnt: number): number;
  lseek(h: H, fd: number, off: number, whence: number): number;
  ftruncate(h: H, fd: number, len: number): number;
  sync(h: H, fd: number, data: boolean): number;
}

/** read/write and their positional and vectored forms, lseek, ftruncate, fsync, fdatasync, by syscall name. */
export function ioTable<H>(h: H, ops: IoOps<H>): Record<string, (...a: unknown[]) => number> {
  // pread64/pwrite64 refuse a negative offset (EINVAL) before anything else.
  const at = (x: unknown): number | null => {
    const n = i64(x);
    return n < 0 ? null : n;
  };
  return {
    read: (fd, b, n) => ops.read(h, i32(fd), u32(b), u32(n), null),
    write: (fd, b, n) => ops.write(h, i32(fd), u32(b), u32(n), null),
    pread64: (fd, b, n, off) => {
      const p = at(off);
      return p === null ? neg('EINVAL') : ops.read(h, i32(fd), u32(b), u32(n), p);
    },
    pwrite64: (fd, b, n, off) => {
      const p = at(off);
      return p === null ? neg('EINVAL') : ops.write(h, i32(fd), u32(b), u32(n), p);
    },
    readv: (fd, iov, cnt) => ops.readv(h, i32(fd), u32(iov), i32(cnt)),
    writev: (fd, iov, cnt) => ops.writev(h, i32(fd), u32(iov), i32(cnt)),
    lseek: (fd, off, wh) => ops.lseek(h, i32(fd), i64(off), i32(wh)),
    ftruncate: (fd, len) => ops.ftruncate(h, i32(fd), i64(len)),
    fsync: (fd) => ops.sync(h, i32(fd), false),
    fdatasync: (fd) => ops.sync(h, i32(fd), true),
  };
}
