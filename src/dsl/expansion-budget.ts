/**
 * A policy-wide bound on what variables and braces expand to. One pattern is capped at
 * `maxExpansions` globs (FW306), but a long list variable used in many patterns multiplies the
 * text with no bound tied to the policy's size; this caps the characters of every expansion in
 * the policy together, so lowering stays linear in what was written. Checked before expanding.
 */
import type { TextProblem } from './vars.js';

export class ExpansionBudget {
  left: number;
  /** Whether the bound was already reported (once is enough: the policy is refused anyway). */
  reported = false;

  constructor(readonly total: number) {
    this.left = total;
  }

  /** Whether `chars` more characters of expansion fit. */
  fits(chars: number): boolean {
    return chars <= this.left;
  }

  take(chars: number): void {
    this.left -= chars;
  }

  /** The FW306 problem for an expansion of `chars` characters that does not fit (at most once). */
  refuse(chars: number, at: number, len: number, problems: TextProblem[]): void {
    if (this.reported) return;
    this.reported = true;
    problems.push({
      code: 'FW306',
      message: `this pattern expands to ${chars} characters, past the ${this.total} the patterns of one policy may expand to in all`,
      help: 'use fewer or shorter variable values in fewer patterns, or a wildcard',
      at,
      len,
    });
  }
}

/** The bound for a policy whose patterns, variable values and `--var`s total `sourceChars`. */
export function expansionBudgetFor(sourceChars: number): ExpansionBudget {
  return new ExpansionBudget(Math.max(4_000_000, 16 * sourceChars));
}
