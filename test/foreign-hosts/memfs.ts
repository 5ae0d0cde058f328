/**
 * An in-memory VFS WALI host, as browser and playground embeddings write them: no disk, its own
 * inode tree, its own fd table, and its own path handling, which is not Linux's:
 * - a path is joined to its start (the cwd's or the dirfd's directory, by its current path) and
 *   normalised as text first: `a/../b` is `b`, whatever `a` is (a file, a symlink, nothing);
 * - the normalised path is then walked name by name; a symlink met on the way is replaced by its
 *   body, joined to the link's directory and normalised as text again, and the walk restarts
 *   (so `..` inside a body also removes the name before it, textually);
 * - fds are numbered from 3 upwards and never reused; files are byte arrays, with modes and
 *   times but no owners or permission checks (everything runs as root).
 *
 * `memfsView` and `memfsSnapshot` describe the tree for an interposer's namespace. Nothing here
 * knows fdwarden (the View and SnapshotJson shapes are plain data).
 */
import { posix } from 'node:path';
import type { SnapshotJson, View, ViewEntry } from '../../src/state/view.js';

export class GuestExit extends Error {
  constructor(readonly code: number) {
    super(`guest exited with ${code}`);
    this.name = 'GuestExit';
  }
}

interface Time {
  sec: number;
  nsec: number;
}
interface Base {
  ino: number;
  mode: number;
  nlink: number;
  atime: Time;
  mtime: Time;
  ctime: Time;
}
export interface RegNode extends Base {
  kind: 'reg';
  data: Uint8Array;
  size: number;
}
export interface DirNode extends Base {
  kind: 'dir';
  entries: Map<string, MemNode>;
  parent: DirNode;
  name: string;
  removed: boolean;
}
export interface LnkNode extends Base {
  kind: 'lnk';
  target: string;
}
export type MemNode = RegNode | DirNode | LnkNode;

/** A description of a tree: absolute path → a file (its content), a directory or a symlink. */
export type TreeSpec = Record<string, { file: string } | { dir: true } | { link: string }>;

/** Errnos, as numbers (x86-64 Linux). */
export const E = {
  EPERM: 1, ENOENT: 2, EBADF: 9, EFAULT: 14, EBUSY: 16, EEXIST: 17, EXDEV: 18, ENOTDIR: 20, EISDIR: 21, EINVAL: 22,
  ESPIPE: 29, ERANGE: 34, ENAMETOOLONG: 36, ENOSYS: 38, ENOTEMPTY: 39, ELOOP: 40, ENOTSOCK: 88, EOPNOTSUPP: 95, EAFNOSUPPORT: 97,
  ESRCH: 3, ECHILD: 10,
} as const;
type ErrName = keyof typeof E;

class Fail extends Error {
  constructor(readonly errno: number) {
    super(`errno ${errno}`);
  }
}
const fail = (e: ErrName): never => {
  throw new Fail(E[e]);
};

const UTIME_NOW = (1 << 30) - 1;
const UTIME_OMIT = (1 << 30) - 2;

/** Where a path leads: the directory holding the final name, the name, and what is there. */
export interface Found {
  parent: DirNode;
  name: string;
  node: MemNode | undefined;
  /** The normalised absolute path the walk ended at. */
  path: string;
}

const now = (): Time => {
  const ms = Date.now();
  return { sec: Math.floor(ms / 1000), nsec: (ms % 1000) * 1e6 };
};

/** The VFS: an inode tree, walked the way described above. */
export class MemFs {
  readonly root: DirNode;
  private ino = 1;

  constructor() {
    const t = now();
    const root = { kind: 'dir', ino: this.ino++, mode: 0o40755, nlink: 2, atime: t, mtime: t, ctime: t, entries: new Map(), name: '', removed: false } as unknown as DirNode;
    root.parent = root;
    this.root = root;
  }

  static from(spec: TreeSpec): MemFs {
    const fs = new MemFs();
    for (const [path, what] of Object.entries(spec).sort(([a], [b]) => a.localeCompare(b))) {
      const parts = path.split('/').filter(Boolean);
      let dir = fs.root;
      for (const p of parts.slice(0, -1)) {
        const next = dir.entries.get(p);
        dir = next?.kind === 'dir' ? next : fs.mkdirIn(dir, p, 0o755);
      }
      const name = parts[parts.length - 1]!;
      if ('file' in what) fs.createFile(dir, name, 0o644).data = Buffer.from(what.file, 'latin1');
      else if ('dir' in what) { if (!dir.entries.has(name)) fs.mkdirIn(dir, name, 0o755); }
      else fs.symlinkIn(dir, name, what.link);
      const n = dir.entries.get(name);
      if (n?.kind === 'reg') n.size = n.data.length;
    }
    return fs;
  }

  // ---- nodes ----
  createFile(dir: DirNode, name: string, mode: number): RegNode {
    const t = now();
    const n: RegNode = { kind: 'reg', ino: this.ino++, mode: 0o100000 | (mode & 0o7777), nlink: 1, atime: t, mtime: t, ctime: t, data: new Uint8Array(0), size: 0 };
    this.link(dir, name, n);
    return n;
  }

