/**
 * The Kernel: the model's state plus its view, and the entry point for syscalls as events.
 * It implements what the resolver needs (fd → dentry, cwd, root, /proc task lookups) and what
 * callers ask (what does fd N of task T name, what is its cwd), answering "unknown" instead of
 * guessing whenever the model never saw an object.
 */
import type { Dentry, InodeKind, State, Task } from './types.js';
import { emptyView, type View } from './view.js';
import { E, isErr, unknownErr, type Err } from './errors.js';

const PREDICTED_OK: Outcome = Object.freeze({ ok: true, ret: 0 });
import { anonDentry, canLookup, create, dentry, forget, inodeOf, isEmptyDir, lookupChild, newState, pathOf } from './namespace.js';
import { fdEntry, fsOf, install, newFile, newTable, tableOf } from './files.js';
import { resolvePath, type ResolveEnv, type Veil } from './resolve.js';
import type { Call, Failed, Observed, Outcome } from './calls.js';
import { commitOpen as commitPlannedOpen, planOpen, type PlannedOpen } from './sys/open.js';
import { failure } from './sys/run.js';
import type { LifecycleEvent } from './lifecycle.js';
import { dispatch } from './sys/dispatch.js';
import { O_LARGEFILE, O_RDWR } from '../linux/index.js';

export interface KernelOptions {
  view?: View;
  /** Run over this state instead of a new one (an immer draft, for snapshots and patches). */
  state?: State;
  /** Synthesise /proc (default true); false when the namespace has no procfs, as for a WALI guest. */
  procfs?: boolean;
}

/** An inherited fd declared by the caller (`--inherit 0=/dev/null`). */
export interface InheritedFd {
  fd: number;
  path: string;
  flags?: number;
  cloexec?: boolean;
}

export interface SpawnOptions {
  tid: number;
  /** Absolute start directory; undefined leaves the cwd unknown. */
  cwd?: string | undefined;
  /** fds the task starts with. */
  fds?: InheritedFd[];
  /** When true, fds not listed are unknown rather than closed. */
  partialFds?: boolean;
  nofile?: number;
  umask?: number;
}

/** A dentry as a host sees it (Kernel.node). */
export interface NodeInfo {
  readonly id: number;
  readonly parent: number;
  readonly name: string;
  readonly kind: InodeKind;
  /** Unlinked, removed or forgotten: no longer reachable by name. */
  readonly dead: boolean;
  readonly mount: boolean;
  readonly anonymous: boolean;
  /** The model's root (its own parent). */
  readonly root: boolean;
  readonly ident: string | undefined;
}

/** What an fd names, as /proc/PID/fd/N would. */
export type FdLabel =
  | { kind: 'path'; path: string; deleted: boolean; dev?: string }
  | { kind: 'anon'; inode: number; type: string; proto?: string; addr?: string; peer?: number; name?: string };

export class Kernel implements ResolveEnv {
  readonly s: State;
  readonly view: View;
  /** Called when a recorded result contradicts the model's prediction (before it learns). */
  onDivergence: ((model: Err, observed: Observed) => void) | undefined;
  /** Hears task lifecycle events and unknowns (see lifecycle.ts); unset on the hot path. */
  lifecycle: ((e: LifecycleEvent) => void) | undefined;

  readonly procfs: boolean;

  /**
   * Names hidden from the guest (an enforcing driver sets it from its policy): every walk sees
   * them as absent, so a hidden name is indistinguishable from one that does not exist.
   */
  veil: Veil | undefined;

  constructor(opts: KernelOptions = {}) {
    this.s = opts.state ?? newState();
    this.view = opts.view ?? emptyView;
    this.procfs = opts.procfs ?? true;
  }

  // ---- ResolveEnv ----
  fdDentry(task: Task, fd: number): number | Err {
    const e = fdEntry(this.s, task, fd);
    if (e === undefined) return 0;
    if (e === 'unknown') return unknownErr(`fd ${fd} of task ${task.tid} was opened before the model saw it`);
    const f = this.s.files.get(e.file)!;
    if (f.unknown) return unknownErr(`fd ${fd} of task ${task.tid} refers to an object the model could not resolve`);
    return f.dentry;
  }

  cwdOf(task: Task): number | Err {
    const cwd = fsOf(this.s, task).cwd;
    return cwd === 0 ? unknownErr(`the cwd of task ${task.tid} is unknown`) : cwd;
  }

  rootOf(task: Task): number {
    return fsOf(this.s, task).root;
  }

  hasTask(pid: number): boolean {
    const t = this.s.tasks.get(pid);
    return !!t && !t.exited;
  }

  hasFd(pid: number, fd: number): boolean | null {
    const t = this.s.tasks.get(pid);
    if (!t) return false;
    const e = fdEntry(this.s, t, fd);
    return e === 'unknown' ? null : e !== undefined;
  }

  // ---- tasks ----
  task(tid: number): Task | undefined {
    return this.s.tasks.get(tid);
  }

