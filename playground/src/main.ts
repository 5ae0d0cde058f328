/**
 * The playground page: a policy editor, a recording, the decisions on each of its lines with
 * their explanations, test blocks, diff, learn and a WALI run, all computed in the page by the
 * library (session.ts); the state lives in the URL (share.ts).
 */
import type { EditorView } from '@codemirror/view';
import type { CompiledPolicy, PolicyDiagnostic } from 'fdwarden';
import { renderDiagnostics } from 'fdwarden';
import { latin1String, unusedVar, type AuditReport, type SnapshotJson } from 'fdwarden/browser';
import { policyEditor, setText } from './editor.js';
import { renderResults } from './results.js';
import { auditTraceInChunks, compile, diffText, explainText, learnFrom, ownDiagnostics, parseVarsField, runTests, type Audited, type TraceInput } from './session.js';
import { decodeState, encodeState, LIMITS, type SharedState } from './share.js';
import { runProperties } from './properties.js';
import { mountRunPane, type RunPane } from './run-pane.js';

interface Manifest {
  policies: string[];
  traces: { id: string; file: string; cwd: string; vars: string; snapshot: string; policy: string }[];
  wasm: string | null;
}

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing`);
  return el as T;
};

async function text(url: string): Promise<string> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return r.text();
}

async function bytes(url: string): Promise<Uint8Array> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

const manifest = JSON.parse(await text('assets/manifest.json')) as Manifest;
const files = new Map<string, string>();
await Promise.all(manifest.policies.map(async (p) => files.set(p, await text(`assets/${p}`))));
const traceCache = new Map<string, { text: string; snapshot: SnapshotJson }>();

async function shippedTrace(id: string): Promise<{ text: string; snapshot: SnapshotJson }> {
  let t = traceCache.get(id);
  if (!t) {
    const m = manifest.traces.find((x) => x.id === id)!;
    // Logs are bytes: one char per byte, as the CLI reads them (latin1).
    const [log, snap] = await Promise.all([bytes(m.file), text(m.snapshot)]);
    t = { text: latin1String(log), snapshot: JSON.parse(snap) as SnapshotJson };
    traceCache.set(id, t);
  }
  return t;
}

const first = manifest.traces[0]!;
// A link is a stranger's input: decodeState bounds and checks it; a refused one is said so, and
// the page starts from its defaults (the refused fragment leaves the address bar).
const decoded = await decodeState(location.hash);
if (decoded && 'error' in decoded) {
  const box = $('link-error');
  box.textContent = `This link's state was not loaded: ${decoded.error}. The page starts from its defaults.`;
  box.hidden = false;
  history.replaceState(null, '', location.pathname + location.search);
}
const initial: SharedState = decoded && 'state' in decoded ? decoded.state : {
  policy: files.get(first.policy) ?? '', file: first.policy, vars: first.vars, trace: first.id, cwd: first.cwd,
};
let state: SharedState = initial;

// ---- compile once per text, shared by the linter and the audit ----
let compiled: { key: string; c: CompiledPolicy } | undefined;
function compiledFor(policyText: string, file: string): CompiledPolicy {
  const key = JSON.stringify([policyText, file, state.vars]);
  if (compiled?.key !== key) compiled = { key, c: compile(policyText, file, parseVarsField(state.vars).vars, files) };
  return compiled.c;
}
let oldCompiled: { key: string; c: CompiledPolicy } | undefined;
function oldFor(policyText: string, file: string): CompiledPolicy {
  const key = JSON.stringify([policyText, file, state.vars]);
  if (oldCompiled?.key !== key) oldCompiled = { key, c: compile(policyText, file, parseVarsField(state.vars).vars, files) };
  return oldCompiled.c;
}

// ---- controls ----
const policySelect = $<HTMLSelectElement>('policy-select');
const oldSelect = $<HTMLSelectElement>('old-select');
for (const p of manifest.policies) {
  policySelect.add(new Option(p, p));
  oldSelect.add(new Option(p, p));
}
policySelect.value = manifest.policies.includes(state.file) ? state.file : '';
const traceSelect = $<HTMLSelectElement>('trace-select');
for (const t of manifest.traces) traceSelect.add(new Option(`${t.id}.strace`, t.id));
traceSelect.add(new Option('paste a log…', 'paste'));
const varsField = $<HTMLTextAreaElement>('vars');
const cwdField = $<HTMLInputElement>('trace-cwd');
const pasteField = $<HTMLTextAreaElement>('trace-paste');
varsField.value = state.vars.split(/\s+/).filter(Boolean).join('\n');
cwdField.value = state.cwd;
traceSelect.value = state.trace;
pasteField.value = state.pasted ?? '';

