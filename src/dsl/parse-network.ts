/**
 * `network allow|deny SCOPE[,SCOPE...] [errno E] [because "..."]`. Only the shape is read here;
 * the scopes and the errno are checked when lowering, as a rule's rights are.
 */
import type { Effect, Name, NetworkItem } from './ast.js';
import type { Cursor, Mark } from './lexer.js';
import { endClause, rights } from './parse-rule.js';
import { didYouMean } from './suggest.js';

const CLAUSES = ['errno', 'because'] as const;

/** The rest of a `network` statement after its keyword at `start`. */
export function networkRest(cur: Cursor, start: Mark): NetworkItem | undefined {
  const e = cur.word();
  if (e?.value !== 'allow' && e?.value !== 'deny') {
    cur.error('FW004', e?.span ?? cur.spanAhead(cur.nextTokenLength()), `expected \`allow\` or \`deny\` after \`network\`, found ${e ? `\`${e.value}\`` : cur.describeNext()}`,
      'e.g. `network allow loopback`');
    return undefined;
  }
  // Scopes are listed as rights are: names or `*`, separated by `,`.
  const scopes: Name[] | undefined = rights(cur, 'a network scope such as `loopback`, `inet`, `abstract` or `*`');
  if (!scopes) return undefined;
  const item: NetworkItem = { kind: 'network', effect: e.value as Effect, scopes };
  while (!cur.atStatementEnd()) {
    const kwStart = cur.mark();
    const w = cur.word();
    if (w?.value === 'errno' || w?.value === 'because') {
      if (!endClause(cur, w.value, kwStart, item, 'a `network` statement')) return undefined;
    } else {
      cur.error(w ? 'FW003' : 'FW004', w?.span ?? cur.spanAhead(cur.nextTokenLength()), w ? `unknown clause \`${w.value}\`` : `expected \`errno\` or \`because\`, found ${cur.describeNext()}`,
        w ? didYouMean(w.value, CLAUSES) ?? 'a `network` statement takes `errno` and `because`' : undefined);
      return undefined;
    }
  }
  item.span = cur.span(start, cur.last);
  return item;
}
