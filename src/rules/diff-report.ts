/**
 * A policy diff as `fdwarden diff` reports it: the text lines (a header with the label, one line
 * per change with its ready `explain` command) and the JSON form. Node-free, shared by the CLI
 * and the playground.
 */
import { describeContext, type DecisionSource, type ErrnoChange, type PolicyDiff, type RightChange } from './diff.js';
import { probeCall, straceString } from './diff-probe.js';
import { rightsIn } from './rights.js';

/** Whether anything differs: decisions, errnos or settings. */
export function differs(d: PolicyDiff): boolean {
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
