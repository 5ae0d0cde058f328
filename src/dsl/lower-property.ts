/**
 * `property` blocks → the promises `fdwarden test` checks. They are kept beside the IR, never
 * in it: a promise says what the rules must imply, it decides nothing itself. Rights and
 * patterns are checked exactly as a rule's, with the same variables.
 */
import type { Span } from '../rules/ir.js';
import type { PromiseKind, PropertyItem } from './ast.js';
import { fileSpan } from './diagnostics.js';
import { lowerRights, lowerTargets, type RuleContext } from './lower-rule.js';

/** One promise, ready for the testing kit. */
export interface PropertyPromiseCase {
  kind: PromiseKind;
  /** The rights mask for the policy's abi. */
  rights: number;
  /** The rights as written (`rename`, `*` kept), which the kit takes by name. */
  rightNames: string[];
  /** The target as written, `under P` included, variables unexpanded (the kit's input). */
  pattern: string;
  /** The target's normalised globs after variables, braces and `under`. */
  globs: string[];
  span: Span;
}

export interface PolicyProperty {
  name: string;
  span: Span;
  promises: PropertyPromiseCase[];
}

function lowerProperty(item: PropertyItem, ctx: RuleContext): PolicyProperty {
  const span = item.span ?? ctx.fallback;
  if (item.promises.length === 0) {
    ctx.report('FW505', span, `property ${JSON.stringify(item.name)} promises nothing`,
      'add a line such as `never write under /etc`, or remove the block');
  }
  const promises = item.promises.map((p): PropertyPromiseCase => {
    const t = p.target;
    return {
      kind: p.kind,
      rights: lowerRights(p.rights, ctx),
      rightNames: p.rights.map((r) => r.name),
      pattern: t.under ? `under ${t.pattern.text}` : t.pattern.text,
      globs: lowerTargets([t], ctx),
      span: p.span ?? span,
    };
  });
  return { name: item.name, span, promises };
}

/** Every property block in document order; a repeated name is a warning (its report would be ambiguous). */
export function lowerProperties(items: readonly { item: PropertyItem; file: string }[], ctx: RuleContext): PolicyProperty[] {
  const names = new Map<string, Span>();
  return items.map(({ item, file }) => {
    const p = lowerProperty(item, { ...ctx, fallback: fileSpan(file) });
    const prev = names.get(item.name);
    if (prev) ctx.report('FW504', p.span, `a property named ${JSON.stringify(item.name)} already exists`, `the first is at ${prev.line}:${prev.col}`);
    else names.set(item.name, p.span);
    return p;
  });
}
