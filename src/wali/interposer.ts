/**
 * The WALI interposer: wraps any JS WALI host's import object so that every `SYS_*` call is
 * decided by a policy against the state model before the host sees it.
 *
 * Per call: decode the arguments (the one decoding every adapter shares, paths read from guest
 * memory with bounds checks), let the enforcer resolve and judge them (src/enforce), and either
 * return the refusal's `-errno` (the host never runs) or call the host and make the model follow
 * its real result. fd-based calls (read, write, fstat ...) check the rights their fd obtained at
 * open: a table lookup, no path work.
 *
 * The model is the guest's view: the interposer's own Kernel follows every fd the guest opens,
 * closes, dups or receives through calls it sees. It must see all of them, so the guest's fds
 * are only those it declares at start (`fds`, stdio) plus what its calls create; an fd the model
 * does not know is -EBADF, never passed through, and so is anything else the model knows the
 * kernel refuses.
 */
import { Kernel, type InheritedFd } from '../state/kernel.js';
import type { Call, Observed } from '../state/calls.js';
import type { Task } from '../state/types.js';
import { AT_FDCWD, CLONE_VFORK, CLONE_VM, ERRNO, errnoOfNumber, type Errno } from '../linux/index.js';
import { engineFor } from '../rules/engine.js';
import type { IrPolicy } from '../rules/ir.js';
import type { Engine } from '../rules/judge.js';
import { FD_RIGHTS, fdCallRights, grantCovers } from '../rules/requests.js';
import { Enforcer, type Entry } from '../enforce/enforcer.js';
import { entryDecision, plainDecision, type DecisionEvent } from '../enforce/decisions.js';
import { grantInherited } from '../enforce/grants.js';
import { plainReadingAgrees } from '../enforce/plain-paths.js';
import { GuestMemory, toU32, type GuestWord, type WasmMemory } from './memory.js';
import { decodable, decodeWali, type Decoded } from './decode.js';
import { DIRENT_LAYOUTS, filterDirents, type DirentLayout } from './dirents.js';
import type { Namespace } from './namespace.js';
import { syscallInfo, WALI_MODULE, WALI_SYSCALL_PREFIX } from './table.js';
import { WA, WaliModuleError, type Imports, type ImportValue, type WasmInstance, type WasmModule } from './wasm.js';

export interface InterposerOptions {
  /** The policy: a compiled engine (engineFor) or a lowered policy. */
  policy: Engine | IrPolicy;
  /**
   * The guest's namespace as the host gives it (required): `machineNamespace`, `mountNamespace`,
   * `treeNamespace` or `viewNamespace`. The model resolves every path in it.
   */
  namespace: Namespace;
  /** fds the guest starts with besides stdio (a preopened directory, say). */
  fds?: InheritedFd[];
  /** Whether guest fds 0, 1, 2 exist as terminals/pipes needing no right (default true). */
  stdio?: boolean;
  /** The guest's task id in the model (default 1). */
  tid?: number;
  /** The module: `SYS_*` names it imports that the host lacks get -ENOSYS stubs. */
  module?: WasmModule;
  /**
   * The guest's memory, for hosts that hold it before instantiation (an imported memory, a
   * dispatcher host); otherwise `attach(instance)` binds the exported one.
   */
  memory?: WasmMemory;
  /**
   * `SYS_*` names the host exports that the WALI spec does not implement (`SYS_truncate` ...):
   * `deny` answers -ENOSYS without calling the host (default); `allow` judges the ones the
   * interposer can decode and passes them. A call it cannot decode never passes.
   */
  unknownSyscalls?: 'deny' | 'allow';
  /**
   * A second guest thread sharing memory could rewrite a path between the interposer's read and
   * the host's: `refuse` (default) answers thread creation (`__wasm_thread_spawn`, clone with
   * CLONE_VM) with -ENOSYS; `allow` lets threads run (each wraps its imports with `child`).
   */
  threads?: 'refuse' | 'allow';
  /** Hears decisions (an audit log). Unset costs nothing. */
  onDecision?: (e: DecisionEvent) => void;
  /** Which decisions onDecision hears: `all` (default) or only `denials` (keeps the fd fast path). */
  decisions?: 'all' | 'denials';
  /** Where the start-up line naming exported `SYS_*` names that answer -ENOSYS goes (default: console.warn). */
  log?: (line: string) => void;
}

export type { DecisionEvent };

