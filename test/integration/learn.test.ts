/**
 * `fdwarden learn` on real recordings: the learned policy compiles clean, passes its own tests,
 * lets `audit` replay the same recordings with zero denials, and still denies writes outside the
 * recorded work directories.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readLog } from '../../src/cli/inputs.js';
import { learnCommand } from '../../src/cli/learn.js';
import { compilePolicyText, type CompiledPolicy } from '../../src/dsl/index.js';
import { fileLoader } from '../../src/dsl/load-fs.js';
import { audit } from '../../src/rules/auditor.js';
import { engineFor } from '../../src/rules/engine.js';
import { judgeSingle } from '../../src/rules/single.js';
import { learn, verifyLearned, type TraceInput } from '../../src/learn/index.js';
import { loadSnapshotView } from '../../src/state/live-view.js';
import { emptyView } from '../../src/state/view.js';

const ROOT = join(import.meta.dirname, '../..');
const FIXTURES = join(ROOT, 'test/fixtures/traces');
const SHARED = join(ROOT, '../shared/traces');
// System names come from the snapshot recorded with the fixtures; the shared recordings come
// with none, so their replays know only what they create and what their successes prove.
const SNAPSHOT = join(FIXTURES, 'system.json');
const view = loadSnapshotView(SNAPSHOT);
const viewOf = (dir: string) => (dir === FIXTURES ? view : emptyView);

function traces(dir: string): TraceInput[] {
  return readFileSync(join(dir, 'INDEX.tsv'), 'utf8').trim().split('\n').map((l) => {
    const [name, cwd] = l.split('\t');
    return {
      name: name!,
      lines: readLog(join(dir, `${name}.strace`)),
      replay: { view: viewOf(dir), cwd: cwd!.replace(/^cwd=/, ''), inherit: [0, 1, 2].map((fd) => ({ fd, path: '/dev/null' })) },
    };
  });
}

const WRITES_OUTSIDE = ['"/etc/evil", O_WRONLY|O_CREAT', '"/root/x", O_WRONLY|O_CREAT', '"/etc/passwd", O_WRONLY|O_TRUNC'];

function expectDeniesOutside(compiled: CompiledPolicy): void {
  const engine = engineFor(compiled.policy);
  for (const args of WRITES_OUTSIDE) {
    const r = judgeSingle(engine, 'openat', `AT_FDCWD, ${args}, 0644`);
    expect(r.ok && r.verdict.allowed, args).toBe(false);
  }
}

/** The policy's own `test` block, run as `fdwarden test` runs it. */
function expectOwnTestsPass(compiled: CompiledPolicy): void {
  const engine = engineFor(compiled.policy);
  const cases = compiled.tests.flatMap((t) => t.expects);
  expect(cases.some((x) => x.decision === 'allow')).toBe(true);
  expect(cases.filter((x) => x.decision === 'deny')).toHaveLength(1);
  for (const x of cases) {
    const r = judgeSingle(engine, x.syscall, x.argsText);
    expect(r.ok && r.verdict.allowed, x.call).toBe(x.decision === 'allow');
  }
}

function learnAndCheck(ts: TraceInput[]) {
  const r = learn(ts, { file: '/learned/learned.policy', systemInclude: 'learned-system.policy' });
  expect(r.compiled.diagnostics).toEqual([]);
  expect(r.compiled.policy.default).toMatchObject({ effect: 'deny', errno: 'EACCES' });
  expect(r.compiled.policy.unknown).toMatchObject({ effect: 'deny', errno: 'EACCES' });
  // What reaches beyond the guest (an abstract socket) cannot be learned: it is the only thing denied, and listed.
  const unlearnable = r.collected.unlearnable.map((u) => `${u.trace}:${u.lineNo} ${u.syscall}`);
  for (const v of verifyLearned(ts, r.compiled)) {
    expect(v.denials.map((d) => `${v.trace}:${d.lineNo} ${d.syscall}`)).toEqual(unlearnable.filter((u) => u.startsWith(`${v.trace}:`)));
    expect(v.syscalls).toBeGreaterThan(50);
  }
  expectDeniesOutside(r.compiled);
  expectOwnTestsPass(r.compiled);
  // Every generalisation is listed in the comment block at the top.
  const head = r.main.slice(0, r.main.indexOf('policy "learned"'));
  for (const g of r.proposal.generalisations) expect(head).toContain(g.dir);
  return r;
}

