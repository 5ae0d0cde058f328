/**
 * The dentry/inode tree. Names are dentries, objects are inodes; a path is derived by walking
 * parents, never stored. Children the model did not create are fetched from the view on first
 * use (a dentry remembers the host path it was loaded from, so a renamed view directory still
 * reads its children from their real host location).
 */
import type { Dentry, Inode, InodeKind, State, AnonLabel } from './types.js';
import type { View, ViewEntry } from './view.js';

export function newState(): State {
  const s: State = {
    nextId: 1,
    nameGen: 0,
    rootDentry: 0,
    inodes: new Map(),
    dentries: new Map(),
    files: new Map(),
    tables: new Map(),
    fsContexts: new Map(),
    tasks: new Map(),
    groups: new Map(),
  };
  const root = newInode(s, 'dir');
  const id = s.nextId++;
  s.dentries.set(id, { id, parent: id, name: '', inode: root.id, children: new Map(), complete: false, dead: false, viewPath: '/' });
  root.nlink = 1;
  s.rootDentry = id;
  return s;
}

export function newInode(s: State, kind: InodeKind, extra?: Partial<Inode>): Inode {
  const inode: Inode = { id: s.nextId++, kind, nlink: 0, ...extra };
  s.inodes.set(inode.id, inode);
  return inode;
}

export function dentry(s: State, id: number): Dentry {
  const d = s.dentries.get(id);
  if (!d) throw new Error(`internal: no dentry ${id}`);
  return d;
}

export function inodeOf(s: State, d: Dentry): Inode {
  const i = s.inodes.get(d.inode);
  if (!i) throw new Error(`internal: no inode ${d.inode}`);
  return i;
}

export function kindOf(s: State, dentryId: number): InodeKind {
  return inodeOf(s, dentry(s, dentryId)).kind;
}

/** Directory test as d_can_lookup: an unknown kind was learned from a successful call and may be one. */
export function canLookup(s: State, dentryId: number): boolean {
  const k = kindOf(s, dentryId);
  return k === 'dir' || k === 'unknown';
}

/** The absolute path of a dentry as d_path prints it, without the ` (deleted)` mark. */
export function pathOf(s: State, id: number): string {
  const root = s.rootDentry;
  if (id === root) return '/';
  const names: string[] = [];
  let d = dentry(s, id);
  for (let guard = 0; d.id !== root && guard < 4096; guard++) {
    names.push(d.name);
    const p = dentry(s, d.parent);
    if (p === d) break;
    d = p;
  }
  let out = '';
  for (let i = names.length - 1; i >= 0; i--) out += '/' + names[i];
  return out;
}

/** The root dentry of the mount a dentry lives in. */
export function mountOf(s: State, id: number): number {
  let d = dentry(s, id);
  for (let g = 0; g < 4096 && !d.mount && d.parent !== d.id; g++) d = dentry(s, d.parent);
  return d.id;
}

/** Whether the filesystem a dentry lives on is mounted read-only (mnt_want_write's EROFS). */
export function readonlyAt(s: State, id: number): boolean {
  return dentry(s, mountOf(s, id)).readonly === true;
}

/** True when `anc` is `id` or one of its ancestors. */
export function isAncestor(s: State, anc: number, id: number): boolean {
  let d = dentry(s, id);
  for (let guard = 0; guard < 4096; guard++) {
    if (d.id === anc) return true;
    if (d.parent === d.id) return false;
    d = dentry(s, d.parent);
  }
  return false;
}

/** Child of `dir` named `name`: its dentry id, or 0 when absent. Asks the view at most once. */
export function lookupChild(s: State, view: View, dir: Dentry, name: string): number {
  const known = dir.children.get(name);
  if (known !== undefined) return known;
  if (dir.complete || dir.dead) return 0;
  let entry: ViewEntry | null;
  let hostPath: string | undefined;
  if (view.child) entry = view.child(dir.id, name);
  else {
    if (dir.viewPath === undefined) return 0;
    const at = askAt(s, view, dir);
    hostPath = at === '/' ? `/${name}` : `${at}/${name}`;
    entry = view.lookup(hostPath);
  }
  if (!entry) {
    dir.children.set(name, 0);
    // A view that is the disk itself can always be asked again: its absent names are a cache,
    // bounded so that a guest probing names cannot grow it without end.
    if (view.child && (dir.negatives = (dir.negatives ?? 0) + 1) > NEGATIVES_MAX) forgetNegatives(dir);
    return 0;
  }
  const inode = newInode(s, entry.kind);
  if (entry.target !== undefined) inode.target = entry.target;
  if (entry.rdev !== undefined) inode.rdev = entry.rdev;
  if (entry.ident !== undefined) inode.ident = entry.ident;
  const child = attach(s, dir, name, inode, false);
  if (entry.mount) child.mount = true;
  if (entry.kind !== 'dir') child.complete = true;
  else if (hostPath !== undefined) child.viewPath = hostPath;
  return child.id;
}

