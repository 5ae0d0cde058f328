/**
 * Auditing a recorded program against a policy: the log is replayed through the model, and at
 * each call's entry the request it makes is judged. Nothing is blocked (the log already
 * happened); denials are reported as what enforcement would have refused, with their verdicts.
 *
 * `Auditor` takes the log a line at a time and keeps what does not grow with its length: the
 * summary, per right the paths it touched, and denials grouped by what was denied (each group
 * counted, with its first lines and one explained example), so a recording of millions of lines
 * is audited in flat memory. `audit()` is the same over an array, keeping every denial.
 */
import { Replay, type AppliedCall, type ReplayOptions } from '../strace/replay.js';
import type { Call } from '../state/calls.js';
import type { Task } from '../state/types.js';
import { judge, type Engine, type Verdict } from './judge.js';
import { rightsIn } from './rights.js';
import { Enforcer, type Entry } from '../enforce/enforcer.js';
import { grantInherited } from '../enforce/grants.js';
import { contradicted, learnListed, learnRecorded, unexplained } from './recorded.js';

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

/** Denials of the same call on the same objects for the same reason. */
export interface DenialGroup {
  /** `syscall errno object [rights]; ...`: what was denied. */
  key: string;
  count: number;
  /** How many of them failed in the recording anyway. */
  failedAnyway: number;
  /** The first lines (at most `linesPerGroup` of the auditor's options). */
  lines: number[];
  /** The first denial, with its verdict and the resolution steps explanations show. */
  example: Judged;
}

export interface AuditReport {
  summary: AuditSummary;
  /** Judged calls by line number (the last one on a line): every one from `audit()`, only `keepLine`'s from an `Auditor`. */
  judged: Map<number, Judged>;
  /** Every denial, in order (`audit()`); empty from an `Auditor`, which groups them. */
  denials: Judged[];
  /** Denials grouped, in the order each group first appeared. */
  groups: DenialGroup[];
  /** Per right, per path: how many calls were allowed and denied. */
  perRight: Record<string, Record<string, { allowed: number; denied: number }>>;
  diagnostics: { lineNo: number; message: string }[];
  /** Diagnostics beyond the ones kept (at most 1000). */
  moreDiagnostics: number;
}

export interface AuditorOptions extends ReplayOptions {
  /** Keep every denial and every judged line (what `audit()` does); default false. */
  keepAll?: boolean;
  /** Keep the judged call of this line (an explanation of one line). */
  keepLine?: number;
  /** Line numbers kept per denial group (default 20). */
  linesPerGroup?: number;
}

/** Diagnostics (malformed lines) kept in a report; the rest are counted. */
export const MAX_DIAGNOSTICS = 1000;

export class Auditor {
  private readonly replay: Replay;
  private readonly enforcer: Enforcer;
  private readonly summary: AuditSummary = { syscalls: 0, allowed: 0, denied: 0, deniedButFailedAnyway: 0, unknown: 0 };
  private readonly denials: Judged[] = [];
  private readonly judged = new Map<number, Judged>();
  private readonly groups = new Map<string, DenialGroup>();
  private readonly perRight: AuditReport['perRight'] = {};
  private entry: Entry | undefined;

  constructor(private readonly engine: Engine, private readonly opts: AuditorOptions) {
    const replay = (this.replay = new Replay(opts));
    // The recording is the truth here: the enforcer judges, the replay applies what happened.
    this.enforcer = new Enforcer(replay.kernel, engine);
    replay.onEnter = (c) => {
      this.entry = undefined;
      const task = replay.kernel.task(c.tid);
      if (!task || !c.call) return;
      this.enter(task, c as AppliedCall & { call: Call });
    };
    // Inherited fds obtained their rights when the program started: whatever the policy allows there.
    replay.onStart = (task) => grantInherited(replay.kernel, engine, task);
    // What a new fd obtained: every right the policy allows on its object.
    replay.onCall = (c) => {
      if (this.entry && c.observed?.ok) this.enforcer.granted(this.entry, c.observed.ret, c.observed.fds);
    };
  }

  /** The next line of the log (numbered from 1). */
  feed(line: string, lineNo: number): void {
    this.replay.feed(line, lineNo);
  }

