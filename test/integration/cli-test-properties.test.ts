/** `fdwarden test` on policies with `property` blocks: the compiled CLI in a child process. */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../temp-dirs.js';

const CLI = join(import.meta.dirname, '../../bin/fdwarden.js');

function run(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, FDWARDEN_SEED: '' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function policy(text: string): string {
  const dir = tempDir('fdwarden-props-');
  const file = join(dir, 'p.policy');
  writeFileSync(file, text);
  return file;
}

const BASE = `policy "home" abi 1
let $HOME = "/home/u"
allow * under $HOME
deny * under $HOME/.ssh errno ENOENT
tier 1 {
  allow read,stat $HOME/.ssh/known_hosts
}

test "keys" {
  expect deny ENOENT openat(AT_FDCWD, "/home/u/.ssh/id_rsa", O_RDONLY)
}
`;

const HOLDS = `${BASE}
property "keys hidden" { never read,list,stat $HOME/.ssh/{id_*,authorized_keys} }
property "known_hosts usable" {
  always read,stat $HOME/.ssh/known_hosts
  only delete,rmdir under $HOME
}
`;

const BROKEN = `${BASE}
property "keys hidden" { never read,list,stat $HOME/.ssh/{id_*,authorized_keys} }
property "ssh is sealed" {
  never read under $HOME/.ssh
}
`;

describe('fdwarden test with property blocks', () => {
  it('passes when every promise holds, and counts the properties', () => {
    const r = run(['test', policy(HOLDS)]);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')).toEqual([
      'PASS property "keys hidden"',
      'PASS property "known_hosts usable"',
      '1 passed, 0 failed; 2 properties held, 0 broken',
      '',
    ]);
    expect(r.status).toBe(0);
  });

  it('fails a broken promise with its place, a witness path, a shrunk program and the seed', () => {
    const file = policy(BROKEN);
    const r = run(['test', file]);
    expect(r.status).toBe(1);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('PASS property "keys hidden"');
    expect(lines[1]).toBe('FAIL property "ssh is sealed"');
    expect(lines[2]).toMatch(new RegExp(`^    ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:15:3: promise broken: never read under \\$HOME/\\.ssh .*seed \\d+\\]$`));
    expect(r.stdout).toMatch(/proof: read is allowed on \/home\/u\/\.ssh\/known_hosts \(witness path/);
    expect(r.stdout).toMatch(/counterexample: \d+ syscalls? .*\n\s+openat\(.*known_hosts.*<-- breaks the promise/);
    expect(r.stdout).toMatch(/allow read,stat \$HOME\/\.ssh\/known_hosts/);
    expect(lines.at(-2)).toBe('1 passed, 0 failed; 1 property held, 1 broken');
  });

  it('uses a fixed seed unless --seed says otherwise', () => {
    const file = policy(BROKEN);
    const a = run(['test', file]);
    expect(run(['test', file]).stdout).toBe(a.stdout);
    const seeded = run(['test', file, '--seed', '7']);
    expect(seeded.status).toBe(1);
    expect(seeded.stdout).toMatch(/seed 7\]/);
    const bad = run(['test', file, '--seed', 'x']);
    expect(bad.status).toBe(64);
    expect(bad.stderr).toMatch(/--seed wants a whole number/);
  });

  it('--var values reach the promises', () => {
    const r = run(['test', policy(BROKEN), '--var', 'HOME=/srv/h']);
    expect(r.stdout).toMatch(/proof: read is allowed on \/srv\/h\/\.ssh\/known_hosts/);
    expect(r.status).toBe(1);
  });

  it('a policy with a broken property block does not run', () => {
    const r = run(['test', policy(`${BASE}property "p" {\n  nevr read /x\n}\n`)]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/p\.policy:13:3: error\[FW003\]: unknown keyword `nevr`[^]*did you mean `never`/);
    expect(r.stderr).not.toMatch(/FW505/);
  });

  it('the example policies pass their own tests and keep their promises, with their defaults and with other --var values', () => {
    const root = join(import.meta.dirname, '../..');
    for (const [name, vars] of [
      ['hide-ssh', []], ['build', []], ['workdir', []],
      ['hide-ssh', ['HOME=/home/you']], ['build', ['SRC=/path/to/src', 'OUT=/path/to/out']], ['workdir', ['WORK=/tmp/fdw-rec/deleted-files']],
    ] as const) {
      const r = run(['test', join(root, `examples/policies/${name}.policy`), ...vars.flatMap((v) => ['--var', v])]);
      // The inline tests name their paths through the same variables, so they follow --var.
      expect(r.stdout, `${name} ${vars.join(' ')}`).toMatch(/^\d+ passed, 0 failed; \d+ propert(y|ies) held, 0 broken$/m);
      expect(r.status, name).toBe(0);
    }
  });
});
