/**
 * The metadata calls' import table as both WALI hosts have it: which argument is which for the
 * stat family, access, readlink, chmod, chown, utimensat and truncate, and the argument checks
 * Linux makes before touching the object (flags, modes, sizes), in its order. Each host then
 * answers on its own objects. Node-free.
 */
import type { Entry } from '../enforce/enforcer.js';
import { AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW } from '../linux/index.js';
import { i32, i64, neg, u32 } from './errno.js';

const AT_NO_AUTOMOUNT = 0x800;
const AT_EACCESS = 0x200;
const AT_STATX_SYNC_TYPE = 0x6000;
const STATX_RESERVED = 0x80000000;

/** What a host does once the arguments passed Linux's checks. */
export interface MetaOps {
  /** The model follows the call (see followExit). */
  exit(e: Entry | undefined, ret?: number): number;
  fstat(e: Entry | undefined, fd: number, buf: number): number;
  /** stat, lstat, newfstatat (`statx` false) and statx (true) on the judged object. */
  stat(e: Entry, buf: number, statx: boolean): number;
  access(e: Entry, mode: number, flags: number): number;
  /** readlink with a positive buffer size. */
  readlink(e: Entry, buf: number, size: number): number;
  chmod(e: Entry, mode: number): number;
  fchmod(e: Entry | undefined, fd: number, mode: number): number;
  /** chown, lchown (AT_SYMLINK_NOFOLLOW), fchownat: flags checked. */
  chown(e: Entry, uid: number, gid: number, flags: number): number;
  fchown(e: Entry | undefined, fd: number, uid: number, gid: number): number;
  utimensat(e: Entry, times: number, flags: number): number;
  /** truncate to a length that is not negative. */
  truncate(e: Entry, len: number): number;
}

/** The stat family, access, readlink, chmod, chown, utimensat and truncate, by syscall name. */
export function metaTable(ops: MetaOps): Record<string, (e: Entry | undefined, ...a: unknown[]) => number> {
  type Impl = (e: Entry, ...a: unknown[]) => number;
  const judged = (f: Impl) => (e: Entry | undefined, ...a: unknown[]): number => (e ? f(e, ...a) : neg('EINVAL'));
  const refuse = (e: Entry): number => ops.exit(e, neg('EINVAL'));
  const fstatat = (e: Entry, buf: unknown, flags: number): number =>
    flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH) ? refuse(e) : ops.stat(e, u32(buf), false);
  const statx = (e: Entry, flags: number, mask: number, buf: unknown): number => {
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE)) return refuse(e);
    if ((flags & AT_STATX_SYNC_TYPE) === AT_STATX_SYNC_TYPE || (mask >>> 0) & STATX_RESERVED) return refuse(e);
    return ops.stat(e, u32(buf), true);
  };
  const access = (e: Entry, mode: number, flags: number): number =>
    mode & ~7 || flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) ? refuse(e) : ops.access(e, mode, flags);
  const readlink = (e: Entry, buf: unknown, size: number): number => (size <= 0 ? refuse(e) : ops.readlink(e, u32(buf), size));
  const chown = (e: Entry, uid: unknown, gid: unknown, flags: number): number =>
    flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) ? refuse(e) : ops.chown(e, u32(uid), u32(gid), flags);
  return {
    fstat: (e, fd, b) => ops.fstat(e, i32(fd), u32(b)),
    stat: judged((e, _p, b) => fstatat(e, b, 0)),
    lstat: judged((e, _p, b) => fstatat(e, b, AT_SYMLINK_NOFOLLOW)),
    newfstatat: judged((e, _d, _p, b, f) => fstatat(e, b, i32(f))),
    statx: judged((e, _d, _p, f, m, b) => statx(e, i32(f), i32(m), b)),
    access: judged((e, _p, m) => access(e, i32(m), 0)),
    // The faccessat syscall has no flags argument: a fourth one is ignored, as Linux does.
    faccessat: judged((e, _d, _p, m) => access(e, i32(m), 0)),
    faccessat2: judged((e, _d, _p, m, f) => access(e, i32(m), i32(f))),
    readlink: judged((e, _p, b, n) => readlink(e, b, i32(n))),
    readlinkat: judged((e, _d, _p, b, n) => readlink(e, b, i32(n))),
    chmod: judged((e, _p, m) => ops.chmod(e, i32(m))),
    fchmod: (e, fd, m) => ops.fchmod(e, i32(fd), i32(m)),
    // Like faccessat, the fchmodat syscall takes no flags (musl handles AT_SYMLINK_NOFOLLOW itself).
    fchmodat: judged((e, _d, _p, m) => ops.chmod(e, i32(m))),
    chown: judged((e, _p, u, g) => chown(e, u, g, 0)),
    lchown: judged((e, _p, u, g) => chown(e, u, g, AT_SYMLINK_NOFOLLOW)),
    fchown: (e, fd, u, g) => ops.fchown(e, i32(fd), u32(u), u32(g)),
    fchownat: judged((e, _d, _p, u, g, f) => chown(e, u, g, i32(f))),
    utimensat: judged((e, _d, _p, t, f) => ops.utimensat(e, u32(t), i32(f))),
    truncate: judged((e, _p, len) => (i64(len) < 0 ? refuse(e) : ops.truncate(e, i64(len)))),
  };
}
