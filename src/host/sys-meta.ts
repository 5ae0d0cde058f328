/**
 * Calls that look at or change an object's metadata: the stat family, access, readlink,
 * chmod, chown, utimensat, truncate. They resolve through the model (no state changes there)
 * and act on the mapped host path, or on the Node fd for fd-based and AT_EMPTY_PATH forms.
 *
 * chown: the guest is an unprivileged user whose ids are the host process's (even when the host
 * runs as root). Like Linux for such a caller, a chown that keeps the owner and sets the group to
 * the caller's own group succeeds; anything else is EPERM.
 */
import {
  accessSync, chmodSync, fchmodSync, fchownSync, fstatSync, futimesSync, lchownSync, lstatSync, lutimesSync, readlinkSync,
  truncateSync, utimesSync, type BigIntStats,
} from 'node:fs';
import { AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW, O_PATH } from '../linux/index.js';
import type { HostCore, HostTarget, OpenFd } from './core.js';
import { bytes } from './mounts.js';
import { encodeStat, encodeStatx, syntheticDir, type StatLike } from './stat.js';
import { syntheticIno } from './sys-dirents.js';
import { errnoOf, i32, i64, isErr, neg, u32, type Result } from './errno.js';

const AT_NO_AUTOMOUNT = 0x800;
const AT_EACCESS = 0x200;
const AT_STATX_SYNC_TYPE = 0x6000;
const STATX_RESERVED = 0x80000000;
const UTIME_NOW = (1 << 30) - 1;
const UTIME_OMIT = (1 << 30) - 2;
const NO_ID = 0xffffffff;
const START_NS = BigInt(Date.now()) * 1_000_000n;

function wrap<T>(op: () => T): Result<T> {
  try {
    return op();
  } catch (e) {
    return { errno: errnoOf(e) };
  }
}

/** What an object is on the host: a path target, an fd, or synthetic. */
interface Object_ {
  target: HostTarget;
  type: string | undefined;
  dentry: number;
}

/** dirfd + path (or the dirfd itself for an empty path with AT_EMPTY_PATH), via the model. */
function object(h: HostCore, dirfd: number, path: string, follow: boolean, emptyPath: boolean): Result<Object_> {
  if (path === '' && emptyPath && dirfd !== AT_FDCWD) {
    const o = h.openFd(dirfd);
    if (isErr(o)) return o;
    if (!o.host) return { errno: 'EBADF' };
    return { target: fdTarget(o), type: undefined, dentry: o.file.dentry };
  }
  const r = h.resolve(dirfd, path, follow, emptyPath);
  if (isErr(r)) return r;
  if (!r.exists) return { errno: 'ENOENT' };
  const t = h.target(r);
  if (isErr(t)) return t;
  return { target: t, type: r.type, dentry: r.dentry ?? 0 };
}

/** stdio's objects belong to the embedding process: the guest may use them, not change their metadata. */
function embedders(t: HostTarget): boolean {
  return t.at === 'fd' && !t.host.owned && t.host.nodeFd >= 0;
}

function fdTarget(o: OpenFd): HostTarget {
  return o.host!.nodeFd < 0 ? { at: 'synthetic', guest: '' } : { at: 'fd', host: o.host! };
}

function statOf(obj: Object_): Result<StatLike> {
  const t = obj.target;
  if (t.at === 'synthetic') return syntheticDir(syntheticIno(obj.dentry), START_NS);
  if (t.at === 'fd') return t.host.nodeFd < 0 ? syntheticDir(syntheticIno(obj.dentry), START_NS) : wrap(() => fstatSync(t.host.nodeFd, { bigint: true }));
  return wrap((): BigIntStats => lstatSync(bytes(t.path), { bigint: true }));
}

function putStat(h: HostCore, obj: Result<Object_>, buf: number, x: boolean): number {
  if (isErr(obj)) return neg(obj.errno);
  const st = statOf(obj);
  if (isErr(st)) return neg(st.errno);
  const mem = h.mem;
  if (!mem) return neg('EFAULT');
  return mem.writeBytes(buf, x ? encodeStatx(st) : encodeStat(st)) ? neg('EFAULT') : 0;
}

