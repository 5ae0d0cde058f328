/**
 * Explanations: for a verdict, the syscall, how each object was resolved, the rights it needed,
 * per right the rules that matched (with spans and effects) and the one that decided with its
 * `because`; for a denial, the narrowest rule that would allow it.
 */
import type { IrPolicy, IrRule, RightDecision, Span } from './ir.js';
import type { Verdict } from './judge.js';
import { rightsIn } from './rights.js';

export interface RightExplanation {
  right: string;
  effect: 'allow' | 'deny';
  errno?: string;
  /** The deciding rule, or 'default' / 'unknown' / 'fd' when no rule decided. */
  decidedBy: { rule: number; effect: string; tier: number; span: Span; because?: string } | 'default' | 'unknown' | 'granted at open';
  matched: { rule: number; effect: string; tier: number; span: Span }[];
}

export interface CheckExplanation {
  role: string;
  path: string | undefined;
  exists: boolean;
  type?: string;
  steps: string[];
  unknown?: string;
  /** Refused before any rule: beyond the guest (`outside: ...`) or by the kernel itself. */
  refused?: string;
  rights: string[];
  perRight: RightExplanation[];
  /** For a network check: what it reaches and the `network` statement that decided (or none). */
  network?: { what: string; allowed: boolean; errno?: string; statement?: { span: Span; effect: string; because?: string }; needs: string };
}

export interface Explanation {
  syscall: string;
  allowed: boolean;
  errno?: string;
  checks: CheckExplanation[];
  /** The suffix where the new name gains rights ('' for the object itself). */
  escalation?: string;
  /** Set when the rename/link was refused undecided: the no-escalation check reached its work bound. */
  escalationReason?: string;
  /** For a denial: a rule that would allow exactly this (narrowest: this path, these rights). */
  fix?: string;
}

function ruleRef(r: IrRule) {
  return { rule: r.id, effect: r.effect, tier: r.tier, span: r.span };
}

