/**
 * The worker thread of `fdwarden run` (started by run-supervisor.ts): runs the guest and posts how
 * it ended. Its JS heap has its own limit, so a guest that makes the host allocate without end
 * ends this thread, not the process around it.
 */
import { once } from 'node:events';
import { parentPort } from 'node:worker_threads';
import { runGuest, type GuestJob } from './run-guest.js';

// The thread may start before its job is known (run-supervisor.ts: prestartGuest): the modules
// above load meanwhile, and the job comes as the first message.
if (parentPort) {
  const [{ job, tmpdir }] = (await once(parentPort, 'message')) as [{ job: GuestJob; tmpdir: string }];
  process.env['TMPDIR'] = tmpdir;
  parentPort.postMessage(await runGuest(job));
}
