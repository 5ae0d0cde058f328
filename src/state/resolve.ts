/**
 * One path resolver for every syscall, after Linux's fs/namei.c: `walkToLast` is path_init +
 * link_path_walk (everything but the last component), `lookupLast` is lookup_last with its
 * trailing-symlink loop, and the per-syscall code decides what to do with the last component
 * (open_last_lookups, filename_create, do_rmdir ...). Symlinks are followed with a 40-link
 * budget, `..` is physical, `/proc` magic links jump to objects, RESOLVE_* scope the walk.
 *
 * Results are a dentry id (number) or an interned Err, so the common path allocates little.
 */
import type { Dentry, State, Task } from './types.js';
import type { View } from './view.js';
import { E, isErr, unknownErr, type Err } from './errors.js';
import { canLookup, create, dentry, inodeOf, lookupChild, mountOf } from './namespace.js';
import { isMagicLink, procChild, procRoot, type ProcTasks } from './procfs.js';
import {
  AT_FDCWD, MAXSYMLINKS, NAME_MAX, PATH_MAX, RESOLVE_BENEATH, RESOLVE_IN_ROOT, RESOLVE_NO_MAGICLINKS,
  RESOLVE_NO_SYMLINKS, RESOLVE_NO_XDEV,
} from '../linux/index.js';

export const LAST_NORM = 0;
export const LAST_DOT = 1;
export const LAST_DOTDOT = 2;
export const LAST_ROOT = 3;

/** What the resolver needs from the kernel around it. */
export interface ResolveEnv extends ProcTasks {
  s: State;
  view: View;
  /** The dentry an fd refers to: id, 0 for "not open", or an Err when unknown. */
  fdDentry(task: Task, fd: number): number | Err;
  cwdOf(task: Task): number | Err;
  rootOf(task: Task): number;
  /** Whether /proc is the synthetic procfs (default); false when the namespace has none (a WALI guest). */
  readonly procfs?: boolean;
  /**
   * Names a policy hides (see `Veil`): the walk sees them as absent, except that a hidden
   * directory can be walked through to what is visible below it.
   */
  readonly veil?: Veil | undefined;
}

/** Whether a dentry is hidden from the guest (a policy that answers ENOENT for it). */
export type Veil = (dentry: number) => boolean;

/** nameidata: the state of one walk. */
export interface Nd {
  env: ResolveEnv;
  task: Task;
  /** Current position (nd->path). */
  cur: number;
  /** The root `..` cannot climb above and absolute paths start from. */
  root: number;
  last: string;
  lastType: number;
  /** The last component was followed by a slash. */
  trailing: boolean;
  links: number;
  /** LOOKUP_FOLLOW / LOOKUP_DIRECTORY, as lookup_last may add them. */
  follow: boolean;
  mustDir: boolean;
  resolve: number;
  /** Create missing components as learned directories (replay of a call known to succeed). */
  learn: boolean;
  /** Human-readable resolution steps, when asked for (explanations). */
  steps: string[] | undefined;
}

export interface WalkOptions {
  follow?: boolean;
  mustDir?: boolean;
  emptyPath?: boolean;
  resolve?: number;
  learn?: boolean;
  steps?: boolean;
}

function scoped(nd: Nd): boolean {
  return (nd.resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT)) !== 0;
}

/** path_init: where the walk starts. Returns the remaining path or an Err. */
export function startWalk(env: ResolveEnv, task: Task, dirfd: number, path: string, o: WalkOptions): Nd | Err {
  if (path.length >= PATH_MAX) return E('ENAMETOOLONG');
  if (path.includes('\0')) return E('EINVAL');
  const resolve = o.resolve ?? 0;
  const nd: Nd = {
    env, task, cur: 0, root: env.rootOf(task), last: '', lastType: LAST_ROOT, trailing: false, links: 0,
    follow: o.follow ?? false, mustDir: o.mustDir ?? false, resolve, learn: o.learn ?? false,
    steps: o.steps ? [] : undefined,
  };
  if (path === '' && !o.emptyPath) return E('ENOENT');
  if (path[0] === '/' && (resolve & RESOLVE_IN_ROOT) === 0) {
    if (resolve & RESOLVE_BENEATH) return E('EXDEV');
    nd.cur = nd.root;
    nd.steps?.push(`start at root ${pathLabel(env.s, nd.root)}`);
    return nd;
  }
  let start: number | Err;
  if (dirfd === AT_FDCWD) {
    start = env.cwdOf(task);
    if (typeof start !== 'number') return start;
    nd.steps?.push(`start at cwd ${pathLabel(env.s, start)}`);
  } else {
    start = env.fdDentry(task, dirfd);
    if (typeof start !== 'number') return start;
    if (start === 0) return E('EBADF');
    if (path !== '' && !canLookup(env.s, start)) return E('ENOTDIR');
    nd.steps?.push(`dirfd ${dirfd} = ${pathLabel(env.s, start)}`);
  }
  nd.cur = start;
  if (scoped(nd)) nd.root = start;
  return nd;
}

