/**
 * The guest's processes, for Asyncify builds (asyncify.ts): fork, wait4, the end of a child,
 * signals between the guest's own processes, and setjmp/longjmp.
 *
 * fork: the SYS_fork import unwinds the caller's wasm stack into a region of its linear memory;
 * `_start` returns to `run`, which instantiates the module again for the child, copies the
 * parent's memory and mutable globals into it and rewinds it (SYS_fork returns 0 there). The
 * child runs to its end (exit, a fatal signal, a trap) before the parent is rewound (SYS_fork
 * returns the child's pid): one thread, one model (`Kernel`) and one table of host descriptions
 * for the whole tree, so a host fd closes when the last guest reference anywhere goes. A child
 * that waits for its parent (a pipe its parent has not written, a parent's signal) waits forever,
 * as a Linux process whose parent never runs would.
 *
 * setjmp unwinds too: the frames saved in memory are kept (with the mutable globals, among them
 * the shadow stack pointer) and the stack is rewound at once, setjmp returning 0; longjmp unwinds,
 * puts the saved frames back and rewinds into setjmp, which returns longjmp's value (1 for 0).
 */
import { WA, WASM_PAGE, type Imports, type WasmInstance, type WasmMemoryObject, type WasmModule } from '../wali/wasm.js';
import { WALI_MODULE } from '../wali/table.js';
import { machineOf, plainMachine, REWINDING, UNWINDING, type Machine } from './machine.js';
import { WaliExit } from './sys-process.js';
import { WaliTrap } from './aux.js';
import { WaliExec } from './sys-exec.js';
import type { NodeWaliHost } from './host.js';
import type { OpenFd } from './core.js';
import { neg } from './errno.js';

/** At most this many guest processes at once, zombies included (then fork fails with EAGAIN). */
export const DEFAULT_MAX_PROCESSES = 64;

/** At most this much linear memory in the live processes together when a fork copies one (then ENOMEM). */
export const DEFAULT_TREE_MEMORY = 4 * 1024 * 1024 * 1024;

/** Linear memory kept for unwound frames: 1 MiB, grown once per tree at the first fork or setjmp. */
const FRAME_PAGES = 16;
const SIGABRT = 6;

/** Unwound frames kept by setjmp: the bytes, where they end, the mutable globals then. */
interface JumpPoint {
  frames: Uint8Array;
  top: number;
  globals: unknown[];
}

type Pending = { kind: 'fork'; pid: number } | { kind: 'setjmp'; buf: number } | { kind: 'longjmp'; buf: number; value: number };

/** How a process ended, as wait4 reports it (exit code << 8, or the signal). */
export function waitStatus(e: WaliExit): number {
  return e.signal !== undefined ? e.signal & 0x7f : (e.code & 0xff) << 8;
}

/** One guest process: its host, its instance and its place in the tree. */
export class GuestProcess {
  readonly children = new Set<GuestProcess>();
  /** The wait status once it has ended (a zombie until its parent reaps it). */
  status: number | undefined;
  /** A fatal signal sent while it was suspended in fork: it ends when it would resume. */
  doomed: number | undefined;
  private m: Machine | undefined;
  private pending: Pending | undefined;
  private resume = 0;
  private jumps = new Map<number, JumpPoint>();
  /** Where unwound frames go: grown once per program image at the end of its memory (0: not yet). */
  private region = 0;

  constructor(
    readonly tree: ProcessTree,
    readonly pid: number,
    readonly parent: GuestProcess | undefined,
    /** The host of the program it runs (a new one after execve). */
    public host: NodeWaliHost,
    /** The module it runs and its bytes (an execve replaces them). */
    public image: Image,
  ) {}

  /** After execve: another program in this process, from its start; nothing of the old image is kept. */
  replace(host: NodeWaliHost, image: Image, m: Machine): void {
    this.host = host;
    this.image = image;
    this.m = m;
    this.pending = undefined;
    this.jumps = new Map();
    this.region = 0;
  }

  /** The region for unwound frames, made the first time (a fork then cannot fail half-way): its address, or undefined when memory cannot grow. */
  frameRegion(): number | undefined {
    if (this.region === 0) {
      try {
        this.region = this.machine.memory.grow(FRAME_PAGES) * WASM_PAGE;
      } catch {
        return undefined;
      }
    }
    return this.region;
  }

