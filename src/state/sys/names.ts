/**
 * Calls that change names, after fs/namei.c: filename_create (mkdirat, mknodat, symlinkat,
 * linkat's new name), do_rmdir / do_unlinkat, do_renameat2 + vfs_rename, and lookup-only
 * calls (the stat family, access, readlink ...). Each check sits where the kernel makes it, so
 * that a call failing for two reasons reports the kernel's errno.
 */
import type { Kernel } from '../kernel.js';
import type { Call, Observed, Outcome } from '../calls.js';
import type { Dentry, InodeKind, Task } from '../types.js';
import { E, isErr, type Err } from '../errors.js';
import {
  attach, canLookup, create, dentry, exchange, inodeOf, isAncestor, kill, kindOf, mountOf, move, newInode, readonlyAt,
} from '../namespace.js';
import { LAST_DOT, LAST_DOTDOT, LAST_NORM, LAST_ROOT, resolvePath, startWalk, stepLast, walkToLast, type Nd } from '../resolve.js';
import { ok, run, type Plan } from './run.js';
import { AT_EMPTY_PATH, AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_FOLLOW, RENAME_EXCHANGE, RENAME_NOREPLACE, RENAME_WHITEOUT } from '../../linux/index.js';

/** filename_parentat: walk to the parent of the last component. */
function parentAt(k: Kernel, task: Task, dirfd: number, path: string, learn: boolean): Nd | Err {
  const nd = startWalk(k, task, dirfd, path, { learn });
  if (isErr(nd)) return nd;
  const e = walkToLast(nd, path);
  return e ?? nd;
}

/** The last component without following it: its dentry id or 0 when absent. */
function lastChild(nd: Nd): number | Err {
  nd.follow = false;
  const r = stepLast(nd);
  if (typeof r === 'string') return E('ELOOP'); // unreachable: follow is off
  return r;
}

/** filename_create: parent + a name that must not exist. */
function createAt(k: Kernel, task: Task, dirfd: number, path: string, wantDir: boolean, learn: boolean): { dir: Dentry; name: string } | Err {
  const nd = parentAt(k, task, dirfd, path, learn);
  if (isErr(nd)) return nd;
  if (nd.lastType !== LAST_NORM) return E('EEXIST');
  const dirId = nd.cur;
  const r = lastChild(nd);
  if (typeof r !== 'number') return r;
  if (r !== 0) {
    if (!learn) return E('EEXIST');
    kill(k.s, dentry(k.s, r)); // the log says it was created: what the view had is gone
  }
  if (nd.trailing && !wantDir) return E('ENOENT');
  const dir = dentry(k.s, dirId);
  if (dir.dead) return E('ENOENT');
  // mnt_want_write's error is reported after the lookup's (filename_create).
  if (readonlyAt(k.s, dirId) && !learn) return E('EROFS');
  return { dir, name: nd.last };
}

function mkPlan(k: Kernel, task: Task, dirfd: number, path: string, kind: InodeKind, learn: boolean, extra?: { target?: string }): Plan {
  if (path === '') return E('ENOENT');
  const at = createAt(k, task, dirfd, path, kind === 'dir', learn);
  if (isErr(at)) return at;
  return () => {
    create(k.s, at.dir, at.name, kind, extra);
    return ok(0);
  };
}

const none = (): Outcome => ok(0);

/**
 * A Unix socket bound to a path makes a socket node there (unix_bind_bsd: kern_path_create,
 * the last component not followed); a name that exists is EADDRINUSE.
 */
export function bindPlan(k: Kernel, task: Task, path: string, learn: boolean): Plan {
  const p = mkPlan(k, task, AT_FDCWD, path, 'sock', learn);
  return typeof p !== 'function' && p.errno === 'EEXIST' ? E('EADDRINUSE') : p;
}

export function mkdirat(k: Kernel, task: Task, c: { dirfd: number; path: string }, obs: Observed | undefined): Outcome {
  return run(k, obs, (learn) => mkPlan(k, task, c.dirfd, c.path, 'dir', learn), none);
}

function nodeKind(mode: number): InodeKind | Err {
  switch (mode & 0o170000) {
    case 0: case 0o100000: return 'reg';
    case 0o020000: return 'chr';
    case 0o060000: return 'blk';
    case 0o010000: return 'fifo';
    case 0o140000: return 'sock';
    case 0o040000: return E('EPERM');
    default: return E('EINVAL');
  }
}

export function mknodat(k: Kernel, task: Task, c: { dirfd: number; path: string; mode: number }, obs: Observed | undefined): Outcome {
  return run(k, obs, (learn) => {
    const kind = nodeKind(c.mode);
    if (typeof kind !== 'string') return kind;
    return mkPlan(k, task, c.dirfd, c.path, kind, learn);
  }, none);
}

