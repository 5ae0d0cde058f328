/**
 * A running instance as the process tree drives it: `_start` and, for an Asyncify build
 * (asyncify.ts), the unwind and rewind entry points, the mutable globals it exports and its memory.
 */
import type { WasmInstance, WasmMemoryObject } from '../wali/wasm.js';
import { GLOBAL_EXPORT } from './asyncify.js';
import { WaliTrap } from './aux.js';

/** asyncify_get_state's answers. */
export const UNWINDING = 1;
export const REWINDING = 2;

export interface Global {
  value: unknown;
}

/** An Asyncify instance's entry points. */
export interface Machine {
  /** An Asyncify build (it can unwind: fork, setjmp). */
  async: boolean;
  start: () => void;
  startUnwind: (at: number) => void;
  stopUnwind: () => void;
  startRewind: (at: number) => void;
  stopRewind: () => void;
  state: () => number;
  globals: Global[];
  memory: WasmMemoryObject;
}

/** A module without the Asyncify build (an execve'd one that could not be transformed): it never unwinds. */
export function plainMachine(instance: WasmInstance, memory: WasmMemoryObject): Machine {
  const start = instance.exports['_start'];
  if (typeof start !== 'function') throw new WaliTrap('the module exports no _start');
  const none = (): void => {
    throw new WaliTrap('this module cannot unwind (no Asyncify build)');
  };
  return { async: false, start: start as () => void, startUnwind: none, stopUnwind: none, startRewind: none, stopRewind: none, state: () => 0, globals: [], memory };
}

/** An Asyncify build's entry points (its mutable globals in one order for every instance of the module). */
export function machineOf(instance: WasmInstance, memory: WasmMemoryObject): Machine {
  const x = instance.exports as Record<string, unknown>;
  const fn = (name: string): ((...a: number[]) => number) => {
    const f = x[name];
    if (typeof f !== 'function') throw new WaliTrap(`the Asyncify build exports no ${name}`);
    return f as (...a: number[]) => number;
  };
  const globals = Object.keys(x).filter((k) => k.startsWith(GLOBAL_EXPORT)).sort().map((k) => x[k] as Global);
  return {
    async: true, start: fn('_start'), startUnwind: fn('asyncify_start_unwind'), stopUnwind: fn('asyncify_stop_unwind'),
    startRewind: fn('asyncify_start_rewind'), stopRewind: fn('asyncify_stop_rewind'), state: fn('asyncify_get_state'),
    globals, memory,
  };
}
