/**
 * Checking a promise: the exhaustive path proof first, then sampled programs (in a namespace
 * that contains the proof's witness, when there is one, so a failure comes with a program).
 * `check*` return a result; `assert*` throw a PromiseViolation whose message is the report.
 */
import { loadPolicyInput, type PolicyInput, type PolicyLoadOptions } from './policy-input.js';
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

function seedOf(opts: CheckOptions): number {
  if (opts.seed !== undefined) return opts.seed;
  const env = Number(process.env['FDWARDEN_SEED']);
  return Number.isFinite(env) && process.env['FDWARDEN_SEED'] !== undefined ? env : DEFAULT_SEED;
}

/**
 * Checks one promise of any kind.
 *
 * @example
 * const r = checkPromise('examples/policies/hide-ssh.policy', 'never', { right: 'read', path: 'under $HOME/.ssh' }, { vars: { HOME: '/home/u' } });
 * r.ok; // false: known_hosts is readable
 */
export function checkPromise(policy: PolicyInput, kind: PromiseKind, spec: PromiseSpec, opts: CheckOptions = {}): CheckResult {
  const loaded = loadPolicyInput(policy, opts);
  const pr = compilePromise(loaded, kind, spec);
  const seed = seedOf(opts);
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

/**
 * No request for `right` on an object whose resolved path matches `path` is allowed, for any program.
 *
 * @example
 * const r = checkNever(policyText, { right: 'read', path: '/home/*' + '/.ssh/**' });
 * if (!r.ok) console.log(r.message);
 */
export function checkNever(policy: PolicyInput, spec: PromiseSpec, opts: CheckOptions = {}): CheckResult {
  return checkPromise(policy, 'never', spec, opts);
}

/**
 * Every request for `right` on a path matching `path` is allowed (whatever its flags and type).
 *
 * @example
 * checkAlways(policyText, { right: 'read', path: '$HOME/.ssh/known_hosts' }, { vars: { HOME: '/home/u' } }).ok; // true
 */
export function checkAlways(policy: PolicyInput, spec: PromiseSpec, opts: CheckOptions = {}): CheckResult {
  return checkPromise(policy, 'always', spec, opts);
}

/**
 * `right` is allowed nowhere outside `path`.
 *
 * @example
 * checkOnly(buildPolicy, { right: 'delete', path: '/srv/out/**' }).ok;
 */
export function checkOnly(policy: PolicyInput, spec: PromiseSpec, opts: CheckOptions = {}): CheckResult {
  return checkPromise(policy, 'only', spec, opts);
}

function assertOk(r: CheckResult): void {
  if (!r.ok) throw new PromiseViolation(r);
}

/**
 * Throws a PromiseViolation (witness path, shrunk program, explanations, seed) unless `never` holds.
 *
 * @example
 * test('keys stay hidden', () => {
 *   assertNever('examples/policies/hide-ssh.policy', { right: 'read', path: '$HOME/.ssh/id_*' }, { vars: { HOME: '/home/u' } });
 * });
 */
export function assertNever(policy: PolicyInput, spec: PromiseSpec, opts: CheckOptions = {}): void {
  assertOk(checkNever(policy, spec, opts));
}

/**
 * Throws unless `always` holds.
 *
 * @example
 * assertAlways(policy, { right: 'read,stat', path: '$HOME/.ssh/known_hosts' }, { vars: { HOME: '/home/u' } });
 */
export function assertAlways(policy: PolicyInput, spec: PromiseSpec, opts: CheckOptions = {}): void {
  assertOk(checkAlways(policy, spec, opts));
}

/**
 * Throws unless `only` holds.
 *
 * @example
 * assertOnly('examples/policies/build.policy', { right: 'delete', path: 'under $OUT' }, { vars: { OUT: '/srv/out' } });
 */
export function assertOnly(policy: PolicyInput, spec: PromiseSpec, opts: CheckOptions = {}): void {
  assertOk(checkOnly(policy, spec, opts));
}

/** A policy file's `property` block, as the test command hands it over. */
export interface PropertyBlock {
  kind: PromiseKind;
  /** One right, a list, or `"read,write"`. */
  right: string | readonly string[];
  /** A policy pattern (`under P` allowed), with the policy's variables. */
  pattern: string;
}

/**
 * Checks one `property` block (`property "keys hidden" { never read under $HOME/.ssh }`).
 *
 * @example
 * const r = checkPropertyBlock(text, { kind: 'never', right: 'read', pattern: 'under $HOME/.ssh' }, { vars: { HOME: '/home/u' } });
 * console.log(r.ok ? 'ok' : r.message);
 */
export function checkPropertyBlock(policy: PolicyInput, block: PropertyBlock, opts: CheckOptions = {}): CheckResult {
  return checkPromise(policy, block.kind, { right: block.right, path: block.pattern }, opts);
}