export function symlinkat(k: Kernel, task: Task, c: { target: string; newdirfd: number; linkpath: string }, obs: Observed | undefined): Outcome {
  return run(k, obs, (learn) => {
    if (c.target === '') return E('ENOENT');
    return mkPlan(k, task, c.newdirfd, c.linkpath, 'lnk', learn, { target: c.target });
  }, none);
}

/** Whether two dentries are on different mounts (links and renames cannot cross them). */
function crossMount(k: Kernel, a: number, b: number): boolean {
  return mountOf(k.s, a) !== mountOf(k.s, b);
}

export function linkat(k: Kernel, task: Task, c: Extract<Call, { sys: 'linkat' }>, obs: Observed | undefined): Outcome {
  return run(k, obs, (learn) => {
    if (c.flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) return E('EINVAL');
    if (c.oldpath === '' && !(c.flags & AT_EMPTY_PATH)) return E('ENOENT');
    const old = resolvePath(k, task, c.olddirfd, c.oldpath, {
      follow: (c.flags & AT_SYMLINK_FOLLOW) !== 0, emptyPath: (c.flags & AT_EMPTY_PATH) !== 0, learn,
    });
    if (typeof old !== 'number') return old;
    if (c.newpath === '') return E('ENOENT');
    const at = createAt(k, task, c.newdirfd, c.newpath, false, learn);
    if (isErr(at)) return at;
    if (crossMount(k, old, at.dir.id)) return E('EXDEV');
    const inode = inodeOf(k.s, dentry(k.s, old));
    if (inode.kind === 'dir' || at.dir.proc) return E('EPERM'); // no links to directories, none in procfs
    if (inode.nlink === 0 && !inode.linkable && !learn) return E('ENOENT');
    return () => {
      attach(k.s, at.dir, at.name, inode, true);
      delete inode.linkable;
      return ok(0);
    };
  }, none);
}

export function unlinkat(k: Kernel, task: Task, c: { dirfd: number; path: string; flags: number }, obs: Observed | undefined): Outcome {
  return run(k, obs, (learn) => {
    if (c.flags & ~AT_REMOVEDIR) return E('EINVAL');
    if (c.path === '') return E('ENOENT');
    const nd = parentAt(k, task, c.dirfd, c.path, learn);
    if (isErr(nd)) return nd;
    const rmdir = (c.flags & AT_REMOVEDIR) !== 0;
    if (rmdir) {
      if (nd.lastType === LAST_DOTDOT) return E('ENOTEMPTY');
      if (nd.lastType === LAST_DOT) return E('EINVAL');
      if (nd.lastType === LAST_ROOT) return E('EBUSY');
    } else if (nd.lastType !== LAST_NORM) return E('EISDIR');
    if (readonlyAt(k.s, nd.cur) && !learn) return E('EROFS'); // do_unlinkat/do_rmdir: before the lookup
    const id = lastChild(nd);
    if (typeof id !== 'number') return id;
    if (id === 0) return learn ? none : E('ENOENT');
    const d = dentry(k.s, id);
    const kind = kindOf(k.s, id);
    if (learn) return () => { kill(k.s, d); return ok(0); };
    if (rmdir) {
      if (kind !== 'dir' && kind !== 'unknown') return E('ENOTDIR');
      if (d.proc || d.mount || id === k.s.rootDentry) return E('EBUSY'); // mount points stay (vfs_rmdir)
      if (!learn && k.notEmpty(d)) return E('ENOTEMPTY');
    } else {
      if (nd.trailing) return kind === 'dir' ? E('EISDIR') : E('ENOTDIR');
      if (kind === 'dir') return E('EISDIR');
    }
    if (dentry(k.s, nd.cur).proc) return E('EPERM'); // procfs has no unlink or rmdir
    return () => {
      kill(k.s, d);
      return ok(0);
    };
  }, none);
}

export function renameat2(k: Kernel, task: Task, c: Extract<Call, { sys: 'renameat2' }>, obs: Observed | undefined): Outcome {
  return run(k, obs, (learn) => renamePlan(k, task, c, learn), none);
}

