/**
 * Pairs of DFA states as single numbers, for the checks that explore two automata (or one
 * automaton twice) side by side: each distinct state key gets a small id, and a pair is
 * `id(x) * 2^26 + id(y)`, so visited pairs fit in a Set of numbers instead of long string keys.
 */
import type { DState } from './automaton.js';
import { WorkBoundExceeded } from './budget.js';

const ID_LIMIT = 2 ** 26;

export class StatePairs {
  private readonly ids = new Map<string, number>();

  constructor(private readonly what: string) {}

  /** The number for the pair (x, y); distinct pairs of state sets get distinct numbers. */
  of<I>(x: DState<I>, y: DState<I>): number {
    return this.id(x) * ID_LIMIT + this.id(y);
  }

  private id<I>(s: DState<I>): number {
    let i = this.ids.get(s.key);
    if (i === undefined) {
      if (this.ids.size >= ID_LIMIT) throw new WorkBoundExceeded(this.what, ID_LIMIT, 'states');
      this.ids.set(s.key, (i = this.ids.size));
    }
    return i;
  }
}
