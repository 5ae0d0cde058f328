/**
 * `allow|deny RIGHTS TARGET... [except TARGET...] [when COND] [errno E] [because "..."]`.
 * Only the shape is read here; whether names exist is checked when lowering (the rights
 * depend on the root policy's abi, which an included file does not know).
 */
import type { Condition, Effect, Name, Pattern, RuleItem, Target } from './ast.js';
import type { Cursor, Mark } from './lexer.js';
import { CLAUSE_KEYWORDS } from './names.js';
import { didYouMean } from './suggest.js';

/** `read,write`, `*`; undefined after reporting when no right is there. */
export function rights(cur: Cursor, what = 'a right such as `read` or `*`'): Name[] | undefined {
  const out: Name[] = [];
  for (;;) {
    const star = cur.punct('*');
    const w = star ?? cur.word();
    if (!w) {
      cur.error('FW004', cur.spanAhead(cur.nextTokenLength()),
        `expected ${what}, found ${cur.describeNext()}`);
      return undefined;
    }
    out.push({ name: w.value, span: w.span });
    if (!cur.punct(',')) return out;
  }
}

function pattern(cur: Cursor): Pattern | undefined {
  const t = cur.string() ?? cur.bare();
  return t ? { text: t.value, span: t.span } : undefined;
}

/**
 * Targets until something else comes: `PATTERN` or `under PATTERN`. Reports and returns
 * undefined when there is none or `under` has no pattern.
 */
export function targets(cur: Cursor, what: string): Target[] | undefined {
  const out: Target[] = [];
  for (;;) {
    const next = cur.peekWord();
    if (next !== undefined && next !== 'under') break;
    const w = next === undefined ? undefined : cur.word();
    const p = pattern(cur);
    if (!p) {
      if (w) {
        cur.error('FW004', cur.spanAhead(cur.nextTokenLength()), `expected a path pattern after \`under\`, found ${cur.describeNext()}`);
        return undefined;
      }
      break;
    }
    if (w) out.push({ under: true, pattern: p, span: { ...w.span, endLine: p.span!.endLine, endCol: p.span!.endCol } });
    else out.push({ under: false, pattern: p, span: p.span! });
  }
  if (out.length === 0) {
    cur.error('FW004', cur.spanAhead(cur.nextTokenLength()), `expected ${what}, found ${cur.describeNext()}`,
      'patterns are absolute (`/srv/**`), start with a variable (`$TMP/*`) or are quoted');
    return undefined;
  }
  return out;
}

function flagList(cur: Cursor): Name[] | undefined {
  const out: Name[] = [];
  for (;;) {
    const w = cur.word();
    if (!w) {
      cur.error('FW004', cur.spanAhead(cur.nextTokenLength()), `expected an open flag such as \`O_TRUNC\`, found ${cur.describeNext()}`);
      return undefined;
    }
    out.push({ name: w.value, span: w.span });
    if (cur.punct(',')) continue;
    const bar = cur.punct('|');
    if (bar) {
      cur.error('FW004', bar.span, 'flags are listed with `,`, not `|`', 'every flag listed after `has` must be set (after `lacks`: none may be)');
      return undefined;
    }
    return out;
  }
}

function condition(cur: Cursor, start: Mark): Condition | undefined {
  const w = cur.word();
  if (w?.value === 'flags') {
    const op = cur.word();
    if (op?.value !== 'has' && op?.value !== 'lacks') {
      cur.error('FW004', op?.span ?? cur.spanAhead(cur.nextTokenLength()), `expected \`has\` or \`lacks\` after \`flags\`, found ${op ? `\`${op.value}\`` : cur.describeNext()}`);
      return undefined;
    }
    const flags = flagList(cur);
    return flags && { kind: 'flags', op: op.value, flags, span: cur.span(start, cur.last) };
  }
  if (w?.value === 'type') {
    const t = cur.word();
    if (!t) {
      cur.error('FW004', cur.spanAhead(cur.nextTokenLength()), `expected a file type such as \`dir\`, found ${cur.describeNext()}`);
      return undefined;
    }
    return { kind: 'type', type: { name: t.value, span: t.span }, span: cur.span(start, cur.last) };
  }
  cur.error('FW004', w?.span ?? cur.spanAhead(cur.nextTokenLength()),
    `expected \`flags\` or \`type\` after \`when\`, found ${w ? `\`${w.value}\`` : cur.describeNext()}`);
  return undefined;
}

/**
 * The value of an `errno E` or `because "..."` clause (its keyword at `kwStart` just read) into
 * `item`, which `owner` names in the error for a second one; false after reporting a missing value.
 */
export function endClause(cur: Cursor, kw: 'errno' | 'because', kwStart: Mark, item: { errno?: Name; because?: string }, owner: string): boolean {
  if (kw === 'errno') {
    const e = cur.word();
    if (!e) {
      cur.error('FW004', cur.spanAhead(cur.nextTokenLength()), `expected an errno such as \`EACCES\`, found ${cur.describeNext()}`);
      return false;
    }
    if (item.errno) cur.error('FW011', cur.span(kwStart, cur.last), `${owner} has at most one \`errno\``);
    else item.errno = { name: e.value, span: e.span };
    return true;
  }
  const s = cur.string();
  if (!s) {
    cur.error('FW004', cur.spanAhead(cur.nextTokenLength()), `expected a quoted reason after \`because\`, found ${cur.describeNext()}`);
    return false;
  }
  if (item.because !== undefined) cur.error('FW011', cur.span(kwStart, cur.last), `${owner} has at most one \`because\``);
  else item.because = s.value;
  return true;
}

/** The rest of a rule after its `allow`/`deny` keyword at `start`. */
export function ruleRest(cur: Cursor, effect: Effect, start: Mark): RuleItem | undefined {
  const rs = rights(cur);
  if (!rs) return undefined;
  const ts = targets(cur, 'a path pattern');
  if (!ts) return undefined;
  const rule: RuleItem = { kind: 'rule', effect, rights: rs, targets: ts, except: [], when: [] };
  while (!cur.atStatementEnd()) {
    const kwStart = cur.mark();
    const w = cur.word();
    if (!w) {
      cur.error('FW004', cur.spanAhead(cur.nextTokenLength()), `expected a clause (${CLAUSE_KEYWORDS.filter((k) => k !== 'under').join(', ')}), found ${cur.describeNext()}`);
      return undefined;
    }
    switch (w.value) {
      case 'except': {
        const ex = targets(cur, 'a path pattern after `except`');
        if (!ex) return undefined;
        rule.except.push(...ex);
        break;
      }
      case 'when': {
        const c = condition(cur, kwStart);
        if (!c) return undefined;
        rule.when.push(c);
        break;
      }
      case 'errno':
      case 'because':
        if (!endClause(cur, w.value, kwStart, rule, 'a rule')) return undefined;
        break;
      default:
        cur.error('FW003', w.span, `unknown clause \`${w.value}\``,
          didYouMean(w.value, CLAUSE_KEYWORDS) ?? `clauses are ${CLAUSE_KEYWORDS.filter((k) => k !== 'under').map((k) => `\`${k}\``).join(', ')}`);
        return undefined;
    }
  }
  rule.span = cur.span(start, cur.last);
  return rule;
}
