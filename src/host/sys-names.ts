/**
 * Calls that change names: mkdir(at), unlink(at)/rmdir, rename(at/at2), link(at), symlink(at).
 * Each resolves through the model, checks what Linux checks before touching the filesystem in
 * Linux's order (the walk, `.`/`..`, EXDEV, EROFS, existence), runs the host call on the mapped
 * path, and gives the model the real result so it tracks the change.
 */
import { chmodSync, linkSync, lstatSync, mkdirSync, renameSync, rmdirSync, symlinkSync, unlinkSync } from 'node:fs';
import { fsOf } from '../state/files.js';
import { AT_EMPTY_PATH, AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_FOLLOW, RENAME_EXCHANGE, RENAME_NOREPLACE, RENAME_WHITEOUT } from '../linux/index.js';
import type { ResolvedObject } from '../state/inspect.js';
import type { Call } from '../state/calls.js';
import { HostCore, hasTrailingSlash, lastComponent } from './core.js';
import { bytes } from './mounts.js';
import { errnoOf, i32, isErr, neg, u32, type Result } from './errno.js';

/** Runs the host operation, then tells the model what happened. */
function apply(h: HostCore, call: Call, op: () => void): number {
  try {
    op();
  } catch (e) {
    h.model(call, { ok: false, errno: errnoOf(e) });
    return neg(errnoOf(e));
  }
  h.model(call, { ok: true, ret: 0 });
  return 0;
}

function hostOf(h: HostCore, guest: string, path: string): string {
  return h.mounts.toHost(guest)! + (hasTrailingSlash(path) ? '/' : '');
}

/**
 * The model's answer for a names call (Linux's errno in the kernel's order), or null when the
 * call would succeed. The model does not know which directories are read-only (the synthetic
 * ones), so each call checks EROFS itself where Linux does (mnt_want_write). The resolution
 * and mount checks after a predicted success are a second guard for the host's disk: the model
 * predicts those errors too, so they answer nothing the prediction did not.
 */
function predicted(h: HostCore, call: Parameters<HostCore['kernel']['predict']>[1]): string | null {
  const p = h.kernel.predict(h.tid, call);
  return p.ok ? null : p.errno ?? 'EIO';
}

function mkdirat(h: HostCore, dirfd: number, pathPtr: number, mode: number): number {
  const path = h.readPath(pathPtr);
  if (typeof path !== 'string') return neg(path.errno);
  const call: Call = { sys: 'mkdirat', dirfd, path, mode };
  // filename_create: the walk, EEXIST, then the read-only mount.
  const e = predicted(h, call);
  if (e) return neg(e);
  const r = h.resolve(dirfd, path, false);
  if (isErr(r)) return neg(r.errno);
  if (h.readOnlyParent(r.path!)) return neg('EROFS');
  const want = mode & 0o1777 & ~fsOf(h.kernel.s, h.task).umask;
  const host = h.mounts.toHost(r.path!)!;
  return apply(h, call, () => {
    mkdirSync(bytes(host), want);
    chmodSync(bytes(host), want); // the host process's umask applied too
  });
}

/** Errors a last component of `.`, `..` or `/` gives before anything is looked up. */
function dotsErrno(path: string, rmdir: boolean): string | null {
  const last = lastComponent(path);
  if (last === '') return rmdir ? 'EBUSY' : 'EISDIR';
  if (last === '.') return rmdir ? 'EINVAL' : 'EISDIR';
  if (last === '..') return rmdir ? 'ENOTEMPTY' : 'EISDIR';
  return null;
}

