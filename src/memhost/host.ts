/**
 * MemoryWaliHost: runs a single-threaded WALI guest with a MemoryFs as its whole filesystem and
 * a policy deciding every call. The filesystem's model is the guest's kernel: each SYS_* import
 * is one turn of the enforcement loop (decode → the enforcer resolves and judges → the host acts
 * on exactly the objects judged, by their model ids → the model follows), with no second
 * resolution anywhere. Nothing here needs Node: it runs in a web page or a worker.
 */
import type { CompiledPolicy } from '../dsl/index.js';
import type { IrPolicy } from '../rules/ir.js';
import { engineFor } from '../rules/engine.js';
import type { Engine } from '../rules/judge.js';
import { bit } from '../rules/rights.js';
import { FD_RIGHTS } from '../rules/requests.js';
import { Enforcer } from '../enforce/enforcer.js';
import { grantInherited } from '../enforce/grants.js';
import { entryDecision, plainDecision, type DecisionEvent } from '../enforce/decisions.js';
import { O_RDONLY, O_WRONLY } from '../linux/index.js';
import { byteString, latin1Bytes } from '../linux/bytes.js';
import { decodeWali } from '../wali/decode.js';
import type { GuestWord } from '../wali/memory.js';
import { attachMemory, fdFastPath, plainCalls, type SyscallImpl } from '../wali/host-table.js';
import { WA, WaliModuleError, type ImportValue, type Imports, type WasmInstance, type WasmModule } from '../wali/wasm.js';
import { untilEnded, WaliExit, WaliTrap } from '../wali/endings.js';
import { i32, neg, u32 } from '../wali/errno.js';
import { MemCore } from './core.js';
import type { MemoryFs } from './fs.js';
import { fdCalls } from './sys-fds.js';
import { ioCalls } from './sys-io.js';
import { nameCalls } from './sys-names.js';
import { metaCalls } from './sys-meta.js';
import { direntCalls } from './sys-dirents.js';
import { processCalls } from './sys-process.js';
import { memCalls } from './sys-mem.js';
import { TASK_LOCAL, taskCalls } from './sys-task.js';
import { pipeCalls } from './pipes.js';
import { pollCalls, readiness } from './sys-poll.js';
import { epollCalls } from './epoll.js';
import { eventCalls } from './eventfd.js';

const WALI = 'wali';
const SYS = 'SYS_';
/** Where the guest's environment file is while it runs (WALI's libc reads it at start). */
export const MEMORY_ENV_FILE = '/.wali/env';
const ENV_DIR = '/.wali';

/** Options of a run on the in-memory host (and of a {@link MemoryWaliHost}). */
export interface MemoryRunOptions {
  /** The policy every call is decided by: a compiled policy text (`compilePolicyText`), a lowered policy, or an engine. */
  policy: CompiledPolicy | IrPolicy | Engine;
  /** The guest's whole filesystem (`/` is its root); the run changes it. */
  fs: MemoryFs;
  /** argv without argv[0]. */
  args?: string[];
  /** argv[0] (default `program`). */
  name?: string;
  /** The environment, `NAME=value` entries. */
  env?: string[];
  /** The start directory (default `/`); it must exist. */
  cwd?: string;
  /** The guest's stdin, all of it (then end of file). */
  stdin?: Uint8Array;
  /** Hears what the guest writes to stdout, as it writes it. */
  onStdout?(bytes: Uint8Array): void;
  /** Hears what the guest writes to stderr, as it writes it. */
  onStderr?(bytes: Uint8Array): void;
  /** Hears each judged call as it happens (with `decisions: 'denials'`, only refusals). */
  onDecision?(event: DecisionEvent): void;
  /** Which decisions onDecision hears: `all` (default) or `denials`. */
  decisions?: 'all' | 'denials';
  /** Hears an error of the host itself while it ran a call (the guest got EIO): a bug to report. */
  onHostError?(syscall: string, error: unknown): void;
}

type Impl = SyscallImpl;

function engineOf(p: MemoryRunOptions['policy'], env: boolean): Engine {
  if ('decide' in p) return p;
  const ir: IrPolicy = 'ast' in p ? checked(p) : p;
  return engineFor(env ? withEnvFile(ir) : ir);
}

