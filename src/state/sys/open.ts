/**
 * openat/openat2/open/creat, after fs/open.c build_open_flags + do_sys_openat2 and fs/namei.c
 * path_openat (do_tmpfile, do_o_path, open_last_lookups, do_open, may_open). The checks run in
 * the kernel's order: flag validation, the name (getname), a free fd, then the walk.
 */
import type { Kernel } from '../kernel.js';
import type { Call, Observed, Outcome } from '../calls.js';
import type { Task } from '../types.js';
import { E, isErr, type Err } from '../errors.js';
import { attach, canLookup, create, dentry, inodeOf, kill, kindOf, newInode, readonlyAt } from '../namespace.js';
import { install, newFile, reserveFd } from '../files.js';
import { LAST_NORM, enterBody, lookupLast, startWalk, stepLast, walkToLast, type Nd } from '../resolve.js';
import { run, type Plan } from './run.js';
import {
  FASYNC, O_ACCMODE, O_CLOEXEC, O_CREAT, O_DIRECTORY, O_DSYNC, O_EXCL, O_LARGEFILE, O_NOCTTY, O_NOFOLLOW,
  O_PATH, O_PATH_FLAGS, O_TRUNC, PATH_MAX, RESOLVE_BENEATH, RESOLVE_CACHED, RESOLVE_IN_ROOT,
  VALID_OPEN_FLAGS, VALID_RESOLVE_FLAGS, __O_SYNC, __O_TMPFILE,
} from '../../linux/index.js';

type OpenCall = Extract<Call, { sys: 'openat' }>;

/** Validated flags (build_open_flags): what the walk needs and what F_GETFL will report. */
interface OpenFlags {
  flags: number;
  write: boolean;
  follow: boolean;
  mustDir: boolean;
  cloexec: boolean;
}

function buildFlags(c: OpenCall): OpenFlags | Err {
  let flags = c.flags >>> 0;
  const resolve = c.resolve ?? 0;
  if (c.openat2) {
    // The openat2 entry point adds O_LARGEFILE itself, except to O_PATH opens.
    if (!(flags & O_PATH)) flags |= O_LARGEFILE;
    const rest = flags & ~O_CLOEXEC;
    if (rest & ~VALID_OPEN_FLAGS || c.flags > 0xffffffff) return E('EINVAL');
    if (resolve & ~VALID_RESOLVE_FLAGS) return E('EINVAL');
    if (resolve & RESOLVE_BENEATH && resolve & RESOLVE_IN_ROOT) return E('EINVAL');
    if (flags & (O_CREAT | __O_TMPFILE)) {
      if (c.mode & ~0o7777) return E('EINVAL');
    } else if (c.mode !== 0) return E('EINVAL');
  } else {
    flags = (flags | O_LARGEFILE) & VALID_OPEN_FLAGS;
    if (flags & O_PATH) flags &= O_PATH_FLAGS;
  }
  const cloexec = (flags & O_CLOEXEC) !== 0;
  flags &= ~O_CLOEXEC;
  if ((flags & (O_DIRECTORY | O_CREAT)) === (O_DIRECTORY | O_CREAT)) return E('EINVAL');
  const acc = flags & O_ACCMODE;
  let write = acc === 1 || acc === 2 || acc === 3;
  if (flags & __O_TMPFILE) {
    if (!(flags & O_DIRECTORY)) return E('EINVAL');
    if (!write) return E('EINVAL');
  }
  if (flags & O_PATH) {
    if (flags & ~O_PATH_FLAGS) return E('EINVAL');
    write = false;
  } else if (flags & O_TRUNC) write = true;
  if (flags & __O_SYNC) flags |= O_DSYNC;
  if (resolve & RESOLVE_CACHED && flags & (O_TRUNC | O_CREAT | __O_TMPFILE)) return E('EAGAIN');
  const excl = (flags & (O_CREAT | O_EXCL)) === (O_CREAT | O_EXCL);
  return { flags, write, follow: !(flags & O_NOFOLLOW) && !excl, mustDir: (flags & O_DIRECTORY) !== 0, cloexec };
}