function unlinkat(h: HostCore, dirfd: number, pathPtr: number, flags: number): number {
  if (flags & ~AT_REMOVEDIR) return neg('EINVAL');
  const path = h.readPath(pathPtr);
  if (typeof path !== 'string') return neg(path.errno);
  const rmdir = (flags & AT_REMOVEDIR) !== 0;
  const call: Call = { sys: 'unlinkat', dirfd, path, flags };
  const e = predicted(h, call);
  // do_unlinkat: the walk and `.`/`..` first, then the read-only mount, then the lookup.
  const r = h.resolve(dirfd, path, false);
  if (!isErr(r) && path !== '' && !dotsErrno(path, rmdir) && h.readOnlyParent(r.path ?? '/')) return neg('EROFS');
  if (e) return neg(e);
  if (isErr(r)) return neg(r.errno);
  if (rmdir && h.mounts.isMountPoint(r.path!)) return neg('EBUSY');
  const host = h.mounts.toHost(r.path!)!;
  return apply(h, call, () => (rmdir ? rmdirSync : unlinkSync)(bytes(host)));
}

function renameat2(h: HostCore, odfd: number, oldPtr: number, ndfd: number, newPtr: number, flags: number): number {
  const f = flags >>> 0;
  if (f & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) return neg('EINVAL');
  if (f & (RENAME_NOREPLACE | RENAME_WHITEOUT) && f & RENAME_EXCHANGE) return neg('EINVAL');
  // Node has no renameat2: an exchange cannot be made atomic, and a whiteout needs CAP_MKNOD.
  if (f & RENAME_EXCHANGE) return neg('EINVAL');
  if (f & RENAME_WHITEOUT) return neg('EPERM');
  const oldPath = h.readPath(oldPtr);
  if (typeof oldPath !== 'string') return neg(oldPath.errno);
  const newPath = h.readPath(newPtr);
  if (typeof newPath !== 'string') return neg(newPath.errno);
  const call: Call = { sys: 'renameat2', olddirfd: odfd, oldpath: oldPath, newdirfd: ndfd, newpath: newPath, flags: f };
  const e = predicted(h, call);
  // do_renameat2: both walks, EXDEV, `.`/`..`, then the read-only mount, then the lookups.
  const o = h.resolve(odfd, oldPath, false);
  const n = h.resolve(ndfd, newPath, false);
  if (!isErr(o) && !isErr(n) && !dotsErrno(oldPath, true) && !dotsErrno(newPath, true)) {
    const sameMount = h.mounts.mountOf(HostCore.parentOf(o.path!)) === h.mounts.mountOf(HostCore.parentOf(n.path!));
    if (sameMount && (h.readOnlyParent(o.path!) || h.readOnlyParent(n.path!))) return neg('EROFS');
  }
  if (e) return neg(e);
  if (isErr(o)) return neg(o.errno);
  if (isErr(n)) return neg(n.errno);
  if (h.mounts.isMountPoint(o.path!) || (n.exists && h.mounts.isMountPoint(n.path!))) return neg('EBUSY');
  const from = hostOf(h, o.path!, oldPath);
  const to = hostOf(h, n.path!, newPath);
  const ret = apply(h, call, () => {
    if (!(f & RENAME_NOREPLACE)) renameSync(bytes(from), bytes(to));
    else noReplace(from, to, o);
  });
  return ret;
}

/**
 * RENAME_NOREPLACE without renameat2: link + unlink is atomic for non-directories (link fails
 * EEXIST); a directory is checked then renamed, which races with other host processes.
 */
function noReplace(from: string, to: string, o: ResolvedObject): void {
  if (o.type !== 'dir') {
    linkSync(bytes(from), bytes(to));
    unlinkSync(bytes(from));
    return;
  }
  if (lstatSync(bytes(to), { throwIfNoEntry: false })) throw Object.assign(new Error('EEXIST'), { code: 'EEXIST' });
  renameSync(bytes(from), bytes(to));
}