function pathLabel(s: State, id: number): string {
  const d = dentry(s, id);
  if (d.anonymous) return `[${d.name}]`;
  let p = '';
  for (let x = d, g = 0; x.parent !== x.id && g < 4096; x = dentry(s, x.parent), g++) p = '/' + x.name + p;
  return (p || '/') + (d.dead ? ' (deleted)' : '');
}

/** The child named `name` of the current directory: id, 0 (absent) or Err. */
function child(nd: Nd, dir: Dentry, name: string): number | Err {
  const env = nd.env;
  if (dir.proc) {
    // procfs has no negative dentries: a missing name fails the lookup itself, so nothing can
    // be created there and creations report ENOENT.
    const r = procChild(env.s, env, dir, name) ?? lookupChild(env.s, env.view, dir, name);
    // A recorded success on a task-independent entry the view lacks (/proc/filesystems under
    // an empty view) proves it exists: the caller learns it. A pid the model does not know stays absent.
    if (r === 0 && nd.learn && dir.proc.role === 'root' && !/^[0-9]+$/.test(name)) return 0;
    return r === 0 ? E('ENOENT') : r;
  } else if (dir.id === env.s.rootDentry && name === 'proc' && env.procfs !== false && dir.children.get('proc') !== 0) {
    return procRoot(env.s, dir);
  }
  if (name.length > NAME_MAX) return E('ENAMETOOLONG');
  return lookupChild(env.s, env.view, dir, name);
}

type Step = null | Err | string;

/** `..` (follow_dotdot): physical parent, clamped at the root, EXDEV when it would leave a scoped root. */
function dotdot(nd: Nd): Step {
  // Out of a hidden directory: it could not have been named, so there is nothing to climb out of.
  if (!nd.learn && nd.env.veil?.(nd.cur)) return E('ENOENT');
  if (nd.cur === nd.root) {
    if (nd.resolve & RESOLVE_BENEATH) return E('EXDEV');
    nd.steps?.push(`.. stays at the root ${pathLabel(nd.env.s, nd.cur)}`);
    return null;
  }
  const d = dentry(nd.env.s, nd.cur);
  if (d.mount && nd.resolve & RESOLVE_NO_XDEV) return E('EXDEV');
  nd.cur = d.parent;
  // A `..` is where a path leaves a directory: explanations show where it went.
  nd.steps?.push(`.. goes up to ${pathLabel(nd.env.s, nd.cur)}`);
  return null;
}

/**
 * walk_component + step_into for one component. Moves `nd.cur`; returns null, an Err, or the
 * body of a symlink to walk next (magic links jump and return null).
 */
function walkComponent(nd: Nd, name: string, followLink: boolean, more: boolean): Step {
  if (name === '.') return null;
  if (name === '..') return dotdot(nd);
  const s = nd.env.s;
  const dir = dentry(s, nd.cur);
  let id = child(nd, dir, name);
  if (typeof id !== 'number') return id;
  if (id === 0) {
    if (!nd.learn || !more) return E('ENOENT');
    const made = create(s, dir, name, 'dir');
    made.learned = true;
    id = made.id;
  }
  const d = dentry(s, id);
  if (d.mount && nd.resolve & RESOLVE_NO_XDEV) return E('EXDEV');
  const inode = inodeOf(s, d);
  // A hidden name in the middle of a path: absent, unless it is a directory leading to visible names.
  if (!nd.learn && nd.env.veil?.(id) && !canLookup(s, id)) return E('ENOENT');
  if (inode.kind !== 'lnk' || !followLink) {
    nd.cur = id;
    return null;
  }
  return followSymlink(nd, d, inode.target);
}

