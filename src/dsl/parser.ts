/**
 * Policy text → AST, one file at a time. Statements are line-oriented and start with a
 * keyword; `;` also ends one, so short blocks fit on a line. After an error the parser skips
 * to the end of the statement and goes on, so one run reports every broken line.
 */
import type { Expect, Fallback, Item, LetItem, PolicyAst, PropertyItem, PropertyPromise, RuleItem, TestItem, TierItem } from './ast.js';
import type { Diagnostic } from './diagnostics.js';
import { Cursor, isIdentStart, type Mark } from './lexer.js';
import { PROPERTY_KEYWORDS, TEST_KEYWORDS, TIER_KEYWORDS, TOP_KEYWORDS } from './names.js';
import { promiseRest } from './parse-property.js';
import { ruleRest } from './parse-rule.js';
import { networkRest } from './parse-network.js';
import { didYouMean } from './suggest.js';
import { scanCall } from './syscall.js';

export interface ParseResult {
  ast: PolicyAst;
  diagnostics: Diagnostic[];
}

type Where = 'top' | 'tier' | 'test' | 'property';

const MAX_NUMBER = 0x7fffffff;

/** Parse one file's text. Never throws; problems come back as diagnostics. */
export function parse(text: string, file = '<policy>'): ParseResult {
  const cur = new Cursor(text, file);
  const ast: PolicyAst = { items: [] };
  let seen = false; // any statement before (the header must come first)
  for (;;) {
    cur.skipSeparators();
    if (cur.atEnd()) break;
    if (cur.peek() === 125) {
      cur.error('FW005', cur.spanAhead(1), 'unexpected `}`', 'no block is open here');
      cur.advance();
      continue;
    }
    const ok = topStatement(cur, ast, seen);
    seen = true;
    endStatement(cur, ok);
  }
  return { ast, diagnostics: cur.diags };
}

/** After a statement: anything but its end is an error (then skip the rest). */
function endStatement(cur: Cursor, ok: boolean): void {
  if (ok && !cur.atStatementEnd()) {
    cur.error('FW004', cur.spanAhead(cur.nextTokenLength()), `expected the end of the statement, found ${cur.describeNext()}`);
    ok = false;
  }
  if (!ok) cur.recover();
}

function keywordError(cur: Cursor, where: Where): void {
  const next = cur.peekWord();
  const span = cur.spanAhead(cur.nextTokenLength());
  if (next === undefined) {
    cur.error(cur.peek() < 0x20 || cur.peek() > 0x7e ? 'FW001' : 'FW004', span,
      `expected a statement, found ${cur.describeNext()}`, 'statements start with a keyword such as `allow`');
    return;
  }
  const here = where === 'top' ? TOP_KEYWORDS : where === 'tier' ? TIER_KEYWORDS : where === 'test' ? TEST_KEYWORDS : PROPERTY_KEYWORDS;
  const placeable: readonly string[] = [...TOP_KEYWORDS, ...TEST_KEYWORDS, ...PROPERTY_KEYWORDS];
  if (placeable.includes(next)) {
    const place = next === 'expect' ? 'only inside a `test` block' :
      (PROPERTY_KEYWORDS as readonly string[]).includes(next) ? 'only inside a `property` block' :
      next === 'allow' || next === 'deny' ? 'at the top level or in a `tier` block' : 'only at the top level';
    cur.error('FW006', span, `\`${next}\` is not allowed here`, `\`${next}\` statements go ${place}`);
    return;
  }
  cur.error('FW003', span, `unknown keyword \`${next}\``, didYouMean(next, here) ?? `expected one of ${here.map((k) => `\`${k}\``).join(', ')}`);
}

function topStatement(cur: Cursor, ast: PolicyAst, seen: boolean): boolean {
  const start = cur.mark();
  const kw = cur.peekWord();
  switch (kw) {
    case 'policy': {
      cur.word();
      if (ast.header || seen) {
        cur.error('FW007', cur.span(start, cur.last), ast.header ? 'the `policy` header is given twice' : 'the `policy` header must be the first statement');
      }
      return header(cur, ast, start);
    }
    case 'default':
    case 'unknown': {
      cur.word();
      const f = fallback(cur, start);
      if (!f) return false;
      if (ast[kw]) cur.error('FW007', f.span!, `\`${kw}\` is given twice`);
      else ast[kw] = f;
      return true;
    }
    case 'let': return push(ast.items, letItem(cur, start));
    case 'include': {
      cur.word();
      const s = cur.string();
      if (!s) {
        cur.error('FW004', cur.spanAhead(cur.nextTokenLength()), `expected a quoted file name, found ${cur.describeNext()}`);
        return false;
      }
      ast.items.push({ kind: 'include', path: s.value, span: cur.span(start, cur.last) });
      return true;
    }
    case 'allow':
    case 'deny': cur.word(); return push(ast.items, ruleRest(cur, kw, start));
    case 'tier': return push(ast.items, tier(cur, start));
    case 'test': return push(ast.items, test(cur, start));
    case 'property': return push(ast.items, property(cur, start));
    case 'network': cur.word(); return push(ast.items, networkRest(cur, start));
    default: keywordError(cur, 'top'); return false;
  }
}

