/**
 * runInMemory: compile (when given bytes), instantiate on a MemoryWaliHost and run to the end,
 * with stdout and stderr collected. Whatever the guest does, the embedder gets a result, never
 * an exception from the guest: a module that is not a runnable WALI program ends as `invalid`,
 * a trap as `trap` (status 134, as if killed by SIGABRT).
 */
import type { DecisionEvent } from '../enforce/decisions.js';
import { WA, type WasmModule } from '../wali/wasm.js';
import { MemoryWaliHost, type MemoryRunOptions } from './host.js';

/** How a run on the in-memory host ended. */
export type MemoryEnding =
  /** The guest exited (exit, exit_group, `__proc_exit`, or `_start` returned: 0). */
  | 'exit'
  /** The guest trapped: unreachable, a bad memory access, a stack overflow, longjmp, an unresolved import. */
  | 'trap'
  /** The module could not run: not WebAssembly, not a WALI program (no memory, no `_start`), bad options. */
  | 'invalid';

/** What a run on the in-memory host gave. */
export interface MemoryRunResult {
  /** The exit status; 134 for a trap, 1 for `invalid`. */
  status: number;
  stdout: Uint8Array;
  stderr: Uint8Array;
  /** How many calls were judged. */
  decisions: number;
  /** The refusals, in order. */
  denials: DecisionEvent[];
  ending: MemoryEnding;
  /** For `trap` and `invalid`: what happened, in one line. */
  message?: string;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The status a trapped guest ends with (128 + SIGABRT, as `fdwarden run` reports it). */
const TRAP_STATUS = 134;

/**
 * Runs a WALI program on `opts.fs` under `opts.policy`, synchronously once compiled (a page runs
 * it in a Web Worker). The filesystem is changed in place by what the guest was allowed to do.
 */
export async function runInMemory(module: WasmModule | Uint8Array, opts: MemoryRunOptions): Promise<MemoryRunResult> {
  const out: Uint8Array[] = [];
  const err: Uint8Array[] = [];
  const result = (status: number, ending: MemoryEnding, host: MemoryWaliHost | undefined, message?: string): MemoryRunResult => {
    const r: MemoryRunResult = { status, stdout: concat(out), stderr: concat(err), decisions: host?.decisions ?? 0, denials: host ? [...host.denials] : [], ending };
    if (message !== undefined) r.message = message;
    return r;
  };
  let compiled: WasmModule;
  try {
    compiled = module instanceof Uint8Array ? await WA.compile(module) : module;
  } catch (e) {
    return result(1, 'invalid', undefined, `not a WebAssembly module: ${(e as Error).message}`);
  }
  let host: MemoryWaliHost;
  try {
    host = new MemoryWaliHost(compiled, {
      ...opts,
      onStdout: (b) => {
        out.push(b);
        opts.onStdout?.(b);
      },
      onStderr: (b) => {
        err.push(b);
        opts.onStderr?.(b);
      },
    });
  } catch (e) {
    return result(1, 'invalid', undefined, (e as Error).message);
  }
  let instance;
  try {
    instance = await WA.instantiate(compiled, host.imports());
  } catch (e) {
    host.finish();
    return result(1, 'invalid', host, `the module cannot be instantiated as a WALI program: ${(e as Error).message}`);
  }
  try {
    const status = host.start(instance);
    return result(status, 'exit', host);
  } catch (e) {
    const error = e as Error;
    if (error?.name === 'WaliModuleError') return result(1, 'invalid', host, error.message);
    // A trap, a stack overflow (RangeError), or anything the guest provoked: the guest's end, not the embedder's.
    return result(TRAP_STATUS, 'trap', host, `${error?.name ?? 'Error'}: ${error?.message ?? String(e)}`);
  }
}