/** pick_link: count the link, apply RESOLVE_* rules, jump for magic links, else return the body. */
function followSymlink(nd: Nd, d: Dentry, target: string | undefined): Step {
  if (nd.links++ >= MAXSYMLINKS) return E('ELOOP');
  if (nd.resolve & RESOLVE_NO_SYMLINKS) return E('ELOOP');
  const env = nd.env;
  if (isMagicLink(d)) {
    if (nd.resolve & RESOLVE_NO_MAGICLINKS) return E('ELOOP');
    if (scoped(nd)) return E('EXDEV');
    const role = d.proc!;
    const task = env.s.tasks.get((role as { pid: number }).pid);
    if (!task) return E('ENOENT');
    let to: number | Err;
    if (role.role === 'fd') {
      to = env.fdDentry(task, role.fd);
      if (to === 0) return E('ENOENT');
    } else if (role.role === 'cwd') to = env.cwdOf(task);
    else to = env.rootOf(task);
    if (typeof to !== 'number') return to;
    if (nd.resolve & RESOLVE_NO_XDEV && mountOf(env.s, to) !== mountOf(env.s, nd.cur)) return E('EXDEV');
    nd.steps?.push(`${pathLabel(env.s, d.id)} jumps to ${pathLabel(env.s, to)}`);
    nd.cur = to;
    return null;
  }
  let body = target;
  if (d.proc?.role === 'self') {
    body = d.proc.thread ? `${nd.task.tgid}/task/${nd.task.tid}` : String(nd.task.tgid);
  }
  if (body === undefined) return unknownErr(`symlink ${pathLabel(env.s, d.id)} has an unknown target`);
  if (body === '') return E('ENOENT');
  nd.steps?.push(`${pathLabel(env.s, d.id)} -> ${body}`);
  return body;
}

/** Jump for an absolute symlink body (nd_jump_root). */
function jumpRoot(nd: Nd): Err | null {
  if (nd.resolve & RESOLVE_BENEATH) return E('EXDEV');
  if (nd.resolve & RESOLVE_NO_XDEV && mountOf(nd.env.s, nd.cur) !== mountOf(nd.env.s, nd.root)) return E('EXDEV');
  nd.cur = nd.root;
  return null;
}

interface Cursor {
  comps: string[];
  i: number;
}

/** The path's components (empty ones dropped). */
function split(path: string): string[] {
  const comps: string[] = [];
  let start = 0;
  const n = path.length;
  for (let i = 0; i <= n; i++) {
    if (i === n || path.charCodeAt(i) === 47) {
      if (i > start) comps.push(path.slice(start, i));
      start = i + 1;
    }
  }
  return comps;
}

/**
 * link_path_walk: walks every component but the last of `path` (symlinks in the middle are
 * always followed), leaving nd.last / nd.lastType / nd.trailing for the caller. An absolute
 * path must already have been jumped to the root (startWalk, or jumpRoot for a link body).
 */
export function walkToLast(nd: Nd, path: string): Err | null {
  const top = split(path);
  if (top.length === 0) {
    nd.last = '';
    nd.lastType = LAST_ROOT;
    nd.trailing = false;
    return null;
  }
  const stack: Cursor[] = [];
  let cur: Cursor = { comps: top, i: 0 };
  const s = nd.env.s;
  for (;;) {
    const name = cur.comps[cur.i]!;
    let link: Step;
    if (cur.i === cur.comps.length - 1) {
      if (stack.length === 0) {
        nd.last = name;
        nd.lastType = name === '.' ? LAST_DOT : name === '..' ? LAST_DOTDOT : LAST_NORM;
        nd.trailing = path.charCodeAt(path.length - 1) === 47;
        return nd.learn || !nd.env.veil?.(nd.cur) ? null : underHidden(nd);
      }
      // The last component of a nested symlink body: walked and followed like a middle one.
      cur = stack.pop()!;
      link = walkComponent(nd, name, true, true);
    } else {
      cur.i++;
      link = walkComponent(nd, name, true, true);
    }
    if (link !== null) {
      if (typeof link !== 'string') return link;
      stack.push(cur);
      if (link[0] === '/') {
        const e = jumpRoot(nd);
        if (e) return e;
      }
      const body = split(link);
      if (body.length === 0) cur = stack.pop()!; // a body of "/" is a pure jump
      else cur = { comps: body, i: 0 };
    }
    if (!canLookup(s, nd.cur)) return E('ENOTDIR');
  }
}