function push(items: Item[], item: Item | undefined): boolean {
  if (item) items.push(item);
  return item !== undefined;
}

function header(cur: Cursor, ast: PolicyAst, start: Mark): boolean {
  const name = cur.string();
  if (!name) {
    cur.error('FW004', cur.spanAhead(cur.nextTokenLength()), `expected the policy's quoted name, found ${cur.describeNext()}`);
    return false;
  }
  const a = cur.word();
  if (a?.value !== 'abi') {
    cur.error('FW004', a?.span ?? cur.spanAhead(cur.nextTokenLength()), `expected \`abi N\` after the policy name, found ${a ? `\`${a.value}\`` : cur.describeNext()}`,
      'the abi pins the rights vocabulary, e.g. `abi 1`');
    return false;
  }
  const abi = number(cur, 'an abi number');
  if (abi === undefined) return false;
  if (!ast.header) ast.header = { name: name.value, abi, span: cur.span(start, cur.last) };
  return true;
}

function number(cur: Cursor, what: string): number | undefined {
  const n = cur.number();
  if (!n) {
    cur.error('FW004', cur.spanAhead(cur.nextTokenLength()), `expected ${what}, found ${cur.describeNext()}`);
    return undefined;
  }
  if (n.value > MAX_NUMBER) {
    cur.error('FW010', n.span, `${what} must be at most ${MAX_NUMBER}`);
    return undefined;
  }
  return n.value;
}

/** `allow` | `deny [errno E]` (also `allow errno E`, which lowering rejects with a clear message). */
function fallback(cur: Cursor, start: Mark): Fallback | undefined {
  const e = cur.word();
  if (e?.value !== 'allow' && e?.value !== 'deny') {
    cur.error('FW004', e?.span ?? cur.spanAhead(cur.nextTokenLength()), `expected \`allow\` or \`deny\`, found ${e ? `\`${e.value}\`` : cur.describeNext()}`);
    return undefined;
  }
  const f: Fallback = { effect: e.value };
  if (cur.peekWord() === 'errno') {
    cur.word();
    const n = cur.word();
    if (!n) {
      cur.error('FW004', cur.spanAhead(cur.nextTokenLength()), `expected an errno such as \`EACCES\`, found ${cur.describeNext()}`);
      return undefined;
    }
    f.errno = { name: n.value, span: n.span };
  }
  f.span = cur.span(start, cur.last);
  return f;
}

function letItem(cur: Cursor, start: Mark): LetItem | undefined {
  cur.word();
  const v = cur.varName();
  if (!v) {
    cur.error('FW004', cur.spanAhead(cur.nextTokenLength()), `expected a variable name such as \`$TMP\`, found ${cur.describeNext()}`);
    return undefined;
  }
  if (!cur.punct('=')) {
    cur.error('FW004', cur.spanAhead(cur.nextTokenLength()), `expected \`=\`, found ${cur.describeNext()}`);
    return undefined;
  }
  const item: LetItem = { kind: 'let', name: v.value, list: false, values: [] };
  if (cur.punct('[')) {
    item.list = true;
    for (;;) {
      cur.skipBlankLines();
      if (cur.punct(']')) break;
      const s = cur.string();
      if (!s) {
        cur.error('FW004', cur.spanAhead(cur.nextTokenLength()), `expected a quoted pattern or \`]\`, found ${cur.describeNext()}`);
        return undefined;
      }
      item.values.push({ text: s.value, span: s.span });
      cur.skipBlankLines();
      if (cur.punct(']')) break;
      if (!cur.punct(',')) {
        cur.error('FW004', cur.spanAhead(cur.nextTokenLength()), `expected \`,\` or \`]\`, found ${cur.describeNext()}`);
        return undefined;
      }
    }
  } else {
    const s = cur.string() ?? cur.bare();
    if (!s) {
      cur.error('FW004', cur.spanAhead(cur.nextTokenLength()), `expected a pattern or a \`[...]\` list, found ${cur.describeNext()}`);
      return undefined;
    }
    item.values.push({ text: s.value, span: s.span });
  }
  item.span = cur.span(start, cur.last);
  return item;
}

