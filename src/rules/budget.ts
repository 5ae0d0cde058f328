/**
 * Work bounds for checks that explore a policy's automaton (rename/link inclusion, policy diff,
 * the shadowing lint). Their cost is in the hands of whoever writes the policy, and for a rename
 * of whoever issues it, so each one counts its work and stops at a bound instead of running for
 * as long as an exponential automaton lets it.
 *
 * A unit is one NFA node, edge or tag touched while building DFA states (`LazyDfa.work`), one
 * state pair or symbol explored, or one product state of the segment-alphabet search.
 */

/** Thrown when a check spent its budget; a RangeError, like the other bounds of src/rules. */
export class WorkBoundExceeded extends RangeError {
  /** `unit` names what was counted: work steps, or a count such as `state pairs`. */
  constructor(readonly what: string, readonly limit: number, readonly unit = 'steps') {
    const n = limit.toLocaleString('en');
    super(unit === 'steps' ? `${what} exceeded its work bound (${n} steps)` : `${what} exceeded ${n} ${unit}`);
    this.name = 'WorkBoundExceeded';
  }
}

/** A running count of work against a limit. */
export class WorkBudget {
  used = 0;

  constructor(readonly limit: number, readonly what: string) {}

  /** Adds `units`; throws WorkBoundExceeded once the total passes the limit. */
  spend(units: number): void {
    this.used += units;
    if (this.used > this.limit) throw new WorkBoundExceeded(this.what, this.limit);
  }

  /** Charges what a meter (such as `LazyDfa.work`) gained since `before`; returns its reading now. */
  charge(meter: { readonly work: number }, before: number): number {
    const now = meter.work;
    this.spend(now - before);
    return now;
  }
}
