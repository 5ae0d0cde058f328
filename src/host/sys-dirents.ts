/**
 * getdents64: linux_dirent64 records (8-aligned, "." and ".." first, d_type set). The listing
 * is read from the directory's own host fd (the object, wherever it is now) at the first call
 * after open or a rewind; names the policy hides are left out and mount points the directory
 * holds are added; the description's offset is the index of the next entry (d_off = index + 1),
 * so calls resume where they stopped.
 */
import type { Entry } from '../enforce/enforcer.js';
import { O_PATH } from '../linux/index.js';
import type { HostCore } from './core.js';
import type { HostFile } from './fdmap.js';
import { readAll, type DirEntry } from './listing.js';
import { direntSize, putDirent } from './stat.js';
import { SYNTHETIC } from './anchors.js';
import { i32, isErr, neg, u32, type Result } from './errno.js';

/** A synthetic directory's inode number: stable per model dentry, away from real ones. */
export function syntheticIno(dentryId: number): bigint {
  return 0x7f00_0000_0000n + BigInt(dentryId);
}

/** The inode number of a directory dentry as `..` shows it. */
function inoOf(h: HostCore, dentry: number): bigint {
  const p = h.object(dentry);
  if (p === SYNTHETIC || typeof p === 'number') return syntheticIno(dentry);
  try {
    const st = new Uint8Array(144);
    return h.sys.fstatat(p.fd, p.name, st, p.name === '' ? 0x1000 : 0x100) === 0 ? new DataView(st.buffer).getBigUint64(8, true) : syntheticIno(dentry);
  } finally {
    p.release();
  }
}

/** The entries of directory `dentryId` behind host fd `fd` (-1: synthetic), as the guest sees them. */
function listing(h: HostCore, fd: number, dentryId: number): Result<DirEntry[]> {
  const label = h.kernel.describeDentry(dentryId);
  const guest = label.kind === 'path' ? label.path : '/';
  const node = h.node(dentryId);
  let ents: DirEntry[] = [];
  let self = syntheticIno(dentryId);
  if (fd >= 0) {
    const r = readAll(h.sys, fd);
    if (typeof r === 'number') return { errno: r === -2 ? 'ENOENT' : 'EIO' };
    ents = r.filter((x) => x.name.length > 0 && !(x.name.length <= 2 && /^\.\.?$/.test(x.name.toString('latin1'))));
    const st = new Uint8Array(144);
    if (h.sys.fstatat(fd, '', st, 0x1000) === 0) self = new DataView(st.buffer).getBigUint64(8, true);
  }
  const parent = node && !node.root ? inoOf(h, node.parent) : self;
  const out: DirEntry[] = [
    { name: Buffer.from('.'), ino: self, type: 4 },
    { name: Buffer.from('..'), ino: parent, type: 4 },
  ];
  const seen = new Set<string>();
  for (const d of ents) {
    const name = d.name.toString('latin1');
    seen.add(name);
    // A hidden name does not show in its directory.
    if (h.enforcer.visible(dentryId, name)) out.push(d);
  }
  for (const name of h.mounts.childMountNames(guest)) {
    if (seen.has(name) || !h.enforcer.visible(dentryId, name)) continue;
    const child = h.kernel.childOf(dentryId, name);
    out.push({ name: Buffer.from(name, 'latin1'), ino: child ? inoOf(h, child) : syntheticIno(0), type: 4 });
  }
  return out;
}

function getdents64(h: HostCore, e: Entry | undefined, fd: number, dirp: number, count: number): number {
  const o = h.openFd(fd);
  if (isErr(o)) return h.exit(e, neg(o.errno));
  const host: HostFile | undefined = o.host;
  if (o.file.flags & O_PATH || !host) return h.exit(e, neg('EBADF'));
  if (host.kind !== 'dir' && host.kind !== 'synthetic') return h.exit(e, neg('ENOTDIR'));
  const mem = h.mem;
  if (!mem || dirp >= mem.byteLength) return h.exit(e, neg('EFAULT'));
  if (!host.listing) {
    if (h.node(o.file.dentry)?.dead) return h.exit(e, neg('ENOENT')); // iterate_dir on a removed directory
    const l = listing(h, host.nodeFd, o.file.dentry);
    if (isErr(l)) return h.exit(e, neg(l.errno));
    host.listing = l;
  }
  const ents = host.listing;
  const out = new Uint8Array(Math.min(count, mem.byteLength - dirp, 1 << 20));
  let used = 0;
  let i = host.offset;
  for (; i < ents.length; i++) {
    const d = ents[i]!;
    const size = direntSize(d.name.length);
    if (used + size > out.length) break;
    used += putDirent(out, used, d.ino, BigInt(i + 1), d.type, d.name);
  }
  if (used === 0 && i < ents.length) return h.exit(e, neg('EINVAL')); // the buffer cannot hold one record
  host.offset = i;
  return h.exit(e, mem.writeBytes(dirp, out.subarray(0, used)) ? neg('EFAULT') : used);
}

/** getdents64, by syscall name. */
export function direntCalls(h: HostCore): Record<string, (e: Entry | undefined, ...a: unknown[]) => number> {
  return {
    getdents64: (e, fd, dirp, count) => getdents64(h, e, i32(fd), u32(dirp), u32(count)),
  };
}
