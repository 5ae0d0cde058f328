/**
 * Rules that never decide anything, found on the automaton (the analysis behind lint FW601).
 *
 * Every reachable DFA state is visited once, breadth-first over the symbolic alphabet of
 * segment-alphabet.ts, so every path is accounted for; a state fixes which rules match there.
 * At each state, a matching rule `r` is *preempted* for a right when another rule sure to match
 * there too (unconditional, or with conditions that r's imply) takes the decision from it in
 * every request where r matches:
 *
 * - a rule with that right in a higher tier (then r's tier does not decide);
 * - for an allow, a deny with that right in its tier (a deny beats an allow);
 * - for a deny, the decisive deny of its tier (longest literal prefix, then lowest id) when that
 *   one has a lower id than r; or a deny of lower id when every deny with that right in the
 *   tier there, conditional ones included, has r's errno (whichever decides, the same errno).
 *
 * A rule preempted for every right it carries, at every state where it matches, never decides:
 * removing it changes no decision. Between denies only a lower id preempts, so of rules that
 * preempt each other the first stays, and removing every reported rule at once is safe as well.
 * Below a state where no rule still in question can match, nothing is explored. The exploration
 * is bounded in work (budget.ts); past the bound the answer is undefined rather than a guess.
 */
import type { IrPolicy, RuleWhen } from './ir.js';
import type { DState } from './automaton.js';
import { compile, type Accept, type CompiledPolicy, type RuleMeta } from './compile.js';
import { WorkBoundExceeded, WorkBudget } from './budget.js';
import { RepresentativeCache } from './segment-alphabet.js';

export interface ShadowFinding {
  /** The rule that never decides (its id). */
  rule: number;
  /** Rules that cover it: one when a single rule does on every path, else up to three that do somewhere. */
  by: number[];
  /** Whether `by[0]` alone covers it on every path it matches. */
  single: boolean;
}

export interface ShadowOptions {
  /**
   * Bound on work (see budget.ts). Default: 1,000,000 plus 400 per NFA node of the policy, several
   * times what the bench's and the examples' policies need (under 100 per node).
   */
  maxWork?: number;
}

/** A rule's status: seen only preempted so far, or seen deciding somewhere. */
const DEAD = 1;
const LIVE = 2;
/** No single rule covers it everywhere (the cover is a set). */
const SET_COVER = -2;
/** Denies of several errnos. */
const MIXED = '';

/** The rules of `policy` that never decide, or undefined when the analysis reached its work bound. */
export function shadowedRules(policy: IrPolicy, opts: ShadowOptions = {}): ShadowFinding[] | undefined {
  const c = compile(policy);
  const budget = new WorkBudget(opts.maxWork ?? 1_000_000 + 400 * c.dfa.nfa.nodes.length, 'the shadowing analysis');
  try {
    const a = new Analysis(c, new Pending(c, budget));
    explore(c, a, budget);
    return a.findings();
  } catch (e) {
    if (e instanceof WorkBoundExceeded) return undefined;
    throw e;
  }
}

function explore(c: CompiledPolicy, a: Analysis, budget: WorkBudget): void {
  const reps = new RepresentativeCache();
  const seen = new Set<string>([c.dfa.start.key]);
  const queue: DState<Accept>[] = [c.dfa.start];
  let work = c.dfa.work;
  for (let head = 0; head < queue.length && a.undecided > 0; head++) {
    const s = queue[head]!;
    queue[head] = c.dfa.start; // done with it: let it be collected
    budget.spend(s.nodes.length);
    if (!a.pending.below(s)) continue;
    a.visit(s.info, budget);
    if (s.dead) continue;
    const { literals, wilds } = c.dfa.alphabet(s);
    budget.spend(literals.length + wilds.length);
    const symbols = [...literals, ...reps.get(wilds, literals, budget)];
    work = budget.charge(c.dfa, work);
    for (const seg of symbols) {
      const next = c.dfa.step(s, seg);
      work = budget.charge(c.dfa, work);
      budget.spend(1);
      if (seen.has(next.key)) continue;
      seen.add(next.key);
      queue.push(next);
    }
  }
}

/** The per-rule verdicts so far, and the per-state tables they are computed from. */
class Analysis {
  private readonly status: Uint8Array;
  private readonly cover: Int32Array;
  private readonly others: number[][];
  /** Rules that may still turn out live (with rights): the exploration stops when none is left. */
  undecided = 0;
  // Per state: which rules match (by stamp) and their specificity.
  private stamp = 0;
  private readonly at: Int32Array;
  private readonly spec: Int32Array;
  // Per state, unconditional rules only: per right bit the highest tier and a rule there, per
  // (tier, bit) the best-ranked deny and the one of lowest id.
  private readonly topTier = new Float64Array(32);
  private readonly topRule = new Int32Array(32);
  private readonly denies = new Map<number, { best: number; first: number }>();
  /** Per (tier, bit), over all rules matching here: the one errno of the denies, or MIXED. */
  private readonly errnos = new Map<number, string>();

