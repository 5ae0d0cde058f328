/**
 * Views: where the model learns about names the syscall stream did not create. `empty` knows
 * nothing exists, `snapshot` answers from a JSON listing (the live disk is live-view.ts). What
 * the model learns from syscalls always overrides the view: a view is asked at most once per
 * name, the first time the model needs it.
 */
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
