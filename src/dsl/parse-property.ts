/**
 * One line of a `property` block: `never|always|only RIGHTS TARGET`. Rights and the target are
 * read as in rules; names are checked when lowering, like a rule's.
 */
import type { PromiseKind, PropertyPromise } from './ast.js';
import type { Cursor, Mark } from './lexer.js';
import { rights, targets } from './parse-rule.js';

/** The rest of a promise after its keyword at `start`. */
export function promiseRest(cur: Cursor, kind: PromiseKind, start: Mark): PropertyPromise | undefined {
  const rs = rights(cur);
  if (!rs) return undefined;
  const ts = targets(cur, `a path pattern after \`${kind} ${rs.map((r) => r.name).join(',')}\``);
  if (!ts) return undefined;
  const [target, extra] = ts;
  if (extra) {
    // `only` promises about the complement of one area, so several targets cannot be split up.
    cur.error('FW004', extra.span ?? extra.pattern.span!, 'a promise has one target',
      'join the patterns with braces (`{/a,/b}`), or write one promise per line');
    return undefined;
  }
  return { kind, rights: rs, target: target!, span: cur.span(start, cur.last) };
}
