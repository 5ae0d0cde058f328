/**
 * What the page computes, without the DOM: the policy compiled with its variables and the shipped
 * files it includes, a recording audited and each line explained, test blocks, a diff and a
 * learned policy. Every step is the library's own code, the one the CLI runs, so the page shows
 * what `fdwarden check / audit / explain / test / diff / learn` print for the same inputs.
 */
import {
  compilePolicyText, diffPolicies, emptyView, engineFor, explain, renderExplanation,
  type CompiledPolicy, type Explanation, type PolicyDiagnostic,
} from 'fdwarden';
import {
  Auditor, byteString, diffJson, displayExplanation, learn, logLines, probeCall, renderDiff, runExpects, shellLine,
  snapshotView, sourceLineOf, varsFromArgs, type AuditReport, type ExpectRun, type Judged, type LearnResult, type SnapshotJson,
} from 'fdwarden/browser';

/** Files the page ships (policies by their repository path), for includes. */
export type Files = ReadonlyMap<string, string>;

export interface Vars {
  vars: Record<string, string[]>;
  /** `--var` words that are not NAME=VALUE, as the CLI reports them. */
  problems: string[];
}

/** The vars field: one `NAME=VALUE` per line or separated by blanks, read as `--var` is. */
export function parseVarsField(text: string): Vars {
  const words = text.split(/\s+/).filter((w) => w !== '');
  const r = varsFromArgs(words);
  return { vars: r.vars, problems: r.diagnostics.map((d) => `${d.message}${d.help ? ` (${d.help})` : ''}`) };
}

export function compile(text: string, file: string, vars: Record<string, string[]>, files: Files): CompiledPolicy {
  return compilePolicyText(text, { file, vars, load: (f) => files.get(f) });
}

/** Diagnostics of the edited file itself (an included file's are listed apart). */
export function ownDiagnostics(c: CompiledPolicy, file: string): PolicyDiagnostic[] {
  return c.diagnostics.filter((d) => d.span.file === file);
}

export interface TraceInput {
  /** The log as the model's byte string. */
  text: string;
  cwd: string | undefined;
  snapshot: SnapshotJson | undefined;
}

export interface Audited {
  report: AuditReport;
  lines: string[];
}

/** Fds 0-2 on /dev/null, as `fdwarden audit` assumes without --inherit. */
const STDIO = [0, 1, 2].map((fd) => ({ fd, path: '/dev/null' }));

function replayOptions(t: TraceInput) {
  return { view: t.snapshot ? snapshotView(t.snapshot) : emptyView, cwd: t.cwd === undefined || t.cwd === '' ? undefined : byteString(t.cwd), inherit: STDIO };
}

/** Lines audited between two turns given back to the page. */
const CHUNK = 2000;

/**
 * A recording audited as `audit` does (the same Auditor fed the same lines in order), in chunks,
 * so the page keeps answering while a long log is audited. `progress` hears the lines done; when
 * `current()` turns false (a newer audit started) it stops and gives undefined.
 */
export async function auditTraceInChunks(c: CompiledPolicy, t: TraceInput, progress: (done: number, total: number) => void, current: () => boolean): Promise<Audited | undefined> {
  const lines = logLines(t.text);
  const a = new Auditor(engineFor(c.policy), { ...replayOptions(t), keepAll: true });
  for (let i = 0; i < lines.length; i++) {
    a.feed(lines[i]!, i + 1);
    if ((i + 1) % CHUNK === 0 && i + 1 < lines.length) {
      progress(i + 1, lines.length);
      await new Promise((r) => setTimeout(r, 0));
      if (!current()) return undefined;
    }
  }
  return { report: a.report(), lines };
}

/** A judged line's explanation, as `fdwarden explain --trace T --line N` prints it. */
export function explainText(c: CompiledPolicy, j: Judged): { text: string; explanation: Explanation } {
  const e = displayExplanation(explain(c.policy, j.verdict));
  return { text: renderExplanation(e, (s) => sourceLineOf(c, s)), explanation: e };
}

/** A line's decision in a word: allowed, denied ERRNO, or refused by the kernel. */
export function decisionOf(j: Judged): { kind: 'allowed' | 'denied' | 'kernel'; label: string; unknown: boolean } {
  const v = j.verdict;
  const unknown = v.checks.some((ch) => ch.unknown !== undefined);
  if (v.allowed) return { kind: 'allowed', label: 'allowed', unknown };
  if (v.cause === 'kernel') return { kind: 'kernel', label: `kernel ${v.errno ?? ''}`.trim(), unknown };
  return { kind: 'denied', label: `denied ${v.errno ?? ''}`.trim(), unknown };
}

export function runTests(c: CompiledPolicy, cwd: string): ExpectRun {
  return runExpects(c, cwd.startsWith('/') ? cwd : '/');
}

export interface DiffShown {
  text: string;
  json: ReturnType<typeof diffJson>;
}

/** `fdwarden diff OLD NEW` as the CLI prints it (its explain lines name the new file), or the reason it stopped. */
export function diffText(oldC: CompiledPolicy, newC: CompiledPolicy, oldName: string, newName: string, varWords: readonly string[]): DiffShown | { error: string } {
  let d;
  try {
    d = diffPolicies(oldC.policy, newC.policy);
  } catch (e) {
    if (e instanceof RangeError) return { error: `undecided: ${e.message}; the policies are too large to compare within the bound` };
    throw e;
  }
  const explainLine = (ch: { right: string; path: string; context: { flags: number } }) => {
    const call = probeCall(ch.right, ch.path, ch.context.flags);
    return call === undefined ? undefined : shellLine(['fdwarden', 'explain', '--policy', newName, ...varWords.flatMap((v) => ['--var', v]), call]);
  };
  return { text: renderDiff(d, oldName, newName, explainLine).join('\n'), json: diffJson(d, oldName, newName, explainLine) };
}

/** A policy learned from one recording, system reads inline (as `fdwarden learn TRACE` on stdout). */
export function learnFrom(name: string, t: TraceInput): LearnResult {
  return learn([{ name, lines: logLines(t.text), replay: replayOptions(t) }], { file: 'learned.policy' });
}
