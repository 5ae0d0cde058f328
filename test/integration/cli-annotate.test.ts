/** `fdwarden annotate` as a user runs it: the compiled CLI in a child process. */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../temp-dirs.js';

const CLI = join(import.meta.dirname, '../../bin/fdwarden.js');

function run(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'latin1' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function log(lines: string[]): string {
  const dir = tempDir('fdwarden-cli-');
  const file = join(dir, 'x.strace');
  writeFileSync(file, lines.join('\n') + '\n', 'latin1');
  return file;
}

describe('fdwarden annotate', () => {
  it('annotates from the model, reports a malformed line with its number and goes on', () => {
    const file = log([
      '100   openat(AT_FDCWD</stale>, "sub/f", O_WRONLY|O_CREAT, 0644) = 3</stale/sub/f>',
      '100   this is not strace output',
      '100   dup2(3, 1) = 1',
      '100   close(3) = 0',
      '100   write(1, "x", 1) = 1',
    ]);
    const r = run(['annotate', file, '--cwd', '/w', '--fs', 'empty', '--inherit', '1=/dev/null']);
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')).toEqual([
      '100   openat(AT_FDCWD</w>, "sub/f", O_WRONLY|O_CREAT, 0644) = 3</w/sub/f>',
      '100   this is not strace output',
      '100   dup2(3</w/sub/f>, 1</dev/null>) = 1</w/sub/f>',
      '100   close(3</w/sub/f>) = 0',
      '100   write(1</w/sub/f>, "x", 1) = 1',
      '',
    ]);
    expect(r.stderr).toMatch(/x\.strace:2: malformed line/);
  });

  it('leaves fds it never saw unannotated when no fds are declared', () => {
    const file = log(['7 read(0, "", 10) = 0', '7 fcntl(5, F_GETFD) = 0']);
    const r = run(['annotate', file, '--fs', 'empty']);
    expect(r.stdout).toBe('7 read(0, "", 10) = 0\n7 fcntl(5, F_GETFD) = 0\n');
  });

  it('rejects unknown options and bad --inherit with a clear message', () => {
    const file = log(['1 getpid() = 1']);
    const bad = run(['annotate', file, '--cdw', '/w']);
    expect(bad.status).toBe(64);
    expect(bad.stderr).toMatch(/unknown option --cdw \(known: --cwd/);
    const inh = run(['annotate', file, '--inherit', 'stdin']);
    expect(inh.status).toBe(64);
    expect(inh.stderr).toMatch(/--inherit wants FD=PATH/);
    const missing = run(['annotate', '/nonexistent.strace']);
    expect(missing.status).toBe(4);
    expect(missing.stderr).toBe('fdwarden annotate: cannot read /nonexistent.strace: no such file or directory\n');
  });
});

describe('fdwarden annotate: pidfds', () => {
  it('clone with CLONE_PIDFD and clone3 give the parent a pidfd, labelled with the child', () => {
    const file = log([
      '10    clone(child_stack=NULL, flags=CLONE_PIDFD|SIGCHLD, parent_tid=[3]) = 11',
      '10    clone3({flags=CLONE_PIDFD, pidfd=0x7ffc, exit_signal=SIGCHLD, stack=NULL, stack_size=0} => {pidfd=[4]}, 88) = 12',
      '10    pidfd_send_signal(3, SIGTERM, NULL, 0) = 0',
      '10    close(4) = 0',
    ]);
    const r = run(['annotate', file, '--cwd', '/w', '--fs', 'empty', '--inherit', '0=/dev/null']);
    expect(r.stdout.split('\n').slice(2, 4)).toEqual([
      '10    pidfd_send_signal(3<pid:11>, SIGTERM, NULL, 0) = 0',
      '10    close(4<pid:12>) = 0',
    ]);
  });
});
