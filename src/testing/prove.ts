/**
 * The exhaustive half of a promise check. The policy and the promise's globs are both segment
 * automata; a breadth-first search over pairs (policy state, glob state) visits every way a path
 * can drive the two, with segments drawn from the finite symbolic alphabet of inclusion.ts
 * (each literal leaving either state, plus one representative per combination of wildcards).
 * A decision depends only on the policy state and the request's conditions, so checking every
 * reachable pair under every relevant condition context decides the promise for all paths; the
 * representative path of the first failing pair is a shortest witness.
 */
import type { Accept, CompiledPolicy } from '../rules/compile.js';
import type { DState } from '../rules/automaton.js';
import { decide } from '../rules/decide.js';
import { segmentRepresentatives } from '../rules/inclusion.js';
import type { RightDecision } from '../rules/ir.js';
import { bit } from '../rules/rights.js';
import type { CompiledPromise } from './promise.js';

/** The request conditions a decision can depend on (`when type`, `when flags`). */
export interface Context {
  type?: string;
  flags?: number;
}

/** A path (and request conditions) where the promise fails, with the failing right's decision. */
export interface PathWitness {
  path: string;
  right: number;
  context: Context;
  decision: RightDecision;
}

/** What the proof found. `undecided` when the state space exceeded `maxPairs`. */
export interface ProofResult {
  holds: boolean;
  /** State pairs explored. */
  pairs: number;
  witness?: PathWitness;
  /** Set when objects the model cannot resolve are allowed: no path proof can cover those. */
  unknownAllowed?: boolean;
  undecided?: string;
}

/**
 * Condition contexts that together cover every way the policy's conditions can evaluate.
 *
 * @example
 * contexts(engineFor(ir).compiled); // [{}, { flags: 0o200 }] for a rule `when flags has O_EXCL`
 */
export function contexts(c: CompiledPolicy, maxFlagUnits = 8): Context[] {
  const types = new Set<string>();
  const units = new Set<number>();
  for (const r of c.rules) {
    if (!r.when) continue;
    if (r.when.type !== undefined) types.add(r.when.type);
    for (const f of [...(r.when.flagsHas ?? []), ...(r.when.flagsLacks ?? [])]) units.add(f);
  }
  const flagUnits = [...units].slice(0, maxFlagUnits);
  const flagSets: number[] = [];
  for (let m = 0; m < 1 << flagUnits.length; m++) flagSets.push(flagUnits.reduce((acc, f, i) => (m & (1 << i) ? acc | f : acc), 0));
  const out: Context[] = [];
  for (const type of [undefined, ...types]) {
    for (const flags of flagSets) out.push({ ...(type !== undefined ? { type } : {}), ...(flags ? { flags } : {}) });
  }
  return out;
}

const APPEND = bit('append');
const WRITE = bit('write');

/**
 * One right's decision at a path, with `append` satisfied by `write` as the judge does.
 *
 * @example
 * decideRight(compiled, '/home/u/.ssh/id', bit('read'), {}).effect; // 'deny'
 */
export function decideRight(c: CompiledPolicy, path: string, right: number, ctx: Context): RightDecision {
  const q = { path, rights: right, type: ctx.type, flags: ctx.flags };
  const d = decide(c, q)[0]!;
  if (right === APPEND && d.effect === 'deny') {
    const w = decide(c, { ...q, rights: WRITE })[0]!;
    if (w.effect === 'allow') return { ...w, right: APPEND };
  }
  return d;
}

function failingAt(c: CompiledPolicy, pr: CompiledPromise, path: string, ctxs: readonly Context[], conditional: boolean): PathWitness | undefined {
  const want = pr.kind === 'always' ? 'deny' : 'allow';
  for (const ctx of conditional ? ctxs : [{}]) {
    for (let m = pr.rights; m !== 0; m = (m & (m - 1)) >>> 0) {
      const right = (m & -m) >>> 0;
      const d = decideRight(c, path, right, ctx);
      if (d.effect === want) return { path, right, context: ctx, decision: d };
    }
  }
  return undefined;
}

const child = (path: string, seg: string): string => (path === '/' ? `/${seg}` : `${path}/${seg}`);

interface Pair {
  a: DState<Accept>;
  g: DState<Accept>;
  path: string;
}

/**
 * Decides a promise on every path at once.
 *
 * @example
 * const r = provePromise(loaded.engine.compiled, compilePromise(loaded, 'never', { right: 'read', path: '/home/u/.ssh/**' }));
 * if (!r.holds) console.log(r.witness?.path); // e.g. /home/u/.ssh/keys
 */
export function provePromise(c: CompiledPolicy, pr: CompiledPromise, opts: { maxPairs?: number } = {}): ProofResult {
  const maxPairs = opts.maxPairs ?? 200_000;
  const ctxs = contexts(c);
  const g0 = pr.glob.dfa.start;
  const queue: Pair[] = [{ a: c.dfa.start, g: g0, path: '/' }];
  const seen = new Set<string>([`${c.dfa.start.key}|${g0.key}`]);
  const only = pr.kind === 'only';
  for (let head = 0; head < queue.length; head++) {
    const { a, g, path } = queue[head]!;
    const inGlob = g.info.plain.length > 0;
    if (inGlob !== only) {
      const w = failingAt(c, pr, path, ctxs, a.info.conditional);
      if (w) return { holds: false, pairs: seen.size, witness: w };
    }
    // Below a dead glob state nothing matches again: for never/always there is nothing left to see.
    if (g.dead && !only) continue;
    for (const seg of symbols(c, a, pr.glob, g)) {
      const na = c.dfa.step(a, seg);
      const ng = pr.glob.dfa.step(g, seg);
      const k = `${na.key}|${ng.key}`;
      if (seen.has(k)) continue;
      seen.add(k);
      if (seen.size > maxPairs) return { holds: false, pairs: seen.size, undecided: `more than ${maxPairs} state pairs` };
      queue.push({ a: na, g: ng, path: child(path, seg) });
    }
  }
  if (pr.kind !== 'always' && c.policy.unknown.effect === 'allow') return { holds: false, pairs: seen.size, unknownAllowed: true };
  return { holds: true, pairs: seen.size };
}

/** Segments that behave, together, like every segment at this pair of states. */
function symbols(c: CompiledPolicy, a: DState<Accept>, gc: CompiledPolicy, g: DState<Accept>): string[] {
  const x = c.dfa.alphabet(a);
  const y = gc.dfa.alphabet(g);
  const literals = [...new Set([...x.literals, ...y.literals])];
  const wilds = [...new Map([...x.wilds, ...y.wilds].map((w) => [w.source, w])).values()];
  return [...literals, ...segmentRepresentatives(wilds, literals)];
}
