/**
 * Calls that look at or change an object's metadata: the stat family, access, readlink, chmod,
 * chown, utimensat, truncate. The enforcer resolved and judged the object; the host reads or
 * changes exactly that inode (by its model id, never by name again).
 *
 * The guest is root (uid 0, gid 0) in its filesystem, as a process that owns its machine: files
 * it makes are its own, chown and chmod succeed, read and write are never refused for the mode
 * bits (Linux's CAP_DAC_OVERRIDE); execute needs one x bit, as for root on Linux.
 */
import type { Entry } from '../enforce/enforcer.js';
import type { Inode } from '../state/types.js';
import { O_PATH } from '../linux/index.js';
import { isErr, neg } from '../wali/errno.js';
import { metaTable } from '../wali/meta-calls.js';
import { encodeStat, encodeStatx, type StatLike } from '../wali/stat-layout.js';
import type { MemCore } from './core.js';
import { nowNs } from './inodes.js';
import { truncateData } from './sys-io.js';

const UTIME_NOW = (1 << 30) - 1;
const UTIME_OMIT = (1 << 30) - 2;
const NO_ID = 0xffffffff;
/** The filesystem's device number (as a tmpfs's: major 0). */
const DEV = 0x2an;
const BILLION = 1_000_000_000n;

/** The inode a judged lookup resolved to (for AT_EMPTY_PATH with '': the fd's own). */
function inodeOf(h: MemCore, e: Entry): Inode | undefined {
  const d = e.request?.checks[0]?.object.dentry;
  const dentry = d === undefined ? undefined : h.kernel.s.dentries.get(d);
  return dentry && h.kernel.s.inodes.get(dentry.inode);
}

/** The number of subdirectories of directory dentry `dir` (its link count is 2 + that; a removed one has none). */
function subdirs(h: MemCore, dir: number | undefined): number {
  const s = h.kernel.s;
  const d = dir === undefined ? undefined : s.dentries.get(dir);
  if (!d || d.dead) return 0;
  let n = 0;
  for (const id of d.children.values()) if (id !== 0 && s.inodes.get(s.dentries.get(id)?.inode ?? 0)?.kind === 'dir') n++;
  return n;
}

/** The stat of an inode reached through dentry `dentry`: a file of this filesystem, or stdio (a pipe). */
export function statOf(h: MemCore, inode: Inode, dentry: number | undefined): StatLike {
  if (inode.anon) {
    const time = nowNs();
    // Pipes (stdio is one) are FIFOs; anon_inodefs objects (eventfd) have no type bits.
    const mode = inode.anon.type === 'pipe' || inode.anon.name === '[stdio]' ? 0o10600n : 0o600n;
    return { dev: 0xdn, ino: BigInt(inode.id), mode, nlink: 1n, uid: 0n, gid: 0n, rdev: 0n, size: 0n, blksize: 4096n, blocks: 0n, atimeNs: time, mtimeNs: time, ctimeNs: time, birthtimeNs: 0n };
  }
  const d = h.data(inode);
  const size = inode.kind === 'reg' ? d.size : inode.kind === 'lnk' ? inode.target?.length ?? 0 : inode.kind === 'dir' ? 4096 : 0;
  const nlink = inode.kind === 'dir' ? (h.kernel.s.dentries.get(dentry ?? 0)?.dead ? 0 : 2 + subdirs(h, dentry)) : inode.nlink;
  const blocks = inode.kind === 'reg' ? d.blocks.size * 8 : inode.kind === 'dir' ? 8 : 0;
  return {
    dev: DEV, ino: BigInt(inode.id), mode: BigInt(d.mode), nlink: BigInt(nlink), uid: BigInt(d.uid), gid: BigInt(d.gid), rdev: 0n,
    size: BigInt(size), blksize: 4096n, blocks: BigInt(blocks), atimeNs: d.atimeNs, mtimeNs: d.mtimeNs, ctimeNs: d.ctimeNs, birthtimeNs: d.btimeNs,
  };
}

function putStat(h: MemCore, inode: Inode | undefined, dentry: number | undefined, buf: number, x: boolean): number {
  if (!inode) return neg('ENOENT');
  const st = statOf(h, inode, dentry);
  return h.mem?.writeBytes(buf, x ? encodeStatx(st) : encodeStat(st)) ? neg('EFAULT') : 0;
}

/** stat, lstat, newfstatat (a struct stat) or statx on the judged object. */
function statAt(h: MemCore, e: Entry, buf: number, x: boolean): number {
  return h.exit(e, putStat(h, inodeOf(h, e), e.request?.checks[0]?.object.dentry, buf, x));
}

function fstat(h: MemCore, e: Entry | undefined, fd: number, buf: number): number {
  const o = h.openFd(fd);
  if (isErr(o)) return h.exit(e, neg(o.errno));
  return h.exit(e, putStat(h, o.inode, o.file.dentry, buf, false));
}

/** access as root: read and write are granted, execute needs an x bit on anything but a directory. */
function faccessat(h: MemCore, e: Entry, mode: number): number {
  const inode = inodeOf(h, e);
  if (!inode) return h.exit(e, neg('ENOENT'));
  if (mode & 1 && inode.kind !== 'dir' && !inode.anon && !(h.data(inode).mode & 0o111)) return h.exit(e, neg('EACCES'));
  return h.exit(e, 0);
}

