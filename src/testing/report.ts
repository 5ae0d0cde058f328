/**
 * The report a failed (or passed) promise check prints: the proof's witness with its explanation,
 * the shrunk program as strace lines with the explanation of its last call, and the seed to
 * replay it.
 */
import { rightsIn } from '../rules/rights.js';
import type { CheckResult } from './check.js';

const indent = (text: string, by: string): string => text.replace(/^/gm, by);

/**
 * Renders a check's findings; `abi` names rights.
 *
 * @example
 * console.log(report(result, 1)); // 'promise broken: never read ...'
 */
export function report(r: Omit<CheckResult, 'message'>, abi: number): string {
  const lines: string[] = [];
  lines.push(`${r.ok ? 'promise holds' : 'promise broken'}: ${r.promise}   [globs ${r.globs.join(' ')}; seed ${r.seed}]`);
  const p = r.proof;
  if (p.witness) {
    const ctx = [p.witness.context.type ? `type ${p.witness.context.type}` : '', p.witness.context.flags ? `flags 0${p.witness.context.flags.toString(8)}` : ''].filter(Boolean).join(', ');
    const right = rightsIn(p.witness.right, abi).join(',');
    const verb = r.kind === 'always' ? 'denied' : 'allowed';
    lines.push(`  proof: ${right} is ${verb} on ${p.witness.path}${ctx ? ` (when ${ctx})` : ''} (witness path, ${p.pairs} state pairs explored)`);
    if (p.call) lines.push(`    ${p.call}`);
    if (p.explanation) lines.push(indent(p.explanation, '      '));
  } else if (p.unknownAllowed) {
    lines.push('  proof: every path is fine, but the policy says `unknown allow`: a call on an object the model cannot resolve (an inherited dirfd, an unknown cwd) is allowed whatever it names');
  } else if (p.undecided) {
    lines.push(`  proof: undecided (${p.undecided}); only sampling checked this promise`);
  } else {
    lines.push(`  proof: holds on every path (${p.pairs} state pairs explored)`);
  }
  const s = r.sample;
  if (s?.counterexample) {
    const c = s.counterexample;
    lines.push(`  counterexample: ${c.program.length} syscall${c.program.length === 1 ? '' : 's'} (shrunk ${s.shrinks} times; replay with seed ${s.seed}): ${c.finding.why}`);
    c.program.forEach((l, i) => lines.push(`    ${l}${i === c.program.length - 1 ? '   <-- breaks the promise' : ''}`));
    if (c.explanation) {
      lines.push('  why the last call was decided so:');
      lines.push(indent(c.explanation, '    '));
    }
  } else if (s) {
    lines.push(`  sampling: ${s.runs} random programs, none broke it (seed ${s.seed})`);
  }
  return lines.join('\n');
}
