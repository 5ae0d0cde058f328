/**
 * Validation of the JSON form, field by field, into a fresh AST. Everything that the printer
 * writes without quotes (names, numbers, calls) is checked to be lexically what the parser
 * would read back, so any accepted AST prints to text that parses to the same AST.
 */
import type {
  Condition, Expect, Fallback, Header, Item, Name, NetworkItem, Pattern, PolicyAst, PropertyPromise, RuleItem, Span, Target,
} from './ast.js';
import { isIdentChar, isIdentStart } from './lexer.js';
import { scanCall } from './syscall.js';
import { isVarName } from './vars.js';

export type Bad = (path: string, message: string, span?: Span) => void;

type Obj = Record<string, unknown>;
const MAX = 0x7fffffff;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isIdent(s: string): boolean {
  if (!isIdentStart(s.charCodeAt(0))) return false;
  for (let i = 1; i < s.length; i++) if (!isIdentChar(s.charCodeAt(i))) return false;
  return true;
}

function isPos(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 1;
}

function spanOf(v: unknown): Span | undefined {
  if (isObj(v) && typeof v['file'] === 'string' && isPos(v['line']) && isPos(v['col']) && isPos(v['endLine']) && isPos(v['endCol'])) {
    return { file: v['file'], line: v['line'], col: v['col'], endLine: v['endLine'], endCol: v['endCol'] };
  }
  return undefined;
}

class R {
  constructor(private readonly bad: Bad) {}

  /** The object at `path` with only `keys` allowed; undefined (reported) otherwise. */
  obj(v: unknown, path: string, keys: readonly string[]): Obj | undefined {
    if (!isObj(v)) { this.bad(path, 'expected an object'); return undefined; }
    const span = spanOf(v['span']);
    for (const k of Object.keys(v)) if (k !== 'span' && !keys.includes(k)) this.bad(`${path}.${k}`, 'unknown field', span);
    return v;
  }

  span(v: unknown, path: string): Span | undefined {
    if (v === undefined) return undefined;
    const s = spanOf(v);
    if (!s) this.bad(path, 'expected a span {file, line, col, endLine, endCol}');
    return s;
  }

  str(v: unknown, path: string, span?: Span): string | undefined {
    if (typeof v === 'string') return v;
    this.bad(path, 'expected a string', span);
    return undefined;
  }