const editor: EditorView = policyEditor({
  parent: $('policy-editor'), doc: state.policy, label: 'policy',
  diagnostics: (t) => ownDiagnostics(compiledFor(t, state.file), state.file),
  onChange: (t) => update({ policy: t }),
});
let oldEditor: EditorView | undefined;
function showOld(): void {
  $('old-file').textContent = state.old?.file ?? '(none saved)';
  if (!state.old) return;
  if (!oldEditor) {
    oldEditor = policyEditor({
      parent: $('old-editor'), doc: state.old.policy, label: 'old policy',
      diagnostics: (t) => ownDiagnostics(oldFor(t, state.old!.file), state.old!.file),
      onChange: (t) => update({ old: { file: state.old!.file, policy: t } }, false),
    });
  } else if (oldEditor.state.doc.toString() !== state.old.policy) setText(oldEditor, state.old.policy);
}
showOld();

// ---- the audit ----
let audited: (Audited & { c: CompiledPolicy }) | undefined;
let firstShown = false;
let auditTimer: ReturnType<typeof setTimeout> | undefined;
/** The latest audit; an older one still running stops at its next chunk. */
let auditGen = 0;

async function traceInput(): Promise<TraceInput | undefined> {
  if (state.trace === 'paste') {
    // Typed text is UTF-8, as a log file holding it would be.
    const t = state.pasted ?? '';
    const snapshot = state.fs === 'system' ? (await shippedTrace(manifest.traces[0]!.id)).snapshot : undefined;
    return t.trim() === '' ? undefined : { text: encodeUtf8(t), cwd: state.cwd, snapshot };
  }
  const m = manifest.traces.find((x) => x.id === state.trace);
  if (!m) return undefined;
  const t = await shippedTrace(m.id);
  return { text: t.text, cwd: state.cwd, snapshot: t.snapshot };
}

function encodeUtf8(t: string): string {
  return latin1String(new TextEncoder().encode(t));
}

function showProblems(c: CompiledPolicy): void {
  const vars = parseVarsField(state.vars);
  const others = c.diagnostics.filter((d: PolicyDiagnostic) => d.span.file !== state.file);
  const lines = [...vars.problems.map((p) => `--var: ${p}`)];
  const unused = c.ok ? unusedVar(vars.vars, c) : undefined;
  if (unused !== undefined) lines.push(`${unused} (fdwarden refuses such a command line; the page decides without it)`);
  if (others.length) lines.push(renderDiagnostics(others, c.sources));
  const errors = c.diagnostics.filter((d) => d.severity === 'error').length;
  if (errors) lines.unshift(`${errors} error${errors === 1 ? '' : 's'}: nothing is decided until the policy compiles`);
  $('policy-problems').textContent = lines.join('\n');
}

async function runAudit(): Promise<void> {
  const gen = ++auditGen;
  const c = compiledFor(state.policy, state.file);
  showProblems(c);
  const input = await traceInput();
  if (gen !== auditGen) return;
  const counts = $('counts');
  $('trace-note').textContent = state.trace === 'paste'
    ? (state.fs === 'system' ? 'Names the log did not create are taken from the snapshot of the recording machine.' : 'Names the log did not create are unknown, unless a call on them succeeded in the log.')
    : `Replayed on the snapshot of the recording machine's system names (as --fs examples/traces/system.json).`;
  if (!c.ok || !input) {
    audited = undefined;
    for (const k of Object.keys(counts.dataset)) delete counts.dataset[k];
    counts.textContent = !c.ok ? 'The policy has errors: nothing is decided until it compiles.' : 'No recording.';
    $('results').replaceChildren();
    return;
  }
  const a = await auditTraceInChunks(c, input, (done, total) => {
    for (const k of Object.keys(counts.dataset)) delete counts.dataset[k];
    counts.textContent = `auditing line ${done} of ${total}…`;
  }, () => gen === auditGen);
  if (!a) return;
  audited = { ...a, c };
  await showResults(a.report, a.lines, () => gen === auditGen);
  if (gen !== auditGen) return;
  if (!firstShown) {
    firstShown = true;
    performance.mark('fdwarden:first-decision');
    document.body.dataset['firstDecision'] = String(Math.round(performance.now()));
  }
}