/**
 * Where a view is asked about a directory: a view of the disk the modelled calls change (`live`)
 * at the directory's path now, since the guest's renames moved it there on the disk too; a
 * snapshot of the starting tree at the path it was first seen at.
 */
function askAt(s: State, view: View, d: Dentry): string {
  return view.live ? pathOf(s, d.id) : d.viewPath!;
}

/** How many absent names a directory backed by a live disk remembers before it forgets them. */
const NEGATIVES_MAX = 1024;

function forgetNegatives(d: Dentry): void {
  for (const [name, id] of d.children) if (id === 0) d.children.delete(name);
  d.negatives = 0;
}

/**
 * The disk no longer matches what the model holds for this name (another process replaced or
 * moved it): the name is asked of the view again, and the dentry becomes unreachable, as a
 * removed name is (fds and cwds on it read `(deleted)`; walks through it find nothing).
 */
export function forget(s: State, d: Dentry): void {
  s.nameGen++;
  const parent = dentry(s, d.parent);
  if (parent.children.get(d.name) === d.id) parent.children.delete(d.name);
  d.dead = true;
  d.complete = true;
  d.children.clear();
  delete d.viewPath;
}

/** Links `inode` into `dir` under `name`. `complete` says the model knows all its children. */
export function attach(s: State, dir: Dentry, name: string, inode: Inode, complete = true): Dentry {
  const id = s.nextId++;
  const d: Dentry = { id, parent: dir.id, name, inode: inode.id, children: new Map(), complete, dead: false };
  s.dentries.set(id, d);
  dir.children.set(name, id);
  inode.nlink++;
  return d;
}

/** Creates a new object named `name` in `dir`. */
export function create(s: State, dir: Dentry, name: string, kind: InodeKind, extra?: Partial<Inode>): Dentry {
  return attach(s, dir, name, newInode(s, kind, extra), true);
}

/** Unlinks a dentry: its name becomes absent and any fd on it reads `(deleted)`. */
export function kill(s: State, d: Dentry): void {
  s.nameGen++;
  const parent = dentry(s, d.parent);
  if (parent.children.get(d.name) === d.id) parent.children.set(d.name, 0);
  d.dead = true;
  const inode = inodeOf(s, d);
  inode.nlink = Math.max(0, inode.nlink - 1);
  if (inode.kind === 'dir') {
    // A removed directory is empty for good: lookups in it find nothing, creations fail.
    d.complete = true;
    d.children.clear();
    delete d.viewPath;
  }
}

/** Moves dentry `d` to `dir`/`name` (d_move); the caller has dealt with the old target. */
export function move(s: State, d: Dentry, dir: Dentry, name: string): void {
  s.nameGen++;
  const from = dentry(s, d.parent);
  if (from.children.get(d.name) === d.id) from.children.set(d.name, 0);
  d.parent = dir.id;
  d.name = name;
  dir.children.set(name, d.id);
}

/** Swaps the names of two dentries (d_exchange). */
export function exchange(s: State, a: Dentry, b: Dentry): void {
  s.nameGen++;
  const pa = dentry(s, a.parent);
  const pb = dentry(s, b.parent);
  const [an, bn] = [a.name, b.name];
  a.parent = pb.id;
  a.name = bn;
  b.parent = pa.id;
  b.name = an;
  pa.children.set(an, b.id);
  pb.children.set(bn, a.id);
}

/** Whether a directory has entries; null when the model cannot tell. */
export function isEmptyDir(s: State, view: View, d: Dentry): boolean | null {
  for (const id of d.children.values()) if (id !== 0) return false;
  if (d.complete) return true;
  if (view.names) {
    const names = view.names(d.id);
    return names === null ? null : names.every((n) => d.children.get(n) === 0);
  }
  if (d.viewPath === undefined) return true;
  const names = view.list(askAt(s, view, d));
  if (names === null) return null;
  return names.every((n) => d.children.get(n) === 0);
}

/** A dentry outside the tree for an anonymous object (pipe, socket, eventfd ...). */
export function anonDentry(s: State, kind: InodeKind, label: AnonLabel): Dentry {
  const inode = newInode(s, kind, { anon: label });
  const id = s.nextId++;
  const d: Dentry = { id, parent: s.rootDentry, name: label.type, inode: inode.id, children: new Map(), complete: true, dead: false, anonymous: true, mount: true }; // pipefs, sockfs, anon_inodefs: mounts of their own
  s.dentries.set(id, d);
  return d;
}
