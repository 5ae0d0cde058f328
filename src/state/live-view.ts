/**
 * Views of this machine's filesystem, read through node:fs: the live disk (for audits with
 * `--fs live` and pass-through hosts) and snapshot files. Kept apart from view.ts so that the
 * model and the policy engine load without Node's built-ins.
 */
import { lstatSync, readlinkSync, readdirSync, readFileSync } from 'node:fs';
import { kindOfMode, snapshotView, type SnapshotJson, type View, type ViewEntry } from './view.js';

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

export function loadSnapshotView(file: string): View {
  return snapshotView(JSON.parse(readFileSync(file, 'utf8')) as SnapshotJson);
}
