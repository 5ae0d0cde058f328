/**
 * What a call names, resolved at syscall entry without changing the model: the object's
 * absolute path (for a name that does not exist yet, its parent's path + the name), whether it
 * exists, its type, and the resolution steps for explanations. A policy decides on this before
 * the call runs; the model is updated only after, from the real result.
 */
import type { Kernel } from './kernel.js';
import type { InodeKind, Task } from './types.js';
import { dentry, inodeOf, mountOf, pathOf } from './namespace.js';
import { LAST_NORM, lookupLast, startWalk, walkToLast } from './resolve.js';
import { isErr, type Err } from './errors.js';
import type { Errno } from '../linux/index.js';

export interface ResolvedObject {
  /** Absolute path of the object (or of the name to be created); undefined when unknown. */
  path?: string | undefined;
  exists: boolean;
  type?: InodeKind;
  /** The dentry, when it exists. */
  dentry?: number;
  /** Why the path is unknown (unknown dirfd, unknown cwd...). */
  unknown?: string;
  /** A pipe, socket or other object outside the filesystem: it has no path and needs no right. */
  anonymous?: boolean;
  /** For a name to be created: the directory it would go in, and the name. */
  parent?: number;
  name?: string;
  /** The mount the object (or, for a name to be created, its directory) is on: set by `withMount` (rename/link need it). */
  mount?: number;
  /** Linux's errno when resolution itself fails (the call will fail too). */
  errno?: Errno;
  /** dirfd 5 = /srv, symlink hops... */
  steps: string[];
}

export interface ResolveHow {
  follow: boolean;
  /** Record the resolution steps for explanations (default true; off on hot paths). */
  steps?: boolean;
  emptyPath?: boolean;
  resolve?: number;
}

/** The steps of a resolution that recorded none (shared: nothing adds to a resolved object's steps). */
const NONE: string[] = Object.freeze([]) as unknown as string[];

function join(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

/** Resolves dirfd + path as the call will (following the last component or not). */
export function resolveObject(k: Kernel, task: Task, dirfd: number, path: string, how: ResolveHow): ResolvedObject {
  return resolveFresh(k, task, dirfd, path, how, how.emptyPath ?? false, how.resolve ?? 0);
}

function resolveFresh(k: Kernel, task: Task, dirfd: number, path: string, how: ResolveHow, emptyPath: boolean, resolve: number): ResolvedObject {
  const nd = startWalk(k, task, dirfd, path, { follow: how.follow, emptyPath, resolve, steps: how.steps ?? true });
  if (isErr(nd)) return failed(nd, []);
  if (path === '') return existing(k, nd.cur, nd.steps ?? NONE);
  const e = walkToLast(nd, path);
  if (e) return failed(e, nd.steps ?? NONE);
  if (nd.steps && path.replace(/\/+$/, '') !== '' && nd.lastType === LAST_NORM) nd.steps.push(`+ ${nd.last}`);
  const r = lookupLast(nd, 'zero');
  if (typeof r === 'number' && r !== 0) return existing(k, r, nd.steps ?? NONE);
  if (r === 0) {
    // The final name does not exist: the object a creating call would make. When the last
    // component was a dangling symlink being followed, that is its target (O_CREAT creates it).
    const dir = nd.cur;
    if (dentry(k.s, dir).dead) return failed({ errno: 'ENOENT' }, nd.steps ?? NONE);
    return newName(k, dir, nd.last, nd.steps ?? NONE);
  }
  return failed(r, nd.steps ?? NONE);
}

/** The object with its mount filled in (what rename/link's cross-mount test compares). */
export function withMount(k: Kernel, obj: ResolvedObject): ResolvedObject {
  const at = obj.dentry ?? obj.parent;
  return at === undefined || obj.mount !== undefined ? obj : { ...obj, mount: mountOf(k.s, at) };
}

/** The object an fd refers to. */
export function fdObject(k: Kernel, task: Task, fd: number): ResolvedObject {
  const d = k.fdDentry(task, fd);
  if (typeof d !== 'number') return { path: undefined, exists: true, unknown: d.unknown ?? d.errno, steps: [] };
  if (d === 0) return { path: undefined, exists: false, errno: 'EBADF', steps: [] };
  return existing(k, d, [`fd ${fd}`]);
}

/** A name that does not exist yet, in directory `dir`: what a creating call would make. */
export function newName(k: Kernel, dir: number, name: string, steps: string[] = NONE): ResolvedObject {
  return { path: join(pathOf(k.s, dir), name), exists: false, parent: dir, name, steps };
}

/** The object a dentry is, as a call resolving to it sees it. */
export function objectOf(k: Kernel, id: number, steps: string[] = NONE): ResolvedObject {
  return existing(k, id, steps);
}

function existing(k: Kernel, id: number, steps: string[]): ResolvedObject {
  const d = dentry(k.s, id);
  const inode = inodeOf(k.s, d);
  // Named objects are their path; memfds and other anonymous objects go through their label.
  const label = inode.anon ? k.describeDentry(id) : undefined;
  const path = label === undefined ? pathOf(k.s, id) : label.kind === 'path' ? label.path : undefined;
  const out: ResolvedObject = { path, exists: true, type: inode.kind, dentry: id, steps };
  if (d.anonymous) {
    out.anonymous = true; // pipes, sockets, memfds: not in any directory
    delete out.path;
  }
  return out;
}

function failed(e: Err, steps: string[]): ResolvedObject {
  if (e.unknown !== undefined) return { path: undefined, exists: false, unknown: e.unknown, steps };
  return { path: undefined, exists: false, errno: e.errno, steps };
}
