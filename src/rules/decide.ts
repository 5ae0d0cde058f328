/**
 * Decisions per requested right on a compiled policy: walk the path's segments to one DFA state,
 * then resolve each right among the rules that state accepts. For each right the highest tier
 * with a matching rule decides; in it a deny beats an allow; with no matching rule the default
 * decides. A denial's errno is the decisive deny rule's (longest literal prefix, then lowest id),
 * else the default errno. Decisions from unconditional rules are cached per state (and per set
 * of matching rules), so a request costs O(path segments) once states exist, however many rules
 * the policy has; only states where some matching rule has conditions are resolved per request.
 */
import type { Errno } from '../linux/index.js';
import type { RightDecision } from './ir.js';
import { conditionsHold, type Accept, type CompiledPolicy, type TierMasks } from './compile.js';
import { SCRATCH_STRIDE, type DState } from './automaton.js';
import { allRights } from './rights.js';

/** A RequestObject, also accepting explicit `undefined` for the optional fields. */
export interface Query {
  path: string | undefined;
  rights: number;
  type?: string | undefined;
  flags?: number | undefined;
}

/** A whole request: allowed only when every requested right is. */
export interface Decision {
  allowed: boolean;
  /** For a denial: the errno and deciding rule of the first denied right (in bit order). */
  errno?: string;
  rule?: number;
  decisions: RightDecision[];
}

/** One decision per right bit in `obj.rights`, in bit order. Treat `matched` as read-only. */
export function decide(c: CompiledPolicy, obj: Query): RightDecision[] {
  if (obj.path === undefined) return fallback(c.policy.unknown, obj.rights);
  const dfa = c.dfa;
  const i = dfa.walkIndex(obj.path);
  if (i < 0) return decideAt(c, dfa.walk(obj.path).info, obj);
  // The memo is per state index: a cached decision touches one slot and the decision itself.
  const memo = (i + 1) * SCRATCH_STRIDE <= dfa.scratch.length ? dfa.scratch : dfa.scratchFor(i);
  const out: RightDecision[] = [];
  for (let m = obj.rights >>> 0; m !== 0; m = (m & (m - 1)) >>> 0) {
    const bit = (m & -m) >>> 0;
    const slot = i * SCRATCH_STRIDE + 31 - Math.clz32(bit);
    let d = memo[slot] as RightDecision | typeof CONDITIONAL | undefined;
    if (d === undefined) {
      const acc = dfa.stateAt(i).info;
      memo[slot] = d = acc.conditional ? CONDITIONAL : cachedBit(c, acc, bit);
    }
    if (d === CONDITIONAL) return decideAt(c, dfa.stateAt(i).info, obj);
    out.push({ ...d });
  }
  return out;
}

/** Marks a memo slot whose state has conditional rules: those are decided per request. */
const CONDITIONAL = Symbol('conditional');

/**
 * The decisions at a state already reached (the path is not walked again): what a check that
 * explores the automaton itself asks, with the request's type and flags.
 */
export function decideAtState(c: CompiledPolicy, s: DState<Accept>, obj: Omit<Query, 'path'>): RightDecision[] {
  return decideAt(c, s.info, { ...obj, path: undefined });
}

/** Every right allowed at a state already reached, conditions applied (see `allowedMask`). */
export function allowedMaskAtState(c: CompiledPolicy, s: DState<Accept>, type: string | undefined, flags: number | undefined): number {
  if (!s.info.conditional) return (allowedRights(c, s) & allRights(c.policy.abi)) >>> 0;
  let m = 0;
  for (const d of decideAtState(c, s, { rights: allRights(c.policy.abi), type, flags })) if (d.effect === 'allow') m |= d.right;
  return m >>> 0;
}

function decideAt(c: CompiledPolicy, acc: Accept, obj: Query): RightDecision[] {
  const live = acc.conditional ? withConditions(c, acc, obj) : undefined;
  const out: RightDecision[] = [];
  for (const bit of bitsOf(obj.rights)) out.push(live ? resolve(c, live.rules, live.spec, bit) : { ...cachedBit(c, acc, bit) });
  return out;
}

function fallback(d: { effect: 'allow' | 'deny'; errno: Errno }, rights: number): RightDecision[] {
  return bitsOf(rights).map((right) => (d.effect === 'deny' ? { right, effect: 'deny', errno: d.errno, matched: [] } : { right, effect: 'allow', matched: [] }));
}

export function decideAll(c: CompiledPolicy, obj: Query): Decision {
  const decisions = decide(c, obj);
  const denied = decisions.find((d) => d.effect === 'deny');
  if (!denied) return { allowed: true, decisions };
  const d: Decision = { allowed: false, decisions };
  if (denied.errno !== undefined) d.errno = denied.errno;
  if (denied.rule !== undefined) d.rule = denied.rule;
  return d;
}

/** Ids of the rules whose patterns match `path` (excepts applied), ignoring rights and conditions. */
export function matchingRules(c: CompiledPolicy, path: string | undefined): number[] {
  if (path === undefined) return [];
  return c.dfa.walk(path).info.rules.map((r) => c.rules[r]!.id);
}

