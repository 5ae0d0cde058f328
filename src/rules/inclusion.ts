/**
 * The rename/link no-escalation check: moving `from` to `to` must not gain rights anywhere in the
 * moved subtree, i.e. for every suffix X, rights(to + X) ⊆ rights(from + X).
 *
 * Decided exactly on the automaton by exploring pairs (state after from+X, state after to+X).
 * Segments are taken from a finite symbolic alphabet per pair: each literal leaving either state,
 * plus one representative string for every combination of the wildcards there that some other
 * segment realises (found by a product over the wildcards' character NFAs). Any segment behaves
 * like one of these, so the exploration covers every suffix.
 *
 * Only rules without conditions count: conditions depend on the request that will later use the
 * path (flags, type), which a rename cannot know.
 */
import type { Wild } from './glob.js';
import { positionsStart, positionsStep } from './glob.js';
import type { DState } from './automaton.js';
import type { Accept, CompiledPolicy } from './compile.js';
import { allowedRights } from './decide.js';
import { allRights } from './rights.js';

export interface InclusionResult {
  included: boolean;
  /** When not included: a suffix ('' or '/x/y') where `to` gains rights, and those rights. */
  witness?: string;
  escalated?: number;
}

export interface InclusionOptions {
  /** Whether the moved object is a directory (every suffix) or not (the empty suffix only). Default true. */
  dir?: boolean;
  /** Rights to compare (default: every right of the policy's ABI). */
  rights?: number;
  /** Bound on explored state pairs; beyond it the check throws rather than guess. */
  maxPairs?: number;
}

const caches = new WeakMap<CompiledPolicy, Map<string, InclusionResult>>();
const CACHE_LIMIT = 4096;

export function subtreeRightsIncluded(c: CompiledPolicy, from: string, to: string, opts: InclusionOptions = {}): InclusionResult {
  const dir = opts.dir ?? true;
  const mask = (opts.rights ?? allRights(c.policy.abi)) >>> 0;
  const a = c.dfa.walk(from);
  const b = c.dfa.walk(to);
  let cache = caches.get(c);
  if (!cache) caches.set(c, (cache = new Map()));
  const key = `${dir ? 'd' : 'f'}${mask}|${a.key}|${b.key}`;
  const known = cache.get(key);
  if (known) return { ...known };
  const result = explore(c, a, b, dir, mask, opts.maxPairs ?? 200_000);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, result);
  return { ...result };
}

interface Pair {
  a: DState<Accept>;
  b: DState<Accept>;
  suffix: string;
}

function explore(c: CompiledPolicy, a0: DState<Accept>, b0: DState<Accept>, dir: boolean, mask: number, maxPairs: number): InclusionResult {
  const seen = new Set<string>([`${a0.key}|${b0.key}`]);
  const queue: Pair[] = [{ a: a0, b: b0, suffix: '' }];
  for (let head = 0; head < queue.length; head++) {
    const { a, b, suffix } = queue[head]!;
    // Equal states have equal futures, so nothing below them can differ.
    if (a.key === b.key) continue;
    const gained = (allowedRights(c, b) & ~allowedRights(c, a) & mask) >>> 0;
    if (gained !== 0) return { included: false, witness: suffix, escalated: gained };
    if (!dir) break;
    for (const seg of symbols(c, a, b)) {
      const na = c.dfa.step(a, seg);
      const nb = c.dfa.step(b, seg);
      const k = `${na.key}|${nb.key}`;
      if (seen.has(k)) continue;
      seen.add(k);
      if (seen.size > maxPairs) throw new RangeError(`inclusion check exceeded ${maxPairs} state pairs`);
      queue.push({ a: na, b: nb, suffix: `${suffix}/${seg}` });
    }
  }
  return { included: true };
}

/** Segments that, together, behave like every possible segment at this pair of states. */
function symbols(c: CompiledPolicy, a: DState<Accept>, b: DState<Accept>): string[] {
  const x = c.dfa.alphabet(a);
  const y = c.dfa.alphabet(b);
  const literals = [...new Set([...x.literals, ...y.literals])];
  const wilds = [...new Map([...x.wilds, ...y.wilds].map((w) => [w.source, w])).values()];
  return [...literals, ...segmentRepresentatives(wilds, literals)];
}

/**
 * One segment for every combination of `wilds` matches realised by some segment that is not in
 * `excluded` (nor `.`, `..`, empty, nor containing `/` or NUL): a breadth-first search over the
 * product of the wildcards' position NFAs and a trie of the excluded names, so each
 * representative is a shortest one.
 */