export function explain(policy: IrPolicy, v: Verdict): Explanation {
  const checks: CheckExplanation[] = v.checks.map((cv) => {
    const o = cv.check.object;
    const perRight = cv.decisions.map((d: RightDecision): RightExplanation => {
      const rule = d.rule === undefined ? undefined : policy.rules[d.rule];
      const decidedBy: RightExplanation['decidedBy'] = rule
        ? { ...ruleRef(rule), ...(rule.because !== undefined ? { because: rule.because } : {}) }
        : cv.unknown !== undefined ? 'unknown' : cv.check.role === 'fd' ? 'granted at open' : 'default';
      return {
        right: rightsIn(d.right, policy.abi).join(','),
        effect: d.effect,
        ...(d.errno !== undefined && d.effect === 'deny' ? { errno: d.errno } : {}),
        decidedBy,
        matched: d.matched.map((id) => policy.rules[id]).filter((r): r is IrRule => !!r).map(ruleRef),
      };
    });
    const net = cv.check.network;
    const nd = cv.network;
    const st = nd?.statement !== undefined ? policy.network?.[nd.statement] : undefined;
    const network = net && nd ? {
      what: net.what, allowed: nd.allowed, ...(nd.errno !== undefined && !nd.allowed ? { errno: nd.errno } : {}),
      ...(st ? { statement: { span: st.span, effect: st.effect, ...(st.because !== undefined ? { because: st.because } : {}) } } : {}),
      needs: net.classes.join(' or '),
    } : undefined;
    const refused = cv.cause === 'outside' ? `outside the guest: ${cv.check.outside?.what ?? 'this call'} (${cv.errno})`
      : network && !network.allowed ? `network: ${network.what} (${cv.errno}), ${network.statement ? `denied by the \`network\` statement at ${where(network.statement.span)}` : 'which no `network` statement allows'}`
      : cv.cause === 'kernel' ? `the kernel refuses it before any policy check (${cv.errno}): the path does not resolve` : undefined;
    return {
      role: cv.check.role, path: o.path, ...(network ? { network } : {}), exists: o.exists, ...(o.type ? { type: o.type } : {}), steps: o.steps,
      ...(cv.unknown !== undefined ? { unknown: cv.unknown } : {}), ...(refused ? { refused } : {}),
      rights: rightsIn(cv.check.rights, policy.abi), perRight,
    };
  });
  const out: Explanation = { syscall: v.request.syscall, allowed: v.allowed, checks };
  if (v.errno !== undefined) out.errno = v.errno;
  if (v.escalation) out.escalation = v.escalation.witness;
  if (v.escalation?.reason !== undefined) out.escalationReason = v.escalation.reason;
  if (!v.allowed) out.fix = fixFor(checks, v);
  return out;
}

function fixFor(checks: CheckExplanation[], v: Verdict): string {
  if (v.escalation?.reason !== undefined) {
    return 'a policy whose patterns keep this check within its bound: patterns that count segments below a `**` (such as `/**/x/*/*/*`) multiply the states it compares';
  }
  if (v.escalation) return `the rights at the new name must not exceed those at the old one (witness suffix '${v.escalation.witness}'): grant the same rights at both, or none extra at the destination`;
  const net = checks.find((c) => c.network && !c.network.allowed);
  if (net?.network) {
    const first = net.network.needs.split(' or ')[0] ?? 'inet';
    return net.network.statement ? `a \`network deny\` decides first: remove it, or narrow its scopes` : `network allow ${first}`;
  }
  const denied = checks.find((c) => c.perRight.some((r) => r.effect === 'deny'));
  if (!denied) {
    const outside = checks.find((c) => c.refused?.startsWith('outside'));
    return outside ? 'no rule of this policy language allows it (calls that reach beyond the guest are refused)' : '';
  }
  if (denied.unknown !== undefined) return `unknown allow   # the model could not resolve the object: ${denied.unknown}`;
  const rights = denied.perRight.filter((r) => r.effect === 'deny').map((r) => r.right);
  const path = denied.path ?? '?';
  const quoted = /[\s"#;{}]/.test(path) ? JSON.stringify(path) : path;
  const byRule = denied.perRight.find((r) => r.effect === 'deny' && typeof r.decidedBy === 'object');
  const tier = byRule && typeof byRule.decidedBy === 'object' ? byRule.decidedBy.tier + 1 : 0;
  const rule = `allow ${rights.join(',')} ${quoted}`;
  return tier > 0 ? `tier ${tier} { ${rule} }   # a deny in tier ${tier - 1} decides otherwise` : rule;
}

function where(s: Span): string {
  return `${s.file}:${s.line}:${s.col}`;
}

/** The explanation as text for people. */
export function renderExplanation(e: Explanation, source?: (s: Span) => string | undefined): string {
  const lines: string[] = [];
  lines.push(`${e.syscall}: ${e.allowed ? 'allowed' : `denied${e.errno ? ` with ${e.errno}` : ''}`}`);
  for (const c of e.checks) {
    if (c.network) {
      const n = c.network;
      lines.push(`  network: ${n.what} (needs ${n.needs})`);
      lines.push(n.statement
        ? `    ${n.allowed ? 'allowed' : `denied ${n.errno ?? ''}`.trimEnd()} by network statement at ${where(n.statement.span)}${n.statement.because ? `: "${n.statement.because}"` : ''}`
        : `    denied${n.errno ? ` ${n.errno}` : ''}: no \`network\` statement allows it`);
      const text = n.statement ? source?.(n.statement.span) : undefined;
      if (text) lines.push(`        ${text.trim()}`);
      continue;
    }
    lines.push(`  ${c.role} ${c.path ?? '(unknown)'}${c.exists ? '' : ' (does not exist yet)'}${c.type ? ` [${c.type}]` : ''}`);
    for (const s of c.steps) lines.push(`    resolved: ${s}`);
    if (c.unknown !== undefined) lines.push(`    unknown: ${c.unknown}`);
    if (c.refused !== undefined) lines.push(`    refused: ${c.refused}`);
    lines.push(`    needs: ${c.rights.join(', ') || '(nothing)'}`);
    for (const r of c.perRight) {
      const by = typeof r.decidedBy === 'string'
        ? `by ${r.decidedBy}`
        : `by rule at ${where(r.decidedBy.span)} (${r.decidedBy.effect}, tier ${r.decidedBy.tier})${r.decidedBy.because ? `: "${r.decidedBy.because}"` : ''}`;
      lines.push(`    ${r.right}: ${r.effect}${r.errno ? ` ${r.errno}` : ''} ${by}`);
      if (typeof r.decidedBy === 'object') {
        const text = source?.(r.decidedBy.span);
        if (text) lines.push(`        ${text.trim()}`);
      }
      for (const m of r.matched) {
        if (typeof r.decidedBy === 'object' && m.rule === r.decidedBy.rule) continue;
        lines.push(`      also matched: ${m.effect} at ${where(m.span)} (tier ${m.tier})`);
      }
    }
  }
  if (e.escalationReason !== undefined) lines.push(`  escalation: undecided, ${e.escalationReason} → EXDEV (refused, not guessed)`);
  else if (e.escalation !== undefined) lines.push(`  escalation: rights at the destination exceed the source's at suffix '${e.escalation}' → EXDEV`);
  if (e.fix) lines.push(`  would allow it: ${e.fix}`);
  return lines.join('\n');
}