  mkdirIn(dir: DirNode, name: string, mode: number): DirNode {
    const t = now();
    const n = { kind: 'dir', ino: this.ino++, mode: 0o40000 | (mode & 0o7777), nlink: 2, atime: t, mtime: t, ctime: t, entries: new Map(), parent: dir, name, removed: false } as DirNode;
    this.link(dir, name, n);
    dir.nlink++;
    return n;
  }

  symlinkIn(dir: DirNode, name: string, target: string): LnkNode {
    const t = now();
    const n: LnkNode = { kind: 'lnk', ino: this.ino++, mode: 0o120777, nlink: 1, atime: t, mtime: t, ctime: t, target };
    this.link(dir, name, n);
    return n;
  }

  private link(dir: DirNode, name: string, n: MemNode): void {
    dir.entries.set(name, n);
    dir.mtime = dir.ctime = now();
  }

  /** The current path of a directory, or null once it is removed. */
  pathOf(d: DirNode): string | null {
    const names: string[] = [];
    for (let x = d; x !== this.root; x = x.parent) {
      if (x.removed) return null;
      names.push(x.name);
    }
    return '/' + names.reverse().join('/');
  }

  // ---- the walk ----
  /**
   * Resolves `path` from directory `start`: text first, then names (see the file's comment).
   * `follow`: a final symlink is followed too. A trailing slash follows it and wants a directory.
   */
  resolve(start: DirNode, path: string, follow: boolean): Found {
    if (path === '') fail('ENOENT');
    if (path.length >= 4096) fail('ENAMETOOLONG');
    const trailing = path.endsWith('/');
    let base = '/';
    if (!path.startsWith('/')) {
      const p = this.pathOf(start);
      if (p === null) fail('ENOENT');
      base = p!;
    }
    let full = posix.normalize(`${base}/${path}`);
    for (let hops = 0; hops <= 40; hops++) {
      const names = full.split('/').filter(Boolean);
      if (names.length === 0) return { parent: this.root, name: '', node: this.root, path: '/' };
      let dir = this.root;
      let restarted = false;
      for (let i = 0; i < names.length; i++) {
        const name = names[i]!;
        const node = dir.entries.get(name);
        const last = i === names.length - 1;
        const here = '/' + names.slice(0, i).join('/');
        if (node?.kind === 'lnk' && (!last || follow || trailing)) {
          const body = node.target.startsWith('/') ? node.target : `${here}/${node.target}`;
          full = posix.normalize(`${body}/${names.slice(i + 1).join('/')}`);
          restarted = true;
          break;
        }
        if (last) {
          if (trailing && node && node.kind !== 'dir') fail('ENOTDIR');
          return { parent: dir, name, node, path: '/' + names.join('/') };
        }
        if (!node) fail('ENOENT');
        if (node!.kind !== 'dir') fail('ENOTDIR');
        dir = node as DirNode;
      }
      if (!restarted) break;
    }
    return fail('ELOOP');
  }

  /** Whether `d` is `anc` or below it. */
  within(d: DirNode, anc: DirNode): boolean {
    for (let x = d; ; x = x.parent) {
      if (x === anc) return true;
      if (x === this.root) return false;
    }
  }

  /** Removes a name (the caller has checked what it may remove). */
  unlinkName(dir: DirNode, name: string): void {
    const n = dir.entries.get(name);
    if (!n) return;
    dir.entries.delete(name);
    dir.mtime = dir.ctime = now();
    if (n.kind === 'dir') {
      n.removed = true;
      dir.nlink--;
      n.nlink = 0;
    } else {
      n.nlink--;
      n.ctime = now();
    }
  }
}

// ---- the tree, for the interposer's namespace ----

/** The tree as it is now, walked by exact names (no symlinks followed): a live View. */
export function memfsView(fs: MemFs): View {
  const at = (path: string): MemNode | undefined => {
    let n: MemNode = fs.root;
    for (const name of path.split('/').filter(Boolean)) {
      if (n.kind !== 'dir') return undefined;
      const next: MemNode | undefined = n.entries.get(name);
      if (!next) return undefined;
      n = next;
    }
    return n;
  };
  return {
    name: 'memfs',
    lookup(path) {
      const n = at(path);
      return n ? entryOf(n) : null;
    },
    list(path) {
      const n = at(path);
      return n?.kind === 'dir' ? [...n.entries.keys()] : null;
    },
  };
}

function entryOf(n: MemNode): ViewEntry {
  return n.kind === 'lnk' ? { kind: 'lnk', target: n.target } : { kind: n.kind };
}

/** The tree as it is now, as a snapshot (absolute path → entry). */
export function memfsSnapshot(fs: MemFs): SnapshotJson {
  const entries: Record<string, ViewEntry> = {};
  const walk = (d: DirNode, at: string): void => {
    for (const [name, n] of d.entries) {
      const p = `${at}/${name}`;
      entries[p] = entryOf(n);
      if (n.kind === 'dir') walk(n, p);
    }
  };
  walk(fs.root, '');
  return { entries };
}

