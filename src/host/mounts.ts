/**
 * The guest namespace: host directories mounted at absolute guest paths. Each mount holds an
 * O_PATH fd on its host directory for the whole run and is attached to a dentry of the model,
 * so the mount table follows dentries, not strings: renaming a directory above a mount point
 * moves the mount with it, as in Linux. `/` and ancestors of mount points outside any mount are
 * synthetic read-only directories; nothing else exists for the guest.
 *
 * One host directory is one model dentry: two mounts of the same host directory, or of one
 * inside another, would give it two names with two caches, so they are refused (HostSetupError),
 * by host identity (`dev:ino` up the real parent chain), not by comparing path strings.
 *
 * Paths here are byte strings (one char per byte, as the model keeps them).
 */
import type { Kernel } from '../state/kernel.js';
import { O_CLOEXEC, O_DIRECTORY, O_NOFOLLOW, O_PATH } from '../linux/index.js';
import type { Sys } from './native/sys.js';
import { HostSetupError } from './errno.js';
import { byteString, errnoName } from '../linux/index.js';
import { identOfStat } from './stat.js';

/** A host directory → absolute guest path, as HostOptions gives it (UTF-8 strings). */
export interface MountSpec {
  host: string;
  guest: string;
  /** A directory the host made for itself (the env file's): exempt from the overlap check. */
  internal?: boolean;
}

export interface HostMount {
  /** Normalised absolute guest path at setup (byte string; the dentry is what counts after). */
  readonly guest: string;
  /** The host path as given (for messages). */
  readonly host: string;
  /** O_PATH|O_DIRECTORY fd on the host directory, held for the run. */
  readonly rootFd: number;
  /** `dev:ino` of the host directory. */
  readonly ident: string;
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

const DIR_PATH = O_PATH | O_DIRECTORY | O_CLOEXEC;

/**
 * The mount table.
 *
 * @example
 * ```ts
 * const m = new HostMounts([{ host: '/tmp/work', guest: '/work' }], loadSys());
 * m.attach(kernel); // the model's /work is now the mount of /tmp/work
 * ```
 */
export class HostMounts {
  readonly list: readonly HostMount[];
  private readonly byDentry = new Map<number, HostMount>();
  private readonly st = new Uint8Array(144);

  constructor(specs: readonly MountSpec[], private readonly sys: Sys) {
    const seen = new Set<string>();
    const opened: HostMount[] = [];
    try {
      for (const s of specs) {
        const guest = normalise(byteString(s.guest));
        if (seen.has(guest)) throw new HostSetupError(`two mounts at ${guest}`);
        seen.add(guest);
        const fd = sys.openat(-100, byteString(s.host), DIR_PATH, 0);
        if (fd === -20) throw new HostSetupError(`mount source is not a directory: ${s.host}`);
        if (fd < 0) throw new HostSetupError(`mount source ${s.host}: ${errnoName(-fd)}`);
        opened.push({ guest, host: s.host, rootFd: fd, ident: this.identOf(fd) });
      }
      this.refuseOverlaps(opened, specs);
    } catch (e) {
      for (const m of opened) sys.close(m.rootFd);
      throw e;
    }
    this.list = opened;
  }

  /** Attaches every mount to its dentry in the model, outermost first. */
  attach(kernel: Kernel): void {
    const order = [...this.list].sort((a, b) => a.guest.split('/').length - b.guest.split('/').length);
    for (const m of order) {
      this.requireParents(m);
      const id = kernel.learnDir(m.guest);
      kernel.markMount(id);
      // The dentry is the mounted directory now, not the one it covers.
      kernel.setIdent(id, m.ident);
      this.byDentry.set(id, m);
    }
  }

  /** The mount whose root is this dentry. */
  at(dentry: number): HostMount | undefined {
    return this.byDentry.get(dentry);
  }

  /** Whether a guest path (at setup) is a mount point or leads to one: synthetic directories' entries. */
  leadsToMount(guest: string): boolean {
    return this.list.some((m) => under(m.guest, guest));
  }

  /** Names directly under guest directory `dir` that are mount points or lead to one. */
  childMountNames(dir: string): string[] {
    const out = new Set<string>();
    for (const m of this.list) {
      if (m.guest === dir || !under(m.guest, dir)) continue;
      out.add(m.guest.slice(dir === '/' ? 1 : dir.length + 1).split('/')[0]!);
    }
    return [...out];
  }

  /** Closes the mount roots (the guest has exited). */
  close(): void {
    for (const m of this.list) this.sys.close(m.rootFd);
  }

  private identOf(fd: number): string {
    return this.sys.fstatat(fd, '', this.st, 0x1000) === 0 ? identOfStat(this.st) : '';
  }

  /** Every host directory above `fd` (by `dev:ino`, up the real parent chain). */
  private ancestors(fd: number): Set<string> {
    const out = new Set<string>();
    let prev = this.identOf(fd);
    let cur = this.sys.openat(fd, '..', DIR_PATH, 0);
    for (let guard = 0; cur >= 0 && guard < 4096; guard++) {
      const id = this.identOf(cur);
      if (id === prev) break; // the host's root is its own parent
      out.add(id);
      const up = this.sys.openat(cur, '..', DIR_PATH, 0);
      this.sys.close(cur);
      prev = id;
      cur = up;
    }
    if (cur >= 0) this.sys.close(cur);
    return out;
  }

  private refuseOverlaps(ms: readonly HostMount[], specs: readonly MountSpec[]): void {
    const checked = ms.filter((_, i) => !specs[i]!.internal);
    for (const a of checked) {
      const above = this.ancestors(a.rootFd);
      for (const b of checked) {
        if (a === b) continue;
        if (a.ident === b.ident) throw new HostSetupError(`${a.host} and ${b.host} are the same host directory: mount it once (one host directory, one guest name)`);
        if (above.has(b.ident)) throw new HostSetupError(`${a.host} is inside ${b.host}, which is mounted too: mount it once (one host directory, one guest name)`);
      }
    }
  }

  /**
   * A mount point inside another mount needs its parent directories there, as in Linux (the
   * mount point itself may be missing: it is the mounted directory's name).
   */
  private requireParents(m: HostMount): void {
    const outer = this.list
      .filter((o) => o !== m && o.guest !== m.guest && under(m.guest, o.guest))
      .sort((a, b) => b.guest.length - a.guest.length)[0];
    if (!outer) return;
    const rest = m.guest.slice(outer.guest === '/' ? 1 : outer.guest.length + 1).split('/').slice(0, -1);
    let at = outer.rootFd;
    for (const [i, name] of rest.entries()) {
      const fd = this.sys.openat(at, name, DIR_PATH | O_NOFOLLOW, 0);
      if (at !== outer.rootFd) this.sys.close(at);
      if (fd < 0) throw new HostSetupError(`mount at ${m.guest}: ${outer.host}/${rest.slice(0, i + 1).join('/')} must be a directory (the mount point's parents exist in ${outer.guest}'s host directory)`);
      at = fd;
    }
    if (at !== outer.rootFd) this.sys.close(at);
  }
}
