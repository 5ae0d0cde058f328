/**
 * NodeWaliHost: runs a single-threaded WALI guest on Node with the model (src/state) as its
 * kernel state. Guest fds are the model's fd table; every path is resolved by the model inside
 * the guest namespace (the mounts) and only then mapped to a host path.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kernel } from '../state/kernel.js';
import type { View } from '../state/view.js';
import { GuestMemory } from '../wali/memory.js';
import { WA, WaliModuleError, type ImportValue, type Imports, type WasmInstance, type WasmMemoryObject, type WasmModule } from '../wali/wasm.js';
import { WALI_MODULE, WALI_SYSCALL_PREFIX } from '../wali/table.js';
import { HostCore } from './core.js';
import { Mounts, toByteString, type MountSpec } from './mounts.js';
import { auxCalls, WaliTrap } from './aux.js';
import { kindOf, openCalls } from './sys-open.js';
import { fdinfo } from './fdmap.js';
import { O_CLOEXEC, O_NONBLOCK } from '../linux/index.js';
import { fdCalls } from './sys-fds.js';
import { ioCalls } from './sys-io.js';
import { direntCalls } from './sys-dirents.js';
import { nameCalls } from './sys-names.js';
import { metaCalls } from './sys-meta.js';
import { memCalls, PageMap } from './mem.js';
import { processCalls, WaliExit } from './sys-process.js';
import { HostSetupError, neg, negOf } from './errno.js';

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
  /** Hears every syscall import: its name, arguments and result (debugging). */
  trace?: (name: string, args: readonly unknown[], ret: bigint) => void;
}

/** Where the env file is mounted when the guest has an environment. */
export const ENV_GUEST_DIR = '/.wali';

type Impl = (...a: unknown[]) => number | void;

/**
 * A WALI host for one guest process (task tid 1 in `kernel`).
 *
 * @example
 * ```ts
 * const host = new NodeWaliHost({ args: ['lua', '-e', 'print(1)'], dirs: [{ host: '/tmp/w', guest: '/work' }] });
 * const module = await WA.compile(bytes);
 * const instance = await WA.instantiate(module, host.getImportObject(module));
 * const status = host.start(instance); // 0
 * host.kernel.describeFd(host.tid, 1); // the guest's stdout, as the model sees it
 * ```
 */
export class NodeWaliHost {
  readonly kernel: Kernel;
  readonly view: View;
  readonly tid = 1;
  private readonly core: HostCore;
  private readonly impls = new Map<string, Impl>();
  private readonly aux: Record<string, Impl>;
  private readonly trace: HostOptions['trace'];
  private envDir: string | undefined;

  constructor(opts: HostOptions) {
    const specs = [...opts.dirs];
    let envFile: string | undefined;
    const env = Object.entries(opts.env ?? {});
    if (env.length > 0) {
      for (const [k, v] of env) {
        if (k === '' || k.includes('=') || k.includes('\n') || v.includes('\n')) throw new HostSetupError(`environment entry cannot be passed to a WALI guest: ${JSON.stringify(k)}`);
      }
      this.envDir = mkdtempSync(join(tmpdir(), 'fdwarden-wali-env-'));
      writeFileSync(join(this.envDir, 'env'), env.map(([k, v]) => `${k}=${v}\n`).join(''));
      specs.push({ host: this.envDir, guest: ENV_GUEST_DIR });
      envFile = `${ENV_GUEST_DIR}/env`;
    }
    const mounts = new Mounts(specs);
    this.view = mounts.view();
    // The guest namespace has only its mounts: no synthetic /proc.
    this.kernel = new Kernel({ view: this.view, procfs: false });
    this.kernel.spawn({ tid: this.tid, cwd: '/', fds: [] });
    this.core = new HostCore(this.kernel, this.tid, mounts);
    const cwd = toByteString(opts.cwd ?? opts.dirs[0]?.guest ?? '/');
    const moved = this.core.model({ sys: 'chdir', path: cwd });
    if (!moved.ok) throw new HostSetupError(`guest cwd ${opts.cwd ?? cwd}: ${moved.errno}`);
    this.installStdio(opts.stdio ?? [0, 1, 2]);
    this.trace = opts.trace;
    const pages = new PageMap(this.core);
    const groups = [openCalls, fdCalls, ioCalls, direntCalls, nameCalls, metaCalls, processCalls];
    for (const g of groups) for (const [name, fn] of Object.entries(g(this.core))) this.impls.set(name, fn);
    for (const [name, fn] of Object.entries(memCalls(this.core, pages))) this.impls.set(name, fn);
    this.aux = auxCalls(this.core, { args: opts.args.map(toByteString), envFile });
  }

  private installStdio(stdio: [number, number, number]): void {
    stdio.forEach((hostFd, fd) => {
      this.core.model({ sys: 'anon', kind: 'stdio', cloexec: false, nonblock: false }, { ok: true, ret: fd });
      const id = this.core.fileIdAt(fd);
      if (id === undefined) return;
      // A file or device behind stdio (`< in`, `> out`) has positions (pread works) and its own
      // status flags (F_GETFL, the access mode); O_NONBLOCK may be Node's doing, not the guest's.
      let positional = false;
      try {
        positional = kindOf(hostFd, 0) === 'seekable';
      } catch {
        positional = false;
      }
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
        wali[d.name] = this.syscall(d.name, this.impls.get(d.name.slice(WALI_SYSCALL_PREFIX.length)));
      } else {
        const fn = this.aux[d.name];
        wali[d.name] = fn ?? (() => 0);
      }
    }
    return imports;
  }

  /** A SYS_* import: BigInt results, and nothing but exit escapes as an exception. */
  private syscall(name: string, impl: Impl | undefined): (...a: unknown[]) => bigint {
    const enosys = BigInt(neg('ENOSYS'));
    return (...args: unknown[]): bigint => {
      let ret: bigint;
      if (!impl) ret = enosys;
      else {
        try {
          ret = BigInt((impl(...args) as number | undefined) ?? 0);
        } catch (e) {
          if (e instanceof WaliExit || e instanceof WaliTrap) throw e;
          ret = BigInt(negOf(e));
        }
      }
      this.trace?.(name, args, ret);
      return ret;
    };
  }

  /** Binds guest memory after instantiation (the module exports its memory). */
  attach(instance: WasmInstance): void {
    const mem = GuestMemory.fromInstance(instance);
    if (!mem) throw new WaliModuleError('the module exports no memory');
    this.core.mem = mem;
    this.core.memory = instance.exports['memory'] as WasmMemoryObject;
  }

  /** attach + run `_start`; the exit status (0 when _start returns). Other exceptions propagate. */
  start(instance: WasmInstance): number {
    this.attach(instance);
    const entry = instance.exports['_start'];
    if (typeof entry !== 'function') throw new WaliModuleError('the module exports no _start');
    try {
      (entry as () => void)();
      return 0;
    } catch (e) {
      if (e instanceof WaliExit) return e.code;
      throw e;
    } finally {
      this.close();
    }
  }

  /**
   * Releases host resources: the Node fds of open descriptions and the env file. The model
   * is left as the guest left it (its fd table stays inspectable).
   */
  close(): void {
    this.core.files.closeAll();
    if (this.envDir !== undefined) {
      rmSync(this.envDir, { recursive: true, force: true });
      this.envDir = undefined;
    }
  }
}

export { WaliExit, WaliTrap };
