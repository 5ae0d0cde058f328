/** Loading a policy file for a command: `--var` overrides, includes from disk, diagnostics on stderr. */
import { readFileSync } from 'node:fs';
import { compilePolicyText, renderDiagnostics, varsFromArgs, type CompiledPolicy } from '../dsl/index.js';
import { fileLoader } from '../dsl/load-fs.js';
import { readableFile, UsageError } from './options.js';
import { unusedVar } from '../dsl/vars-used.js';

/** `--var NAME=VALUE` (repeatable; a repeated NAME makes a list), read by the language itself. */
export function parseVars(specs: readonly string[] | undefined): Record<string, string[]> {
  const r = varsFromArgs(specs ?? []);
  const bad = r.diagnostics[0];
  if (bad) throw new UsageError(`${bad.message} (${bad.help ?? 'write --var NAME=VALUE'})`);
  return r.vars;
}

/** Every `--var NAME` must name a variable some loaded policy file writes (src/dsl/vars-used.ts); a usage error otherwise. */
export function checkVarsUsed(vars: Record<string, string[]>, ...compiled: CompiledPolicy[]): void {
  const problem = unusedVar(vars, ...compiled);
  if (problem !== undefined) throw new UsageError(problem);
}

export interface LoadedPolicy {
  compiled: CompiledPolicy;
  /** Rendered diagnostics (errors and warnings), ready for stderr. */
  report: string;
}

export function loadPolicy(file: string, vars: Record<string, string[]>): LoadedPolicy {
  readableFile(file);
  const text = readFileSync(file, 'utf8');
  const compiled = compilePolicyText(text, { file, vars, load: fileLoader() });
  const report = compiled.diagnostics.length ? renderDiagnostics(compiled.diagnostics, compiled.sources) : '';
  return { compiled, report };
}

/**
 * The policy a command was given, its diagnostics on stderr (unless `quiet`: a JSON report
 * carries them), or exit status 1 when it has errors.
 */
export function loadPolicyOrStatus(file: string | undefined, vars: readonly string[] | undefined, quiet = false): LoadedPolicy | number {
  if (!file) throw new UsageError('needs a policy file (--policy POLICY)');
  const parsed = parseVars(vars);
  const p = loadPolicy(file, parsed);
  if (p.report && !quiet) process.stderr.write(p.report.endsWith('\n') ? p.report : p.report + '\n');
  if (!p.compiled.ok) return 1;
  checkVarsUsed(parsed, p.compiled);
  return p;
}
