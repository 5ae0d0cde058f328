/**
 * The WALI interposer: wraps any JS WALI host's import object so that every `SYS_*` call is
 * decided by a compiled policy against the state model before the host sees it.
 *
 * Per call: decode the arguments (paths read from guest memory with bounds checks), resolve the
 * objects in the model as the kernel will, judge the rights they need, and either return the
 * deciding rule's `-errno` (the host never runs) or call the host and update the model from
 * the host's real result. fd-based calls (read, write, fstat ...) check the rights their fd
 * obtained at open: a table lookup, no path work.
 *
 * The model is the guest's view: the interposer's own Kernel follows every fd the guest opens,
 * closes, dups or receives through calls it sees. It must see all of them, so the guest's fds
 * are only those it declares at start (`fds`, stdio) plus what its calls create; an fd the model
 * does not know is -EBADF, never passed through.
 */
import { Kernel, type InheritedFd } from '../state/kernel.js';
import type { Call, Observed } from '../state/calls.js';
import type { Task } from '../state/types.js';
import { liveView, type View } from '../state/view.js';
import { ERRNO, errnoOfNumber, type Errno } from '../linux/index.js';
import { engineFor } from '../rules/engine.js';
import type { IrPolicy } from '../rules/ir.js';
import { judge, procSelf, quickGrant, type Engine, type Verdict } from '../rules/judge.js';
import { FD_RIGHTS, fdCallRights, fdRequest, grantCovers, requestFor, type Request } from '../rules/requests.js';
import { explain, type Explanation } from '../rules/explain.js';
import { allRights } from '../rules/rights.js';
import { GuestMemory, type GuestWord } from './memory.js';
import { decodable, decodeWali, type Decoded, type FdRight } from './decode.js';
import { syscallInfo, WALI_MODULE, WALI_SYSCALL_PREFIX } from './table.js';
import { WA, WaliModuleError, type Imports, type ImportValue, type WasmInstance, type WasmModule } from './wasm.js';
import type { ResolvedObject } from '../state/inspect.js';

export interface InterposerOptions {
  /** The policy: a compiled engine (engineFor) or a lowered policy. */
  policy: Engine | IrPolicy;
  /** Where the model learns names the guest did not create; default: the host filesystem. */
  view?: View;
  /** Whether the guest sees Linux's /proc (default true: a host passing calls to the kernel); false for a host whose namespace has none. */
  procfs?: boolean;
  /** The guest's start directory (absolute); default: this process's cwd. */
  cwd?: string;
  /** fds the guest starts with besides stdio (a preopened directory, say). */
  fds?: InheritedFd[];
  /** Whether guest fds 0, 1, 2 exist as terminals/pipes needing no right (default true). */
  stdio?: boolean;
  /** The guest's task id in the model (default 1). */
  tid?: number;
  /** The module: `SYS_*` names it imports that the host lacks get -ENOSYS stubs. */
  module?: WasmModule;
  /**
   * `SYS_*` names the WALI spec does not implement (`SYS_truncate`, `SYS_renameat` ...):
   * `deny` answers -ENOSYS without calling the host (default); `allow` judges the ones the
   * interposer can decode and passes the rest through.
   */
  unknownSyscalls?: 'deny' | 'allow';
  /**
   * A host whose own state model is the guest's kernel state (the Node host keeps its fd table
   * in one): the interposer judges on that model and leaves applying results to the host, so
   * nothing is resolved or applied twice. `view`, `procfs`, `cwd`, `fds`, `stdio` and `tid`
   * then come from the host's model.
   */
  sharedModel?: { kernel: Kernel; tid: number };
  /** Hears decisions (an audit log). Unset costs nothing. */
  onDecision?: (e: DecisionEvent) => void;
  /** Which decisions onDecision hears: `all` (default) or only `denials` (keeps the fd fast path). */
  decisions?: 'all' | 'denials';
}

/** One decision of the interposer. */
export interface DecisionEvent {
  /** The syscall name without `SYS_`. */
  syscall: string;
  /** The raw wasm arguments. */
  args: readonly GuestWord[];
  allowed: boolean;
  /** The errno returned without calling the host. */
  errno?: Errno;
  /** Why: the policy decided, a guest pointer faulted, the name is unknown, the fd is not open. */
  reason: 'policy' | 'fault' | 'unknown-syscall' | 'ebadf';
  /** The decoded call and the policy's verdict, when the policy decided. */
  call?: Call;
  verdict?: Verdict;
  /** The full explanation (computed on demand). */
  explain(): Explanation | undefined;
}