/** The wrapped import object: the host's shape, plus `attach` (and the interposer behind it). */
export type WrappedImports = Imports & {
  /** Binds the guest's exported memory; call it after instantiation, before the guest runs. */
  readonly attach: (instance: WasmInstance) => void;
  readonly interposer: WaliInterposer;
};

type HostFn = (...args: GuestWord[]) => unknown;

const neg = (errno: Errno): bigint => BigInt(-ERRNO[errno]);
const asNumber = (ret: unknown): number | undefined => (typeof ret === 'bigint' ? Number(ret) : typeof ret === 'number' ? ret : undefined);
const isPromise = (x: unknown): x is Promise<unknown> => typeof (x as { then?: unknown } | null)?.then === 'function';
/** `f(ret)` now, or once the host's promise settles (asynchronous hosts). */
const after = (ret: unknown, f: (r: unknown) => unknown): unknown => (isPromise(ret) ? ret.then(f) : f(ret));

/** What every task's interposer on one model shares. */
interface Shared {
  readonly kernel: Kernel;
  readonly engine: Engine;
  readonly enforcer: Enforcer;
  readonly opts: InterposerOptions;
}

/** Interposes a policy between a WALI guest and any JS WALI host. */
export class WaliInterposer {
  readonly kernel: Kernel;
  readonly engine: Engine;
  readonly enforcer: Enforcer;
  /** The task whose calls this interposer decides. */
  readonly tid: number;
  /** The wrapped import object (give it to WebAssembly.instantiate). */
  readonly imports: WrappedImports;
  private readonly shared: Shared;
  private readonly opts: InterposerOptions;
  private mem: GuestMemory | undefined;
  /** Whether allowed calls are reported too (then every call takes the explained path). */
  private readonly hearAllowed: boolean;
  /** The per-name handlers, built once (import wrapping and dispatchers share them). */
  private readonly handlers = new Map<string, HostFn>();

  /** Set just before a child's or a new program's interposer is constructed on an existing model. */
  private static binding: { shared: Shared; tid: number } | undefined;

  /** An interposer on a new model of the guest (`wrap` calls this). */
  constructor(host: Imports, opts: InterposerOptions) {
    const bound = WaliInterposer.binding;
    WaliInterposer.binding = undefined;
    const shared = bound?.shared ?? newModel(opts);
    const tid = bound?.tid;
    this.shared = shared;
    this.opts = shared.opts;
    this.kernel = shared.kernel;
    this.engine = shared.engine;
    this.enforcer = shared.enforcer;
    this.tid = tid ?? this.opts.tid ?? 1;
    if (this.opts.memory) this.mem = new GuestMemory(this.opts.memory);
    this.hearAllowed = this.opts.onDecision !== undefined && (this.opts.decisions ?? 'all') === 'all';
    this.imports = this.build(host);
  }

  /** The task in the model (re-read: an exec by a non-leader thread takes over the leader's tid). */
  private get task(): Task {
    return this.kernel.s.tasks.get(this.tid)!;
  }

  /** A task that exited makes no calls: a host that calls on after exit gets ESRCH, never the model of a dead task. */
  private gone(): boolean {
    const t = this.kernel.s.tasks.get(this.tid);
    return t === undefined || t.exited;
  }

  /** Binds the guest's memory (the module exports it, so only after instantiation). */
  attach(instance: WasmInstance): void {
    const m = GuestMemory.fromInstance(instance);
    if (!m) throw new WaliModuleError('the module exports no memory named "memory"');
    this.mem = m;
  }

  /** The import object, as node:wasi names it. */
  getImportObject(): WrappedImports {
    return this.imports;
  }

  /** attach + run the guest's `_start`. Exceptions from the host (exit) propagate. */
  start(instance: WasmInstance): void {
    this.attach(instance);
    const start = instance.exports['_start'];
    if (typeof start !== 'function') throw new WaliModuleError('the module exports no _start');
    (start as () => void)();
  }

  // ---- processes ----

  /**
   * The interposer of child process or thread `pid`, on this model, wrapping the child's own
   * host imports. The child must exist in the model: created when this interposer saw the
   * fork/clone return `pid`, or told with `fork(pid)` when the host forks outside its imports.
   * The child inherits fds (with the rights they obtained), cwd and namespace, as on Linux.
   */
  child(pid: number, host: Imports): WrappedImports {
    const t = this.kernel.task(pid);
    if (!t || t.exited) throw new Error(`WALI interposer: the model has no live task ${pid} (tell it with fork(${pid}) when the host forks outside its imports)`);
    return this.on(pid, host);
  }

