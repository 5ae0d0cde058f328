/**
 * `fdwarden check` and `fdwarden test`: a policy's diagnostics, then its inline `test` and
 * `property` blocks. With `--json`, diagnostics come as ESLint's JSON formatter gives them (one
 * result per file, `ruleId` the FW code, `severity` 2 for errors and 1 otherwise), and `test`
 * adds each expectation's outcome. Exit 1 on an error or a failure.
 */
import { resolve } from 'node:path';
import type { CompiledPolicy, PolicyDiagnostic } from '../index.js';
import { runExpects } from '../rules/policy-tests.js';
import { checkVarsUsed, loadPolicy, parseVars, type LoadedPolicy } from './load-policy.js';
import { one, parseOptions, UsageError } from './options.js';
import { parseSeed, propertySummary, runProperties } from './properties.js';

/** The `test --json` report's format: bump `version` on any change a reader could notice. */
export const TEST_JSON = { format: 'fdwarden-test', version: 1 } as const;

const out = (s: string): void => { process.stdout.write(s.endsWith('\n') ? s : s + '\n'); };

/** One result per policy file, as ESLint's `--format json` prints them. */
export function eslintResults(diagnostics: readonly PolicyDiagnostic[], files: Iterable<string>) {
  const byFile = new Map<string, PolicyDiagnostic[]>([...files].map((f) => [f, []]));
  for (const d of diagnostics) {
    if (!byFile.has(d.span.file)) byFile.set(d.span.file, []);
    byFile.get(d.span.file)!.push(d);
  }
  return [...byFile].map(([file, ds]) => {
    const errors = ds.filter((d) => d.severity === 'error').length;
    return {
      filePath: resolve(file),
      messages: ds.map((d) => ({
        ruleId: d.code, severity: d.severity === 'error' ? 2 : 1, message: d.message,
        line: d.span.line, column: d.span.col, endLine: d.span.endLine, endColumn: d.span.endCol,
        ...(d.help !== undefined ? { help: d.help } : {}),
      })),
      errorCount: errors, warningCount: ds.length - errors,
      fatalErrorCount: 0, fixableErrorCount: 0, fixableWarningCount: 0,
    };
  });
}

function resultsOf(compiled: CompiledPolicy) {
  return eslintResults(compiled.diagnostics, compiled.sources.keys());
}

/** The policy with its diagnostics on stderr (unless a JSON report carries them); `ok` false on errors. */
function load(file: string, vars: readonly string[] | undefined, json: boolean): LoadedPolicy & { ok: boolean } {
  const parsed = parseVars(vars);
  const loaded = loadPolicy(file, parsed);
  if (loaded.report && !json) process.stderr.write(loaded.report.endsWith('\n') ? loaded.report : loaded.report + '\n');
  if (loaded.compiled.ok) checkVarsUsed(parsed, loaded.compiled);
  return { ...loaded, ok: loaded.compiled.ok };
}

export async function checkCommand(argv: readonly string[]): Promise<number> {
  const p = parseOptions(argv, { var: { value: true, repeat: true }, json: {} });
  if (p.positional.length !== 1) throw new UsageError('usage: fdwarden check POLICY [--var NAME=VALUE]... [--json]');
  const json = p.flags.has('json');
  const file = p.positional[0]!;
  const loaded = load(file, p.options.get('var'), json);
  if (json) out(JSON.stringify(resultsOf(loaded.compiled)));
  if (!loaded.compiled.ok) return 1;
  if (json) return 0;
  const pol = loaded.compiled.policy;
  out(`${file}: ok (abi ${pol.abi}, ${pol.rules.length} rules, default ${pol.default.effect}${pol.default.effect === 'deny' ? ` ${pol.default.errno}` : ''})`);
  return 0;
}

export async function testCommand(argv: readonly string[]): Promise<number> {
  const p = parseOptions(argv, { var: { value: true, repeat: true }, cwd: { value: true }, seed: { value: true }, json: {} });
  if (p.positional.length !== 1) throw new UsageError('usage: fdwarden test POLICY [--var NAME=VALUE]... [--cwd DIR] [--seed N] [--json]');
  const json = p.flags.has('json');
  const seed = parseSeed(one(p, 'seed'));
  const file = p.positional[0]!;
  const loaded = load(file, p.options.get('var'), json);
  if (!loaded.compiled.ok) {
    if (json) out(JSON.stringify({ ...TEST_JSON, results: resultsOf(loaded.compiled), expects: [], properties: { held: 0, broken: 0, report: [] }, passed: 0, failed: 0 }));
    return 1;
  }
  const compiled = loaded.compiled;
  const cwdText = one(p, 'cwd') ?? '/';
  const cwd = cwdText.startsWith('/') ? cwdText : resolve(cwdText);
  const { expects, text, passed, failed } = runExpects(compiled, cwd, (f) => resolve(f));
  if (!json) text.forEach(out);
  const report: string[] = [];
  const props = await runProperties(compiled, parseVars(p.options.get('var')), seed, json ? (s) => report.push(s) : out);
  if (json) out(JSON.stringify({ ...TEST_JSON, results: resultsOf(compiled), expects, properties: { ...props, report }, passed, failed }));
  else out(`${passed} passed, ${failed} failed${propertySummary(props)}`);
  return failed || props.broken ? 1 : 0;
}
