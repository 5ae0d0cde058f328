/**
 * Auditing real recordings with the shipped workdir policy: programs that stay in their work
 * directory get no denials; one that writes outside it is denied, with explanations.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../temp-dirs.js';

const ROOT = join(import.meta.dirname, '../..');
const CLI = join(ROOT, 'bin/fdwarden.js');
const TRACES = join(ROOT, 'test/fixtures/traces');
const POLICY = join(ROOT, 'examples/policies/workdir.policy');

function fixtures(): { name: string; cwd: string }[] {
  return readFileSync(join(TRACES, 'INDEX.tsv'), 'utf8').trim().split('\n').map((l) => {
    const [name, cwd] = l.split('\t');
    return { name: name!, cwd: cwd!.replace(/^cwd=/, '') };
  });
}

function auditJson(name: string, cwd: string) {
  const r = spawnSync(process.execPath, [CLI, 'audit', '--policy', POLICY, '--var', `WORK=${cwd}`, '--var', 'HOME=/tmp/fdw-rec',
    '--cwd', cwd, '--fs', join(TRACES, 'system.json'), '--json', join(TRACES, `${name}.strace`)], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr, report: JSON.parse(r.stdout || '{}') };
}

describe('fdwarden audit with examples/policies/workdir.policy', () => {
  // pipes-sockets binds an abstract unix socket: that reaches beyond the filesystem (any process
  // on the host can connect to it), which only a `network` statement allows; the policy has none.
  for (const f of fixtures().filter((x) => x.name !== 'escape-workdir' && x.name !== 'pipes-sockets')) {
    it(`${f.name}: nothing denied`, () => {
      const { status, report } = auditJson(f.name, f.cwd);
      expect(report.denials).toEqual([]);
      expect(report.syscalls).toBeGreaterThan(100);
      expect(report.denied).toBe(0);
      expect(status).toBe(0);
    });
  }

  it('pipes-sockets: only the abstract socket is denied, as network no statement allows; its socket paths are judged as paths', () => {
    const f = fixtures().find((x) => x.name === 'pipes-sockets')!;
    const { status, report } = auditJson(f.name, f.cwd);
    expect(report.denials.map((d: { syscall: string; explanation: { errno: string; checks: { refused?: string }[] } }) =>
      [d.syscall, d.explanation.errno, d.explanation.checks[0]?.refused])).toEqual([
      ['bind', 'EACCES', 'network: the abstract socket @"fdw-abstract" (EACCES), which no `network` statement allows'],
    ]);
    expect(report.perRight['mknod']).toBeDefined(); // bind of a named socket needs mknod on its path
    expect(status).toBe(3);
  });

  it('a program writing outside $WORK is denied, through "..", through a dirfd of the parent, and by a rename out', () => {
    const { status, report } = auditJson('escape-workdir', '/tmp/fdw-rec/escape-workdir');
    expect(status).toBe(3);
    const denied = report.denials.map((d: { syscall: string; explanation: { checks: { path: string }[]; errno: string; fix: string } }) => ({
      syscall: d.syscall, paths: d.explanation.checks.map((c) => c.path), errno: d.explanation.errno,
    }));
    expect(denied).toContainEqual({ syscall: 'openat', paths: ['/tmp/fdw-rec/escape-outside.txt'], errno: 'EACCES' });
    expect(denied).toContainEqual({ syscall: 'openat', paths: ['/tmp/fdw-rec/escape-dirfd.txt'], errno: 'EACCES' });
    expect(denied).toContainEqual({ syscall: 'renameat2', paths: ['/tmp/fdw-rec/escape-workdir/sub', '/tmp/fdw-rec/escape-moved'], errno: 'EACCES' });
    const viaDirfd = report.denials.find((d: { explanation: { checks: { path: string; steps: string[] }[] } }) => d.explanation.checks[0]?.path === '/tmp/fdw-rec/escape-dirfd.txt');
    expect(viaDirfd.explanation.checks[0].steps.join('\n')).toMatch(/fd\/3 jumps to \/tmp\/fdw-rec/);
    // The recording made escape-dirfd.txt (its directory was fresh), so the call needs create too:
    // the snapshot recorded with the fixtures holds no name under /tmp, whatever this machine has there.
    expect(viaDirfd.explanation.fix).toBe('allow write,truncate,create /tmp/fdw-rec/escape-dirfd.txt');
    expect(report.denied).toBe(report.denials.length);
  });

  it('a denial of a call that failed in the recording anyway is counted and marked as such', () => {
    const dir = tempDir('fdwarden-audit-');
    const log = join(dir, 'probe.strace');
    writeFileSync(log, [
      '100 openat(AT_FDCWD, "/opt/missing", O_RDONLY) = -1 ENOENT (No such file or directory)',
      '100 openat(AT_FDCWD, "/opt/present", O_RDONLY) = 3',
      '100 close(3) = 0',
      '',
    ].join('\n'));
    const policy = join(dir, 'p.policy');
    writeFileSync(policy, 'policy "p" abi 1\ndefault deny errno EACCES\n');
    const json = spawnSync(process.execPath, [CLI, 'audit', '--policy', policy, '--cwd', '/', '--json', log], { encoding: 'utf8' });
    expect(json.status).toBe(3);
    const report = JSON.parse(json.stdout);
    expect(report).toMatchObject({ denied: 2, deniedButFailedAnyway: 1 });
    expect(report.denials.map((d: { line: number; recordedErrno?: string }) => [d.line, d.recordedErrno])).toEqual([[1, 'ENOENT'], [2, undefined]]);
    const text = spawnSync(process.execPath, [CLI, 'audit', '--policy', policy, '--cwd', '/', log], { encoding: 'utf8' }).stdout;
    expect(text).toContain('2 denied (1 of them failed in the recording anyway)');
    expect(text).toContain('line 1 (pid 100): openat: denied with EACCES (the recorded call failed anyway: ENOENT)');
    expect(text).toMatch(/line 2 \(pid 100\): openat: denied with EACCES\n/);
  });

  it('exits 1 with a pointed diagnostic on a broken policy', () => {
    const r = spawnSync(process.execPath, [CLI, 'check', join(ROOT, 'test/fixtures/policies/broken.policy')], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/broken\.policy:3:7: error\[FW\d+\]/);
    expect(r.stderr).toMatch(/\^/);
    expect(r.stderr).toMatch(/help: .*read/);
  });
});

describe('the example policies', () => {
  for (const name of ['workdir', 'build', 'hide-ssh']) {
    it(`${name}.policy: checks clean and passes its inline tests`, () => {
      const file = join(ROOT, `examples/policies/${name}.policy`);
      const check = spawnSync(process.execPath, [CLI, 'check', file], { encoding: 'utf8' });
      expect(check.stderr).toBe('');
      expect(check.status).toBe(0);
      const test = spawnSync(process.execPath, [CLI, 'test', file], { encoding: 'utf8' });
      expect(test.stdout).toMatch(/^\d+ passed, 0 failed(; \d+ propert(y|ies) held, 0 broken)?$/m);
      expect(test.status).toBe(0);
    });
  }
});