describe('learn on the project recordings', () => {
  for (const t of traces(FIXTURES)) {
    it(`${t.name}: audit of the recording under the learned policy denies nothing it could learn`, () => {
      const r = learnAndCheck([t]);
      const beyond = t.name === 'pipes-sockets' ? [{ trace: t.name, lineNo: 435, syscall: 'bind', reason: 'reaches the abstract socket @"fdw-abstract" (a `network allow abstract` statement would allow it)' }] : [];
      expect(r.collected.unlearnable).toEqual(beyond);
    });
  }

  it('one policy for all recordings at once', () => learnAndCheck(traces(FIXTURES)));

  it('without generalisations (a threshold no directory reaches) every name is exact, odd names too', () => {
    const ts = traces(FIXTURES).filter((t) => ['odd-names', 'deleted-files', 'tree-ops'].includes(t.name));
    const r = learn(ts, { threshold: 1_000_000 });
    expect(r.proposal.rules.every((x) => x.kind === 'path')).toBe(true);
    expect(r.compiled.diagnostics).toEqual([]);
    for (const v of verifyLearned(ts, r.compiled)) expect(v.denials).toEqual([]);
  });
});

describe('fdwarden learn (command)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fdw-learn-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const trace = join(FIXTURES, 'sqlite-wal.strace');

  it('writes OUT and OUT-system.policy beside it; both check clean and audit denies nothing', async () => {
    const out = join(dir, 'wal.policy');
    expect(await learnCommand([trace, '--index', join(FIXTURES, 'INDEX.tsv'), '--fs', SNAPSHOT, '-o', out, '--verify'])).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('include "wal-system.policy"');
    expect(existsSync(join(dir, 'wal-system.policy'))).toBe(true);
    const compiled = compilePolicyText(readFileSync(out, 'utf8'), { file: out, load: fileLoader() });
    expect(compiled.diagnostics).toEqual([]);
    const report = audit(readLog(trace), engineFor(compiled.policy), { view, cwd: '/tmp/fdw-rec/sqlite-wal', inherit: [0, 1, 2].map((fd) => ({ fd, path: '/dev/null' })) });
    expect(report.summary.denied).toBe(0);
    expectDeniesOutside(compiled);
  });

  it('--base leaves out what the base allows and includes it', async () => {
    const out = join(dir, 'based.policy');
    const base = join(ROOT, 'examples/policies/workdir-system.policy');
    expect(await learnCommand([trace, '--cwd', '/tmp/fdw-rec/sqlite-wal', '--fs', SNAPSHOT, '--base', base, '-o', out, '--verify'])).toBe(0);
    const text = readFileSync(out, 'utf8');
    expect(text).toMatch(/^include ".*workdir-system\.policy"$/m);
    expect(text).toMatch(/recorded paths are left to the base policy/);
    expect(text).not.toContain('/usr/lib/x86_64-linux-gnu/libc.so.6');
    expect(compilePolicyText(text, { file: out, load: fileLoader() }).diagnostics).toEqual([]);
  });

  it('refuses a base that sets default or unknown', async () => {
    await expect(learnCommand([trace, '--base', join(ROOT, 'examples/policies/workdir.policy')])).rejects.toThrow(/cannot be included/);
  });
});

describe.skipIf(!existsSync(join(SHARED, 'INDEX.tsv')))('learn on ../shared/traces', () => {
  it('each recording: zero denials under its learned policy, writes outside denied', () => {
    for (const t of traces(SHARED)) learnAndCheck([t]);
  });
  it('all recordings in one policy', () => learnAndCheck(traces(SHARED)));
});

if (!existsSync(join(SHARED, 'INDEX.tsv'))) console.log(`learn.test: skipping the shared traces: ${SHARED}/INDEX.tsv is absent`);