/** Audits again shortly after the last change; `data-pending` on the body says one is due. */
function scheduleAudit(): void {
  clearTimeout(auditTimer);
  document.body.dataset['pending'] = '';
  auditTimer = setTimeout(() => void runAudit().finally(() => {
    if (auditTimer === timer) delete document.body.dataset['pending'];
  }), 200);
  const timer = auditTimer;
}

async function showResults(report: AuditReport, lines: string[], current: () => boolean): Promise<void> {
  await renderResults($('counts'), $('results'), report, lines, current);
  if (selected !== undefined) showExplanation(selected);
}

let selected: number | undefined;
function showExplanation(line: number): void {
  selected = line;
  for (const el of $('results').querySelectorAll('.selected')) el.classList.remove('selected');
  $('results').querySelector(`[data-line="${line}"]`)?.classList.add('selected');
  const j = audited?.report.judged.get(line);
  const out = $('explanation');
  out.dataset['line'] = String(line);
  if (!audited || !j) {
    // As `fdwarden explain --trace T --line N` says it.
    const trace = state.trace === 'paste' ? 'pasted.strace' : `examples/traces/${state.trace}.strace`;
    out.textContent = `${trace}:${line}: no filesystem decision on this line`;
    return;
  }
  out.textContent = explainText(audited.c, j).text;
}
for (const id of ['decided-only', 'denied-only']) {
  const box = $<HTMLInputElement>(id);
  box.addEventListener('change', () => $('results').classList.toggle(id, box.checked));
}
$('results').addEventListener('click', (ev) => {
  const row = (ev.target as HTMLElement).closest<HTMLElement>('.line');
  if (row?.dataset['line']) showExplanation(Number(row.dataset['line']));
});

// ---- state changes ----
let hashTimer: ReturnType<typeof setTimeout> | undefined;
function update(change: Partial<SharedState>, audit = true): void {
  state = { ...state, ...change };
  if (change.policy !== undefined || change.vars !== undefined) compiled = undefined;
  clearTimeout(hashTimer);
  hashTimer = setTimeout(() => void saveHash(), 300);
  if (audit) scheduleAudit();
}

/** Puts the state in the address bar; false when no link could carry it (the page would refuse it). */
async function saveHash(): Promise<boolean> {
  const full = { ...state, ...(runPane ? { run: runPane.state() } : {}) };
  const bytes = new TextEncoder().encode(JSON.stringify(full)).length;
  const h = await encodeState(full);
  if (bytes > LIMITS.inflated || h.length - 2 > LIMITS.fragment) {
    $('status').textContent = `the state is too large for a link (${bytes} bytes of JSON, ${h.length} characters; a link holds ${LIMITS.inflated} and ${LIMITS.fragment})`;
    return false;
  }
  history.replaceState(null, '', `#${h}`);
  document.body.dataset['hash'] = h;
  return true;
}

function loadPolicyFile(p: string): void {
  state = { ...state, file: p, policy: files.get(p) ?? '' };
  $('policy-file').textContent = p;
  compiled = undefined;
  setText(editor, state.policy);
}
$('policy-file').textContent = state.file;
policySelect.addEventListener('change', () => loadPolicyFile(policySelect.value));
varsField.addEventListener('input', () => update({ vars: varsField.value }));
cwdField.addEventListener('input', () => update({ cwd: cwdField.value }));
pasteField.addEventListener('input', () => update({ pasted: pasteField.value }));
traceSelect.addEventListener('change', () => {
  const m = manifest.traces.find((x) => x.id === traceSelect.value);
  if (m) {
    varsField.value = m.vars.split(/\s+/).join('\n');
    cwdField.value = m.cwd;
    update({ trace: m.id, cwd: m.cwd, vars: m.vars });
  } else update({ trace: 'paste' });
  $('paste-label').hidden = traceSelect.value !== 'paste';
  $('fs-label').hidden = traceSelect.value !== 'paste';
});
$('paste-label').hidden = state.trace !== 'paste';
$('fs-label').hidden = state.trace !== 'paste';
const fsField = $<HTMLSelectElement>('trace-fs');
fsField.value = state.fs ?? 'empty';
fsField.addEventListener('change', () => update({ fs: fsField.value === 'system' ? 'system' : 'empty' }));