/** The wrapped import object: the host's shape, plus `attach` (and the interposer behind it). */
export type WrappedImports = Imports & {
  /** Binds the guest's exported memory; call it after instantiation, before the guest runs. */
  readonly attach: (instance: WasmInstance) => void;
  readonly interposer: WaliInterposer;
};

type HostFn = (...args: GuestWord[]) => unknown;

const ALL = allRights();
const NEW_ANON = new Set(['pipe2', 'socket', 'socketpair', 'accept4', 'anon']);
/**
 * fd-table calls that need no right and make no new description (a dup shares its grant): with a
 * shared model the host applies them itself, so they go straight to it.
 */
const TABLE_ONLY = new Set(['close', 'dup', 'dup2', 'dup3', 'fcntl', 'umask', 'getcwd']);
const neg = (errno: Errno): bigint => BigInt(-ERRNO[errno]);
const NO_EXPLANATION = (): undefined => undefined;
const NO_STEPS = { steps: false };
/** With a shared model, the host reuses the entry resolution (Kernel.remembered): it runs what was judged. */
const NO_STEPS_REMEMBER = { steps: false, remember: true };
/** An fd argument as the C int it is (an i64 from an older toolchain is truncated as C would). */
const fdNumber = (x: GuestWord | undefined): number => (typeof x === 'bigint' ? Number(BigInt.asIntN(32, x)) : typeof x === 'number' ? x | 0 : -1);

/** Interposes a policy between a WALI guest and any JS WALI host. */
export class WaliInterposer {
  readonly kernel: Kernel;
  readonly engine: Engine;
  readonly tid: number;
  /** The wrapped import object (give it to WebAssembly.instantiate). */
  readonly imports: WrappedImports;
  private readonly task: Task;
  private readonly opts: InterposerOptions;
  private mem: GuestMemory | undefined;
  /** Whether this interposer applies host results to its model (false when the host's model is shared). */
  private readonly applies: boolean;
  /** Whether allowed calls are reported too (then every call takes the explained path). */
  private readonly hearAllowed: boolean;