function linkat(h: HostCore, odfd: number, oldPtr: number, ndfd: number, newPtr: number, flags: number): number {
  if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) return neg('EINVAL');
  const oldPath = h.readPath(oldPtr);
  if (typeof oldPath !== 'string') return neg(oldPath.errno);
  // AT_EMPTY_PATH links an fd, which needs CAP_DAC_READ_SEARCH: an unprivileged caller gets ENOENT.
  if (oldPath === '') return neg('ENOENT');
  const newPath = h.readPath(newPtr);
  if (typeof newPath !== 'string') return neg(newPath.errno);
  const call: Call = { sys: 'linkat', olddirfd: odfd, oldpath: oldPath, newdirfd: ndfd, newpath: newPath, flags };
  const e = predicted(h, call);
  // do_linkat: the old name's lookup, filename_create for the new one (EEXIST, then the
  // read-only mount), then EXDEV and what vfs_link refuses.
  const o = h.resolve(odfd, oldPath, (flags & AT_SYMLINK_FOLLOW) !== 0);
  const n = h.resolve(ndfd, newPath, false);
  if (!isErr(o) && o.exists && !isErr(n) && !n.exists && !hasTrailingSlash(newPath) && h.readOnlyParent(n.path!)) return neg('EROFS');
  if (e) return neg(e);
  if (isErr(o)) return neg(o.errno);
  if (isErr(n)) return neg(n.errno);
  if (h.mounts.mountOf(o.path!) !== h.mounts.mountOf(HostCore.parentOf(n.path!))) return neg('EXDEV');
  const from = h.mounts.toHost(o.path!)!;
  const to = hostOf(h, n.path!, newPath);
  return apply(h, call, () => linkSync(bytes(from), bytes(to)));
}

function symlinkat(h: HostCore, targetPtr: number, ndfd: number, pathPtr: number): number {
  const target = h.readPath(targetPtr);
  if (typeof target !== 'string') return neg(target.errno);
  const path = h.readPath(pathPtr);
  if (typeof path !== 'string') return neg(path.errno);
  const call: Call = { sys: 'symlinkat', target, newdirfd: ndfd, linkpath: path };
  // filename_create: the walk, EEXIST, then the read-only mount.
  const e = predicted(h, call);
  if (e) return neg(e);
  const r = h.resolve(ndfd, path, false);
  if (isErr(r)) return neg(r.errno);
  if (h.readOnlyParent(r.path!)) return neg('EROFS');
  const host = hostOf(h, r.path!, path);
  // The body is stored verbatim; the model interprets it inside the guest namespace.
  return apply(h, call, () => symlinkSync(bytes(target), bytes(host)));
}

/** mkdir, unlink, rmdir, rename, link and symlink with their *at forms, by syscall name. */
export function nameCalls(h: HostCore): Record<string, (...a: unknown[]) => number> {
  return {
    mkdir: (p, m) => mkdirat(h, AT_FDCWD, u32(p), i32(m)),
    mkdirat: (d, p, m) => mkdirat(h, i32(d), u32(p), i32(m)),
    unlink: (p) => unlinkat(h, AT_FDCWD, u32(p), 0),
    rmdir: (p) => unlinkat(h, AT_FDCWD, u32(p), AT_REMOVEDIR),
    unlinkat: (d, p, f) => unlinkat(h, i32(d), u32(p), i32(f)),
    rename: (a, b) => renameat2(h, AT_FDCWD, u32(a), AT_FDCWD, u32(b), 0),
    renameat: (d1, a, d2, b) => renameat2(h, i32(d1), u32(a), i32(d2), u32(b), 0),
    renameat2: (d1, a, d2, b, f) => renameat2(h, i32(d1), u32(a), i32(d2), u32(b), i32(f)),
    link: (a, b) => linkat(h, AT_FDCWD, u32(a), AT_FDCWD, u32(b), 0),
    linkat: (d1, a, d2, b, f) => linkat(h, i32(d1), u32(a), i32(d2), u32(b), i32(f)),
    symlink: (t, p) => symlinkat(h, u32(t), AT_FDCWD, u32(p)),
    symlinkat: (t, d, p) => symlinkat(h, u32(t), i32(d), u32(p)),
  };
}
