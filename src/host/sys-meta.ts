/**
 * Calls that look at or change an object's metadata: the stat family, access, readlink, chmod,
 * chown, utimensat, truncate. The enforcer resolved and judged the object; the host acts on
 * exactly it, by its name relative to its parent's anchored directory fd and never following
 * it (the model already followed what the call follows), or on the guest fd's own host fd for
 * the fd-based and AT_EMPTY_PATH forms.
 *
 * chown: the guest is an unprivileged user whose ids are the host process's (even when the host
 * runs as root). Like Linux for such a caller, a chown that keeps the owner and sets the group to
 * the caller's own group succeeds; anything else is EPERM.
 */
import type { Entry } from '../enforce/enforcer.js';
import { AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW, O_CLOEXEC, O_NOFOLLOW, O_PATH, O_WRONLY } from '../linux/index.js';
import type { HostCore, OpenFd } from './core.js';
import { SYNTHETIC, STALE } from './anchors.js';
import { encodeStat, encodeStatx, identOfStat, kindOfStat, statOfBytes, syntheticDir, type StatLike } from './stat.js';
import { syntheticIno } from './sys-dirents.js';
import { isErr, neg } from './errno.js';
import { metaTable } from '../wali/meta-calls.js';

const AT_EACCESS = 0x200;
const UTIME_NOW = (1 << 30) - 1;
const UTIME_OMIT = (1 << 30) - 2;
const NO_ID = 0xffffffff;
const START_NS = BigInt(Date.now()) * 1_000_000n;

/** Where the call's object is: a host fd + one name ('' = the fd itself), or synthetic, or -errno. */
type Place = { fd: number; name: string; release(): void; embedders?: boolean } | typeof SYNTHETIC | number;

const KEEP = (): void => undefined;

/** The guest fd itself (fd calls, and a path of '' with AT_EMPTY_PATH). */
function fdPlace(o: OpenFd): Place {
  if (!o.host || o.host.nodeFd < 0) return SYNTHETIC;
  return { fd: o.host.nodeFd, name: '', release: KEEP, embedders: !o.host.owned };
}

/** The object a judged path call resolved to. */
function placeOf(h: HostCore, e: Entry): Place {
  const c = e.call;
  if (c.sys === 'lookup' && c.path === '' && c.emptyPath) {
    const o = h.openFd(c.dirfd);
    if (!isErr(o)) return fdPlace(o);
  }
  const obj = e.request?.checks[0]?.object;
  if (!obj?.exists || obj.dentry === undefined) return neg('ENOENT');
  return h.object(obj.dentry);
}

/** The kind and identity the model holds for the call's object (to check the host's answer against). */
function expected(h: HostCore, e: Entry): { kind: string; ident: string | undefined; dentry: number } | undefined {
  const d = e.request?.checks[0]?.object.dentry;
  const n = d === undefined ? undefined : h.node(d);
  return n && !n.dead ? { kind: n.kind, ident: n.ident, dentry: n.id } : undefined;
}

function withPlace(h: HostCore, e: Entry, p: Place, onSynthetic: () => number, op: (fd: number, name: string, embedders: boolean) => number): number {
  if (p === SYNTHETIC) return h.exit(e, onSynthetic());
  if (typeof p === 'number') return p === STALE ? p : h.exit(e, p);
  try {
    return op(p.fd, p.name, p.embedders === true);
  } finally {
    p.release();
  }
}

/** The host's `struct stat` of a place, checked against the model: STALE (the model forgot the name) when it is another object. */
function statAt(h: HostCore, e: Entry | undefined, fd: number, name: string, buf: Uint8Array): number {
  const r = h.sys.fstatat(fd, name, buf, name === '' ? AT_EMPTY_PATH : AT_SYMLINK_NOFOLLOW);
  if (r < 0 || !e || name === '') return r;
  const want = expected(h, e);
  if (want && ((want.kind !== 'unknown' && kindOfStat(buf) !== want.kind) || (want.ident !== undefined && identOfStat(buf) !== want.ident))) {
    h.kernel.forget(want.dentry);
    return STALE;
  }
  return r;
}

function putStat(h: HostCore, st: StatLike, buf: number, x: boolean): number {
  const mem = h.mem;
  if (!mem) return neg('EFAULT');
  return mem.writeBytes(buf, x ? encodeStatx(st) : encodeStat(st)) ? neg('EFAULT') : 0;
}

