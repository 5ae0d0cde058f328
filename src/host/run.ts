/** One-call entry point: compile, instantiate with the host's (optionally wrapped) imports, run. */
import { WA, type Imports, type WasmInstance } from '../wali/wasm.js';
import { NodeWaliHost, type HostOptions } from './host.js';

/** What a policy interposer returns from `wrap`: the imports to use, and a hook for memory binding. */
export interface ImportWrapper {
  imports: Imports;
  attach?(instance: WasmInstance): void;
}

export interface RunOptions extends HostOptions {
  /** Interposes on the imports (a policy layer); its `attach` runs before `_start`. */
  wrap?: (imports: Imports, host: NodeWaliHost) => ImportWrapper;
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
export async function runWali(wasm: Uint8Array, opts: RunOptions): Promise<number> {
  const module = await WA.compile(wasm);
  const host = new NodeWaliHost(opts);
  try {
    let imports = host.getImportObject(module);
    let hook: ((instance: WasmInstance) => void) | undefined;
    if (opts.wrap) {
      const w = opts.wrap(imports, host);
      imports = w.imports;
      if (w.attach) hook = (i) => w.attach!(i);
    }
    const instance = await WA.instantiate(module, imports);
    host.attach(instance);
    hook?.(instance);
    return host.start(instance);
  } finally {
    host.close();
  }
}
