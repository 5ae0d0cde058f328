/**
 * Views: where the model learns about names the syscall stream did not create.
 * `live` reads the host through lstat/readlink (cached), `empty` knows nothing exists,
 * `snapshot` answers from a JSON listing. What the model learns from syscalls always overrides
 * the view: a view is asked at most once per name, the first time the model needs it.
 */
import { lstatSync, readlinkSync, readdirSync, readFileSync } from 'node:fs';
import type { InodeKind } from './types.js';

export interface ViewEntry {
  kind: InodeKind;
  /** Symlink body. */
  target?: string;
  /** Device numbers `major:minor` of a char/block device. */
  rdev?: string;
  /** A mount point: another filesystem starts here. */
  mount?: boolean;
  /** The object's identity where it lives (a host's `dev:ino`), for hosts that check the model against their disk. */
  ident?: string;
}

export interface View {
  readonly name: string;
  /** What is at this absolute path, without following a final symlink; null when nothing. */
  lookup(path: string): ViewEntry | null;
  /** Names inside a directory; null when the view cannot say. */
  list(path: string): string[] | null;
  /**
   * For a view that is the disk the modelled calls really change (a host running the guest):
   * the child of a directory dentry, asked of the directory as an object rather than by the
   * path it was first seen at, so that renames (the guest's or anyone's) can never send the
   * question elsewhere. When present, `lookup` and `list` are not used for directories.
   */
  child?(dir: number, name: string): ViewEntry | null;
  /**
   * The view is the disk the modelled calls really change (a pass-through host's filesystem),
   * asked by path: a directory is asked about at its path now (the guest's renames moved it on
   * the disk too), not where it was first seen; a snapshot of a starting tree leaves it unset.
   */
  readonly live?: boolean;
  /** Names inside a directory dentry (with `child`). */
  names?(dir: number): string[] | null;
}

export const emptyView: View = {
  name: 'empty',
  live: false,
  lookup: (path) => (path === '/' ? { kind: 'dir' } : null),
  list: () => [],
};

/** The object kind of a stat mode (S_IFMT bits). */
export function kindOfMode(mode: number): InodeKind {
  switch (mode & 0o170000) {
    case 0o040000: return 'dir';
    case 0o100000: return 'reg';
    case 0o120000: return 'lnk';
    case 0o010000: return 'fifo';
    case 0o140000: return 'sock';
    case 0o020000: return 'chr';
    case 0o060000: return 'blk';
    default: return 'unknown';
  }
}

/** glibc's gnu_dev_major/minor on a Linux dev_t. */
function devString(rdev: number): string {
  const major = ((rdev >>> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
  const minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xff);
  return `${major}:${minor}`;
}

/**
 * The host filesystem, read lazily through node:fs and cached for the life of the view. With
 * `root`, the guest's `/` is that host directory (its names are asked at `root` + path).
 */
export function liveView(root = '/', opts: { live?: boolean } = {}): View {
  const mounts = hostMounts();
  const base = root.replace(/\/+$/, '');
  const host = (path: string): string => (base === '' ? path : path === '/' ? base : base + path);
  // Read as a snapshot (an audit of a recording), each path is read once; as the disk a host
  // changes (`live`), never cached by path: a path names other objects after a rename, and the
  // model already remembers each name per directory.
  const cache = opts.live ? undefined : new Map<string, ViewEntry | null>();
  return {
    name: base === '' ? 'live' : `live at ${base}`,
    live: opts.live === true,
    lookup(path) {
      const hit = cache?.get(path);
      if (hit !== undefined) return hit;
      const entry = hostEntry(host(path), mounts);
      cache?.set(path, entry);
      return entry;
    },
    list(path) {
      try {
        return readdirSync(Buffer.from(host(path), 'latin1'), { encoding: 'latin1' });
      } catch {
        return null;
      }
    },
  };
}

/** What is at a host path (lstat, readlink), or null (absent, or the host does not tell: EACCES ...). */
export function hostEntry(path: string, mounts: ReadonlySet<string>): ViewEntry | null {
  try {
    const bytes = Buffer.from(path, 'latin1'); // model paths are byte strings
    const st = lstatSync(bytes, { throwIfNoEntry: false });
    if (!st) return null;
    const kind = kindOfMode(st.mode);
    const entry: ViewEntry = { kind };
    if (kind === 'lnk') entry.target = readlinkSync(bytes, 'latin1');
    if (kind === 'chr' || kind === 'blk') entry.rdev = devString(st.rdev);
    if (mounts.has(path)) entry.mount = true;
    return entry;
  } catch {
    return null;
  }
}

/** Mount points of this host (/proc/self/mountinfo field 5, octal escapes decoded). */
export function hostMounts(): Set<string> {
  const out = new Set<string>();
  try {
    for (const line of readFileSync('/proc/self/mountinfo', 'latin1').split('\n')) {
      const at = line.split(' ')[4];
      if (at) out.add(at.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
    }
  } catch {
    // Not Linux, or no /proc: no mount points known.
  }
  return out;
}

/** JSON form of a snapshot view: absolute path → entry. Parents are implied directories. */
export interface SnapshotJson {
  entries: Record<string, ViewEntry>;
}

export function snapshotView(snapshot: SnapshotJson): View {
  const entries = new Map<string, ViewEntry>([['/', { kind: 'dir' }]]);
  const children = new Map<string, Set<string>>();
  for (const [path, entry] of Object.entries(snapshot.entries)) {
    const parts = path.split('/').filter((p) => p !== '');
    let dir = '/';
    for (let i = 0; i < parts.length; i++) {
      const child = dir === '/' ? `/${parts[i]}` : `${dir}/${parts[i]}`;
      let set = children.get(dir);
      if (!set) children.set(dir, (set = new Set()));
      set.add(parts[i]!);
      if (i < parts.length - 1 && !entries.has(child)) entries.set(child, { kind: 'dir' });
      dir = child;
    }
    entries.set(dir, entry);
  }
  return {
    name: 'snapshot',
    live: false,
    lookup: (path) => entries.get(path) ?? null,
    list: (path) => [...(children.get(path) ?? [])],
  };
}

export function loadSnapshotView(file: string): View {
  return snapshotView(JSON.parse(readFileSync(file, 'utf8')) as SnapshotJson);
}
