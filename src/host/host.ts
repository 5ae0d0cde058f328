/**
 * NodeWaliHost: runs a single-threaded WALI guest on Node with the model (src/state) as its
 * kernel state and a policy deciding every call (src/enforce). Each SYS_* import is one turn of
 * the enforcement loop: decode (the one decoding every adapter shares) → the enforcer resolves
 * and judges → the host runs exactly what was judged, anchored on the model's objects
 * (anchors.ts) → the model follows the real result. Guest fds are the model's fd table.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kernel } from '../state/kernel.js';
import type { View } from '../state/view.js';
import type { GuestWord } from '../wali/memory.js';
import { attachMemory, fdFastPath } from '../wali/host-table.js';
import { WA, WaliModuleError, type ImportValue, type Imports, type WasmInstance, type WasmModule } from '../wali/wasm.js';
import { WALI_MODULE, WALI_SYSCALL_PREFIX } from '../wali/table.js';
import { decodeWali } from '../wali/decode.js';
import { engineFor } from '../rules/engine.js';
import type { Engine } from '../rules/judge.js';
import type { IrPolicy } from '../rules/ir.js';
import { FD_RIGHTS } from '../rules/requests.js';
import { Enforcer } from '../enforce/enforcer.js';
import { grantInherited } from '../enforce/grants.js';
import { entryDecision, plainDecision, type DecisionEvent } from '../enforce/decisions.js';
import { O_CLOEXEC, O_NONBLOCK } from '../linux/index.js';
import { HostCore, plainCalls, type SyscallImpl } from './core.js';
import { HostMounts, type MountSpec } from './mounts.js';
import { byteString } from '../linux/bytes.js';
import { Anchors, STALE } from './anchors.js';
import { namespaceView } from './view.js';
import { loadSys, type Sys } from './native/sys.js';
import { auxCalls, WaliTrap } from './aux.js';
import { untilEnded } from '../wali/endings.js';
import { openCalls } from './sys-open.js';
import { fdinfo } from './fdmap.js';
import { fdCalls } from './sys-fds.js';
import { ioCalls } from './sys-io.js';
import { direntCalls } from './sys-dirents.js';
import { nameCalls } from './sys-names.js';
import { metaCalls } from './sys-meta.js';
import { memCalls, PageMap } from './mem.js';
import { processCalls, WaliExit } from './sys-process.js';
import { idCalls } from './sys-ids.js';
import { limitCalls } from './sys-limits.js';
import { taskCalls } from './sys-task.js';
import { futexCalls } from './sys-futex.js';
import { fsinfoCalls } from './sys-fsinfo.js';
import { pipeCalls } from './sys-pipes.js';
import { pollCalls } from './sys-poll.js';
import { socketCalls } from './sys-sockets.js';
import { forkCalls } from './sys-fork.js';
import { WaliExec } from './sys-exec.js';
import { HostSetupError, neg, negOf } from './errno.js';
import { kindOfStat } from './stat.js';
import { isatty } from 'node:tty';

export interface HostOptions {
  /** argv; argv[0] is the program name. */
  args: string[];
  /** The guest environment (default: none). */
  env?: Record<string, string>;
  /** Mounts: host directory → absolute guest path. Nothing else exists for the guest. */
  dirs: MountSpec[];
  /** The guest cwd (default: the first mount's guest path, or `/`). */
  cwd?: string;
  /** Host fds behind guest fds 0, 1, 2 (default [0, 1, 2]). */
  stdio?: [number, number, number];
  /** The policy every call is decided by (a compiled engine or a lowered policy); default: allow everything. */
  policy?: Engine | IrPolicy;
  /** Hears decisions (an audit log). Unset costs nothing. */
  onDecision?: (e: DecisionEvent) => void;
  /** Which decisions onDecision hears: `all` (default) or only `denials`. */
  decisions?: 'all' | 'denials';
  /** Hears every syscall import: its name, arguments and result (debugging). */
  trace?: (name: string, args: readonly unknown[], ret: bigint) => void;
}

/** Where the env file is mounted when the guest has an environment. */
export const ENV_GUEST_DIR = '/.wali';

/** How many times a call is decided again when the disk changed under the model (then ESTALE). */
const RETRIES = 3;

const ALLOW_ALL: IrPolicy = { abi: 1, default: { effect: 'allow', errno: 'EACCES' }, unknown: { effect: 'deny', errno: 'EACCES' }, rules: [] };

/**
 * A WALI host for one guest process (task tid 1 in `kernel`).
 *
 * @example
 * ```ts
 * const host = new NodeWaliHost({ args: ['lua', '-e', 'print(1)'], dirs: [{ host: '/tmp/w', guest: '/work' }], policy });
 * const module = await WA.compile(bytes);
 * const instance = await WA.instantiate(module, host.getImportObject(module));
 * const status = host.start(instance); // 0
 * host.kernel.describeFd(host.tid, 1); // the guest's stdout, as the model sees it
 * ```
 */
