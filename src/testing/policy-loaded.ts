/**
 * A policy ready for checking, from forms that need no file system (the language's compile
 * result, the IR, an engine), and promise patterns expanded by the policy language itself, so
 * `$HOME`, `{a,b}` and `under` mean in a promise exactly what they mean in a rule. Node-free:
 * included files are read through the `load` the caller gives (policy-input.ts gives the disk's).
 */
import { compilePolicyText, type CompiledPolicy as DslCompiled, type Loader } from '../dsl/index.js';
import type { IrPolicy, Span } from '../rules/ir.js';
import { engineFor, type CompiledEngine } from '../rules/engine.js';
import { sourceLineOf } from '../rules/policy-tests.js';

/** How to read a policy given as text or a file. */
export interface PolicyLoadOptions {
  /** `--var NAME=VALUE` overrides, as `compilePolicyText` takes them. */
  vars?: Readonly<Record<string, string | readonly string[]>>;
  /** File name for text (spans, includes). Default `<policy>`. */
  file?: string;
  /** Reads included files by resolved name (default: from the disk, where there is one). */
  load?: Loader;
}

/** A policy ready for checking. */
export interface LoadedPolicy {
  readonly ir: IrPolicy;
  readonly engine: CompiledEngine;
  /** The root text and file, when the policy came as text or a file (promises may use its `let`s). */
  readonly text?: string;
  readonly file?: string;
  readonly vars: Readonly<Record<string, string | readonly string[]>>;
  /** Reads the files the root text includes, when promises recompile it. */
  readonly load?: Loader;
  /** Source lines by span, for explanations. */
  sourceLine(span: Span): string | undefined;
}

export function isEngine(p: object): p is CompiledEngine {
  return 'compiled' in p && 'refer' in p;
}

export function isDsl(p: object): p is DslCompiled {
  return 'ast' in p && 'policy' in p && 'sources' in p;
}

export function lineOf(sources: ReadonlyMap<string, string>): (s: Span) => string | undefined {
  return (s) => sourceLineOf({ sources }, s);
}

/** A compile result, the IR or an engine, loaded for checking. */
export function loadCompiled(policy: IrPolicy | CompiledEngine | DslCompiled, opts: PolicyLoadOptions = {}): LoadedPolicy {
  const vars = opts.vars ?? {};
  const load = opts.load !== undefined ? { load: opts.load } : {};
  if (isDsl(policy)) {
    const root = [...policy.sources.keys()][0];
    const text = root === undefined ? undefined : policy.sources.get(root);
    const base = { ir: policy.policy, engine: engineFor(policy.policy), vars, sourceLine: lineOf(policy.sources), ...load };
    return text === undefined || root === undefined ? base : { ...base, text, file: root };
  }
  if (isEngine(policy)) return { ir: policy.policy, engine: policy, vars, sourceLine: () => undefined, ...load };
  return { ir: policy, engine: engineFor(policy), vars, sourceLine: () => undefined, ...load };
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
  const c = compilePolicyText(text, { file, vars: p.vars, ...(p.load !== undefined ? { load: p.load } : {}) });
  if (!c.ok) {
    const errors = c.diagnostics.filter((d) => d.severity === 'error');
    throw new Error(`bad promise pattern ${JSON.stringify(pattern)}: ${errors.map((d) => d.message).join('; ')}`);
  }
  const last = c.policy.rules[c.policy.rules.length - 1];
  if (!last) throw new Error(`bad promise pattern ${JSON.stringify(pattern)}`);
  return last.patterns;
}