  int(v: unknown, path: string, span?: Span): number | undefined {
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX) return v;
    this.bad(path, `expected an integer from 0 to ${MAX}`, span);
    return undefined;
  }

  oneOf<T extends string>(v: unknown, path: string, options: readonly T[], span?: Span): T | undefined {
    if (typeof v === 'string' && (options as readonly string[]).includes(v)) return v as T;
    this.bad(path, `expected one of ${options.map((o) => JSON.stringify(o)).join(', ')}`, span);
    return undefined;
  }

  arr<T>(v: unknown, path: string, each: (x: unknown, p: string) => T | undefined, nonEmpty = false, span?: Span): T[] | undefined {
    if (!Array.isArray(v)) { this.bad(path, 'expected an array', span); return undefined; }
    if (nonEmpty && v.length === 0) { this.bad(path, 'expected at least one element', span); return undefined; }
    const out: T[] = [];
    let ok = true;
    v.forEach((x, i) => {
      const r = each(x, `${path}[${i}]`);
      if (r === undefined) ok = false;
      else out.push(r);
    });
    return ok ? out : undefined;
  }

  /** Attach `span` when there is one (exact optional properties). */
  withSpan<T extends object>(node: T, span: Span | undefined): T {
    return span ? { ...node, span } : node;
  }

  name(v: unknown, path: string, ok: (s: string) => boolean = isIdent): Name | undefined {
    const o = this.obj(v, path, ['name']);
    if (!o) return undefined;
    const span = this.span(o['span'], `${path}.span`);
    const n = this.str(o['name'], `${path}.name`, span);
    if (n === undefined) return undefined;
    if (!ok(n)) { this.bad(`${path}.name`, `\`${n}\` is not a valid name here`, span); return undefined; }
    return this.withSpan({ name: n }, span);
  }

  pattern(v: unknown, path: string): Pattern | undefined {
    const o = this.obj(v, path, ['text']);
    if (!o) return undefined;
    const span = this.span(o['span'], `${path}.span`);
    const text = this.str(o['text'], `${path}.text`, span);
    return text === undefined ? undefined : this.withSpan({ text }, span);
  }

  target(v: unknown, path: string): Target | undefined {
    const o = this.obj(v, path, ['under', 'pattern']);
    if (!o) return undefined;
    const span = this.span(o['span'], `${path}.span`);
    if (typeof o['under'] !== 'boolean') { this.bad(`${path}.under`, 'expected a boolean', span); return undefined; }
    const pattern = this.pattern(o['pattern'], `${path}.pattern`);
    return pattern && this.withSpan({ under: o['under'], pattern }, span);
  }

  condition(v: unknown, path: string): Condition | undefined {
    if (!isObj(v)) { this.bad(path, 'expected an object'); return undefined; }
    const kind = this.oneOf(v['kind'], `${path}.kind`, ['flags', 'type'] as const);
    if (kind === 'type') {
      const o = this.obj(v, path, ['kind', 'type']);
      const type = o && this.name(o['type'], `${path}.type`);
      return type && this.withSpan({ kind: 'type' as const, type }, this.span(v['span'], `${path}.span`));
    }
    if (kind !== 'flags') return undefined;
    const o = this.obj(v, path, ['kind', 'op', 'flags']);
    if (!o) return undefined;
    const op = this.oneOf(o['op'], `${path}.op`, ['has', 'lacks'] as const);
    const flags = this.arr(o['flags'], `${path}.flags`, (x, p) => this.name(x, p), true);
    return op && flags && this.withSpan({ kind: 'flags' as const, op, flags }, this.span(o['span'], `${path}.span`));
  }

  rule(v: unknown, path: string): RuleItem | undefined {
    const o = this.obj(v, path, ['kind', 'effect', 'rights', 'targets', 'except', 'when', 'errno', 'because']);
    if (!o) return undefined;
    const span = this.span(o['span'], `${path}.span`);
    if (o['kind'] !== 'rule') { this.bad(`${path}.kind`, 'expected "rule"', span); return undefined; }
    const effect = this.oneOf(o['effect'], `${path}.effect`, ['allow', 'deny'] as const, span);
    const rights = this.arr(o['rights'], `${path}.rights`, (x, p) => this.name(x, p, (s) => s === '*' || isIdent(s)), true, span);
    const targets = this.arr(o['targets'], `${path}.targets`, (x, p) => this.target(x, p), true, span);
    const except = this.arr(o['except'] ?? [], `${path}.except`, (x, p) => this.target(x, p), false, span);
    const when = this.arr(o['when'] ?? [], `${path}.when`, (x, p) => this.condition(x, p), false, span);
    const errno = o['errno'] === undefined ? null : this.name(o['errno'], `${path}.errno`);
    const because = o['because'] === undefined ? null : this.str(o['because'], `${path}.because`, span);
    if (!effect || !rights || !targets || !except || !when || errno === undefined || because === undefined) return undefined;
    const rule: RuleItem = { kind: 'rule', effect, rights, targets, except, when };
    if (errno) rule.errno = errno;
    if (because !== null) rule.because = because;
    return this.withSpan(rule, span);
  }

  expect(v: unknown, path: string): Expect | undefined {
    const o = this.obj(v, path, ['decision', 'errno', 'call']);
    if (!o) return undefined;
    const span = this.span(o['span'], `${path}.span`);
    const decision = this.oneOf(o['decision'], `${path}.decision`, ['allow', 'deny'] as const, span);
    const errno = o['errno'] === undefined ? null : this.name(o['errno'], `${path}.errno`);
    const call = this.str(o['call'], `${path}.call`, span);
    if (call !== undefined && (!isIdentStart(call.charCodeAt(0)) || call.includes('\n') || scanCall(call, 0) !== call.length)) {
      this.bad(`${path}.call`, 'expected one call `name(args)` on one line', span);
      return undefined;
    }
    if (!decision || errno === undefined || call === undefined) return undefined;
    const e: Expect = { decision, call };
    if (errno) e.errno = errno;
    return this.withSpan(e, span);
  }

  promise(v: unknown, path: string): PropertyPromise | undefined {
    const o = this.obj(v, path, ['kind', 'rights', 'target']);
    if (!o) return undefined;
    const span = this.span(o['span'], `${path}.span`);
    const kind = this.oneOf(o['kind'], `${path}.kind`, ['never', 'always', 'only'] as const, span);
    const rights = this.arr(o['rights'], `${path}.rights`, (x, p) => this.name(x, p, (s) => s === '*' || isIdent(s)), true, span);
    const target = this.target(o['target'], `${path}.target`);
    return kind && rights && target ? this.withSpan({ kind, rights, target }, span) : undefined;
  }

  item(v: unknown, path: string): Item | undefined {
    if (!isObj(v)) { this.bad(path, 'expected an object'); return undefined; }
    const kind = this.oneOf(v['kind'], `${path}.kind`, ['rule', 'let', 'include', 'tier', 'test', 'property', 'network'] as const);
    if (kind === 'rule') return this.rule(v, path);
    const span = this.span(v['span'], `${path}.span`);
    switch (kind) {
      case undefined: return undefined;
      case 'let': {
        const o = this.obj(v, path, ['kind', 'name', 'list', 'values']);
        if (!o) return undefined;
        const name = this.str(o['name'], `${path}.name`, span);
        if (name !== undefined && !isVarName(name)) { this.bad(`${path}.name`, `\`${name}\` is not a variable name (no \`$\`)`, span); return undefined; }
        if (typeof o['list'] !== 'boolean') { this.bad(`${path}.list`, 'expected a boolean', span); return undefined; }
        const values = this.arr(o['values'], `${path}.values`, (x, p) => this.pattern(x, p), !o['list'], span);
        if (values && !o['list'] && values.length !== 1) { this.bad(`${path}.values`, 'a single value (list: false) has exactly one element', span); return undefined; }
        return name !== undefined && values ? this.withSpan({ kind, name, list: o['list'], values }, span) : undefined;
      }
      case 'include': {
        const o = this.obj(v, path, ['kind', 'path']);
        const p = o && this.str(o['path'], `${path}.path`, span);
        return p === undefined ? undefined : this.withSpan({ kind, path: p }, span);
      }
      case 'tier': {
        const o = this.obj(v, path, ['kind', 'tier', 'rules']);
        if (!o) return undefined;
        const tier = this.int(o['tier'], `${path}.tier`, span);
        const rules = this.arr(o['rules'], `${path}.rules`, (x, p) => this.rule(x, p), false, span);
        return tier !== undefined && rules ? this.withSpan({ kind, tier, rules }, span) : undefined;
      }
      case 'test': {
        const o = this.obj(v, path, ['kind', 'name', 'expects']);
        if (!o) return undefined;
        const name = this.str(o['name'], `${path}.name`, span);
        const expects = this.arr(o['expects'], `${path}.expects`, (x, p) => this.expect(x, p), false, span);
        return name !== undefined && expects ? this.withSpan({ kind, name, expects }, span) : undefined;
      }
      case 'network': {
        const o = this.obj(v, path, ['kind', 'effect', 'scopes', 'errno', 'because']);
        if (!o) return undefined;
        const effect = this.oneOf(o['effect'], `${path}.effect`, ['allow', 'deny'] as const, span);
        const scopes = this.arr(o['scopes'], `${path}.scopes`, (x, p) => this.name(x, p, (s) => s === '*' || isIdent(s)), true, span);
        const errno = o['errno'] === undefined ? null : this.name(o['errno'], `${path}.errno`);
        const because = o['because'] === undefined ? null : this.str(o['because'], `${path}.because`, span);
        if (!effect || !scopes || errno === undefined || because === undefined) return undefined;
        const n: NetworkItem = { kind, effect, scopes };
        if (errno) n.errno = errno;
        if (because !== null) n.because = because;
        return this.withSpan(n, span);
      }
      case 'property': {
        const o = this.obj(v, path, ['kind', 'name', 'promises']);
        if (!o) return undefined;
        const name = this.str(o['name'], `${path}.name`, span);
        const promises = this.arr(o['promises'], `${path}.promises`, (x, p) => this.promise(x, p), false, span);
        return name !== undefined && promises ? this.withSpan({ kind, name, promises }, span) : undefined;
      }
    }
  }

  fallback(v: unknown, path: string): Fallback | undefined {
    const o = this.obj(v, path, ['effect', 'errno']);
    if (!o) return undefined;
    const span = this.span(o['span'], `${path}.span`);
    const effect = this.oneOf(o['effect'], `${path}.effect`, ['allow', 'deny'] as const, span);
    const errno = o['errno'] === undefined ? null : this.name(o['errno'], `${path}.errno`);
    if (!effect || errno === undefined) return undefined;
    return this.withSpan(errno ? { effect, errno } : { effect }, span);
  }

  header(v: unknown, path: string): Header | undefined {
    const o = this.obj(v, path, ['name', 'abi']);
    if (!o) return undefined;
    const span = this.span(o['span'], `${path}.span`);
    const name = this.str(o['name'], `${path}.name`, span);
    const abi = this.int(o['abi'], `${path}.abi`, span);
    return name !== undefined && abi !== undefined ? this.withSpan({ name, abi }, span) : undefined;
  }
}

/** A fresh AST from the `policy` member, reporting every field that does not fit. */
export function readPolicy(v: unknown, path: string, bad: Bad): PolicyAst {
  const r = new R(bad);
  const o = r.obj(v, path, ['header', 'default', 'unknown', 'items']);
  const ast: PolicyAst = { items: [] };
  if (!o) return ast;
  if (o['header'] !== undefined) {
    const h = r.header(o['header'], `${path}.header`);
    if (h) ast.header = h;
  }
  for (const k of ['default', 'unknown'] as const) {
    if (o[k] === undefined) continue;
    const f = r.fallback(o[k], `${path}.${k}`);
    if (f) ast[k] = f;
  }
  if (!Array.isArray(o['items'])) bad(`${path}.items`, 'expected an array');
  else o['items'].forEach((x, i) => {
    const it = r.item(x, `${path}.items[${i}]`);
    if (it) ast.items.push(it);
  });
  return ast;
}