  constructor(host: Imports, opts: InterposerOptions) {
    this.opts = opts;
    this.hearAllowed = opts.onDecision !== undefined && (opts.decisions ?? 'all') === 'all';
    this.engine = 'decide' in opts.policy ? opts.policy : engineFor(opts.policy);
    const shared = opts.sharedModel;
    this.applies = shared === undefined;
    if (shared) {
      this.kernel = shared.kernel;
      this.tid = shared.tid;
      const task = this.kernel.task(this.tid);
      if (!task) throw new Error(`sharedModel: the host's model has no task ${this.tid}`);
      this.task = task;
    } else {
      this.kernel = new Kernel({ view: opts.view ?? liveView(), procfs: opts.procfs ?? true });
      this.tid = opts.tid ?? 1;
      this.task = this.kernel.spawn({ tid: this.tid, cwd: opts.cwd ?? process.cwd(), fds: [] });
      if (opts.stdio ?? true) {
        for (const fd of [0, 1, 2]) this.kernel.syscall(this.tid, { sys: 'anon', kind: 'stdio', cloexec: false, nonblock: false }, { ok: true, ret: fd });
      }
      for (const inh of opts.fds ?? []) this.kernel.inherit(this.task, inh);
    }
    for (const [fd] of this.table().fds) this.grant(fd, undefined);
    this.imports = this.build(host);
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

  // ---- building the import object ----
  private build(host: Imports): WrappedImports {
    const out: Imports = {};
    for (const [mod, fields] of Object.entries(host)) out[mod] = mod === WALI_MODULE ? { ...fields } : fields;
    const wali = (out[WALI_MODULE] ??= {});
    for (const [field, value] of Object.entries(wali)) {
      if (field.startsWith(WALI_SYSCALL_PREFIX) && typeof value === 'function') wali[field] = this.wrapOne(field.slice(WALI_SYSCALL_PREFIX.length), value as HostFn);
    }
    if (this.opts.module) {
      for (const imp of WA.Module.imports(this.opts.module)) {
        if (imp.module !== WALI_MODULE || imp.kind !== 'function' || !imp.name.startsWith(WALI_SYSCALL_PREFIX) || imp.name in wali) continue;
        const name = imp.name.slice(WALI_SYSCALL_PREFIX.length);
        wali[imp.name] = this.refuse(name, 'ENOSYS', 'unknown-syscall');
      }
    }
    Object.defineProperty(out, 'attach', { value: (i: WasmInstance) => this.attach(i), enumerable: false });
    Object.defineProperty(out, 'interposer', { value: this, enumerable: false });
    return out as WrappedImports;
  }

  private wrapOne(name: string, host: HostFn): ImportValue {
    const info = syscallInfo(name);
    const known = info?.implemented === true;
    if (!known && (this.opts.unknownSyscalls ?? 'deny') === 'deny') return this.refuse(name, 'ENOSYS', 'unknown-syscall');
    const fdRight = FD_RIGHTS[name];
    if (fdRight) return this.fdFast(name, fdRight, host);
    if (!decodable(name)) return host; // no fd, no path: clock_gettime, getpid, lseek ...
    if (!this.applies && TABLE_ONLY.has(name)) return host;
    return (...args: GuestWord[]) => this.call(name, host, args);
  }

  private refuse(name: string, errno: Errno, reason: DecisionEvent['reason']): HostFn {
    const ret = neg(errno);
    return (...args: GuestWord[]) => {
      this.emit({ syscall: name, args, allowed: false, errno, reason, explain: NO_EXPLANATION });
      return ret;
    };
  }

  // ---- fd-based calls: the rights the fd obtained at open ----
  private fdFast(name: string, right: FdRight, host: HostFn): HostFn {
    const s = this.kernel.s;
    const covered = (fd: GuestWord): boolean => {
      if (this.hearAllowed) return false;
      const e = s.tables.get(this.task.files)?.fds.get(fd as number);
      const f = e && s.files.get(e.file);
      return f !== undefined && f.granted !== undefined && grantCovers(f.granted, fdCallRights(right, f.flags));
    };
    const slow = (args: GuestWord[]) => this.fdSlow(name, right, host, args, fdNumber(args[0]));
    // Exact arities: no rest-array allocation on the per-read path.
    switch (syscallInfo(name)?.args.length) {
      case 2: return (a, b) => (covered(a!) ? host(a!, b!) : slow([a!, b!]));
      case 3: return (a, b, c) => (covered(a!) ? host(a!, b!, c!) : slow([a!, b!, c!]));
      case 4: return (a, b, c, d) => (covered(a!) ? host(a!, b!, c!, d!) : slow([a!, b!, c!, d!]));
      default: return (...args: GuestWord[]) => (args.length > 0 && covered(args[0]!) ? host(...args) : slow(args));
    }
  }

  private fdSlow(name: string, right: FdRight, host: HostFn, args: GuestWord[], fd: number): unknown {
    const d: Decoded = { kind: 'fd', fd, right };
    return this.decided(name, d, host, args);
  }

  // ---- every other call ----
  private call(name: string, host: HostFn, args: GuestWord[]): unknown {
    const d = decodeWali(name, args, this.memory());
    return this.decided(name, d, host, args);
  }

  private decided(name: string, d: Decoded, host: HostFn, args: GuestWord[]): unknown {
    switch (d.kind) {
      case 'pass':
        return host(...args);
      case 'fault':
        this.emit({ syscall: name, args, allowed: false, errno: d.errno, reason: 'fault', explain: NO_EXPLANATION });
        return neg(d.errno);
      case 'fd': {
        const e = this.table().fds.get(d.fd);
        // Not open in a shared model is not open in the host either: nothing can be reached
        // through it, and the host's answer keeps Linux's order (pread64 checks the offset first).
        if (e === undefined && !this.applies) return host(...args);
        if (e === undefined) {
          this.emit({ syscall: name, args, allowed: false, errno: 'EBADF', reason: 'ebadf', explain: NO_EXPLANATION });
          return neg('EBADF');
        }
        const flags = this.kernel.s.files.get(e.file)?.flags ?? 0;
        const req = fdRequest(this.kernel, this.task, name, d.fd, fdCallRights(d.right, flags));
        return this.judged(name, args, req, undefined, host);
      }
      case 'path': {
        const req = requestFor(this.kernel, this.task, d.call, this.applies ? NO_STEPS : NO_STEPS_REMEMBER);
        // Allowed by unconditional rules (the common case): no verdict to build, and the mask
        // the check used is what a new fd obtains.
        const mask = req && !this.hearAllowed ? quickGrant(this.engine, req) : -1;
        if (mask >= 0) return this.applies ? this.run(d, host, args, req, mask) : this.runShared(d.call, host, args, mask);
        return this.judged(name, args, req, d, host);
      }
      case 'model':
        return this.run(d, host, args, null);
    }
  }

  private judged(name: string, args: GuestWord[], req: Request | null, d: Extract<Decoded, { kind: 'path' }> | undefined, host: HostFn): unknown {
    let verdict = req ? judge(this.engine, req) : undefined;
    if (this.opts.onDecision && (this.hearAllowed || (verdict && !verdict.allowed))) {
      // A denial changes nothing, so it can be judged again with the resolution steps recorded.
      if (verdict && !verdict.allowed && d) verdict = judge(this.engine, requestFor(this.kernel, this.task, d.call)!);
      const v = verdict;
      const e: DecisionEvent = { syscall: name, args, allowed: v?.allowed ?? true, reason: 'policy', explain: () => (v ? explain(this.engine.policy, v) : undefined) };
      if (v && !v.allowed) e.errno = v.errno ?? this.engine.policy.default.errno;
      if (d) e.call = d.call;
      if (v) e.verdict = v;
      this.opts.onDecision(e);
    }
    if (verdict && !verdict.allowed) return neg(verdict.errno ?? this.engine.policy.default.errno);
    return d ? this.run(d, host, args, req) : host(...args);
  }

  /** Calls the host and makes the model follow its real result. */
  private run(d: Extract<Decoded, { kind: 'path' | 'model' }>, host: HostFn, args: GuestWord[], req: Request | null, mask = -1): unknown {
    const ret = this.callHost(host, args);
    const r = typeof ret === 'bigint' ? Number(ret) : typeof ret === 'number' ? ret : undefined;
    let observed: Observed | undefined;
    if (r === undefined) observed = undefined;
    else if (r < 0 && r >= -4095) observed = { ok: false, errno: errnoOfNumber(-r) ?? 'EIO' };
    else observed = d.after ? d.after(r, this.memory()) : { ok: true, ret: r };
    if (!observed) return ret;
    if (this.applies) this.kernel.syscall(this.tid, d.call, observed);
    if (observed.ok && r !== undefined) this.afterSuccess(d.call, r, observed, req, mask);
    return ret;
  }

  /** An allowed path call on a shared model: the host applies the result; a new fd gets `mask`. */
  private runShared(call: Call, host: HostFn, args: GuestWord[], mask: number): unknown {
    const ret = this.callHost(host, args);
    if (call.sys === 'openat') {
      const r = typeof ret === 'bigint' ? Number(ret) : typeof ret === 'number' ? ret : -1;
      if (r >= 0) this.grant(r, undefined, mask);
    }
    return ret;
  }

  /** The host's answer; the entry resolution kept for it is dropped after (only this call may use it). */
  private callHost(host: HostFn, args: GuestWord[]): unknown {
    try {
      return host(...args);
    } finally {
      this.kernel.remembered = undefined;
    }
  }

  /** What a new fd obtained: every right the policy allows on its object, fixed at open. */
  private afterSuccess(call: Call, ret: number, observed: Observed, req: Request | null, mask: number): void {
    if (call.sys === 'openat') this.grant(ret, req?.checks[0]?.object, mask);
    else if (NEW_ANON.has(call.sys)) for (const fd of observed.ok && observed.fds ? observed.fds : [ret]) this.grant(fd, undefined);
  }

  /** `mask`: the object's rights when the judge's fast path already computed them (else -1). */
  private grant(fd: number, obj: ResolvedObject | undefined, mask = -1): void {
    const e = this.table().fds.get(fd);
    const f = e && this.kernel.s.files.get(e.file);
    if (!f) return;
    if (mask >= 0) {
      f.granted = mask;
      return;
    }
    if (obj?.path !== undefined) {
      // The object the open resolved at entry (a new file is a regular one).
      f.granted = this.engine.allowedMask(procSelf(obj.path, this.task), obj.type ?? 'reg');
      return;
    }
    const label = this.kernel.describeFd(this.tid, fd);
    if (label === null || label === 'unknown') return;
    if (label.kind === 'anon') f.granted = ALL; // pipes, sockets, stdio: no filesystem right
    else f.granted = this.engine.allowedMask(procSelf(label.path, this.task));
  }

  private table() {
    return this.kernel.s.tables.get(this.task.files)!;
  }

  private memory(): GuestMemory {
    if (!this.mem) throw new Error('WALI interposer: attach(instance) must be called after instantiation, before the guest runs');
    return this.mem;
  }

  private emit(e: DecisionEvent): void {
    this.opts.onDecision?.(e);
  }
}

/**
 * Wraps a WALI host's import object with a policy. The result has the same modules and fields;
 * call its `attach(instance)` once the module is instantiated.
 *
 * @example
 * ```ts
 * import { wrap, compilePolicyText } from 'fdwarden';
 * const policy = compilePolicyText('policy "data" abi 1\ndefault deny errno EACCES\nallow read under /data\n').policy;
 * const imports = wrap(host.getImportObject(module), { policy, cwd: '/data' });
 * const instance = await WebAssembly.instantiate(module, imports);
 * imports.attach(instance);
 * instance.exports._start();
 * ```
 */
export function wrap(host: Imports, opts: InterposerOptions): WrappedImports {
  return new WaliInterposer(host, opts).imports;
}
