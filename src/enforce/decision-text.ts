/**
 * The decision log of `fdwarden run` (and of the playground's run pane): one line per logged
 * decision, with explanations for denials.
 */
import { explain, renderExplanation } from '../rules/explain.js';
import type { IrPolicy, Span } from '../rules/ir.js';
import { rightsIn } from '../rules/rights.js';
import type { DecisionEvent } from './decisions.js';

/** One decision as an audit line: effect, call, objects with the rights they needed, deciding rules. */
export function decisionLine(e: DecisionEvent, policy: IrPolicy): string {
  const head = e.allowed ? 'allow' : `deny ${e.errno ?? ''}`.trimEnd();
  if (!e.verdict) return `${head} ${e.syscall} (${e.reason})`;
  const objs = e.verdict.checks.map((c) => {
    if (c.check.network) {
      // What a socket reaches: decided by a `network` statement, or by none (the default errno).
      const st = c.network?.statement !== undefined ? policy.network?.[c.network.statement]?.span : undefined;
      return `network: ${c.check.network.what}${st ? ` by ${st.file}:${st.line}` : ' by default'}`;
    }
    const rules = [...new Set(c.decisions.map((d) => d.rule).filter((r): r is number => r !== undefined))]
      .map((id) => policy.rules.find((r) => r.id === id)?.span).filter((s) => s !== undefined).map((s) => `${s.file}:${s.line}`);
    const by = rules.length ? ` by ${rules.join(', ')}`
      : c.unknown ? ` (unknown: ${c.unknown})`
      : c.check.role === 'fd' ? ' by the rights the fd obtained at open'
      : c.decisions.length ? ' by default' : '';
    const target = c.check.object.path ?? (c.check.fd !== undefined ? `fd ${c.check.fd}` : '(unknown)');
    return `${target} [${rightsIn(c.check.rights, policy.abi).join(',')}]${by}`;
  });
  const x = e.verdict.escalation;
  const esc = !x ? '' : x.reason !== undefined ? ` (refused undecided: ${x.reason})` : ` (would gain rights at the new name: ${x.witness})`;
  // Linux's own answer, given before the policy's (EEXIST, EBADF, a bad flag): not the rules' doing.
  const kernel = !e.allowed && e.reason === 'kernel' ? ' (the kernel refuses it first)' : '';
  return `${head} ${e.syscall} ${objs.join('; ')}${esc}${kernel}`;
}

export interface DecisionLog {
  policy: IrPolicy;
  /** The policy's source files by name, for the lines quoted in explanations. */
  sources: ReadonlyMap<string, string>;
  /** Every decision (with a full explanation of denials) instead of denials with a fix. */
  audit: boolean;
}

/**
 * The text to log for a decision, or undefined: denials get the narrowest rule that would allow
 * them, or with `audit` every decision is logged and denials are explained in full.
 */
export function decisionText(e: DecisionEvent, log: DecisionLog): string | undefined {
  if (e.allowed && !log.audit) return undefined;
  // What the kernel refuses anyway (a missing file) is no denial; a name the policy hides is.
  if (!log.audit && e.reason === 'kernel' && !(e.verdict && !e.verdict.allowed && e.verdict.cause !== 'kernel')) return undefined;
  let text = `fdwarden: ${decisionLine(e, log.policy)}\n`;
  if (!e.allowed && !log.audit) {
    const ex = e.verdict ? explain(log.policy, e.verdict) : undefined;
    if (ex?.fix) text += `  would be allowed by: ${ex.fix}\n`;
  } else if (!e.allowed && e.verdict) {
    const quote = (s: Span): string | undefined => log.sources.get(s.file)?.split('\n')[s.line - 1];
    text += renderExplanation(explain(log.policy, e.verdict), quote).replace(/^/gm, '    ') + '\n';
  }
  return text;
}
