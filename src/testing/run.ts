/**
 * Runs a sampled program as an enforcing sandbox would: each call is resolved by the model at
 * entry, judged, refused with the policy's errno when denied (the model is left unchanged) and
 * applied to the model when allowed. An fd obtains, when opened, every right the policy allows
 * on its object, as the auditor records it.
 */
import { Kernel } from '../state/kernel.js';
import { snapshotView } from '../state/view.js';
import type { Call, Outcome } from '../state/calls.js';
import type { Task } from '../state/types.js';
import type { Engine, Verdict } from '../rules/judge.js';
import { judge } from '../rules/judge.js';
import { requestFor, type Request } from '../rules/requests.js';
import { AT_REMOVEDIR, AT_SYMLINK_FOLLOW } from '../linux/index.js';
import { Enforcer } from '../enforce/enforcer.js';
import { grantInherited } from '../enforce/grants.js';
import type { DirRef, FdRef, Op } from './arbitraries.js';
import { formatLine } from './strace.js';
import type { World } from './world.js';

/** One executed call: what it was, what the policy said, what the model returned. */
export interface Step {
  call: Call;
  request: Request | null;
  verdict?: Verdict;
  outcome: Outcome;
  /** As strace prints it. */
  line: string;
}

/** A program's run, stopped at the first step `stopAt` flags. */
export interface RunResult {
  steps: Step[];
  /** Index in `steps` of the flagged step. */
  stoppedAt?: number;
}

const PID = 1;

function fdOf(fds: readonly number[], r: FdRef): number | undefined {
  if ('unknownFd' in r) return r.unknownFd;
  if ('last' in r) return fds[fds.length - 1];
  return fds.length === 0 ? undefined : fds[r.slot % fds.length];
}

function dirOf(fds: readonly number[], r: DirRef): number {
  if ('cwd' in r) return -100;
  return fdOf(fds, r) ?? -100;
}

/**
 * The Call an operation makes now, or undefined when it needs an fd and none is open.
 *
 * @example
 * callFor({ op: 'use', name: 'read', fd: { last: true } }, [3]); // { sys: 'usefd', name: 'read', fd: 3 }
 */
export function callFor(op: Op, fds: readonly number[]): Call | undefined {
  switch (op.op) {
    case 'open': return { sys: 'openat', dirfd: dirOf(fds, op.dir), path: op.path, flags: op.flags, mode: 0o644 };
    case 'mkdir': return { sys: 'mkdirat', dirfd: dirOf(fds, op.dir), path: op.path, mode: 0o755 };
    case 'symlink': return { sys: 'symlinkat', target: op.target, newdirfd: dirOf(fds, op.dir), linkpath: op.path };
    case 'link':
      return { sys: 'linkat', olddirfd: dirOf(fds, op.from), oldpath: op.oldpath, newdirfd: dirOf(fds, op.to), newpath: op.newpath, flags: op.follow ? AT_SYMLINK_FOLLOW : 0 };
    case 'rename':
      return { sys: 'renameat2', olddirfd: dirOf(fds, op.from), oldpath: op.oldpath, newdirfd: dirOf(fds, op.to), newpath: op.newpath, flags: op.flags };
    case 'unlink': return { sys: 'unlinkat', dirfd: dirOf(fds, op.dir), path: op.path, flags: op.rmdir ? AT_REMOVEDIR : 0 };
    case 'chdir': return { sys: 'chdir', path: op.path };
    case 'stat': return { sys: 'lookup', name: 'newfstatat', dirfd: dirOf(fds, op.dir), path: op.path, follow: true, emptyPath: false };
    case 'fchdir': case 'dup': case 'use': {
      const fd = fdOf(fds, op.fd);
      if (fd === undefined) return undefined;
      if (op.op === 'fchdir') return { sys: 'fchdir', fd };
      if (op.op === 'dup') return { sys: 'dup', fd };
      return { sys: 'usefd', name: op.name, fd };
    }
  }
}

/**
 * The request a call makes.
 *
 * @example
 * requestOf(kernel, kernel.task(1)!, { sys: 'usefd', name: 'read', fd: 3 })?.checks[0]?.rights; // bit('read')
 */
export function requestOf(k: Kernel, task: Task, call: Call): Request | null {
  return requestFor(k, task, call);
}

/**
 * A fresh model of the World, with one process in its cwd and fd 9 inherited but unknown.
 *
 * @example
 * worldKernel(buildWorld(['/home/u/.ssh/**'])).describeCwd(1); // { kind: 'path', path: '/home/u', ... }
 */
export function worldKernel(w: World): Kernel {
  const k = new Kernel({ view: snapshotView({ entries: { ...w.entries } }) });
  k.spawn({ tid: PID, cwd: w.cwd, fds: [0, 1, 2].map((fd) => ({ fd, path: '/dev/null' })), partialFds: true });
  // fds 0-2 are known; any other fd not opened by the program (UNKNOWN_FD) is unknown.
  return k;
}

/**
 * Runs `ops` in a fresh model of `w`, judging every call with `engine`; stops after the first
 * step for which `stopAt` returns true.
 *
 * @example
 * const r = runProgram(engine, world, [{ op: 'open', dir: { cwd: true }, path: '.ssh/x', flags: 0 }]);
 * r.steps[0]?.line; // 'openat(AT_FDCWD, ".ssh/x", O_RDONLY) = -1 ENOENT (denied by policy)'
 */
export function runProgram(engine: Engine, w: World, ops: readonly Op[], stopAt?: (s: Step) => boolean): RunResult {
  const k = worldKernel(w);
  const enforcer = new Enforcer(k, engine, { veil: true });
  grantInherited(k, engine, k.task(PID)!);
  const fds: number[] = [];
  const steps: Step[] = [];
  for (const op of ops) {
    const task = k.task(PID)!;
    const call = callFor(op, fds);
    if (!call) continue;
    // Steps are recorded: a failing step is explained with how its paths resolved.
    const e = enforcer.enter(task, call, true);
    let outcome: Outcome;
    if (e.refused) outcome = { ok: false, errno: e.refused.errno };
    else {
      outcome = enforcer.exit(e);
      if (outcome.ok && (call.sys === 'openat' || call.sys === 'dup')) fds.push(outcome.ret);
    }
    const byPolicy = e.refused !== undefined && e.refused.cause !== 'kernel';
    const verdict = e.verdict ?? (e.request ? judge(engine, e.request) : undefined);
    const step: Step = { call, request: e.request, ...(verdict ? { verdict } : {}), outcome, line: formatLine(call, outcome, byPolicy) };
    steps.push(step);
    if (stopAt?.(step)) return { steps, stoppedAt: steps.length - 1 };
  }
  return { steps };
}
