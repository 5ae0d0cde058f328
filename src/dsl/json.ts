/**
 * The JSON form of a policy AST, for machines and other languages. It is the AST itself in
 * an envelope that names the format and its version; spans may be left out.
 */
import { stripSpans, type PolicyAst, type Span } from './ast.js';
import { diag, fileSpan, type Diagnostic } from './diagnostics.js';
import { readPolicy } from './json-read.js';

export const JSON_FORMAT = 'fdwarden-policy-ast';
export const JSON_VERSION = 1;

export interface PolicyJson {
  format: typeof JSON_FORMAT;
  version: typeof JSON_VERSION;
  policy: PolicyAst;
}

export interface JsonOptions {
  /** Keep source spans (default true). */
  spans?: boolean;
}

export function toJson(ast: PolicyAst, opts: JsonOptions = {}): PolicyJson {
  const policy = opts.spans === false ? stripSpans(ast) : structuredClone(ast);
  return { format: JSON_FORMAT, version: JSON_VERSION, policy };
}

export interface FromJsonResult {
  /** What could be read; parts that failed validation are left out. */
  ast: PolicyAst;
  diagnostics: Diagnostic[];
}

/** Read the JSON form (an object, or its text). Never throws. */
export function fromJson(json: unknown, opts: { file?: string } = {}): FromJsonResult {
  const file = opts.file ?? '<json>';
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json) as unknown;
    } catch (e) {
      return { ast: { items: [] }, diagnostics: [diag('FW701', fileSpan(file), `invalid JSON: ${e instanceof Error ? e.message : String(e)}`)] };
    }
  }
  const diagnostics: Diagnostic[] = [];
  const bad = (path: string, message: string, span?: Span): void => {
    diagnostics.push(diag('FW702', span ?? fileSpan(file), `${path}: ${message}`));
  };
  const env = value as Record<string, unknown> | null;
  if (env === null || typeof env !== 'object' || Array.isArray(env)) {
    bad('$', 'expected an object');
    return { ast: { items: [] }, diagnostics };
  }
  if (env['format'] !== JSON_FORMAT) bad('$.format', `expected "${JSON_FORMAT}"`);
  if (env['version'] !== JSON_VERSION) bad('$.version', `expected ${JSON_VERSION}`);
  for (const k of Object.keys(env)) if (k !== 'format' && k !== 'version' && k !== 'policy') bad(`$.${k}`, 'unknown field');
  const ast = readPolicy(env['policy'], '$.policy', bad);
  return { ast, diagnostics };
}