/** Every right allowed on an object (what an fd opened there obtains), conditions applied. */
export function allowedMask(c: CompiledPolicy, obj: Omit<Query, 'rights'>): number {
  const plain = obj.path !== undefined ? plainMask(c, obj.path) : -1;
  if (plain >= 0) return plain;
  let m = 0;
  for (const d of decide(c, { ...obj, rights: allRights(c.policy.abi) })) if (d.effect === 'allow') m |= d.right;
  return m >>> 0;
}

/**
 * The rights allowed on a path by its unconditional rules alone, or -1 when a conditional rule
 * matches there (then only a full decision, with the object's type and flags, can tell).
 */
export function plainMask(c: CompiledPolicy, path: string): number {
  const s = c.dfa.walk(path);
  return s.info.conditional ? -1 : allowedRights(c, s) & allRights(c.policy.abi);
}

/** Per-tier allow and deny masks at a state (highest tier first), unconditional rules only. */
export function tierMasks(c: CompiledPolicy, s: DState<Accept>): readonly TierMasks[] {
  const acc = s.info;
  if (acc.tiers) return acc.tiers;
  const by = new Map<number, { allow: number; deny: number }>();
  for (const r of s.info.plain) {
    const rule = c.rules[r]!;
    const t = by.get(rule.tier) ?? { allow: 0, deny: 0 };
    if (rule.effect === 'allow') t.allow |= rule.rights;
    else t.deny |= rule.rights;
    by.set(rule.tier, t);
  }
  acc.tiers = [...by].sort((a, b) => b[0] - a[0]).map(([tier, m]) => ({ tier, allow: m.allow, deny: m.deny }));
  return acc.tiers;
}

/** The rights allowed at a state, counting only unconditional rules (and the default). */
export function allowedRights(c: CompiledPolicy, s: DState<Accept>): number {
  const acc = s.info;
  if (acc.allowed !== undefined) return acc.allowed;
  let decided = 0;
  let allowed = 0;
  for (const t of tierMasks(c, s)) {
    allowed |= t.allow & ~t.deny & ~decided;
    decided |= t.allow | t.deny;
  }
  if (c.policy.default.effect === 'allow') allowed |= allRights(c.policy.abi) & ~decided;
  acc.allowed = allowed >>> 0;
  return acc.allowed;
}

/** The set bits of a mask, lowest first. */
export function bitsOf(mask: number): number[] {
  const bits: number[] = [];
  for (let m = mask >>> 0; m !== 0; m = (m & (m - 1)) >>> 0) bits.push((m & -m) >>> 0);
  return bits;
}

function cachedBit(c: CompiledPolicy, acc: Accept, bit: number): RightDecision {
  const perBit = (acc.perBit ??= []);
  const at = 31 - Math.clz32(bit);
  let d = perBit[at] as RightDecision | undefined;
  if (!d) {
    d = resolve(c, acc.plain, acc.plainSpec, bit);
    Object.freeze(d.matched);
    perBit[at] = Object.freeze(d);
  }
  return d;
}

/** The matching rules once conditions are applied, or undefined when no conditional rule holds. */
function withConditions(c: CompiledPolicy, acc: Accept, obj: Query): { rules: number[]; spec: number[] } | undefined {
  const rules: number[] = [];
  const spec: number[] = [];
  acc.rules.forEach((r, i) => {
    const when = c.rules[r]!.when;
    if (when === undefined || conditionsHold(when, obj.type, obj.flags)) {
      rules.push(r);
      spec.push(acc.spec[i]!);
    }
  });
  return rules.length > acc.plain.length ? { rules, spec } : undefined;
}

/** Resolves one right among matching rules (indices ascending, with their specificities). */
function resolve(c: CompiledPolicy, rules: readonly number[], spec: readonly number[], bit: number): RightDecision {
  let top = -Infinity;
  for (const r of rules) {
    const rule = c.rules[r]!;
    if ((rule.rights & bit) !== 0 && rule.tier > top) top = rule.tier;
  }
  if (top === -Infinity) return fallback(c.policy.default, bit)[0]!;
  const matched: number[] = [];
  let deny = -1;
  let allow = -1;
  rules.forEach((r, i) => {
    const rule = c.rules[r]!;
    if ((rule.rights & bit) === 0) return;
    matched.push(rule.id);
    if (rule.tier !== top) return;
    // Indices ascend by id, so a strict `>` keeps the lowest id among equal prefixes.
    if (rule.effect === 'deny') {
      if (deny < 0 || spec[i]! > spec[deny]!) deny = i;
    } else if (allow < 0 || spec[i]! > spec[allow]!) allow = i;
  });
  if (deny >= 0) {
    const rule = c.rules[rules[deny]!]!;
    return { right: bit, effect: 'deny', errno: rule.errno ?? c.policy.default.errno, rule: rule.id, matched };
  }
  return { right: bit, effect: 'allow', rule: c.rules[rules[allow]!]!.id, matched };
}
