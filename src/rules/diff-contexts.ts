/**
 * Request contexts for comparing conditional rules: the finitely many (file type, open flags)
 * combinations that two policies' `when` clauses can tell apart.
 *
 * A condition only asks whether the type equals a named one and whether each named flag value
 * is wholly set, so every type no rule names (and an unknown type) behaves alike, and every
 * flag word behaves like the union of the named values it contains. Enumerating unions of
 * subsets of the named values therefore reaches every distinguishable flag word, and the
 * contexts below cover every request exactly.
 */
import type { IrPolicy, RuleWhen } from './ir.js';
import { O_FLAGS } from '../linux/index.js';

export type FileType = NonNullable<RuleWhen['type']>;

/** One class of requests: `type` undefined stands for an unknown type and every type no rule names. */
export interface RequestContext {
  readonly type: FileType | undefined;
  /** Open flags (x86-64 values); 0 is also what a request without open flags counts as. */
  readonly flags: number;
}

/** The context every unconditional decision uses: no type known, no flags. */
export const PLAIN: RequestContext = Object.freeze({ type: undefined, flags: 0 });

/**
 * Every context the conditions of `policies` distinguish, the plain one first, then by fewer
 * flags. Throws when there would be more than `max` (too many distinct flags named).
 *
 * @example
 * requestContexts([p]) // p has `when flags has O_EXCL when type file`:
 * // [{type: undefined, flags: 0}, {type: undefined, flags: 0o200}, {type: 'file', flags: 0}, {type: 'file', flags: 0o200}]
 */
export function requestContexts(policies: readonly IrPolicy[], max = 1024): RequestContext[] {
  const types = new Set<FileType>();
  const values = new Set<number>();
  for (const p of policies) {
    for (const r of p.rules) {
      if (r.when?.type !== undefined) types.add(r.when.type);
      for (const x of [...(r.when?.flagsHas ?? []), ...(r.when?.flagsLacks ?? [])]) values.add(x >>> 0);
    }
  }
  const named = [...values].sort((a, b) => a - b);
  const typeList: (FileType | undefined)[] = [undefined, ...[...types].sort()];
  if (2 ** named.length * typeList.length > max) {
    throw new RangeError(`policy diff: conditions name ${named.length} open flags and ${types.size} file types, over ${max} request contexts to compare`);
  }
  const words = flagWords(named);
  return typeList.flatMap((type) => words.map((flags) => ({ type, flags })));
}

/** One flag word per distinguishable set of the named values, fewest bits first. */
function flagWords(named: readonly number[]): number[] {
  const seen = new Map<string, number>();
  for (let subset = 0; subset < 2 ** named.length; subset++) {
    let f = 0;
    named.forEach((x, i) => {
      if (subset & (1 << i)) f = (f | x) >>> 0;
    });
    // O_SYNC contains O_DSYNC: several subsets may set the same named values.
    const key = named.map((x) => ((f & x) === x ? '1' : '0')).join('');
    if (!seen.has(key)) seen.set(key, f);
  }
  return [...seen.values()].sort((a, b) => popcount(a) - popcount(b) || a - b);
}

function popcount(x: number): number {
  let n = 0;
  for (let m = x >>> 0; m !== 0; m = (m & (m - 1)) >>> 0) n++;
  return n;
}

/** Open flag names, without access modes, longest (widest) first so O_SYNC beats O_DSYNC. */
const FLAG_NAMES = Object.entries(O_FLAGS)
  .filter(([name, v]) => name.startsWith('O_') && v !== 0 && (v & 3) === 0)
  .sort((a, b) => popcount(b[1]) - popcount(a[1]) || a[1] - b[1]);

/**
 * A flag word as strace names it (`O_CREAT|O_EXCL`); bits without a name print in octal.
 *
 * @example
 * flagNames(0o300) // ['O_CREAT', 'O_EXCL']
 */
export function flagNames(flags: number): string[] {
  let left = flags >>> 0;
  const out: { v: number; name: string }[] = [];
  for (const [name, v] of FLAG_NAMES) {
    if ((left & v) === v) {
      out.push({ v, name });
      left = (left & ~v) >>> 0;
    }
  }
  out.sort((a, b) => a.v - b.v);
  const names = out.map((x) => x.name);
  if (left !== 0) names.push(`0${left.toString(8)}`);
  return names;
}

/**
 * A context for people: `type file, flags O_CREAT|O_EXCL`, or '' for the plain one.
 *
 * @example
 * describeContext({ type: 'dir', flags: 0 }) // 'type dir'
 */
export function describeContext(ctx: RequestContext): string {
  const parts: string[] = [];
  if (ctx.type !== undefined) parts.push(`type ${ctx.type}`);
  if (ctx.flags !== 0) parts.push(`flags ${flagNames(ctx.flags).join('|')}`);
  return parts.join(', ');
}