export class NodeWaliHost {
  readonly kernel: Kernel;
  readonly view: View;
  readonly enforcer: Enforcer;
  readonly tid: number;
  private readonly core: HostCore;
  private readonly sys: Sys;
  private readonly mounts: HostMounts;
  private readonly impls = new Map<string, SyscallImpl>();
  private readonly aux: Record<string, (...a: unknown[]) => number | void>;
  private readonly opts: HostOptions;
  private readonly hearAllowed: boolean;
  private envDir: string | undefined;
  private envFile: string | undefined;
  /** A process forked from another: its host fds and mounts are the tree's, released by it. */
  private readonly forked: boolean = false;

  constructor(opts: HostOptions, fork?: { parent: NodeWaliHost; tid: number; exec?: boolean }) {
    this.opts = opts;
    this.hearAllowed = opts.onDecision !== undefined && (opts.decisions ?? 'all') === 'all';
    let envFile: string | undefined;
    if (fork) {
      // A forked process: the same model, mounts and host descriptions; its own task and memory.
      const p = fork.parent;
      this.forked = true;
      this.sys = p.sys;
      this.mounts = p.mounts;
      this.view = p.view;
      this.kernel = p.kernel;
      this.enforcer = p.enforcer;
      this.tid = fork.tid;
      this.core = new HostCore(this.kernel, this.enforcer, this.tid, this.sys, this.mounts, p.core.anchors, p.core.files);
      this.core.origin = { core: p.core, exec: fork.exec === true };
      // fork copies the signal dispositions and the mask (pending signals are the parent's);
      // execve keeps the mask and ignored signals, and caught ones go back to their default.
      const acts = new Map(p.core.signals.acts);
      if (fork.exec) for (const [sig, act] of acts) if (new DataView(act.buffer, act.byteOffset, 4).getUint32(0, true) > 1) acts.delete(sig);
      this.core.signals = { acts, mask: { value: p.core.signals.mask.value } };
      this.envDir = p.envDir;
      envFile = fork.exec ? this.rewriteEnv(opts.env) : p.envFile;
    } else {
      try {
        this.sys = loadSys();
      } catch (e) {
        throw new HostSetupError((e as Error).message);
      }
      const specs: MountSpec[] = [...opts.dirs];
      this.tid = 1;
      envFile = this.writeEnv(opts.env, specs);
      this.mounts = new HostMounts(specs, this.sys);
      const late: { kernel?: Kernel; anchors?: Anchors } = {};
      this.view = namespaceView(this.sys, this.mounts, late);
      // The guest namespace has only its mounts: no synthetic /proc.
      this.kernel = new Kernel({ view: this.view, procfs: false });
      late.kernel = this.kernel;
      const anchors = new Anchors(this.sys, this.kernel, this.mounts);
      late.anchors = anchors;
      this.kernel.spawn({ tid: this.tid, cwd: '/', fds: [] });
      this.mounts.attach(this.kernel);
      const root = this.kernel.learnDir('/');
      // `/` and the ancestors of mount points are synthetic: read-only.
      if (!this.mounts.at(root)) this.kernel.markReadonly(root);
      const policy = opts.policy ?? ALLOW_ALL;
      const engine = 'decide' in policy ? policy : engineFor(policy);
      this.enforcer = new Enforcer(this.kernel, engine, { veil: true });
      this.core = new HostCore(this.kernel, this.enforcer, this.tid, this.sys, this.mounts, anchors);
      const cwd = byteString(opts.cwd ?? opts.dirs[0]?.guest ?? '/');
      const moved = this.kernel.syscall(this.tid, { sys: 'chdir', path: cwd });
      if (!moved.ok) throw new HostSetupError(`guest cwd ${opts.cwd ?? cwd}: ${moved.errno ?? moved.unknown}`);
      this.installStdio(opts.stdio ?? [0, 1, 2]);
      grantInherited(this.kernel, engine, this.kernel.task(this.tid)!);
    }
    const pages = this.core.own('pages', () => new PageMap(this.core), { fork: (parent) => parent.copyFor(this.core) });
    const groups = [openCalls(this.core), fdCalls(this.core), direntCalls(this.core), nameCalls(this.core), metaCalls(this.core), processCalls(this.core)];
    for (const g of groups) for (const [name, fn] of Object.entries(g)) this.impls.set(name, fn as SyscallImpl);
    for (const [name, fn] of Object.entries(plainCalls(ioCalls(this.core)))) this.impls.set(name, fn);
    for (const [name, fn] of Object.entries(plainCalls(memCalls(this.core, pages)))) this.impls.set(name, fn);
    for (const g of [idCalls(this.core), limitCalls(this.core), taskCalls(this.core, opts.args[0] ?? ''), futexCalls(this.core), fsinfoCalls(this.core)]) for (const [name, fn] of Object.entries(g)) this.impls.set(name, fn);
    for (const [name, fn] of Object.entries({ ...pipeCalls(this.core), ...pollCalls(this.core), ...socketCalls(this.core) })) this.impls.set(name, fn);
    for (const [name, fn] of Object.entries(forkCalls(this.core))) this.impls.set(name, fn);
    this.envFile = envFile;
    this.aux = auxCalls(this.core, { args: opts.args.map(byteString), envFile });
  }