/** The stat family on a judged path: lstat of the resolved object. */
function statCall(h: HostCore, e: Entry, out: number, x: boolean): number {
  const dentry = e.request?.checks[0]?.object.dentry ?? 0;
  return withPlace(h, e, placeOf(h, e), () => putStat(h, syntheticDir(syntheticIno(dentry), START_NS), out, x), (fd, name) => {
    const b = new Uint8Array(144);
    const r = statAt(h, e, fd, name, b);
    if (r === STALE) return r;
    if (r < 0) return h.exit(e, r);
    return h.exit(e, putStat(h, statOfBytes(b), out, x));
  });
}

/** fstat: the guest fd's own object. */
function fstat(h: HostCore, e: Entry | undefined, fd: number, buf: number): number {
  const o = h.openFd(fd);
  if (isErr(o)) return h.exit(e, neg(o.errno));
  const p = fdPlace(o);
  if (p === SYNTHETIC) return h.exit(e, putStat(h, syntheticDir(syntheticIno(o.file.dentry), START_NS), buf, false));
  const b = new Uint8Array(144);
  const r = h.sys.fstatat((p as { fd: number }).fd, '', b, AT_EMPTY_PATH);
  return h.exit(e, r < 0 ? r : putStat(h, statOfBytes(b), buf, false));
}

function faccessat(h: HostCore, e: Entry, mode: number, flags: number): number {
  const kind = e.request?.checks[0]?.object.type;
  return withPlace(h, e, placeOf(h, e), () => (mode & 2 ? neg('EROFS') : 0), (fd, name) => {
    if (kind === 'lnk' || name === '') return h.exit(e, 0); // a symlink itself (or an fd) is always accessible
    // Never following: a symlink put there since is answered for, not walked.
    return h.exit(e, h.sys.faccessat2(fd, name, mode, AT_SYMLINK_NOFOLLOW | (flags & AT_EACCESS)));
  });
}

function readlinkat(h: HostCore, e: Entry, buf: number, size: number): number {
  if (e.request?.checks[0]?.object.type !== 'lnk') return h.exit(e, neg('EINVAL'));
  return withPlace(h, e, placeOf(h, e), () => neg('EINVAL'), (fd, name) => {
    const body = new Uint8Array(Math.min(size, 65536));
    const n = h.sys.readlinkat(fd, name, body);
    if (n < 0) return h.exit(e, n);
    const mem = h.mem;
    return h.exit(e, !mem || mem.writeBytes(buf, body.subarray(0, n)) ? neg('EFAULT') : n);
  });
}

/**
 * chmod of the object itself: it is opened O_PATH without following and changed through its
 * /proc/self/fd link (fchmodat has no way to not follow), so a symlink swapped in meanwhile is
 * never walked.
 */
function chmodObject(h: HostCore, fd: number, name: string, mode: number): number {
  if (name === '') return h.sys.fchmodat(-100, `/proc/self/fd/${fd}`, mode & 0o7777);
  const o = h.sys.openat(fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0);
  if (o < 0) return o;
  try {
    const st = new Uint8Array(144);
    if (h.sys.fstatat(o, '', st, AT_EMPTY_PATH) === 0 && kindOfStat(st) === 'lnk') return neg('EOPNOTSUPP');
    return h.sys.fchmodat(-100, `/proc/self/fd/${o}`, mode & 0o7777);
  } finally {
    h.sys.close(o);
  }
}

function chmodAt(h: HostCore, e: Entry, mode: number): number {
  return withPlace(h, e, placeOf(h, e), () => neg('EROFS'), (fd, name) => h.exit(e, chmodObject(h, fd, name, mode)));
}

function fdCall(h: HostCore, e: Entry | undefined, fd: number, op: (p: { fd: number }, o: OpenFd) => number): number {
  const o = h.openFd(fd);
  if (isErr(o)) return h.exit(e, neg(o.errno));
  if (o.file.flags & O_PATH || !o.host) return h.exit(e, neg('EBADF'));
  const p = fdPlace(o);
  if (p === SYNTHETIC) return h.exit(e, neg('EROFS'));
  // stdio's objects belong to the embedding process: the guest may use them, not change their metadata.
  if (typeof p === 'object' && p.embedders) return h.exit(e, neg('EPERM'));
  return h.exit(e, op(p as { fd: number }, o));
}