function renamePlan(k: Kernel, task: Task, c: Extract<Call, { sys: 'renameat2' }>, learn: boolean): Plan {
  const f = c.flags >>> 0;
  if (f & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) return E('EINVAL');
  if (f & (RENAME_NOREPLACE | RENAME_WHITEOUT) && f & RENAME_EXCHANGE) return E('EINVAL');
  // An empty name fails only when its turn comes to be walked (startWalk): old name first.
  const o = parentAt(k, task, c.olddirfd, c.oldpath, learn);
  if (isErr(o)) return o;
  const n = parentAt(k, task, c.newdirfd, c.newpath, learn);
  if (isErr(n)) return n;
  const s = k.s;
  const oldDir = o.cur;
  const newDir = n.cur;
  if (crossMount(k, oldDir, newDir)) return E('EXDEV');
  if (o.lastType !== LAST_NORM) return E('EBUSY');
  if (n.lastType !== LAST_NORM) return f & RENAME_NOREPLACE ? E('EEXIST') : E('EBUSY');
  if (readonlyAt(s, oldDir) && !learn) return E('EROFS'); // do_renameat2: before the lookups
  // lock_rename's trap: the child of one parent that is an ancestor of the other parent.
  const trap = renameTrap(k, oldDir, newDir);
  const src = lastChild(o);
  if (typeof src !== 'number') return src;
  if (src === 0) return E('ENOENT');
  const dst = lastChild(n);
  if (typeof dst !== 'number') return dst;
  if (f & RENAME_NOREPLACE && dst !== 0 && !learn) return E('EEXIST');
  if (f & RENAME_EXCHANGE) {
    if (dst === 0) return E('ENOENT');
    if (!canLookup(s, dst) && n.trailing) return E('ENOTDIR');
  }
  const srcIsDir = kindOf(s, src) === 'dir';
  if (!srcIsDir) {
    if (o.trailing) return E('ENOTDIR');
    if (!(f & RENAME_EXCHANGE) && n.trailing) return E('ENOTDIR');
  }
  if (src === trap) return E('EINVAL');
  if (dst !== 0 && dst === trap) return f & RENAME_EXCHANGE ? E('EINVAL') : E('ENOTEMPTY');
  const sd = dentry(s, src);
  const srcInode = inodeOf(s, sd);
  if (dst !== 0 && inodeOf(s, dentry(s, dst)) === srcInode) return () => ok(0); // same inode: nothing happens
  if (dst !== 0 && !learn) {
    const dstIsDir = kindOf(s, dst) === 'dir';
    const isDir = f & RENAME_EXCHANGE ? dstIsDir : srcIsDir;
    if (isDir && !dstIsDir) return E('ENOTDIR');
    if (!isDir && dstIsDir) return E('EISDIR');
    if (dst === s.rootDentry || src === s.rootDentry) return E('EBUSY');
  } else if (dentry(s, newDir).dead) return E('ENOENT');
  if (!learn && (sd.mount || (dst !== 0 && dentry(s, dst).mount))) return E('EBUSY'); // vfs_rename: mount points stay
  if (dentry(s, oldDir).proc) return E('EPERM'); // procfs cannot rename
  if (dst !== 0 && !(f & RENAME_EXCHANGE) && kindOf(s, dst) === 'dir' && !learn && k.notEmpty(dentry(s, dst))) {
    return E('ENOTEMPTY');
  }
  return () => {
    const nd = dentry(s, newDir);
    if (f & RENAME_EXCHANGE) {
      exchange(s, sd, dentry(s, dst));
    } else {
      const oldParent = dentry(s, sd.parent);
      const oldName = sd.name;
      if (dst !== 0) kill(s, dentry(s, dst));
      move(s, sd, nd, n.last);
      if (f & RENAME_WHITEOUT) create(s, oldParent, oldName, 'chr', { rdev: '0:0' });
    }
    return ok(0);
  };
}

function renameTrap(k: Kernel, oldDir: number, newDir: number): number {
  if (oldDir === newDir) return 0;
  const s = k.s;
  // Walk up from the new parent: if the old parent is an ancestor, the trap is its child on the way.
  for (let p = dentry(s, newDir), g = 0; p.parent !== p.id && g < 4096; p = dentry(s, p.parent), g++) {
    if (p.parent === oldDir) return p.id;
  }
  for (let q = dentry(s, oldDir), g = 0; q.parent !== q.id && g < 4096; q = dentry(s, q.parent), g++) {
    if (q.parent === newDir) return q.id;
  }
  return 0;
}

/** stat family, access, readlink, chmod, utimens, xattrs, statfs ...: resolution only. */
export function lookup(k: Kernel, task: Task, c: Extract<Call, { sys: 'lookup' }>, obs: Observed | undefined): Outcome {
  return run(k, obs, (learn) => {
    if (c.argErr !== undefined) return E(c.argErr);
    if (c.path === '' && !c.emptyPath) return E('ENOENT');
    const r = resolvePath(k, task, c.dirfd, c.path, { follow: c.follow, emptyPath: c.emptyPath, learn });
    if (typeof r !== 'number') return r;
    return () => ok(0);
  }, none);
}

export { isAncestor, newInode };