  /** The host of the program an execve starts in this process (the model has run the exec). @internal */
  execHost(args: string[], env: Record<string, string>): NodeWaliHost {
    return new NodeWaliHost({ ...this.opts, args, env }, { parent: this, tid: this.tid, exec: true });
  }

  /**
   * An execve'd program's environment, written where the first program's was (its env file,
   * read at start by WALI's libc). Without one (the first program had no environment, so
   * nothing is mounted for it) the new program has none; entries a line cannot hold are dropped.
   */
  private rewriteEnv(env: Record<string, string> | undefined): string | undefined {
    if (this.envDir === undefined) return undefined;
    const lines = Object.entries(env ?? {}).filter(([k, v]) => k !== '' && !k.includes('=') && !k.includes('\n') && !v.includes('\n'));
    writeFileSync(join(this.envDir, 'env'), lines.map(([k, v]) => `${k}=${v}\n`).join(''));
    return `${ENV_GUEST_DIR}/env`;
  }

  /** The host of process `tid`, forked from this one (the model has cloned the task). @internal */
  forkHost(tid: number): NodeWaliHost {
    return new NodeWaliHost(this.opts, { parent: this, tid });
  }

  /** What the syscall groups share (for the process tree). @internal */
  get hostCore(): HostCore {
    return this.core;
  }

  /** The env file WALI's libc reads at start, in a directory of its own mounted at ENV_GUEST_DIR. */
  private writeEnv(env: Record<string, string> | undefined, specs: MountSpec[]): string | undefined {
    const entries = Object.entries(env ?? {});
    if (entries.length === 0) return undefined;
    for (const [k, v] of entries) {
      if (k === '' || k.includes('=') || k.includes('\n') || v.includes('\n')) throw new HostSetupError(`environment entry cannot be passed to a WALI guest: ${JSON.stringify(k)}`);
    }
    this.envDir = mkdtempSync(join(tmpdir(), 'fdwarden-wali-env-'));
    writeFileSync(join(this.envDir, 'env'), entries.map(([k, v]) => `${k}=${v}\n`).join(''));
    specs.push({ host: this.envDir, guest: ENV_GUEST_DIR, internal: true });
    return `${ENV_GUEST_DIR}/env`;
  }

  private installStdio(stdio: [number, number, number]): void {
    const st = new Uint8Array(144);
    stdio.forEach((hostFd, fd) => {
      this.kernel.syscall(this.tid, { sys: 'anon', kind: 'stdio', cloexec: false, nonblock: false }, { ok: true, ret: fd });
      const id = this.core.fileIdAt(fd);
      if (id === undefined) return;
      // A file or device behind stdio (`< in`, `> out`) has positions (pread works) and its own
      // status flags (F_GETFL, the access mode); O_NONBLOCK may be Node's doing, not the guest's.
      const kind = this.sys.fstatat(hostFd, '', st, 0x1000) === 0 ? kindOfStat(st) : 'unknown';
      const positional = kind === 'reg' || kind === 'blk' || (kind === 'chr' && !isatty(hostFd));
      const info = fdinfo(hostFd);
      const file = this.kernel.s.files.get(id);
      if (info && file) file.flags = info.flags & ~(O_CLOEXEC | O_NONBLOCK);
      this.core.files.set(id, { nodeFd: hostFd, kind: 'stream', owned: false, stdio: fd, offset: 0, positional });
    });
  }

  /** Names of the syscalls this host implements (without the `SYS_` prefix). */
  get implemented(): string[] {
    return [...this.impls.keys()].sort();
  }

