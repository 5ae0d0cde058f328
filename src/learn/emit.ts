/**
 * Policy text for a proposal: the header, the generalisations in a comment block at the top,
 * `under` grants for work directories, exact grants grouped by directory with the syscalls that
 * used them (and the calls that failed in the recording), and a `test` block.
 */
import { rightsIn } from '../rules/rights.js';
import type { PathUses } from './collect.js';
import type { Generalisation, LearnedRule, Proposal } from './generalise.js';
import { parentOf } from './generalise.js';
import { literalPattern } from './pattern.js';
import { quote } from '../dsl/strings.js';

export interface EmitOptions {
  /** Recordings and their start directories, for the header. */
  traces: readonly { name: string; cwd?: string | undefined }[];
  threshold: number;
  /** `include` of the base policy (a path relative to the output). */
  baseInclude?: string;
  /** `--var` names the base was read with: the policy needs them again. */
  baseVars?: readonly string[];
  /** Where system reads go: a file name to include, or undefined to keep them inline. */
  systemInclude?: string;
  /** `expect` lines for the test block (without indentation). */
  expects: readonly string[];
  /** Calls no grant can allow, to be mentioned. */
  unlearnable: number;
}

export interface Emitted {
  main: string;
  /** The system file's text, when `systemInclude` was given and there are system reads. */
  system?: string;
}

/** Rights as the language writes them: `rightsText(bit('read') | bit('stat'))` is `read,stat`. */
export const rightsText = (m: number): string => rightsIn(m).join(',');

/** The line of one generalisation, as in the header block and on stderr. */
export function describeGeneralisation(g: Generalisation): string {
  const target = literalPattern(g.dir).text;
  if (g.kind === 'path') return `${target}: +${rightsText(g.rights)}, so that a rename or link from it is no escalation`;
  const why = g.why === 'refer' ? '; added so that a rename or link from it is no escalation' : '';
  return `under ${target}: covers ${g.covers} recorded path${g.covers === 1 ? '' : 's'} (${rightsText(g.rights)})${why}`;
}

function usesComment(u: PathUses | undefined, note: string | undefined): string {
  const parts: string[] = [];
  if (u) {
    const syscalls = new Set<string>();
    const failed: string[] = [];
    for (const [right, ru] of u.perRight) {
      for (const s of ru.syscalls) syscalls.add(s);
      if (ru.ok === 0) failed.push(`${right} (${[...ru.errnos].join('/')})`);
    }
    parts.push([...syscalls].sort().join(', '));
    if (failed.length) parts.push(`failed in the recording: ${failed.join(', ')}`);
  }
  if (note) parts.push(note);
  return parts.length ? `  # ${parts.join('; ')}` : '';
}

function ruleLine(r: LearnedRule): string {
  const p = literalPattern(r.path);
  const target = r.kind === 'under' ? `under ${p.text}` : p.text;
  const note = [r.note, p.widened ? 'bytes that are not UTF-8 match any byte' : undefined].filter(Boolean).join('; ');
  return `allow ${rightsText(r.rights)} ${target}${usesComment(r.uses, note || undefined)}`;
}

/** Exact rules grouped under a `# DIR` line per directory. */
function grouped(rules: readonly LearnedRule[]): string[] {
  const out: string[] = [];
  let dir: string | undefined;
  for (const r of rules) {
    const d = parentOf(r.path);
    if (d !== dir) {
      out.push('', `# ${literalPattern(d).text}`);
      dir = d;
    }
    out.push(ruleLine(r));
  }
  return out;
}

function header(p: Proposal, o: EmitOptions): string[] {
  const names = o.traces.map((t) => (t.cwd ? `${t.name} (cwd ${t.cwd})` : t.name));
  const lines = names.length === 1
    ? [`# Learned from 1 recording: ${names[0]}.`]
    : [`# Learned from ${names.length} recordings:`, ...names.map((n) => `#   ${n}`)];
  lines.push(
    '# It allows what the recorded programs did and nothing more, except the generalisations below.',
    '# Calls that failed in the recording keep their grant (marked "failed in the recording"): under',
    '# a policy that refused them, the program would get EACCES instead of the errno it expects.',
    '#',
  );
  if (p.generalisations.length === 0) lines.push('# Generalisations: none.');
  else {
    lines.push(`# Generalisations (a directory where ${o.threshold}+ distinct paths were written becomes \`under DIR\`):`);
    for (const g of p.generalisations) lines.push(`#   ${describeGeneralisation(g)}`);
  }
  const widened = p.rules.filter((r) => literalPattern(r.path).widened).length;
  if (widened) lines.push(`#   ${widened} name${widened === 1 ? '' : 's'} with bytes that are not UTF-8: such bytes are matched by \`?\``);
  if (p.omittedByBase) lines.push(`# ${p.omittedByBase} recorded path${p.omittedByBase === 1 ? ' is' : 's are'} left to the base policy, which allows them.`);
  if (o.unlearnable) lines.push(`# ${o.unlearnable} call${o.unlearnable === 1 ? '' : 's'} on objects the model could not resolve cannot be allowed by any grant.`);
  return lines;
}

/**
 * The learned policy's text, and the system file's when system reads go there.
 *
 * @example
 * const { main, system } = emitPolicy(proposal, { traces: [{ name: 'rm-rf.strace', cwd: '/tmp/w' }],
 *   threshold: 3, systemInclude: 'learned-system.policy', expects: [], unlearnable: 0 });
 */
export function emitPolicy(p: Proposal, o: EmitOptions): Emitted {
  const system = p.rules.filter((r) => r.system);
  const own = p.rules.filter((r) => !r.system);
  const systemFile = system.length > 0 ? o.systemInclude : undefined;
  const toFile = systemFile !== undefined;
  const lines = [...header(p, o), 'policy "learned" abi 1', 'default deny errno EACCES', 'unknown deny errno EACCES'];
  if (o.baseInclude !== undefined) {
    lines.push('', '# What the base policy allows is not repeated here.');
    if (o.baseVars?.length) lines.push(`# It was read with ${o.baseVars.map((v) => `--var ${v}=...`).join(' ')}: give the same values when using this policy.`);
    lines.push(`include ${quote(o.baseInclude)}`);
  }
  if (systemFile !== undefined) lines.push('', '# Reads of the system (loader, libraries, /etc, /proc/self, /dev ...).', `include ${quote(systemFile)}`);
  const unders = own.filter((r) => r.kind === 'under');
  if (unders.length) lines.push('', '# Work directories (see the generalisations above).', ...unders.map(ruleLine));
  lines.push(...grouped(own.filter((r) => r.kind === 'path')));
  if (!toFile && system.length) lines.push('', '# Reads of the system.', ...grouped(system));
  if (o.expects.length) lines.push('', 'test "learned from the recording" {', ...o.expects.map((e) => `  ${e}`), '}');
  const out: Emitted = { main: lines.join('\n') + '\n' };
  if (toFile) {
    const sys = ['# Reads of the system by the recorded programs, exactly as recorded; included by the learned policy.', 'policy "learned-system" abi 1', ...grouped(system)];
    out.system = sys.join('\n') + '\n';
  }
  return out;
}
