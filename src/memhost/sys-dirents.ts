/**
 * getdents64 over the model's directory: linux_dirent64 records (8-aligned, "." and ".." first,
 * d_type set), read at the first call after open or a rewind; names the policy hides are left
 * out. The description's offset is the index of the next entry (d_off = index + 1), so calls
 * resume where they stopped, as on tmpfs.
 */
import type { Entry } from '../enforce/enforcer.js';
import { O_PATH } from '../linux/index.js';
import { latin1Bytes } from '../linux/bytes.js';
import type { InodeKind } from '../state/types.js';
import { i32, isErr, neg, u32 } from '../wali/errno.js';
import { direntSize, putDirent } from '../wali/stat-layout.js';
import type { Dirent, MemCore } from './core.js';

const DT: Partial<Record<InodeKind, number>> = { fifo: 1, chr: 2, dir: 4, blk: 6, reg: 8, lnk: 10, sock: 12 };

function listing(h: MemCore, dentryId: number): Dirent[] {
  const s = h.kernel.s;
  const d = s.dentries.get(dentryId)!;
  const parent = s.dentries.get(d.parent) ?? d;
  const out: Dirent[] = [
    { name: latin1Bytes('.'), ino: BigInt(d.inode), type: 4 },
    { name: latin1Bytes('..'), ino: BigInt(parent.inode), type: 4 },
  ];
  for (const [name, id] of d.children) {
    if (id === 0 || !h.enforcer.visible(dentryId, name)) continue;
    const inode = s.inodes.get(s.dentries.get(id)?.inode ?? 0);
    if (!inode) continue;
    out.push({ name: latin1Bytes(name), ino: BigInt(inode.id), type: DT[inode.kind] ?? 0 });
  }
  return out;
}

function getdents64(h: MemCore, e: Entry | undefined, fd: number, dirp: number, count: number): number {
  const o = h.openFd(fd);
  if (isErr(o)) return h.exit(e, neg(o.errno));
  if (o.file.flags & O_PATH) return h.exit(e, neg('EBADF'));
  if (o.desc.stdio !== undefined || o.inode.kind !== 'dir') return h.exit(e, neg('ENOTDIR'));
  const mem = h.mem;
  if (!mem || dirp >= mem.byteLength) return h.exit(e, neg('EFAULT'));
  if (!o.desc.listing) {
    // iterate_dir on a removed directory.
    if (h.kernel.s.dentries.get(o.file.dentry)?.dead) return h.exit(e, neg('ENOENT'));
    o.desc.listing = listing(h, o.file.dentry);
  }
  const ents = o.desc.listing;
  const out = new Uint8Array(Math.min(count, mem.byteLength - dirp, 1 << 20));
  let used = 0;
  let i = o.desc.offset;
  for (; i < ents.length; i++) {
    const d = ents[i]!;
    if (used + direntSize(d.name.length) > out.length) break;
    used += putDirent(out, used, d.ino, BigInt(i + 1), d.type, d.name);
  }
  if (used === 0 && i < ents.length) return h.exit(e, neg('EINVAL')); // the buffer cannot hold one record
  o.desc.offset = i;
  return h.exit(e, mem.writeBytes(dirp, out.subarray(0, used)) ? neg('EFAULT') : used);
}

/** getdents64, by syscall name. */
export function direntCalls(h: MemCore): Record<string, (e: Entry | undefined, ...a: unknown[]) => number> {
  return {
    getdents64: (e, fd, dirp, count) => getdents64(h, e, i32(fd), u32(dirp), u32(count)),
  };
}