/**
 * The flags an open acts on: build_open_flags' result (open/openat drop unknown bits and O_PATH
 * keeps only O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC), or the raw flags when the kernel refuses them.
 */
export function openFlagsOf(c: OpenCall): number {
  const of = buildFlags(c);
  return isErr(of) ? c.flags >>> 0 : of.flags | (of.cloexec ? O_CLOEXEC : 0);
}

/** F_GETFL's view of a new file: the open flags less those that only act at open time. */
function fileFlags(flags: number): number {
  if (flags & O_PATH) return flags & ~O_CLOEXEC;
  return flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | FASYNC);
}

/** Where an open lands: an existing dentry, a name it creates, or an O_TMPFILE in a directory. */
export type OpenTarget =
  | { readonly kind: 'existing'; readonly dentry: number }
  | { readonly kind: 'create'; readonly dir: number; readonly name: string }
  | { readonly kind: 'tmpfile'; readonly dir: number };

/**
 * open_last_lookups: the last component of an open. Returns the existing dentry, or the name
 * O_CREAT will make (created at commit, so that planning changes nothing). `learn` materialises
 * what a recorded success implies.
 */
function openLast(nd: Nd, of: OpenFlags, learn: boolean): OpenTarget | Err {
  const s = nd.env.s;
  const creat = (of.flags & O_CREAT) !== 0;
  for (;;) {
    if (nd.lastType !== LAST_NORM) {
      const r = lookupLast(nd);
      return typeof r === 'number' ? { kind: 'existing', dentry: r } : r;
    }
    if (!creat) {
      if (nd.trailing) {
        nd.follow = true;
        nd.mustDir = true;
      }
    } else if (nd.trailing) return E('EISDIR');
    const r = stepLast(nd);
    if (r === 0) {
      const dir = dentry(s, nd.cur);
      if (!creat && !learn) return E('ENOENT');
      if (dir.dead) return E('ENOENT');
      if (creat && readonlyAt(s, dir.id) && !learn) return E('EROFS'); // lookup_open without write access
      if (creat) return { kind: 'create', dir: dir.id, name: nd.last };
      // A recorded success on a name the view lacks: it existed (a directory when asked for one).
      const made = create(s, dir, nd.last, nd.mustDir ? 'dir' : 'unknown');
      made.learned = true;
      nd.cur = made.id;
      return { kind: 'existing', dentry: made.id };
    }
    if (typeof r === 'string') {
      const e = enterBody(nd, r);
      if (e) return e;
      continue;
    }
    if (typeof r !== 'number') return r;
    if (learn && creat && of.flags & O_EXCL) {
      // The log says this call created the name: what the view had there is gone.
      kill(s, dentry(s, r));
      nd.cur = dentry(s, r).parent;
      continue;
    }
    return { kind: 'existing', dentry: r };
  }
}

/** do_open + may_open on an existing object (a name O_CREAT makes is a new regular file: nothing to refuse). */
function doOpen(nd: Nd, of: OpenFlags, id: number): Err | null {
  const s = nd.env.s;
  if (of.flags & O_CREAT) {
    if (of.flags & O_EXCL) return E('EEXIST');
    if (kindOf(s, id) === 'dir') return E('EISDIR');
  }
  if ((nd.mustDir || of.mustDir) && !canLookup(s, id)) return E('ENOTDIR');
  switch (kindOf(s, id)) {
    case 'lnk': return E('ELOOP');
    case 'dir': if (of.write) return E('EISDIR'); break;
    case 'sock': return E('ENXIO');
    case 'chr': if (inodeOf(s, dentry(s, id)).rdev === '0:0') return E('ENXIO'); break; // a whiteout: no driver
    case 'fifo': if ((of.flags & O_ACCMODE) === 3) return E('EINVAL'); break; // fifo_open: neither read nor write
    default: break;
  }
  return null;
}

