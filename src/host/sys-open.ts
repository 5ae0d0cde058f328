/**
 * open, openat and creat. The model resolves (following symlinks inside the guest namespace
 * only), the host opens the mapped path with O_NOFOLLOW, and the model then installs the fd
 * with the real result. Flags are x86-64 values; validation follows build_open_flags so that a
 * bad combination fails before the path is looked at.
 */
import { fchmodSync, fstatSync, openSync, constants as C } from 'node:fs';
import { isatty } from 'node:tty';
import type { Kernel } from '../state/kernel.js';
import type { Task } from '../state/types.js';
import { fsOf, lowestFree } from '../state/files.js';
import { dentry } from '../state/namespace.js';
import { LAST_NORM, enterBody, lookupLast, startWalk, stepLast, walkToLast } from '../state/resolve.js';
import { isErr as isModelErr } from '../state/errors.js';
import {
  AT_FDCWD, O_ACCMODE, O_CREAT, O_DIRECTORY, O_DSYNC, O_EXCL, O_LARGEFILE, O_NOATIME, O_NOFOLLOW, O_NONBLOCK,
  O_PATH, O_PATH_FLAGS, O_TRUNC, VALID_OPEN_FLAGS, __O_SYNC, __O_TMPFILE,
} from '../linux/index.js';
import { HostCore, hasTrailingSlash } from './core.js';
import type { HostFile, HostKind } from './fdmap.js';
import { bytes } from './mounts.js';
import { errnoOf, i32, isErr, neg, u32, type Result } from './errno.js';

/** O_PATH and __O_TMPFILE have the same value on every Linux architecture Node runs on. */
const HOST_O_PATH = 0o10000000;
const HOST_O_TMPFILE = 0o20000000;
const HOST_O_NOCTTY = C.O_NOCTTY ?? 0;

/** Guest (x86-64) open flags → this host's values. O_APPEND is emulated (F_SETFL can change it). */
function hostFlags(f: number): number {
  let h = f & O_ACCMODE;
  const map: [number, number | undefined][] = [
    [O_CREAT, C.O_CREAT], [O_EXCL, C.O_EXCL], [O_TRUNC, C.O_TRUNC], [O_DIRECTORY, C.O_DIRECTORY],
    [O_NONBLOCK, C.O_NONBLOCK], [O_DSYNC, C.O_DSYNC], [__O_SYNC | O_DSYNC, C.O_SYNC], [O_NOATIME, C.O_NOATIME],
    [O_PATH, HOST_O_PATH], [__O_TMPFILE, HOST_O_TMPFILE],
  ];
  for (const [g, hv] of map) if ((f & g) === g && hv !== undefined) h |= hv;
  // The model already followed every link the guest asked to follow; never acquire a tty.
  return h | (C.O_NOFOLLOW ?? 0) | HOST_O_NOCTTY;
}

/** How a Node fd is read and written (fstat decides: files and non-tty devices are seekable). */
export function kindOf(nodeFd: number, flags: number): HostKind {
  if (flags & O_PATH) return 'path';
  const st = fstatSync(nodeFd);
  if (st.isDirectory()) return 'dir';
  if (st.isFile() || st.isBlockDevice()) return 'seekable';
  if (st.isCharacterDevice()) return isatty(nodeFd) ? 'stream' : 'seekable';
  return 'stream';
}

interface Named {
  guest: string;
  exists: boolean;
}

