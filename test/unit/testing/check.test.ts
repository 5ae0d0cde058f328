/** Whole checks: proof + sampling, shrunk programs, the thrown message, property blocks. */
import { describe, expect, test } from 'vitest';
import {
  assertAlways, assertNever, assertOnly, buildWorld, checkNever, checkPropertyBlock, formatLine, PromiseViolation, runProgram,
  loadPolicyInput, compilePromise, findingFor,
} from '../../../src/testing/index.js';
import { HIDE_SSH, LINK_ALLOW, PUNCHED, READ_ONLY_DENY, UNKNOWN_ALLOW, VARS } from './fixtures.js';

const SSH = { right: 'read', path: 'under /home/u/.ssh' };

describe('the shipped hide-ssh policy keeps its promises', () => {
  test('never, always, only', () => {
    assertNever(HIDE_SSH, { right: 'read,write,delete,rename', path: '$HOME/.ssh/id_*' }, { vars: VARS, seed: 7 });
    assertNever(HIDE_SSH, { right: 'write,create,delete,rename,link,symlink', path: 'under $HOME/.ssh' }, { vars: VARS, seed: 7 });
    assertAlways(HIDE_SSH, { right: 'read,stat', path: '$HOME/.ssh/known_hosts' }, { vars: VARS, seed: 7 });
    assertOnly(HIDE_SSH, { right: 'delete', path: 'under {$HOME,/tmp/*}' }, { vars: VARS, seed: 7 });
  });
});

describe('broken policies are caught', () => {
  test('a tier-1 wildcard punching into ~/.ssh: witness path and a one-call program', () => {
    const r = checkNever(PUNCHED, SSH, { seed: 1 });
    expect(r.ok).toBe(false);
    expect(r.proof.witness?.path).toBe('/home/u/.ssh/keys');
    const prog = r.sample!.counterexample!.program;
    expect(prog.length).toBe(1);
    expect(prog[0]).toMatch(/^openat\(AT_FDCWD, "(\/home\/u\/)?\.ssh\/keys", O_RDONLY\) = 3$/);
    expect(r.message).toContain('allow read under /home/u/*/keys');
    expect(r.message).toContain('seed 1');
  });

  test('denying only read: a file opened outside, renamed in, read through its fd (the proof alone holds)', () => {
    const r = checkNever(READ_ONLY_DENY, SSH, { seed: 3 });
    expect(r.proof.holds).toBe(true);
    const c = r.sample!.counterexample!;
    expect(c.program.length).toBe(3);
    expect(c.program[0]).toMatch(/^openat\(AT_FDCWD, "[^"]+", O_RDONLY\) = 3$/);
    expect(c.program[1]).toMatch(/^renameat2\(AT_FDCWD, "[^"]+", AT_FDCWD, "\.ssh\/[^"]+", 0\) = 0$/);
    expect(c.program[2]).toBe('read(3, "", 4096) = 0');
    expect(c.finding.why).toMatch(/through fd 3, by rights it obtained when opened/);
    expect(r.message).toContain('granted at open');
  });

  test('assertNever throws a PromiseViolation whose message has the program and the seed', () => {
    let thrown: unknown;
    try {
      assertNever(READ_ONLY_DENY, SSH, { seed: 3 });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(PromiseViolation);
    const msg = (thrown as Error).message;
    expect(msg).toMatch(/^promise broken: never read under \/home\/u\/\.ssh/);
    expect(msg).toContain('renameat2(AT_FDCWD');
    expect(msg).toContain('<-- breaks the promise');
    expect(msg).toContain('replay with seed 3');
  });

  test('`unknown allow`: the proof says so and sampling shows an inherited dirfd', () => {
    const r = checkNever(UNKNOWN_ALLOW, SSH, { seed: 2 });
    expect(r.proof.unknownAllowed).toBe(true);
    expect(r.sample?.counterexample?.program.length).toBe(1);
    expect(r.sample?.counterexample?.program[0]).toMatch(/\b9\b/);
  });

  test('an allow on a symlink\'s own path does not reach ~/.ssh: decisions are on resolved paths', () => {
    const r = checkNever(LINK_ALLOW, SSH, { seed: 5, numRuns: 500 });
    expect(r.ok).toBe(true);
    const l = loadPolicyInput(LINK_ALLOW);
    const pr = compilePromise(l, 'never', SSH);
    const run = runProgram(l.engine, buildWorld(pr.globs), [
      { op: 'symlink', target: '.ssh', dir: { cwd: true }, path: 'link-to-ssh' },
      { op: 'open', dir: { cwd: true }, path: 'link-to-ssh/x', flags: 0 },
    ]);
    expect(run.steps.map((s) => s.line)).toEqual([
      'symlinkat(".ssh", AT_FDCWD, "link-to-ssh") = 0',
      // ~/.ssh and all in it are hidden (no right, ENOENT): through the link, x does not exist.
      'openat(AT_FDCWD, "link-to-ssh/x", O_RDONLY) = -1 ENOENT',
    ]);
    expect(run.steps.some((s) => findingFor(pr, s, 1))).toBe(false);
  });
});

describe('property blocks and formatting', () => {
  test('checkPropertyBlock takes the parsed block', () => {
    const ok = checkPropertyBlock(HIDE_SSH, { kind: 'never', right: 'read', pattern: '$HOME/.ssh/id_*' }, { vars: VARS, numRuns: 50 });
    expect(ok.ok).toBe(true);
    const bad = checkPropertyBlock(HIDE_SSH, { kind: 'only', right: 'delete', pattern: 'under $HOME' }, { vars: VARS, numRuns: 50 });
    expect(bad.ok).toBe(false);
    expect(bad.message).toContain('promise broken: only delete under $HOME');
  });

  test('numRuns 0 checks by proof alone', () => {
    const r = checkNever(READ_ONLY_DENY, SSH, { numRuns: 0 });
    expect(r.ok).toBe(true);
    expect(r.sample).toBeUndefined();
  });

  test('strace lines', () => {
    expect(formatLine({ sys: 'openat', dirfd: -100, path: '/a b"\n', flags: 0o1101, mode: 0o600 }, { ok: true, ret: 3 }))
      .toBe('openat(AT_FDCWD, "/a b\\"\\n", O_WRONLY|O_CREAT|O_TRUNC, 0600) = 3');
    expect(formatLine({ sys: 'unlinkat', dirfd: 4, path: 'x', flags: 0x200 }, { ok: false, errno: 'ENOENT' }, true))
      .toBe('unlinkat(4, "x", AT_REMOVEDIR) = -1 ENOENT (denied by policy)');
  });
});
