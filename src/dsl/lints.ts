/**
 * Warnings about rules that are legal but almost certainly not what was meant. Shadowing is
 * decided on the policy's automaton (src/rules/shadowing.ts): a rule is reported only when it
 * never decides, on any path, in any request. When the automaton is too large to explore within
 * its work bound, a bounded check of the globs' text takes over (shadowing-syntactic.ts).
 */
import type { IrPolicy, IrRule } from '../rules/ir.js';
import { GlobError } from '../rules/glob.js';
import { bit, rightsIn } from '../rules/rights.js';
import { shadowedRules, type ShadowFinding } from '../rules/shadowing.js';
import { syntacticShadows } from '../rules/shadowing-syntactic.js';
import { diag, type Diagnostic } from './diagnostics.js';
import type { Target } from './ast.js';
import type { Span } from '../rules/ir.js';

function at(r: IrRule): string {
  return `${r.span.file}:${r.span.line}:${r.span.col}`;
}

/** The shadowed rules: on the automaton, or by text when that is too large to explore. */
function findShadowed(policy: IrPolicy): ShadowFinding[] {
  try {
    return shadowedRules(policy) ?? syntacticShadows(policy);
  } catch (e) {
    if (e instanceof GlobError) return []; // a pattern the matcher refuses is reported by lowering
    throw e;
  }
}

/** The message for rule `r`, which the rules `cover` (one that suffices, or some of several) leave no decision. */
function shadowMessage(r: IrRule, cover: readonly IrRule[], single: boolean, errno: (x: IrRule) => string): string {
  const d = cover[0]!;
  if (single) {
    if (d.tier > r.tier) return `this rule never decides: the ${d.effect} at ${at(d)} in tier ${d.tier} covers the same rights on the same paths`;
    if (r.effect === 'allow') return `this allow never takes effect: the deny at ${at(d)} denies the same rights on the same paths`;
    return `this deny never changes a decision: the deny at ${at(d)} already denies these rights here with ${errno(d)}`;
  }
  const names = `${cover.map((x) => `the ${x.effect} at ${at(x)}`).join(', ')}${cover.length >= 3 ? ', ...' : ''}`;
  if (cover.every((x) => x.tier > r.tier)) return `this rule never decides: rules of higher tiers cover the same rights on every path it matches (${names})`;
  if (r.effect === 'allow') return `this allow never takes effect: on every path it matches, a deny of its tier or a rule of a higher tier decides first (${names})`;
  return `this deny never changes a decision: on every path it matches, other rules decide the same (${names})`;
}

export function lintShadowed(policy: IrPolicy): Diagnostic[] {
  const byId = new Map(policy.rules.map((r) => [r.id, r]));
  const errno = (x: IrRule): string => x.errno ?? policy.default.errno;
  const out: Diagnostic[] = [];
  for (const f of findShadowed(policy)) {
    const r = byId.get(f.rule);
    const cover = f.by.map((id) => byId.get(id)).filter((x): x is IrRule => x !== undefined);
    if (!r || cover.length === 0) continue;
    const help = r.effect === 'allow' && cover.some((x) => x.tier === r.tier)
      ? `add an \`except\` to the ${f.single ? 'deny' : 'denies'}, or move this rule to a higher \`tier\``
      : 'remove this rule';
    const related = cover.map((x) => ({ span: x.span, message: f.single ? `the ${x.effect} that covers it` : `a ${x.effect} that covers part of it` }));
    out.push(diag('FW601', r.span, shadowMessage(r, cover, f.single, errno), help, related));
  }
  return out;
}

const BROAD = bit('write') | bit('create') | bit('delete');

export function lintOverBroad(policy: IrPolicy): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const r of policy.rules) {
    if (r.effect !== 'allow' || (r.rights & BROAD) === 0) continue;
    const p = r.patterns.find((x) => x === '/' || x === '/**');
    if (p === undefined) continue;
    const names = rightsIn(r.rights & BROAD, policy.abi).join(', ');
    out.push(diag('FW602', r.span, `this allow grants ${names} on \`${p}\`, that is on every path`,
      'narrow it to the directories that need it, e.g. `under /srv/app`'));
  }
  return out;
}

/**
 * `under` binds to one pattern: in `allow read under /a /b`, `/b` is only that path, not what is
 * below it. A plain, glob-free path after an `under` target is almost always meant as `under`.
 */
export function lintUnderMix(targets: readonly Target[], fallback: Span): Diagnostic[] {
  const out: Diagnostic[] = [];
  let seenUnder = false;
  for (const t of targets) {
    if (t.under) seenUnder = true;
    else if (seenUnder && !/[*?[{]/.test(t.pattern.text)) {
      out.push(diag('FW604', t.pattern.span ?? t.span ?? fallback,
        `\`${t.pattern.text}\` is just that path: \`under\` applies only to the pattern right after it`,
        `write \`under ${t.pattern.text}\` to include everything below it too`));
    }
  }
  return out;
}
