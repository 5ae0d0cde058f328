/**
 * What a run threw, as an Ending (run-endings.ts): the guest's own failures are traps (134),
 * fdwarden's refusals status 1 with their reason, anything else an internal error. Runs where
 * the guest runs (the worker thread), where the thrown values are still themselves.
 */
import { HostSetupError, WaliExit, WaliTrap } from '../host/index.js';
import { ModuleFormatError } from '../wali/module-types.js';
import { WA, WaliModuleError } from '../wali/wasm.js';
import { EXIT, internalError, type Ending } from './run-endings.js';

/** The ending for what a run threw; `program` names the guest in the line. */
export function endingOf(e: unknown, program: string): Ending {
  if (e instanceof WaliExit) return { status: e.code };
  const trap = trapReason(e);
  if (trap !== undefined) return { status: EXIT.trap, line: `${program} trapped: ${trap}` };
  if (e instanceof HostSetupError) return { status: EXIT.error, line: e.message };
  if (notRunnable(e)) return { status: EXIT.error, line: `${program} is not a WALI program this host can run: ${e.message}` };
  if (e instanceof Error) return internalError(`${e.name}: ${e.message}`, e.stack);
  return internalError(`a non-error was thrown: ${String(e)}`);
}

/** Why the guest trapped, with the wasm function where known; undefined when `e` is no trap. */
function trapReason(e: unknown): string | undefined {
  if (e instanceof WaliTrap || e instanceof WA.RuntimeError) return withFrame(e.message, e);
  // The engine's stack ran out: the guest recursed too deep (possibly inside a host call it made).
  if (e instanceof RangeError && /call stack size/i.test(e.message)) return withFrame('stack overflow', e);
  // A value that cannot cross the wasm boundary (an import declared with the wrong result type):
  // the engine throws it in the wasm frame that made the call, so that frame is the top one.
  if (e instanceof TypeError && /^\s*at .*wasm-function/.test(firstFrame(e) ?? '')) return withFrame(`type mismatch at an import: ${e.message}`, e);
  const Exception = (WA as { Exception?: abstract new (...a: never[]) => unknown }).Exception;
  if (Exception && e instanceof Exception) return 'uncaught wasm exception';
  return undefined;
}

/** Bytes that are not wasm, imports that cannot be linked, a module without memory or _start, or more memory than allowed. */
function notRunnable(e: unknown): e is Error {
  if (e instanceof WaliModuleError || e instanceof ModuleFormatError || e instanceof WA.CompileError || e instanceof WA.LinkError) return true;
  // The engine could not allocate what the module declares (a huge table or memory at start).
  return e instanceof RangeError && /^WebAssembly\./.test(e.message);
}

function firstFrame(e: Error): string | undefined {
  return (e.stack ?? '').split('\n').find((l) => /^\s*at /.test(l));
}

/** The message and the innermost wasm function of the stack, `(in name (wasm://...:wasm-function[N]:0x...))`. */
function withFrame(message: string, e: Error): string {
  const frame = (e.stack ?? '').split('\n').find((l) => l.includes('wasm-function'));
  return frame ? `${message} (${frame.trim().replace(/^at /, 'in ')})` : message;
}
