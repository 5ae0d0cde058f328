/**
 * MemoryFs: the in-memory filesystem a guest of the in-memory host sees as its whole namespace.
 * Its tree IS a model kernel's (src/state: dentries and inodes, resolved as namei does); file
 * bytes, modes, owners and times are kept per inode beside it (inodes.ts). A run spawns its task
 * in this kernel, so what the enforcer judged is the very object the host then acts on.
 *
 * The embedder's own methods (writeFile, mkdir ...) take absolute paths of UTF-8 text and walk
 * them name by name: `.` and `..` are understood, a symlink met on the way is not followed (an
 * error says so), so an embedder never reaches through a guest's symlink by accident.
 */
import { Kernel } from '../state/kernel.js';
import { attach, create, dentry, inodeOf, kill, lookupChild, newInode } from '../state/namespace.js';
import type { Dentry, Inode } from '../state/types.js';
import { byteString, latin1Bytes, latin1String } from '../linux/bytes.js';
import { InodeTable, nowNs, type InodeData } from './inodes.js';

/**
 * A filesystem tree as JSON: a name maps to a file's UTF-8 text (a string), to a directory
 * (an object: another tree), or to a tagged pair (an array): `['symlink', target]`, or
 * `['base64', bytes]` for a file whose bytes are not UTF-8 text. Strings, objects and arrays
 * never stand for one another, whatever the names in a directory are. The root of the tree
 * is `/`.
 */
export interface MemoryTree {
  [name: string]: string | MemoryLeaf | MemoryTree;
}

/** A symlink and its body, or a file's bytes in base64 (see {@link MemoryTree}). */
export type MemoryLeaf = readonly ['symlink', string] | readonly ['base64', string];

/** One entry of {@link MemoryFs.list}. */
export interface MemoryEntry {
  /** Absolute path, UTF-8 text. */
  path: string;
  kind: 'file' | 'dir' | 'symlink';
  /** Bytes of a file, the body's length for a symlink, 0 for a directory. */
  size: number;
  /** A symlink's body. */
  target?: string;
  /** Permission bits (st_mode & 0o7777). */
  mode: number;
}

/** Options of a new {@link MemoryFs}. */
export interface MemoryFsOptions {
  /** The most bytes all files together may hold; a write beyond is ENOSPC (default 256 MiB). */
  maxBytes?: number;
}

const DEFAULT_MAX = 256 << 20;
const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Lax = new TextDecoder('utf-8');
const encoder = new TextEncoder();

/** A model byte string (one char per byte) as text: UTF-8 decoded (invalid bytes become U+FFFD). */
export function textOf(bytes: string): string {
  if (!/[^\x00-\x7f]/.test(bytes)) return bytes;
  return utf8Lax.decode(latin1Bytes(bytes));
}

function base64Of(b: Uint8Array): string {
  return btoa(latin1String(b));
}

function bytesOfBase64(s: string, path: string): Uint8Array {
  let text: string;
  try {
    text = atob(s);
  } catch {
    throw new Error(`MemoryFs: ${path}: its bytes are not base64`);
  }
  return latin1Bytes(text);
}

function isLeaf(v: unknown, tag: 'symlink' | 'base64'): v is readonly [typeof tag, string] {
  return Array.isArray(v) && v.length === 2 && v[0] === tag && typeof v[1] === 'string';
}

/**
 * An in-memory filesystem: the guest's whole namespace, visible and editable by the embedder
 * (its changing methods throw while a guest runs on it, from an output callback say).
 */
export class MemoryFs {
  /** The model whose tree this filesystem is (runs spawn their task in it). @internal */
  readonly kernel: Kernel;
  /** Bytes and metadata per inode. @internal */
  readonly inodes: InodeTable;
  /**
   * The host running a guest on this filesystem, if one is: one at a time, since the policy's
   * veil (what it hides) is the model's, and another policy's must never apply. @internal
   */
  inUse: object | undefined;

  constructor(opts: MemoryFsOptions = {}) {
    this.kernel = new Kernel({ procfs: false });
    this.inodes = new InodeTable(opts.maxBytes ?? DEFAULT_MAX);
    const root = this.rootDentry;
    // The model knows every name: nothing is asked of a view.
    root.complete = true;
    delete root.viewPath;
    this.inodes.init(root.inode, 'dir', 0o755);
  }

