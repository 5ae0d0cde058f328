/**
 * AST → IR (src/rules/ir.ts). Includes are spliced in where they stand, variables, braces
 * and `under` are expanded, names are checked against the root policy's abi, and the inline
 * tests are collected (the model runs them). Rule ids are indexes, in document order.
 */
import type { Errno } from '../linux/index.js';
import type { IrPolicy, IrRule, Span } from '../rules/ir.js';
import { LATEST_ABI } from '../rules/rights.js';
import type { Effect, Fallback, Item, PolicyAst, RuleItem, TestItem } from './ast.js';
import { diag, fileSpan, type Code, type Diagnostic } from './diagnostics.js';
import { walkPolicy, type IncludeCache, type Loader } from './includes.js';
import { lintOverBroad, lintShadowed, lintUnderMix } from './lints.js';
import { lowerProperties, type PolicyProperty } from './lower-property.js';
import { lowerNetwork } from './lower-network.js';
import { checkErrno, lowerRule, type RuleContext } from './lower-rule.js';
import { isKnownAbi, knownAbis } from './names.js';
import { expandCallVars } from './test-vars.js';
import { checkCall } from './syscall.js';
import { VarEnv, isVarName, overrideName, type VarDef } from './vars.js';
import { expansionBudgetFor } from './expansion-budget.js';

export interface LowerOptions {
  /** Name of the root file (for spans and for resolving includes). */
  file?: string;
  /** `--var NAME=VALUE` overrides; a name may be written with or without `$`. */
  vars?: Readonly<Record<string, string | readonly string[]>>;
  /** Reads included files by resolved name. */
  load?: Loader;
  /** Included files already parsed (e.g. by parsePolicy), by resolved name. */
  files?: ReadonlyMap<string, PolicyAst>;
  /** Cap on the expansions of one pattern (default 1000). */
  maxExpansions?: number;
}

export interface ExpectCase {
  decision: Effect;
  errno?: string;
  /** The call as written. */
  call: string;
  syscall: string;
  argsText: string;
  span: Span;
}

export interface PolicyTest {
  name: string;
  span: Span;
  expects: ExpectCase[];
}

export interface LowerResult {
  policy: IrPolicy;
  tests: PolicyTest[];
  /** The `property` blocks, for `fdwarden test`; they do not touch `policy`. */
  properties: PolicyProperty[];
  diagnostics: Diagnostic[];
  /** Texts of included files read while lowering, by resolved name. */
  sources: Map<string, string>;
}

interface Entry { item: Exclude<Item, { kind: 'include' }>; file: string }

function fallbackOf(f: Fallback | undefined, ctx: RuleContext): { effect: Effect; errno: Errno } {
  if (!f) return { effect: 'deny', errno: 'EACCES' };
  return { effect: f.effect, errno: checkErrno(f.effect, f.errno, ctx) ?? 'EACCES' };
}

function collectVars(entries: readonly Entry[], opts: LowerOptions, root: Span, report: RuleContext['report']): Map<string, VarDef> {
  const defs = new Map<string, VarDef>();
  for (const { item } of entries) {
    if (item.kind !== 'let') continue;
    const first = defs.get(item.name);
    const span = item.span ?? root;
    if (first) {
      const d = diag('FW202', span, `variable \`$${item.name}\` is defined twice`, 'rename one of them',
        first.span ? [{ span: first.span, message: 'first defined here' }] : undefined);
      report(d.code, d.span, d.message, d.help, d.related);
      continue;
    }
    const def: VarDef = { name: item.name, values: item.values.map((v) => (v.span ? { text: v.text, span: v.span } : { text: v.text })), span };
    defs.set(item.name, def);
  }
  for (const [raw, value] of Object.entries(opts.vars ?? {})) {
    const name = overrideName(raw);
    if (!isVarName(name)) {
      report('FW204', root, `invalid variable name \`${raw}\` in --var`, 'names are letters, digits and `_`, starting with a letter or `_`');
      continue;
    }
    const values = typeof value === 'string' ? [value] : [...value];
    defs.set(name, { name, values: values.map((text) => ({ text })) });
  }
  return defs;
}

function lowerTests(entries: readonly Entry[], ctx: RuleContext): PolicyTest[] {
  const tests: PolicyTest[] = [];
  const names = new Map<string, Span>();
  for (const { item } of entries) {
    if (item.kind !== 'test') continue;
    const span = item.span ?? ctx.fallback;
    const prev = names.get(item.name);
    if (prev) ctx.report('FW503', span, `a test named ${JSON.stringify(item.name)} already exists`, `the first is at ${prev.line}:${prev.col}`);
    else names.set(item.name, span);
    tests.push({ name: item.name, span, expects: lowerExpects(item, ctx) });
  }
  return tests;
}

