/**
 * Per-process attributes the guest sets and reads back: prctl, the alternate signal stack and
 * interval timers. The calls and their checks are src/wali/task-attrs.ts's; here they are kept
 * per process of the tree (what fork and execve pass on) and timed on the Node process's clocks.
 */
import { commOf, freshAttrs, noAltStack, noTimers, taskTable, type AltStack, type TaskAttrs, type Timer } from '../wali/task-attrs.js';
import { plainCalls, type HostCore, type SyscallImpl } from './core.js';

const latin1 = (s: string): Uint8Array => Buffer.from(s, 'latin1');

/** ITIMER_REAL runs on the monotonic clock, ITIMER_VIRTUAL on the Node process's user time, ITIMER_PROF on user and system time. */
function clockOf(which: number): bigint {
  if (which === 0) return process.hrtime.bigint();
  const u = process.cpuUsage();
  return BigInt(which === 1 ? u.user : u.user + u.system) * 1000n;
}

/** prctl, sigaltstack and interval timer calls, by syscall name; `program` is argv[0]. */
export function taskCalls(h: HostCore, program: string): Record<string, SyscallImpl> {
  // fork: the child keeps the name and flags, but not the parent-death signal or the subreaper
  // mark (copy_process, PR_SET_CHILD_SUBREAPER); execve names the task after the new program,
  // clears the parent-death signal and keepcaps and makes it dumpable (it keeps no_new_privs).
  const attrs = h.own<TaskAttrs>('prctl', () => freshAttrs(commOf(program, latin1)), {
    fork: (p) => ({ ...p, comm: p.comm.slice(), pdeathsig: 0, subreaper: 0 }),
    exec: (p) => ({ ...p, comm: commOf(program, latin1), pdeathsig: 0, dumpable: 1, keepcaps: 0 }),
  });
  // The alternate signal stack is inherited by fork and dropped by execve.
  const alt = h.own<AltStack>('sigaltstack', noAltStack, { fork: (p) => ({ ...p }) });
  // Interval timers: a fork child starts with none; execve keeps them.
  const timers = h.own<Timer[]>('itimers', noTimers, { fork: noTimers, exec: (p) => p.map((t) => ({ ...t })) });
  return plainCalls(taskTable(() => h.mem, { attrs, alt, timers, clock: clockOf }));
}