  report(): AuditReport {
    const all = this.replay.diagnostics;
    return {
      summary: { ...this.summary },
      judged: this.judged,
      denials: this.denials,
      groups: [...this.groups.values()],
      perRight: this.perRight,
      diagnostics: all.slice(0, MAX_DIAGNOSTICS),
      moreDiagnostics: Math.max(0, all.length - MAX_DIAGNOSTICS),
    };
  }

  private enter(task: Task, c: AppliedCall & { call: Call }): void {
    const { engine, enforcer } = this;
    const { call, lineNo, tid, name, observed } = c;
    // Steps (how each path resolved) cost strings: recorded only where a report shows them.
    const keep = this.opts.keepAll === true || this.opts.keepLine === lineNo;
    if (observed?.ok) learnListed(this.replay.kernel, engine, task, call);
    let e = enforcer.judged(task, call, keep);
    if (observed?.ok && contradicted(e.request, call)) {
      // The call succeeded on names the view lacks: learn them, then judge the object it reached.
      learnRecorded(this.replay.kernel, task, call);
      e = enforcer.judged(task, call, keep);
      if (e.request && contradicted(e.request, call)) {
        const request = unexplained(e.request);
        e = { ...e, request, verdict: judge(engine, request) };
      }
    }
    this.entry = e;
    let verdict = e.verdict;
    if (!verdict) return;
    const summary = this.summary;
    summary.syscalls++;
    // A path the kernel cannot resolve fails before any policy check: not a denial.
    const denied = !verdict.allowed && verdict.cause !== 'kernel';
    if (denied) summary.denied++;
    else summary.allowed++;
    if (verdict.checks.some((ch) => ch.unknown !== undefined)) summary.unknown++;
    const key = denied ? groupKey(name, verdict) : '';
    if (denied && !keep && !this.groups.has(key)) {
      // The first of its group is the example explained: judge it again with its steps (nothing changed since).
      const again = enforcer.judged(task, call, true);
      if (again.verdict && groupKey(name, again.verdict) === key) verdict = again.verdict;
    }
    const j: Judged = { lineNo, tid, syscall: name, verdict };
    if (denied && observed && !observed.ok) {
      j.recordedErrno = observed.errno;
      summary.deniedButFailedAnyway++;
    }
    if (keep) this.judged.set(lineNo, j);
    if (denied) {
      if (this.opts.keepAll) this.denials.push(j);
      this.group(key, j);
    }
    for (const ch of verdict.checks) {
      const path = ch.check.object.path ?? '(unknown)';
      for (const d of ch.decisions) {
        for (const right of rightsIn(d.right, engine.policy.abi)) {
          const byPath = (this.perRight[right] ??= {});
          const cell = (byPath[path] ??= { allowed: 0, denied: 0 });
          if (d.effect === 'allow') cell.allowed++;
          else cell.denied++;
        }
      }
    }
  }

  private group(key: string, j: Judged): void {
    let g = this.groups.get(key);
    if (!g) this.groups.set(key, (g = { key, count: 0, failedAnyway: 0, lines: [], example: j }));
    g.count++;
    if (j.recordedErrno !== undefined) g.failedAnyway++;
    if (g.lines.length < (this.opts.linesPerGroup ?? 20)) g.lines.push(j.lineNo);
  }
}

/** What a denial is about: the call, its errno, and each object with the rights it needed. */
function groupKey(syscall: string, v: Verdict): string {
  const objects = v.checks.map((c) => `${c.check.object.path ?? (c.check.fd !== undefined ? `fd ${c.check.fd}` : '(unknown)')} [${c.check.rights}]`);
  return `${syscall} ${v.errno ?? ''} ${objects.join('; ')}`;
}

/** Audits a whole log held in memory, keeping every denial and every judged line. */
export function audit(lines: readonly string[], engine: Engine, opts: ReplayOptions): AuditReport {
  const a = new Auditor(engine, { ...opts, keepAll: true });
  for (let i = 0; i < lines.length; i++) a.feed(lines[i]!, i + 1);
  return a.report();
}

export { type Task };
