/**
 * `fdwarden audit`, `explain`: thin wrappers over the library (`check` and `test` are policy-check.ts). Exit codes:
 * 0 fine, 1 errors (bad policy, bad usage, failing tests), 3 when an audit found denials.
 */
import { Auditor } from '../rules/auditor.js';
import { auditTrace } from './audit.js';
import { forEachLine } from './read-lines.js';
import { engineFor } from '../rules/engine.js';
import { explain, renderExplanation } from '../rules/explain.js';
import { judgeSingle } from '../rules/single.js';
import { callFromText } from './call-text.js';
import { displayExplanation } from '../rules/display.js';
import { loadPolicyOrStatus, type LoadedPolicy } from './load-policy.js';
import { sourceLineOf } from '../rules/policy-tests.js';
import { one, parseOptions, UsageError } from './options.js';
import { parseInherit, requireSyscall, startDir, viewFor } from './inputs.js';
import { resolve } from 'node:path';
import { parseSeed, propertySummary, runProperties } from './properties.js';

const out = (s: string): void => { process.stdout.write(s.endsWith('\n') ? s : s + '\n'); };
const err = (s: string): void => { if (s) process.stderr.write(s.endsWith('\n') ? s : s + '\n'); };


function auditOptions(argv: readonly string[]) {
  return parseOptions(argv, {
    policy: { value: true }, var: { value: true, repeat: true }, cwd: { value: true }, inherit: { value: true, repeat: true },
    fs: { value: true }, json: {}, trace: { value: true }, line: { value: true },
  });
}

function replayOpts(p: ReturnType<typeof auditOptions>) {
  const inherit = p.options.get('inherit');
  return {
    view: viewFor(one(p, 'fs')),
    cwd: startDir(one(p, 'cwd')),
    // Without --inherit, fds 0-2 are taken to be inherited from /dev/null (the usual recording set-up).
    inherit: inherit ? parseInherit(inherit) : [0, 1, 2].map((fd) => ({ fd, path: '/dev/null' })),
  };
}

export async function auditCommand(argv: readonly string[]): Promise<number> {
  const p = auditOptions(argv);
  if (p.positional.length !== 1) throw new UsageError('usage: fdwarden audit --policy POLICY TRACE [--cwd DIR] [--var NAME=VALUE]... [--json]');
  const loaded = loadPolicyOrStatus(one(p, 'policy'), p.options.get('var'));
  if (typeof loaded === 'number') return loaded;
  requireSyscall(p.positional[0]!);
  return auditTrace(p.positional[0]!, loaded, replayOpts(p), p.flags.has('json'));
}

export async function explainCommand(argv: readonly string[]): Promise<number> {
  const p = auditOptions(argv);
  const loaded = loadPolicyOrStatus(one(p, 'policy'), p.options.get('var'));
  if (typeof loaded === 'number') return loaded;
  const policy = loaded.compiled.policy;
  const engine = engineFor(policy);
  const render = (v: Parameters<typeof explain>[1]) => {
    const e = displayExplanation(explain(policy, v));
    out(p.flags.has('json') ? JSON.stringify(e) : renderExplanation(e, (s) => sourceLineOf(loaded.compiled, s)));
    return v.allowed ? 0 : 3;
  };
  const trace = one(p, 'trace');
  if (trace) {
    const line = Number(one(p, 'line'));
    if (!Number.isInteger(line) || line < 1) throw new UsageError('--trace needs --line N (a line number of the trace)');
    requireSyscall(trace);
    const auditor = new Auditor(engine, { ...replayOpts(p), keepLine: line });
    const lines = forEachLine(trace, (text, n) => {
      auditor.feed(text, n);
      return n < line;
    });
    if (lines < line) throw new UsageError(`${trace} has ${lines} lines: there is no line ${line}`);
    const hit = auditor.report().judged.get(line);
    if (!hit) {
      out(`${trace}:${line}: no filesystem decision on this line`);
      return 0;
    }
    return render(hit.verdict);
  }
  if (p.positional.length !== 1) throw new UsageError("usage: fdwarden explain --policy POLICY ( --trace TRACE --line N | 'syscall(args...)' )");
  const call = callFromText(p.positional[0]!);
  return explainOne(call.name, call.argsText);

  function explainOne(name: string, argsText: string): number {
    const cwd = one(p, 'cwd') ?? '/';
    const r = judgeSingle(engine, name, argsText, cwd.startsWith('/') ? cwd : resolve(cwd));
    if (!r.ok) throw new UsageError(r.error);
    const code = render(r.verdict);
    // Linux's getname: an empty path is ENOENT unless AT_EMPTY_PATH makes the call act on the dirfd.
    if (r.verdict.cause === 'kernel' && r.verdict.errno === 'ENOENT' && !argsText.includes('AT_EMPTY_PATH') && /(^|,)\s*""\s*(,|$)/.test(argsText) && !p.flags.has('json')) {
      out('  note: an empty path names nothing: Linux refuses it with ENOENT unless the call passes AT_EMPTY_PATH');
    }
    return code;
  }
}
