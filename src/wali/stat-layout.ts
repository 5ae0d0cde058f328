/**
 * x86-64 layouts the guest reads: `struct stat` (144 bytes), `struct statx` (256 bytes) and
 * `struct linux_dirent64` records. WALI's structs equal the x86-64 kernel's, so these are the
 * kernel's own layouts (include/uapi/asm-generic/stat.h is not it: x86-64 has its own order).
 */
import type { InodeKind } from '../state/types.js';
import { kindOfMode } from '../state/view.js';

/** The fields both encoders need: a host `struct stat`, or a synthetic directory. */
export interface StatLike {
  dev: bigint;
  ino: bigint;
  mode: bigint;
  nlink: bigint;
  uid: bigint;
  gid: bigint;
  rdev: bigint;
  size: bigint;
  blksize: bigint;
  blocks: bigint;
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  birthtimeNs: bigint;
}

export const STAT_SIZE = 144;
export const STATX_SIZE = 256;

const BILLION = 1_000_000_000n;

function split(ns: bigint): [bigint, bigint] {
  let sec = ns / BILLION;
  let nsec = ns % BILLION;
  if (nsec < 0n) {
    sec -= 1n;
    nsec += BILLION;
  }
  return [sec, nsec];
}

/** A synthetic read-only directory (`/`, ancestors of mount points). */
export function syntheticDir(ino: bigint, timeNs: bigint): StatLike {
  return {
    dev: 0n, ino, mode: 0o40555n, nlink: 2n, uid: 0n, gid: 0n, rdev: 0n, size: 0n, blksize: 4096n,
    blocks: 0n, atimeNs: timeNs, mtimeNs: timeNs, ctimeNs: timeNs, birthtimeNs: timeNs,
  };
}

/**
 * The encoders' output buffers, reused: a fresh 144- or 256-byte array lives off V8's heap and
 * costs more than the whole encoding, on every stat call. What an encoder returns is valid until
 * its next call: copy it at once (GuestMemory.writeBytes does).
 */
const statOut = new Uint8Array(STAT_SIZE);
const statView = new DataView(statOut.buffer);
const statxOut = new Uint8Array(STATX_SIZE);
const statxView = new DataView(statxOut.buffer);

/** struct stat, x86-64 (valid until the next call: copy it). */
export function encodeStat(st: StatLike): Uint8Array {
  const b = statOut.fill(0);
  const v = statView;
  v.setBigUint64(0, BigInt.asUintN(64, st.dev), true);
  v.setBigUint64(8, BigInt.asUintN(64, st.ino), true);
  v.setBigUint64(16, BigInt.asUintN(64, st.nlink), true);
  v.setUint32(24, Number(BigInt.asUintN(32, st.mode)), true);
  v.setUint32(28, Number(BigInt.asUintN(32, st.uid)), true);
  v.setUint32(32, Number(BigInt.asUintN(32, st.gid)), true);
  v.setBigUint64(40, BigInt.asUintN(64, st.rdev), true);
  v.setBigInt64(48, BigInt.asIntN(64, st.size), true);
  v.setBigInt64(56, BigInt.asIntN(64, st.blksize), true);
  v.setBigInt64(64, BigInt.asIntN(64, st.blocks), true);
  const times = [st.atimeNs, st.mtimeNs, st.ctimeNs];
  times.forEach((t, i) => {
    const [sec, nsec] = split(t);
    v.setBigInt64(72 + i * 16, sec, true);
    v.setBigInt64(80 + i * 16, nsec, true);
  });
  return b;
}

/** glibc's gnu_dev_major / gnu_dev_minor on a 64-bit dev_t. */
export function devMajor(dev: bigint): number {
  return Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn)) >>> 0;
}
export function devMinor(dev: bigint): number {
  return Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn)) >>> 0;
}

const STATX_BASIC_STATS = 0x7ff;
const STATX_BTIME = 0x800;

