/**
 * A streamed audit keeps what does not grow with the log: fed the same recording three times,
 * it reports three times the counts with the same denial groups, no per-line record, and at most
 * 20 line numbers per group. The CLI reads the log a chunk at a time.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Auditor, audit } from '../../src/rules/auditor.js';
import { compilePolicyText } from '../../src/dsl/index.js';
import { engineFor } from '../../src/rules/engine.js';
import { emptyView } from '../../src/state/view.js';
import { tempDir } from '../temp-dirs.js';

const ROOT = join(import.meta.dirname, '../..');
const CLI = join(ROOT, 'bin/fdwarden.js');
const TRACE = join(ROOT, 'test/fixtures/traces/escape-workdir.strace');
const CWD = '/tmp/fdw-rec/escape-workdir';
const POLICY = `policy "w" abi 1\ndefault deny errno EACCES\nallow * under ${CWD}\nallow read,stat,list,exec under /usr\nallow read,stat under /etc\n`;
const STDIO = [0, 1, 2].map((fd) => ({ fd, path: '/dev/null' }));

function engine() {
  const c = compilePolicyText(POLICY);
  if (!c.ok) throw new Error('policy');
  return engineFor(c.policy);
}

describe('a streamed audit', () => {
  const lines = readFileSync(TRACE, 'latin1').split('\n');

  test('three copies of a log: the same counts and groups as audit() over the array, without per-line records', () => {
    const three = [...lines, ...lines, ...lines];
    const streamed = new Auditor(engine(), { view: emptyView, cwd: CWD, inherit: STDIO, linesPerGroup: 2 });
    three.forEach((l, i) => streamed.feed(l, i + 1));
    const b = streamed.report();
    const a = audit(three, engine(), { view: emptyView, cwd: CWD, inherit: STDIO });
    expect(a.summary.denied).toBeGreaterThan(0);
    expect(b.summary).toEqual(a.summary);
    expect(b.groups.map((g) => [g.key, g.count, g.example.lineNo])).toEqual(a.groups.map((g) => [g.key, g.count, g.example.lineNo]));
    expect(b.groups.some((g) => g.count > 2)).toBe(true);
    for (const g of b.groups) expect(g.lines.length).toBeLessThanOrEqual(2);
    expect(b.judged.size).toBe(0);
    expect(b.denials).toEqual([]);
    expect(a.judged.size).toBeGreaterThan(0);
    // Each group's example is explained: the resolution steps of every path it resolved are recorded.
    const paths = b.groups.flatMap((g) => g.example.verdict.checks).filter((c) => c.check.role !== 'fd' && c.check.object.path !== undefined);
    expect(paths.length).toBeGreaterThan(5);
    for (const c of paths) expect(c.check.object.steps?.length, c.check.object.path).toBeGreaterThan(0);
  });

  test('audit() over an array keeps every denial, grouped the same way', () => {
    const r = audit(lines, engine(), { view: emptyView, cwd: CWD, inherit: STDIO });
    expect(r.denials.length).toBe(r.summary.denied);
    expect(r.groups.reduce((n, g) => n + g.count, 0)).toBe(r.summary.denied);
  });

  test('the CLI streams the log: counts and groups of a log read a chunk at a time, the JSON with its format and version', () => {
    const dir = tempDir('fdwarden-stream-');
    const big = join(dir, 'big.strace');
    // Over a megabyte, so lines cross the reader's chunks.
    const text = readFileSync(TRACE, 'latin1');
    const copies = Math.ceil((1.5 * (1 << 20)) / text.length);
    writeFileSync(big, Buffer.from(text.repeat(copies), 'latin1'));
    const policy = join(dir, 'p.policy');
    writeFileSync(policy, POLICY);
    const r = spawnSync(process.execPath, [CLI, 'audit', '--policy', policy, '--fs', 'empty', '--cwd', CWD, '--json', big], { encoding: 'utf8' });
    expect(r.status).toBe(3);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ format: 'fdwarden-audit', version: 2 });
    const all = audit(readFileSync(big, 'latin1').split('\n'), engine(), { view: emptyView, cwd: CWD, inherit: STDIO });
    expect(report.denied).toBe(all.summary.denied);
    expect(report.denials.map((d: { count: number; line: number }) => [d.line, d.count])).toEqual(all.groups.map((g) => [g.example.lineNo, g.count]));
    const text2 = spawnSync(process.execPath, [CLI, 'audit', '--policy', policy, '--fs', 'empty', '--cwd', CWD, big], { encoding: 'utf8' }).stdout;
    expect(text2).toMatch(/ more like it, on lines \d+(, \d+)*( and \d+ more)?\n/);
  });

  test('explain --trace --line past the end of the log is an error', () => {
    const dir = tempDir('fdwarden-stream-');
    const policy = join(dir, 'p.policy');
    writeFileSync(policy, POLICY);
    const r = spawnSync(process.execPath, [CLI, 'explain', '--policy', policy, '--cwd', CWD, '--trace', TRACE, '--line', String(lines.length + 5)], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/there is no line/);
  });
});
