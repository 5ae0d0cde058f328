/**
 * A policy's inline `test` blocks run: each `expect` call judged alone (as `fdwarden explain`
 * judges a call) and compared with the expected decision and errno. `fdwarden test` prints and
 * reports these outcomes; the playground shows them. Node-free: file names in the JSON form are
 * passed through `fileName` (the CLI makes them absolute).
 */
import type { CompiledPolicy } from '../dsl/index.js';
import type { Span } from './ir.js';
import { engineFor } from './engine.js';
import { explain, renderExplanation } from './explain.js';
import { judgeSingle } from './single.js';

export interface ExpectRun {
  /** One object per expectation, as `fdwarden test --json` lists them. */
  expects: Record<string, unknown>[];
  /** The report lines of the failures, as `fdwarden test` prints them. */
  text: string[];
  passed: number;
  failed: number;
}

/** The source line a span starts on, for explanations. */
export function sourceLineOf(compiled: { sources: ReadonlyMap<string, string> }, span: Pick<Span, 'file' | 'line'>): string | undefined {
  return compiled.sources.get(span.file)?.split('\n')[span.line - 1];
}

/** Runs every `expect` of every `test` block of a compiled policy, calls relative to `cwd`. */
export function runExpects(compiled: CompiledPolicy, cwd: string, fileName: (file: string) => string = (f) => f): ExpectRun {
  const engine = engineFor(compiled.policy);
  const run: ExpectRun = { expects: [], text: [], passed: 0, failed: 0 };
  for (const t of compiled.tests) {
    for (const x of t.expects) {
      const r = judgeSingle(engine, x.syscall, x.argsText, cwd);
      const at = `${x.span.file}:${x.span.line}:${x.span.col}`;
      const where = { test: t.name, file: fileName(x.span.file), line: x.span.line, column: x.span.col, call: x.call, expected: { decision: x.decision, ...(x.errno ? { errno: x.errno } : {}) } };
      if (!r.ok) {
        run.failed++;
        run.expects.push({ ...where, ok: false, error: r.error });
        run.text.push(`FAIL ${t.name}: ${at}: ${x.call}: ${r.error}`);
        continue;
      }
      const v = r.verdict;
      const good = (x.decision === 'allow') === v.allowed && (x.decision === 'allow' || x.errno === undefined || x.errno === v.errno);
      const got = { decision: v.allowed ? 'allow' : 'deny', ...(v.allowed ? {} : { errno: v.errno }) };
      if (good) run.passed++;
      else run.failed++;
      const explanation = good ? undefined : explain(compiled.policy, v);
      run.expects.push({ ...where, ok: good, got, ...(explanation ? { explanation } : {}) });
      if (!good) {
        run.text.push(`FAIL ${t.name}: ${at}: expected ${x.decision}${x.errno ? ` ${x.errno}` : ''}, got ${v.allowed ? 'allow' : `deny ${v.errno}`}: ${x.call}`);
        run.text.push(renderExplanation(explanation!, (s) => sourceLineOf(compiled, s)).replace(/^/gm, '    '));
      }
    }
  }
  return run;
}