  /** Creates a task that did not come from a clone the model saw (the first traced process). */
  spawn(o: SpawnOptions): Task {
    const s = this.s;
    const table = newTable(s, o.partialFds ?? false);
    const cwd = o.cwd === undefined ? 0 : this.learnDir(o.cwd);
    const fs = { id: s.nextId++, cwd, root: s.rootDentry, umask: o.umask ?? 0o022, refs: 1 };
    s.fsContexts.set(fs.id, fs);
    const task: Task = { tid: o.tid, tgid: o.tid, files: table.id, fs: fs.id, exited: false };
    s.tasks.set(task.tid, task);
    s.groups.set(task.tid, { tgid: task.tid, nofile: o.nofile ?? 1024, members: [task.tid] });
    for (const inh of o.fds ?? []) this.inherit(task, inh);
    this.lifecycle?.({ type: 'task.spawn', tid: task.tid, tgid: task.tgid });
    return task;
  }

  /** Declares an fd the task already has (opened before the model saw it). */
  inherit(task: Task, inh: InheritedFd): void {
    const r = resolvePath(this, task, -100, inh.path, { follow: true, learn: true });
    let d: number;
    if (typeof r === 'number') d = r;
    else {
      const parent = this.learnDir(inh.path.replace(/\/[^/]*$/, '') || '/');
      d = create(this.s, dentry(this.s, parent), inh.path.replace(/^.*\//, ''), 'unknown').id;
    }
    const f = newFile(this.s, d, dentry(this.s, d).inode, inh.flags ?? (O_RDWR | O_LARGEFILE));
    install(this.s, task, inh.fd, f.id, inh.cloexec ?? false);
  }

  /** The dentry of an absolute directory path, creating missing parts as learned directories. */
  learnDir(path: string): number {
    const probe: Task = { tid: 0, tgid: 0, files: 0, fs: -1, exited: false };
    const fs = { id: -1, cwd: this.s.rootDentry, root: this.s.rootDentry, umask: 0, refs: 1 };
    this.s.fsContexts.set(-1, fs);
    try {
      const r = resolvePath(this, probe, -100, path, { follow: true, mustDir: true, learn: true });
      if (typeof r === 'number') return r;
      // The last component is missing (or not a directory): learn it as a directory.
      const parent = resolvePath(this, probe, -100, path.replace(/\/+[^/]*\/*$/, '') || '/', { follow: true, learn: true });
      if (typeof parent !== 'number') throw new Error(`cannot learn ${path}: ${parent.errno}`);
      const made = create(this.s, dentry(this.s, parent), path.replace(/\/+$/, '').replace(/^.*\//, ''), 'dir');
      made.learned = true;
      return made.id;
    } finally {
      this.s.fsContexts.delete(-1);
    }
  }

  // ---- questions callers ask ----
  /** What fd N of a task names now; null when closed; 'unknown' when the model cannot say. */
  describeFd(tid: number, fd: number): FdLabel | null | 'unknown' {
    const task = this.s.tasks.get(tid);
    if (!task) return 'unknown';
    const e = fdEntry(this.s, task, fd);
    if (e === undefined) return null;
    if (e === 'unknown') return 'unknown';
    const f = this.s.files.get(e.file)!;
    if (f.unknown) return 'unknown';
    return this.describeDentry(f.dentry);
  }

  describeDentry(id: number): FdLabel {
    const d = dentry(this.s, id);
    const inode = inodeOf(this.s, d);
    if (inode.anon?.type === 'memfd') return { kind: 'path', path: `/${inode.anon.name ?? 'memfd:'}`, deleted: true };
    if (inode.anon) return { kind: 'anon', inode: inode.id, ...inode.anon };
    const label: FdLabel = { kind: 'path', path: pathOf(this.s, id), deleted: d.dead };
    if (inode.rdev !== undefined) label.dev = `${inode.kind === 'blk' ? 'block' : 'char'} ${inode.rdev}`;
    return label;
  }

  /** The cwd of a task as a label, or 'unknown'. */
  describeCwd(tid: number): FdLabel | 'unknown' {
    const task = this.s.tasks.get(tid);
    if (!task) return 'unknown';
    const cwd = fsOf(this.s, task).cwd;
    return cwd === 0 ? 'unknown' : this.describeDentry(cwd);
  }

  /** Whether fd N of a task is open: true, false, or null when unknown. */
  isOpen(tid: number, fd: number): boolean | null {
    return this.hasFd(tid, fd);
  }

  /** A new anonymous object (pipe, socket, eventfd ...) as a dentry outside the tree. */
  anon(kind: InodeKind, label: { type: string; proto?: string; name?: string }): Dentry {
    return anonDentry(this.s, kind, label);
  }

  isDir(id: number): boolean {
    return canLookup(this.s, id);
  }

  // ---- what a host needs of the model's objects (it never reads the raw maps) ----
  /** A dentry as a host sees it: its name in its parent, its kind, whether it is still named. */
  node(id: number): NodeInfo | undefined {
    const d = this.s.dentries.get(id);
    if (!d) return undefined;
    const inode = this.s.inodes.get(d.inode);
    return { id, parent: d.parent, name: d.name, kind: inode?.kind ?? 'unknown', dead: d.dead, mount: d.mount === true, anonymous: d.anonymous === true, root: d.parent === d.id, ident: inode?.ident };
  }

  /** The dentry named `name` in directory `dir` as the model holds it (hidden names included), or 0. */
  childOf(dir: number, name: string): number {
    const d = this.s.dentries.get(dir);
    return d ? lookupChild(this.s, this.view, d, name) : 0;
  }

  /** Records where an object lives on the host (`dev:ino`), learned when the host made it. */
  setIdent(id: number, ident: string): void {
    const d = this.s.dentries.get(id);
    const inode = d && this.s.inodes.get(d.inode);
    if (inode) inode.ident = ident;
  }

  /** The disk no longer matches this name (another process changed it): forget it (see namespace.forget). */
  forget(id: number): void {
    const d = this.s.dentries.get(id);
    // A mount root is held by the host for the run (bind semantics): it is never stale.
    if (d && d.parent !== d.id && !d.mount) forget(this.s, d);
  }

  /** Mounts the filesystem of a mount root (or the model's root) read-only: creations there fail EROFS. */
  markReadonly(id: number): void {
    const d = this.s.dentries.get(id);
    if (d) d.readonly = true;
  }

  /** What the model holds of name `name` in `dir` is stale: the view is asked again next time. */
  forgetName(dir: number, name: string): void {
    const d = this.s.dentries.get(dir);
    const id = d?.children.get(name);
    if (id === undefined || !d) return;
    if (id === 0) d.children.delete(name);
    else this.forget(id);
  }

  /** The umask of a task's fs context. */
  umaskOf(tid: number): number {
    const t = this.s.tasks.get(tid);
    return t ? fsOf(this.s, t).umask : 0o022;
  }

  /** Makes a directory dentry the root of a mounted filesystem (links and renames do not cross it). */
  markMount(id: number): void {
    const d = this.s.dentries.get(id);
    if (!d) return;
    d.mount = true;
    d.complete = false; // its names are what the mounted directory holds
  }

  /** Set while `predict` runs (see sys/run.ts). */
  predicting = false;

  /**
   * Whether a prediction may list a directory to find ENOTEMPTY. Linux checks emptiness after
   * the security hooks, so an enforcer predicts without listing first and lists only once the
   * policy allowed the call: a guest cannot make the model read a directory it may not delete.
   */
  listsForEmptiness = true;

  /** Set when a prediction without listing met a directory whose emptiness would decide it. */
  emptinessDeferred = false;

  /** Whether directory `d` has entries, as far as a prediction may look (see `listsForEmptiness`). */
  notEmpty(d: Dentry): boolean {
    if (!this.listsForEmptiness) {
      this.emptinessDeferred = true;
      return false;
    }
    return isEmptyDir(this.s, this.view, d) === false;
  }

  /**
   * What Linux would answer to a call, without applying it: its errno in the kernel's order of
   * checks, or `ok` (the return value is not computed). An enforcer asks before a host runs the
   * call, so a call the model knows will fail never reaches the host and fails for the reason
   * Linux would give.
   */
  predict(tid: number, call: Call): Outcome {
    const task = this.s.tasks.get(tid);
    if (!task || task.exited) return { ok: false, unknown: `no task ${tid}` };
    // These apply their effect without a plan: nothing to check before they run.
    if (call.sys === 'umask' || call.sys === 'nofile' || call.sys === 'sendfds' || call.sys === 'recvfds' || call.sys === 'exit') return PREDICTED_OK;
    this.predicting = true;
    try {
      return dispatch(this, task, call, undefined);
    } finally {
      this.predicting = false;
    }
  }

  /**
   * What an open will do (the fd, F_GETFL of the new description, the validated flags and the
   * object it lands on: an existing dentry, a name it creates, an O_TMPFILE's directory), or
   * Linux's errno, without changing the model. A host opens exactly this target.
   */
  predictOpen(tid: number, call: Extract<Call, { sys: 'openat' }>): PlannedOpen | Failed {
    const task = this.s.tasks.get(tid);
    if (!task || task.exited) return { ok: false, unknown: `no task ${tid}` };
    const p = planOpen(this, task, call, false, false);
    return isErr(p) ? failure(p) : p;
  }

  /**
   * Applies an open planned by `predictOpen` that the host carried out, with the fd it returned,
   * without walking the path again. The plan must be fresh: no name changed since it was made.
   */
  commitOpen(tid: number, plan: PlannedOpen, ret: number): Outcome {
    const task = this.s.tasks.get(tid);
    if (!task || task.exited) return { ok: false, unknown: `no task ${tid}` };
    return commitPlannedOpen(this, task, plan, ret);
  }

  /**
   * Applies one syscall of task `tid`. Without `observed` the model computes the result as
   * Linux would; with it (replay, interposition) the model follows what really happened.
   */
  syscall(tid: number, call: Call, observed?: Observed): Outcome {
    const task = this.s.tasks.get(tid);
    if (!task) return { ok: false, unknown: `no task ${tid}` };
    const out = dispatch(this, task, call, observed);
    if (this.lifecycle && !out.ok && out.unknown) this.lifecycle({ type: 'unknown', tid, why: out.unknown });
    return out;
  }
}

export { E };
