/**
 * Whatever a user hands the kit as "the policy" (text, a file name, the IR, a compiled engine or
 * the language's compile result) becomes one loaded form: the IR, an engine, and the sources
 * explanations quote. Promise patterns are expanded by the policy language itself, so `$HOME`,
 * `{a,b}` and `under` mean in a promise exactly what they mean in a rule.
 */
import { existsSync, readFileSync } from 'node:fs';
import { compilePolicyText, renderDiagnostics, type CompiledPolicy as DslCompiled } from '../dsl/index.js';
import { fileLoader } from '../dsl/load-fs.js';
import type { IrPolicy, Span } from '../rules/ir.js';
import { engineFor, type CompiledEngine } from '../rules/engine.js';

/** Policy text, a `.policy` file name, an IrPolicy, an engine (`engineFor`) or `compilePolicyText`'s result. */
export type PolicyInput = string | IrPolicy | CompiledEngine | DslCompiled;

/** How to read a policy given as text or a file. */
export interface PolicyLoadOptions {
  /** `--var NAME=VALUE` overrides, as `compilePolicyText` takes them. */
  vars?: Readonly<Record<string, string | readonly string[]>>;
  /** File name for text (spans, includes). Default `<policy>`. */
  file?: string;
}

/** A policy ready for checking. */
export interface LoadedPolicy {
  readonly ir: IrPolicy;
  readonly engine: CompiledEngine;
  /** The root text and file, when the policy came as text or a file (promises may use its `let`s). */
  readonly text?: string;
  readonly file?: string;
  readonly vars: Readonly<Record<string, string | readonly string[]>>;
  /** Source lines by span, for explanations. */
  sourceLine(span: Span): string | undefined;
}

function isEngine(p: object): p is CompiledEngine {
  return 'compiled' in p && 'refer' in p;
}

function isDsl(p: object): p is DslCompiled {
  return 'ast' in p && 'policy' in p && 'sources' in p;
}

function compileOrThrow(text: string, file: string, vars: PolicyLoadOptions['vars']): DslCompiled {
  const c = compilePolicyText(text, { file, vars: vars ?? {}, load: fileLoader() });
  if (!c.ok) throw new Error(`policy ${file} has errors:\n${renderDiagnostics(c.diagnostics.filter((d) => d.severity === 'error'), c.sources)}`);
  return c;
}

function lineOf(sources: ReadonlyMap<string, string>): (s: Span) => string | undefined {
  return (s) => sources.get(s.file)?.split('\n')[s.line - 1];
}

/**
 * Loads a policy from any accepted form. A string without a newline naming an existing file is
 * read as a file; any other string is policy text.
 *
 * @example
 * const p = loadPolicyInput('examples/policies/hide-ssh.policy', { vars: { HOME: '/home/u' } });
 * p.engine.allowedMask('/home/u/notes.txt'); // every right
 */
export function loadPolicyInput(policy: PolicyInput, opts: PolicyLoadOptions = {}): LoadedPolicy {
  const vars = opts.vars ?? {};
  if (typeof policy === 'string') {
    const isFile = !policy.includes('\n') && existsSync(policy);
    const file = isFile ? policy : (opts.file ?? '<policy>');
    const text = isFile ? readFileSync(policy, 'utf8') : policy;
    const c = compileOrThrow(text, file, vars);
    return { ir: c.policy, engine: engineFor(c.policy), text, file, vars, sourceLine: lineOf(c.sources) };
  }
  if (isDsl(policy)) {
    const root = [...policy.sources.keys()][0];
    const text = root === undefined ? undefined : policy.sources.get(root);
    const base = { ir: policy.policy, engine: engineFor(policy.policy), vars, sourceLine: lineOf(policy.sources) };
    return text === undefined || root === undefined ? base : { ...base, text, file: root };
  }
  if (isEngine(policy)) return { ir: policy.policy, engine: policy, vars, sourceLine: () => undefined };
  return { ir: policy, engine: engineFor(policy), vars, sourceLine: () => undefined };
}

/** A pattern as a policy-language target: `under P` stays a keyword, the pattern is quoted. */
function target(pattern: string): string {
  const m = /^\s*under\s+(.*)$/s.exec(pattern);
  const body = (m ? m[1]! : pattern).trim();
  const quoted = '"' + body.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\t/g, '\\t').replace(/\r/g, '\\r') + '"';
  return m ? `under ${quoted}` : quoted;
}

/**
 * Expands a promise pattern into normalised IR globs, with the policy's own variables (its
 * `let`s, when it came as text) and the `vars` overrides.
 *
 * @example
 * promiseGlobs(loadPolicyInput(text, { vars: { HOME: '/home/u' } }), 'under $HOME/.ssh');
 * // ['/home/u/.ssh', '/home/u/.ssh/**']
 */
export function promiseGlobs(p: LoadedPolicy, pattern: string): string[] {
  const rule = `allow stat ${target(pattern)}`;
  // Appended to the policy's own text so its `let`s apply; the extra rule is the last one lowered.
  const text = p.text !== undefined ? `${p.text}\n${rule}\n` : `policy "promise" abi ${p.ir.abi}\n${rule}\n`;
  const file = p.file ?? '<promise>';
  const c = compilePolicyText(text, { file, vars: p.vars, load: fileLoader() });
  if (!c.ok) {
    const errors = c.diagnostics.filter((d) => d.severity === 'error');
    throw new Error(`bad promise pattern ${JSON.stringify(pattern)}: ${errors.map((d) => d.message).join('; ')}`);
  }
  const last = c.policy.rules[c.policy.rules.length - 1];
  if (!last) throw new Error(`bad promise pattern ${JSON.stringify(pattern)}`);
  return last.patterns;
}
