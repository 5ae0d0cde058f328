/**
 * Compiles an IrPolicy into one lazy segment automaton. Every pattern and every `except` of every
 * rule is a tagged path through the same NFA; a DFA state's accepting tags say which rules match
 * there (a rule whose except also accepts is removed), with each rule's specificity. Conditions
 * stay out of the automaton: they are per request, and only the few conditional rules matched at
 * a state are filtered at decision time.
 */
import type { Errno } from '../linux/index.js';
import type { IrPolicy, RuleWhen } from './ir.js';
import { parsePattern } from './glob.js';
import { LazyDfa, SegmentNfa, type DfaOptions } from './automaton.js';

/** What decisions need of a rule. Index = position in `CompiledPolicy.rules` (ascending id). */
export interface RuleMeta {
  readonly id: number;
  readonly effect: 'allow' | 'deny';
  readonly tier: number;
  readonly rights: number;
  readonly errno: Errno | undefined;
  readonly when: RuleWhen | undefined;
}

/** Per-tier masks of one state, from unconditional rules only. */
export interface TierMasks {
  readonly tier: number;
  readonly allow: number;
  readonly deny: number;
}

/** What a DFA state accepts. Rule lists are rule indices, ascending (so by id). */
export interface Accept {
  /** Matching rules (patterns matched, no except matched), and each one's specificity. */
  readonly rules: readonly number[];
  readonly spec: readonly number[];
  /** The same restricted to rules without conditions. */
  readonly plain: readonly number[];
  readonly plainSpec: readonly number[];
  /** Whether some matching rule has conditions (only then is filtering needed). */
  readonly conditional: boolean;
  /** Filled by decide.ts on first use: decisions by bit position, tier masks, allowed mask. */
  perBit: unknown[] | undefined;
  tiers: readonly TierMasks[] | undefined;
  allowed: number | undefined;
}

export interface CompiledPolicy {
  readonly policy: IrPolicy;
  readonly rules: readonly RuleMeta[];
  readonly dfa: LazyDfa<Accept>;
  /** What each NFA tag stands for: a pattern or an except of rule `rule` (an index in `rules`). */
  readonly tags: readonly Tag[];
}

const SHARED_LIMIT = 100_000;
const SHARED_RULES_LIMIT = 1 << 22;

export interface Tag {
  readonly rule: number;
  readonly except: boolean;
  /** The pattern's literal prefix length (0 for an except). */
  readonly spec: number;
}

/** Compiles a policy. Throws GlobError on a malformed pattern. */
export function compile(policy: IrPolicy, opts: DfaOptions = {}): CompiledPolicy {
  const ordered = [...policy.rules].sort((a, b) => a.id - b.id);
  const rules: RuleMeta[] = ordered.map((r) => ({
    id: r.id,
    effect: r.effect,
    tier: r.tier,
    rights: r.rights >>> 0,
    errno: r.errno,
    when: hasConditions(r.when) ? r.when : undefined,
  }));
  const nfa = new SegmentNfa();
  const tags: Tag[] = [];
  ordered.forEach((r, rule) => {
    if (r.rights === 0) return; // decides nothing
    for (const p of r.patterns) {
      const parsed = parsePattern(p);
      nfa.add(parsed, tags.push({ rule, except: false, spec: parsed.prefixLength }) - 1);
    }
    for (const p of r.except) nfa.add(parsePattern(p), tags.push({ rule, except: true, spec: 0 }) - 1);
  });
  // States that accept the same rules share one Accept, and with it the decision caches.
  // Bounded in entries and in the rules they list, since a state can match very many rules.
  const shared = new Map<string, Accept>();
  let held = 0;
  const annotate = (ids: readonly number[]): Accept => {
    const a = accept(ids.map((t) => tags[t]!), rules);
    const key = `${a.rules.join(',')}|${a.spec.join(',')}`;
    const known = shared.get(key);
    if (known) return known;
    if (shared.size >= SHARED_LIMIT || held + a.rules.length > SHARED_RULES_LIMIT) {
      shared.clear();
      held = 0;
    }
    shared.set(key, a);
    held += a.rules.length;
    return a;
  };
  return { policy, rules, dfa: new LazyDfa(nfa, annotate, opts), tags };
}

function hasConditions(w: RuleWhen | undefined): boolean {
  return w !== undefined && ((w.flagsHas?.length ?? 0) > 0 || (w.flagsLacks?.length ?? 0) > 0 || w.type !== undefined);
}

function accept(tags: readonly Tag[], rules: readonly RuleMeta[]): Accept {
  const best = new Map<number, number>();
  const excepted = new Set<number>();
  for (const t of tags) {
    if (t.except) excepted.add(t.rule);
    else best.set(t.rule, Math.max(best.get(t.rule) ?? 0, t.spec));
  }
  const ids = [...best.keys()].filter((r) => !excepted.has(r)).sort((a, b) => a - b);
  const spec = ids.map((r) => best.get(r)!);
  const plain = ids.filter((r) => rules[r]!.when === undefined);
  return {
    rules: ids,
    spec,
    plain,
    plainSpec: plain.map((r) => best.get(r)!),
    conditional: plain.length < ids.length,
    perBit: undefined,
    tiers: undefined,
    allowed: undefined,
  };
}

/** Whether a rule's conditions hold for a request (absent flags count as none set). */
export function conditionsHold(when: RuleWhen, type: string | undefined, flags: number | undefined): boolean {
  const f = flags ?? 0;
  if (when.type !== undefined && when.type !== type) return false;
  for (const x of when.flagsHas ?? []) if ((f & x) !== x) return false;
  for (const x of when.flagsLacks ?? []) if ((f & x) === x) return false;
  return true;
}
