/**
 * A semantic diff of two policies: for every right, whether some path gains it (allowed by the
 * new policy, denied by the old) or loses it, each with a shortest witness path.
 *
 * Decided exactly by a breadth-first exploration of the product of the two compiled automata:
 * pairs (old state, new state) from the root, over a finite symbolic alphabet per pair (the
 * literals leaving either state, plus one shortest representative segment for every combination
 * of the wildcards tested there, as in inclusion.ts). Every real segment leads to the same pair
 * as one of these symbols, so every path's pair is visited and every difference is found.
 *
 * What is covered exactly: every path, every right, and every request context (file type, open
 * flags) that the rules' conditions can tell apart (diff-contexts.ts), i.e. every query `decide`
 * can be asked. A context is compared even for a right whose syscalls never carry open flags.
 * Witnesses have the fewest segments, then the fewest characters; among equals, the first over
 * the representative alphabet (readable characters first), not always the byte-wise smallest.
 * What is bounded: explored pairs (`maxPairs`), contexts (`maxContexts`) and the work of the
 * whole exploration (`maxWork`: pairs, symbols, DFA states built, contexts compared, the search
 * for segment representatives; see budget.ts), since a policy can make the pair space
 * exponential. Past a bound the diff throws a RangeError (WorkBoundExceeded) rather than guess.
 */
import type { IrPolicy, Span } from './ir.js';
import type { DState } from './automaton.js';
import { compile, type Accept, type CompiledPolicy } from './compile.js';
import { allowedMaskAtState, bitsOf, decide, decideAtState } from './decide.js';
import { allRights, rightsIn } from './rights.js';
import { PLAIN, requestContexts, type RequestContext } from './diff-contexts.js';
import { WorkBoundExceeded, WorkBudget } from './budget.js';
import { RepresentativeCache } from './segment-alphabet.js';
import { StatePairs } from './state-pairs.js';

export { describeContext, flagNames, type FileType, type RequestContext } from './diff-contexts.js';

export interface DiffOptions {
  /** Bound on explored state pairs; beyond it the diff throws rather than guess. Default 200,000. */
  maxPairs?: number;
  /** Bound on work (see budget.ts); beyond it the diff throws rather than guess. Default: `diffWorkBound`. */
  maxWork?: number;
  /** Bound on request contexts (file types × open-flag words). Default 1024. */
  maxContexts?: number;
  /** Rights to compare (a mask). Default: every right of the newer abi. */
  rights?: number;
  /** Also look for paths where both deny a right with different errnos. Default true. */
  errnos?: boolean;
}

/**
 * The default work bound, linear in the policies' size: 2,000,000 steps plus 1,000 per NFA node
 * of the two. Comparing the bench's generated 10,000-rule policies needs about a third of it; a
 * small policy whose pair space explodes reaches it within a fraction of a second.
 */
export function diffWorkBound(a: CompiledPolicy, b: CompiledPolicy): number {
  return 2_000_000 + 1_000 * (a.dfa.nfa.nodes.length + b.dfa.nfa.nodes.length);
}

export type DiffLabel = 'narrowing' | 'widening' | 'both' | 'equivalent';

/** How one policy decided one right at a witness. */
export interface DecisionSource {
  effect: 'allow' | 'deny';
  errno?: string;
  /** The deciding rule; absent when the default decided. */
  rule?: { id: number; span: Span };
}

/** A right allowed by one policy and denied by the other at `path` in `context`. */
export interface RightChange {
  right: string;
  bit: number;
  change: 'gained' | 'lost';
  /** A shortest such path: fewest segments, then fewest characters. */
  path: string;
  /** The request context in which it differs (PLAIN unless only conditional rules differ there). */
  context: RequestContext;
  old: DecisionSource;
  new: DecisionSource;
}

/** A right both policies deny at `path`, with different errnos. */
export interface ErrnoChange {
  right: string;
  bit: number;
  path: string;
  context: RequestContext;
  old: DecisionSource;
  new: DecisionSource;
}

/** A changed `default` or `unknown` setting. */
export interface SettingChange {
  setting: 'default' | 'unknown';
  old: { effect: 'allow' | 'deny'; errno: string };
  new: { effect: 'allow' | 'deny'; errno: string };
}

export interface PolicyDiff {
  label: DiffLabel;
  /** One entry per gained right, in bit order. */
  gained: RightChange[];
  /** One entry per lost right, in bit order. */
  lost: RightChange[];
  /** One entry per right whose denial errno changes somewhere (when `errnos` is on). */
  errnos: ErrnoChange[];
  settings: SettingChange[];
  /** Rights gained and lost on objects the model cannot resolve (the `unknown` setting). */
  unknownObjects: { gained: number; lost: number };
  /** State pairs explored, request contexts compared per conditional pair, work spent (budget.ts). */
  stats: { pairs: number; contexts: number; work: number };
}