/** Everything observable of a subtree, for before/after comparisons: path → kind, mode, times, links, content (atimes only with `atimes`). */
export function memfsPicture(fs: MemFs, path = '/', atimes = true): Record<string, string> {
  const out: Record<string, string> = {};
  const start = fs.resolve(fs.root, path, false).node;
  const walk = (n: MemNode, at: string): void => {
    const body = n.kind === 'reg' ? Buffer.from(n.data.subarray(0, n.size)).toString('latin1') : n.kind === 'lnk' ? n.target : '';
    const atime = atimes ? ` ${n.atime.sec}.${n.atime.nsec}` : '';
    out[at] = `${n.kind} ${(n.mode & 0o7777).toString(8)} ${n.mtime.sec}.${n.mtime.nsec}${atime} ${n.nlink} ${body}`;
    if (n.kind === 'dir') for (const [name, c] of [...n.entries].sort(([a], [b]) => (a < b ? -1 : 1))) walk(c, `${at === '/' ? '' : at}/${name}`);
  };
  if (start) walk(start, path);
  return out;
}

// ---- the host ----

interface Memory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}
type Word = number | bigint;
type Fn = (...a: Word[]) => bigint;

/** An open file description (dups share it). */
interface OpenFile {
  node: MemNode | 'stdin' | 'stdout' | 'stderr';
  flags: number;
  pos: number;
}
interface FdEntry {
  file: OpenFile;
  cloexec: boolean;
}

const O_ACCMODE = 3;
const O_WRONLY = 1;
const O_CREAT = 0o100;
const O_EXCL = 0o200;
const O_TRUNC = 0o1000;
const O_APPEND = 0o2000;
const O_DIRECTORY = 0o200000;
const O_NOFOLLOW = 0o400000;
const O_CLOEXEC = 0o2000000;
const O_PATH = 0o10000000;
const O_TMPFILE = 0o20200000;
const AT_FDCWD = -100;
const AT_SYMLINK_NOFOLLOW = 0x100;
const AT_REMOVEDIR = 0x200;
const AT_SYMLINK_FOLLOW = 0x400;
const AT_EMPTY_PATH = 0x1000;

export interface MemfsHostOptions {
  /** argv; argv[0] is the program's name. */
  args: string[];
  /** The guest's start directory (default `/`). */
  cwd?: string;
}

/** A WALI host over a MemFs: one guest instance. stdout and stderr are collected. */
export class MemfsHost {
  private memory: Memory | undefined;
  private readonly args: Buffer[];
  private readonly fds = new Map<number, FdEntry>();
  private nextFd = 3;
  private cwd: DirNode;
  private readonly out: Buffer[] = [];
  private readonly err: Buffer[] = [];
  /** Every call that reached this host, with its arguments (for the tests' spies). */
  onCall: ((name: string, args: Word[]) => void) | undefined;

  constructor(readonly fs: MemFs, opts: MemfsHostOptions) {
    this.args = opts.args.map((a) => Buffer.from(a, 'latin1'));
    const c = fs.resolve(fs.root, opts.cwd ?? '/', true).node;
    if (c?.kind !== 'dir') throw new Error(`memfs host: no directory ${opts.cwd}`);
    this.cwd = c;
    this.fds.set(0, { file: { node: 'stdin', flags: 0, pos: 0 }, cloexec: false });
    this.fds.set(1, { file: { node: 'stdout', flags: O_WRONLY, pos: 0 }, cloexec: false });
    this.fds.set(2, { file: { node: 'stderr', flags: O_WRONLY, pos: 0 }, cloexec: false });
  }

  /** The guest's cwd. */
  get cwdDir(): DirNode {
    return this.cwd;
  }

  get stdout(): string {
    return Buffer.concat(this.out).toString('latin1');
  }
  get stderr(): string {
    return Buffer.concat(this.err).toString('latin1');
  }

  /** The import object: `wali.SYS_*` and argv. */
  imports(): { wali: Record<string, (...a: Word[]) => unknown> } {
    const wali: Record<string, (...a: Word[]) => unknown> = {
      __cl_get_argc: () => this.args.length,
      __cl_get_argv_len: (i) => this.args[Number(i) >>> 0]?.length ?? 0,
      __cl_copy_argv: (buf, i) => {
        const a = this.args[Number(i) >>> 0];
        if (!a) return -1;
        return this.put(u32(buf), Buffer.concat([a, Buffer.from([0])])) ? 0 : -1;
      },
    };
    for (const [name, f] of Object.entries(this.syscalls())) wali[`SYS_${name}`] = f;
    return { wali };
  }

  attach(memory: Memory): void {
    this.memory = memory;
  }

  /** Runs `_start`; the exit status. */
  start(instance: { exports: Record<string, unknown> }): number {
    if (!this.memory) this.attach(instance.exports['memory'] as Memory);
    try {
      (instance.exports['_start'] as () => void)();
      return 0;
    } catch (e) {
      if (e instanceof GuestExit) return e.code;
      throw e;
    }
  }

  /** The calls by name: each takes the raw guest words and returns the result or -errno. */
  syscalls(): Record<string, Fn> {
    const out: Record<string, Fn> = {};
    for (const [name, f] of Object.entries(this.impl())) {
      out[name] = (...a: Word[]) => {
        this.onCall?.(name, a);
        try {
          return BigInt(f(...a));
        } catch (e) {
          if (e instanceof Fail) return BigInt(-e.errno);
          throw e;
        }
      };
    }
    return out;
  }

