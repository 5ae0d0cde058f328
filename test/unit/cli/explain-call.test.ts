/**
 * `fdwarden explain 'call(...)'` refuses what it cannot judge faithfully: a flag word no table
 * knows (it would be dropped, and another call judged), an unknown syscall, a path holding a NUL
 * byte; an empty path is Linux's ENOENT, said so, never an allowed call with no rule consulted.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './capture.js';

const POLICY = join(import.meta.dirname, '../../../examples/policies/workdir.policy');

describe('explain of a call written on the command line', () => {
  it('an unknown flag is FW104 with a did-you-mean, exit 64, nothing judged', async () => {
    const r = await cli('explain', '--policy', POLICY, 'openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CRAET)');
    expect(r.status).toBe(64);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('<call>:1:42: error[FW104]: unknown flag `O_CRAET`');
    expect(r.stderr).toContain('= help: did you mean `O_CREAT`?');
    expect(r.stderr).toMatch(/\| {42}\^{7}\n/);
  });

  it('an unknown flag in a whole strace line (pid and result) is found too', async () => {
    const r = await cli('explain', '--policy', POLICY, '4516  openat(AT_FDCWD, "/x", O_WRONLY|O_TRUNK) = 3');
    expect(r.status).toBe(64);
    expect(r.stderr).toContain('unknown flag `O_TRUNK`');
    expect(r.stderr).toContain('did you mean `O_TRUNC`?');
  });

  it('an unknown syscall is FW501 with a did-you-mean', async () => {
    const r = await cli('explain', '--policy', POLICY, 'opneat(AT_FDCWD, "/etc/passwd", O_RDONLY)');
    expect(r.status).toBe(64);
    expect(r.stderr).toContain('error[FW501]: unknown syscall `opneat`');
    expect(r.stderr).toContain('did you mean `openat`?');
  });

  it('known flags, numbers and strace comments still pass', async () => {
    const r = await cli('explain', '--policy', POLICY, 'openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC|O_LARGEFILE)');
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^openat: allowed/);
    expect(r.status).toBe(0);
    const x = await cli('explain', '--policy', POLICY, 'execve("/usr/bin/ls", ["ls"], 0x7ffd /* 3 vars */)');
    expect(x.stdout).toMatch(/^execve: allowed/);
  });

  it('a path with a NUL byte is refused with its reason', async () => {
    const r = await cli('explain', '--policy', POLICY, 'openat(AT_FDCWD, "/etc/pa\\0sswd", O_RDONLY)');
    expect(r.status).toBe(64);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('error[FW502]: a path cannot contain a NUL byte');
    expect(r.stderr).toContain('up to its first NUL');
  });

  it('an empty path is denied with ENOENT by the kernel, and the reason is given', async () => {
    const r = await cli('explain', '--policy', POLICY, 'openat(AT_FDCWD, "", O_RDONLY)');
    expect(r.status).toBe(3);
    expect(r.stdout).toMatch(/^openat: denied with ENOENT/);
    expect(r.stdout).toContain('note: an empty path names nothing: Linux refuses it with ENOENT unless the call passes AT_EMPTY_PATH');
    const j = await cli('explain', '--policy', POLICY, '--json', 'unlinkat(AT_FDCWD, "", 0)');
    expect(j.status).toBe(3);
    expect(JSON.parse(j.stdout)).toMatchObject({ allowed: false, errno: 'ENOENT' });
  });
});