  /** A filesystem holding `tree` (see {@link MemoryTree}). */
  static fromJson(tree: MemoryTree, opts: MemoryFsOptions = {}): MemoryFs {
    const fs = new MemoryFs(opts);
    const fill = (dir: string, t: MemoryTree): void => {
      for (const name of Object.keys(t).sort()) {
        if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) throw new Error(`MemoryFs: ${JSON.stringify(name)} cannot be a file name (in ${dir})`);
        const v = t[name];
        const path = dir === '/' ? `/${name}` : `${dir}/${name}`;
        if (typeof v === 'string') fs.writeFile(path, v);
        else if (isLeaf(v, 'symlink')) fs.symlink(v[1], path);
        else if (isLeaf(v, 'base64')) fs.writeFile(path, bytesOfBase64(v[1], path));
        else if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
          fs.mkdir(path);
          fill(path, v as MemoryTree);
        } else throw new Error(`MemoryFs: ${path}: a file is a string, a directory an object, a symlink ['symlink', target], binary bytes ['base64', bytes]`);
      }
    };
    fill('/', tree);
    return fs;
  }

  /**
   * The tree as JSON (see {@link MemoryTree}): files as UTF-8 text, or `['base64', bytes]` when
   * their bytes are not UTF-8; symlinks as `['symlink', target]`. Modes, owners, times and hard
   * links are not kept (each name of a file holds its own copy of the bytes).
   */
  toJson(): MemoryTree {
    const walk = (d: Dentry): MemoryTree => {
      const out: MemoryTree = {};
      for (const [name, child] of this.children(d)) {
        const inode = inodeOf(this.kernel.s, child);
        const key = textOf(name);
        if (inode.kind === 'dir') out[key] = walk(child);
        else if (inode.kind === 'lnk') out[key] = ['symlink', textOf(inode.target ?? '')];
        else {
          const b = this.bytesOf(inode);
          try {
            out[key] = utf8.decode(b);
          } catch {
            out[key] = ['base64', base64Of(b)];
          }
        }
      }
      return out;
    };
    return walk(this.rootDentry);
  }

  /** Writes a file (created with mode 0644, or replaced in place), creating missing parent directories. */
  writeFile(path: string, data: string | Uint8Array): void {
    this.unused();
    const { dir, name } = this.parentOf(path, true);
    const bytes = typeof data === 'string' ? encoder.encode(data) : data;
    let id = lookupChild(this.kernel.s, this.kernel.view, dir, name);
    if (id === 0) id = create(this.kernel.s, dir, name, 'reg').id;
    const inode = inodeOf(this.kernel.s, dentry(this.kernel.s, id));
    if (inode.kind !== 'reg') throw new Error(`MemoryFs: ${path} is not a regular file`);
    const d = this.inodes.get(inode.id) ?? this.inodes.init(inode.id, 'reg', 0o644);
    if (!this.inodes.resize(d, 0) || this.inodes.write(d, 0, bytes) < bytes.length) throw new Error(`MemoryFs: ${path}: the filesystem is full (${this.inodes.maxBytes} bytes)`);
    d.mtimeNs = d.ctimeNs = nowNs();
  }

  /** A file's bytes (a copy). */
  readFile(path: string): Uint8Array {
    const inode = this.inodeAt(path);
    if (inode.kind !== 'reg') throw new Error(`MemoryFs: ${path} is not a regular file`);
    return this.bytesOf(inode).slice();
  }

  /** Makes a directory (mode 0755) and its missing parents; an existing directory is left as it is. */
  mkdir(path: string): void {
    this.unused();
    const parts = this.split(path);
    let d = this.rootDentry;
    for (const name of parts) d = this.subdir(d, name, path);
  }

  /** Makes a symlink at `path` whose body is `target` (stored as given), creating missing parents. */
  symlink(target: string, path: string): void {
    this.unused();
    const { dir, name } = this.parentOf(path, true);
    if (lookupChild(this.kernel.s, this.kernel.view, dir, name) !== 0) throw new Error(`MemoryFs: ${path} exists`);
    const made = create(this.kernel.s, dir, name, 'lnk', { target: byteString(target) });
    this.inodes.init(made.inode, 'lnk', 0o777);
  }

  /** Sets the permission bits (mode & 0o7777) of a name, not following a symlink. */
  chmod(path: string, mode: number): void {
    this.unused();
    const inode = this.inodeAt(path);
    const d = this.dataOf(inode);
    d.mode = (d.mode & ~0o7777) | (mode & 0o7777);
    d.ctimeNs = nowNs();
  }

  /** Removes a name (a directory with everything in it). Removing a missing name throws. */
  remove(path: string): void {
    this.unused();
    const { dir, name } = this.parentOf(path, false);
    const id = lookupChild(this.kernel.s, this.kernel.view, dir, name);
    if (id === 0) throw new Error(`MemoryFs: ${path} does not exist`);
    this.removeDentry(dentry(this.kernel.s, id));
  }

  /** Whether a name exists (the last component not followed). */
  exists(path: string): boolean {
    try {
      this.inodeAt(path);
      return true;
    } catch {
      return false;
    }
  }

  /** Every entry, depth first, names sorted, `/` itself excluded: for display. */
  list(): MemoryEntry[] {
    const out: MemoryEntry[] = [];
    const walk = (d: Dentry, at: string): void => {
      for (const [name, child] of this.children(d)) {
        const inode = inodeOf(this.kernel.s, child);
        const path = `${at}/${textOf(name)}`;
        const mode = (this.inodes.get(inode.id)?.mode ?? 0) & 0o7777;
        if (inode.kind === 'dir') {
          out.push({ path, kind: 'dir', size: 0, mode });
          walk(child, path);
        } else if (inode.kind === 'lnk') out.push({ path, kind: 'symlink', size: inode.target?.length ?? 0, target: textOf(inode.target ?? ''), mode });
        else out.push({ path, kind: 'file', size: this.inodes.get(inode.id)?.size ?? 0, mode });
      }
    };
    walk(this.rootDentry, '');
    return out;
  }

  /** A copy of the whole filesystem (what a run leaves is then the copy's). */
  clone(): MemoryFs {
    return MemoryFs.fromJson(this.toJson(), { maxBytes: this.inodes.maxBytes });
  }

  // ---- internals shared with the host ----

  /** @internal */
  get rootDentry(): Dentry {
    return dentry(this.kernel.s, this.kernel.s.rootDentry);
  }

  /** An inode's data, made on first use (an inode the model made that the host has not seen). @internal */
  dataOf(inode: Inode): InodeData {
    return this.inodes.get(inode.id) ?? this.inodes.init(inode.id, inode.kind, inode.kind === 'dir' ? 0o755 : inode.kind === 'lnk' ? 0o777 : 0o644);
  }

  /** Forgets the data of inodes no name and no open description holds. @internal */
  collect(ids: Iterable<number>): void {
    const s = this.kernel.s;
    let open: Set<number> | undefined;
    for (const id of ids) {
      const inode = s.inodes.get(id);
      if (inode && inode.nlink > 0) continue;
      open ??= new Set([...s.files.values()].map((f) => f.inode));
      if (open.has(id)) continue;
      this.inodes.drop(id);
    }
  }

  /** The embedder changes the tree only between runs: a guest's calls rely on it not moving under them. */
  private unused(): void {
    if (this.inUse) throw new Error('MemoryFs: a guest is running on this filesystem; change it before or after the run');
  }

  private bytesOf(inode: Inode): Uint8Array {
    const d = this.inodes.get(inode.id);
    return d ? d.bytes.subarray(0, d.size) : new Uint8Array(0);
  }

  /** Live children of a directory, sorted by name. */
  private children(d: Dentry): [string, Dentry][] {
    const out: [string, Dentry][] = [];
    for (const [name, id] of d.children) if (id !== 0) out.push([name, dentry(this.kernel.s, id)]);
    return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  private removeDentry(d: Dentry): void {
    const s = this.kernel.s;
    const inode = inodeOf(s, d);
    if (inode.kind === 'dir') for (const [, child] of this.children(d)) this.removeDentry(child);
    kill(s, d);
    this.collect([inode.id]);
  }

  private split(path: string): string[] {
    if (!path.startsWith('/')) throw new Error(`MemoryFs: ${JSON.stringify(path)} is not an absolute path`);
    if (path.includes('\0')) throw new Error(`MemoryFs: a path cannot hold a NUL byte`);
    const out: string[] = [];
    for (const part of byteString(path).split('/')) {
      if (part === '' || part === '.') continue;
      if (part === '..') out.pop();
      else out.push(part);
    }
    return out;
  }

  private subdir(d: Dentry, name: string, path: string): Dentry {
    const s = this.kernel.s;
    const id = lookupChild(s, this.kernel.view, d, name);
    if (id === 0) {
      const made = attach(s, d, name, newInode(s, 'dir'));
      made.complete = true;
      this.inodes.init(made.inode, 'dir', 0o755);
      return made;
    }
    const child = dentry(s, id);
    const kind = inodeOf(s, child).kind;
    if (kind !== 'dir') throw new Error(`MemoryFs: ${path}: ${textOf(name)} is ${kind === 'lnk' ? 'a symlink (not followed)' : 'not a directory'}`);
    return child;
  }

  private parentOf(path: string, makeParents: boolean): { dir: Dentry; name: string } {
    const parts = this.split(path);
    const name = parts.pop();
    if (name === undefined) throw new Error(`MemoryFs: ${path} names the root`);
    let d = this.rootDentry;
    for (const p of parts) {
      if (makeParents) d = this.subdir(d, p, path);
      else {
        const id = lookupChild(this.kernel.s, this.kernel.view, d, p);
        if (id === 0) throw new Error(`MemoryFs: ${path} does not exist`);
        d = dentry(this.kernel.s, id);
        if (inodeOf(this.kernel.s, d).kind !== 'dir') throw new Error(`MemoryFs: ${path}: ${textOf(p)} is not a directory (symlinks are not followed)`);
      }
    }
    return { dir: d, name };
  }

  private inodeAt(path: string): Inode {
    const { dir, name } = this.parentOf(path, false);
    const id = lookupChild(this.kernel.s, this.kernel.view, dir, name);
    if (id === 0) throw new Error(`MemoryFs: ${path} does not exist`);
    return inodeOf(this.kernel.s, dentry(this.kernel.s, id));
  }
}
