/** One-call entry point: compile, instantiate with the host's (optionally wrapped) imports, run. */
import { WA, WaliModuleError, type Imports, type WasmInstance, type WasmMemoryObject } from '../wali/wasm.js';
import { importedMemory } from '../wali/module-types.js';
import { cappedLimits, limitMemory } from '../wali/memory-limits.js';
import { NodeWaliHost, type HostOptions } from './host.js';
import { prepareModule, prepareModuleSync, type AsyncifyMode } from './asyncify.js';
import { ProcessTree, type Image } from './processes.js';
import { compileModule } from './compile.js';

/** What a policy interposer returns from `wrap`: the imports to use, and a hook for memory binding. */
export interface ImportWrapper {
  imports: Imports;
  attach?(instance: WasmInstance): void;
}

export interface RunOptions extends HostOptions {
  /** Interposes on the imports (a policy layer); its `attach` runs before `_start`. */
  wrap?: (imports: Imports, host: NodeWaliHost) => ImportWrapper;
  /**
   * At most this many 64 KiB pages of linear memory: past it `memory.grow` returns -1 and mmap
   * fails with ENOMEM, as when Linux refuses memory. A module that needs more at start is
   * refused (MemoryLimitError, a WaliModuleError). Default: what the module declares.
   */
  maxMemoryPages?: number;
  /** Called with the host once the guest is instantiated, before it runs (to watch its lifecycle: `watchLifecycle(host)`). */
  onStart?: (host: NodeWaliHost) => void;
  /**
   * When the module is rewritten by binaryen's Asyncify so that it can fork and longjmp
   * (asyncify.ts): `auto` (default) when it imports SYS_fork, SYS_vfork or setjmp/longjmp.
   * Not with `wrap` (fork is then ENOSYS).
   */
  asyncify?: AsyncifyMode;
  /** At most this many guest processes at once, zombies included (default 64); fork then fails with EAGAIN. */
  maxProcesses?: number;
  /** At most this many bytes of linear memory in the guest's live processes together when fork copies one (default 4 GiB); fork then fails with ENOMEM. */
  maxProcessMemory?: number;
}

/**
 * The memory a module imports instead of defining (threaded builds may import and export it),
 * made to its declared limits and added to `imports`; undefined when it defines its own.
 */
function provideMemory(wasm: Uint8Array, imports: Imports, maxPages: number | undefined): WasmMemoryObject | undefined {
  const imp = importedMemory(wasm);
  if (!imp?.memory) return undefined;
  const m = imp.memory;
  if (m.memory64) throw new WaliModuleError(`the module imports a 64-bit memory (${imp.module}.${imp.name}): WALI is wasm32`);
  const { min, max } = maxPages === undefined ? m : cappedLimits(m, maxPages);
  const memory = new WA.Memory({ initial: min, ...(max !== undefined ? { maximum: max } : {}), shared: m.shared });
  imports[imp.module] = { ...(imports[imp.module] ?? {}), [imp.name]: memory };
  return memory;
}

/**
 * Runs a WALI binary to completion and returns its exit status.
 *
 * @example
 * ```ts
 * const status = await runWali(readFileSync('lua.wasm'), {
 *   args: ['lua', '/work/script.lua'],
 *   dirs: [{ host: '/tmp/work', guest: '/work' }],
 * });
 * ```
 */
export async function runWali(bytes: Uint8Array, opts: RunOptions): Promise<number> {
  const limited = opts.maxMemoryPages === undefined ? bytes : limitMemory(bytes, opts.maxMemoryPages);
  // Transforms of the module's bytes go here, before it is compiled (compile.ts: tiering, cache).
  // fork and setjmp need the Asyncify build (asyncify.ts; not under `wrap`, whose model would not follow the tree).
  const { bytes: wasm, asyncified } = await prepareModule(limited, opts.wrap ? 'never' : opts.asyncify);
  const module = await compileModule(wasm);
  const host = new NodeWaliHost(opts);
  try {
    let imports = host.getImportObject(module);
    let hook: ((instance: WasmInstance) => void) | undefined;
    if (opts.wrap) {
      const w = opts.wrap(imports, host);
      imports = w.imports;
      if (w.attach) hook = (i) => w.attach!(i);
    }
    const memory = provideMemory(wasm, imports, opts.maxMemoryPages);
    if (asyncified) ProcessTree.wrapImports(imports, () => host.hostCore.proc);
    const instance = await WA.instantiate(module, imports);
    // An imported memory the module does not export again is still the guest's memory.
    const bound = memory && instance.exports['memory'] === undefined ? { exports: { ...instance.exports, memory } } : instance;
    host.attach(bound);
    if (asyncified) {
      const importsFor = (h: NodeWaliHost, image: Image): { imports: Imports; memory: WasmMemoryObject | undefined } => {
        const own = h.getImportObject(image.module);
        return { imports: own, memory: provideMemory(image.bytes, own, opts.maxMemoryPages) };
      };
      // An execve'd module gets the same memory limit.
      const prepare = (b: Uint8Array): { bytes: Uint8Array; asyncified: boolean } => prepareModuleSync(opts.maxMemoryPages === undefined ? b : limitMemory(b, opts.maxMemoryPages));
      const tree = new ProcessTree({ importsFor, prepare, ...(opts.maxProcesses !== undefined ? { maxProcesses: opts.maxProcesses } : {}), ...(opts.maxProcessMemory !== undefined ? { maxTreeMemory: opts.maxProcessMemory } : {}) });
      tree.adopt(host, { module, bytes: wasm }, instance, bound.exports['memory'] as WasmMemoryObject);
    }
    hook?.(bound);
    opts.onStart?.(host);
    return host.start(bound);
  } finally {
    host.close();
  }
}
