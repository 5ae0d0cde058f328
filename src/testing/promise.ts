/**
 * A promise about a policy: `never`, `always` or `only` a set of rights on the paths a glob
 * matches. The glob set is compiled into the same segment automaton the policy uses, so the
 * proof can walk both in lock-step and the sampler can ask "does this path match" cheaply.
 */
import { compile, type CompiledPolicy } from '../rules/compile.js';
import { rightsIn, rightsNamed } from '../rules/rights.js';
import type { LoadedPolicy } from './policy-loaded.js';
import { promiseGlobs } from './policy-loaded.js';

/** A right as a policy names it, `rename` (both ends) or `*` (every right). */
export type RightName = string;

/** What a promise is about: rights (one, a list, or `"read,write"`) on a pattern (`under P` allowed). */
export interface PromiseSpec {
  right: RightName | readonly RightName[];
  path: string;
}

/**
 * `never`: no right of the set is allowed on a matching path; `always`: every right of the set
 * is; `only`: no right of the set is allowed on a path that does not match.
 */
export type PromiseKind = 'never' | 'always' | 'only';

/** A promise ready to check. */
export interface CompiledPromise {
  readonly kind: PromiseKind;
  readonly rights: number;
  readonly pattern: string;
  readonly globs: readonly string[];
  /** The globs as an automaton: a state matches when its `plain` rules are non-empty. */
  readonly glob: CompiledPolicy;
  /** For messages: `never read under /home/u/.ssh`. */
  readonly text: string;
  /** Whether an absolute normalised path is inside the promise's area (the glob for never/always, its complement for only). */
  inArea(path: string): boolean;
}

/**
 * The rights mask a spec names, or a thrown Error naming the bad right.
 *
 * @example
 * rightsMask('read,write', 1); // 0b11
 */
export function rightsMask(right: PromiseSpec['right'], abi: number): number {
  const names = (typeof right === 'string' ? [right] : [...right]).flatMap((r) => r.split(',')).map((r) => r.trim()).filter((r) => r !== '');
  if (names.length === 0) throw new Error('a promise needs at least one right');
  let mask = 0;
  for (const n of names) {
    const m = rightsNamed(n, abi);
    if (m === undefined) throw new Error(`unknown right \`${n}\` in abi ${abi}`);
    mask |= m;
  }
  return mask >>> 0;
}

/**
 * Compiles a promise against a loaded policy (the pattern may use the policy's variables).
 *
 * @example
 * const pr = compilePromise(loaded, 'never', { right: 'read', path: 'under $HOME/.ssh' });
 * pr.inArea('/home/u/.ssh/id_rsa'); // true
 */
export function compilePromise(p: LoadedPolicy, kind: PromiseKind, spec: PromiseSpec): CompiledPromise {
  const rights = rightsMask(spec.right, p.ir.abi);
  const globs = promiseGlobs(p, spec.path);
  const span = { file: '<promise>', line: 1, col: 1, endLine: 1, endCol: 1 };
  const glob = compile({ abi: p.ir.abi, default: { effect: 'deny', errno: 'EACCES' }, unknown: { effect: 'deny', errno: 'EACCES' }, rules: [{ id: 0, effect: 'allow', tier: 0, rights: 1, patterns: globs, except: [], span }] });
  const matches = (path: string): boolean => glob.dfa.walk(path).info.plain.length > 0;
  const text = `${kind} ${rightsIn(rights, p.ir.abi).join(',')} ${spec.path}`;
  return { kind, rights, pattern: spec.path, globs, glob, text, inArea: (path) => matches(path) !== (kind === 'only') };
}
