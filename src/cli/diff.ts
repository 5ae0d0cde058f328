/**
 * `fdwarden diff OLD NEW [--var NAME=VALUE]... [--json] [--max-pairs N] [--max-work N]`: what
 * changes between two policies, per right, with a shortest witness path each and a ready
 * `fdwarden explain` line. Exit 0 when they decide alike, 2 when they differ (like diff(1)), 1 on
 * errors, a comparison stopped at its bounds included (one line on stderr says which).
 */
import { diffPolicies, describeContext, type DecisionSource, type ErrnoChange, type PolicyDiff, type RightChange } from '../rules/diff.js';
import { probeCall, straceString } from '../rules/diff-probe.js';
import { rightsIn } from '../rules/rights.js';
import { checkVarsUsed, loadPolicy, parseVars } from './load-policy.js';
import { one, parseOptions, UsageError } from './options.js';

export const DIFF_USAGE = `usage: fdwarden diff OLD NEW [--var NAME=VALUE]... [--json] [--max-pairs N] [--max-work N]
  Compares two policies for every path, every right, every file type and open-flag combination
  their conditions name, and prints each right some path gains (+) or loses (-) with a shortest
  such path, how each policy decides it, and an \`fdwarden explain\` command that shows it.
  Denials whose errno changes are listed with ~, changed default/unknown settings at the end.
  --var NAME=VALUE   a policy variable, for both policies (repeatable)
  --json             one JSON object instead of text
  --max-pairs N      bound on explored automaton state pairs (default 200000); past it, exit 1
  --max-work N       bound on the comparison's work in steps (default 2000000 plus 1000 per
                     automaton node of the two policies); past it, exit 1
Exit status: 0 when the policies decide alike, 2 when they differ, 1 on errors, including a
comparison stopped at one of its bounds (patterns that count segments below a \`**\`, such as
\`/**/x/*/*/*\`, can make the automata too large to compare).`;

const out = (s: string): void => { process.stdout.write(s.endsWith('\n') ? s : s + '\n'); };
const err = (s: string): void => { if (s) process.stderr.write(s.endsWith('\n') ? s : s + '\n'); };

/**
 * Runs `fdwarden diff`; returns the exit status.
 *
 * @example
 * await diffCommand(['v1.policy', 'v2.policy', '--var', 'WORK=/srv/job']); // 2 when they differ
 */
export async function diffCommand(argv: readonly string[]): Promise<number> {
  const p = parseOptions(argv, { var: { value: true, repeat: true }, json: {}, 'max-pairs': { value: true }, 'max-work': { value: true }, help: {} });
  if (p.flags.has('help')) {
    out(DIFF_USAGE);
    return 0;
  }
  if (p.positional.length !== 2) throw new UsageError(`diff takes two policies, OLD and NEW\n${DIFF_USAGE}`);
  const [oldFile, newFile] = p.positional as [string, string];
  const maxPairs = positive(p, 'max-pairs');
  const maxWork = positive(p, 'max-work');
  const varSpecs = p.options.get('var') ?? [];
  const vars = parseVars(varSpecs);
  const o = loadPolicy(oldFile, vars);
  const n = loadPolicy(newFile, vars);
  err(o.report);
  err(n.report);
  if (!o.compiled.ok || !n.compiled.ok) return 1;
  checkVarsUsed(vars, o.compiled, n.compiled);

  let d: PolicyDiff;
  try {
    d = diffPolicies(o.compiled.policy, n.compiled.policy, { ...(maxPairs !== undefined ? { maxPairs } : {}), ...(maxWork !== undefined ? { maxWork } : {}) });
  } catch (e) {
    if (e instanceof RangeError) {
      err(`fdwarden diff: undecided: ${e.message}; the policies are too large to compare within the bound (see --max-pairs, --max-work)`);
      return 1;
    }
    throw e;
  }
  const explainLine = (c: RightChange | ErrnoChange): string | undefined => {
    const call = probeCall(c.right, c.path, c.context.flags);
    return call === undefined ? undefined : shellLine(['fdwarden', 'explain', '--policy', newFile, ...varSpecs.flatMap((v) => ['--var', v]), call]);
  };
  out(p.flags.has('json') ? JSON.stringify(jsonOf(d, oldFile, newFile, explainLine)) : renderDiff(d, oldFile, newFile, explainLine).join('\n'));
  return differs(d) ? 2 : 0;
}

/** A `--name N` option as a positive integer, or undefined when absent. */
function positive(p: ReturnType<typeof parseOptions>, name: string): number | undefined {
  const text = one(p, name);
  const n = text === undefined ? undefined : Number(text);
  if (n !== undefined && !(Number.isInteger(n) && n > 0)) throw new UsageError(`--${name} wants a positive integer, got '${text}'`);
  return n;
}

/** Whether anything differs: decisions, errnos or settings. */
function differs(d: PolicyDiff): boolean {
  return d.label !== 'equivalent' || d.errnos.length > 0 || d.settings.length > 0;
}

function at(s: DecisionSource): string {
  return s.rule ? `${s.rule.span.file}:${s.rule.span.line}` : 'default';
}

function decided(s: DecisionSource): string {
  return `${s.effect === 'allow' ? 'allowed' : 'denied'} by ${at(s)}${s.effect === 'deny' && s.errno ? ` (${s.errno})` : ''}`;
}