  // ---- guest memory ----
  private u8(): Uint8Array {
    if (!this.memory) throw new Error('memfs host: attach the guest memory first');
    return new Uint8Array(this.memory.buffer);
  }
  /** The guest string at p (Latin-1). */
  str(p: Word): string {
    const at = u32(p);
    const m = this.u8();
    if (at === 0 || at >= m.length) fail('EFAULT');
    const end = m.indexOf(0, at);
    if (end < 0) fail('EFAULT');
    if (end - at >= 4096) fail('ENAMETOOLONG');
    return Buffer.from(m.subarray(at, end)).toString('latin1');
  }
  private bytes(p: Word, n: number): Uint8Array {
    const at = u32(p);
    const m = this.u8();
    if (at + n > m.length) fail('EFAULT');
    return m.slice(at, at + n);
  }
  private put(p: number, b: Uint8Array): boolean {
    const m = this.u8();
    if (p + b.length > m.length) return false;
    m.set(b, p);
    return true;
  }
  private putOrFault(p: Word, b: Uint8Array): void {
    if (!this.put(u32(p), b)) fail('EFAULT');
  }

  // ---- fds ----
  private entry(fd: Word): FdEntry {
    const e = this.fds.get(Number(fd) | 0);
    if (!e) fail('EBADF');
    return e!;
  }
  /** The directory a relative path starts from. */
  private startDir(dirfd: Word): DirNode {
    const d = Number(dirfd) | 0;
    if (d === AT_FDCWD) return this.cwd;
    const f = this.entry(d).file;
    if (typeof f.node === 'string' || f.node.kind !== 'dir') fail('ENOTDIR');
    return f.node as DirNode;
  }
  /** The dirfd's start, unless the path is absolute (then an unknown dirfd does not matter, as on Linux). */
  private from(dirfd: Word, path: string): DirNode {
    return path.startsWith('/') ? this.fs.root : this.startDir(dirfd);
  }
  private newFd(file: OpenFile, cloexec: boolean): number {
    while (this.fds.has(this.nextFd)) this.nextFd++;
    const fd = this.nextFd++;
    this.fds.set(fd, { file, cloexec });
    return fd;
  }
  /** The node behind an fd (not O_PATH for data access). */
  private nodeOf(fd: Word, data = false): MemNode {
    const f = this.entry(fd).file;
    if (typeof f.node === 'string') fail('EINVAL');
    if (data && (f.flags & O_PATH) !== 0) fail('EBADF');
    return f.node as MemNode;
  }
  /** What fd `fd`'s object is, as an absolute path (for the tests' spies); null for stdio or a removed one. */
  pathOfFd(fd: number): string | null {
    const e = this.fds.get(fd);
    if (!e || typeof e.file.node === 'string') return null;
    return this.pathOfNode(e.file.node);
  }
  /** A node's path: found by walking the tree (for files, the first name found). */
  pathOfNode(n: MemNode): string | null {
    if (n.kind === 'dir') return this.fs.pathOf(n);
    let found: string | null = null;
    const walk = (d: DirNode, at: string): void => {
      for (const [name, c] of d.entries) {
        if (found !== null) return;
        if (c === n) found = `${at}/${name}`;
        else if (c.kind === 'dir') walk(c, `${at}/${name}`);
      }
    };
    walk(this.fs.root, '');
    return found;
  }
  /** The start directory of a relative path from dirfd (for the spies). */
  startOf(dirfd: number): DirNode | null {
    try {
      return this.startDir(dirfd);
    } catch {
      return null;
    }
  }

