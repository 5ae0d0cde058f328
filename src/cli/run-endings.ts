/**
 * How `fdwarden run` ends when the program does not simply exit. Whatever the guest does, the run
 * ends with its own exit status or with one of EXIT's, and at most one line on stderr saying
 * what happened: a guest must never be able to make fdwarden print a JS stack trace.
 * (run-failures.ts names what a run threw; this module stays light for the main thread.)
 */

/** The exit statuses of `fdwarden run` besides the program's own (README "CLI" lists them). */
export const EXIT = {
  /** fdwarden could not run the program: usage, policy, mounts, a module it cannot run, an internal error. */
  error: 1,
  /** --timeout ran out, as with coreutils `timeout`. */
  timeout: 124,
  /** The program trapped (abort, unreachable, a bad memory access, stack overflow ...): as if killed by SIGABRT. */
  trap: 134,
  /** The host's memory for the guest ran out: as if killed by SIGKILL, as the OOM killer does. */
  outOfMemory: 137,
} as const;

/** How a run ended: the status, and the line for stderr (without the `fdwarden run: ` prefix). */
export interface Ending {
  status: number;
  line?: string;
  /** The JS stack of an internal error, printed only with FDWARDEN_DEBUG=1. */
  stack?: string;
}

/** Set FDWARDEN_DEBUG=1 to see the JS stack of an internal error. */
export const DEBUG_ENV = 'FDWARDEN_DEBUG';

/** Writes an ending's line (one line, whatever its message held) and returns its status. */
export function report(ending: Ending, write: (text: string) => void): number {
  if (ending.line !== undefined) write(`fdwarden run: ${oneLine(ending.line)}\n`);
  if (ending.stack !== undefined && process.env[DEBUG_ENV] === '1') write(`${ending.stack}\n`);
  return ending.status;
}

/** Newlines in a message (an engine's, a guest-supplied name) would make a second line. */
export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/** The ending for an internal error: fdwarden's own failure, not the guest's. */
export function internalError(what: string, stack?: string): Ending {
  return { status: EXIT.error, line: `internal error: ${what} (${DEBUG_ENV}=1 prints the JS stack)`, ...(stack !== undefined ? { stack } : {}) };
}