  /** Another task's interposer on this model. */
  private on(tid: number, host: Imports): WrappedImports {
    WaliInterposer.binding = { shared: this.shared, tid };
    return new WaliInterposer(host, this.opts).imports;
  }

  /** The host forked (or spawned a thread, with CLONE_VM|CLONE_THREAD flags) outside its import table: child `pid`. */
  fork(pid: number, flags = 17 /* SIGCHLD: fork */): void {
    this.kernel.syscall(this.tid, { sys: 'clone', flags }, { ok: true, ret: pid });
  }

  /**
   * The task ran a new program (execve succeeded where the interposer could not see it return):
   * close-on-exec fds close. With `host`, the new program's imports are wrapped for this task.
   */
  exec(path: string, host?: Imports): WrappedImports | undefined {
    const task = this.task;
    this.kernel.syscall(this.tid, { sys: 'execve', dirfd: AT_FDCWD, path, flags: 0 }, { ok: true, ret: 0 });
    // A thread's exec takes over its leader's tid (the task object is the same).
    return host ? this.on(task.tid, host) : undefined;
  }

  /** The task exited outside the import table: its fds close in the model. */
  exit(): void {
    this.kernel.syscall(this.tid, { sys: 'exit', group: true }, { ok: true, ret: 0 });
  }

  // ---- building the import object ----
  private build(host: Imports): WrappedImports {
    const out: Imports = {};
    for (const [mod, fields] of Object.entries(host)) out[mod] = mod === WALI_MODULE ? { ...fields } : fields;
    const wali = (out[WALI_MODULE] ??= {});
    const unimplemented: string[] = [];
    for (const [field, value] of Object.entries(wali)) {
      if (field.startsWith(WALI_SYSCALL_PREFIX) && typeof value === 'function') {
        const name = field.slice(WALI_SYSCALL_PREFIX.length);
        wali[field] = this.handler(name, value as HostFn);
        if (syscallInfo(name)?.implemented !== true && !(this.opts.unknownSyscalls === 'allow' && decodable(name))) unimplemented.push(field);
      }
    }
    if (typeof wali['__wasm_thread_spawn'] === 'function' && (this.opts.threads ?? 'refuse') === 'refuse') {
      wali['__wasm_thread_spawn'] = (...args: GuestWord[]) => {
        this.opts.onDecision?.(plainDecision('__wasm_thread_spawn', args, 'ENOSYS', 'outside'));
        return -ERRNO.ENOSYS;
      };
    }
    if (this.opts.module) {
      for (const imp of WA.Module.imports(this.opts.module)) {
        if (imp.module !== WALI_MODULE || imp.kind !== 'function' || !imp.name.startsWith(WALI_SYSCALL_PREFIX) || imp.name in wali) continue;
        wali[imp.name] = this.refuse(imp.name.slice(WALI_SYSCALL_PREFIX.length), 'ENOSYS', 'unknown-syscall');
      }
    }
    if (unimplemented.length > 0 && this.tid === (this.opts.tid ?? 1)) {
      (this.opts.log ?? console.warn)(`fdwarden: ${unimplemented.length} SYS_* name(s) the host exports are not WALI syscalls the interposer can judge and answer -ENOSYS: ${unimplemented.join(' ')} (unknownSyscalls: 'allow' judges those it can decode)`);
    }
    Object.defineProperty(out, 'attach', { value: (i: WasmInstance) => this.attach(i), enumerable: false });
    Object.defineProperty(out, 'interposer', { value: this, enumerable: false });
    return out as WrappedImports;
  }

  /**
   * The enforcing handler of `SYS_<name>` in front of `host` (built once per name).
   * @internal dispatchers use it
   */
  handler(name: string, host: HostFn): HostFn {
    let h = this.handlers.get(name);
    if (!h) this.handlers.set(name, (h = this.wrapOne(name, host)));
    return h;
  }

  private wrapOne(name: string, host: HostFn): HostFn {
    const known = syscallInfo(name)?.implemented === true;
    // Calls nobody classified never pass unjudged: fail closed.
    if (!decodable(name) || (!known && this.opts.unknownSyscalls !== 'allow')) return this.refuse(name, 'ENOSYS', 'unknown-syscall');
    const layout = DIRENT_LAYOUTS[name];
    if (layout) return (...args: GuestWord[]) => this.listing(name, layout, host, args);
    if (FD_RIGHTS[name]) return this.fdFast(name, host);
    return (...args: GuestWord[]) => this.call(name, host, args);
  }

