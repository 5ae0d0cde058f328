/**
 * Learning a policy from recorded programs, as AppArmor's aa-logprof proposes profiles: replay
 * each trace through the model, collect per path the rights its calls needed, generalise work
 * directories (shown, never silent), print the policy, and check that it compiles and that its
 * own tests hold.
 */
import { compilePolicyText, type CompiledPolicy, type Loader } from '../dsl/index.js';
import { resolveInclude } from '../dsl/includes.js';
import { audit, type Judged } from '../rules/auditor.js';
import { engineFor } from '../rules/engine.js';
import type { Engine } from '../rules/judge.js';
import { collectTrace, emptyCollected, type Collected, type TraceInput } from './collect.js';
import { emitPolicy } from './emit.js';
import { learnedExpects } from './expects.js';
import { propose, type Proposal } from './generalise.js';

export { collectTrace, emptyCollected, type Collected, type TraceInput } from './collect.js';
export { describeGeneralisation } from './emit.js';
export { propose, workRoots, WRITE_CLASS, type Generalisation, type Proposal } from './generalise.js';

export interface LearnOptions {
  /** Where the learned policy will be written (resolves includes); default `learned.policy`. */
  file?: string;
  /** Distinct written paths below a directory that make it `under DIR` (default 3). */
  threshold?: number;
  /** The system file's name, relative to `file`; undefined keeps system reads inline. */
  systemInclude?: string;
  /** A base policy to include: its engine, and its name relative to `file`. */
  base?: { engine: Engine; include: string };
  /** Reads included files (the base); the system file is served from memory. */
  load?: Loader;
  /** `--var` values, for the base policy's variables. */
  vars?: Readonly<Record<string, string | readonly string[]>>;
}

export interface LearnResult {
  /** The learned policy's text. */
  main: string;
  /** The system file's text, when system reads go to their own file. */
  system?: string;
  proposal: Proposal;
  collected: Collected;
  /** The learned policy compiled (with its includes); `ok` unless something is badly wrong. */
  compiled: CompiledPolicy;
}

/**
 * Learns a policy from traces.
 *
 * @example
 * const r = learn([{ name: 'rm-rf.strace', lines: readLog('rm-rf.strace'),
 *   replay: { view: liveView(), cwd: '/tmp/w', inherit: [{ fd: 0, path: '/dev/null' }] } }],
 *   { file: '/out/learned.policy', systemInclude: 'learned-system.policy' });
 * writeFileSync('/out/learned.policy', r.main);
 */
export function learn(traces: readonly TraceInput[], opts: LearnOptions = {}): LearnResult {
  const collected = emptyCollected();
  for (const t of traces) collectTrace(t, collected);
  const threshold = opts.threshold ?? 3;
  const proposal = propose(collected, { threshold, ...(opts.base ? { base: opts.base.engine } : {}) });
  const emitOpts = {
    traces: traces.map((t) => ({ name: t.name, cwd: t.replay.cwd })),
    threshold,
    unlearnable: collected.unlearnable.length,
    ...(opts.base ? { baseInclude: opts.base.include, baseVars: Object.keys(opts.vars ?? {}) } : {}),
    ...(opts.systemInclude !== undefined ? { systemInclude: opts.systemInclude } : {}),
  };
  const file = opts.file ?? 'learned.policy';
  const compileEmitted = (e: { main: string; system?: string }) => {
    const systemPath = opts.systemInclude !== undefined ? resolveInclude(file, opts.systemInclude) : undefined;
    const load: Loader = (f) => (f === systemPath && e.system !== undefined ? e.system : opts.load?.(f));
    return compilePolicyText(e.main, { file, load, ...(opts.vars ? { vars: opts.vars } : {}) });
  };
  // Compiled once without tests to judge the candidate expectations, then again as printed.
  const draft = compileEmitted(emitPolicy(proposal, { ...emitOpts, expects: [] }));
  const expects = draft.ok ? learnedExpects(collected, proposal, engineFor(draft.policy)) : [];
  const emitted = emitPolicy(proposal, { ...emitOpts, expects });
  return { ...emitted, proposal, collected, compiled: compileEmitted(emitted) };
}

export interface Verification {
  trace: string;
  syscalls: number;
  denials: Judged[];
}

/**
 * Audits the traces again under the learned policy: what enforcement would have refused.
 *
 * @example
 * verifyLearned(traces, r.compiled).every((v) => v.denials.length === 0); // true
 */
export function verifyLearned(traces: readonly TraceInput[], compiled: CompiledPolicy): Verification[] {
  const engine = engineFor(compiled.policy);
  return traces.map((t) => {
    const r = audit(t.lines, engine, t.replay);
    return { trace: t.name, syscalls: r.summary.syscalls, denials: r.denials };
  });
}