/** struct statx (valid until the next call: copy it). Every basic field is filled whatever was asked, as Linux may do. */
export function encodeStatx(st: StatLike): Uint8Array {
  const b = statxOut.fill(0);
  const v = statxView;
  const hasBirth = st.birthtimeNs > 0n;
  v.setUint32(0, STATX_BASIC_STATS | (hasBirth ? STATX_BTIME : 0), true);
  v.setUint32(4, Number(st.blksize) >>> 0, true);
  v.setUint32(16, Number(BigInt.asUintN(32, st.nlink)), true);
  v.setUint32(20, Number(BigInt.asUintN(32, st.uid)), true);
  v.setUint32(24, Number(BigInt.asUintN(32, st.gid)), true);
  v.setUint16(28, Number(st.mode & 0xffffn), true);
  v.setBigUint64(32, BigInt.asUintN(64, st.ino), true);
  v.setBigUint64(40, BigInt.asUintN(64, st.size), true);
  v.setBigUint64(48, BigInt.asUintN(64, st.blocks), true);
  const put = (off: number, ns: bigint): void => {
    const [sec, nsec] = split(ns);
    v.setBigInt64(off, sec, true);
    v.setUint32(off + 8, Number(nsec), true);
  };
  put(64, st.atimeNs);
  if (hasBirth) put(80, st.birthtimeNs);
  put(96, st.ctimeNs);
  put(112, st.mtimeNs);
  v.setUint32(128, devMajor(st.rdev), true);
  v.setUint32(132, devMinor(st.rdev), true);
  v.setUint32(136, devMajor(st.dev), true);
  v.setUint32(140, devMinor(st.dev), true);
  return b;
}

/** Size of one linux_dirent64 record: 19 header bytes + name + NUL, 8-aligned. */
export function direntSize(nameLen: number): number {
  return (19 + nameLen + 1 + 7) & ~7;
}

/** Writes one linux_dirent64 at `off` in `out`. */
export function putDirent(out: Uint8Array, off: number, ino: bigint, next: bigint, type: number, name: Uint8Array): number {
  const len = direntSize(name.length);
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  v.setBigUint64(off, BigInt.asUintN(64, ino), true);
  v.setBigInt64(off + 8, next, true);
  v.setUint16(off + 16, len, true);
  v.setUint8(off + 18, type);
  out.set(name, off + 19);
  out.fill(0, off + 19 + name.length, off + len);
  return len;
}

/** A raw x86-64 `struct stat` (from the host kernel) as the encoders' fields. */
export function statOfBytes(b: Uint8Array): StatLike {
  const v = new DataView(b.buffer, b.byteOffset, STAT_SIZE);
  const t = (off: number): bigint => v.getBigInt64(off, true) * BILLION + v.getBigInt64(off + 8, true);
  return {
    dev: v.getBigUint64(0, true), ino: v.getBigUint64(8, true), nlink: v.getBigUint64(16, true),
    mode: BigInt(v.getUint32(24, true)), uid: BigInt(v.getUint32(28, true)), gid: BigInt(v.getUint32(32, true)),
    rdev: v.getBigUint64(40, true), size: v.getBigInt64(48, true), blksize: v.getBigInt64(56, true),
    blocks: v.getBigInt64(64, true), atimeNs: t(72), mtimeNs: t(88), ctimeNs: t(104), birthtimeNs: 0n,
  };
}

/** Where a raw `struct stat`'s object lives: `dev:ino`. */
export function identOfStat(b: Uint8Array): string {
  const v = new DataView(b.buffer, b.byteOffset, STAT_SIZE);
  return `${v.getBigUint64(0, true)}:${v.getBigUint64(8, true)}`;
}

/** The model's kind of a raw `struct stat`'s object. */
export function kindOfStat(b: Uint8Array): InodeKind {
  return kindOfMode(new DataView(b.buffer, b.byteOffset, STAT_SIZE).getUint32(24, true));
}

/** st_mode of a raw `struct stat`. */
export function modeOfStat(b: Uint8Array): number {
  return new DataView(b.buffer, b.byteOffset, STAT_SIZE).getUint32(24, true);
}
