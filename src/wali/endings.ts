/**
 * How a WALI guest's run ends other than by returning from `_start`: an exit (exit, exit_group,
 * `__proc_exit`, a fatal signal) or an action no host can perform (longjmp through imports).
 * Hosts throw these from their imports; node-free, shared by the Node host and the in-memory host.
 */

/** Thrown by exit, exit_group and __proc_exit; `code` is the exit status (0-255). */
export class WaliExit extends Error {
  readonly code: number;
  /** The signal that ended the process (then `code` is 128 + signal, as a shell reports it). */
  readonly signal: number | undefined;
  constructor(code: number, signal?: number) {
    super(signal === undefined ? `guest exited with status ${code & 0xff}` : `guest was killed by signal ${signal}`);
    this.name = 'WaliExit';
    this.code = code & 0xff;
    this.signal = signal;
  }

  /** The end of a process by a fatal signal. */
  static signalled(sig: number): WaliExit {
    return new WaliExit(128 + sig, sig);
  }
}

/** A guest action the host cannot perform (longjmp); it ends the run like a wasm trap. */
export class WaliTrap extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WaliTrap';
  }
}

/** What keeps a process's end once it has happened (wasm's catch_all can catch the exception that carries it). */
export interface EndHolder {
  ended: WaliExit | undefined;
}

/**
 * An aux import that cannot run once the process has ended: the end is thrown again (a guest
 * that caught it in wasm gets no further), and an exit the import throws is kept as the end.
 */
export function untilEnded(core: EndHolder, fn: (...a: unknown[]) => number | void): (...a: unknown[]) => number | void {
  return (...a) => {
    if (core.ended) throw core.ended;
    try {
      return fn(...a);
    } catch (e) {
      if (e instanceof WaliExit) core.ended ??= e;
      throw e;
    }
  };
}