function checked(p: CompiledPolicy): IrPolicy {
  if (!p.ok) throw new Error(`the policy has errors: ${p.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.span.file}:${d.span.line}:${d.span.col}: ${d.message}`).join('; ')}`);
  return p.policy;
}

/**
 * The guest's libc reads its environment from a file the host names (`__get_init_envfile`), a
 * host mechanism the policy cannot know about: reading that one file is allowed above every tier.
 */
function withEnvFile(policy: IrPolicy): IrPolicy {
  const top = Math.max(0, ...policy.rules.map((r) => r.tier)) + 1;
  const id = Math.max(-1, ...policy.rules.map((r) => r.id)) + 1;
  const span = { file: '(the in-memory host: the guest environment file)', line: 1, col: 1, endLine: 1, endCol: 1 };
  return { ...policy, rules: [...policy.rules, { id, effect: 'allow' as const, tier: top, rights: bit('read') | bit('stat'), patterns: [MEMORY_ENV_FILE], except: [], span }] };
}

/**
 * A WALI host over a {@link MemoryFs}, for embedders who instantiate the module themselves:
 * `imports(module)` for `WebAssembly.instantiate`, then `start(instance)` (or `attach` and call
 * `_start` yourself). One host runs one guest once; `finish()` releases what it holds in the
 * filesystem (start calls it).
 *
 * @example
 * ```ts
 * const fs = MemoryFs.fromJson({ work: { 'a.txt': 'hello\n' } });
 * const host = new MemoryWaliHost(module, { policy: compilePolicyText(text), fs, args: ['/work/a.txt'] });
 * const instance = await WebAssembly.instantiate(module, host.imports());
 * const status = host.start(instance);
 * ```
 */
export class MemoryWaliHost {
  /** The decisions made (each judged call). */
  decisions = 0;
  /** The refusals, in order. */
  readonly denials: DecisionEvent[] = [];
  readonly tid: number;
  private readonly core: MemCore;
  private readonly enforcer: Enforcer;
  private readonly impls = new Map<string, Impl>();
  private readonly hearAllowed: boolean;
  private readonly argv: Uint8Array[];
  /** What the run made for the environment file (removed at the end). */
  private readonly madeEnv: 'file' | 'dir' | undefined;
  private finished = false;

  constructor(private readonly module: WasmModule, private readonly opts: MemoryRunOptions) {
    const fs = opts.fs;
    const k = fs.kernel;
    if (fs.inUse) throw new Error('this MemoryFs is in use by another host (one guest runs on a filesystem at a time; finish() releases it)');
    const env = opts.env ?? [];
    for (const e of env) if (!e.includes('=') || e.startsWith('=') || e.includes('\n') || e.includes('\0')) throw new Error(`environment entry cannot be passed to a WALI guest: ${JSON.stringify(e)}`);
    // The environment file is readable whatever the policy says: it must be the run's own, never
    // a file of the tree that happens to sit there (the policy may hide or refuse that one).
    if (env.length > 0 && fs.exists(MEMORY_ENV_FILE)) throw new Error(`the filesystem already has ${MEMORY_ENV_FILE}, where the run's environment goes: remove it, or run without env`);
    const engine = engineOf(opts.policy, env.length > 0);
    this.madeEnv = env.length > 0 ? (fs.exists(ENV_DIR) ? 'file' : 'dir') : undefined;
    if (this.madeEnv) fs.writeFile(MEMORY_ENV_FILE, env.map((e) => `${e}\n`).join(''));
    fs.inUse = this;
    this.enforcer = new Enforcer(k, engine, { veil: true });
    // pid 2 or above: the guest's parent is init (pid 1), as for an orphan.
    this.tid = Math.max(1, ...k.s.tasks.keys()) + 1;
    k.spawn({ tid: this.tid, cwd: '/', fds: [] });
    const stdin = opts.stdin ?? new Uint8Array(0);
    this.core = new MemCore(fs, this.enforcer, this.tid, {
      stdin, stdinAt: 0,
      out: (fd, bytes) => (fd === 1 ? opts.onStdout : opts.onStderr)?.(bytes),
    });
    const cwd = byteString(opts.cwd ?? '/');
    const moved = k.syscall(this.tid, { sys: 'chdir', path: cwd });
    if (!moved.ok) {
      this.finish();
      throw new Error(`guest cwd ${opts.cwd}: ${moved.errno ?? moved.unknown}`);
    }
    // stdio: a pipe from the embedder (fd 0) and two to it (1, 2).
    for (const fd of [0, 1, 2] as const) {
      k.syscall(this.tid, { sys: 'anon', kind: 'stdio', cloexec: false, nonblock: false }, { ok: true, ret: fd });
      const o = this.core.openFd(fd);
      if ('errno' in o) continue;
      o.file.flags = fd === 0 ? O_RDONLY : O_WRONLY;
      o.desc.stdio = fd;
    }
    grantInherited(k, engine, k.task(this.tid)!);
    this.hearAllowed = opts.onDecision !== undefined && (opts.decisions ?? 'all') === 'all';
    for (const g of [fdCalls(this.core), ioCallsWithEntry(this.core), nameCalls(this.core), metaCalls(this.core), direntCalls(this.core), processCalls(this.core), memCalls(this.core), taskCalls(this.core, opts.name ?? 'program'), pipeCalls(this.core), pollCalls(this.core), eventCalls(this.core), epollCalls(this.core, (fd) => readiness(this.core, fd))]) {
      for (const [name, fn] of Object.entries(g)) this.impls.set(name, fn as Impl);
    }
    this.argv = [opts.name ?? 'program', ...(opts.args ?? [])].map((a) => latin1Bytes(byteString(a)));
  }

  /** Names of the syscalls this host implements (without `SYS_`). */
  get implemented(): string[] {
    return [...this.impls.keys()].sort();
  }

  /**
   * The import object: module `wali` gets every SYS_* and helper name the module imports (a
   * SYS_* name without an implementation answers -ENOSYS); a function imported from another
   * module traps when called, so that instantiation succeeds.
   */
  imports(): Imports {
    const wali: Record<string, ImportValue> = {};
    const out: Imports = { [WALI]: wali };
    for (const d of WA.Module.imports(this.module)) {
      if (d.kind !== 'function') continue;
      if (d.module !== WALI) {
        (out[d.module] ??= {})[d.name] = () => {
          throw new WaliTrap(`unresolved import ${d.module}.${d.name} was called`);
        };
      } else if (d.name.startsWith(SYS)) {
        const name = d.name.slice(SYS.length);
        wali[d.name] = this.syscall(name, this.impls.get(name));
      } else wali[d.name] = untilEnded(this.core, this.aux(d.name));
    }
    return out;
  }

  /** Binds guest memory after instantiation (the module exports it as `memory`). */
  attach(instance: WasmInstance): void {
    attachMemory(this.core, instance);
  }

  /**
   * attach + run `_start`: the exit status (0 when `_start` returns). A trap propagates (a
   * WebAssembly.RuntimeError, or WaliTrap); the host is finished either way.
   */
  start(instance: WasmInstance): number {
    try {
      this.attach(instance);
      const entry = instance.exports['_start'];
      if (typeof entry !== 'function') throw new WaliModuleError('the module exports no _start');
      (entry as () => void)();
      if (this.core.ended) throw this.core.ended;
      return 0;
    } catch (e) {
      if (e instanceof WaliExit) return e.code;
      throw e;
    } finally {
      this.finish();
    }
  }

  /**
   * Ends the guest's hold on the filesystem: its fds close (files it unlinked while open go),
   * its task leaves the model, the policy's veil is lifted and the environment file removed.
   */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    for (const f of this.core.atExit.splice(0)) f();
    const k = this.opts.fs.kernel;
    const task = k.task(this.tid);
    if (task) {
      const held = [...(k.s.tables.get(task.files)?.fds.keys() ?? [])];
      for (const fd of held) {
        const before = this.core.fileAt(fd);
        k.syscall(this.tid, { sys: 'close', fd });
        this.core.released(before);
      }
      k.syscall(this.tid, { sys: 'exit', group: true });
      k.s.tasks.delete(this.tid);
      k.s.groups.delete(this.tid);
      k.s.tables.delete(task.files);
      k.s.fsContexts.delete(task.fs);
    }
    k.veil = undefined;
    this.opts.fs.inUse = undefined;
    const fs = this.opts.fs;
    if (this.madeEnv && fs.exists(MEMORY_ENV_FILE)) fs.remove(MEMORY_ENV_FILE);
    if (this.madeEnv === 'dir' && fs.exists(ENV_DIR) && !fs.list().some((e) => e.path.startsWith(`${ENV_DIR}/`))) fs.remove(ENV_DIR);
  }

  /** A SYS_* import: BigInt results; nothing but an exit or a trap escapes as an exception. */
  private syscall(name: string, impl: Impl | undefined): (...a: unknown[]) => bigint {
    const core = this.core;
    const fast = FD_RIGHTS[name] !== undefined && impl !== undefined && !this.hearAllowed ? this.fdFast(name, impl) : undefined;
    return (...args: unknown[]): bigint => {
      if (core.ended) throw core.ended;
      let ret: number;
      try {
        ret = fast?.(args) ?? this.dispatch(name, impl, args as GuestWord[]);
      } catch (e) {
        if (e instanceof WaliExit) core.ended ??= e;
        if (e instanceof WaliExit || e instanceof WaliTrap) throw e;
        // A host error is the guest's EIO, never the embedder's crash.
        this.opts.onHostError?.(name, e);
        ret = neg('EIO');
      }
      return BigInt(ret);
    };
  }

  /** fd calls covered by the rights their fd obtained at open: a table lookup, no judging (as the Node host's). */
  private fdFast(name: string, impl: Impl): (args: unknown[]) => number | undefined {
    return fdFastPath(this.opts.fs.kernel.s, () => this.core.task, name, impl, () => this.decisions++);
  }

  private dispatch(name: string, impl: Impl | undefined, args: GuestWord[]): number {
    const mem = this.core.mem;
    if (!mem) return neg('EFAULT');
    const d = decodeWali(name, args, mem);
    switch (d.kind) {
      case 'fault':
        this.deny(plainDecision(name, args, d.errno, 'fault'));
        return neg(d.errno);
      case 'unknown':
        if (!impl) return neg('ENOSYS');
        // Calls the enforcement does not know are process-local here or they do not run.
        return TASK_LOCAL.has(name) ? impl(undefined, ...args) : (this.deny(plainDecision(name, args, 'ENOSYS', 'unknown-syscall')), neg('ENOSYS'));
      case 'local':
        return impl ? impl(undefined, ...args) : neg('ENOSYS');
      case 'call':
        break;
    }
    const e = this.enforcer.enter(this.core.task, d.call);
    this.decisions++;
    if (e.refused) {
      this.deny(entryDecision(this.enforcer, name, args, e));
      return neg(e.refused.errno);
    }
    if (this.hearAllowed) this.opts.onDecision?.(entryDecision(this.enforcer, name, args, e));
    if (!impl) return this.core.exit(e, neg('ENOSYS'));
    return impl(e, ...args);
  }

  private deny(ev: DecisionEvent): void {
    this.denials.push(ev);
    this.opts.onDecision?.(ev);
  }

  /** WALI's helper imports (argv, the env file, exit, setjmp), as the reference host's. */
  private aux(name: string): (...a: unknown[]) => number | void {
    const h = this.core;
    const argv = this.argv;
    switch (name) {
      case '__proc_exit':
        return (code) => {
          throw new WaliExit(i32(code));
        };
      case '__cl_get_argc': return () => argv.length;
      case '__cl_get_argv_len': return (i) => argv[u32(i)]?.length ?? 0;
      case '__cl_copy_argv':
        return (buf, i) => {
          const a = argv[u32(i)];
          if (!a || !h.mem) return -1;
          const z = new Uint8Array(a.length + 1);
          z.set(a);
          return h.mem.writeBytes(u32(buf), z) ? -1 : 0;
        };
      case '__get_init_envfile':
        return (buf, size) => {
          if ((this.opts.env ?? []).length === 0 || !h.mem) return 0;
          const path = latin1Bytes(`${MEMORY_ENV_FILE}\0`);
          h.mem.writeBytes(u32(buf), path.length <= u32(size) ? path : new Uint8Array(1));
          return 1;
        };
      case '__wasm_thread_spawn': return () => neg('ENOSYS');
      case 'longjmp':
      case 'siglongjmp':
        return () => {
          throw new WaliTrap('longjmp is not supported by this host');
        };
      default: return () => 0; // __init, __deinit, __call_ctors, __call_dtors, setjmp ...
    }
  }
}

/** The data calls take no entry: they are judged on the fd's rights at dispatch. */
function ioCallsWithEntry(h: MemCore): Record<string, Impl> {
  return plainCalls(ioCalls(h));
}
