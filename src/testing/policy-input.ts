/**
 * Whatever a user hands the kit as "the policy" (text, a file name, the IR, a compiled engine or
 * the language's compile result) becomes one loaded form: the IR, an engine, and the sources
 * explanations quote. Text and files are read here, with includes from the disk; the forms that
 * need no file system are loaded by policy-loaded.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { compilePolicyText, renderDiagnostics, type CompiledPolicy as DslCompiled } from '../dsl/index.js';
import { fileLoader } from '../dsl/load-fs.js';
import type { IrPolicy } from '../rules/ir.js';
import { engineFor, type CompiledEngine } from '../rules/engine.js';
import { lineOf, loadCompiled, type LoadedPolicy, type PolicyLoadOptions } from './policy-loaded.js';

export { promiseGlobs, type LoadedPolicy, type PolicyLoadOptions } from './policy-loaded.js';

/** Policy text, a `.policy` file name, an IrPolicy, an engine (`engineFor`) or `compilePolicyText`'s result. */
export type PolicyInput = string | IrPolicy | CompiledEngine | DslCompiled;

function compileOrThrow(text: string, file: string, vars: PolicyLoadOptions['vars'], load: NonNullable<PolicyLoadOptions['load']>): DslCompiled {
  const c = compilePolicyText(text, { file, vars: vars ?? {}, load });
  if (!c.ok) throw new Error(`policy ${file} has errors:\n${renderDiagnostics(c.diagnostics.filter((d) => d.severity === 'error'), c.sources)}`);
  return c;
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
  const load = opts.load ?? fileLoader();
  if (typeof policy === 'string') {
    const isFile = !policy.includes('\n') && existsSync(policy);
    const file = isFile ? policy : (opts.file ?? '<policy>');
    const text = isFile ? readFileSync(policy, 'utf8') : policy;
    const c = compileOrThrow(text, file, vars, load);
    return { ir: c.policy, engine: engineFor(c.policy), text, file, vars, load, sourceLine: lineOf(c.sources) };
  }
  return loadCompiled(policy, { ...opts, load });
}
