/**
 * The command line as tools see it: --version, a wrong command line is exit 64 on stderr, and
 * check/test --json give ESLint's JSON format for diagnostics (one result per file).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { tempDir } from '../temp-dirs.js';

const ROOT = join(import.meta.dirname, '../..');
const CLI = join(ROOT, 'bin/fdwarden.js');
const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

describe('the command line for tools', () => {
  test('--version prints the package version', () => {
    const r = run(['--version']);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect([r.status, r.stdout]).toEqual([0, `fdwarden ${pkg.version}\n`]);
  });

  test.each([[[]], [['frobnicate']], [['check']], [['audit', '--policy']], [['check', '--nope', 'x.policy']]])('a wrong command line %j: exit 64, said on stderr, nothing on stdout', (args) => {
    const r = run(args);
    expect(r.status).toBe(64);
    expect(r.stdout).toBe('');
    expect(r.stderr.length).toBeGreaterThan(0);
  });

  test('check --json: one ESLint result per file, errors with severity 2 and their FW code', () => {
    const dir = tempDir('fdwarden-json-');
    writeFileSync(join(dir, 'inc.policy'), 'allow read /b\n');
    writeFileSync(join(dir, 'p.policy'), 'policy "p" abi 1\nallow raed /a\ninclude "inc.policy"\nallow read under /c /d\n');
    const r = run(['check', '--json', join(dir, 'p.policy')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('');
    const results = JSON.parse(r.stdout) as { filePath: string; messages: { ruleId: string; severity: number; line: number; column: number }[]; errorCount: number; warningCount: number }[];
    expect(results.map((x) => x.filePath).sort()).toEqual([join(dir, 'inc.policy'), join(dir, 'p.policy')]);
    const main = results.find((x) => x.filePath === join(dir, 'p.policy'))!;
    expect(main.messages.map((m) => [m.ruleId, m.severity, m.line, m.column])).toEqual([['FW102', 2, 2, 7], ['FW604', 1, 4, 21]]);
    expect([main.errorCount, main.warningCount]).toEqual([1, 1]);
    const ok = run(['check', '--json', join(ROOT, 'examples/policies/hide-ssh.policy')]);
    expect(ok.status).toBe(0);
    expect((JSON.parse(ok.stdout) as { errorCount: number }[]).every((x) => x.errorCount === 0)).toBe(true);
  });

  test('test --json: each expectation with what it got, failures explained', () => {
    const dir = tempDir('fdwarden-json-');
    const p = join(dir, 'p.policy');
    writeFileSync(p, 'policy "p" abi 1\ndefault deny errno EACCES\nallow read under /d\ntest "t" {\n  expect allow openat(AT_FDCWD, "/d/x", O_RDONLY)\n  expect allow openat(AT_FDCWD, "/e/x", O_RDONLY)\n}\n');
    const r = run(['test', '--json', p]);
    expect(r.status).toBe(1);
    const rep = JSON.parse(r.stdout);
    expect(rep).toMatchObject({ format: 'fdwarden-test', version: 1, passed: 1, failed: 1 });
    expect(rep.expects.map((x: { ok: boolean; line: number; got: unknown }) => [x.ok, x.line, x.got])).toEqual([
      [true, 5, { decision: 'allow' }],
      [false, 6, { decision: 'deny', errno: 'EACCES' }],
    ]);
    expect(rep.expects[1].explanation.fix).toBe('allow read /e/x');
  });
});
