/**
 * `fdwarden run` end to end: real wasm binaries (compiled from test/wali/programs with clang) on
 * the Node WALI host under allowing and denying policies, asserting what is on disk afterwards
 * and the errnos the programs saw.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { tempDir } from '../temp-dirs.js';
import { compileWali } from '../wali/build.js';

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'fdwarden.js');
let wasm: Record<string, string>;

beforeAll(() => {
  wasm = Object.fromEntries(['rmrf', 'renamecwd', 'dupclose', 'fsops'].map((n) => [n, compileWali(n)]));
});

function workdir(): string {
  return tempDir('fdwarden-run-');
}

function policyFile(dir: string, body: string): string {
  const f = join(dir, 'p.policy');
  writeFileSync(f, `policy "t" abi 1\ndefault deny errno EACCES\n${body}\n`);
  return f;
}

function run(args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, 'run', ...args], { encoding: 'latin1' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A tree: w/tree/{a.txt, keep/{f, g}, sub/{x, deep/y}, link -> ../outside}. */
function tree(root: string): void {
  mkdirSync(join(root, 'w', 'tree', 'keep'), { recursive: true });
  mkdirSync(join(root, 'w', 'tree', 'sub', 'deep'), { recursive: true });
  for (const f of ['a.txt', 'keep/f', 'keep/g', 'sub/x', 'sub/deep/y']) writeFileSync(join(root, 'w', 'tree', f), f);
  writeFileSync(join(root, 'w', 'outside'), 'precious');
}

describe('fdwarden run: recursive delete with dirfds', () => {
  test('allowed: the whole tree is gone', () => {
    const d = workdir();
    tree(d);
    const pol = policyFile(d, 'allow * under /w');
    const r = run(['--policy', pol, '--dir', `${join(d, 'w')}=/w`, wasm['rmrf']!, '/w/tree']);
    expect(r.err).toBe('');
    expect([r.code, r.out]).toEqual([0, '']);
    expect(existsSync(join(d, 'w', 'tree'))).toBe(false);
    expect(readFileSync(join(d, 'w', 'outside'), 'latin1')).toBe('precious');
  });

  test('denied below a dirfd: the program sees the rule errno, the protected files stay, the rest goes', () => {
    const d = workdir();
    tree(d);
    const pol = policyFile(d, 'allow * under /w\ndeny delete,rmdir under /w/tree/keep errno EPERM because "kept"');
    const r = run(['--policy', pol, '--dir', `${join(d, 'w')}=/w`, wasm['rmrf']!, '/w/tree']);
    expect(r.code).toBe(1);
    expect(r.out.split('\n').filter(Boolean).sort()).toEqual([
      'unlinkat(/w/tree) = -39', // ENOTEMPTY: keep/ is still there
      'unlinkat(/w/tree/keep) = -1', // rmdir of keep itself is under the deny too
      'unlinkat(/w/tree/keep/f) = -1',
      'unlinkat(/w/tree/keep/g) = -1',
    ].sort());
    expect(readdirSync(join(d, 'w', 'tree')).sort()).toEqual(['keep']);
    expect(readdirSync(join(d, 'w', 'tree', 'keep')).sort()).toEqual(['f', 'g']);
    expect(r.err).toContain('deny EPERM unlinkat /w/tree/keep/f [delete]');
  });
});

