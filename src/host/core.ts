/**
 * What every syscall group shares: the model (THE guest fd table, cwd and namespace), the
 * mounts, the host side of open descriptions, and guest memory. Path helpers resolve through
 * the model only; the host's own path walk is never asked to follow anything.
 *
 * TOCTOU limit: the model checks a path and then Node uses the mapped host path. Another host
 * process can swap a directory on that path for a symlink in between; only the last component
 * is opened with O_NOFOLLOW, so such a swap of an intermediate directory is followed by the
 * host kernel. The guest itself cannot do this (every change it makes goes through the model).
 */
import type { Kernel } from '../state/kernel.js';
import type { Call, Observed, Outcome } from '../state/calls.js';
import type { OpenFile, Task } from '../state/types.js';
import { fdEntry } from '../state/files.js';
import { resolveObject, type ResolvedObject } from '../state/inspect.js';
import type { GuestMemory } from '../wali/memory.js';
import type { WasmMemoryObject } from '../wali/wasm.js';
import { HostFiles, type HostFile } from './fdmap.js';
import type { Mounts } from './mounts.js';
import { neg, type Result } from './errno.js';

/** A guest fd as the model and the host see it. */
export interface OpenFd {
  readonly fd: number;
  readonly fileId: number;
  readonly file: OpenFile;
  readonly host: HostFile | undefined;
}

/** Where a resolved object is on the host. */
export type HostTarget =
  | { readonly at: 'path'; readonly path: string; readonly guest: string }
  | { readonly at: 'fd'; readonly host: HostFile }
  | { readonly at: 'synthetic'; readonly guest: string };

/** The state shared by the syscall groups of one NodeWaliHost. */
export class HostCore {
  readonly files = new HostFiles();
  mem: GuestMemory | undefined;
  memory: WasmMemoryObject | undefined;

  constructor(readonly kernel: Kernel, readonly tid: number, readonly mounts: Mounts) {}

  get task(): Task {
    return this.kernel.task(this.tid)!;
  }

  /** Applies a call to the model; without `observed` the model decides the result. */
  model(call: Call, observed?: Observed): Outcome {
    return this.kernel.syscall(this.tid, call, observed);
  }

  /** `-errno` of a failed model outcome, or its return value. */
  outcome(o: Outcome): number {
    return o.ok ? o.ret : neg(o.errno ?? 'EIO');
  }

  /** A NUL-terminated guest path (EFAULT, ENAMETOOLONG). */
  readPath(ptr: number): Result<string> {
    const m = this.mem;
    if (!m) return { errno: 'EFAULT' };
    return m.readCString(ptr);
  }

  /** The open fd, or EBADF (negative and unknown numbers included). */
  openFd(fd: number): Result<OpenFd> {
    const e = fdEntry(this.kernel.s, this.task, fd >>> 0);
    if (e === undefined || e === 'unknown') return { errno: 'EBADF' };
    const file = this.kernel.s.files.get(e.file);
    if (!file) return { errno: 'EBADF' };
    return { fd: fd >>> 0, fileId: e.file, file, host: this.files.get(e.file) };
  }

  /** The model's file id at fd, if open (to release its host side after a close-like call). */
  fileIdAt(fd: number): number | undefined {
    const e = fdEntry(this.kernel.s, this.task, fd >>> 0);
    return e === undefined || e === 'unknown' ? undefined : e.file;
  }

  /** Closes the Node fd of a description the model no longer has. */
  releaseIfGone(fileId: number | undefined): void {
    this.files.releaseIfGone(fileId, (id) => this.kernel.s.files.has(id));
  }

  /** dirfd + path through the model; a resolution failure is Linux's errno. */
  resolve(dirfd: number, path: string, follow: boolean, emptyPath = false): Result<ResolvedObject> {
    const r = resolveObject(this.kernel, this.task, dirfd, path, { follow, emptyPath, steps: false });
    if (r.errno !== undefined) return { errno: r.errno };
    if (r.unknown !== undefined) return { errno: 'EIO' }; // never happens: the host model knows every fd
    return r;
  }

  /**
   * Where an existing resolved object lives on the host: its mapped path, or (when the model
   * shows it deleted, as for `fstatat(fd, "", AT_EMPTY_PATH)` on an unlinked file) an open
   * description of the same dentry. ENOENT when neither exists.
   */
  target(r: ResolvedObject): Result<HostTarget> {
    const d = r.dentry !== undefined ? this.kernel.s.dentries.get(r.dentry) : undefined;
    if (r.anonymous || d?.dead || r.path === undefined) {
      const id = r.dentry;
      const host = this.files.find((fid) => this.kernel.s.files.get(fid)?.dentry === id);
      return host ? { at: 'fd', host } : { errno: 'ENOENT' };
    }
    const hostPath = this.mounts.toHost(r.path);
    if (hostPath === null) return this.mounts.isSynthetic(r.path) ? { at: 'synthetic', guest: r.path } : { errno: 'ENOENT' };
    return { at: 'path', path: hostPath, guest: r.path };
  }

  /** The guest path of the directory a name to be created (or removed) goes in. */
  static parentOf(guest: string): string {
    const i = guest.lastIndexOf('/');
    return i <= 0 ? '/' : guest.slice(0, i);
  }

  /** True when creating or removing names in the parent of `guest` needs a writable mount. */
  readOnlyParent(guest: string): boolean {
    return this.mounts.toHost(HostCore.parentOf(guest)) === null;
  }
}

/** True when a guest path names its last component with a trailing slash. */
export function hasTrailingSlash(path: string): boolean {
  return path.length > 1 && path.endsWith('/') && path.replace(/\/+$/, '') !== '';
}

/** The last component of a path, trailing slashes ignored ('' for "/"). */
export function lastComponent(path: string): string {
  const p = path.replace(/\/+$/, '');
  return p.slice(p.lastIndexOf('/') + 1);
}
