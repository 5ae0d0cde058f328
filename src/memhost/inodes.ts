/**
 * What the model does not hold of an in-memory file: its bytes, mode, owner and times, kept per
 * model inode id. The model holds the names, kinds, link counts and symlink bodies; together they
 * are the whole filesystem. Bytes grow by doubling; the filesystem's total is bounded (ENOSPC).
 */
import type { InodeKind } from '../state/types.js';

/** Per-inode data and metadata the model does not hold. */
export interface InodeData {
  /** st_mode: the type bits and the permission bits. */
  mode: number;
  uid: number;
  gid: number;
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  btimeNs: bigint;
  /** A regular file's bytes: the first `size` of `bytes` (its capacity may be larger). */
  bytes: Uint8Array;
  size: number;
  /** The 4 KiB blocks written (st_blocks counts them, as a disk filesystem does: a truncated-up file is sparse). */
  blocks: Set<number>;
}

const TYPE_BITS: Partial<Record<InodeKind, number>> = { dir: 0o040000, reg: 0o100000, lnk: 0o120000, fifo: 0o010000, sock: 0o140000, chr: 0o020000, blk: 0o060000 };

/** The type bits of st_mode for a kind. */
export function typeBits(kind: InodeKind): number {
  return TYPE_BITS[kind] ?? 0o100000;
}

const EMPTY = new Uint8Array(0);
const BLOCK = 4096;

let last = 0n;

/**
 * The wall clock in nanoseconds (performance.timeOrigin + now(): the same in a page and in Node),
 * strictly increasing, so that every change and every read is seen in the times it sets.
 */
export function nowNs(): bigint {
  const ns = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
  last = ns > last ? ns : last + 1n;
  return last;
}

/** Per-inode data for every inode of one filesystem, and its byte budget. */
export class InodeTable {
  private readonly map = new Map<number, InodeData>();
  /** Bytes held by all regular files (sizes, not capacities). */
  used = 0;

  constructor(readonly maxBytes: number) {}

  get(id: number): InodeData | undefined {
    return this.map.get(id);
  }

  /** A new inode's data: `perm` are its permission bits. */
  init(id: number, kind: InodeKind, perm: number, time = nowNs()): InodeData {
    const d: InodeData = { mode: typeBits(kind) | (perm & 0o7777), uid: 0, gid: 0, atimeNs: time, mtimeNs: time, ctimeNs: time, btimeNs: time, bytes: EMPTY, size: 0, blocks: new Set() };
    this.map.set(id, d);
    return d;
  }

  /** Forgets an inode no name and no description holds any more. */
  drop(id: number): void {
    const d = this.map.get(id);
    if (!d) return;
    this.used -= d.size;
    this.map.delete(id);
  }

  ids(): IterableIterator<number> {
    return this.map.keys();
  }

  /** Sets a file's size (truncate or extend with zeros); false when the budget does not allow it. */
  resize(d: InodeData, size: number): boolean {
    if (size > d.size && this.used + (size - d.size) > this.maxBytes) return false;
    if (size > d.bytes.length) this.grow(d, size);
    else if (size < d.size) {
      d.bytes.fill(0, size, d.size);
      const keep = Math.ceil(size / BLOCK);
      for (const b of d.blocks) if (b >= keep) d.blocks.delete(b);
    }
    this.used += size - d.size;
    d.size = size;
    return true;
  }

  /** Writes `data` at `at` (extending the file); the bytes written (0 when the budget is spent: ENOSPC). */
  write(d: InodeData, at: number, data: Uint8Array): number {
    const end = at + data.length;
    if (end > d.size && !this.resize(d, end)) {
      // As much as fits, as a full disk gives.
      const room = Math.max(0, this.maxBytes - this.used + d.size - at);
      if (room <= 0 || !this.resize(d, at + Math.min(room, data.length))) return 0;
      d.bytes.set(data.subarray(0, d.size - at), at);
      this.allocate(d, at, d.size - at);
      return d.size - at;
    }
    d.bytes.set(data, at);
    this.allocate(d, at, data.length);
    return data.length;
  }

  /** Up to `n` bytes at `at` (a view: copy before keeping). */
  read(d: InodeData, at: number, n: number): Uint8Array {
    if (at >= d.size) return EMPTY;
    return d.bytes.subarray(at, Math.min(d.size, at + n));
  }

  private allocate(d: InodeData, at: number, n: number): void {
    if (n <= 0) return;
    for (let b = Math.floor(at / BLOCK); b * BLOCK < at + n; b++) d.blocks.add(b);
  }

  private grow(d: InodeData, size: number): void {
    const next = new Uint8Array(Math.max(size, Math.min(d.bytes.length * 2, size + (64 << 20)), 64));
    next.set(d.bytes.subarray(0, d.size));
    d.bytes = next;
  }
}
