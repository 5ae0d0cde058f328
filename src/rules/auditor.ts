/**
 * Auditing a recorded program against a policy: the log is replayed through the model, and at
 * each call's entry the request it makes is judged. Nothing is blocked (the log already
 * happened); denials are reported as what enforcement would have refused, with their verdicts.
 */
import { Replay, type ReplayOptions } from '../strace/replay.js';
import type { Task } from '../state/types.js';
import { judge, type Engine, type Verdict } from './judge.js';
import { rightsIn } from './rights.js';
import { Enforcer, type Entry } from '../enforce/enforcer.js';
import { grantInherited } from '../enforce/grants.js';
import { contradicted, learnRecorded, unexplained } from './recorded.js';

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

export function audit(lines: readonly string[], engine: Engine, opts: ReplayOptions): AuditReport {
  const replay = new Replay(opts);
  // The recording is the truth here: the enforcer judges, the replay applies what happened.
  const enforcer = new Enforcer(replay.kernel, engine);
  const summary: AuditSummary = { syscalls: 0, allowed: 0, denied: 0, deniedButFailedAnyway: 0, unknown: 0 };
  const denials: Judged[] = [];
  const judged = new Map<number, Judged>();
  const perRight: AuditReport['perRight'] = {};
  let entry: Entry | undefined;

  replay.onEnter = (c) => {
    entry = undefined;
    const task = replay.kernel.task(c.tid);
    if (!task || !c.call) return;
    let e = enforcer.judged(task, c.call);
    if (c.observed?.ok && contradicted(e.request)) {
      // The call succeeded on names the view lacks: learn them, then judge the object it reached.
      learnRecorded(replay.kernel, task, c.call);
      e = enforcer.judged(task, c.call);
      if (e.request && contradicted(e.request)) {
        const request = unexplained(e.request);
        const verdict = judge(engine, request);
        e = { ...e, request, verdict };
      }
    }
    entry = e;
    const verdict = e.verdict;
    if (!verdict) return;
    summary.syscalls++;
    // A path the kernel cannot resolve fails before any policy check: not a denial.
    const denied = !verdict.allowed && verdict.cause !== 'kernel';
    if (denied) summary.denied++;
    else summary.allowed++;
    if (verdict.checks.some((ch) => ch.unknown !== undefined)) summary.unknown++;
    const j: Judged = { lineNo: c.lineNo, tid: c.tid, syscall: c.name, verdict };
    judged.set(c.lineNo, j);
    if (denied) {
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
  };
  // Inherited fds obtained their rights when the program started: whatever the policy allows there.
  replay.onStart = (task) => grantInherited(replay.kernel, engine, task);
  // What a new fd obtained: every right the policy allows on its object.
  replay.onCall = (c) => {
    if (entry && c.observed?.ok) enforcer.granted(entry, c.observed.ret, c.observed.fds);
  };
  for (let i = 0; i < lines.length; i++) replay.feed(lines[i]!, i + 1);
  return { summary, judged, denials, perRight, diagnostics: replay.diagnostics };
}

export { type Task };