/**
 * The last component's parent is a hidden directory: only a name that is itself visible can be
 * reached through it. Anything else (`.`, `..`, an absent or hidden name) fails as the walk to
 * the parent would if the hidden directory were absent.
 */
function underHidden(nd: Nd): Err | null {
  if (nd.lastType !== LAST_NORM) return E('ENOENT');
  const id = child(nd, dentry(nd.env.s, nd.cur), nd.last);
  if (typeof id !== 'number') return id;
  return id === 0 || nd.env.veil!(id) ? E('ENOENT') : null;
}

/**
 * One step on the last component (walk_component with WALK_TRAILING): returns the dentry it
 * moved to, 0 when the name is absent (nd.cur stays on the parent), or a symlink body to walk
 * when the name is a symlink and nd.follow is set (nd.cur stays on the parent).
 */
export function stepLast(nd: Nd): number | Err | string {
  if (nd.lastType === LAST_ROOT) return nd.cur;
  if (nd.lastType !== LAST_NORM) {
    const r = walkComponent(nd, nd.last, false, false);
    // `.` or `..` ending on a hidden directory: the path names a hidden object.
    if (r === null && !nd.learn && nd.env.veil?.(nd.cur)) return E('ENOENT');
    return r === null ? nd.cur : r;
  }
  const s = nd.env.s;
  const id = child(nd, dentry(s, nd.cur), nd.last);
  if (typeof id !== 'number' || id === 0) return id;
  if (!nd.learn && nd.env.veil?.(id)) return 0; // a hidden last name is absent (what the model learns is not hidden)
  const d = dentry(s, id);
  if (d.mount && nd.resolve & RESOLVE_NO_XDEV) return E('EXDEV');
  const inode = inodeOf(s, d);
  if (inode.kind !== 'lnk' || !nd.follow) {
    nd.cur = id;
    return id;
  }
  const r = followSymlink(nd, d, inode.target);
  return r === null ? nd.cur : r;
}

/** Continues a walk into a symlink body met on the last component. */
export function enterBody(nd: Nd, body: string): Err | null {
  if (body[0] === '/') {
    const e = jumpRoot(nd);
    if (e) return e;
  }
  return walkToLast(nd, body);
}

/**
 * Resolves the last component (lookup_last + the trailing-symlink loop of path_lookupat).
 * Returns the final dentry or an Err; a trailing slash forces following and a directory.
 * With nd.learn, a missing final name is learned (the call is known to have succeeded); with
 * `missing = 'zero'`, it is reported as 0 with nd.cur on its directory (what O_CREAT would make).
 */
export function lookupLast(nd: Nd, missing: 'enoent' | 'zero' = 'enoent'): number | Err {
  const s = nd.env.s;
  for (;;) {
    if (nd.lastType === LAST_NORM && nd.trailing) {
      nd.follow = true;
      nd.mustDir = true;
    }
    let r = stepLast(nd);
    if (r === 0) {
      // With 'zero' the caller learns that the final name (nd.cur/nd.last, after any symlinks) is absent.
      if (missing === 'zero' && !nd.learn) return 0;
      if (!nd.learn) return E('ENOENT');
      const made = create(s, dentry(s, nd.cur), nd.last, nd.mustDir ? 'dir' : 'unknown');
      made.learned = true;
      nd.cur = r = made.id;
    }
    if (typeof r === 'string') {
      const e = enterBody(nd, r);
      if (e) return e;
      continue;
    }
    if (typeof r !== 'number') return r;
    if (nd.mustDir && !canLookup(s, r)) return E('ENOTDIR');
    return r;
  }
}

/** Resolve a path to its final object in one call (stat-like syscalls). */
export function resolvePath(env: ResolveEnv, task: Task, dirfd: number, path: string, o: WalkOptions): number | Err {
  const nd = startWalk(env, task, dirfd, path, o);
  if (isErr(nd)) return nd;
  if (path === '') return nd.cur;
  const e = walkToLast(nd, path);
  if (e) return e;
  return lookupLast(nd);
}

export { pathLabel };