  constructor(private readonly c: CompiledPolicy, readonly pending: Pending) {
    const n = c.rules.length;
    this.status = new Uint8Array(n);
    this.cover = new Int32Array(n).fill(-1);
    this.others = Array.from({ length: n }, () => []);
    this.at = new Int32Array(n).fill(-1);
    this.spec = new Int32Array(n);
    for (const r of c.rules) if (r.rights !== 0) this.undecided++;
  }

  findings(): ShadowFinding[] {
    const out: ShadowFinding[] = [];
    this.status.forEach((st, i) => {
      if (st !== DEAD) return;
      const single = this.cover[i]! >= 0;
      const by = single ? [this.cover[i]!] : this.others[i]!;
      out.push({ rule: this.c.rules[i]!.id, by: by.map((j) => this.c.rules[j]!.id), single });
    });
    return out;
  }

  visit(acc: Accept, budget: WorkBudget): void {
    if (acc.rules.length === 0) return;
    budget.spend(acc.rules.length * 4);
    this.stamp++;
    acc.rules.forEach((r, i) => {
      this.at[r] = this.stamp;
      this.spec[r] = acc.spec[i]!;
    });
    this.tabulate(acc);
    for (const r of acc.rules) {
      if (this.status[r] === LIVE || this.c.rules[r]!.rights === 0) continue;
      const rule = this.c.rules[r]!;
      budget.spend(1 + (rule.when !== undefined ? acc.rules.length * 2 : 0));
      const coverers = this.coverersOf(r, acc);
      if (coverers === undefined) {
        this.undecided--;
        this.status[r] = LIVE;
        this.pending.settle(r, budget);
        continue;
      }
      this.status[r] = DEAD;
      this.noteCover(r, coverers);
    }
  }

  /** Keeps a single rule that covers `r` at every state so far, else a few that cover it somewhere. */
  private noteCover(r: number, coverers: number[]): void {
    const whole = coverers.find((w) => this.coversAll(w, r));
    const was = this.cover[r]!;
    if (was === -1 && whole !== undefined) this.cover[r] = whole;
    else if (was >= 0 && !this.coversAll(was, r)) {
      this.cover[r] = SET_COVER;
      this.others[r]!.push(was);
    } else if (was === -1) this.cover[r] = SET_COVER;
    if (this.cover[r] !== SET_COVER) return;
    const list = this.others[r]!;
    for (const w of whole !== undefined ? [whole] : coverers) if (list.length < 3 && !list.includes(w)) list.push(w);
  }

  /** Per right bit of `r`, a rule that preempts it at this state; undefined when one bit has none. */
  private coverersOf(r: number, acc: Accept): number[] | undefined {
    const rule = this.c.rules[r]!;
    const sure = rule.when === undefined ? acc.plain : acc.rules.filter((g) => g !== r && this.sure(g, rule));
    const out: number[] = [];
    for (let m = rule.rights >>> 0; m !== 0; m = (m & (m - 1)) >>> 0) {
      const k = 31 - Math.clz32(m & -m);
      const w = rule.when === undefined ? this.fromTables(r, k) : this.fromList(r, k, sure);
      if (w < 0) return undefined;
      if (!out.includes(w)) out.push(w);
    }
    return out;
  }

  /** The preempting rule for unconditional `r` and bit `k`, from the state's tables, or -1. */
  private fromTables(r: number, k: number): number {
    const rule = this.c.rules[r]!;
    if (this.topTier[k]! > rule.tier) return this.topRule[k]!;
    const slot = this.denies.get(rule.tier * 32 + k);
    if (rule.effect === 'allow') return slot ? slot.best : -1;
    return slot ? this.betweenDenies(r, k, slot.best, slot.first) : -1;
  }

  /** The same for conditional `r`, scanning the rules sure to match with it. */
  private fromList(r: number, k: number, sure: readonly number[]): number {
    const rule = this.c.rules[r]!;
    const bit = 2 ** k;
    let best = -1;
    let first = -1;
    for (const g of sure) {
      const x = this.c.rules[g]!;
      if ((x.rights & bit) === 0) continue;
      if (x.tier > rule.tier) return g;
      if (x.tier !== rule.tier || x.effect !== 'deny') continue;
      if (best < 0 || this.outranks(g, best)) best = g;
      if (first < 0 || g < first) first = g;
    }
    if (rule.effect === 'allow') return best;
    return this.betweenDenies(r, k, best, first);
  }

  /**
   * For deny `r`, given the best-ranked and the lowest-id deny sure to match with it (either may
   * be r itself, or -1): a deny of lower id that preempts it, or -1. Rule indices are in id order.
   */
  private betweenDenies(r: number, k: number, best: number, first: number): number {
    if (best >= 0 && best < r && this.outranks(best, r)) return best;
    const e = this.errno(r);
    if (first < 0 || first >= r || this.errno(first) !== e) return -1;
    return this.errnos.get(this.c.rules[r]!.tier * 32 + k) === e ? first : -1;
  }