/**
 * Compares two policies exactly, for every path, right and request context.
 *
 * @example
 * const d = diffPolicies(oldIr, newIr);
 * d.label;              // 'widening'
 * d.gained[0];          // { right: 'write', path: '/srv/job/x', change: 'gained', ... }
 */
export function diffPolicies(oldPolicy: IrPolicy, newPolicy: IrPolicy, opts: DiffOptions = {}): PolicyDiff {
  const a = compile(oldPolicy);
  const b = compile(newPolicy);
  const abi = Math.max(oldPolicy.abi, newPolicy.abi);
  const mask = ((opts.rights ?? allRights(abi)) & allRights(abi)) >>> 0;
  const contexts = requestContexts([oldPolicy, newPolicy], opts.maxContexts ?? 1024);
  const budget = new WorkBudget(opts.maxWork ?? diffWorkBound(a, b), 'the policy diff');
  const found = explore(a, b, mask, contexts, opts.errnos ?? true, opts.maxPairs ?? 200_000, budget);

  const change = (kind: 'gained' | 'lost') => (w: Witness): RightChange => ({
    right: rightsIn(w.bit, abi).join(','), bit: w.bit, change: kind, path: w.path, context: w.context,
    old: source(a, w), new: source(b, w),
  });
  const gained = [...found.gained.values()].sort(byBit).map(change('gained'));
  const lost = [...found.lost.values()].sort(byBit).map(change('lost'));
  const errnos = [...found.errnos.values()].sort(byBit).map((w): ErrnoChange => ({
    right: rightsIn(w.bit, abi).join(','), bit: w.bit, path: w.path, context: w.context, old: source(a, w), new: source(b, w),
  }));

  const settings: SettingChange[] = [];
  for (const setting of ['default', 'unknown'] as const) {
    const o = oldPolicy[setting];
    const n = newPolicy[setting];
    if (o.effect !== n.effect || (o.effect === 'deny' && o.errno !== n.errno)) {
      settings.push({ setting, old: { effect: o.effect, errno: o.errno }, new: { effect: n.effect, errno: n.errno } });
    }
  }
  const uo = oldPolicy.unknown.effect === 'allow' ? mask : 0;
  const un = newPolicy.unknown.effect === 'allow' ? mask : 0;
  const unknownObjects = { gained: (un & ~uo) >>> 0, lost: (uo & ~un) >>> 0 };
  const gains = gained.length > 0 || unknownObjects.gained !== 0;
  const losses = lost.length > 0 || unknownObjects.lost !== 0;
  const label: DiffLabel = gains && losses ? 'both' : gains ? 'widening' : losses ? 'narrowing' : 'equivalent';
  return { label, gained, lost, errnos, settings, unknownObjects, stats: { pairs: found.pairs, contexts: contexts.length, work: budget.used } };
}

interface Witness {
  bit: number;
  path: string;
  context: RequestContext;
}

const byBit = (x: Witness, y: Witness): number => x.bit - y.bit;

/** How `c` decides the witness's right at its path and context. */
function source(c: CompiledPolicy, w: Witness): DecisionSource {
  const d = decide(c, { path: w.path, rights: w.bit, type: w.context.type, flags: w.context.flags })[0]!;
  const out: DecisionSource = { effect: d.effect };
  if (d.effect === 'deny' && d.errno !== undefined) out.errno = d.errno;
  const rule = d.rule === undefined ? undefined : c.policy.rules.find((r) => r.id === d.rule);
  if (rule) out.rule = { id: rule.id, span: rule.span };
  return out;
}

interface Node {
  a: DState<Accept>;
  b: DState<Accept>;
  path: string;
}

interface Found {
  gained: Map<number, Witness>;
  lost: Map<number, Witness>;
  errnos: Map<number, Witness>;
  pairs: number;
}

/** Shorter paths first, then by code units (paths are byte strings, so that is byte order). */
function shorter(x: string, y: string): number {
  return x.length - y.length || (x < y ? -1 : x > y ? 1 : 0);
}

/**
 * Breadth-first over pairs, one level (number of segments) at a time. Within a level, nodes are
 * evaluated shortest path first, and each pair keeps the shortest path reaching it at its first
 * level, so the first witness recorded for a right is a shortest one.
 */