  private refuse(name: string, errno: Errno, reason: DecisionEvent['reason']): HostFn {
    const ret = neg(errno);
    return (...args: GuestWord[]) => {
      this.opts.onDecision?.(plainDecision(name, args, errno, reason));
      return ret;
    };
  }

  // ---- fd-based calls: the rights the fd obtained at open ----
  private fdFast(name: string, host: HostFn): HostFn {
    const s = this.kernel.s;
    const right = FD_RIGHTS[name]!;
    const task = this.task; // the same object for the task's life (an exec takeover keeps it)
    const covered = (fd: GuestWord): boolean => {
      if (this.hearAllowed || task.exited) return false;
      const e = s.tables.get(task.files)?.fds.get(fd as number);
      const f = e && s.files.get(e.file);
      return f !== undefined && f.granted !== undefined && grantCovers(f.granted, fdCallRights(right, f.flags));
    };
    const slow = (args: GuestWord[]) => this.call(name, host, args);
    // Exact arities: no rest-array allocation on the per-read path.
    switch (syscallInfo(name)?.args.length) {
      case 2: return (a, b) => (covered(a!) ? host(a!, b!) : slow([a!, b!]));
      case 3: return (a, b, c) => (covered(a!) ? host(a!, b!, c!) : slow([a!, b!, c!]));
      case 4: return (a, b, c, d) => (covered(a!) ? host(a!, b!, c!, d!) : slow([a!, b!, c!, d!]));
      default: return (...args: GuestWord[]) => (args.length > 0 && covered(args[0]!) ? host(...args) : slow(args));
    }
  }

  // ---- every other call ----
  private call(name: string, host: HostFn, args: GuestWord[]): unknown {
    if (this.gone()) return this.refuse(name, 'ESRCH', 'unknown')(...args);
    const d = decodeWali(name, args, this.mem);
    switch (d.kind) {
      case 'local':
        return host(...args);
      case 'unknown':
        return this.refuse(name, 'ENOSYS', 'unknown-syscall')(...args);
      case 'fault':
        this.opts.onDecision?.(plainDecision(name, args, d.errno, 'fault'));
        return neg(d.errno);
      case 'call':
        if (d.call.sys === 'clone' && (d.call.flags & CLONE_VM) && !(d.call.flags & CLONE_VFORK) && (this.opts.threads ?? 'refuse') === 'refuse') {
          this.opts.onDecision?.(plainDecision(name, args, 'ENOSYS', 'outside'));
          return neg('ENOSYS');
        }
        return this.enforced(name, d, host, args);
    }
  }

  private enforced(name: string, d: Extract<Decoded, { kind: 'call' }>, host: HostFn, args: GuestWord[]): unknown {
    const e = this.enforcer.enter(this.task, d.call);
    if (e.refused) {
      this.report(name, args, d.call, e);
      return neg(e.refused.errno);
    }
    // A host that reads paths as text would touch another object than the one judged: refused.
    if (this.opts.namespace.hostPaths === 'text' && !plainReadingAgrees(this.kernel, this.task, d.call)) {
      this.opts.onDecision?.(plainDecision(name, args, 'EACCES', 'unknown'));
      return neg('EACCES');
    }
    if (this.hearAllowed) this.report(name, args, d.call, e);
    // An exit does not return to us (the host throws): the model follows first.
    if (d.call.sys === 'exit') this.enforcer.exit(e, { ok: true, ret: 0 });
    return after(host(...args), (ret) => {
      const observed = d.call.sys === 'exit' ? undefined : this.observed(ret, d);
      if (observed) this.enforcer.exit(e, observed);
      return ret;
    });
  }

