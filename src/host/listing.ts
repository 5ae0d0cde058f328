/**
 * Reading a host directory through an fd with getdents64 (Node cannot list an fd), as records
 * with inode numbers and d_type.
 */
import { O_CLOEXEC, O_DIRECTORY, O_RDONLY } from '../linux/index.js';
import type { Sys } from './native/sys.js';

/** One entry of a directory listing as getdents64 returns it. */
export interface DirEntry {
  name: Buffer;
  ino: bigint;
  type: number;
}

const BUF = 32768;

/** Every entry of the directory `name` relative to `dirfd` ('.' for the directory itself), or -errno. */
export function listDir(sys: Sys, dirfd: number, name: string): DirEntry[] | number {
  const fd = sys.openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  if (fd < 0) return fd;
  try {
    return readAll(sys, fd);
  } finally {
    sys.close(fd);
  }
}

/** Every entry of an open directory fd, from its start. */
export function readAll(sys: Sys, fd: number): DirEntry[] | number {
  const out: DirEntry[] = [];
  const buf = new Uint8Array(BUF);
  const v = new DataView(buf.buffer);
  const r0 = sys.lseek(fd, 0, 0);
  if (r0 < 0) return r0;
  for (;;) {
    const n = sys.getdents64(fd, buf);
    if (n < 0) return n;
    if (n === 0) return out;
    for (let at = 0; at < n;) {
      const reclen = v.getUint16(at + 16, true);
      let end = at + 19;
      while (end < at + reclen && buf[end] !== 0) end++;
      out.push({ ino: v.getBigUint64(at, true), type: buf[at + 18]!, name: Buffer.from(buf.subarray(at + 19, end)) });
      at += reclen;
    }
  }
}