  bind(m: Machine): void {
    this.m = m;
  }

  private get machine(): Machine {
    if (!this.m) throw new WaliTrap('the guest process has no instance');
    return this.m;
  }

  /** Where unwound frames go (the same address in a fork child's copy of the memory). */
  private frames(): number {
    const at = this.frameRegion();
    if (at === undefined) throw new WaliTrap('no memory left for the unwound stack');
    const dv = new DataView(this.machine.memory.buffer);
    dv.setInt32(at, at + 8, true);
    dv.setInt32(at + 4, at + FRAME_PAGES * WASM_PAGE, true);
    return at;
  }

  /**
   * Whether a blocking wait on `o` can never end: this process is a forked one, so every other
   * live guest process is suspended until it ends, and nothing outside the guest holds a pipe
   * the guest made. (Linux would wait for the parent to write; here the wait is EDEADLK.)
   */
  waitsForever(o: OpenFd): boolean {
    if (!this.parent) return false;
    const n = this.host.kernel.node(o.file.dentry);
    return n !== undefined && n.anonymous && n.kind === 'fifo';
  }

    /** Its linear memory's size now (0 once it has ended: its instance is released). */
  get memoryBytes(): number {
    return this.status === undefined ? this.m?.memory.buffer.byteLength ?? 0 : 0;
  }

  /** The process has ended: its instance and memory go (a zombie keeps only its status). */
  release(): void {
    this.m = undefined;
    this.jumps = new Map();
    const core = this.host.hostCore;
    core.mem = undefined;
    core.memory = undefined;
  }

  /** Whether its program can unwind (fork needs it). */
  get canUnwind(): boolean {
    return this.m?.async === true;
  }

  /** In an async import: true when the stack is being rewound into it (it returns `resume`). */
  rewinding(): boolean {
    if (this.m?.state() !== REWINDING) return false;
    this.m.stopRewind();
    return true;
  }

  get resumeValue(): number {
    return this.resume;
  }

  /** Unwinds for `p`; the import's return value is ignored while unwinding. */
  unwind(p: Pending): void {
    const at = this.frames();
    this.pending = p;
    this.machine.startUnwind(at);
  }

  /**
   * Runs `_start` (or rewinds into it) until the process ends. Returns when `_start` returns;
   * exit, a fatal signal and traps are thrown, as without processes.
   */
  run(): void {
    for (;;) {
      const m = this.machine;
      try {
        m.start();
      } catch (e) {
        if (!(e instanceof WaliExec)) throw e;
        this.tree.exec(this, e);
        continue;
      }
      const ended = this.host.hostCore.ended;
      if (ended) throw ended; // it caught its own exit and returned
      if (m.state() !== UNWINDING) return;
      m.stopUnwind();
      const p = this.pending;
      this.pending = undefined;
      if (!p) throw new WaliTrap('the guest unwound without a fork or setjmp');
      const at = this.region;
      if (p.kind === 'fork') {
        this.tree.runChild(this, p.pid);
        this.resume = p.pid;
        if (this.doomed !== undefined) throw WaliExit.signalled(this.doomed);
      } else if (p.kind === 'setjmp') {
        const dv = new DataView(m.memory.buffer);
        const top = dv.getInt32(at, true);
        this.jumps.set(p.buf, { frames: new Uint8Array(m.memory.buffer.slice(at + 8, top)), top, globals: m.globals.map((g) => g.value) });
        this.resume = 0;
      } else {
        const j = this.jumps.get(p.buf);
        if (!j) throw new WaliTrap('longjmp to a jmp_buf that no setjmp of this process filled');
        new Uint8Array(m.memory.buffer).set(j.frames, at + 8);
        new DataView(m.memory.buffer).setInt32(at, j.top, true);
        m.globals.forEach((g, i) => (g.value = j.globals[i]));
        this.resume = p.value === 0 ? 1 : p.value;
      }
      m.startRewind(at);
    }
  }

