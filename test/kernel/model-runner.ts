/**
 * Runs a kernel-differential program on the model and reports observations in the driver's
 * normalised form, so the two can be compared step by step.
 */
import { Kernel } from '../../src/state/kernel.js';
import type { Call, Outcome } from '../../src/state/calls.js';
import type { Task } from '../../src/state/types.js';
import { normaliseLink } from './kernel-runner.js';
import { flattenProgram, type Dirfd, type Observation, type Program, type Step } from './program.js';

/** Where the model puts the sandbox root: deep enough that `..` never runs out (the driver stops at 48). */
const DEPTH = 52;
export const ROOT = '/fdw' + '/@'.repeat(DEPTH);

function expand(path: string): string {
  if (path === '@') return ROOT;
  if (path.startsWith('@/')) return ROOT + path.slice(1);
  return path;
}

function dirfd(d: Dirfd): number {
  return d === 'AT_FDCWD' ? -100 : d;
}

/** The model path in the driver's spelling: under the k-th ancestor of the root, `@` + `/..`×k + rest. */
export function normalise(path: string): string {
  let anc = ROOT;
  for (let k = 0; anc.length > 0; k++) {
    if (path === anc || path.startsWith(anc + '/')) return '@' + '/..'.repeat(k) + path.slice(anc.length);
    anc = anc.slice(0, anc.lastIndexOf('/'));
  }
  return path;
}

export function toCall(step: Step): Call {
  switch (step.op) {
    case 'openat': return { sys: 'openat', dirfd: dirfd(step.dirfd), path: expand(step.path), flags: step.flags, mode: step.mode };
    case 'openat2': return { sys: 'openat', dirfd: dirfd(step.dirfd), path: expand(step.path), flags: step.flags, mode: step.mode, resolve: step.resolve, openat2: true };
    case 'mkdirat': return { sys: 'mkdirat', dirfd: dirfd(step.dirfd), path: expand(step.path), mode: step.mode };
    case 'unlinkat': return { sys: 'unlinkat', dirfd: dirfd(step.dirfd), path: expand(step.path), flags: step.flags };
    case 'renameat2': return { sys: 'renameat2', olddirfd: dirfd(step.olddirfd), oldpath: expand(step.oldpath), newdirfd: dirfd(step.newdirfd), newpath: expand(step.newpath), flags: step.flags };
    case 'linkat': return { sys: 'linkat', olddirfd: dirfd(step.olddirfd), oldpath: expand(step.oldpath), newdirfd: dirfd(step.newdirfd), newpath: expand(step.newpath), flags: step.flags };
    case 'symlinkat': return { sys: 'symlinkat', target: expand(step.target), newdirfd: dirfd(step.newdirfd), linkpath: expand(step.linkpath) };
    case 'close': return { sys: 'close', fd: step.fd };
    case 'dup': return { sys: 'dup', fd: step.fd };
    case 'dup2': return { sys: 'dup2', fd: step.fd, newfd: step.newfd };
    case 'dup3': return { sys: 'dup3', fd: step.fd, newfd: step.newfd, flags: step.flags };
    case 'fcntl': return { sys: 'fcntl', fd: step.fd, cmd: step.cmd, arg: step.arg };
    case 'close_range': return { sys: 'close_range', first: step.first, last: step.last, flags: step.flags };
    case 'chdir': return { sys: 'chdir', path: expand(step.path) };
    case 'fchdir': return { sys: 'fchdir', fd: step.fd };
    case 'pipe2': return { sys: 'pipe2', flags: step.flags };
    case 'fork': return { sys: 'clone', flags: 17 /* SIGCHLD */ };
  }
}

function label(k: Kernel, tid: number, fd: number): string {
  const l = k.describeFd(tid, fd);
  if (l === null || l === 'unknown') return `<${l}>`;
  if (l.kind === 'anon') return l.type === 'pipe' ? 'pipe:[]' : `${l.type}:${l.name ?? ''}`;
  const p = normalise(l.path).replace(/\/#\d+$/, '/#');
  return normaliseLink(l.deleted ? `${p} (deleted)` : p);
}

function observe(k: Kernel, task: Task, index: number, out: Outcome): Observation {
  const table = k.s.tables.get(task.files)!;
  const fds = [...table.fds.keys()].sort((a, b) => a - b).map((fd) => {
    const e = table.fds.get(fd)!;
    return { fd, link: label(k, task.tid, fd), cloexec: e.cloexec, flags: k.s.files.get(e.file)!.flags };
  });
  const cwdOut = k.syscall(task.tid, { sys: 'getcwd' });
  const cwdLabel = k.describeCwd(task.tid);
  const cwd = cwdOut.ok && cwdLabel !== 'unknown' && cwdLabel.kind === 'path'
    ? normalise(cwdLabel.path)
    : { errno: cwdOut.ok ? 'UNKNOWN' : cwdOut.errno ?? 'UNKNOWN' };
  return { step: index, ret: out.ok ? out.ret : -1, errno: out.ok ? null : out.errno ?? 'UNKNOWN', fds, cwd };
}

export function runOnModel(program: Program): Observation[] {
  const k = new Kernel();
  const task = k.spawn({ tid: 4242, cwd: ROOT, nofile: program.nofile, umask: 0o022 });
  const flat = flattenProgram(program);
  const obs: Observation[] = new Array(flat.length);
  let index = 0;
  const runSteps = (t: Task, steps: readonly Step[]): void => {
    for (const step of steps) {
      const my = index++;
      const out = k.syscall(t.tid, toCall(step));
      if (step.op === 'fork' && out.ok) {
        const child = k.task(out.ret)!;
        runSteps(child, step.child);
        k.syscall(child.tid, { sys: 'exit', group: true });
        obs[my] = observe(k, t, my, { ok: true, ret: 0 });
        continue;
      }
      if (step.op === 'fork') index += countSteps(step.child);
      obs[my] = observe(k, t, my, step.op === 'pipe2' && out.ok ? { ok: true, ret: 0 } : out);
    }
  };
  runSteps(task, program.setup);
  runSteps(task, program.steps);
  return obs;
}

function countSteps(steps: readonly Step[]): number {
  let n = 0;
  for (const s of steps) n += 1 + (s.op === 'fork' ? countSteps(s.child) : 0);
  return n;
}
