/**
 * Process-level calls: the fs context (chdir, fchdir, getcwd, umask, all decided by the model),
 * the pid, clocks, signals (accepted, never delivered), uname, getrandom and exit. Ids and
 * process relations are in sys-ids.ts, sigaltstack in sys-task.ts.
 */
import { randomFillSync } from 'node:crypto';
import { release } from 'node:os';
import { plainCalls, type HostCore } from './core.js';
import type { Entry } from '../enforce/enforcer.js';
import { STALE } from './anchors.js';
import { neg, u32 } from './errno.js';
import { WaliExit } from '../wali/endings.js';
import { getcwd, processTable, signalTerminates, type ProcessHooks } from '../wali/process-calls.js';

export { WaliExit };

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * chdir/fchdir: the model holds the cwd. The directory is anchored first, so a directory that
 * another process replaced is found stale before the guest moves into it.
 */
function chdir(h: HostCore, e: Entry): number {
  const target = e.request?.checks[0]?.object.dentry;
  if (target !== undefined) {
    const a = h.dir(target);
    if (a === STALE) return a;
    if (typeof a === 'object') a.release();
  }
  return h.exit(e);
}

/** The Node process's clocks, release and random source; a sleep blocks the guest's thread. */
const HOOKS: ProcessHooks = {
  monotonicNs: () => process.hrtime.bigint(),
  cpuNs: () => {
    const u = process.cpuUsage();
    return BigInt(u.user + u.system) * 1000n;
  },
  release: release(),
  fill: (b) => randomFillSync(b),
  sleep: (ns) => {
    Atomics.wait(sleeper, 0, 0, Number(ns) / 1e6);
  },
};

/** fs-context, pid, clock, signal, uname, getrandom and exit calls, by syscall name. */
export function processCalls(h: HostCore): Record<string, (e: Entry | undefined, ...a: unknown[]) => number> {
  const judged = (f: (e: Entry, ...a: unknown[]) => number) => (e: Entry | undefined, ...a: unknown[]): number => (e ? f(e, ...a) : neg('EINVAL'));
  h.signalAction = (sig) => (signalTerminates(h.signals, sig) ? 'terminate' : 'none');
  return {
    chdir: judged((e) => chdir(h, e)),
    fchdir: judged((e) => chdir(h, e)),
    getcwd: judged((e, b, n) => getcwd(h, e, u32(b), u32(n))),
    umask: judged((e) => h.exit(e)),
    ...plainCalls({
      ...processTable(h, HOOKS),
      time: (tloc) => {
        const sec = Math.floor(Date.now() / 1000);
        if (u32(tloc) !== 0 && (!h.mem || h.mem.writeI64(u32(tloc), BigInt(sec)))) return neg('EFAULT');
        return sec;
      },
    }),
  };
}

