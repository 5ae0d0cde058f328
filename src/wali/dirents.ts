/**
 * Directory records as the listing calls write them, and the cutting of hidden names out of a
 * listing a host returned, so that a hidden name does not show in its directory.
 *
 * - getdents64, `struct linux_dirent64`: u64 d_ino, s64 d_off, u16 d_reclen, u8 d_type, then the
 *   NUL-terminated name, padded to 8 bytes.
 * - getdents, `struct linux_dirent` as the x86-64 kernel writes it (a pass-through host hands the
 *   guest the kernel's buffer): u64 d_ino, u64 d_off, u16 d_reclen, the NUL-terminated name,
 *   padding, and d_type in the record's last byte; padded to 8 bytes.
 */

/** Where a record keeps its length and its name. */
export interface DirentLayout {
  /** Offset of the u16 d_reclen. */
  readonly reclenAt: number;
  /** Offset of the name. */
  readonly nameAt: number;
  /** Bytes after the name's room at the end of a record (getdents' d_type). */
  readonly trailer: number;
}

/** `struct linux_dirent64` (getdents64). */
export const LINUX_DIRENT64: DirentLayout = Object.freeze({ reclenAt: 16, nameAt: 19, trailer: 0 });
/** `struct linux_dirent` (getdents), x86-64. */
export const LINUX_DIRENT: DirentLayout = Object.freeze({ reclenAt: 16, nameAt: 18, trailer: 1 });

/** The record layout of each listing call, by syscall name. */
export const DIRENT_LAYOUTS: Readonly<Record<string, DirentLayout>> = Object.freeze({ getdents64: LINUX_DIRENT64, getdents: LINUX_DIRENT });

/**
 * Keeps the records of `buf[0, used)` whose name `keep` accepts, compacted in place; the bytes
 * kept. Records are in `layout` (default: getdents64's).
 */
export function filterDirents(buf: Uint8Array, used: number, keep: (name: string) => boolean, layout: DirentLayout = LINUX_DIRENT64): number {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const min = layout.nameAt + layout.trailer; // a record with room for no name at all
  let out = 0;
  for (let at = 0; at + min <= used;) {
    const reclen = v.getUint16(at + layout.reclenAt, true);
    if (reclen < min || at + reclen > used) break; // malformed: keep nothing past it
    const room = at + reclen - layout.trailer;
    let end = at + layout.nameAt;
    while (end < room && buf[end] !== 0) end++;
    const name = Buffer.from(buf.subarray(at + layout.nameAt, end)).toString('latin1');
    if (keep(name)) {
      if (out !== at) buf.copyWithin(out, at, at + reclen);
      out += reclen;
    }
    at += reclen;
  }
  return out;
}