function readlinkat(h: MemCore, e: Entry, buf: number, size: number): number {
  const inode = inodeOf(h, e);
  if (!inode || inode.kind !== 'lnk') return h.exit(e, neg('EINVAL'));
  const body = inode.target ?? '';
  const n = Math.min(size, body.length);
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i++) bytes[i] = body.charCodeAt(i);
  h.data(inode).atimeNs = nowNs();
  return h.exit(e, h.mem?.writeBytes(buf, bytes) ? neg('EFAULT') : n);
}

function chmod(h: MemCore, inode: Inode | undefined, mode: number): number {
  if (!inode) return neg('ENOENT');
  if (inode.anon) return 0;
  const d = h.data(inode);
  d.mode = (d.mode & ~0o7777) | (mode & 0o7777);
  d.ctimeNs = nowNs();
  return 0;
}

function chown(h: MemCore, inode: Inode | undefined, uid: number, gid: number): number {
  if (!inode) return neg('ENOENT');
  if (inode.anon) return 0;
  const d = h.data(inode);
  if (uid !== NO_ID) d.uid = uid;
  if (gid !== NO_ID) d.gid = gid;
  // A chown clears set-user-ID, and set-group-ID on a group-executable file (for root too, on regular files).
  if ((uid !== NO_ID || gid !== NO_ID) && inode.kind !== 'dir') d.mode &= d.mode & 0o010 ? ~0o6000 : ~0o4000;
  d.ctimeNs = nowNs();
  return 0;
}

/** The fd of an fd call: EBADF for O_PATH. */
function fdInode(h: MemCore, fd: number): Inode | number {
  const o = h.openFd(fd);
  if (isErr(o)) return neg(o.errno);
  if (o.file.flags & O_PATH) return neg('EBADF');
  return o.inode;
}

function utimens(h: MemCore, e: Entry, times: number): number {
  let at: bigint | null = null;
  let mt: bigint | null = null;
  const now = nowNs();
  if (times === 0) at = mt = now;
  else {
    const b = h.mem?.readBytes(times, 32);
    if (!(b instanceof Uint8Array)) return h.exit(e, neg('EFAULT'));
    const v = new DataView(b.buffer, b.byteOffset, 32);
    const one = (off: number): bigint | null | 'bad' => {
      const nsec = v.getBigInt64(off + 8, true);
      if (nsec === BigInt(UTIME_OMIT)) return null;
      if (nsec === BigInt(UTIME_NOW)) return now;
      if (nsec < 0n || nsec >= BILLION) return 'bad';
      return v.getBigInt64(off, true) * BILLION + nsec;
    };
    const a = one(0);
    const m = one(16);
    if (a === 'bad' || m === 'bad') return h.exit(e, neg('EINVAL'));
    if (a === null && m === null) return h.exit(e, 0);
    at = a;
    mt = m;
  }
  const c = e.call;
  const inode = c.sys === 'usefd' ? fdInode(h, c.fd) : inodeOf(h, e);
  if (typeof inode === 'number') return h.exit(e, inode);
  if (!inode) return h.exit(e, neg('ENOENT'));
  if (inode.anon) return h.exit(e, 0);
  const d = h.data(inode);
  if (at !== null) d.atimeNs = at;
  if (mt !== null) d.mtimeNs = mt;
  d.ctimeNs = now;
  return h.exit(e, 0);
}

function truncate(h: MemCore, e: Entry, len: number): number {
  const inode = inodeOf(h, e);
  if (!inode) return h.exit(e, neg('ENOENT'));
  if (inode.kind === 'dir') return h.exit(e, neg('EISDIR'));
  if (inode.kind !== 'reg') return h.exit(e, neg('EINVAL'));
  return h.exit(e, truncateData(h, inode, len));
}

/** The stat family, access, readlink, chmod, chown, utimensat and truncate, by syscall name (table and checks: src/wali/meta-calls.ts). */
export function metaCalls(h: MemCore): Record<string, (e: Entry | undefined, ...a: unknown[]) => number> {
  const onFd = (e: Entry | undefined, fd: number, op: (inode: Inode) => number): number => {
    const inode = fdInode(h, fd);
    return h.exit(e, typeof inode === 'number' ? inode : op(inode));
  };
  const table = metaTable({
    exit: (e, r) => h.exit(e, r),
    fstat: (e, fd, buf) => fstat(h, e, fd, buf),
    stat: (e, buf, x) => statAt(h, e, buf, x),
    access: (e, mode) => faccessat(h, e, mode),
    readlink: (e, buf, size) => readlinkat(h, e, buf, size),
    chmod: (e, mode) => h.exit(e, chmod(h, inodeOf(h, e), mode)),
    fchmod: (e, fd, mode) => onFd(e, fd, (inode) => chmod(h, inode, mode)),
    chown: (e, uid, gid) => h.exit(e, chown(h, inodeOf(h, e), uid, gid)),
    fchown: (e, fd, uid, gid) => onFd(e, fd, (inode) => chown(h, inode, uid, gid)),
    utimensat: (e, times) => utimens(h, e, times),
    truncate: (e, len) => truncate(h, e, len),
  });
  // fstatat: older WAMR's name for newfstatat.
  return { ...table, fstatat: table['newfstatat']! };
}
