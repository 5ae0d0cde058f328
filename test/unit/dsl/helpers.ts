/** Shared helpers for the policy-language tests. */
import { compilePolicyText, type CompiledPolicy, type Diagnostic, type PolicyOptions } from '../../../src/dsl/index.js';

export const HEADER = 'policy "p" abi 1\n';

/** Compile `text` as `p.policy` (with a loader over `files`, when given). */
export function compile(text: string, opts: PolicyOptions & { files?: Record<string, string> } = {}): CompiledPolicy {
  const { files, ...rest } = opts;
  const o: PolicyOptions = { file: 'p.policy', ...rest };
  if (files) o.load = (f) => files[f];
  return compilePolicyText(text, o);
}

/** `CODE@line:col` of each diagnostic, for compact assertions. */
export function where(diags: readonly Diagnostic[]): string[] {
  return diags.map((d) => `${d.code}@${d.span.line}:${d.span.col}`);
}

export function errors(r: CompiledPolicy): Diagnostic[] {
  return r.diagnostics.filter((d) => d.severity === 'error');
}
