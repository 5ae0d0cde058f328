/**
 * Checking a promise on a loaded policy: the exhaustive path proof first, then sampled programs
 * (in a namespace that contains the proof's witness, when there is one, so a failure comes with
 * a program). Node-free: check.ts loads policies from text and files and picks the seed.
 */
import type { LoadedPolicy, PolicyLoadOptions } from './policy-loaded.js';
import { compilePromise, type PromiseKind, type PromiseSpec } from './promise.js';
import { provePromise, type ProofResult } from './prove.js';
import { samplePromise, type SampleResult } from './sample.js';
import { buildWorld } from './world.js';
import { explainWitness } from './witness.js';
import { report } from './report.js';

/** How to check. */
export interface CheckOptions extends PolicyLoadOptions {
  /** fast-check seed for the sampled programs (default: `FDWARDEN_SEED`, else a fixed one). */
  seed?: number;
  /** Sampled programs (default 300; 0 skips sampling). */
  numRuns?: number;
  /** Longest sampled program (default 8 calls). */
  maxLength?: number;
  /** Bound on the proof's state pairs (default 200,000). */
  maxPairs?: number;
}

/** The proof's result, with the witness as a call and its explanation. */
export interface ProofReport extends ProofResult {
  call?: string;
  explanation?: string;
}

/** Everything a check found. `message` is the human report (what `assert*` throws). */
export interface CheckResult {
  ok: boolean;
  kind: PromiseKind;
  /** `never read under /home/u/.ssh`, as given. */
  promise: string;
  globs: readonly string[];
  seed: number;
  proof: ProofReport;
  sample?: SampleResult;
  message: string;
}

/** Thrown by assert*: the message holds the witness, the shrunk program and the explanations. */
export class PromiseViolation extends Error {
  constructor(readonly result: CheckResult) {
    super(result.message);
    this.name = 'PromiseViolation';
  }
}

/** The seed sampling uses when none is given, so a run can be repeated. */
export const DEFAULT_SEED = 0x5eed_f0d;

/** Checks one promise on a loaded policy with the given seed. */
export function checkLoaded(loaded: LoadedPolicy, kind: PromiseKind, spec: PromiseSpec, opts: CheckOptions & { seed: number }): CheckResult {
  const pr = compilePromise(loaded, kind, spec);
  const seed = opts.seed;
  const proved = provePromise(loaded.engine.compiled, pr, opts.maxPairs !== undefined ? { maxPairs: opts.maxPairs } : {});
  const proof: ProofReport = proved.witness ? { ...proved, ...explainWitness(loaded.engine, proved.witness, loaded.sourceLine) } : proved;
  const runs = opts.numRuns ?? 300;
  let sample: SampleResult | undefined;
  if (runs > 0) {
    const world = buildWorld(pr.globs, proved.witness ? [proved.witness.path] : []);
    sample = samplePromise(loaded.engine, pr, world, { seed, numRuns: runs, sourceLine: loaded.sourceLine, ...(opts.maxLength !== undefined ? { maxLength: opts.maxLength } : {}) });
  }
  const ok = proof.holds && !sample?.counterexample;
  const base = { ok, kind, promise: pr.text, globs: pr.globs, seed, proof, ...(sample ? { sample } : {}) };
  return { ...base, message: report(base, loaded.ir.abi) };
}