  /** Whether `w` alone preempts `r` for all its rights at this state (for naming one rule). */
  private coversAll(w: number, r: number): boolean {
    const x = this.c.rules[w]!;
    const rule = this.c.rules[r]!;
    if (w === r || this.at[w] !== this.stamp || (x.rights & rule.rights) >>> 0 !== rule.rights >>> 0) return false;
    if (!this.sure(w, rule)) return false;
    if (x.tier !== rule.tier) return x.tier > rule.tier;
    return x.effect === 'deny' && (rule.effect === 'allow' || (w < r && (this.outranks(w, r) || this.errno(w) === this.errno(r))));
  }

  /** The per-state tables: over unconditional rules, and errnos of the denies over all rules. */
  private tabulate(acc: Accept): void {
    this.topTier.fill(-Infinity);
    this.denies.clear();
    this.errnos.clear();
    for (const g of acc.rules) {
      const x = this.c.rules[g]!;
      if (x.effect !== 'deny') continue;
      const e = this.errno(g);
      this.eachBit(x.rights, (k) => {
        const key = x.tier * 32 + k;
        const had = this.errnos.get(key);
        this.errnos.set(key, had === undefined || had === e ? e : MIXED);
      });
    }
    for (const g of acc.plain) {
      const x = this.c.rules[g]!;
      this.eachBit(x.rights, (k) => {
        if (x.tier > this.topTier[k]!) {
          this.topTier[k] = x.tier;
          this.topRule[k] = g;
        }
        if (x.effect !== 'deny') return;
        const key = x.tier * 32 + k;
        const slot = this.denies.get(key);
        if (!slot) this.denies.set(key, { best: g, first: g });
        else {
          if (this.outranks(g, slot.best)) slot.best = g;
          if (g < slot.first) slot.first = g;
        }
      });
    }
  }

  private eachBit(mask: number, f: (k: number) => void): void {
    for (let m = mask >>> 0; m !== 0; m = (m & (m - 1)) >>> 0) f(31 - Math.clz32(m & -m));
  }

  /** Rank among denies at this state: longer literal prefix, then lower id (index order is id order). */
  private outranks(x: number, y: number): boolean {
    return this.spec[x]! > this.spec[y]! || (this.spec[x] === this.spec[y] && x < y);
  }

  /** Whether `g` matches whenever `r` does at a state where both patterns match. */
  private sure(g: number, r: RuleMeta): boolean {
    return implies(r.when, this.c.rules[g]!.when);
  }

  private errno(i: number): string {
    return this.c.rules[i]!.errno ?? this.c.policy.default.errno;
  }
}

/**
 * Per NFA node, how many patterns of rules still in question end at it or below it in the trie:
 * a state whose nodes all count zero leads only to rules already known to decide somewhere.
 */
class Pending {
  private readonly count: Int32Array;
  private readonly parent: Int32Array;
  /** Per rule index, the NFA nodes where its patterns end. */
  private readonly ends: number[][];

  constructor(c: CompiledPolicy, budget: WorkBudget) {
    const nodes = c.dfa.nfa.nodes;
    this.count = new Int32Array(nodes.length);
    this.parent = new Int32Array(nodes.length).fill(-1);
    this.ends = c.rules.map(() => []);
    nodes.forEach((n, i) => {
      for (const to of n.lits.values()) this.parent[to] = i;
      for (const e of n.wilds) this.parent[e.to] = i;
      if (n.star >= 0) this.parent[n.star] = i;
      for (const t of n.tags) if (!c.tags[t]!.except) this.ends[c.tags[t]!.rule]!.push(i);
    });
    budget.spend(nodes.length);
    this.ends.forEach((list) => list.forEach((n) => this.add(n, 1, budget)));
  }

  /** Whether a rule still in question may match at `s` or below it. */
  below(s: DState<Accept>): boolean {
    return s.nodes.some((n) => this.count[n]! > 0);
  }

  /** Rule `r` is known to decide somewhere: nothing needs exploring for it any more. */
  settle(r: number, budget: WorkBudget): void {
    for (const n of this.ends[r]!) this.add(n, -1, budget);
  }

  private add(from: number, delta: number, budget: WorkBudget): void {
    let steps = 0;
    for (let n = from; n >= 0; n = this.parent[n]!, steps++) this.count[n]! += delta;
    budget.spend(steps);
  }
}

/** Whether conditions `g` hold whenever conditions `r` do (sufficient, not necessary). */
export function implies(r: RuleWhen | undefined, g: RuleWhen | undefined): boolean {
  if (g === undefined) return true;
  if (r === undefined) return false;
  if (g.type !== undefined && g.type !== r.type) return false;
  let set = 0;
  for (const x of r.flagsHas ?? []) set = (set | x) >>> 0;
  // `has x` holds when r sets all of x; `lacks x` when r lacks some y whose bits are all in x.
  if (!(g.flagsHas ?? []).every((x) => ((x & ~set) >>> 0) === 0)) return false;
  return (g.flagsLacks ?? []).every((x) => (r.flagsLacks ?? []).some((y) => ((y & ~x) >>> 0) === 0));
}
