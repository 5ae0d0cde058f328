/** The stat encoders reuse their output buffers: each result holds only the fields of its own call. */
import { describe, expect, test } from 'vitest';
import { encodeStat, encodeStatx, STAT_SIZE, STATX_SIZE, type StatLike } from '../../../src/wali/stat-layout.js';

const full: StatLike = {
  dev: 0x2an, ino: 77n, mode: 0o100644n, nlink: 3n, uid: 1000n, gid: 1000n, rdev: 0x801n, size: 123456n, blksize: 4096n,
  blocks: 248n, atimeNs: 1_700_000_000_123_456_789n, mtimeNs: 1_700_000_001_000_000_001n, ctimeNs: -1n, birthtimeNs: 1_600_000_000_000_000_000n,
};
const empty: StatLike = { dev: 0n, ino: 0n, mode: 0n, nlink: 0n, uid: 0n, gid: 0n, rdev: 0n, size: 0n, blksize: 0n, blocks: 0n, atimeNs: 0n, mtimeNs: 0n, ctimeNs: 0n, birthtimeNs: 0n };

describe('stat encoders', () => {
  test('struct stat: fields at the x86-64 offsets; a later call leaves nothing of an earlier one', () => {
    const a = encodeStat(full).slice();
    expect(a).toHaveLength(STAT_SIZE);
    const v = new DataView(a.buffer);
    expect(v.getBigUint64(8, true)).toBe(77n);
    expect(v.getUint32(24, true)).toBe(0o100644);
    expect(v.getBigInt64(48, true)).toBe(123456n);
    expect(v.getBigInt64(72, true)).toBe(1_700_000_000n);
    expect(v.getBigInt64(80, true)).toBe(123_456_789n);
    // ctime -1 ns: the second before, 999999999 ns into it
    expect(v.getBigInt64(104, true)).toBe(-1n);
    expect(v.getBigInt64(112, true)).toBe(999_999_999n);
    expect([...encodeStat(empty)].every((x) => x === 0)).toBe(true);
  });

  test('struct statx: a birth time of an earlier call does not remain', () => {
    const a = encodeStatx(full).slice();
    expect(a).toHaveLength(STATX_SIZE);
    expect(new DataView(a.buffer).getBigInt64(80, true)).toBe(1_600_000_000n);
    const b = encodeStatx(empty);
    expect(new DataView(b.buffer, b.byteOffset).getUint32(0, true)).toBe(0x7ff); // no STATX_BTIME
    expect([...b.subarray(4)].every((x) => x === 0)).toBe(true);
  });
});