function chownTo(h: HostCore, fd: number, name: string, uid: number, gid: number): number {
  const b = new Uint8Array(144);
  const r = h.sys.fstatat(fd, name, b, name === '' ? AT_EMPTY_PATH : AT_SYMLINK_NOFOLLOW);
  if (r < 0) return r;
  const st = statOfBytes(b);
  const me = process.getuid?.() ?? 0;
  const myGroups = new Set([process.getgid?.() ?? 0, ...(process.getgroups?.() ?? [])]);
  const owner = Number(st.uid);
  const group = Number(st.gid);
  if (uid !== NO_ID && uid !== owner) return neg('EPERM');
  if (gid === NO_ID || gid === group) return 0;
  if (owner !== me || !myGroups.has(gid)) return neg('EPERM');
  // Never following: the model already followed what was to be followed.
  return h.sys.fchownat(fd, name, owner, gid, name === '' ? AT_EMPTY_PATH : AT_SYMLINK_NOFOLLOW);
}

function fchownat(h: HostCore, e: Entry, uid: number, gid: number): number {
  return withPlace(h, e, placeOf(h, e), () => neg('EROFS'), (fd, name, embedders) =>
    h.exit(e, embedders ? neg('EPERM') : chownTo(h, fd, name, uid, gid)));
}

/** One timespec of utimensat: valid, or EINVAL. */
function validTime(nsec: bigint): boolean {
  return nsec === BigInt(UTIME_OMIT) || nsec === BigInt(UTIME_NOW) || (nsec >= 0n && nsec < 1_000_000_000n);
}

function utimensat(h: HostCore, e: Entry, times: number, flags: number): number {
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return h.exit(e, neg('EINVAL'));
  let raw: Uint8Array | null = null;
  if (times !== 0) {
    const b = h.mem?.readBytes(times, 32);
    if (!(b instanceof Uint8Array)) return h.exit(e, neg('EFAULT'));
    const v = new DataView(b.buffer, b.byteOffset, 32);
    if (!validTime(v.getBigInt64(8, true)) || !validTime(v.getBigInt64(24, true))) return h.exit(e, neg('EINVAL'));
    if (v.getBigInt64(8, true) === BigInt(UTIME_OMIT) && v.getBigInt64(24, true) === BigInt(UTIME_OMIT)) return h.exit(e, 0);
    raw = b;
  }
  // futimens: the NULL path names the fd itself.
  const c = e.call;
  const place = c.sys === 'usefd' ? fdPlaceOf(h, c.fd) : placeOf(h, e);
  return withPlace(h, e, place, () => neg('EROFS'), (fd, name, embedders) => {
    if (embedders) return h.exit(e, neg('EPERM'));
    return h.exit(e, name === '' ? h.sys.utimensat(-100, `/proc/self/fd/${fd}`, raw, 0) : h.sys.utimensat(fd, name, raw, AT_SYMLINK_NOFOLLOW));
  });
}

function fdPlaceOf(h: HostCore, fd: number): Place {
  const o = h.openFd(fd);
  if (isErr(o)) return neg(o.errno);
  if (o.file.flags & O_PATH) return neg('EBADF');
  return fdPlace(o);
}

/** truncate(path): opened for writing without following (the permission truncate needs), then cut. */
function truncate(h: HostCore, e: Entry, len: number): number {
  const type = e.request?.checks[0]?.object.type;
  if (type === 'dir') return h.exit(e, neg('EISDIR'));
  if (type !== 'reg') return h.exit(e, neg('EINVAL'));
  return withPlace(h, e, placeOf(h, e), () => neg('EISDIR'), (fd, name) => {
    const w = h.sys.openat(fd, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0);
    if (w < 0) return h.exit(e, w);
    const r = h.sys.ftruncate(w, len);
    h.sys.close(w);
    return h.exit(e, r);
  });
}

/** The stat family, access, readlink, chmod, chown, utimensat and truncate, by syscall name (table and checks: src/wali/meta-calls.ts). */
export function metaCalls(h: HostCore): Record<string, (e: Entry | undefined, ...a: unknown[]) => number> {
  return metaTable({
    exit: (e, r) => h.exit(e, r),
    fstat: (e, fd, buf) => fstat(h, e, fd, buf),
    stat: (e, buf, x) => statCall(h, e, buf, x),
    access: (e, mode, flags) => faccessat(h, e, mode, flags),
    readlink: (e, buf, size) => readlinkat(h, e, buf, size),
    chmod: (e, mode) => chmodAt(h, e, mode),
    fchmod: (e, fd, mode) => fdCall(h, e, fd, (p) => h.sys.fchmodat(-100, `/proc/self/fd/${p.fd}`, mode & 0o7777)),
    chown: (e, uid, gid) => fchownat(h, e, uid, gid),
    fchown: (e, fd, uid, gid) => fdCall(h, e, fd, (p) => chownTo(h, p.fd, '', uid, gid)),
    utimensat: (e, times, flags) => utimensat(h, e, times, flags),
    truncate: (e, len) => truncate(h, e, len),
  });
}
