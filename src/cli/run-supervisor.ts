/**
 * The main-thread side of `fdwarden run`: the guest runs in a worker thread (run-worker.ts) whose
 * JS heap is limited, and whatever ends it (the program's exit, a trap, the heap limit, a crash
 * of the worker) becomes one Ending here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { EXIT, internalError, type Ending } from './run-endings.js';
import type { GuestJob } from './run-guest.js';

/**
 * A private temporary directory for what the host writes for the guest (its environment file),
 * removed afterwards even when the guest's thread never got to clean up (heap limit, crash).
 */
export function withRunDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'fdwarden-guest-'));
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

/** How the worker thread itself failed (it posts every other ending). */
function workerFailure(e: unknown, job: GuestJob, heapMib: number | undefined): Ending {
  const code = (e as { code?: unknown } | null)?.code;
  if (code === 'ERR_WORKER_OUT_OF_MEMORY') {
    const limit = heapMib !== undefined ? `its limit of ${heapMib} MiB` : 'its limit';
    return { status: EXIT.outOfMemory, line: `${job.program} ran out of memory: the host's JS heap for the guest reached ${limit}` };
  }
  const err = e instanceof Error ? e : undefined;
  return internalError(`the guest's worker thread failed: ${err ? `${err.name}: ${err.message}` : String(e)}`, err?.stack);
}

/** Runs the job in a worker thread (heap limited to `heapMib` when given) and returns how it ended. */
export function superviseGuest(job: GuestJob, heapMib: number | undefined): Promise<Ending> {
  return withRunDir((dir) => new Promise<Ending>((resolve) => {
    // The bytes move to the worker; a copy first, since a Buffer may share its memory with others.
    const bytes = new Uint8Array(job.bytes);
    const worker = new Worker(new URL('./run-worker.js', import.meta.url), {
      workerData: { ...job, bytes },
      transferList: [bytes.buffer],
      // os.tmpdir() in the worker reads this: the host's temporary files land in `dir`.
      env: { ...process.env, TMPDIR: dir },
      ...(heapMib !== undefined ? { resourceLimits: { maxOldGenerationSizeMb: heapMib } } : {}),
      // The host opens descriptors natively (openat2) and closes some with fs.closeSync: Node's
      // tracking of fs.open'ed descriptors in workers would warn on each. This process ends
      // with the run, which closes whatever the guest left open.
      trackUnmanagedFds: false,
    });
    let ending: Ending | undefined;
    worker.on('message', (m: Ending) => (ending ??= m));
    worker.on('error', (e) => (ending ??= workerFailure(e, job, heapMib)));
    worker.on('exit', (code) => resolve(ending ?? internalError(`the guest's worker thread exited (${code}) without saying how the guest ended`)));
  }));
}