function explore(
  a: CompiledPolicy, b: CompiledPolicy, mask: number, contexts: readonly RequestContext[], errnos: boolean, maxPairs: number, budget: WorkBudget,
): Found {
  const found: Found = { gained: new Map(), lost: new Map(), errnos: new Map(), pairs: 1 };
  const pairs = new StatePairs('the policy diff');
  const seen = new Set<number>([pairs.of(a.dfa.start, b.dfa.start)]);
  const reps = new RepresentativeCache();
  const meter = { get work(): number { return a.dfa.work + b.dfa.work; } };
  let work = meter.work;
  let level: Node[] = [{ a: a.dfa.start, b: b.dfa.start, path: '/' }];
  const done = (): boolean =>
    found.gained.size + found.lost.size === 2 * bitsOf(mask).length && (!errnos || found.errnos.size === bitsOf(mask).length);
  while (level.length > 0 && !done()) {
    level.sort((x, y) => shorter(x.path, y.path));
    for (const n of level) evaluate(a, b, n, mask, contexts, errnos, found, budget);
    const next = new Map<number, Node>();
    for (const n of level) {
      // Both dead: no rule can match below, so nothing new can appear there.
      if (n.a.dead && n.b.dead) continue;
      const symbols = symbolsAt(a, n.a, b, n.b, reps, budget);
      work = budget.charge(meter, work);
      for (const seg of symbols) {
        const na = a.dfa.step(n.a, seg);
        const nb = b.dfa.step(n.b, seg);
        work = budget.charge(meter, work);
        const path = n.path === '/' ? `/${seg}` : `${n.path}/${seg}`;
        budget.spend(1 + (path.length >>> 4));
        const k = pairs.of(na, nb);
        if (seen.has(k)) continue;
        const prev = next.get(k);
        if (!prev || shorter(path, prev.path) < 0) next.set(k, { a: na, b: nb, path });
      }
    }
    for (const k of next.keys()) seen.add(k);
    found.pairs = seen.size;
    if (seen.size > maxPairs) {
      throw new WorkBoundExceeded('the policy diff', maxPairs, 'state pairs');
    }
    level = [...next.values()];
  }
  return found;
}

/** Records the rights that differ at one pair, in every context its conditional rules distinguish. */
function evaluate(a: CompiledPolicy, b: CompiledPolicy, n: Node, mask: number, contexts: readonly RequestContext[], errnos: boolean, found: Found, budget: WorkBudget): void {
  const conditional = n.a.info.conditional || n.b.info.conditional;
  const ctxs = conditional ? contexts : [PLAIN];
  budget.spend(ctxs.length * (1 + (conditional ? n.a.info.rules.length + n.b.info.rules.length : 0)));
  for (const ctx of ctxs) {
    const ra = allowedMaskAtState(a, n.a, ctx.type, ctx.flags);
    const rb = allowedMaskAtState(b, n.b, ctx.type, ctx.flags);
    record(found.gained, (rb & ~ra & mask) >>> 0, n.path, ctx);
    record(found.lost, (ra & ~rb & mask) >>> 0, n.path, ctx);
    if (!errnos) continue;
    let both = (~ra & ~rb & mask) >>> 0;
    for (const bit of found.errnos.keys()) both = (both & ~bit) >>> 0;
    if (both === 0) continue;
    const q = { rights: both, type: ctx.type, flags: ctx.flags };
    const da = decideAtState(a, n.a, q);
    const db = decideAtState(b, n.b, q);
    da.forEach((d, i) => {
      if (d.errno !== db[i]!.errno && !found.errnos.has(d.right)) found.errnos.set(d.right, { bit: d.right, path: n.path, context: ctx });
    });
  }
}

function record(into: Map<number, Witness>, bits: number, path: string, context: RequestContext): void {
  for (const bit of bitsOf(bits)) if (!into.has(bit)) into.set(bit, { bit, path, context });
}

/**
 * The symbolic alphabet at a pair: literals in code-unit order, then representatives, so that
 * witnesses come out the same whatever order the automata list their edges in.
 */
function symbolsAt(a: CompiledPolicy, sa: DState<Accept>, b: CompiledPolicy, sb: DState<Accept>, reps: RepresentativeCache, budget: WorkBudget): string[] {
  const x = a.dfa.alphabet(sa);
  const y = b.dfa.alphabet(sb);
  const literals = [...new Set([...x.literals, ...y.literals])].sort();
  const wilds = [...new Map([...x.wilds, ...y.wilds].map((w) => [w.source, w])).values()];
  budget.spend(literals.length + wilds.length);
  return [...literals, ...reps.get(wilds, literals, budget)];
}
