/**
 * What every syscall group shares: the model (THE guest fd table, cwd and namespace) behind its
 * enforcer, the mounts and the anchored host operations, the host side of open descriptions,
 * and guest memory. A group never resolves a path itself: it runs the call the enforcer judged,
 * on the objects the model resolved (`Entry`), anchored as src/host/anchors.ts describes.
 */
import type { Kernel, NodeInfo } from '../state/kernel.js';
import type { OpenFile, Task } from '../state/types.js';
import { fdEntry } from '../state/files.js';
import type { Enforcer, Entry } from '../enforce/enforcer.js';
import type { ResolvedObject } from '../state/inspect.js';
import type { Errno } from '../linux/index.js';
import type { GuestMemory } from '../wali/memory.js';
import { followExit } from '../wali/host-table.js';
import type { WasmMemoryObject } from '../wali/wasm.js';
import { HostFiles, type HostFile } from './fdmap.js';
import type { HostMounts } from './mounts.js';
import type { Sys } from './native/sys.js';
import { SYNTHETIC, type Anchor, type Anchors } from './anchors.js';
import type { Result } from './errno.js';
import { identOfStat } from './stat.js';
import type { GuestProcess } from './processes.js';
import type { WaliExit } from './sys-process.js';

/** A signal's effect on its target: none (ignored, caught or blocked: never delivered) or the end of the process. */
export type SignalAction = 'none' | 'terminate';

/** A guest fd as the model and the host see it. */
export interface OpenFd {
  readonly fd: number;
  readonly fileId: number;
  readonly file: OpenFile;
  readonly host: HostFile | undefined;
}

/**
 * Where an existing object is on the host: one name relative to a host directory fd (`name`
 * '' means the fd itself, with AT_EMPTY_PATH), a synthetic directory, or -errno.
 */
export type HostObject = { readonly fd: number; readonly name: string; release(): void } | typeof SYNTHETIC | number;

const KEEP = (): void => undefined;

/** The state shared by the syscall groups of one NodeWaliHost. */
export class HostCore {
  /** Run once when the guest is gone, before its host fds close (shared file mappings write back). */
  readonly atExit: (() => void)[] = [];
  mem: GuestMemory | undefined;
  memory: WasmMemoryObject | undefined;
  /** The guest process this host runs, in its process tree (Asyncify builds only: processes.ts). */
  proc: GuestProcess | undefined;
  /** Signal dispositions (WALI's 32-byte struct sigaction by signal) and the blocked mask: a child's start as copies of its parent's. */
  signals: { acts: Map<number, Uint8Array>; mask: { value: bigint } } = { acts: new Map(), mask: { value: 0n } };
  /**
   * How the process ended (exit, a fatal signal), once it has: wasm's catch_all can catch the
   * exception that carries it, so every later import throws it again and a `_start` that
   * returns still ends with it.
   */
  ended: WaliExit | undefined;
  /** The process this one was forked from, or the program an execve replaced (its groups' state is inherited). */
  origin: { core: HostCore; exec: boolean } | undefined;
  private readonly states = new Map<string, unknown>();
  /** What a signal sent to this process does, by its disposition and mask (sys-process.ts). */
  signalAction: (sig: number) => SignalAction = () => 'none';

  constructor(
    readonly kernel: Kernel,
    readonly enforcer: Enforcer,
    readonly tid: number,
    readonly sys: Sys,
    readonly mounts: HostMounts,
    readonly anchors: Anchors,
    /** Host descriptions: shared by every process of a tree, as descriptions are shared after fork. */
    readonly files = new HostFiles(),
  ) {}

  /**
   * A syscall group's per-process state (ids, limits, prctl attributes, mappings ...): made fresh
   * for a first process; after fork, `fork` of the parent's; after execve, `exec` of the old
   * program's (omitted: fresh, as for what execve resets).
   */
  own<T>(key: string, fresh: () => T, inherit: { fork: (parent: T) => T; exec?: (old: T) => T }): T {
    const o = this.origin;
    const from = o?.core.states.get(key) as T | undefined;
    const how = o === undefined || from === undefined ? undefined : o.exec ? inherit.exec : inherit.fork;
    const v = how ? how(from!) : fresh();
    this.states.set(key, v);
    return v;
  }

  get task(): Task {
    return this.kernel.task(this.tid)!;
  }

  /**
   * The model follows what a judged call did: the host's result (a value or -errno), or the
   * model's own answer when `ret` is omitted (calls the model decides alone: close, dup ...).
   * Returns what the guest gets.
   */
  exit(e: Entry | undefined, ret?: number, fds?: number[]): number {
    return followExit(this.enforcer, e, ret, fds);
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

  /** Closes the host fd of a description the model no longer has. */
  releaseIfGone(fileId: number | undefined): void {
    this.files.releaseIfGone(fileId, (id) => this.kernel.s.files.has(id));
  }

  node(id: number): NodeInfo | undefined {
    return this.kernel.node(id);
  }

  /** The host directory behind a directory dentry (see Anchors.dir). */
  dir(id: number): Anchor | typeof SYNTHETIC | number {
    return this.anchors.dir(id);
  }

  /**
   * Where an existing object is: its name in its parent's anchored directory; a mount root is
   * its own anchor (''); a removed object is reached through a description open on it.
   */
  object(id: number): HostObject {
    if (this.mounts.at(id)) {
      const a = this.anchors.dir(id);
      return typeof a === 'object' ? { fd: a.fd, name: '', release: () => a.release() } : a;
    }
    const n = this.kernel.node(id);
    if (!n || n.root) return SYNTHETIC;
    if (n.dead || n.anonymous) {
      const host = this.files.find((fid, f) => f.nodeFd >= 0 && this.kernel.s.files.get(fid)?.dentry === id);
      return host ? { fd: host.nodeFd, name: '', release: KEEP } : -2;
    }
    const p = this.anchors.dir(n.parent);
    if (typeof p !== 'object') return p;
    return { fd: p.fd, name: n.name, release: () => p.release() };
  }

  /** Where a resolved object is (existing) or would be made (a new name): its directory's anchor and name. */
  place(o: ResolvedObject): HostObject {
    if (o.exists && o.dentry !== undefined) return this.object(o.dentry);
    if (o.parent === undefined || o.name === undefined) return -2;
    const p = this.anchors.dir(o.parent);
    if (typeof p !== 'object') return p;
    return { fd: p.fd, name: o.name, release: () => p.release() };
  }

  /** `dev:ino` of the object at a place, never following it (undefined when it cannot be read). */
  identAt(at: { fd: number; name: string }): string | undefined {
    const st = new Uint8Array(144);
    return this.sys.fstatat(at.fd, at.name, st, at.name === '' ? 0x1000 : 0x100) === 0 ? identOfStat(st) : undefined;
  }
}

/** An implementation of one SYS_* call, and calls that take no entry: both hosts' shapes (src/wali/host-table.ts). */
export { plainCalls, type SyscallImpl } from '../wali/host-table.js';

export type { Errno };