/** A witness path as it goes between the quotes of a strace string. */
function shown(path: string): string {
  return straceString(path).slice(1, -1);
}

function where(c: RightChange | ErrnoChange): string {
  const ctx = describeContext(c.context);
  return `${shown(c.path)}${ctx ? ` [${ctx}]` : ''}`;
}

/**
 * The text report: a header with the label, one line per change, each with its explain command.
 *
 * @example
 * renderDiff(diffPolicies(a, b), 'v1.policy', 'v2.policy', () => undefined)[0]
 * // 'widening: v1.policy → v2.policy: 1 right gained (12 state pairs compared)'
 */
export function renderDiff(d: PolicyDiff, oldFile: string, newFile: string, explainLine: (c: RightChange | ErrnoChange) => string | undefined): string[] {
  const lines: string[] = [header(d, oldFile, newFile)];
  const withProbe = (line: string, c: RightChange | ErrnoChange): void => {
    lines.push(line);
    const cmd = explainLine(c);
    lines.push(cmd === undefined ? '    (no path-based syscall needs this right alone)' : `    ${cmd}`);
  };
  for (const c of d.gained) withProbe(`+ ${c.right}  ${where(c)}  (gained: ${decided(c.new)}, ${decided(c.old).replace(' by ', ' in old by ')})`, c);
  for (const c of d.lost) withProbe(`- ${c.right}  ${where(c)}  (lost: ${decided(c.new)}, ${decided(c.old).replace(' by ', ' in old by ')})`, c);
  for (const e of d.errnos) withProbe(`~ ${e.right}  ${where(e)}  (errno ${e.old.errno} → ${e.new.errno}: denied by ${at(e.new)}, in old by ${at(e.old)})`, e);
  for (const s of d.settings) {
    const name = s.setting === 'default' ? 'default' : 'unknown objects';
    const fmt = (x: { effect: string; errno: string }) => (x.effect === 'deny' ? `deny ${x.errno}` : 'allow');
    lines.push(`${name}: ${fmt(s.old)} → ${fmt(s.new)}${s.setting === 'default' ? ' (the paths it decides are listed above)' : ''}`);
  }
  const u = d.unknownObjects;
  if (u.gained) lines.push(`+ every right on objects the model cannot resolve (unknown allow)`);
  if (u.lost) lines.push(`- every right on objects the model cannot resolve (unknown deny)`);
  return lines;
}

function header(d: PolicyDiff, oldFile: string, newFile: string): string {
  const count = (k: number, what: string) => `${k} right${k === 1 ? '' : 's'} ${what}`;
  const parts: string[] = [];
  if (d.gained.length) parts.push(count(d.gained.length, 'gained'));
  if (d.lost.length) parts.push(count(d.lost.length, 'lost'));
  if (d.unknownObjects.gained || d.unknownObjects.lost) parts.push('unknown objects changed');
  if (d.errnos.length) parts.push(`${d.errnos.length} denial errno${d.errnos.length === 1 ? '' : 's'} changed`);
  if (d.settings.some((s) => s.setting === 'default') && !parts.length) parts.push('default changed, no path reaches it');
  const what = parts.length ? parts.join(', ') : 'same decisions everywhere';
  return `${d.label}: ${oldFile} → ${newFile}: ${what} (${d.stats.pairs} state pairs compared)`;
}

function sourceJson(s: DecisionSource) {
  return { effect: s.effect, ...(s.errno !== undefined ? { errno: s.errno } : {}), by: at(s), ...(s.rule ? { rule: s.rule.id } : {}) };
}

/**
 * The machine form, one object per diff.
 *
 * @example
 * JSON.stringify(jsonOf(d, 'v1.policy', 'v2.policy', line))
 * // '{"format":"fdwarden-policy-diff","version":1,"old":"v1.policy",...,"label":"both","gained":[...]}'
 */
export function jsonOf(d: PolicyDiff, oldFile: string, newFile: string, explainLine: (c: RightChange | ErrnoChange) => string | undefined) {
  const change = (c: RightChange | ErrnoChange) => ({
    right: c.right,
    path: c.path,
    context: { ...(c.context.type !== undefined ? { type: c.context.type } : {}), flags: c.context.flags },
    old: sourceJson(c.old),
    new: sourceJson(c.new),
    ...(probeCall(c.right, c.path, c.context.flags) !== undefined ? { call: probeCall(c.right, c.path, c.context.flags), explain: explainLine(c) } : {}),
  });
  return {
    format: 'fdwarden-policy-diff',
    version: 1,
    old: oldFile,
    new: newFile,
    label: d.label,
    differs: differs(d),
    gained: d.gained.map(change),
    lost: d.lost.map(change),
    errnos: d.errnos.map(change),
    settings: d.settings,
    unknownObjects: { gained: rightsIn(d.unknownObjects.gained), lost: rightsIn(d.unknownObjects.lost) },
    pairs: d.stats.pairs,
  };
}

/**
 * Arguments as one POSIX shell line: plain words stay, anything else in single quotes.
 *
 * @example
 * shellLine(['fdwarden', 'explain', 'chdir("/a b")']) // `fdwarden explain 'chdir("/a b")'`
 */
export function shellLine(args: readonly string[]): string {
  return args.map((a) => (/^[\w./=:,@+-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(' ');
}
