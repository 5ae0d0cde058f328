/**
 * A finite alphabet for exploring the automaton symbolically: at a state (or a pair of states),
 * every literal segment leaving it plus one representative segment per combination of the
 * wildcards tested there that some other name realises. Any real segment behaves like one of
 * these, so a search over them covers every path. Used by inclusion, diff and the shadowing lint.
 */
import type { Wild } from './glob.js';
import { positionsStart, positionsStep } from './glob.js';
import { WorkBoundExceeded, type WorkBudget } from './budget.js';

interface Product {
  sets: number[][];
  node: number;
  /** The product state this one was reached from, and by which character (-1 for the start). */
  parent: number;
  ch: number;
}

/**
 * One segment for every combination of `wilds` matches realised by some segment that is not in
 * `excluded` (nor `.`, `..`, empty, nor containing `/` or NUL): a breadth-first search over the
 * product of the wildcards' position NFAs and a trie of the excluded names, so each
 * representative is a shortest one. Throws WorkBoundExceeded past `limit` product states or when
 * `budget` runs out (each state costs its characters times the positions it holds).
 */
export function segmentRepresentatives(wilds: readonly Wild[], excluded: readonly string[], limit = 100_000, budget?: WorkBudget): string[] {
  const trie = new NameTrie([...excluded, '.', '..']);
  const chars = alphabetOf(wilds, excluded);
  budget?.spend(chars.length + excluded.length);
  const start: Product = { sets: wilds.map((w) => positionsStart(w.tokens)), node: 0, parent: -1, ch: 0 };
  const seenStates = new Set<string>([stateKey(start.sets, 0)]);
  const found = new Map<string, number>();
  // Every product state reached (its text is spelled from the parent links), and those to expand.
  const states = [start];
  const queue = [0];
  for (let head = 0; head < queue.length; head++) {
    const at = queue[head]!;
    const cur = states[at]!;
    budget?.spend(chars.length * cur.sets.reduce((n, set) => n + 1 + set.length, 1));
    for (const ch of chars) {
      const sets = wilds.map((w, i) => positionsStep(w.tokens, cur.sets[i]!, ch));
      const node = trie.step(cur.node, ch);
      const key = stateKey(sets, node);
      if (seenStates.has(key)) continue;
      seenStates.add(key);
      if (seenStates.size > limit) throw new WorkBoundExceeded('the segment alphabet search', limit, 'states');
      const id = states.push({ sets, node, parent: at, ch }) - 1;
      if (!trie.isName(node)) {
        const sig = wilds.map((w, i) => (sets[i]!.includes(w.tokens.length) ? '1' : '0')).join('');
        if (!found.has(sig)) found.set(sig, id);
      }
      // Once every NFA is dead and the text left the trie, longer texts change nothing.
      if (node >= 0 || sets.some((x) => x.length > 0)) queue.push(id);
    }
  }
  return [...found.values()].map((id) => spell(states, id));
}

/** The text of product state `at`, from its parent links. */
function spell(states: readonly Product[], at: number): string {
  const codes: number[] = [];
  for (let i = at; i > 0; i = states[i]!.parent) codes.push(states[i]!.ch);
  let out = '';
  for (let k = codes.length - 1; k >= 0; k--) out += String.fromCharCode(codes[k]!);
  return out;
}

function stateKey(sets: readonly (readonly number[])[], node: number): string {
  return `${node}:${sets.map((s) => s.join('.')).join('|')}`;
}

/**
 * Representatives by the wildcards and literals involved (they do not depend on their order), so
 * the many states that test the same ones share one search. Bounded in entries and key size.
 */
export class RepresentativeCache {
  private readonly reps = new Map<string, string[]>();
  private held = 0;

  constructor(private readonly maxHeld = 1 << 22) {}

  get(wilds: readonly Wild[], literals: readonly string[], budget?: WorkBudget): string[] {
    const key = `${wilds.map((w) => w.source).sort().join('\0')}\0\0${[...literals].sort().join('\0')}`;
    budget?.spend(1 + (key.length >>> 4));
    let r = this.reps.get(key);
    if (!r) {
      r = segmentRepresentatives(wilds, literals, undefined, budget);
      if (this.held + key.length > this.maxHeld) {
        this.reps.clear();
        this.held = 0;
      }
      this.reps.set(key, r);
      this.held += key.length;
    }
    return r;
  }
}

/** The alphabet at two automaton states (literals of both, then representatives). */
export function pairSymbols(
  x: { literals: readonly string[]; wilds: readonly Wild[] },
  y: { literals: readonly string[]; wilds: readonly Wild[] },
  cache: RepresentativeCache,
  budget?: WorkBudget,
): string[] {
  const literals = x.literals.length === 0 ? [...y.literals] : [...new Set([...x.literals, ...y.literals])];
  const wilds = [...new Map([...x.wilds, ...y.wilds].map((w) => [w.source, w])).values()];
  budget?.spend(literals.length + wilds.length);
  return [...literals, ...cache.get(wilds, literals, budget)];
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
