/** Loading a policy file for a command: `--var` overrides, includes from disk, diagnostics on stderr. */
import { readFileSync } from 'node:fs';
import { compilePolicyText, renderDiagnostics, varsFromArgs, type CompiledPolicy } from '../dsl/index.js';
import { fileLoader } from '../dsl/load-fs.js';
import { UsageError } from './options.js';

/** `--var NAME=VALUE` (repeatable; a repeated NAME makes a list), read by the language itself. */
export function parseVars(specs: readonly string[] | undefined): Record<string, string[]> {
  const r = varsFromArgs(specs ?? []);
  const bad = r.diagnostics[0];
  if (bad) throw new UsageError(`${bad.message} (${bad.help ?? 'write --var NAME=VALUE'})`);
  return r.vars;
}

export interface LoadedPolicy {
  compiled: CompiledPolicy;
  /** Rendered diagnostics (errors and warnings), ready for stderr. */
  report: string;
}

export function loadPolicy(file: string, vars: Record<string, string[]>): LoadedPolicy {
  const text = readFileSync(file, 'utf8');
  const compiled = compilePolicyText(text, { file, vars, load: fileLoader() });
  const report = compiled.diagnostics.length ? renderDiagnostics(compiled.diagnostics, compiled.sources) : '';
  return { compiled, report };
}

/** The source line a span starts on, for explanations. */
export function sourceLine(compiled: CompiledPolicy, span: { file: string; line: number }): string | undefined {
  return compiled.sources.get(span.file)?.split('\n')[span.line - 1];
}