  /** The child's copy of this process at a fork: memory, mutable globals, jump points. */
  copyInto(child: GuestProcess, m: Machine): void {
    const src = this.machine.memory;
    const grow = (src.buffer.byteLength - m.memory.buffer.byteLength) / WASM_PAGE;
    if (grow > 0) m.memory.grow(grow);
    new Uint8Array(m.memory.buffer).set(new Uint8Array(src.buffer));
    this.machine.globals.forEach((g, i) => {
      const to = m.globals[i];
      if (to) to.value = g.value;
    });
    child.jumps = new Map(this.jumps);
    child.region = this.region;
    child.resume = 0;
    child.bind(m);
  }

  /** Starts the rewind of a freshly copied child (its fork returns 0). */
  rewindChild(): void {
    this.machine.startRewind(this.region);
  }
}

/** A program: its compiled module and the bytes it was compiled from (their imported memory's limits). */
export interface Image {
  module: WasmModule;
  bytes: Uint8Array;
}

export interface TreeOptions {
  /** The imports of a process's host for `image`, with a fresh memory when the module imports its memory. */
  importsFor: (host: NodeWaliHost, image: Image) => { imports: Imports; memory: WasmMemoryObject | undefined };
  /** The bytes an execve'd module runs as (memory limits, the Asyncify build when it can be had synchronously). */
  prepare: (bytes: Uint8Array) => { bytes: Uint8Array; asyncified: boolean };
  maxProcesses?: number;
  /** Bytes of linear memory the live processes may hold together when a fork copies one (default 4 GiB). */
  maxTreeMemory?: number;
}

/** Every guest process of one run (the root is the process `runWali` started). */
export class ProcessTree {
  readonly byPid = new Map<number, GuestProcess>();
  private readonly max: number;
  private readonly memoryBudget: number;

  constructor(private readonly opts: TreeOptions) {
    this.max = opts.maxProcesses ?? DEFAULT_MAX_PROCESSES;
    this.memoryBudget = opts.maxTreeMemory ?? DEFAULT_TREE_MEMORY;
  }

  /** The root process on `host`, its instance already made. */
  adopt(host: NodeWaliHost, image: Image, instance: WasmInstance, memory: WasmMemoryObject): GuestProcess {
    const p = new GuestProcess(this, host.tid, undefined, host, image);
    p.bind(machineOf(instance, memory));
    this.byPid.set(p.pid, p);
    host.hostCore.proc = p;
    return p;
  }

  /** The import object's async imports, which rewind into their caller or unwind it. */
  static wrapImports(imports: Imports, proc: () => GuestProcess | undefined): void {
    const wali = imports[WALI_MODULE];
    if (!wali) return;
    for (const name of ['SYS_fork', 'SYS_vfork']) {
      const inner = wali[name];
      if (typeof inner !== 'function') continue;
      wali[name] = (...a: unknown[]): bigint => {
        const p = proc();
        if (p?.rewinding()) return BigInt(p.resumeValue);
        return (inner as (...a: unknown[]) => bigint)(...a);
      };
    }
    for (const name of ['setjmp', 'sigsetjmp']) {
      if (!(name in wali)) continue;
      wali[name] = (buf: unknown): number => {
        const p = proc();
        if (!p) return 0;
        if (p.rewinding()) return p.resumeValue;
        p.unwind({ kind: 'setjmp', buf: (buf as number) >>> 0 });
        return 0;
      };
    }
    for (const name of ['longjmp', 'siglongjmp']) {
      if (!(name in wali)) continue;
      wali[name] = (buf: unknown, value: unknown): void => {
        const p = proc();
        if (!p) throw new WaliTrap('longjmp is not supported by this host');
        p.unwind({ kind: 'longjmp', buf: (buf as number) >>> 0, value: value as number });
      };
    }
  }

  /**
   * A pid for a new process: -EAGAIN when the tree is full (zombies count, as for RLIMIT_NPROC),
   * -ENOMEM when the copy of `parent`'s memory would take the live processes past the budget.
   */
  reservePid(parent: GuestProcess): number {
    if (this.byPid.size >= this.max) return neg('EAGAIN');
    let live = parent.memoryBytes;
    for (const p of this.byPid.values()) live += p.memoryBytes;
    if (live > this.memoryBudget) return neg('ENOMEM');
    // The model keeps reaped tasks, so pids are not reused (Linux reuses them after pid_max).
    let max = 1;
    for (const tid of this.kernel().s.tasks.keys()) if (tid > max) max = tid;
    return max + 1;
  }

