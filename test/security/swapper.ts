/**
 * A hostile process on the host: while a guest runs, it keeps swapping directories inside the
 * guest's mounts for symlinks to the canary (absolute and relative) and back, as fast as it can.
 * It runs as its own process, so its swaps land between any two of the host's system calls.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

const SCRIPT = `
const fs = require('node:fs');
const [targets, canaries] = JSON.parse(process.argv[1]);
let swaps = 0, i = 0;
process.on('SIGTERM', () => { process.stdout.write(String(swaps)); process.exit(0); });
function swapOnce() {
  const t = targets[i % targets.length];
  const c = canaries[(i >> 1) % canaries.length];
  i++;
  try {
    fs.renameSync(t, t + '.swp');
    try { fs.symlinkSync(c, t); swaps++; for (let k = 0; k < 2000; k++); fs.unlinkSync(t); } catch {}
    fs.renameSync(t + '.swp', t);
  } catch {}
}
// In batches, so SIGTERM is handled between swaps (each swap is undone before the next).
(function tick() { for (let n = 0; n < 100; n++) swapOnce(); if (i === 100) process.stdout.write('R'); setImmediate(tick); })();
`;

export interface Swapper {
  /** Stops the process; resolves to how many swaps it made. */
  stop(): Promise<number>;
}

/** Starts swapping each of `targets` (host paths) for a symlink to one of `canaries` (link texts). */
export async function startSwapper(targets: readonly string[], canaries: readonly string[]): Promise<Swapper> {
  const child: ChildProcess = spawn(process.execPath, ['-e', SCRIPT, JSON.stringify([targets, canaries])], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  // Ready once the first batch of swaps is done: the guest starts under attack.
  await new Promise<void>((ready, fail) => {
    child.once('exit', () => fail(new Error('the swapper exited before it started')));
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.startsWith('R')) ready();
    });
  });
  return {
    async stop() {
      const done = once(child, 'exit');
      child.kill('SIGTERM');
      await done;
      return Number(out.slice(1) || 0);
    },
  };
}