describe('fdwarden run: a program that renames its cwd\'s parent and keeps using relative paths', () => {
  test('allowed: the relative paths land in the renamed directory', () => {
    const d = workdir();
    mkdirSync(join(d, 'w'));
    const pol = policyFile(d, 'allow * under /w');
    const r = run(['--policy', pol, '--dir', `${join(d, 'w')}=/w`, wasm['renamecwd']!, '/w/old', '/w/new']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('renameat2(/w/old, /w/new) = 0');
    expect(r.out).toContain('cwd = "/w/new/sub"');
    expect(readFileSync(join(d, 'w', 'new', 'sub', 'after.txt'), 'latin1')).toBe('after\n');
    expect(existsSync(join(d, 'w', 'new', 'sub', 'd'))).toBe(true);
  });

  test('the policy follows the rename: writes after it are judged at the new name', () => {
    const d = workdir();
    mkdirSync(join(d, 'w'));
    // /w/new may be read but not written: the rename narrows rights, so it is allowed (no escalation).
    const pol = policyFile(d, 'allow * under /w\ndeny write,create,mkdir under /w/new errno EROFS');
    const r = run(['--policy', pol, '--dir', `${join(d, 'w')}=/w`, wasm['renamecwd']!, '/w/old', '/w/new']);
    expect(r.out).toContain('renameat2(/w/old, /w/new) = 0');
    expect(r.out).toContain('openat(after.txt) = -30');
    expect(r.out).toContain('mkdir(d) = -30');
    expect(r.code).toBe(1);
    expect(readdirSync(join(d, 'w', 'new', 'sub'))).toEqual([]);
  });

  test('a rename that would gain rights is refused with EXDEV and changes nothing', () => {
    const d = workdir();
    mkdirSync(join(d, 'w'));
    const pol = policyFile(d, 'allow * under /w\ndeny write under /w/old errno EROFS');
    const r = run(['--policy', pol, '--dir', `${join(d, 'w')}=/w`, wasm['renamecwd']!, '/w/old', '/w/new']);
    expect(r.out).toContain('renameat2(/w/old, /w/new) = -18');
    expect(existsSync(join(d, 'w', 'old', 'sub'))).toBe(true);
    expect(existsSync(join(d, 'w', 'new'))).toBe(false);
  });
});

describe('fdwarden run: dup and close', () => {
  test('allowed: every fd result is Linux\'s and the shared offset shows in the file', () => {
    const d = workdir();
    mkdirSync(join(d, 'w'));
    const pol = policyFile(d, 'allow * under /w');
    const r = run(['--policy', pol, '--dir', `${join(d, 'w')}=/w`, wasm['dupclose']!, '/w/f']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('dup3 fd fd = -22');
    expect(r.out).toContain('write closed = -9');
    expect(readFileSync(join(d, 'w', 'f'), 'latin1')).toBe('abcdef');
  });

  test('denied: the open fails with the rule errno and no file appears', () => {
    const d = workdir();
    mkdirSync(join(d, 'w'));
    const pol = policyFile(d, 'allow read,stat,list under /w');
    const r = run(['--policy', pol, '--dir', `${join(d, 'w')}=/w`, wasm['dupclose']!, '/w/f']);
    expect(r.out.split('\n')[0]).toBe('openat = -13');
    expect(r.code).toBe(1);
    expect(existsSync(join(d, 'w', 'f'))).toBe(false);
  });
});

describe('fdwarden run: threaded builds (shared memory, exported or imported)', () => {
  test.each(['shared', 'imported-shared'] as const)('%s: file work succeeds, a denied write fails with the rule errno and leaves the disk alone', (variant) => {
    const d = workdir();
    mkdirSync(join(d, 'w', 'ro'), { recursive: true });
    writeFileSync(join(d, 'w', 'ro', 'keep'), 'keep');
    const pol = policyFile(d, 'allow * under /w\ndeny write,delete under /w/ro errno EROFS');
    const ops = ['mkdir', '/w/d', 'open', '/w/d/f', 'O_CREAT|O_WRONLY', 'write', '$2', 'hello', 'cat', '/w/d/f',
      'open', '/w/ro/keep', 'O_WRONLY|O_TRUNC', 'unlink', '/w/ro/keep', 'cat', '/w/ro/keep'];
    const r = run(['--policy', pol, '--dir', `${join(d, 'w')}=/w`, compileWali('fsops', variant), ...ops]);
    expect(r.err).not.toContain('Error');
    expect(r.out).toBe([
      'mkdir /w/d = 0', 'open /w/d/f O_CREAT|O_WRONLY = 3', 'write $2 hello = 5', 'cat /w/d/f = 5 "hello"',
      'open /w/ro/keep O_WRONLY|O_TRUNC = -30', 'unlink /w/ro/keep = -30', 'cat /w/ro/keep = 4 "keep"', '',
    ].join('\n'));
    expect(r.code).toBe(0);
    expect(readFileSync(join(d, 'w', 'd', 'f'), 'latin1')).toBe('hello');
    expect(readFileSync(join(d, 'w', 'ro', 'keep'), 'latin1')).toBe('keep');
  });
});

describe('fdwarden run: escapes and audit', () => {
  test('a symlink out of the mounts names nothing; a hidden file is ENOENT; --audit logs every decision', () => {
    const d = workdir();
    mkdirSync(join(d, 'w'));
    writeFileSync(join(d, 'w', 'secret'), 'key');
    writeFileSync(join(d, 'w', 'open'), 'hello');
    const pol = policyFile(d, 'allow * under /w\ndeny * /w/secret errno ENOENT because "hidden"');
    const r = run(['--policy', pol, '--audit', '--dir', `${join(d, 'w')}=/w`, wasm['fsops']!,
      'symlink', '/etc/passwd', '/w/l', 'cat', '/w/l', 'cat', '/w/secret', 'cat', '/w/open', 'unlink', '/w/secret']);
    expect(r.out.split('\n').filter(Boolean)).toEqual([
      'symlink /etc/passwd /w/l = 0',
      'cat /w/l = -2',
      'cat /w/secret = -2',
      'cat /w/open = 5 "hello"',
      'unlink /w/secret = -2',
    ]);
    expect(readFileSync(join(d, 'w', 'secret'), 'latin1')).toBe('key');
    expect(r.err).toContain('allow open /w/open [read]');
    expect(r.err).toContain('deny ENOENT open /w/secret [read]');
    expect(r.code).toBe(0);
  });

  test('the environment file the host hands the guest is readable whatever the policy; nothing else there is', () => {
    const d = workdir();
    mkdirSync(join(d, 'w'));
    const pol = policyFile(d, 'allow * under /w');
    const r = run(['--policy', pol, '--dir', `${join(d, 'w')}=/w`, '--env', 'GREETING=hi', wasm['fsops']!, 'cat', '/.wali/env', 'open', '/.wali/other', 'O_WRONLY|O_CREAT']);
    expect(r.out.split('\n').filter(Boolean)).toEqual(['cat /.wali/env = 12 "GREETING=hi\\n"', 'open /.wali/other O_WRONLY|O_CREAT = -13']);
  });

  test('a program that traps ends with one line naming the trap and status 134; its output so far stays', () => {
    const d = workdir();
    mkdirSync(join(d, 'w'));
    const pol = policyFile(d, 'allow * under /w');
    const r = run(['--policy', pol, '--dir', `${join(d, 'w')}=/w`, wasm['fsops']!, 'mkdir', '/w/before', 'trap', 'mkdir', '/w/after']);
    expect(r.code).toBe(134);
    expect(r.out).toBe('mkdir /w/before = 0\n');
    expect(r.err).toMatch(/^fdwarden run: \S+fsops\.wasm trapped: unreachable \(in .*wasm-function.*\)\n$/);
    expect(existsSync(join(d, 'w', 'before'))).toBe(true);
    expect(existsSync(join(d, 'w', 'after'))).toBe(false);
  });

  test('usage errors are clear; the exit code is the program\'s', () => {
    const d = workdir();
    mkdirSync(join(d, 'w'));
    const pol = policyFile(d, 'allow * under /w');
    expect(run([wasm['fsops']!]).err).toContain('needs a policy file');
    const r = run(['--policy', pol, '--dir', `${join(d, 'w')}=/w`, wasm['fsops']!, 'exit', '7']);
    expect(r.code).toBe(7);
    // Host options that cannot work: one line each, status 1.
    for (const [args, line] of [
      [['--dir', `${join(d, 'w')}=/w`, '--cwd', '/nope'], 'fdwarden run: guest cwd /nope: ENOENT'],
      [['--dir', `${join(d, 'missing')}=/w`], `fdwarden run: mount source ${join(d, 'missing')}: ENOENT`],
      [['--dir', `${join(d, 'w')}=/w`, '--dir', `${d}=/w`], 'fdwarden run: two mounts at /w'],
    ] as const) {
      const bad = run(['--policy', pol, ...args, wasm['fsops']!, 'getcwd']);
      expect([bad.code, bad.err]).toEqual([1, `${line}\n`]);
    }
  });

  test('a file that is not a runnable WALI module gets one line saying why, and status 1', () => {
    const d = workdir();
    mkdirSync(join(d, 'w'));
    const pol = policyFile(d, 'allow * under /w');
    writeFileSync(join(d, 'text.wasm'), 'not wasm');
    writeFileSync(join(d, 'empty.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
    for (const [file, why] of [['text.wasm', /expected magic word/], ['empty.wasm', /the module exports no memory/]] as const) {
      const r = run(['--policy', pol, '--dir', `${join(d, 'w')}=/w`, join(d, file)]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(new RegExp(`^fdwarden run: \\S+${file.replace('.', '\\.')} is not a WALI program this host can run: `));
      expect(r.err).toMatch(why);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
  });
});