  /**
   * The import object for `module`: module `wali` gets every SYS_* and aux name the module
   * imports (SYS_* names without an implementation return -ENOSYS); a function imported from
   * another module traps when called, as in WAMR, so that instantiation succeeds.
   */
  getImportObject(module: WasmModule): Imports {
    const wali: Record<string, ImportValue> = {};
    const imports: Imports = { [WALI_MODULE]: wali };
    for (const d of WA.Module.imports(module)) {
      if (d.kind !== 'function') continue;
      if (d.module !== WALI_MODULE) {
        const mod = (imports[d.module] ??= {});
        mod[d.name] = () => {
          throw new WaliTrap(`unresolved import ${d.module}.${d.name} was called`);
        };
      } else if (d.name.startsWith(WALI_SYSCALL_PREFIX)) {
        const name = d.name.slice(WALI_SYSCALL_PREFIX.length);
        wali[d.name] = this.syscall(name, this.impls.get(name));
      } else {
        const fn = this.aux[d.name];
        wali[d.name] = fn ? untilEnded(this.core, fn) : () => 0;
      }
    }
    return imports;
  }

  /** A SYS_* import: BigInt results, and nothing but exit escapes as an exception. */
  private syscall(name: string, impl: SyscallImpl | undefined): (...a: unknown[]) => bigint {
    const fast = FD_RIGHTS[name] !== undefined && impl !== undefined && !this.hearAllowed ? this.fdFast(name, impl) : undefined;
    const core = this.core;
    return (...args: unknown[]): bigint => {
      let ret: number;
      if (core.ended) throw core.ended;
      try {
        ret = fast?.(args) ?? this.dispatch(name, impl, args as GuestWord[]);
      } catch (e) {
        if (e instanceof WaliExit) core.ended ??= e;
        if (e instanceof WaliExit || e instanceof WaliTrap || e instanceof WaliExec) throw e;
        ret = negOf(e);
      }
      this.opts.trace?.(name, args, BigInt(ret));
      return BigInt(ret);
    };
  }

  /** fd calls covered by the rights their fd obtained at open: a table lookup, no judging. */
  private fdFast(name: string, impl: SyscallImpl): (args: unknown[]) => number | undefined {
    return fdFastPath(this.kernel.s, () => this.core.task, name, impl);
  }

  /** One call through enforcement: decide at entry, run what was judged, decide again if the disk changed under the model. */
  private dispatch(name: string, impl: SyscallImpl | undefined, args: GuestWord[]): number {
    const mem = this.core.mem;
    if (!mem) return neg('EFAULT');
    const d = decodeWali(name, args, mem);
    switch (d.kind) {
      case 'fault':
        this.opts.onDecision?.(plainDecision(name, args, d.errno, 'fault'));
        return neg(d.errno);
      case 'unknown':
        // Nothing unclassified runs: fail closed.
        this.opts.onDecision?.(plainDecision(name, args, 'ENOSYS', 'unknown-syscall'));
        return neg('ENOSYS');
      case 'local':
        return impl ? impl(undefined, ...args) : neg('ENOSYS');
      case 'call':
        break;
    }
    for (let tries = 0; ; tries++) {
      const e = this.enforcer.enter(this.core.task, d.call);
      if (e.refused) {
        this.opts.onDecision?.(entryDecision(this.enforcer, name, args, e));
        return neg(e.refused.errno);
      }
      if (this.hearAllowed) this.opts.onDecision?.(entryDecision(this.enforcer, name, args, e));
      if (!impl) return neg('ENOSYS');
      const r = impl(e, ...args);
      if (r !== STALE) return r;
      if (tries + 1 >= RETRIES) return neg('ESTALE');
    }
  }

  /** Binds guest memory after instantiation (the module exports its memory). */
  attach(instance: WasmInstance): void {
    attachMemory(this.core, instance);
  }

  /** attach + run `_start`; the exit status (0 when _start returns). Other exceptions propagate. */
  start(instance: WasmInstance): number {
    this.attach(instance);
    const entry = instance.exports['_start'];
    if (typeof entry !== 'function') throw new WaliModuleError('the module exports no _start');
    try {
      // An Asyncify build runs under its process tree (fork, setjmp): processes.ts.
      if (this.core.proc) this.core.proc.run();
      else (entry as () => void)();
      // The guest caught its own exit (catch_all) and returned: it ended all the same.
      if (this.core.ended) throw this.core.ended;
      return 0;
    } catch (e) {
      if (e instanceof WaliExit) return e.code;
      throw e;
    } finally {
      // The guest has ended; the model keeps its fd table for inspection, and its watchers hear of the exit.
      this.kernel.lifecycle?.({ type: 'task.exit', tid: this.tid });
      this.close();
    }
  }

  /**
   * Releases host resources: the host fds of open descriptions, the mounts' roots and the env
   * file. The model is left as the guest left it (its fd table stays inspectable).
   */
  close(): void {
    for (const f of this.core.atExit.splice(0)) f();
    if (this.forked) return;
    this.core.proc?.tree.end();
    this.core.files.closeAll();
    this.mounts.close();
    if (this.envDir !== undefined) {
      rmSync(this.envDir, { recursive: true, force: true });
      this.envDir = undefined;
    }
  }
}

export { WaliExit, WaliTrap };
