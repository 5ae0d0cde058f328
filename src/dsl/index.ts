/**
 * The policy language: text or JSON → AST → IR (src/rules/ir.ts), with diagnostics as
 * values. The normative description is spec/policy-language.md.
 */
import type { IrPolicy } from '../rules/ir.js';
import type { PolicyAst } from './ast.js';
import { hasErrors, type Diagnostic } from './diagnostics.js';
import { walkPolicy, type IncludeCache, type Loader } from './includes.js';
import { fromJson } from './json.js';
import type { PolicyProperty } from './lower-property.js';
import { lower, type PolicyTest } from './lower.js';
import { parse } from './parser.js';

export type * from './ast.js';
export { stripSpans } from './ast.js';
export { CODES, hasErrors, type Code, type Diagnostic, type Related, type Severity } from './diagnostics.js';
export { resolveInclude, type Loader } from './includes.js';
export { fromJson, toJson, JSON_FORMAT, JSON_VERSION, type FromJsonResult, type JsonOptions, type PolicyJson } from './json.js';
export { lower, type ExpectCase, type LowerOptions, type LowerResult, type PolicyTest } from './lower.js';
export type { PolicyProperty, PropertyPromiseCase } from './lower-property.js';
export { parse, type ParseResult } from './parser.js';
export { printPolicy, printRule } from './printer.js';
export { renderDiagnostic, renderDiagnostics } from './render.js';
export { varsFromArgs, type VarArgs } from './var-args.js';

export interface PolicyOptions {
  /** Name of the file the text came from (spans, include resolution). Default `<policy>`. */
  file?: string;
  /** `--var NAME=VALUE` overrides (used when lowering). */
  vars?: Readonly<Record<string, string | readonly string[]>>;
  /** Reads included files by resolved name (e.g. `fileLoader()`). */
  load?: Loader;
  /** Cap on the expansions of one pattern (default 1000). */
  maxExpansions?: number;
}

export interface ParsedPolicy {
  ast: PolicyAst;
  /** Included files, parsed, by resolved name. */
  files: Map<string, PolicyAst>;
  /** Source texts by file name, the root's included (for rendering diagnostics). */
  sources: Map<string, string>;
  diagnostics: Diagnostic[];
}

export interface CompiledPolicy {
  ast: PolicyAst;
  policy: IrPolicy;
  tests: PolicyTest[];
  /** The `property` blocks, lowered (checked by `fdwarden test` with the testing kit). */
  properties: PolicyProperty[];
  diagnostics: Diagnostic[];
  sources: Map<string, string>;
  /** No error among the diagnostics (warnings allowed): `policy` may be used. */
  ok: boolean;
}

/** Diagnostics in reading order (files in the order they were read), each once. */
function ordered(diags: readonly Diagnostic[], files: readonly string[]): Diagnostic[] {
  const seen = new Set<string>();
  const unique = diags.filter((d) => {
    const key = JSON.stringify([d.code, d.span, d.message]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const rank = (f: string): number => {
    const i = files.indexOf(f);
    return i < 0 ? files.length : i;
  };
  return unique.sort((a, b) => rank(a.span.file) - rank(b.span.file) || a.span.line - b.span.line || a.span.col - b.span.col);
}

/** Parse a policy and every file it includes; syntax and include problems only. */
export function parsePolicy(text: string, opts: PolicyOptions = {}): ParsedPolicy {
  const file = opts.file ?? '<policy>';
  const r = parse(text, file);
  const cache: IncludeCache = { files: new Map(), sources: new Map() };
  if (opts.load) cache.load = opts.load;
  const diags = [...r.diagnostics, ...walkPolicy(r.ast, file, cache, {})];
  const sources = new Map([[file, text], ...cache.sources]);
  return { ast: r.ast, files: cache.files, sources, diagnostics: ordered(diags, [...sources.keys()]) };
}

function finish(ast: PolicyAst, parsed: Diagnostic[], files: Map<string, PolicyAst>, sources: Map<string, string>, opts: PolicyOptions): CompiledPolicy {
  const file = opts.file ?? '<policy>';
  const low = lower(ast, { ...opts, file, files });
  for (const [f, t] of low.sources) sources.set(f, t);
  const diagnostics = ordered([...parsed, ...low.diagnostics], [file, ...sources.keys()]);
  return { ast, policy: low.policy, tests: low.tests, properties: low.properties, diagnostics, sources, ok: !hasErrors(diagnostics) };
}

/** Text → AST → IR in one step, with every diagnostic of every stage. */
export function compilePolicyText(text: string, opts: PolicyOptions = {}): CompiledPolicy {
  const p = parsePolicy(text, opts);
  return finish(p.ast, p.diagnostics, p.files, p.sources, opts);
}

/** The JSON form → AST → IR. Included files are still read as text through `load`. */
export function compilePolicyJson(json: unknown, opts: PolicyOptions = {}): CompiledPolicy {
  const file = opts.file ?? '<json>';
  const j = fromJson(json, { file });
  return finish(j.ast, j.diagnostics, new Map(), new Map(), { ...opts, file });
}