function pathArg(h: HostCore, ptr: number): Result<string> {
  return h.readPath(ptr);
}

function fstatat(h: HostCore, dirfd: number, pathPtr: number, buf: number, flags: number): number {
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH)) return neg('EINVAL');
  const path = pathArg(h, pathPtr);
  if (isErr(path)) return neg(path.errno);
  return putStat(h, object(h, dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW), (flags & AT_EMPTY_PATH) !== 0), buf, false);
}

function statx(h: HostCore, dirfd: number, pathPtr: number, flags: number, mask: number, buf: number): number {
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE)) return neg('EINVAL');
  if ((flags & AT_STATX_SYNC_TYPE) === AT_STATX_SYNC_TYPE || (mask >>> 0) & STATX_RESERVED) return neg('EINVAL');
  // Since Linux 6.11 a NULL path with AT_EMPTY_PATH names the dirfd.
  const path = pathPtr === 0 && flags & AT_EMPTY_PATH ? '' : pathArg(h, pathPtr);
  if (isErr(path)) return neg(path.errno);
  return putStat(h, object(h, dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW), (flags & AT_EMPTY_PATH) !== 0), buf, true);
}

function fstat(h: HostCore, fd: number, buf: number): number {
  const o = h.openFd(fd);
  if (isErr(o)) return neg(o.errno);
  if (!o.host) return neg('EBADF');
  return putStat(h, { target: fdTarget(o), type: undefined, dentry: o.file.dentry }, buf, false);
}

function faccessat(h: HostCore, dirfd: number, pathPtr: number, mode: number, flags: number): number {
  if (mode & ~7) return neg('EINVAL');
  if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return neg('EINVAL');
  const path = pathArg(h, pathPtr);
  if (isErr(path)) return neg(path.errno);
  const obj = object(h, dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW), (flags & AT_EMPTY_PATH) !== 0);
  if (isErr(obj)) return neg(obj.errno);
  const t = obj.target;
  if (t.at === 'synthetic') return mode & 2 ? neg('EROFS') : 0;
  if (t.at === 'fd' || obj.type === 'lnk') return 0; // a symlink itself is always accessible
  const r = wrap(() => accessSync(bytes(t.path), mode));
  return isErr(r) ? neg(r.errno) : 0;
}

function readlinkat(h: HostCore, dirfd: number, pathPtr: number, buf: number, size: number): number {
  const path = pathArg(h, pathPtr);
  if (isErr(path)) return neg(path.errno);
  if (size <= 0) return neg('EINVAL');
  const obj = object(h, dirfd, path, false, false);
  if (isErr(obj)) return neg(obj.errno);
  const t = obj.target;
  if (obj.type !== 'lnk' || t.at !== 'path') return neg('EINVAL');
  const body = wrap(() => readlinkSync(bytes(t.path), { encoding: 'buffer' }));
  if (isErr(body)) return neg(body.errno);
  const n = Math.min(body.length, size);
  const mem = h.mem;
  return !mem || mem.writeBytes(buf, body.subarray(0, n)) ? neg('EFAULT') : n;
}

function chmodAt(h: HostCore, dirfd: number, pathPtr: number, mode: number): number {
  const path = pathArg(h, pathPtr);
  if (isErr(path)) return neg(path.errno);
  const obj = object(h, dirfd, path, true, false);
  if (isErr(obj)) return neg(obj.errno);
  return chmodTarget(obj.target, mode);
}

function chmodTarget(t: HostTarget, mode: number): number {
  if (t.at === 'synthetic') return neg('EROFS');
  const r = wrap(() => (t.at === 'fd' ? fchmodSync(t.host.nodeFd, mode & 0o7777) : chmodSync(bytes(t.path), mode & 0o7777)));
  return isErr(r) ? neg(r.errno) : 0;
}

