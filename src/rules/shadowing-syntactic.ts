/**
 * The shadowing lint's fallback when the automaton is too large to explore (shadowing.ts): one
 * rule covering another by the text of their globs. A glob covers another when they are equal,
 * or when it is `X/**` and the other starts with `X/`. Candidates come from an index of globs by
 * text, and the whole search is bounded in work: past the bound it stops with what it proved,
 * so it may miss a shadowed rule but never reports a live one.
 */
import type { IrPolicy, IrRule } from './ir.js';
import { WorkBoundExceeded, WorkBudget } from './budget.js';
import type { ShadowFinding } from './shadowing.js';
import { implies } from './shadowing.js';

/** Rules some single rule covers by text; at most `maxWork` steps (default: 64 per pattern character, at least 1,000,000). */
export function syntacticShadows(policy: IrPolicy, maxWork?: number): ShadowFinding[] {
  const size = policy.rules.reduce((n, r) => n + r.patterns.reduce((m, p) => m + p.length + 1, 0), 0);
  const budget = new WorkBudget(maxWork ?? Math.max(1_000_000, 64 * size), 'the shadowing lint');
  const index = new Map<string, IrRule[]>();
  for (const d of policy.rules) {
    if (d.except.length > 0 || d.rights === 0) continue;
    for (const p of d.patterns) {
      const list = index.get(p);
      if (list) list.push(d);
      else index.set(p, [d]);
    }
  }
  const uniform = uniformErrnos(policy);
  const errno = (x: IrRule): string => x.errno ?? policy.default.errno;
  const globSets = new Map<number, Set<string>>();
  const globsOf = (d: IrRule): Set<string> => {
    let s = globSets.get(d.id);
    if (!s) globSets.set(d.id, (s = new Set(d.patterns)));
    return s;
  };
  const decides = (d: IrRule, r: IrRule): boolean => {
    if (d.id === r.id || (d.rights & r.rights) >>> 0 !== r.rights >>> 0 || !implies(r.when, d.when)) return false;
    if (d.tier !== r.tier) return d.tier > r.tier;
    if (d.effect !== 'deny') return false;
    // A later deny with the same errno changes no decision only if no deny of the tier with
    // another errno could be the runner-up when it is the decisive one.
    return r.effect === 'allow' || (d.id < r.id && errno(d) === errno(r) && uniform(r));
  };
  const out: ShadowFinding[] = [];
  try {
    for (const r of policy.rules) {
      if (r.patterns.length === 0 || r.rights === 0) continue;
      const rest = r.patterns.slice(1).map((p) => coveringGlobs(p, budget));
      const found = candidates(r.patterns[0]!, index, budget).find((d) => {
        budget.spend(1 + rest.length);
        return decides(d, r) && rest.every((gs) => gs.some((g) => globsOf(d).has(g)));
      });
      if (found) out.push({ rule: r.id, by: [found.id], single: true });
    }
  } catch (e) {
    if (!(e instanceof WorkBoundExceeded)) throw e;
  }
  return out;
}

/** Rules having a glob that covers `p`, in policy order. */
function candidates(p: string, index: ReadonlyMap<string, IrRule[]>, budget: WorkBudget): IrRule[] {
  const out: IrRule[] = [];
  for (const g of coveringGlobs(p, budget)) for (const d of index.get(g) ?? []) out.push(d);
  budget.spend(out.length);
  return out;
}

/** `p` itself and `X/**` for every prefix `X/` of `p` (with at least one more segment after it). */
function coveringGlobs(p: string, budget: WorkBudget): string[] {
  const out = [p];
  for (let k = p.indexOf('/'); k >= 0 && k + 1 < p.length; k = p.indexOf('/', k + 1)) {
    budget.spend(1 + (k >>> 3));
    out.push(`${p.slice(0, k + 1)}**`);
  }
  return out;
}

/** Whether every deny of r's tier that carries one of r's rights has r's errno. */
function uniformErrnos(policy: IrPolicy): (r: IrRule) => boolean {
  const seen = new Map<string, string>();
  const MIXED = '';
  for (const d of policy.rules) {
    if (d.effect !== 'deny') continue;
    const e = d.errno ?? policy.default.errno;
    for (let m = d.rights >>> 0; m !== 0; m = (m & (m - 1)) >>> 0) {
      const key = `${d.tier}:${31 - Math.clz32(m & -m)}`;
      const had = seen.get(key);
      seen.set(key, had === undefined || had === e ? e : MIXED);
    }
  }
  return (r) => {
    const e = r.errno ?? policy.default.errno;
    for (let m = r.rights >>> 0; m !== 0; m = (m & (m - 1)) >>> 0) if (seen.get(`${r.tier}:${31 - Math.clz32(m & -m)}`) !== e) return false;
    return true;
  };
}