  // ---- the implementation ----
  private impl(): Record<string, (...a: Word[]) => number | bigint> {
    const fs = this.fs;
    const read = (fd: Word, n: number, at?: number): Uint8Array => {
      const f = this.entry(fd).file;
      if (f.node === 'stdin') return new Uint8Array(0);
      if (typeof f.node === 'string' || (f.flags & O_ACCMODE) === O_WRONLY || f.flags & O_PATH) fail('EBADF');
      const node = f.node as MemNode;
      if (node.kind === 'dir') fail('EISDIR');
      if (node.kind !== 'reg') fail('EINVAL');
      const r = node as RegNode;
      const pos = at ?? f.pos;
      const b = r.data.slice(Math.min(pos, r.size), Math.min(pos + n, r.size));
      if (at === undefined) f.pos += b.length;
      r.atime = now();
      return b;
    };
    const write = (fd: Word, b: Uint8Array, at?: number): number => {
      const f = this.entry(fd).file;
      if (f.node === 'stdout' || f.node === 'stderr') {
        (f.node === 'stdout' ? this.out : this.err).push(Buffer.from(b));
        return b.length;
      }
      if (typeof f.node === 'string' || (f.flags & O_ACCMODE) === 0 || f.flags & O_PATH) fail('EBADF');
      const r = f.node as RegNode;
      let pos = at ?? (f.flags & O_APPEND ? r.size : f.pos);
      if (at !== undefined && f.flags & O_APPEND) pos = r.size; // Linux: pwrite on O_APPEND appends
      const end = pos + b.length;
      if (end > r.data.length) {
        const grown = new Uint8Array(Math.max(end, r.data.length * 2));
        grown.set(r.data.subarray(0, r.size));
        r.data = grown;
      }
      if (pos > r.size) r.data.fill(0, r.size, pos);
      r.data.set(b, pos);
      r.size = Math.max(r.size, end);
      r.mtime = r.ctime = now();
      if (at === undefined) f.pos = end;
      return b.length;
    };
    const truncate = (r: RegNode, len: number): void => {
      if (len < r.size) r.data.fill(0, len, r.size);
      else if (len > r.data.length) {
        const grown = new Uint8Array(len);
        grown.set(r.data.subarray(0, r.size));
        r.data = grown;
      }
      r.size = len;
      r.mtime = r.ctime = now();
    };
    const open = (dirfd: Word, p: Word, given: number, mode: number): number => {
      const path = this.str(p);
      // O_PATH keeps only the flags that go with it, as Linux's open does.
      const flags = given & O_PATH ? given & (O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : given;
      if ((flags & O_TMPFILE) === O_TMPFILE) fail('EOPNOTSUPP');
      const start = this.from(dirfd, path);
      const follow = !(flags & O_NOFOLLOW) && !((flags & O_CREAT) && (flags & O_EXCL));
      const found = fs.resolve(start, path, follow);
      let node = found.node;
      if (node && flags & O_CREAT && flags & O_EXCL) fail('EEXIST');
      if (!node) {
        if (!(flags & O_CREAT) || flags & O_PATH) fail('ENOENT');
        if (path.endsWith('/')) fail('EISDIR');
        if (found.parent.removed) fail('ENOENT');
        node = fs.createFile(found.parent, found.name, mode);
      } else {
        if (node.kind === 'lnk' && !(flags & O_PATH)) fail('ELOOP');
        if (flags & O_DIRECTORY && node.kind !== 'dir') fail('ENOTDIR');
        if (node.kind === 'dir' && !(flags & O_PATH) && ((flags & O_ACCMODE) !== 0 || flags & O_CREAT)) fail('EISDIR');
        if (node.kind === 'reg' && flags & O_TRUNC && !(flags & O_PATH)) truncate(node, 0);
      }
      const keep = flags & O_PATH ? flags & (O_PATH | O_DIRECTORY | O_NOFOLLOW) : flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC);
      return this.newFd({ node, flags: keep, pos: 0 }, (flags & O_CLOEXEC) !== 0);
    };
    const mkdir = (dirfd: Word, p: Word, mode: number): number => {
      const path = this.str(p);
      const f = fs.resolve(this.from(dirfd, path), path, false);
      if (f.node) fail('EEXIST');
      if (f.parent.removed) fail('ENOENT');
      fs.mkdirIn(f.parent, f.name, mode);
      return 0;
    };
    const unlink = (dirfd: Word, p: Word, flags: number): number => {
      if (flags & ~AT_REMOVEDIR) fail('EINVAL');
      const path = this.str(p);
      const f = fs.resolve(this.from(dirfd, path), path, false);
      if (!f.node) fail('ENOENT');
      const n = f.node!;
      if (flags & AT_REMOVEDIR) {
        if (n.kind !== 'dir') fail('ENOTDIR');
        if (n === fs.root) fail('EBUSY');
        if ((n as DirNode).entries.size > 0) fail('ENOTEMPTY');
      } else if (n.kind === 'dir') fail('EISDIR');
      fs.unlinkName(f.parent, f.name);
      return 0;
    };
    const rename = (od: Word, op: Word, nd: Word, np: Word, flags: number): number => {
      if (flags & ~3 || flags === 3) fail('EINVAL');
      const a = this.str(op);
      const b = this.str(np);
      const from = fs.resolve(this.from(od, a), a, false);
      const to = fs.resolve(this.from(nd, b), b, false);
      const src = from.node;
      if (!src) fail('ENOENT');
      if (src === fs.root || to.node === fs.root) fail('EBUSY');
      const dst = to.node;
      if (flags & 2) {
        if (!dst) fail('ENOENT');
        if (src!.kind === 'dir' && dst!.kind === 'dir' && (fs.within(to.parent, src as DirNode) || fs.within(from.parent, dst as DirNode))) fail('EINVAL');
        from.parent.entries.set(from.name, dst!);
        to.parent.entries.set(to.name, src!);
        if (src!.kind === 'dir') Object.assign(src!, { parent: to.parent, name: to.name });
        if (dst!.kind === 'dir') Object.assign(dst!, { parent: from.parent, name: from.name });
        return 0;
      }
      if (src === dst) return 0;
      if (dst && flags & 1) fail('EEXIST');
      if (src!.kind === 'dir') {
        if (fs.within(to.parent, src as DirNode)) fail('EINVAL');
        if (dst && dst.kind !== 'dir') fail('ENOTDIR');
        if (dst && (dst as DirNode).entries.size > 0) fail('ENOTEMPTY');
      } else if (dst?.kind === 'dir') fail('EISDIR');
      if (to.parent.removed) fail('ENOENT');
      if (dst) fs.unlinkName(to.parent, to.name);
      from.parent.entries.delete(from.name);
      to.parent.entries.set(to.name, src!);
      if (src!.kind === 'dir') {
        from.parent.nlink--;
        to.parent.nlink++;
        Object.assign(src!, { parent: to.parent, name: to.name });
      }
      from.parent.mtime = to.parent.mtime = src!.ctime = now();
      return 0;
    };
    const link = (od: Word, op: Word, nd: Word, np: Word, flags: number): number => {
      if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) fail('EINVAL');
      const a = this.str(op);
      const b = this.str(np);
      const src = a === '' && flags & AT_EMPTY_PATH ? this.nodeOf(od) : fs.resolve(this.from(od, a), a, (flags & AT_SYMLINK_FOLLOW) !== 0).node;
      if (!src) fail('ENOENT');
      if (src!.kind === 'dir') fail('EPERM');
      const to = fs.resolve(this.from(nd, b), b, false);
      if (to.node) fail('EEXIST');
      if (to.parent.removed) fail('ENOENT');
      to.parent.entries.set(to.name, src!);
      src!.nlink++;
      src!.ctime = now();
      return 0;
    };
    const symlink = (t: Word, nd: Word, p: Word): number => {
      const target = this.str(t);
      const path = this.str(p);
      if (target === '') fail('ENOENT');
      const f = fs.resolve(this.from(nd, path), path, false);
      if (f.node) fail('EEXIST');
      if (f.parent.removed) fail('ENOENT');
      fs.symlinkIn(f.parent, f.name, target);
      return 0;
    };
    /** The node a stat-like call names: fd itself with an empty path and AT_EMPTY_PATH. */
    const statTarget = (dirfd: Word, p: Word, flags: number, allowed: number): MemNode | 'stdio' => {
      if (flags & ~allowed) fail('EINVAL');
      const path = u32(p) === 0 && flags & AT_EMPTY_PATH ? '' : this.str(p);
      if (path === '') {
        if (!(flags & AT_EMPTY_PATH)) fail('ENOENT');
        if ((Number(dirfd) | 0) === AT_FDCWD) return this.cwd;
        const f = this.entry(dirfd).file;
        return typeof f.node === 'string' ? 'stdio' : f.node;
      }
      const n = fs.resolve(this.from(dirfd, path), path, !(flags & AT_SYMLINK_NOFOLLOW)).node;
      if (!n) fail('ENOENT');
      return n!;
    };
    const putStat = (buf: Word, n: MemNode | 'stdio'): number => {
      const b = Buffer.alloc(144);
      if (n === 'stdio') {
        b.writeBigUInt64LE(1n, 16);
        b.writeUInt32LE(0o20620, 24);
        b.writeBigInt64LE(1024n, 56);
      } else {
        const size = sizeOf(n);
        b.writeBigUInt64LE(0x4d454dn, 0);
        b.writeBigUInt64LE(BigInt(n.ino), 8);
        b.writeBigUInt64LE(BigInt(n.nlink), 16);
        b.writeUInt32LE(n.mode, 24);
        b.writeBigInt64LE(BigInt(size), 48);
        b.writeBigInt64LE(4096n, 56);
        b.writeBigInt64LE(BigInt(Math.ceil(size / 512)), 64);
        let o = 72;
        for (const t of [n.atime, n.mtime, n.ctime]) {
          b.writeBigInt64LE(BigInt(t.sec), o);
          b.writeBigInt64LE(BigInt(t.nsec), o + 8);
          o += 16;
        }
      }
      this.putOrFault(buf, b);
      return 0;
    };
    const putStatx = (buf: Word, n: MemNode | 'stdio'): number => {
      const b = Buffer.alloc(256);
      b.writeUInt32LE(0x7ff, 0);
      b.writeUInt32LE(n === 'stdio' ? 1024 : 4096, 4);
      if (n === 'stdio') {
        b.writeUInt32LE(1, 16);
        b.writeUInt16LE(0o20620, 28);
      } else {
        const size = sizeOf(n);
        b.writeUInt32LE(n.nlink, 16);
        b.writeUInt16LE(n.mode, 28);
        b.writeBigUInt64LE(BigInt(n.ino), 32);
        b.writeBigUInt64LE(BigInt(size), 40);
        b.writeBigUInt64LE(BigInt(Math.ceil(size / 512)), 48);
        const at = [[64, n.atime], [80, n.ctime], [96, n.ctime], [112, n.mtime]] as const;
        for (const [o, t] of at) {
          b.writeBigInt64LE(BigInt(t.sec), o);
          b.writeUInt32LE(t.nsec, o + 8);
        }
      }
      this.putOrFault(buf, b);
      return 0;
    };
    const iovecs = (iov: Word, cnt: Word): { ptr: number; len: number }[] => {
      const n = Number(cnt) | 0;
      if (n < 0 || n > 1024) fail('EINVAL');
      const raw = Buffer.from(this.bytes(iov, n * 8));
      return Array.from({ length: n }, (_, i) => ({ ptr: raw.readUInt32LE(i * 8), len: raw.readUInt32LE(i * 8 + 4) }));
    };
    const readInto = (fd: Word, buf: Word, n: number, at?: number): number => {
      if (u32(buf) + n > this.u8().length) fail('EFAULT');
      const b = read(fd, n, at);
      this.putOrFault(buf, b);
      return b.length;
    };
    const chmod = (n: MemNode, mode: number): number => {
      n.mode = (n.mode & 0o170000) | (mode & 0o7777);
      n.ctime = now();
      return 0;
    };
    const dupTo = (fd: Word, nfd: number, cloexec: boolean): number => {
      const e = this.entry(fd);
      if (nfd < 0) fail('EBADF');
      this.fds.set(nfd, { file: e.file, cloexec });
      return nfd;
    };

