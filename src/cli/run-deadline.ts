/**
 * `fdwarden run --timeout SECONDS`: the run goes to a child process (run-child.ts, the same
 * command without --timeout) that is killed with SIGKILL when the time is up.
 *
 * A process, not just the worker thread: Worker.terminate() stops wasm code and Atomics.wait,
 * but not a thread inside a blocking system call (a guest reading an idle terminal, pipe or
 * FIFO), and Node's exit joins its worker threads, so a guest blocked there would keep fdwarden
 * from ending at all. A killed process always ends.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { EXIT, internalError, type Ending } from './run-endings.js';
import { withRunDir } from './run-supervisor.js';

/** Runs `fdwarden run CHILD_ARGV` in a child process for at most `seconds`; how it ended. */
export function runWithDeadline(childArgv: readonly string[], seconds: number, program: string): Promise<Ending> {
  // The child's own temporary directory goes inside `dir`, which is removed even after SIGKILL.
  return withRunDir(async (dir) => {
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(new URL('./run-child.js', import.meta.url)), ...childArgv], {
      // The guest's stdio is ours; the IPC channel only tells the child when this process is gone.
      stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, TMPDIR: dir },
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, seconds * 1000);
    try {
      const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
      if (timedOut && signal === 'SIGKILL') return { status: EXIT.timeout, line: `${program} timed out after ${seconds} s` };
      if (signal !== null) return { status: 128 + (constants.signals[signal] ?? 0), line: `${program} was killed by ${signal}` };
      return { status: code ?? EXIT.error };
    } catch (e) {
      // spawn itself failed ('error' rejects `once`).
      return internalError(`cannot start the guest's process: ${(e as Error).message}`, (e as Error).stack);
    } finally {
      clearTimeout(timer);
    }
  });
}
