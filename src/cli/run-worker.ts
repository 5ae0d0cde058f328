/**
 * The worker thread of `fdwarden run` (started by run-supervisor.ts): runs the guest and posts how
 * it ended. Its JS heap has its own limit, so a guest that makes the host allocate without end
 * ends this thread, not the process around it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runGuest, type GuestJob } from './run-guest.js';

parentPort?.postMessage(await runGuest(workerData as GuestJob));
