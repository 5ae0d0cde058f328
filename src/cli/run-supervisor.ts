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
import { bundled } from './bundles.js';

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

interface GuestThread {
  worker: Worker;
  heapMib: number | undefined;
  /** How the thread ended, once it has (its first error, or its exit code). */
  ended: Promise<{ error?: unknown; code?: number }>;
  /** The first Ending it posted. */
  ending: Ending | undefined;
}

/** A worker thread for a guest, listened to from the start (an error with no listener would throw here). */
function guestThread(heapMib: number | undefined): GuestThread {
  const worker = new Worker(bundled('run-worker'), {
    ...(heapMib !== undefined ? { resourceLimits: { maxOldGenerationSizeMb: heapMib } } : {}),
    // The host opens descriptors natively (openat2) and closes some with fs.closeSync: Node's
    // tracking of fs.open'ed descriptors in workers would warn on each. This process ends
    // with the run, which closes whatever the guest left open.
    trackUnmanagedFds: false,
  });
  const thread: GuestThread = { worker, heapMib, ending: undefined, ended: undefined! };
  thread.ended = new Promise((resolve) => {
    let error: unknown;
    worker.on('message', (m: Ending) => (thread.ending ??= m));
    worker.on('error', (e) => (error ??= e));
    worker.on('exit', (code) => resolve(error !== undefined ? { error } : { code }));
  });
  return thread;
}

let early: GuestThread | undefined;

/**
 * Starts the guest's thread before its job is known, so that the host's modules load there while
 * this thread loads and compiles the policy (on two cores, start-up overlaps). Until it gets a job
 * it does not keep the process alive: a run that stops early (a policy error) just ends.
 */
export function prestartGuest(heapMib: number | undefined): void {
  if (early) return;
  early = guestThread(heapMib);
  early.worker.unref();
}

/**
 * Prestarts the thread for a `run` command line that will use one without a heap limit: not with
 * --help, --timeout (the run happens in a child process) or --memory-limit (a limit of its own).
 */
export function prestartFor(argv: readonly string[]): void {
  if (argv.some((a) => /^(--help|-h|--timeout|--memory-limit)(=|$)/.test(a))) return;
  prestartGuest(undefined);
}

/** Runs the job in a worker thread (heap limited to `heapMib` when given) and returns how it ended. */
export function superviseGuest(job: GuestJob, heapMib: number | undefined): Promise<Ending> {
  return withRunDir(async (dir) => {
    let thread = early;
    early = undefined;
    if (thread && thread.heapMib !== heapMib) {
      void thread.worker.terminate();
      thread = undefined;
    }
    thread ??= guestThread(heapMib);
    thread.worker.ref();
    // The bytes move to the worker; a copy first, since a Buffer may share its memory with others.
    const bytes = new Uint8Array(job.bytes);
    // os.tmpdir() in the worker reads TMPDIR: the host's temporary files land in `dir`.
    thread.worker.postMessage({ job: { ...job, bytes }, tmpdir: dir }, [bytes.buffer]);
    const end = await thread.ended;
    if (end.error !== undefined) return thread.ending ?? workerFailure(end.error, job, heapMib);
    return thread.ending ?? internalError(`the guest's worker thread exited (${end.code}) without saying how the guest ended`);
  });
}