function lowerExpects(t: TestItem, ctx: RuleContext): ExpectCase[] {
  const out: ExpectCase[] = [];
  for (const e of t.expects) {
    const span = e.span ?? ctx.fallback;
    // The call ends the expect line, so its columns are known from the span's end.
    const callCol = span.endCol - e.call.length;
    const at = (col: number, len: number): Span => (span.line === span.endLine && callCol >= span.col
      ? { ...span, col: callCol + col, endCol: callCol + col + Math.max(1, len) }
      : span);
    const errno = checkErrno(e.decision, e.errno, ctx);
    const shape = checkCall(e.call);
    if ('code' in shape) {
      ctx.report(shape.code, at(shape.at, shape.len), shape.message, shape.help);
      continue;
    }
    const expanded = expandCallVars(e.call, ctx.env);
    if ('problems' in expanded) {
      for (const p of expanded.problems) ctx.report(p.code, at(p.at, p.len), p.message, p.help);
      continue;
    }
    const call = expanded.call;
    const final = call === e.call ? shape : checkCall(call);
    if ('code' in final) {
      ctx.report(final.code, span, `with its variables, the call is ${final.message}`, final.help);
      continue;
    }
    const c: ExpectCase = { decision: e.decision, call, syscall: final.name, argsText: final.argsText, span };
    if (errno !== undefined) c.errno = errno;
    out.push(c);
  }
  return out;
}

/** Characters of the pattern text written in the policy: its targets and variable values. */
function sourceChars(entries: readonly Entry[], defs: ReadonlyMap<string, VarDef>): number {
  let n = 0;
  const rule = (r: RuleItem): void => {
    for (const t of [...r.targets, ...r.except]) n += t.pattern.text.length;
  };
  for (const { item } of entries) {
    if (item.kind === 'rule') rule(item);
    else if (item.kind === 'tier') item.rules.forEach(rule);
  }
  for (const d of defs.values()) for (const v of d.values) n += v.text.length;
  return n;
}

/** Lower a parsed policy. Never throws; check `diagnostics` for errors before using `policy`. */
export function lower(ast: PolicyAst, opts: LowerOptions = {}): LowerResult {
  const rootFile = opts.file ?? ast.header?.span?.file ?? '<policy>';
  const root = fileSpan(rootFile);
  const diagnostics: Diagnostic[] = [];
  const report = (code: Code, span: Span, message: string, help?: string, related?: Diagnostic['related']): void => {
    diagnostics.push(diag(code, span, message, help, related));
  };
  let abi = LATEST_ABI;
  if (!ast.header) report('FW008', root, 'missing `policy` header', 'start the file with `policy "name" abi 1`');
  else if (!isKnownAbi(ast.header.abi)) {
    report('FW101', ast.header.span ?? root, `unknown abi ${ast.header.abi}`, `known abis: ${knownAbis().join(', ')}`);
  } else abi = ast.header.abi;

  const cache: IncludeCache = { files: new Map(opts.files ?? []), sources: new Map() };
  if (opts.load) cache.load = opts.load;
  const entries: Entry[] = [];
  diagnostics.push(...walkPolicy(ast, rootFile, cache, {
    item: (item, file) => { if (item.kind !== 'include') entries.push({ item, file }); },
    unit: (file, sub, at) => {
      for (const kw of ['default', 'unknown'] as const) {
        const f = sub[kw];
        if (f) report('FW403', f.span ?? at, `\`${kw}\` can only be set by the root policy`, `it is set by the file that includes \`${file}\``);
      }
      if (sub.header && ast.header && sub.header.abi !== ast.header.abi) {
        report('FW403', sub.header.span ?? at, `\`${file}\` is written for abi ${sub.header.abi}, the policy for abi ${ast.header.abi}`);
      }
    },
  }));

  const limit = opts.maxExpansions ?? 1000;
  const defs = collectVars(entries, opts, root, report);
  const expansion = expansionBudgetFor(sourceChars(entries, defs));
  const env = new VarEnv(defs, (code, span, message, help) => report(code, span ?? root, message, help), limit, expansion);
  const ctx: RuleContext = { abi, env, limit, report, fallback: root, expansion };

  const rules: IrRule[] = [];
  const add = (r: RuleItem, tier: number, file: string): void => {
    rules.push(lowerRule(r, rules.length, tier, { ...ctx, fallback: fileSpan(file) }));
  };
  for (const { item, file } of entries) {
    if (item.kind === 'rule') add(item, 0, file);
    else if (item.kind === 'tier') for (const r of item.rules) add(r, item.tier, file);
  }
  const policy: IrPolicy = { abi, default: fallbackOf(ast.default, ctx), unknown: fallbackOf(ast.unknown, ctx), rules };
  if (ast.header) policy.name = ast.header.name;
  const network = entries.flatMap(({ item, file }) => (item.kind === 'network' ? [lowerNetwork(item, fileSpan(file), ctx)] : []));
  if (network.length > 0) policy.network = network;
  if (ast.default?.span) policy.default.span = ast.default.span;
  const tests = lowerTests(entries, ctx);
  const properties = lowerProperties(
    entries.flatMap(({ item, file }) => (item.kind === 'property' ? [{ item, file }] : [])), ctx);

  // One by one: a policy can have more warnings than a spread can pass as arguments.
  for (const d of [...lintShadowed(policy), ...lintOverBroad(policy)]) diagnostics.push(d);
  for (const { item } of entries) {
    const ruleItems = item.kind === 'rule' ? [item] : item.kind === 'tier' ? item.rules : [];
    for (const r of ruleItems) diagnostics.push(...lintUnderMix(r.targets, r.span ?? root), ...lintUnderMix(r.except, r.span ?? root));
  }
  const warned = new Set<string>();
  for (const { item } of entries) {
    if (item.kind !== 'let' || env.used.has(item.name) || warned.has(item.name)) continue;
    warned.add(item.name);
    report('FW603', item.span ?? root, `variable \`$${item.name}\` is never used`, 'remove it, or use it in a pattern');
  }
  return { policy, tests, properties, diagnostics, sources: cache.sources };
}

