/** Loading a policy file for a command: `--var` overrides, includes from disk, diagnostics on stderr. */
import { readFileSync } from 'node:fs';
import { compilePolicyText, fileLoader, renderDiagnostics, type CompiledPolicy } from '../dsl/index.js';
import { UsageError } from './options.js';

/** `--var NAME=VALUE` (repeatable; a repeated NAME makes a list). */
export function parseVars(specs: readonly string[] | undefined): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const s of specs ?? []) {
    const m = /^\$?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(s);
    if (!m) throw new UsageError(`--var wants NAME=VALUE, got '${s}' (e.g. --var WORK=/srv/job)`);
    const [, name, value] = m as unknown as [string, string, string];
    const prev = out[name];
    out[name] = prev === undefined ? value : [...(Array.isArray(prev) ? prev : [prev]), value];
  }
  return out;
}

export interface LoadedPolicy {
  compiled: CompiledPolicy;
  /** Rendered diagnostics (errors and warnings), ready for stderr. */
  report: string;
}

export function loadPolicy(file: string, vars: Record<string, string | string[]>): LoadedPolicy {
  const text = readFileSync(file, 'utf8');
  const compiled = compilePolicyText(text, { file, vars, load: fileLoader() });
  const report = compiled.diagnostics.length ? renderDiagnostics(compiled.diagnostics, compiled.sources) : '';
  return { compiled, report };
}

/** The source line a span starts on, for explanations. */
export function sourceLine(compiled: CompiledPolicy, span: { file: string; line: number }): string | undefined {
  return compiled.sources.get(span.file)?.split('\n')[span.line - 1];
}
