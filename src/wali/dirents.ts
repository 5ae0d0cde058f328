/**
 * linux_dirent64 records as getdents64 writes them: u64 d_ino, s64 d_off, u16 d_reclen,
 * u8 d_type, then the NUL-terminated name, padded to 8 bytes. Hidden names are cut out of a
 * listing a host returned, so that a hidden name does not show in its directory.
 */

/** Keeps the records of `buf[0, used)` whose name `keep` accepts, compacted in place; the bytes kept. */
export function filterDirents(buf: Uint8Array, used: number, keep: (name: string) => boolean): number {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let out = 0;
  for (let at = 0; at + 19 <= used;) {
    const reclen = v.getUint16(at + 16, true);
    if (reclen < 19 || at + reclen > used) break; // malformed: keep nothing past it
    let end = at + 19;
    while (end < at + reclen && buf[end] !== 0) end++;
    const name = Buffer.from(buf.subarray(at + 19, end)).toString('latin1');
    if (keep(name)) {
      if (out !== at) buf.copyWithin(out, at, at + reclen);
      out += reclen;
    }
    at += reclen;
  }
  return out;
}
