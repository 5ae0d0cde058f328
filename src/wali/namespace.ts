/**
 * The guest's namespace as a value: what exists for it (a `View`), where it starts (`cwd`) and
 * whether it has Linux's `/proc`. The interposer's model resolves every path in it, so it must be
 * the namespace the host really gives the guest: a model that resolves in another one judges
 * other objects than the host touches. There is no default; `wrap()` refuses to start without one.
 */
import { posix } from 'node:path';
import type { Kernel } from '../state/kernel.js';
import { snapshotView, type SnapshotJson, type View, type ViewEntry } from '../state/view.js';
import { hostEntry, hostMounts, liveView } from '../state/live-view.js';
import { readdirSync } from 'node:fs';

export interface Namespace {
  /** What the guest can see: asked once per name, the first time the model needs it. */
  readonly view: View;
  /** The guest's start directory, absolute. */
  readonly cwd: string;
  /** Whether the guest sees Linux's `/proc` (`/proc/self/fd/N` ...). */
  readonly procfs: boolean;
  /**
   * How the host resolves the path strings it is handed: `linux` (the kernel, as a pass-through
   * host does) or `text` (its own VFS, or guest paths mapped onto host paths with path.resolve:
   * `..` removes the name before it). With `text`, a path passes only when its text names the
   * same object as Linux's walk (not `l/../x` through a symlink `l`): what the policy judged is
   * what such a host touches.
   */
  readonly hostPaths: 'linux' | 'text';
  /** Applied to the model once it exists (read-only synthetic directories). */
  readonly prepare?: (kernel: Kernel) => void;
}

type HostPaths = Namespace['hostPaths'];

/** A host directory seen by the guest at an absolute guest path. */
export interface GuestMount {
  host: string;
  guest: string;
}

function absolute(what: string, p: string): string {
  if (!p.startsWith('/')) throw new TypeError(`namespace: ${what} must be an absolute path (got ${JSON.stringify(p)})`);
  return posix.normalize(p).replace(/(.)\/$/, '$1');
}

/**
 * This machine's filesystem, as a pass-through host gives it (the guest's paths and fds are the
 * machine's, as in WAMR-style embeddings). With `root`, the guest's `/` is that host directory
 * (a host that prefixes every guest path with it). `/proc` exists when the root is `/`.
 */
export function machineNamespace(opts: { cwd: string; root?: string; procfs?: boolean; hostPaths?: HostPaths }): Namespace {
  const root = absolute('root', opts.root ?? '/');
  return { view: liveView(root, { live: true }), cwd: absolute('cwd', opts.cwd), procfs: opts.procfs ?? root === '/', hostPaths: opts.hostPaths ?? (root === '/' ? 'linux' : 'text') };
}

/**
 * A mount table, as `fdwarden run` gives it: only the mounted host directories exist, at their
 * guest paths; `/` and the ancestors of mount points are empty read-only directories (creations
 * there fail with EROFS), and the longest mount wins. No `/proc` unless a mount provides one.
 */
export function mountNamespace(mounts: readonly GuestMount[], opts: { cwd?: string; hostPaths?: HostPaths } = {}): Namespace {
  if (mounts.length === 0) throw new TypeError('namespace: a mount table needs at least one mount');
  const table = mounts.map((m) => ({ host: absolute('a mount\'s host directory', m.host), guest: absolute('a mount\'s guest path', m.guest) }));
  const seen = new Set<string>();
  for (const m of table) {
    if (seen.has(m.guest)) throw new TypeError(`namespace: two mounts at ${m.guest}`);
    seen.add(m.guest);
  }
  const cwd = absolute('cwd', opts.cwd ?? table[0]!.guest);
  return {
    view: mountView(table),
    cwd,
    procfs: false,
    hostPaths: opts.hostPaths ?? 'text',
    prepare: (kernel) => {
      const root = kernel.learnDir('/');
      if (!seen.has('/')) kernel.markReadonly(root);
    },
  };
}

/** An in-memory tree (a snapshot: absolute path → entry; parents are directories). */
export function treeNamespace(tree: SnapshotJson, opts: { cwd: string; procfs?: boolean; hostPaths?: HostPaths }): Namespace {
  return { view: snapshotView(tree), cwd: absolute('cwd', opts.cwd), procfs: opts.procfs ?? false, hostPaths: opts.hostPaths ?? 'text' };
}

/**
 * Any `View` (a host's own VFS, say), with the guest's cwd and whether `/proc` exists. The view
 * is taken to answer for the host's state now (`live`: a directory is asked about at its path
 * now, after the guest's renames) unless it says otherwise (`live: false`, a snapshot of the
 * starting tree, asked where a directory was first seen).
 */
export function viewNamespace(view: View, opts: { cwd: string; procfs?: boolean; hostPaths?: HostPaths }): Namespace {
  const live = view.live ?? true;
  const v: View = view.live === live ? view : Object.create(view, { live: { value: live } });
  return { view: v, cwd: absolute('cwd', opts.cwd), procfs: opts.procfs ?? false, hostPaths: opts.hostPaths ?? 'text' };
}

const inside = (path: string, dir: string): boolean => dir === '/' || path === dir || path.startsWith(`${dir}/`);

/** The view of a mount table over this machine's filesystem, by path (what a mounting host does). */
function mountView(table: readonly GuestMount[]): View {
  const byDepth = [...table].sort((a, b) => b.guest.length - a.guest.length);
  const points = new Set(table.map((m) => m.guest));
  const machineMounts = hostMounts();
  /** The host path behind a guest path, or undefined for a synthetic directory. */
  const hostOf = (path: string): string | undefined => {
    const m = byDepth.find((x) => inside(path, x.guest));
    if (!m) return undefined;
    return path === m.guest ? m.host : m.host + path.slice(m.guest === '/' ? 0 : m.guest.length);
  };
  const synthetic = (path: string): boolean => table.some((m) => inside(m.guest, path)) && !points.has(path) && hostOf(path) === undefined;
  /** Names directly under `dir` that are mount points or lead to one. */
  const mountNames = (dir: string): string[] =>
    [...new Set(table.filter((m) => m.guest !== dir && inside(m.guest, dir)).map((m) => m.guest.slice(dir === '/' ? 1 : dir.length + 1).split('/')[0]!))];
  return {
    name: 'mounts',
    // The disk a mounting host changes: asked at a directory's path now, never cached by path.
    live: true,
    lookup(path) {
      let entry: ViewEntry | null;
      if (path === '/' || synthetic(path)) entry = { kind: 'dir' };
      else {
        const host = hostOf(path);
        entry = host === undefined ? null : hostEntry(host, machineMounts);
        if (entry && points.has(path)) entry = entry.kind === 'dir' ? { ...entry, mount: true } : null;
        // A mount point's ancestors inside another mount must be directories there; a name that
        // leads to a mount is a directory whatever covers it.
        if (!points.has(path) && table.some((m) => m.guest !== path && inside(m.guest, path))) entry = { kind: 'dir' };
      }
      return entry;
    },
    list(path) {
      const host = path === '/' || synthetic(path) ? undefined : hostOf(path);
      let names: string[] = [];
      if (host !== undefined) {
        try {
          names = readdirSync(Buffer.from(host, 'latin1'), { encoding: 'latin1' });
        } catch {
          return null;
        }
      }
      return [...new Set([...names, ...mountNames(path)])];
    },
  };
}