export function openat(k: Kernel, task: Task, c: OpenCall, obs: Observed | undefined): Outcome {
  return run(k, obs, (learn) => openPlan(k, task, c, learn, obs !== undefined), (ret) => {
    // Succeeded, but the model cannot explain how: the fd exists and names something unknown.
    if (ret === undefined || ret < 0) return { ok: true, ret: ret ?? 0 };
    const f = newFile(k.s, 0, 0, 0);
    f.unknown = true;
    install(k.s, task, ret, f.id, (c.flags & O_CLOEXEC) !== 0);
    return { ok: true, ret };
  });
}

/** What an open will do, decided in the kernel's order: the fd, the f_flags and where it lands. */
export interface PlannedOpen {
  readonly fd: number;
  /** F_GETFL of the new description. */
  readonly fileFlags: number;
  readonly cloexec: boolean;
  /** The validated open flags (build_open_flags): what the host passes on. */
  readonly flags: number;
  readonly target: OpenTarget;
}

/** Plans an open without changing the model (unless `learn` materialises a recorded success). */
export function planOpen(k: Kernel, task: Task, c: OpenCall, learn: boolean, replay: boolean): PlannedOpen | Err {
  const of = buildFlags(c);
  if (isErr(of)) return of;
  if (c.path.length >= PATH_MAX) return E('ENAMETOOLONG');
  if (c.path === '') return E('ENOENT');
  const fd = reserveFd(k.s, task, replay);
  if (typeof fd !== 'number') return fd;
  const nd = startWalk(k, task, c.dirfd, c.path, {
    follow: of.follow, mustDir: of.mustDir, resolve: c.resolve ?? 0, learn,
  });
  if (isErr(nd)) return nd;
  const walked = walkToLast(nd, c.path);
  if (walked) return walked;
  let target: OpenTarget;
  if (of.flags & __O_TMPFILE) {
    nd.follow = of.follow;
    nd.mustDir = true;
    const dir = lookupLast(nd);
    if (typeof dir !== 'number') return dir;
    if (readonlyAt(k.s, dir) && !learn) return E('EROFS'); // do_tmpfile: mnt_want_write
    target = { kind: 'tmpfile', dir }; // created at commit time: an O_TMPFILE has no name until linkat
  } else if (of.flags & O_PATH) {
    const r = lookupLast(nd);
    if (typeof r !== 'number') return r;
    target = { kind: 'existing', dentry: r };
  } else {
    const r = openLast(nd, of, learn);
    if (isErr(r)) return r;
    const e = learn || r.kind !== 'existing' ? null : doOpen(nd, of, r.dentry);
    if (e) return e;
    target = r;
  }
  return { fd, fileFlags: fileFlags(of.flags), cloexec: of.cloexec, flags: of.flags, target };
}

function openPlan(k: Kernel, task: Task, c: OpenCall, learn: boolean, replay: boolean): Plan {
  const p = planOpen(k, task, c, learn, replay);
  if (isErr(p)) return p;
  return (ret) => commitOpen(k, task, p, ret);
}

/**
 * Applies a planned open with the fd the kernel returned (`ret`; the plan's own without one):
 * the plan must be fresh (no name changed since it was made).
 */
export function commitOpen(k: Kernel, task: Task, p: PlannedOpen, ret: number | undefined): Outcome {
  const s = k.s;
  const num = ret ?? p.fd;
  const t = p.target;
  let id: number;
  if (t.kind === 'existing') id = t.dentry;
  else if (t.kind === 'create') id = create(s, dentry(s, t.dir), t.name, 'reg').id;
  else {
    const dir = dentry(s, t.dir);
    const inode = newInode(s, 'reg');
    if (!(p.flags & O_EXCL)) inode.linkable = true; // O_TMPFILE|O_EXCL can never be linked
    const d = attach(s, dir, `#${inode.id}`, inode, true);
    dir.children.delete(d.name);
    d.dead = true;
    inode.nlink = 0;
    id = d.id;
  }
  const f = newFile(s, id, inodeOf(s, dentry(s, id)).id, p.fileFlags);
  install(s, task, num, f.id, p.cloexec);
  return { ok: true, ret: num };
}
