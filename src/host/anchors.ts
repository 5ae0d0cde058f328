/**
 * Host operations anchored on objects, not strings (gVisor's gofer holds a host fd per dentry;
 * this is the same guarantee with fds opened per call). Every host operation names one
 * component relative to the host directory fd of its parent dentry, and that fd is opened from
 * its mount's root fd with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)
 * over the model's names: the kernel itself then guarantees that no symlink is followed and
 * nothing outside the mount is reached, whatever another process did to the directories since
 * the model looked. The directory opened is checked against the model (`dev:ino`); a component
 * that is not what the model holds (replaced by a symlink, by another directory, gone) makes
 * the operation fail as stale after the model forgot that name, so the call is decided again
 * on what the disk now holds.
 */
import type { Kernel } from '../state/kernel.js';
import { O_CLOEXEC, O_DIRECTORY, O_NOFOLLOW, O_PATH, RESOLVE_BENEATH, RESOLVE_NO_MAGICLINKS, RESOLVE_NO_SYMLINKS } from '../linux/index.js';
import type { Sys } from './native/sys.js';
import type { HostMounts } from './mounts.js';
import { identOfStat, kindOfStat } from './stat.js';

/** A host directory fd to operate relative to; `release` closes it unless it is a mount root held for the run. */
export interface Anchor {
  readonly fd: number;
  release(): void;
}

/** A directory of the guest namespace with no host object: `/` or an ancestor of mount points. */
export const SYNTHETIC = 'synthetic' as const;

/** -ESTALE: the disk changed under the model; the model forgot the name, decide the call again. */
export const STALE = -116;

const ANCHOR_FLAGS = O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
const BENEATH = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
const NOOP = (): void => undefined;

export class Anchors {
  private readonly st = new Uint8Array(144);

  constructor(private readonly sys: Sys, private readonly kernel: Kernel, private readonly mounts: HostMounts) {}

  /**
   * The host directory behind directory dentry `id`: an O_PATH fd reached from its mount's root
   * without following anything, checked to be the object the model holds; `SYNTHETIC` for a
   * directory with no host object; `-errno` (STALE when the model was out of date).
   */
  dir(id: number): Anchor | typeof SYNTHETIC | number {
    const names: string[] = [];
    const ids: number[] = [];
    let x = id;
    for (let guard = 0; ; guard++) {
      if (this.mounts.at(x) || guard > 4096) break;
      const n = this.kernel.node(x);
      if (!n || n.root) return SYNTHETIC;
      if (n.dead) return -2; // removed: nothing on the disk to act in (ENOENT)
      names.push(n.name);
      ids.push(x);
      x = n.parent;
    }
    const m = this.mounts.at(x);
    if (!m) return SYNTHETIC;
    if (names.length === 0) return { fd: m.rootFd, release: NOOP };
    names.reverse();
    ids.reverse();
    const fd = this.sys.openat2(m.rootFd, names.join('/'), ANCHOR_FLAGS, 0, BENEATH);
    if (fd < 0) {
      // ELOOP (a symlink where a directory was), ENOTDIR, ENOENT, EXDEV: the disk moved on.
      if (fd === -40 || fd === -20 || fd === -2 || fd === -18) return this.refresh(m.rootFd, names, ids);
      return fd;
    }
    const want = this.kernel.node(id)?.ident;
    if (want !== undefined && this.identOf(fd) !== want) {
      this.sys.close(fd);
      return this.refresh(m.rootFd, names, ids);
    }
    return { fd, release: () => void this.sys.close(fd) };
  }

  /** `dev:ino` of an open fd ('' when fstat fails). */
  identOf(fd: number): string {
    return this.sys.fstatat(fd, '', this.st, 0x1000 /* AT_EMPTY_PATH */) === 0 ? identOfStat(this.st) : '';
  }

  /**
   * Finds the first component that is not what the model holds (walking one name at a time,
   * never following) and makes the model forget it; STALE either way (a transient change is
   * simply decided again).
   */
  private refresh(root: number, names: readonly string[], ids: readonly number[]): number {
    let at = root;
    for (let i = 0; i < names.length; i++) {
      const fd = this.sys.openat(at, names[i]!, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0);
      if (at !== root) this.sys.close(at);
      const node = this.kernel.node(ids[i]!);
      const ok = fd >= 0 && this.sys.fstatat(fd, '', this.st, 0x1000) === 0 && kindOfStat(this.st) === 'dir'
        && (node?.ident === undefined || identOfStat(this.st) === node.ident);
      if (!ok) {
        if (fd >= 0) this.sys.close(fd);
        this.kernel.forget(ids[i]!);
        return STALE;
      }
      at = fd;
    }
    if (at !== root) this.sys.close(at);
    return STALE;
  }
}
