/**
 * The guest namespace: host directories mounted at absolute guest paths. A guest path maps to
 * the host through the longest mount whose guest path is the path or a prefix of it plus '/';
 * ancestors of mount points (and `/`) are synthetic read-only directories; nothing else exists.
 *
 * All paths here are byte strings (one char per byte, as the model keeps them); node:fs gets
 * them back as Buffers so names that are not UTF-8 survive.
 */
import { lstatSync, readdirSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { kindOfMode, type View, type ViewEntry } from '../state/view.js';
import { HostSetupError } from './errno.js';

/** A host directory → absolute guest path, as HostOptions gives it (UTF-8 strings). */
export interface MountSpec {
  host: string;
  guest: string;
}

export interface Mount {
  /** Index in mount order; identifies the filesystem for EXDEV checks. */
  readonly id: number;
  /** Normalised absolute guest path (byte string). */
  readonly guest: string;
  /** Real host path of the directory (byte string). */
  readonly host: string;
}

/** A byte string as node:fs wants it. */
export function bytes(path: string): Buffer {
  return Buffer.from(path, 'latin1');
}

/** A UTF-8 JS string as the byte string the model uses. */
export function toByteString(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

/** `/a//b/` → `/a/b`; '.' and '..' are refused: a mount point must be spelled plainly. */
function normalise(guest: string): string {
  if (!guest.startsWith('/')) throw new HostSetupError(`mount guest path must be absolute: ${guest}`);
  const parts = guest.split('/').filter((p) => p !== '');
  if (parts.some((p) => p === '.' || p === '..')) throw new HostSetupError(`mount guest path must not contain . or ..: ${guest}`);
  return '/' + parts.join('/');
}

function under(path: string, prefix: string): boolean {
  return prefix === '/' ? path.startsWith('/') : path === prefix || path.startsWith(prefix + '/');
}

/**
 * The mount table.
 *
 * @example
 * ```ts
 * const m = new Mounts([{ host: '/tmp/work', guest: '/work' }]);
 * m.toHost('/work/a.txt'); // '/tmp/work/a.txt'
 * m.toHost('/');           // null: synthetic
 * m.isSynthetic('/');      // true
 * ```
 */
export class Mounts {
  readonly list: readonly Mount[];

  constructor(specs: readonly MountSpec[]) {
    const seen = new Set<string>();
    this.list = specs.map((s, id) => {
      const guest = normalise(toByteString(s.guest));
      if (seen.has(guest)) throw new HostSetupError(`two mounts at ${guest}`);
      seen.add(guest);
      let real: string;
      try {
        real = realpathSync(s.host);
      } catch (e) {
        throw new HostSetupError(`mount source ${s.host}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      }
      if (!statSync(real).isDirectory()) throw new HostSetupError(`mount source is not a directory: ${s.host}`);
      return { id, guest, host: toByteString(real) };
    });
  }

  /** The mount a guest path lies in (longest prefix), if any. */
  mountOf(guest: string): Mount | undefined {
    let best: Mount | undefined;
    for (const m of this.list) if (under(guest, m.guest) && (!best || m.guest.length > best.guest.length)) best = m;
    return best;
  }

  /** The host path behind a guest path; null for synthetic or non-existent places. */
  toHost(guest: string): string | null {
    const m = this.mountOf(guest);
    if (!m) return null;
    const rest = guest.slice(m.guest === '/' ? 0 : m.guest.length);
    return rest === '' ? m.host : m.host === '/' ? rest : m.host + rest;
  }

  /** True when the guest path is exactly a mount point. */
  isMountPoint(guest: string): boolean {
    return this.list.some((m) => m.guest === guest);
  }

  /** True for `/` and for ancestors of mount points that no mount covers. */
  isSynthetic(guest: string): boolean {
    return this.mountOf(guest) === undefined && (guest === '/' || this.list.some((m) => under(m.guest, guest)));
  }

  /** Names directly under `dir` that are mount points or synthetic ancestors of one. */
  childMountNames(dir: string): string[] {
    const out = new Set<string>();
    for (const m of this.list) {
      if (m.guest === dir || !under(m.guest, dir)) continue;
      const rest = m.guest.slice(dir === '/' ? 1 : dir.length + 1);
      out.add(rest.split('/')[0]!);
    }
    return [...out];
  }

  /** The guest namespace as the model's View (not cached: the model caches). */
  view(): View {
    return {
      name: 'wali-mounts',
      tracksChanges: true, // the guest's calls change these very directories
      lookup: (path) => this.lookup(path),
      list: (path) => this.names(path),
    };
  }

  private lookup(path: string): ViewEntry | null {
    const host = this.toHost(path);
    const anchor = this.isMountPoint(path) || this.list.some((m) => m.guest !== path && under(m.guest, path));
    if (host !== null) {
      try {
        const st = lstatSync(bytes(host), { throwIfNoEntry: false });
        if (st) {
          const kind = kindOfMode(st.mode);
          const entry: ViewEntry = { kind };
          if (kind === 'lnk') entry.target = readlinkSync(bytes(host), 'latin1');
          if (this.isMountPoint(path)) entry.mount = true;
          return entry;
        }
      } catch {
        // EACCES, ELOOP...: the host will not say; absent unless a mount needs the name.
      }
    }
    // An ancestor of a mount point exists even where its parent mount has no such directory.
    return anchor ? { kind: 'dir' } : null;
  }

  private names(path: string): string[] | null {
    const out = new Set(this.childMountNames(path));
    const host = this.toHost(path);
    if (host !== null) {
      try {
        for (const n of readdirSync(bytes(host), { encoding: 'latin1' })) out.add(n);
      } catch {
        return out.size ? [...out] : null;
      }
    }
    return [...out];
  }
}
