/**
 * Interposition at a host's central dispatcher, for hosts that route calls outside their import
 * table (a blocking read served through an async path, a worker handshake): wrapping the
 * function every call goes through covers them all. Syscall numbers are the WALI table's
 * (x86-64). The same per-name handlers as import wrapping decide each call.
 */
import type { GuestWord } from './memory.js';
import { WALI_SYSCALLS } from './table.js';
import { WaliInterposer, type InterposerOptions } from './interposer.js';
import type { WasmInstance } from './wasm.js';

/** A host's synchronous dispatcher: syscall number, raw arguments → result (or -errno). */
export type SyscallDispatcher = (nr: number, ...args: GuestWord[]) => bigint | number;
/** A host's asynchronous dispatcher (worker/Atomics hosts): the result arrives later. */
export type AsyncSyscallDispatcher = (nr: number, ...args: GuestWord[]) => Promise<bigint | number>;

/** A wrapped dispatcher: the host's shape, plus `attach` and the interposer behind it. */
export type WrappedDispatcher<D> = D & {
  readonly attach: (instance: WasmInstance) => void;
  readonly interposer: WaliInterposer;
};

const NAME_OF = new Map<number, string>([...WALI_SYSCALLS.values()].map((s) => [s.nr, s.name]));

/** The name of WALI syscall number `nr` (undefined: not in the table). */
export function syscallName(nr: number): string | undefined {
  return NAME_OF.get(nr);
}

function wrapAny<D extends (nr: number, ...args: GuestWord[]) => unknown>(dispatch: D, opts: InterposerOptions, unknownNr: (nr: number) => unknown): WrappedDispatcher<D> {
  const interposer = new WaliInterposer({}, opts);
  const handlers: ((...args: GuestWord[]) => unknown)[] = [];
  const wrapped = ((nr: number, ...args: GuestWord[]) => {
    let h = handlers[nr];
    if (!h) {
      const name = NAME_OF.get(nr);
      // A number outside the table is no call the interposer knows: never passed.
      if (name === undefined || !Number.isInteger(nr) || nr < 0) return unknownNr(nr);
      h = handlers[nr] = interposer.handler(name, (...a: GuestWord[]) => dispatch(nr, ...a));
    }
    return h(...args);
  }) as unknown as WrappedDispatcher<D>;
  Object.defineProperty(wrapped, 'attach', { value: (i: WasmInstance) => interposer.attach(i) });
  Object.defineProperty(wrapped, 'interposer', { value: interposer });
  return wrapped;
}

/**
 * Wraps a host's synchronous dispatcher with a policy: every call is decided before `dispatch`
 * sees it, and the model follows its results.
 *
 * @example
 * ```ts
 * const syscall = wrapDispatcher(host.syscall, { policy, namespace: machineNamespace({ cwd: '/srv' }) });
 * syscall.attach(instance); // or pass `memory` in the options
 * ```
 */
export function wrapDispatcher(dispatch: SyscallDispatcher, opts: InterposerOptions): WrappedDispatcher<SyscallDispatcher> {
  return wrapAny(dispatch, opts, () => -38n /* ENOSYS */);
}

/**
 * Wraps a host's asynchronous dispatcher: a refusal resolves at once with its -errno; an allowed
 * call is decided before `dispatch` runs and the model follows the result when it arrives. The
 * guest's calls must be one at a time (one guest thread: `threads: 'refuse'`, the default).
 */
export function wrapAsyncDispatcher(dispatch: AsyncSyscallDispatcher, opts: InterposerOptions): WrappedDispatcher<AsyncSyscallDispatcher> {
  const inner = wrapAny(dispatch, opts, () => -38n);
  const wrapped = ((nr: number, ...args: GuestWord[]) => Promise.resolve(inner(nr, ...args))) as unknown as WrappedDispatcher<AsyncSyscallDispatcher>;
  Object.defineProperty(wrapped, 'attach', { value: inner.attach });
  Object.defineProperty(wrapped, 'interposer', { value: inner.interposer });
  return wrapped;
}
