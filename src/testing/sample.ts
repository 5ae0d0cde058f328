/**
 * The sampling half of a promise check: random syscall programs run through the model and the
 * judge, looking for what the path proof cannot see (rights an fd obtained at open and kept
 * after its object moved into the area, objects the model cannot resolve, calls refused by the
 * rename/link escalation rule). A failure is shrunk by fast-check to the shortest program.
 */
import fc from 'fast-check';
import type { CompiledEngine } from '../rules/engine.js';
import { explain, renderExplanation } from '../rules/explain.js';
import { rightsIn } from '../rules/rights.js';
import type { Span } from '../rules/ir.js';
import { programArbitrary, type Op } from './arbitraries.js';
import type { CompiledPromise } from './promise.js';
import { runProgram, type Step } from './run.js';
import type { World } from './world.js';

/** Why a step breaks the promise. */
export interface Finding {
  /** The object's path, or undefined for an object the model could not resolve. */
  path: string | undefined;
  right: string;
  why: string;
}

/** A shrunk counterexample program. */
export interface Counterexample {
  ops: Op[];
  steps: Step[];
  /** The program as strace lines, the breaking call last. */
  program: string[];
  finding: Finding;
  /** renderExplanation of the breaking call's verdict. */
  explanation: string;
}

/** What sampling did. */
export interface SampleResult {
  runs: number;
  seed: number;
  shrinks: number;
  counterexample?: Counterexample;
}

/**
 * Whether one executed step breaks the promise, and how.
 *
 * @example
 * runProgram(engine, world, ops).steps.map((s) => findingFor(promise, s, 1)).find(Boolean);
 */
export function findingFor(pr: CompiledPromise, step: Step, abi: number): Finding | undefined {
  const v = step.verdict;
  if (!v) return undefined;
  const names = (mask: number): string => rightsIn(mask, abi).join(',');
  if (pr.kind === 'always') {
    if (v.allowed) return undefined;
    for (const cv of v.checks) {
      const path = cv.check.object.path;
      if (cv.check.role === 'fd' || path === undefined || !pr.inArea(path)) continue;
      const denied = cv.decisions.find((d) => d.effect === 'deny' && (d.right & pr.rights) !== 0);
      if (denied) return { path, right: names(denied.right), why: `${names(denied.right)} denied on ${path}` };
      if (v.escalation && (cv.check.rights & pr.rights) !== 0) return { path, right: names(cv.check.rights & pr.rights), why: `refused with EXDEV by the escalation rule on ${path}` };
    }
    return undefined;
  }
  // never / only: an allowed call the model carried out (or could not rule out) on the area.
  if (!v.allowed || (!step.outcome.ok && step.outcome.unknown === undefined)) return undefined;
  for (const cv of v.checks) {
    const r = cv.check.rights & pr.rights;
    if (r === 0) continue;
    const path = cv.check.object.path;
    if (path === undefined && cv.unknown !== undefined) return { path, right: names(r), why: `${names(r)} allowed on an object the model cannot resolve (${cv.unknown})` };
    if (path !== undefined && pr.inArea(path)) {
      const via = cv.check.role === 'fd' ? ` through fd ${cv.check.fd}, by rights it obtained when opened` : '';
      return { path, right: names(r), why: `${names(r)} allowed on ${path}${via}` };
    }
  }
  return undefined;
}

/** Options for sampling. */
export interface SampleOptions {
  seed: number;
  numRuns?: number;
  maxLength?: number;
  sourceLine?: (s: Span) => string | undefined;
}

/**
 * Runs random programs in `world` until one breaks the promise; returns it shrunk.
 *
 * @example
 * const s = samplePromise(loaded.engine, promise, buildWorld(promise.globs), { seed: 42 });
 * s.counterexample?.program; // ['openat(AT_FDCWD, "/home/u/f", O_RDONLY) = 3', ...]
 */
export function samplePromise(engine: CompiledEngine, pr: CompiledPromise, world: World, opts: SampleOptions): SampleResult {
  const abi = engine.policy.abi;
  const breaks = (s: Step): boolean => findingFor(pr, s, abi) !== undefined;
  const arb = programArbitrary(world, { rights: pr.rights, ...(opts.maxLength !== undefined ? { maxLength: opts.maxLength } : {}) });
  const prop = fc.property(arb, (ops) => runProgram(engine, world, ops, breaks).stoppedAt === undefined);
  const d = fc.check(prop, { seed: opts.seed, numRuns: opts.numRuns ?? 300 });
  const base: SampleResult = { runs: d.numRuns, seed: opts.seed, shrinks: d.numShrinks };
  if (!d.failed || !d.counterexample) return base;
  const ops = simplify(d.counterexample[0], (o) => runProgram(engine, world, o, breaks).stoppedAt !== undefined);
  const run = runProgram(engine, world, ops, breaks);
  const last = run.steps[run.stoppedAt ?? run.steps.length - 1];
  const finding = last && findingFor(pr, last, abi);
  if (!last || !finding) return base;
  const explanation = last.verdict ? renderExplanation(explain(engine.policy, last.verdict), opts.sourceLine) : '';
  return { ...base, counterexample: { ops, steps: run.steps, program: run.steps.map((s) => s.line), finding, explanation } };
}

/** Plainer variants of one operation: dirfds replaced by the cwd, fd slots by the latest fd. */
function variants(op: Op): Op[] {
  const out: Op[] = [];
  for (const key of ['dir', 'from', 'to'] as const) {
    if (key in op && !('cwd' in (op as unknown as Record<string, object>)[key]!)) out.push({ ...op, [key]: { cwd: true } } as Op);
  }
  if ('fd' in op && !('last' in op.fd)) out.push({ ...op, fd: { last: true } } as Op);
  return out;
}

/**
 * After fast-check's shrinking, which keeps the shape it drew: drop any call the failure does
 * not need and prefer AT_FDCWD and the latest fd, so the printed program says only what matters.
 *
 * @example
 * simplify(ops, (o) => runProgram(engine, world, o, breaks).stoppedAt !== undefined);
 */
export function simplify(ops: readonly Op[], fails: (ops: Op[]) => boolean): Op[] {
  let cur = [...ops];
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = 0; i < cur.length; i++) {
      const fewer = [...cur.slice(0, i), ...cur.slice(i + 1)];
      if (fails(fewer)) {
        cur = fewer;
        changed = true;
        i--;
        continue;
      }
      for (const v of variants(cur[i]!)) {
        const plainer = [...cur.slice(0, i), v, ...cur.slice(i + 1)];
        if (fails(plainer)) {
          cur = plainer;
          changed = true;
          break;
        }
      }
    }
  }
  return cur;
}
