/**
 * The reference interpreter: the decision semantics written as directly as possible, a fold over
 * the rules with a naive recursive glob matcher. It is slow on purpose and shares no matching code
 * with the compiled engine, so the two can be checked against each other.
 */
import type { Errno } from '../linux/index.js';
import type { IrPolicy, IrRule, RightDecision } from './ir.js';

/** A request object; optional fields may be explicitly undefined. */
export interface RefQuery {
  path: string | undefined;
  rights: number;
  type?: string | undefined;
  flags?: number | undefined;
}

/** Whether IR pattern `pattern` matches absolute normalised path `path`. */
export function referenceMatch(pattern: string, path: string): boolean {
  const pat = pattern === '/' ? [] : pattern.slice(1).split('/');
  const segs = path === '/' ? [] : path.slice(1).split('/');
  return matchSegments(pat, 0, segs, 0);
}

function matchSegments(pat: string[], i: number, segs: string[], j: number): boolean {
  if (i === pat.length) return j === segs.length;
  if (pat[i] === '**') {
    // A trailing `**` needs at least one segment: `/a/**` is strictly below `/a`.
    if (i === pat.length - 1) return j < segs.length;
    return matchSegments(pat, i + 1, segs, j) || (j < segs.length && matchSegments(pat, i, segs, j + 1));
  }
  return j < segs.length && matchChars(pat[i]!, 0, segs[j]!, 0) && matchSegments(pat, i + 1, segs, j + 1);
}

function matchChars(p: string, i: number, s: string, j: number): boolean {
  if (i === p.length) return j === s.length;
  const c = p[i]!;
  if (c === '*') return matchChars(p, i + 1, s, j) || (j < s.length && matchChars(p, i, s, j + 1));
  if (j === s.length) return false;
  if (c === '?') return matchChars(p, i + 1, s, j + 1);
  if (c === '[') {
    const cls = readClass(p, i);
    return cls.test(s[j]!) && matchChars(p, cls.end + 1, s, j + 1);
  }
  return c === s[j] && matchChars(p, i + 1, s, j + 1);
}

/** Reads the class opening at `i`: its test and the index of its closing `]`. */
function readClass(p: string, i: number): { test: (ch: string) => boolean; end: number } {
  let k = i + 1;
  const negated = p[k] === '!' || p[k] === '^';
  if (negated) k++;
  const items: [string, string][] = [];
  const start = k;
  while (p[k] !== ']' || k === start) {
    if (k >= p.length) throw new Error(`unclosed [ in ${p}`);
    const lo = p[k]!;
    let hi = lo;
    if (p[k + 1] === '-' && k + 2 < p.length && p[k + 2] !== ']') {
      hi = p[k + 2]!;
      k += 2;
    }
    k++;
    items.push([lo, hi]);
  }
  const inside = (ch: string): boolean => items.some(([lo, hi]) => lo <= ch && ch <= hi);
  return { test: (ch) => inside(ch) !== negated, end: k };
}

/** Length of a pattern before its first `*`, `?` or `[`. */
export function referencePrefix(pattern: string): number {
  let n = 0;
  while (n < pattern.length && pattern[n] !== '*' && pattern[n] !== '?' && pattern[n] !== '[') n++;
  return n;
}

function ruleMatches(rule: IrRule, path: string): boolean {
  return rule.patterns.some((p) => referenceMatch(p, path)) && !rule.except.some((p) => referenceMatch(p, path));
}

function conditionsHold(rule: IrRule, obj: RefQuery): boolean {
  const w = rule.when;
  if (!w) return true;
  const flags = obj.flags ?? 0;
  if (w.type !== undefined && w.type !== obj.type) return false;
  if ((w.flagsHas ?? []).some((f) => (flags & f) !== f)) return false;
  if ((w.flagsLacks ?? []).some((f) => (flags & f) === f)) return false;
  return true;
}

function specificity(rule: IrRule, path: string): number {
  return Math.max(...rule.patterns.filter((p) => referenceMatch(p, path)).map(referencePrefix));
}

/** One decision per right bit in `obj.rights`, lowest bit first. */
export function referenceDecide(policy: IrPolicy, obj: RefQuery): RightDecision[] {
  const out: RightDecision[] = [];
  for (let i = 0; i < 32; i++) {
    const right = (1 << i) >>> 0;
    if ((obj.rights & right) !== 0) out.push(decideOne(policy, obj, right));
  }
  return out;
}

function decideOne(policy: IrPolicy, obj: RefQuery, right: number): RightDecision {
  const path = obj.path;
  if (path === undefined) return fallback(policy.unknown, right);
  const matching = policy.rules
    .filter((r) => (r.rights & right) !== 0 && conditionsHold(r, obj) && ruleMatches(r, path))
    .sort((a, b) => a.id - b.id);
  if (matching.length === 0) return fallback(policy.default, right);
  const matched = matching.map((r) => r.id);
  const top = Math.max(...matching.map((r) => r.tier));
  const inTop = matching.filter((r) => r.tier === top);
  const denies = inTop.filter((r) => r.effect === 'deny');
  const pool = denies.length > 0 ? denies : inTop;
  // Longest literal prefix first, then lowest id (the pool is sorted by id).
  let best = pool[0]!;
  for (const r of pool) if (specificity(r, path) > specificity(best, path)) best = r;
  if (best.effect === 'deny') {
    return { right, effect: 'deny', errno: best.errno ?? policy.default.errno, rule: best.id, matched };
  }
  return { right, effect: 'allow', rule: best.id, matched };
}

function fallback(d: { effect: 'allow' | 'deny'; errno: Errno }, right: number): RightDecision {
  return d.effect === 'deny' ? { right, effect: 'deny', errno: d.errno, matched: [] } : { right, effect: 'allow', matched: [] };
}