function fchmod(h: HostCore, fd: number, mode: number): number {
  const o = h.openFd(fd);
  if (isErr(o)) return neg(o.errno);
  if (o.file.flags & O_PATH || !o.host) return neg('EBADF');
  const t = fdTarget(o);
  if (embedders(t)) return neg('EPERM');
  return chmodTarget(t, mode);
}

function chownTarget(t: HostTarget, obj: Object_ | null, uid: number, gid: number): number {
  if (t.at === 'synthetic') return neg('EROFS');
  const st = statOf(obj ?? { target: t, type: undefined, dentry: 0 });
  if (isErr(st)) return neg(st.errno);
  const me = process.getuid?.() ?? 0;
  const myGroups = new Set([process.getgid?.() ?? 0, ...(process.getgroups?.() ?? [])]);
  const owner = Number(st.uid);
  const group = Number(st.gid);
  if (uid !== NO_ID && uid !== owner) return neg('EPERM');
  if (gid === NO_ID || gid === group) return 0;
  if (owner !== me || !myGroups.has(gid)) return neg('EPERM');
  const r = wrap(() => {
    if (t.at === 'fd') fchownSync(t.host.nodeFd, owner, gid);
    else lchownSync(bytes(t.path), owner, gid); // the model already followed what was to be followed
  });
  return isErr(r) ? neg(r.errno) : 0;
}

function fchownat(h: HostCore, dirfd: number, pathPtr: number, uid: number, gid: number, flags: number): number {
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return neg('EINVAL');
  const path = pathArg(h, pathPtr);
  if (isErr(path)) return neg(path.errno);
  const obj = object(h, dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW), (flags & AT_EMPTY_PATH) !== 0);
  if (isErr(obj)) return neg(obj.errno);
  return chownTarget(obj.target, obj, uid >>> 0, gid >>> 0);
}

function fchown(h: HostCore, fd: number, uid: number, gid: number): number {
  const o = h.openFd(fd);
  if (isErr(o)) return neg(o.errno);
  if (o.file.flags & O_PATH || !o.host) return neg('EBADF');
  const obj: Object_ = { target: fdTarget(o), type: undefined, dentry: o.file.dentry };
  if (embedders(obj.target)) return neg('EPERM');
  return chownTarget(obj.target, obj, uid >>> 0, gid >>> 0);
}

/** One timespec of utimensat: seconds as Node wants them, 'omit', or EINVAL. */
function timeArg(sec: bigint, nsec: bigint): number | 'omit' | null {
  if (nsec === BigInt(UTIME_OMIT)) return 'omit';
  if (nsec === BigInt(UTIME_NOW)) return Date.now() / 1000;
  if (nsec < 0n || nsec >= 1_000_000_000n) return null;
  return Number(sec) + Number(nsec) / 1e9;
}

function utimensat(h: HostCore, dirfd: number, pathPtr: number, times: number, flags: number): number {
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return neg('EINVAL');
  const mem = h.mem;
  if (!mem) return neg('EFAULT');
  let at: number | 'omit' = Date.now() / 1000;
  let mt: number | 'omit' = at;
  if (times !== 0) {
    const raw = mem.readBytes(times, 32);
    if (!(raw instanceof Uint8Array)) return neg('EFAULT');
    const v = new DataView(raw.buffer);
    const a = timeArg(v.getBigInt64(0, true), v.getBigInt64(8, true));
    const m = timeArg(v.getBigInt64(16, true), v.getBigInt64(24, true));
    if (a === null || m === null) return neg('EINVAL');
    if (a === 'omit' && m === 'omit') return 0;
    at = a;
    mt = m;
  }
  let obj: Result<Object_>;
  if (pathPtr === 0) {
    // futimens: the NULL path names dirfd itself.
    if (flags & AT_SYMLINK_NOFOLLOW) return neg('EINVAL');
    if (dirfd === AT_FDCWD) return neg('EFAULT');
    obj = object(h, dirfd, '', true, true);
  } else {
    const path = pathArg(h, pathPtr);
    if (isErr(path)) return neg(path.errno);
    obj = object(h, dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW), (flags & AT_EMPTY_PATH) !== 0);
  }
  if (isErr(obj)) return neg(obj.errno);
  const t = obj.target;
  if (t.at === 'synthetic') return neg('EROFS');
  if (embedders(t)) return neg('EPERM');
  const st = statOf(obj);
  if (isErr(st)) return neg(st.errno);
  const a = at === 'omit' ? Number(st.atimeNs) / 1e9 : at;
  const m = mt === 'omit' ? Number(st.mtimeNs) / 1e9 : mt;
  const r = wrap(() => {
    if (t.at === 'fd') futimesSync(t.host.nodeFd, a, m);
    else if (obj.type === 'lnk') lutimesSync(bytes(t.path), a, m);
    else utimesSync(bytes(t.path), a, m);
  });
  return isErr(r) ? neg(r.errno) : 0;
}

