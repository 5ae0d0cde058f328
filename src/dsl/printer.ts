/**
 * AST → canonical policy text. Parsing the output gives back the same AST (spans aside):
 * patterns are printed bare only when the lexer would read them back whole, otherwise quoted.
 */
import type { Condition, Expect, Fallback, Item, NetworkItem, PolicyAst, PropertyPromise, RuleItem, Target } from './ast.js';
import { canBeBare, quote } from './strings.js';

function pattern(text: string): string {
  return canBeBare(text) ? text : quote(text);
}

function target(t: Target): string {
  return t.under ? `under ${pattern(t.pattern.text)}` : pattern(t.pattern.text);
}

function condition(c: Condition): string {
  return c.kind === 'type'
    ? `when type ${c.type.name}`
    : `when flags ${c.op} ${c.flags.map((f) => f.name).join(',')}`;
}

export function printRule(r: RuleItem): string {
  const parts = [r.effect, r.rights.map((x) => x.name).join(','), ...r.targets.map(target)];
  if (r.except.length > 0) parts.push('except', ...r.except.map(target));
  for (const c of r.when) parts.push(condition(c));
  if (r.errno) parts.push('errno', r.errno.name);
  if (r.because !== undefined) parts.push('because', quote(r.because));
  return parts.join(' ');
}

function networkLine(n: NetworkItem): string {
  const parts = ['network', n.effect, n.scopes.map((x) => x.name).join(',')];
  if (n.errno) parts.push('errno', n.errno.name);
  if (n.because !== undefined) parts.push('because', quote(n.because));
  return parts.join(' ');
}

function fallback(kw: string, f: Fallback): string {
  return f.errno ? `${kw} ${f.effect} errno ${f.errno.name}` : `${kw} ${f.effect}`;
}

function expectLine(e: Expect): string {
  return e.errno ? `expect ${e.decision} ${e.errno.name} ${e.call}` : `expect ${e.decision} ${e.call}`;
}

function promiseLine(p: PropertyPromise): string {
  return `${p.kind} ${p.rights.map((x) => x.name).join(',')} ${target(p.target)}`;
}

function item(it: Item): string[] {
  switch (it.kind) {
    case 'rule': return [printRule(it)];
    case 'let': {
      const vals = it.values.map((v) => quote(v.text));
      return [`let $${it.name} = ${it.list ? `[${vals.join(', ')}]` : (vals[0] ?? '""')}`];
    }
    case 'include': return [`include ${quote(it.path)}`];
    case 'tier': return [`tier ${it.tier} {`, ...it.rules.map((r) => `  ${printRule(r)}`), '}'];
    case 'test': return [`test ${quote(it.name)} {`, ...it.expects.map((e) => `  ${expectLine(e)}`), '}'];
    case 'network': return [networkLine(it)];
    case 'property': return [`property ${quote(it.name)} {`, ...it.promises.map((p) => `  ${promiseLine(p)}`), '}'];
  }
}

/** The canonical text of a policy file. */
export function printPolicy(ast: PolicyAst): string {
  const lines: string[] = [];
  if (ast.header) lines.push(`policy ${quote(ast.header.name)} abi ${ast.header.abi}`);
  if (ast.default) lines.push(fallback('default', ast.default));
  if (ast.unknown) lines.push(fallback('unknown', ast.unknown));
  for (const it of ast.items) lines.push(...item(it));
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
