/**
 * `fdwarden audit`: a recording replayed through the model and judged, streamed: the log is read
 * a chunk at a time and denials are grouped (`Auditor`), so memory stays flat in the log's
 * length. Exit 0 nothing denied, 3 something was, 1 errors.
 */
import { Auditor, type DenialGroup } from '../rules/auditor.js';
import { engineFor } from '../rules/engine.js';
import { explain, renderExplanation } from '../rules/explain.js';
import type { IrPolicy } from '../rules/ir.js';
import type { LoadedPolicy } from './load-policy.js';
import { sourceLineOf } from '../rules/policy-tests.js';
import { forEachLine } from './read-lines.js';
import { displayExplanation, displayPaths } from '../rules/display.js';

/** The `--json` report's format: bump `version` on any change a reader could notice. */
export const AUDIT_JSON = { format: 'fdwarden-audit', version: 2 } as const;

const out = (s: string): void => { process.stdout.write(s.endsWith('\n') ? s : s + '\n'); };
const err = (s: string): void => { process.stderr.write(s.endsWith('\n') ? s : s + '\n'); };

/** Audits `trace` under the loaded policy, printing the report; the exit code. */
export function auditTrace(trace: string, loaded: LoadedPolicy, replay: ConstructorParameters<typeof Auditor>[1], json: boolean): number {
  const policy = loaded.compiled.policy;
  const auditor = new Auditor(engineFor(policy), replay);
  forEachLine(trace, (line, n) => auditor.feed(line, n));
  const report = auditor.report();
  for (const d of report.diagnostics) err(`fdwarden: ${trace}:${d.lineNo}: ${d.message}`);
  if (report.moreDiagnostics > 0) err(`fdwarden: ${trace}: ${report.moreDiagnostics} more lines could not be read`);
  const s = report.summary;
  if (json) {
    const denials = report.groups.map((g) => groupJson(g, policy));
    out(JSON.stringify({ ...AUDIT_JSON, ...s, denials, perRight: displayPaths(report.perRight) }));
  } else {
    const anyway = s.deniedButFailedAnyway ? ` (${s.deniedButFailedAnyway} of them failed in the recording anyway)` : '';
    const kinds = report.groups.length > 0 && report.groups.length < s.denied ? ` in ${report.groups.length} kinds` : '';
    out(`${trace}: ${s.syscalls} syscalls decided, ${s.allowed} allowed, ${s.denied} denied${kinds}${anyway}, ${s.unknown} on unknown objects`);
    for (const [right, paths] of Object.entries(report.perRight)) {
      const denied = Object.entries(paths).filter(([, c]) => c.denied > 0);
      out(`  ${right}: ${Object.keys(paths).length} paths${denied.length ? `, ${denied.length} denied` : ''}`);
    }
    for (const g of report.groups) out(groupText(g, loaded));
  }
  return s.denied > 0 ? 3 : 0;
}

function groupJson(g: DenialGroup, policy: IrPolicy) {
  const d = g.example;
  return {
    line: d.lineNo, tid: d.tid, syscall: d.syscall, ...(d.recordedErrno ? { recordedErrno: d.recordedErrno } : {}),
    count: g.count, failedAnyway: g.failedAnyway, lines: g.lines, explanation: displayExplanation(explain(policy, d.verdict)),
  };
}

/** The group's first denial explained, then how many more were the same and where. */
function groupText(g: DenialGroup, loaded: LoadedPolicy): string {
  const d = g.example;
  const text = renderExplanation(displayExplanation(explain(loaded.compiled.policy, d.verdict)), (s) => sourceLineOf(loaded.compiled, s));
  // A call that failed anyway loses nothing; enforcing changes only the errno the program sees.
  const first = text.indexOf('\n');
  const note = d.recordedErrno ? ` (the recorded call failed anyway: ${d.recordedErrno})` : '';
  let s = `\nline ${d.lineNo} (pid ${d.tid}): ` + (first < 0 ? text + note : text.slice(0, first) + note + text.slice(first));
  if (g.count > 1) {
    const more = g.count - g.lines.length;
    s += `\n  ${g.count - 1} more like it, on lines ${g.lines.slice(1).join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
  }
  return s;
}
