/**
 * The rename/link no-escalation check: moving `from` to `to` must not gain rights anywhere in the
 * moved subtree, i.e. for every suffix X, rights(to + X) ⊆ rights(from + X).
 *
 * Decided exactly on the automaton by exploring pairs (state after from+X, state after to+X)
 * breadth-first, over the finite symbolic alphabet of segment-alphabet.ts: any segment behaves
 * like one of its symbols, so the exploration covers every suffix.
 *
 * Only rules without conditions count: conditions depend on the request that will later use the
 * path (flags, type), which a rename cannot know.
 *
 * The exploration is bounded in work (budget.ts): pairs, symbols, DFA states built and the
 * alphabet search all count, since a policy can make the pair space exponential. A check that
 * reaches its bound answers "not included" with `undecided` set: what cannot be decided within
 * the bound is refused, never allowed.
 */
import type { DState } from './automaton.js';
import type { Accept, CompiledPolicy } from './compile.js';
import { allowedRights } from './decide.js';
import { allRights } from './rights.js';
import { WorkBoundExceeded, WorkBudget } from './budget.js';
import { pairSymbols, RepresentativeCache } from './segment-alphabet.js';
import { StatePairs } from './state-pairs.js';

export { segmentRepresentatives } from './segment-alphabet.js';

export interface InclusionResult {
  included: boolean;
  /** When not included: a suffix ('' or '/x/y') where `to` gains rights, and those rights. */
  witness?: string;
  escalated?: number;
  /** Set when the check stopped at its bound before deciding (then `included` is false): why. */
  undecided?: string;
}

export interface InclusionOptions {
  /** Whether the moved object is a directory (every suffix) or not (the empty suffix only). Default true. */
  dir?: boolean;
  /** Rights to compare (default: every right of the policy's ABI). */
  rights?: number;
  /** Bound on explored state pairs. Default 200,000. */
  maxPairs?: number;
  /** Bound on work (see budget.ts). Default INCLUSION_MAX_WORK. */
  maxWork?: number;
}

/**
 * The default work bound: far above what renames under realistic policies need (bench/rules.mjs
 * prints both), and reached in a fraction of a second when a policy makes the pair space explode.
 */
export const INCLUSION_MAX_WORK = 2_000_000;

/** Per compiled policy: results by (state pair, dir, rights, bounds), and shared representatives. */
interface Memo {
  results: Map<string, InclusionResult>;
  keyChars: number;
  reps: RepresentativeCache;
}

const memos = new WeakMap<CompiledPolicy, Memo>();
const MEMO_CHARS = 1 << 22;

export function subtreeRightsIncluded(c: CompiledPolicy, from: string, to: string, opts: InclusionOptions = {}): InclusionResult {
  const dir = opts.dir ?? true;
  const mask = (opts.rights ?? allRights(c.policy.abi)) >>> 0;
  const maxPairs = opts.maxPairs ?? 200_000;
  const maxWork = opts.maxWork ?? INCLUSION_MAX_WORK;
  const a = c.dfa.walk(from);
  const b = c.dfa.walk(to);
  let memo = memos.get(c);
  if (!memo) memos.set(c, (memo = { results: new Map(), keyChars: 0, reps: new RepresentativeCache() }));
  const key = `${dir ? 'd' : 'f'}${mask}|${maxPairs}|${maxWork}|${a.key}|${b.key}`;
  const known = memo.results.get(key);
  if (known) return { ...known };
  let result: InclusionResult;
  try {
    result = explore(c, a, b, dir, mask, maxPairs, new WorkBudget(maxWork, 'the no-escalation check'), memo.reps);
  } catch (e) {
    if (!(e instanceof WorkBoundExceeded)) throw e;
    result = { included: false, undecided: e.message };
  }
  // Undecided results are kept too, so repeating a rename does not repeat the work.
  if (memo.keyChars + key.length > MEMO_CHARS) {
    memo.results.clear();
    memo.keyChars = 0;
  }
  memo.results.set(key, result);
  memo.keyChars += key.length;
  return { ...result };
}

interface Pair {
  a: DState<Accept>;
  b: DState<Accept>;
  /** The pair this one was reached from (-1 for the first) and by which segment. */
  parent: number;
  seg: string;
}

function explore(
  c: CompiledPolicy, a0: DState<Accept>, b0: DState<Accept>, dir: boolean, mask: number, maxPairs: number,
  budget: WorkBudget, reps: RepresentativeCache,
): InclusionResult {
  const pairs = new StatePairs('the no-escalation check');
  const seen = new Set<number>([pairs.of(a0, b0)]);
  const queue: Pair[] = [{ a: a0, b: b0, parent: -1, seg: '' }];
  let work = c.dfa.work;
  for (let head = 0; head < queue.length; head++) {
    const { a, b } = queue[head]!;
    // Equal states have equal futures, so nothing below them can differ.
    if (a.key === b.key) continue;
    const gained = (allowedRights(c, b) & ~allowedRights(c, a) & mask) >>> 0;
    if (gained !== 0) return { included: false, witness: suffixOf(queue, head), escalated: gained };
    if (!dir) break;
    const symbols = pairSymbols(c.dfa.alphabet(a), c.dfa.alphabet(b), reps, budget);
    work = budget.charge(c.dfa, work);
    for (const seg of symbols) {
      const na = c.dfa.step(a, seg);
      const nb = c.dfa.step(b, seg);
      work = budget.charge(c.dfa, work);
      budget.spend(1);
      const k = pairs.of(na, nb);
      if (seen.has(k)) continue;
      seen.add(k);
      if (seen.size > maxPairs) throw new WorkBoundExceeded('the no-escalation check', maxPairs, 'state pairs');
      queue.push({ a: na, b: nb, parent: head, seg });
    }
  }
  return { included: true };
}

/** The suffix that leads to pair `at`, from the parent links. */
function suffixOf(queue: readonly Pair[], at: number): string {
  const segs: string[] = [];
  for (let i = at; i > 0; i = queue[i]!.parent) segs.push(queue[i]!.seg);
  return segs.reverse().map((s) => `/${s}`).join('');
}
