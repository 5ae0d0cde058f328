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
import { liveView, type View } from '../state/view.js';
import { ERRNO, errnoOfNumber, type Errno } from '../linux/index.js';
import { engineFor } from '../rules/engine.js';
import type { IrPolicy } from '../rules/ir.js';
import type { Engine } from '../rules/judge.js';
import { FD_RIGHTS, fdCallRights, grantCovers } from '../rules/requests.js';
import { Enforcer, type Entry } from '../enforce/enforcer.js';
import { entryDecision, plainDecision, type DecisionEvent } from '../enforce/decisions.js';
import { grantInherited } from '../enforce/grants.js';
import { GuestMemory, toU32, type GuestWord } from './memory.js';
import { decodable, decodeWali, type Decoded } from './decode.js';
import { filterDirents } from './dirents.js';
import { syscallInfo, WALI_MODULE, WALI_SYSCALL_PREFIX } from './table.js';
import { WA, WaliModuleError, type Imports, type ImportValue, type WasmInstance, type WasmModule } from './wasm.js';

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
  /** Hears decisions (an audit log). Unset costs nothing. */
  onDecision?: (e: DecisionEvent) => void;
  /** Which decisions onDecision hears: `all` (default) or only `denials` (keeps the fd fast path). */
  decisions?: 'all' | 'denials';
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

/** Interposes a policy between a WALI guest and any JS WALI host. */
export class WaliInterposer {
  readonly kernel: Kernel;
  readonly engine: Engine;
  readonly enforcer: Enforcer;
  readonly tid: number;
  /** The wrapped import object (give it to WebAssembly.instantiate). */
  readonly imports: WrappedImports;
  private readonly task: Task;
  private readonly opts: InterposerOptions;
  private mem: GuestMemory | undefined;
  /** Whether allowed calls are reported too (then every call takes the explained path). */
  private readonly hearAllowed: boolean;

  constructor(host: Imports, opts: InterposerOptions) {
    this.opts = opts;
    this.hearAllowed = opts.onDecision !== undefined && (opts.decisions ?? 'all') === 'all';
    this.engine = 'decide' in opts.policy ? opts.policy : engineFor(opts.policy);
    this.kernel = new Kernel({ view: opts.view ?? liveView(), procfs: opts.procfs ?? true });
    this.enforcer = new Enforcer(this.kernel, this.engine, { veil: true });
    this.tid = opts.tid ?? 1;
    this.task = this.kernel.spawn({ tid: this.tid, cwd: opts.cwd ?? process.cwd(), fds: [] });
    if (opts.stdio ?? true) {
      for (const fd of [0, 1, 2]) this.kernel.syscall(this.tid, { sys: 'anon', kind: 'stdio', cloexec: false, nonblock: false }, { ok: true, ret: fd });
    }
    for (const inh of opts.fds ?? []) this.kernel.inherit(this.task, inh);
    grantInherited(this.kernel, this.engine, this.task);
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
    const known = syscallInfo(name)?.implemented === true;
    const allowUnknown = (this.opts.unknownSyscalls ?? 'deny') === 'allow';
    if (!known && !allowUnknown) return this.refuse(name, 'ENOSYS', 'unknown-syscall');
    // Calls nobody classified never pass unjudged: fail closed.
    if (!decodable(name)) return allowUnknown && !known ? host : this.refuse(name, 'ENOSYS', 'unknown-syscall');
    if (name === 'getdents64') return (...args: GuestWord[]) => this.listing(host, args);
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
    const covered = (fd: GuestWord): boolean => {
      if (this.hearAllowed) return false;
      const e = s.tables.get(this.task.files)?.fds.get(fd as number);
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
        return this.enforced(name, d, host, args);
    }
  }

  private enforced(name: string, d: Extract<Decoded, { kind: 'call' }>, host: HostFn, args: GuestWord[]): unknown {
    const e = this.enforcer.enter(this.task, d.call);
    if (e.refused) {
      this.report(name, args, d.call, e);
      return neg(e.refused.errno);
    }
    if (this.hearAllowed) this.report(name, args, d.call, e);
    const ret = host(...args);
    const observed = this.observed(ret, d);
    if (observed) this.enforcer.exit(e, observed);
    return ret;
  }

  /** getdents64: judged like any fd call, and names the policy hides are cut out of what the host lists. */
  private listing(host: HostFn, args: GuestWord[]): unknown {
    const d = decodeWali('getdents64', args, this.mem);
    if (d.kind !== 'call') return this.call('getdents64', host, args);
    const e = this.enforcer.enter(this.task, d.call);
    if (e.refused) {
      this.report('getdents64', args, d.call, e);
      return neg(e.refused.errno);
    }
    if (this.hearAllowed) this.report('getdents64', args, d.call, e);
    const dir = this.dirOf(d.call);
    for (;;) {
      const ret = host(...args);
      const n = asNumber(ret);
      if (n === undefined || n <= 0 || !this.kernel.veil || dir === undefined) return ret;
      const kept = this.filtered(toU32(args[1] ?? 0), n, dir);
      // A batch of nothing but hidden names is not the end of the directory: read on.
      if (kept > 0) return typeof ret === 'bigint' ? BigInt(kept) : kept;
    }
  }

  private dirOf(c: Call): number | undefined {
    if (c.sys !== 'usefd') return undefined;
    const e = this.kernel.s.tables.get(this.task.files)?.fds.get(c.fd);
    return e ? this.kernel.s.files.get(e.file)?.dentry : undefined;
  }

  private filtered(ptr: number, n: number, dir: number): number {
    const mem = this.memory();
    const buf = mem.readBytes(ptr, n);
    if (!(buf instanceof Uint8Array)) return n;
    const kept = filterDirents(buf, n, (name) => this.enforcer.visible(dir, name));
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
