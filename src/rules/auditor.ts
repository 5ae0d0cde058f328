/**
 * Auditing a recorded program against a policy: the log is replayed through the model, and at
 * each call's entry the request it makes is judged. Nothing is blocked (the log already
 * happened); denials are reported as what enforcement would have refused, with their verdicts.
 */
import { Replay, type ReplayOptions } from '../strace/replay.js';
import type { Arg } from '../strace/args.js';
import type { Call, Observed } from '../state/calls.js';
import type { Kernel } from '../state/kernel.js';
import type { Task } from '../state/types.js';
import { FD_RIGHTS, fdCallRights, fdRequest, fileFlagsOf, requestFor, type Request } from './requests.js';
import { judge, procSelf, type Engine, type Verdict } from './judge.js';
import { bit, rightsIn } from './rights.js';

export interface Judged {
  lineNo: number;
  tid: number;
  syscall: string;
  verdict: Verdict;
  /** The errno the recorded call failed with, when it failed (a denial then only changes the errno). */
  recordedErrno?: string;
}

export interface AuditSummary {
  syscalls: number;
  allowed: number;
  denied: number;
  /** Denials of calls that failed in the recording anyway (included in `denied`). */
  deniedButFailedAnyway: number;
  unknown: number;
}

export interface AuditReport {
  summary: AuditSummary;
  /** Every judged call by line number (the last one on a line). */
  judged: Map<number, Judged>;
  denials: Judged[];
  /** Per right, per path: how many calls were allowed and denied. */
  perRight: Record<string, Record<string, { allowed: number; denied: number }>>;
  diagnostics: { lineNo: number; message: string }[];
}

const num = (a: Arg | undefined): number => (typeof a?.value === 'number' ? a.value : -1);

/** Requests of logged calls the model does not decode: fd-based reads, writes, truncates, file mmaps ... */
export function fdUseRequest(k: Kernel, task: Task, name: string, args: readonly Arg[]): Request | null {
  if (name === 'mmap') {
    const fd = num(args[4]);
    if (fd < 0) return null;
    const shared = args[3]?.valueText.includes('MAP_SHARED') ?? false;
    const writes = args[2]?.valueText.includes('PROT_WRITE') ?? false;
    return fdRequest(k, task, name, fd, bit(shared && writes ? 'write' : 'read'));
  }
  if ((name === 'utimensat' || name === 'futimesat') && args[1]?.valueText === 'NULL') {
    return fdRequest(k, task, name, num(args[0]), bit('utime'));
  }
  const right = FD_RIGHTS[name];
  if (!right) return null;
  const fd = num(args[0]);
  return fdRequest(k, task, name, fd, fdCallRights(right, fileFlagsOf(k, task, fd)));
}

export function audit(lines: readonly string[], engine: Engine, opts: ReplayOptions): AuditReport {
  const replay = new Replay(opts);
  const summary: AuditSummary = { syscalls: 0, allowed: 0, denied: 0, deniedButFailedAnyway: 0, unknown: 0 };
  const denials: Judged[] = [];
  const judged = new Map<number, Judged>();
  const perRight: AuditReport['perRight'] = {};
  let opened: { path: string; type?: string } | undefined;

  replay.onEnter = (c: { lineNo: number; tid: number; name: string; call: Call | null; observed: Observed | undefined; args: readonly Arg[] }) => {
    opened = undefined;
    const task = replay.kernel.task(c.tid);
    if (!task) return;
    const req = c.call ? requestFor(replay.kernel, task, c.call) : fdUseRequest(replay.kernel, task, c.name, c.args);
    if (!req) return;
    const verdict = judge(engine, req);
    summary.syscalls++;
    if (verdict.allowed) summary.allowed++;
    else summary.denied++;
    if (verdict.checks.some((ch) => ch.unknown !== undefined)) summary.unknown++;
    const j: Judged = { lineNo: c.lineNo, tid: c.tid, syscall: c.name, verdict };
    judged.set(c.lineNo, j);
    if (!verdict.allowed) {
      if (c.observed && !c.observed.ok) {
        j.recordedErrno = c.observed.errno;
        summary.deniedButFailedAnyway++;
      }
      denials.push(j);
    }
    for (const ch of verdict.checks) {
      const path = ch.check.object.path ?? '(unknown)';
      for (const d of ch.decisions) {
        for (const right of rightsIn(d.right, engine.policy.abi)) {
          const byPath = (perRight[right] ??= {});
          const cell = (byPath[path] ??= { allowed: 0, denied: 0 });
          if (d.effect === 'allow') cell.allowed++;
          else cell.denied++;
        }
      }
    }
    const obj = req.checks[0]?.object;
    if (c.call?.sys === 'openat' && obj?.path !== undefined) opened = { path: procSelf(obj.path, task), ...(obj.type ? { type: obj.type } : {}) };
  };
  replay.onStart = (task) => {
    // Inherited fds obtained their rights when the program started: whatever the policy allows there.
    for (const [fd, e] of replay.kernel.s.tables.get(task.files)?.fds ?? []) {
      const f = replay.kernel.s.files.get(e.file);
      const label = replay.kernel.describeFd(task.tid, fd);
      if (f && label && label !== 'unknown' && label.kind === 'path') f.granted = engine.allowedMask(procSelf(label.path, task));
    }
  };
  replay.onCall = (c) => {
    // What the new fd obtained: every right the policy allows on its object.
    if (c.call?.sys !== 'openat' || !opened || !c.observed?.ok || c.observed.ret === undefined) return;
    const task = replay.kernel.task(c.tid);
    const e = task && replay.kernel.s.tables.get(task.files)?.fds.get(c.observed.ret);
    const f = e && replay.kernel.s.files.get(e.file);
    if (f) f.granted = engine.allowedMask(opened.path, opened.type);
  };
  for (let i = 0; i < lines.length; i++) replay.feed(lines[i]!, i + 1);
  return { summary, judged, denials, perRight, diagnostics: replay.diagnostics };
}

export { type Task };
