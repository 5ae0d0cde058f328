/**
 * getdents64: linux_dirent64 records (8-aligned, "." and ".." first, d_type set). Node cannot
 * read a directory through an fd, so the listing is read by the directory's current guest path
 * (the model follows renames) at the first call after open or a rewind, and the description's
 * offset is the index of the next entry (d_off = index + 1), so calls resume where they stopped.
 */
import { lstatSync, readdirSync, statSync, type Dirent } from 'node:fs';
import { O_PATH } from '../linux/index.js';
import type { HostCore } from './core.js';
import type { DirEntry, HostFile } from './fdmap.js';
import { bytes } from './mounts.js';
import { direntSize, putDirent } from './stat.js';
import { errnoOf, i32, isErr, neg, u32, type Result } from './errno.js';

/** A synthetic directory's inode number: stable per model dentry, away from real ones. */
export function syntheticIno(dentryId: number): bigint {
  return 0x7f00_0000_0000n + BigInt(dentryId);
}

function direntType(d: Dirent<Buffer>): number {
  if (d.isDirectory()) return 4;
  if (d.isFile()) return 8;
  if (d.isSymbolicLink()) return 10;
  if (d.isFIFO()) return 1;
  if (d.isSocket()) return 12;
  if (d.isCharacterDevice()) return 2;
  if (d.isBlockDevice()) return 6;
  return 0;
}

function inoOf(hostPath: string): bigint {
  try {
    return lstatSync(bytes(hostPath), { bigint: true }).ino;
  } catch {
    return 0n;
  }
}

/** The entries of the guest directory `guest`, with what the mounts add to or hide in it. */
function listing(h: HostCore, guest: string, dentryId: number): Result<DirEntry[]> {
  const host = h.mounts.toHost(guest);
  const self = host !== null ? inoOf(host) : syntheticIno(dentryId);
  const parentGuest = guest === '/' ? '/' : guest.slice(0, guest.lastIndexOf('/')) || '/';
  const parentHost = h.mounts.toHost(parentGuest);
  const parent = parentHost !== null ? inoOf(parentHost) : syntheticIno(h.kernel.s.dentries.get(dentryId)?.parent ?? 0);
  const out: DirEntry[] = [
    { name: Buffer.from('.'), ino: self, type: 4 },
    { name: Buffer.from('..'), ino: parent, type: 4 },
  ];
  const seen = new Set<string>();
  if (host !== null) {
    let ents: Dirent<Buffer>[];
    try {
      ents = readdirSync(bytes(host), { withFileTypes: true, encoding: 'buffer' });
    } catch (e) {
      return { errno: errnoOf(e) };
    }
    for (const d of ents) {
      const name = d.name.toString('latin1');
      seen.add(name);
      const childGuest = guest === '/' ? `/${name}` : `${guest}/${name}`;
      const mountHost = h.mounts.isMountPoint(childGuest) ? h.mounts.toHost(childGuest)! : null;
      if (mountHost !== null) {
        out.push({ name: d.name, ino: inoOf(mountHost), type: 4 });
        continue;
      }
      out.push({ name: d.name, ino: inoOf(host === '/' ? `/${name}` : `${host}/${name}`), type: direntType(d) });
    }
  }
  for (const name of h.mounts.childMountNames(guest)) {
    if (seen.has(name)) continue;
    const childGuest = guest === '/' ? `/${name}` : `${guest}/${name}`;
    const childHost = h.mounts.toHost(childGuest);
    let ino = 0n;
    if (childHost !== null) {
      try {
        ino = statSync(bytes(childHost), { bigint: true }).ino;
      } catch {
        ino = 0n;
      }
    }
    out.push({ name: Buffer.from(name, 'latin1'), ino: ino || syntheticIno(0) + BigInt(out.length), type: 4 });
  }
  return out;
}

function getdents64(h: HostCore, fd: number, dirp: number, count: number): number {
  const o = h.openFd(fd);
  if (isErr(o)) return neg(o.errno);
  const host: HostFile | undefined = o.host;
  if (o.file.flags & O_PATH || !host) return neg('EBADF');
  if (host.kind !== 'dir' && host.kind !== 'synthetic') return neg('ENOTDIR');
  const mem = h.mem;
  if (!mem || dirp >= mem.byteLength) return neg('EFAULT');
  if (!host.listing) {
    const label = h.kernel.describeDentry(o.file.dentry);
    if (label.kind !== 'path' || label.deleted) return neg('ENOENT'); // iterate_dir on a dead directory
    const l = listing(h, label.path, o.file.dentry);
    if (isErr(l)) return neg(l.errno);
    host.listing = l;
  }
  const ents = host.listing;
  const out = new Uint8Array(Math.min(count, mem.byteLength - dirp, 1 << 20));
  let used = 0;
  let i = host.offset;
  for (; i < ents.length; i++) {
    const e = ents[i]!;
    const size = direntSize(e.name.length);
    if (used + size > out.length) break;
    used += putDirent(out, used, e.ino, BigInt(i + 1), e.type, e.name);
  }
  if (used === 0 && i < ents.length) return neg('EINVAL'); // the buffer cannot hold one record
  host.offset = i;
  return mem.writeBytes(dirp, out.subarray(0, used)) ? neg('EFAULT') : used;
}

/** getdents64, by syscall name. */
export function direntCalls(h: HostCore): Record<string, (...a: unknown[]) => number> {
  return {
    getdents64: (fd, dirp, count) => getdents64(h, i32(fd), u32(dirp), u32(count)),
  };
}