function join(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

/**
 * open_last_lookups for O_CREAT without O_EXCL: a dangling symlink is followed and its target
 * created, as Linux does (resolveObject only reports names missing in the walked directory).
 */
function resolveForCreate(k: Kernel, task: Task, dirfd: number, path: string, follow: boolean): Result<Named> {
  const nd = startWalk(k, task, dirfd, path, { follow });
  if (isModelErr(nd)) return { errno: nd.errno ?? 'EIO' };
  const e = walkToLast(nd, path);
  if (e) return { errno: e.errno ?? 'EIO' };
  const existing = (id: number): Named => {
    const label = k.describeDentry(id);
    return { guest: label.kind === 'path' ? label.path : '', exists: true };
  };
  for (;;) {
    if (nd.lastType !== LAST_NORM) {
      const r = lookupLast(nd);
      return typeof r === 'number' ? existing(r) : { errno: r.errno ?? 'EIO' };
    }
    if (nd.trailing) return { errno: 'EISDIR' };
    const r = stepLast(nd);
    if (r === 0) {
      if (dentry(k.s, nd.cur).dead) return { errno: 'ENOENT' };
      const label = k.describeDentry(nd.cur);
      return { guest: join(label.kind === 'path' ? label.path : '/', nd.last), exists: false };
    }
    if (typeof r === 'string') {
      const err = enterBody(nd, r);
      if (err) return { errno: err.errno ?? 'EIO' };
      continue;
    }
    if (typeof r !== 'number') return { errno: r.errno ?? 'EIO' };
    return existing(r);
  }
}

/** build_open_flags' EINVAL cases (open/openat drop unknown bits silently). */
function validFlags(raw: number): number | null {
  let f = (raw | O_LARGEFILE) & VALID_OPEN_FLAGS;
  if (f & O_PATH) f &= O_PATH_FLAGS;
  if ((f & (O_DIRECTORY | O_CREAT)) === (O_DIRECTORY | O_CREAT)) return null;
  if (f & __O_TMPFILE) {
    const acc = f & O_ACCMODE;
    if (!(f & O_DIRECTORY) || (acc !== 1 && acc !== 2)) return null;
  }
  return f;
}

function doOpen(h: HostCore, dirfd: number, pathPtr: number, rawFlags: number, rawMode: number): number {
  const flags = validFlags(rawFlags >>> 0);
  if (flags === null) return neg('EINVAL');
  const path = h.readPath(pathPtr);
  if (typeof path !== 'string') return neg(path.errno);
  const k = h.kernel;
  const fd = lowestFree(k.s, h.task, 0);
  if (typeof fd !== 'number') return neg(fd.errno ?? 'EIO');
  const mode = rawMode & 0o7777;
  const tmpfile = (flags & __O_TMPFILE) !== 0;
  const creat = (flags & O_CREAT) !== 0 && !tmpfile;
  const excl = creat && (flags & O_EXCL) !== 0;
  const follow = !(flags & O_NOFOLLOW) && !excl;
  let named: Result<Named>;
  if (creat && path !== '') named = resolveForCreate(k, h.task, dirfd, path, follow);
  else {
    const r = h.resolve(dirfd, path, follow);
    named = isErr(r) ? r : { guest: r.path ?? '', exists: r.exists };
  }
  if (isErr(named)) return neg(named.errno);
  if (!named.exists && !creat) return neg('ENOENT');
  const call = { sys: 'openat' as const, dirfd, path, flags: rawFlags >>> 0, mode };
  let hostPath: string | null;
  if (named.exists) {
    hostPath = h.mounts.toHost(named.guest);
    if (hostPath === null) return openSynthetic(h, fd, call, flags);
  } else {
    if (h.readOnlyParent(named.guest)) return neg('EROFS');
    hostPath = h.mounts.toHost(named.guest)!;
  }
  if (hasTrailingSlash(path)) hostPath += '/';
  const umask = fsOf(k.s, h.task).umask;
  let nodeFd: number;
  try {
    nodeFd = openSync(bytes(hostPath), hostFlags(flags), mode & ~umask);
    // The host's own umask also applied: give a new file exactly the guest's mode & ~umask.
    if ((!named.exists && creat) || tmpfile) fchmodSync(nodeFd, mode & ~umask & 0o7777);
  } catch (e) {
    h.model(call, { ok: false, errno: errnoOf(e) });
    return neg(errnoOf(e));
  }
  let kind: HostKind;
  try {
    kind = kindOf(nodeFd, flags);
  } catch {
    kind = 'stream';
  }
  h.model(call, { ok: true, ret: fd });
  install(h, fd, { nodeFd, kind, owned: true, offset: 0 });
  return fd;
}

function install(h: HostCore, fd: number, f: HostFile): void {
  const id = h.fileIdAt(fd);
  if (id !== undefined) h.files.set(id, f);
}

/** `/` and ancestors of mount points: directories that can only be read (listed) or used as dirfds. */
function openSynthetic(h: HostCore, fd: number, call: { sys: 'openat'; dirfd: number; path: string; flags: number; mode: number }, flags: number): number {
  const acc = flags & O_ACCMODE;
  if (!(flags & O_PATH)) {
    if (flags & __O_TMPFILE) return neg('EROFS');
    if (flags & O_CREAT) return neg('EISDIR');
    if (acc !== 0 || flags & O_TRUNC) return neg('EISDIR');
  }
  h.model(call, { ok: true, ret: fd });
  install(h, fd, { nodeFd: -1, kind: flags & O_PATH ? 'path' : 'synthetic', owned: false, offset: 0 });
  return fd;
}

/** The SYS_open, SYS_openat and SYS_creat implementations, by syscall name. */
export function openCalls(h: HostCore): Record<string, (...a: unknown[]) => number> {
  return {
    open: (p, f, m) => doOpen(h, AT_FDCWD, u32(p), i32(f), i32(m)),
    openat: (d, p, f, m) => doOpen(h, i32(d), u32(p), i32(f), i32(m)),
    creat: (p, m) => doOpen(h, AT_FDCWD, u32(p), 0o1101, i32(m)),
  };
}