    return {
      read: (fd, buf, n) => readInto(fd, buf, u32(n)),
      pread64: (fd, buf, n, off) => readInto(fd, buf, u32(n), Number(off)),
      readv: (fd, iov, cnt) => {
        let total = 0;
        for (const v of iovecs(iov, cnt)) {
          const got = readInto(fd, v.ptr, v.len);
          total += got;
          if (got < v.len) break;
        }
        return total;
      },
      write: (fd, buf, n) => write(fd, this.bytes(buf, u32(n))),
      pwrite64: (fd, buf, n, off) => write(fd, this.bytes(buf, u32(n)), Number(off)),
      writev: (fd, iov, cnt) => {
        const parts = iovecs(iov, cnt).map((v) => this.bytes(v.ptr, v.len));
        return write(fd, Buffer.concat(parts));
      },
      lseek: (fd, off, whence) => {
        const f = this.entry(fd).file;
        if (typeof f.node === 'string') fail('ESPIPE');
        const size = sizeOf(f.node as MemNode);
        const w = Number(whence);
        const base = w === 0 ? 0 : w === 1 ? f.pos : w === 2 ? size : fail('EINVAL');
        const p = base + Number(off);
        if (p < 0) fail('EINVAL');
        f.pos = p;
        return p;
      },
      open: (p, flags, mode) => open(AT_FDCWD, p, Number(flags), Number(mode)),
      openat: (d, p, flags, mode) => open(d, p, Number(flags), Number(mode)),
      close: (fd) => {
        this.entry(fd);
        this.fds.delete(Number(fd) | 0);
        return 0;
      },
      // An in-memory VFS has no sockets: none can be made, so no fd is one.
      socket: () => fail('EAFNOSUPPORT'),
      bind: (fd) => (this.entry(fd), fail('ENOTSOCK')),
      connect: (fd) => (this.entry(fd), fail('ENOTSOCK')),
      sendto: (fd) => (this.entry(fd), fail('ENOTSOCK')),
      // One instance and no way to copy it: no fork, so never a child to wait for (wait4 checks as kernel_wait4).
      fork: () => fail('ENOSYS'),
      wait4: (pid, _st, options) => fail(BigInt.asUintN(32, BigInt(options)) & ~0xe000000bn ? 'EINVAL' : (Number(pid) | 0) === -0x80000000 ? 'ESRCH' : 'ECHILD'),
      dup: (fd) => this.newFd(this.entry(fd).file, false),
      dup2: (fd, nfd) => {
        this.entry(fd);
        return (Number(fd) | 0) === (Number(nfd) | 0) ? Number(fd) | 0 : dupTo(fd, Number(nfd) | 0, false);
      },
      dup3: (fd, nfd, flags) => {
        if ((Number(fd) | 0) === (Number(nfd) | 0) || Number(flags) & ~O_CLOEXEC) fail('EINVAL');
        return dupTo(fd, Number(nfd) | 0, (Number(flags) & O_CLOEXEC) !== 0);
      },
      fcntl: (fd, cmd, arg) => {
        const e = this.entry(fd);
        switch (Number(cmd)) {
          case 0: case 1030: {
            const min = Number(BigInt.asIntN(32, BigInt(arg)));
            if (min < 0) fail('EINVAL');
            let n = Math.max(min, 0);
            while (this.fds.has(n)) n++;
            this.fds.set(n, { file: e.file, cloexec: Number(cmd) === 1030 });
            return n;
          }
          case 1: return e.cloexec ? 1 : 0;
          case 2: e.cloexec = (Number(arg) & 1) !== 0; return 0;
          case 3: return e.file.flags | (e.file.node === 'stdout' || e.file.node === 'stderr' ? O_WRONLY : 0);
          case 4: {
            const settable = O_APPEND | 0o4000 | 0o40000 | 0o1000000;
            e.file.flags = (e.file.flags & ~settable) | (Number(arg) & settable);
            return 0;
          }
          default: return fail('EINVAL');
        }
      },
      ftruncate: (fd, len) => {
        const f = this.entry(fd).file;
        if (typeof f.node === 'string' || f.node.kind !== 'reg' || (f.flags & O_ACCMODE) === 0 || f.flags & O_PATH) fail(f.flags & O_PATH ? 'EBADF' : 'EINVAL');
        if (Number(len) < 0) fail('EINVAL');
        truncate(f.node as RegNode, Number(len));
        return 0;
      },
      fsync: (fd) => (this.entry(fd), 0),
      fdatasync: (fd) => (this.entry(fd), 0),
      fchmod: (fd, mode) => chmod(this.nodeOf(fd, true), Number(mode)),
      fchdir: (fd) => {
        const n = this.nodeOf(fd);
        if (n.kind !== 'dir') fail('ENOTDIR');
        this.cwd = n as DirNode;
        return 0;
      },
      fstat: (fd, buf) => {
        const f = this.entry(fd).file;
        return putStat(buf, typeof f.node === 'string' ? 'stdio' : f.node);
      },
      getdents64: (fd, dirp, count) => {
        const f = this.entry(fd).file;
        if (typeof f.node === 'string' || f.flags & O_PATH) fail('EBADF');
        const d = f.node as MemNode;
        if (d.kind !== 'dir') fail('ENOTDIR');
        const dir = d as DirNode;
        if (dir.removed) return 0;
        const list: [string, MemNode][] = [['.', dir], ['..', dir.parent], ...dir.entries];
        const cap = u32(count);
        const out = Buffer.alloc(Math.min(cap, 1 << 20));
        let used = 0;
        while (f.pos < list.length) {
          const [name, n] = list[f.pos]!;
          const nb = Buffer.from(name, 'latin1');
          const reclen = (19 + nb.length + 1 + 7) & ~7;
          if (used + reclen > out.length) {
            if (used === 0) fail('EINVAL');
            break;
          }
          out.writeBigUInt64LE(BigInt(n.ino), used);
          out.writeBigInt64LE(BigInt(f.pos + 1), used + 8);
          out.writeUInt16LE(reclen, used + 16);
          out.writeUInt8(n.kind === 'dir' ? 4 : n.kind === 'lnk' ? 10 : 8, used + 18);
          nb.copy(out, used + 19);
          used += reclen;
          f.pos++;
        }
        this.putOrFault(dirp, out.subarray(0, used));
        return used;
      },
      mkdir: (p, mode) => mkdir(AT_FDCWD, p, Number(mode)),
      mkdirat: (d, p, mode) => mkdir(d, p, Number(mode)),
      rmdir: (p) => unlink(AT_FDCWD, p, AT_REMOVEDIR),
      unlink: (p) => unlink(AT_FDCWD, p, 0),
      unlinkat: (d, p, flags) => unlink(d, p, Number(flags)),
      rename: (p, q) => rename(AT_FDCWD, p, AT_FDCWD, q, 0),
      renameat2: (d, p, e, q, flags) => rename(d, p, e, q, Number(flags)),
      link: (p, q) => link(AT_FDCWD, p, AT_FDCWD, q, 0),
      linkat: (d, p, e, q, flags) => link(d, p, e, q, Number(flags)),
      symlink: (t, p) => symlink(t, AT_FDCWD, p),
      symlinkat: (t, d, p) => symlink(t, d, p),
      readlink: (p, buf, n) => {
        const path = this.str(p);
        const node = fs.resolve(this.cwd, path, false).node;
        if (!node) fail('ENOENT');
        if (node!.kind !== 'lnk') fail('EINVAL');
        const body = Buffer.from((node as LnkNode).target, 'latin1').subarray(0, u32(n));
        this.putOrFault(buf, body);
        return body.length;
      },
      stat: (p, buf) => putStat(buf, statTarget(AT_FDCWD, p, 0, 0)),
      lstat: (p, buf) => putStat(buf, statTarget(AT_FDCWD, p, AT_SYMLINK_NOFOLLOW, AT_SYMLINK_NOFOLLOW)),
      newfstatat: (d, p, buf, flags) => putStat(buf, statTarget(d, p, Number(flags), AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | 0x800)),
      statx: (d, p, flags, _mask, buf) => putStatx(buf, statTarget(d, p, Number(flags), AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | 0x800 | 0x6000)),
      access: (p, mode) => {
        if (Number(mode) & ~7) fail('EINVAL');
        statTarget(AT_FDCWD, p, 0, 0);
        return 0;
      },
      faccessat2: (d, p, mode, flags) => {
        if (Number(mode) & ~7) fail('EINVAL');
        statTarget(d, p, Number(flags), AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | 0x200);
        return 0;
      },
      chmod: (p, mode) => {
        const n = statTarget(AT_FDCWD, p, 0, 0);
        return n === 'stdio' ? 0 : chmod(n, Number(mode));
      },
      fchmodat: (d, p, mode, flags) => {
        const n = statTarget(d, p, Number(flags), 0);
        return n === 'stdio' ? 0 : chmod(n, Number(mode));
      },
      utimensat: (d, p, times, flags) => {
        const n = statTarget(d, u32(p) === 0 ? 0 : p, u32(p) === 0 ? Number(flags) | AT_EMPTY_PATH : Number(flags), AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH);
        if (n === 'stdio') return 0;
        const t = now();
        if (u32(times) === 0) n.atime = n.mtime = t;
        else {
          const b = Buffer.from(this.bytes(times, 32));
          const set = (o: number): Time | undefined => {
            const nsec = Number(b.readBigInt64LE(o + 8));
            if (nsec === UTIME_OMIT) return undefined;
            if (nsec === UTIME_NOW) return t;
            if (nsec < 0 || nsec > 999_999_999) fail('EINVAL');
            return { sec: Number(b.readBigInt64LE(o)), nsec };
          };
          const a = set(0);
          const m = set(16);
          if (a) n.atime = a;
          if (m) n.mtime = m;
        }
        n.ctime = t;
        return 0;
      },
      chdir: (p) => {
        const path = this.str(p);
        const n = fs.resolve(this.cwd, path, true).node;
        if (!n) fail('ENOENT');
        if (n!.kind !== 'dir') fail('ENOTDIR');
        this.cwd = n as DirNode;
        return 0;
      },
      getcwd: (buf, size) => {
        const p = fs.pathOf(this.cwd);
        if (p === null) fail('ENOENT');
        const b = Buffer.from(p + '\0', 'latin1');
        if (b.length > u32(size)) fail('ERANGE');
        this.putOrFault(buf, b);
        return b.length;
      },
      exit_group: (code) => {
        throw new GuestExit(Number(code) | 0);
      },
    };
  }
}

function sizeOf(n: MemNode): number {
  return n.kind === 'reg' ? n.size : n.kind === 'lnk' ? n.target.length : 4096;
}

const u32 = (x: Word): number => Number(BigInt.asUintN(32, BigInt(x)));
