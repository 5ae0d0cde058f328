/**
 * Warnings about rules that are legal but almost certainly not what was meant. The shadowing
 * check is syntactic (equal patterns, or a `/**` that covers by literal prefix): it never
 * warns wrongly, and the exact check on automata can find more later.
 */
import type { IrPolicy, IrRule, RuleWhen } from '../rules/ir.js';
import { bit, rightsIn } from '../rules/rights.js';
import { diag, type Diagnostic } from './diagnostics.js';
import type { Target } from './ast.js';
import type { Span } from '../rules/ir.js';

/**
 * Whether some glob of `qs` covers `p`: `p` itself, or `X/**` for a prefix `X/` of `p` (that
 * matches everything `p` can, since `p` has at least one more segment). Linear in `p`.
 */
function coveredBy(qs: ReadonlySet<string>, p: string): boolean {
  if (qs.has(p)) return true;
  for (let k = p.indexOf('/'); k >= 0 && k + 1 < p.length; k = p.indexOf('/', k + 1)) {
    if (qs.has(`${p.slice(0, k + 1)}**`)) return true;
  }
  return false;
}

function sameWhen(a: RuleWhen | undefined, b: RuleWhen | undefined): boolean {
  const key = (w: RuleWhen | undefined): string => JSON.stringify([
    [...(w?.flagsHas ?? [])].sort(), [...(w?.flagsLacks ?? [])].sort(), w?.type ?? null,
  ]);
  return key(a) === key(b);
}

/**
 * Whether `d` decides wherever `r` could: no except, ⊇ rights, ⊇ paths, no narrower
 * condition. That makes `r` dead when `d` sits in a higher tier, or when `d` is a deny of
 * the same tier and `r` an allow.
 */
function covering(d: IrRule, r: IrRule, globs: (x: IrRule) => ReadonlySet<string>): boolean {
  if (d.id === r.id || d.except.length > 0 || r.patterns.length === 0) return false;
  if (r.rights === 0 || (d.rights & r.rights) >>> 0 !== r.rights >>> 0) return false;
  if (d.when !== undefined && !sameWhen(d.when, r.when)) return false;
  const qs = globs(d);
  return r.patterns.every((p) => coveredBy(qs, p));
}

function at(r: IrRule): string {
  return `${r.span.file}:${r.span.line}:${r.span.col}`;
}

export function lintShadowed(policy: IrPolicy): Diagnostic[] {
  const out: Diagnostic[] = [];
  const errno = (x: IrRule): string => x.errno ?? policy.default.errno;
  const sets = new Map<number, ReadonlySet<string>>();
  const globs = (x: IrRule): ReadonlySet<string> => {
    let s = sets.get(x.id);
    if (!s) sets.set(x.id, (s = new Set(x.patterns)));
    return s;
  };
  for (const r of policy.rules) {
    const d = policy.rules.find((x) => covering(x, r, globs) && (x.tier > r.tier ||
      (x.tier === r.tier && x.effect === 'deny' && (r.effect === 'allow' || (x.id < r.id && errno(x) === errno(r))))));
    if (!d) continue;
    let msg: string;
    if (d.tier > r.tier) msg = `this rule never decides: the ${d.effect} at ${at(d)} in tier ${d.tier} covers the same rights on the same paths`;
    else if (r.effect === 'allow') msg = `this allow never takes effect: the deny at ${at(d)} denies the same rights on the same paths`;
    else msg = `this deny never changes a decision: the deny at ${at(d)} already denies these rights here with ${errno(d)}`;
    const help = r.effect === 'allow' && d.tier === r.tier
      ? 'add an `except` to the deny, or move this rule to a higher `tier`'
      : 'remove this rule';
    out.push(diag('FW601', r.span, msg, help, [{ span: d.span, message: `the ${d.effect} that covers it` }]));
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
