/**
 * `fdwarden/testing`: property-testing a policy's promises. Each promise is proved on every path
 * at once (the policy automaton against the promise's globs), then random syscall programs run
 * through the model and the judge look for what paths alone cannot show; a failure comes with a
 * witness path, a shrunk program in strace form, the explanation and the seed.
 *
 * @example
 * import { assertNever } from 'fdwarden/testing';
 * assertNever('policies/home.policy', { right: 'read', path: 'under $HOME/.ssh' }, { vars: { HOME: '/home/u' } });
 */
export {
  assertAlways, assertNever, assertOnly, checkAlways, checkNever, checkOnly, checkPromise, checkPropertyBlock, PromiseViolation,
  type CheckOptions, type CheckResult, type ProofReport, type PropertyBlock,
} from './check.js';
export { loadPolicyInput, promiseGlobs, type LoadedPolicy, type PolicyInput, type PolicyLoadOptions } from './policy-input.js';
export { compilePromise, rightsMask, type CompiledPromise, type PromiseKind, type PromiseSpec, type RightName } from './promise.js';
export { contexts, decideRight, provePromise, type Context, type PathWitness, type ProofResult } from './prove.js';
export { findingFor, samplePromise, type Counterexample, type Finding, type SampleOptions, type SampleResult } from './sample.js';
export {
  absolutePathArbitrary, opArbitrary, policyNames, policyRelativePathArbitrary, programArbitrary, relativePathArbitrary,
  worldPathArbitrary, UNKNOWN_FD, type DirRef, type FdRef, type Op,
} from './arbitraries.js';
export { callFor, requestOf, runProgram, worldKernel, type RunResult, type Step } from './run.js';
export { buildWorld, globInstance, nearMisses, policyLiterals, type World } from './world.js';
export { formatCall, formatLine, openFlags, quote } from './strace.js';
export { exampleCall, explainWitness } from './witness.js';
// Types the exported API refers to.
export type { CompiledPolicy } from '../dsl/index.js';