  private kernel(): NodeWaliHost['kernel'] {
    const root = this.byPid.values().next().value;
    if (!root) throw new WaliTrap('the process tree has no root');
    return root.host.kernel;
  }

  /** Instantiates the child of `parent` (the model already holds task `pid`) and runs it to its end. */
  runChild(parent: GuestProcess, pid: number): void {
    const host = parent.host.forkHost(pid);
    const child = new GuestProcess(this, pid, parent, host, parent.image);
    host.hostCore.proc = child;
    parent.children.add(child);
    this.byPid.set(pid, child);
    let status: number;
    try {
      const { imports, memory } = this.opts.importsFor(host, parent.image);
      ProcessTree.wrapImports(imports, () => child);
      const instance = new WA.Instance(parent.image.module, imports) as WasmInstance;
      const mem = memory ?? (instance.exports['memory'] as WasmMemoryObject);
      const bound = memory && instance.exports['memory'] === undefined ? { exports: { ...instance.exports, memory } } : instance;
      parent.copyInto(child, machineOf(instance, mem));
      host.attach(bound);
      child.rewindChild();
      child.run();
      status = 0;
    } catch (e) {
      if (e instanceof WaliExit) status = waitStatus(e);
      else if (e instanceof WaliTrap || e instanceof WA.RuntimeError || e instanceof WA.CompileError || e instanceof WA.LinkError || e instanceof RangeError) status = SIGABRT;
      else throw e;
    }
    this.ended(child, status);
  }

  /**
   * execve succeeded (the model has run it): the process runs the new module from its start, on a
   * new host for the same task (argv, environment, fresh memory and per-process state). Past the
   * point of no return, a module that cannot be instantiated ends the process (a trap).
   */
  exec(p: GuestProcess, x: WaliExec): void {
    for (const f of p.host.hostCore.atExit.splice(0)) f();
    const prepared = this.opts.prepare(x.bytes);
    const image: Image = { module: new WA.Module(prepared.bytes), bytes: prepared.bytes };
    const host = p.host.execHost(x.args, x.env);
    host.hostCore.proc = p;
    const { imports, memory } = this.opts.importsFor(host, image);
    if (prepared.asyncified) ProcessTree.wrapImports(imports, () => p);
    const instance = new WA.Instance(image.module, imports) as WasmInstance;
    const mem = memory ?? (instance.exports['memory'] as WasmMemoryObject);
    const bound = memory && instance.exports['memory'] === undefined ? { exports: { ...instance.exports, memory } } : instance;
    host.attach(bound);
    p.replace(host, image, prepared.asyncified ? machineOf(instance, mem) : plainMachine(instance, mem));
  }

  /** A process ended: its fds close now (pipes see EOF), its task stays in the model until reaped. */
  private ended(p: GuestProcess, status: number): void {
    p.status = status;
    const core = p.host.hostCore;
    for (const f of core.atExit.splice(0)) f();
    const k = p.host.kernel;
    const t = k.task(p.pid);
    const ids = t ? [...(k.s.tables.get(t.files)?.fds.values() ?? [])].map((e) => e.file) : [];
    k.syscall(p.pid, { sys: 'close_range', first: 0, last: 0xffffffff, flags: 0 });
    for (const id of ids) core.releaseIfGone(id);
    p.release();
    // Its own children are reparented to init, which reaps them.
    for (const c of [...p.children]) this.reap(p, c);
  }

  /** The parent collects a zombie: it leaves the tree and the model. */
  reap(parent: GuestProcess, c: GuestProcess): void {
    parent.children.delete(c);
    this.byPid.delete(c.pid);
    c.host.kernel.syscall(c.pid, { sys: 'exit', group: true }, { ok: true, ret: 0 });
  }

  /** The root has ended: every process left is reaped (the model sees every task exit); an execve'd root's mappings are written back. */
  end(): void {
    for (const p of [...this.byPid.values()]) {
      for (const f of p.host.hostCore.atExit.splice(0)) f();
      for (const c of [...p.children]) this.reap(p, c);
    }
  }

  /** Live or zombie guest process `pid`. */
  find(pid: number): GuestProcess | undefined {
    return this.byPid.get(pid);
  }
}