function truncate(h: HostCore, pathPtr: number, len: number): number {
  const path = pathArg(h, pathPtr);
  if (isErr(path)) return neg(path.errno);
  if (len < 0) return neg('EINVAL');
  const obj = object(h, AT_FDCWD, path, true, false);
  if (isErr(obj)) return neg(obj.errno);
  const t = obj.target;
  if (t.at === 'synthetic' || obj.type === 'dir') return neg('EISDIR');
  if (t.at !== 'path') return neg('ENOENT');
  if (obj.type !== 'reg') return neg('EINVAL');
  const r = wrap(() => truncateSync(bytes(t.path), len));
  return isErr(r) ? neg(r.errno) : 0;
}

/** The stat family, access, readlink, chmod, chown, utimensat and truncate, by syscall name. */
export function metaCalls(h: HostCore): Record<string, (...a: unknown[]) => number> {
  return {
    fstat: (fd, b) => fstat(h, i32(fd), u32(b)),
    stat: (p, b) => fstatat(h, AT_FDCWD, u32(p), u32(b), 0),
    lstat: (p, b) => fstatat(h, AT_FDCWD, u32(p), u32(b), AT_SYMLINK_NOFOLLOW),
    newfstatat: (d, p, b, f) => fstatat(h, i32(d), u32(p), u32(b), i32(f)),
    statx: (d, p, f, m, b) => statx(h, i32(d), u32(p), i32(f), i32(m), u32(b)),
    access: (p, m) => faccessat(h, AT_FDCWD, u32(p), i32(m), 0),
    // The faccessat syscall has no flags argument: a fourth one is ignored, as Linux does.
    faccessat: (d, p, m) => faccessat(h, i32(d), u32(p), i32(m), 0),
    faccessat2: (d, p, m, f) => faccessat(h, i32(d), u32(p), i32(m), i32(f)),
    readlink: (p, b, n) => readlinkat(h, AT_FDCWD, u32(p), u32(b), i32(n)),
    readlinkat: (d, p, b, n) => readlinkat(h, i32(d), u32(p), u32(b), i32(n)),
    chmod: (p, m) => chmodAt(h, AT_FDCWD, u32(p), i32(m)),
    fchmod: (fd, m) => fchmod(h, i32(fd), i32(m)),
    // Like faccessat, the fchmodat syscall takes no flags (musl handles AT_SYMLINK_NOFOLLOW itself).
    fchmodat: (d, p, m) => chmodAt(h, i32(d), u32(p), i32(m)),
    chown: (p, u, g) => fchownat(h, AT_FDCWD, u32(p), i32(u), i32(g), 0),
    lchown: (p, u, g) => fchownat(h, AT_FDCWD, u32(p), i32(u), i32(g), AT_SYMLINK_NOFOLLOW),
    fchown: (fd, u, g) => fchown(h, i32(fd), i32(u), i32(g)),
    fchownat: (d, p, u, g, f) => fchownat(h, i32(d), u32(p), i32(u), i32(g), i32(f)),
    utimensat: (d, p, t, f) => utimensat(h, i32(d), u32(p), u32(t), i32(f)),
    truncate: (p, len) => truncate(h, u32(p), i64(len)),
  };
}