/** `{`, then statements of a block until `}`; false when the block never closes. */
function block(cur: Cursor, each: (start: Mark) => boolean): boolean {
  const open = cur.punct('{');
  if (!open) {
    cur.error('FW004', cur.spanAhead(cur.nextTokenLength()), `expected \`{\`, found ${cur.describeNext()}`);
    return false;
  }
  for (;;) {
    cur.skipSeparators();
    if (cur.atEnd()) {
      cur.error('FW005', open.span, `this \`{\` is never closed`, 'close the block with `}`');
      return false;
    }
    if (cur.punct('}')) return true;
    const start = cur.mark();
    const ok = each(start);
    endStatement(cur, ok);
  }
}

function tier(cur: Cursor, start: Mark): TierItem | undefined {
  cur.word();
  const n = number(cur, 'a tier number');
  if (n === undefined) return undefined;
  const rules: RuleItem[] = [];
  const closed = block(cur, () => {
    const kw = cur.peekWord();
    if (kw !== 'allow' && kw !== 'deny') {
      keywordError(cur, 'tier');
      return false;
    }
    const begin = cur.mark();
    cur.word();
    const r = ruleRest(cur, kw, begin);
    if (r) rules.push(r);
    return r !== undefined;
  });
  if (!closed) return undefined;
  return { kind: 'tier', tier: n, rules, span: cur.span(start, cur.last) };
}

function test(cur: Cursor, start: Mark): TestItem | undefined {
  cur.word();
  const name = cur.string();
  if (!name) {
    cur.error('FW004', cur.spanAhead(cur.nextTokenLength()), `expected the test's quoted name, found ${cur.describeNext()}`);
    return undefined;
  }
  const expects: Expect[] = [];
  const closed = block(cur, (begin) => {
    if (cur.peekWord() !== 'expect') {
      keywordError(cur, 'test');
      return false;
    }
    cur.word();
    const e = expectRest(cur, begin);
    if (e) expects.push(e);
    return e !== undefined;
  });
  if (!closed) return undefined;
  return { kind: 'test', name: name.value, expects, span: cur.span(start, cur.last) };
}

function property(cur: Cursor, start: Mark): PropertyItem | undefined {
  cur.word();
  const name = cur.string();
  if (!name) {
    cur.error('FW004', cur.spanAhead(cur.nextTokenLength()), `expected the property's quoted name, found ${cur.describeNext()}`);
    return undefined;
  }
  const promises: PropertyPromise[] = [];
  let broken = false;
  const closed = block(cur, (begin) => {
    const kw = cur.peekWord();
    if (kw !== 'never' && kw !== 'always' && kw !== 'only') {
      keywordError(cur, 'property');
      broken = true;
      return false;
    }
    cur.word();
    const p = promiseRest(cur, kw, begin);
    if (p) promises.push(p);
    else broken = true;
    return p !== undefined;
  });
  // A block missing a line it meant to have is dropped whole, not reported again as empty.
  if (!closed || broken) return undefined;
  return { kind: 'property', name: name.value, promises, span: cur.span(start, cur.last) };
}

/** `allow CALL` | `deny [ERRNO] CALL`; the call is read raw up to its closing `)`. */
function expectRest(cur: Cursor, start: Mark): Expect | undefined {
  const d = cur.word();
  if (d?.value !== 'allow' && d?.value !== 'deny') {
    cur.error('FW004', d?.span ?? cur.spanAhead(cur.nextTokenLength()), `expected \`allow\` or \`deny\`, found ${d ? `\`${d.value}\`` : cur.describeNext()}`);
    return undefined;
  }
  const e: Expect = { decision: d.value, call: '' };
  const w = cur.peekWord();
  if (w !== undefined && cur.peek(w.length) !== 40) {
    const t = cur.word()!;
    e.errno = { name: t.value, span: t.span };
  }
  cur.skipBlank();
  const lineEnd = cur.text.indexOf('\n', cur.pos);
  const line = cur.text.slice(cur.pos, lineEnd < 0 ? cur.text.length : lineEnd);
  const end = scanCall(line, 0);
  if (end < 0) {
    const unclosed = isIdentStart(line.charCodeAt(0)) && line.indexOf('(') > 0;
    cur.error('FW502', cur.spanAhead(unclosed ? line.length : cur.nextTokenLength()),
      unclosed ? 'unclosed argument list' : `expected a call such as \`openat(AT_FDCWD, "/a", O_RDONLY)\`, found ${cur.describeNext()}`,
      unclosed ? 'a call must close its `(` on the same line' : undefined);
    return undefined;
  }
  const m = cur.mark();
  cur.advanceTo(cur.pos + end);
  cur.tokenSpan(m);
  e.call = line.slice(0, end);
  e.span = cur.span(start, cur.last);
  return e;
}
