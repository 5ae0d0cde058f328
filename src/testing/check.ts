/**
 * Checking a promise: the exhaustive path proof first, then sampled programs (in a namespace
 * that contains the proof's witness, when there is one, so a failure comes with a program).
 * `check*` return a result; `assert*` throw a PromiseViolation whose message is the report.
 */
import { loadPolicyInput, type PolicyInput } from './policy-input.js';
import type { PromiseKind, PromiseSpec } from './promise.js';
import { checkLoaded, DEFAULT_SEED, PromiseViolation, type CheckOptions, type CheckResult } from './check-loaded.js';

export { checkLoaded, DEFAULT_SEED, PromiseViolation, type CheckOptions, type CheckResult, type ProofReport } from './check-loaded.js';

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
  return checkLoaded(loadPolicyInput(policy, opts), kind, spec, { ...opts, seed: seedOf(opts) });
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