  /** getdents64, getdents: judged like any fd call, and names the policy hides are cut out of what the host lists. */
  private listing(name: string, layout: DirentLayout, host: HostFn, args: GuestWord[]): unknown {
    if (this.gone()) return this.call(name, host, args);
    const d = decodeWali(name, args, this.mem);
    if (d.kind !== 'call') return this.call(name, host, args);
    const e = this.enforcer.enter(this.task, d.call);
    if (e.refused) {
      this.report(name, args, d.call, e);
      return neg(e.refused.errno);
    }
    if (this.hearAllowed) this.report(name, args, d.call, e);
    const dir = this.dirOf(d.call);
    const read = (): unknown => after(host(...args), (ret) => {
      const n = asNumber(ret);
      if (n === undefined || n <= 0 || !this.kernel.veil || dir === undefined) return ret;
      const kept = this.filtered(toU32(args[1] ?? 0), n, dir, layout);
      // A batch of nothing but hidden names is not the end of the directory: read on.
      if (kept > 0) return typeof ret === 'bigint' ? BigInt(kept) : kept;
      return read();
    });
    return read();
  }

  private dirOf(c: Call): number | undefined {
    if (c.sys !== 'usefd') return undefined;
    const e = this.kernel.s.tables.get(this.task.files)?.fds.get(c.fd);
    return e ? this.kernel.s.files.get(e.file)?.dentry : undefined;
  }

  private filtered(ptr: number, n: number, dir: number, layout: DirentLayout): number {
    const mem = this.memory();
    const buf = mem.readBytes(ptr, n);
    if (!(buf instanceof Uint8Array)) return n;
    const kept = filterDirents(buf, n, (name) => this.enforcer.visible(dir, name), layout);
    if (kept !== n) mem.writeBytes(ptr, buf.subarray(0, kept));
    return kept;
  }

  /** What the host's answer means for the model: a failure's errno, a result, or pipe's two fds. */
  private observed(ret: unknown, d: Extract<Decoded, { kind: 'call' }>): Observed | undefined {
    const r = asNumber(ret);
    if (r === undefined) return undefined;
    if (r < 0 && r >= -4095) return { ok: false, errno: errnoOfNumber(-r) ?? 'EIO' };
    return d.after ? d.after(r, this.memory()) : { ok: true, ret: r };
  }

  private report(name: string, args: readonly GuestWord[], _call: Call, e: Entry): void {
    this.opts.onDecision?.(entryDecision(this.enforcer, name, args, e));
  }

  private memory(): GuestMemory {
    if (!this.mem) throw new Error('WALI interposer: attach(instance) must be called after instantiation, before the guest runs');
    return this.mem;
  }
}

/** The model of a guest: its namespace, its first task (stdio, declared fds and their rights). */
function newModel(opts: InterposerOptions): Shared {
  const ns = opts.namespace;
  if (!ns || typeof ns !== 'object' || !ns.view || typeof ns.cwd !== 'string') {
    throw new TypeError('wrap(): options.namespace is required: the namespace the host gives the guest (machineNamespace({ cwd }) for a pass-through host, mountNamespace(mounts), treeNamespace(tree, { cwd }) or viewNamespace(view, { cwd })), so that the model resolves paths where the host does');
  }
  const engine = 'decide' in opts.policy ? opts.policy : engineFor(opts.policy);
  const kernel = new Kernel({ view: ns.view, procfs: ns.procfs });
  const enforcer = new Enforcer(kernel, engine, { veil: true });
  const tid = opts.tid ?? 1;
  const task = kernel.spawn({ tid, cwd: ns.cwd, fds: [] });
  ns.prepare?.(kernel);
  if (opts.stdio ?? true) {
    for (const fd of [0, 1, 2]) kernel.syscall(tid, { sys: 'anon', kind: 'stdio', cloexec: false, nonblock: false }, { ok: true, ret: fd });
  }
  for (const inh of opts.fds ?? []) kernel.inherit(task, inh);
  grantInherited(kernel, engine, task);
  return { kernel, engine, enforcer, opts };
}

/**
 * Wraps a WALI host's import object with a policy. The result has the same modules and fields;
 * call its `attach(instance)` once the module is instantiated.
 *
 * @example
 * ```ts
 * import { wrap, compilePolicyText, machineNamespace } from 'fdwarden';
 * const policy = compilePolicyText('policy "data" abi 1\ndefault deny errno EACCES\nallow read under /data\n').policy;
 * const imports = wrap(host.getImportObject(module), { policy, namespace: machineNamespace({ cwd: '/data' }) });
 * const instance = await WebAssembly.instantiate(module, imports);
 * imports.attach(instance);
 * instance.exports._start();
 * ```
 */
export function wrap(host: Imports, opts: InterposerOptions): WrappedImports {
  return new WaliInterposer(host, opts).imports;
}