// ---- tests ----
$('run-tests').addEventListener('click', () => void (async () => {
  const box = $<HTMLDetailsElement>('tests-box');
  box.open = true;
  const out = $('test-output');
  const c = compiledFor(state.policy, state.file);
  if (!c.ok) {
    out.textContent = renderDiagnostics(c.diagnostics, c.sources);
    out.dataset['failed'] = 'error';
    return;
  }
  out.textContent = 'running…';
  await new Promise((r) => setTimeout(r, 0));
  const run = runTests(c, state.cwd || '/');
  const lines = [...run.text];
  let props;
  try {
    props = await runProperties({ policy: state.policy, file: state.file, vars: parseVarsField(state.vars).vars, files: [...files] }, (l) => lines.push(l));
  } catch (e) {
    lines.push(`properties could not be checked: ${e instanceof Error ? e.message : String(e)}`);
    props = { held: 0, broken: 1, summary: '' };
  }
  lines.push(`${run.passed} passed, ${run.failed} failed${props.summary}`);
  out.textContent = lines.join('\n');
  out.dataset['passed'] = String(run.passed);
  out.dataset['failed'] = String(run.failed);
  out.dataset['propertiesBroken'] = String(props.broken);
})());

// ---- diff ----
$('save-copy').addEventListener('click', () => {
  update({ old: { policy: state.policy, file: `${state.file.replace(/\.policy$/, '')}-saved.policy` } }, false);
  showOld();
});
oldSelect.value = '';
oldSelect.addEventListener('change', () => {
  const p = oldSelect.value;
  update({ old: { policy: files.get(p) ?? '', file: p } }, false);
  showOld();
});
$('diff').addEventListener('click', () => {
  $<HTMLDetailsElement>('diff-box').open = true;
  const out = $('diff-output');
  if (!state.old) {
    out.textContent = 'Save a copy (or load an old policy) first.';
    return;
  }
  const o = oldFor(state.old.policy, state.old.file);
  const n = compiledFor(state.policy, state.file);
  if (!o.ok || !n.ok) {
    out.textContent = [o, n].filter((c) => !c.ok).map((c) => renderDiagnostics(c.diagnostics, c.sources)).join('\n\n');
    return;
  }
  const words = state.vars.split(/\s+/).filter(Boolean);
  const d = diffText(o, n, state.old.file, state.file, words);
  out.textContent = 'error' in d ? d.error : d.text;
  if (!('error' in d)) out.dataset['label'] = d.json.label;
});

// ---- learn ----
let learned: string | undefined;
$('learn').addEventListener('click', () => void (async () => {
  $<HTMLDetailsElement>('learn-box').open = true;
  const input = await traceInput();
  if (!input) {
    $('learn-output').textContent = 'No recording to learn from.';
    return;
  }
  // Named as the CLI names a trace given from the repository's root.
  const name = state.trace === 'paste' ? 'pasted.strace' : `examples/traces/${state.trace}.strace`;
  const r = learnFrom(name, input);
  const notes = [
    ...r.collected.unlearnable.map((u) => `${u.trace}:${u.lineNo}: ${u.syscall}: no grant can allow it (${u.reason})`),
    `${r.collected.calls} calls, ${r.collected.uses.size} paths: ${r.proposal.rules.length} rules, ${r.proposal.generalisations.length} generalisations`,
  ];
  if (r.compiled.diagnostics.length) notes.push(renderDiagnostics(r.compiled.diagnostics, r.compiled.sources));
  $('learn-notes').textContent = notes.join('\n');
  $('learn-output').textContent = r.main;
  learned = r.main;
  $<HTMLButtonElement>('load-learned').disabled = false;
})());
$('load-learned').addEventListener('click', () => {
  if (learned === undefined) return;
  state = { ...state, file: 'learned.policy' };
  $('policy-file').textContent = state.file;
  policySelect.value = '';
  setText(editor, learned);
});

// ---- share ----
$('share').addEventListener('click', () => void (async () => {
  clearTimeout(hashTimer);
  if (!(await saveHash())) return;
  try {
    await navigator.clipboard.writeText(location.href);
    $('status').textContent = 'link copied';
  } catch {
    $('status').textContent = 'link in the address bar';
  }
})());

// ---- run pane ----
let runPane: RunPane | undefined;
runPane = mountRunPane($('run-pane'), {
  wasmUrl: manifest.wasm,
  policy: () => ({ text: state.policy, file: state.file, vars: parseVarsField(state.vars).vars, files: [...files] }),
  initial: state.run,
  onChange: () => update({}, false),
});

await runAudit();