export function segmentRepresentatives(wilds: readonly Wild[], excluded: readonly string[], limit = 100_000): string[] {
  const trie = new NameTrie([...excluded, '.', '..']);
  const chars = alphabetOf(wilds, excluded);
  const start = { sets: wilds.map((w) => positionsStart(w.tokens)), node: 0, text: '' };
  const seenStates = new Set<string>([stateKey(start.sets, 0)]);
  const found = new Map<string, string>();
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const cur = queue[head]!;
    for (const ch of chars) {
      const sets = wilds.map((w, i) => positionsStep(w.tokens, cur.sets[i]!, ch));
      const node = trie.step(cur.node, ch);
      const text = cur.text + String.fromCharCode(ch);
      const key = stateKey(sets, node);
      if (seenStates.has(key)) continue;
      seenStates.add(key);
      if (seenStates.size > limit) throw new RangeError(`segment alphabet exceeded ${limit} states`);
      if (!trie.isName(node)) {
        const sig = wilds.map((w, i) => (sets[i]!.includes(w.tokens.length) ? '1' : '0')).join('');
        if (!found.has(sig)) found.set(sig, text);
      }
      // Once every NFA is dead and the text left the trie, longer texts change nothing.
      if (node >= 0 || sets.some((s) => s.length > 0)) queue.push({ sets, node, text });
    }
  }
  return [...found.values()];
}

function stateKey(sets: readonly (readonly number[])[], node: number): string {
  return `${node}:${sets.map((s) => s.join('.')).join('|')}`;
}

const SLASH = 0x2f;
/** Preferred representatives, so witnesses read well. */
const NICE = 'xyzabcdefghijklmnopqrstuvw0123456789_XYZABCDEFGHIJKLMNOPQRSTUVW';

/**
 * Character classes that every token and excluded name treats alike: intervals between cut
 * points, one representative each (a readable one when the interval has one).
 */
function alphabetOf(wilds: readonly Wild[], excluded: readonly string[]): number[] {
  let top = 0x100;
  const cuts = new Set<number>([1, SLASH, SLASH + 1, '.'.charCodeAt(0), '.'.charCodeAt(0) + 1]);
  const cutAround = (lo: number, hi: number): void => {
    cuts.add(lo);
    cuts.add(hi + 1);
    top = Math.max(top, hi + 1);
  };
  for (const w of wilds) {
    for (const t of w.tokens) {
      if (t.t === 'char') cutAround(t.c, t.c);
      else if (t.t === 'class') for (let k = 0; k < t.ranges.length; k += 2) cutAround(t.ranges[k]!, t.ranges[k + 1]!);
    }
  }
  for (const name of excluded) for (let i = 0; i < name.length; i++) cutAround(name.charCodeAt(i), name.charCodeAt(i));
  const sorted = [...cuts].filter((x) => x < top).sort((x, y) => x - y);
  const reps: number[] = [];
  sorted.forEach((lo, i) => {
    if (lo === SLASH) return;
    const hi = (sorted[i + 1] ?? top) - 1;
    const nice = [...NICE].map((ch) => ch.charCodeAt(0)).find((code) => code >= lo && code <= hi);
    reps.push(nice ?? lo);
  });
  // Readable characters first, so breadth-first search prefers them.
  const rank = (c: number): number => (NICE.includes(String.fromCharCode(c)) ? NICE.indexOf(String.fromCharCode(c)) : NICE.length + c);
  return reps.sort((x, y) => rank(x) - rank(y));
}

/** A trie of names; node -1 means the text is no longer a prefix of any name. */
class NameTrie {
  private readonly kids: Map<number, number>[] = [new Map()];
  private readonly ends: boolean[] = [false];

  constructor(names: readonly string[]) {
    for (const name of names) {
      let n = 0;
      for (let i = 0; i < name.length; i++) {
        const ch = name.charCodeAt(i);
        let next = this.kids[n]!.get(ch);
        if (next === undefined) {
          next = this.kids.push(new Map()) - 1;
          this.ends.push(false);
          this.kids[n]!.set(ch, next);
        }
        n = next;
      }
      this.ends[n] = true;
    }
  }

  step(n: number, ch: number): number {
    return n < 0 ? -1 : (this.kids[n]!.get(ch) ?? -1);
  }

  isName(n: number): boolean {
    return n >= 0 && this.ends[n] === true;
  }
}
