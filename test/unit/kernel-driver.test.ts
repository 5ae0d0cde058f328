// The kernel driver checked against behaviour that Linux semantics fix.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, test } from 'vitest';
import { programArb, UNIVERSE_SETUP } from '../kernel/arbitraries.js';
import { firstDivergence } from '../kernel/compare.js';
import { driverBinary, KernelRunError, runOnKernel, runOnKernelBatch } from '../kernel/kernel-runner.js';
import { flattenProgram, K, type Observation, type Program, type Step } from '../kernel/program.js';

const supported = process.platform === 'linux' && process.arch === 'x64';
const AT = 'AT_FDCWD' as const;
const RDONLY_FLAGS = K.O_RDONLY | K.O_LARGEFILE;

const open = (path: string, flags: number = K.O_RDONLY, dirfd: number | typeof AT = AT): Step => ({ op: 'openat', dirfd, path, flags, mode: 0o644 });

function program(steps: Step[], nofile = 16): Program {
  return { nofile, setup: [...UNIVERSE_SETUP], steps };
}

/** Observations of the main steps only. */
function run(steps: Step[], nofile = 16): Observation[] {
  return runOnKernel(program(steps, nofile)).slice(UNIVERSE_SETUP.length);
}

function last(obs: Observation[]): Observation {
  const o = obs.at(-1);
  if (o === undefined) throw new Error('no observations');
  return o;
}

const links = (o: Observation): string[] => o.fds.map((f) => `${f.fd}:${f.link}`);

describe.skipIf(!supported)('kernel driver', () => {
  test('setup builds the universe and leaves an empty fd table', () => {
    const obs = runOnKernel(program([]));
    expect(obs).toHaveLength(UNIVERSE_SETUP.length);
    for (const o of obs) expect(o.errno).toBeNull();
    expect(last(obs)).toEqual({ step: UNIVERSE_SETUP.length - 1, ret: 0, errno: null, fds: [], cwd: '@' });
  });

  test('open in an empty table returns 0', () => {
    const [o] = run([open('f')]);
    expect(o).toEqual({ step: UNIVERSE_SETUP.length, ret: 0, errno: null, fds: [{ fd: 0, link: '@/f', cloexec: false, flags: RDONLY_FLAGS }], cwd: '@' });
  });

  test('dup2(fd, fd) is a no-op that keeps close-on-exec; dup2 to another fd clears it', () => {
    const obs = run([open('f', K.O_RDONLY | K.O_CLOEXEC), { op: 'dup2', fd: 0, newfd: 0 }, { op: 'dup2', fd: 0, newfd: 3 }]);
    expect(obs[1]?.ret).toBe(0);
    expect(obs[1]?.fds).toEqual([{ fd: 0, link: '@/f', cloexec: true, flags: RDONLY_FLAGS }]);
    expect(obs[2]?.ret).toBe(3);
    expect(obs[2]?.fds.map((f) => [f.fd, f.cloexec])).toEqual([[0, true], [3, false]]);
  });

  test('a file or a missing name followed by .. does not resolve', () => {
    const obs = run([open('f/..'), open('nonexist/..'), open('d/..')]);
    expect(obs.map((o) => o.errno)).toEqual(['ENOTDIR', 'ENOENT', null]);
    expect(links(last(obs))).toEqual(['0:@']);
  });

  test('getcwd fails with ENOENT once the cwd is removed', () => {
    const obs = run([
      { op: 'mkdirat', dirfd: AT, path: 'x', mode: 0o755 },
      { op: 'chdir', path: 'x' },
      { op: 'unlinkat', dirfd: AT, path: '@/x', flags: K.AT_REMOVEDIR },
    ]);
    expect(obs[1]?.cwd).toBe('@/x');
    expect(last(obs)).toMatchObject({ ret: 0, errno: null, cwd: { errno: 'ENOENT' } });
  });

  test('status flags are shared by duplicates, fd flags are not', () => {
    const obs = run([open('f'), { op: 'dup', fd: 0 }, { op: 'fcntl', fd: 1, cmd: K.F_SETFL, arg: K.O_NONBLOCK }, { op: 'fcntl', fd: 1, cmd: K.F_SETFD, arg: K.FD_CLOEXEC }]);
    const fds = last(obs).fds;
    expect(fds.map((f) => f.flags)).toEqual([RDONLY_FLAGS | K.O_NONBLOCK, RDONLY_FLAGS | K.O_NONBLOCK]);
    expect(fds.map((f) => f.cloexec)).toEqual([false, true]);
  });

  test("a fork child's close does not affect the parent; steps are numbered in pre-order", () => {
    const steps: Step[] = [open('f'), { op: 'fork', child: [{ op: 'close', fd: 0 }, open('d')] }, open('lf')];
    const obs = run(steps);
    const base = UNIVERSE_SETUP.length;
    expect(obs.map((o) => o.step)).toEqual([base, base + 1, base + 2, base + 3, base + 4]);
    expect(flattenProgram(program(steps)).map((s) => s.step.op).slice(base)).toEqual(['openat', 'fork', 'close', 'openat', 'openat']);
    expect(links(obs[2] as Observation)).toEqual([]);
    expect(links(obs[3] as Observation)).toEqual(['0:@/d']);
    expect(obs[1]).toMatchObject({ ret: 0, errno: null });
    expect(links(obs[1] as Observation)).toEqual(['0:@/f']);
    expect(links(last(obs))).toEqual(['0:@/f', '1:@/f']);
  });

  test('O_TMPFILE files show as # (deleted) in their directory', () => {
    const obs = run([open('.', K.O_TMPFILE | K.O_RDWR), open('d', K.O_TMPFILE | K.O_WRONLY), open('.', K.O_TMPFILE | K.O_RDONLY)]);
    expect(links(last(obs))).toEqual(['0:@/# (deleted)', '1:@/d/# (deleted)']);
    expect(last(obs).errno).toBe('EINVAL');
  });

  test('links follow unlink and rename of open files', () => {
    const obs = run([open('f'), open('d/g'), { op: 'unlinkat', dirfd: AT, path: 'f', flags: 0 }, { op: 'renameat2', olddirfd: AT, oldpath: 'd', newdirfd: AT, newpath: 'e', flags: 0 }]);
    expect(links(last(obs))).toEqual(['0:@/f (deleted)', '1:@/e/g']);
  });

  test('pipes report pipe:[] without the inode number', () => {
    const o = last(run([{ op: 'pipe2', flags: K.O_CLOEXEC }]));
    expect(o.fds).toEqual([
      { fd: 0, link: 'pipe:[]', cloexec: true, flags: K.O_RDONLY },
      { fd: 1, link: 'pipe:[]', cloexec: true, flags: K.O_WRONLY },
    ]);
  });

  test('.. above the root is reported as @/.., and @/../@ is the root', () => {
    const obs = run([{ op: 'chdir', path: '..' }, open('.'), { op: 'chdir', path: '@' }, { op: 'chdir', path: '../@/d' }, { op: 'chdir', path: 'up/..' }]);
    expect(obs.map((o) => o.cwd)).toEqual(['@/..', '@/..', '@', '@/d', '@/..']);
    expect(links(last(obs))).toEqual(['0:@/..']);
  });

  test('the harness owns no fd: close_range(0, ~0U) empties the table and reporting goes on', () => {
    const obs = run([open('f'), open('d'), { op: 'close_range', first: 0, last: K.UINT_MAX, flags: 0 }, open('lf')]);
    expect(obs[2]).toMatchObject({ ret: 0, fds: [] });
    expect(links(last(obs))).toEqual(['0:@/f']);
  });

  test('RLIMIT_NOFILE bounds every way of making an fd', () => {
    const obs = run([open('f'), open('f'), open('f'), open('f'), open('f'), open('f'), { op: 'dup2', fd: 0, newfd: 5 }, { op: 'fcntl', fd: 0, cmd: K.F_DUPFD, arg: 5 }, { op: 'pipe2', flags: 0 }], 5);
    expect(obs.map((o) => o.errno)).toEqual([null, null, null, null, null, 'EMFILE', 'EBADF', 'EINVAL', 'EMFILE']);
  });

  test('/proc/self/fd magic links resolve to the open file', () => {
    const obs = run([open('d'), open('/proc/self/fd/0/g'), open('/proc/self/fd/9')]);
    expect(links(obs[1] as Observation)).toEqual(['0:@/d', '1:@/d/g']);
    expect(last(obs).errno).toBe('ENOENT');
  });

  test('openat2 RESOLVE_BENEATH rejects .. out of the dirfd', () => {
    const step: Step = { op: 'openat2', dirfd: 0, path: '../f', flags: K.O_RDONLY, mode: 0, resolve: K.RESOLVE_BENEATH };
    expect(last(run([open('d'), step])).errno).toBe('EXDEV');
  });

  test('odd bytes in paths survive the round trip', () => {
    const name = 'a b%c\u00e9\n';
    const obs = run([{ op: 'mkdirat', dirfd: AT, path: name, mode: 0o755 }, open(name), { op: 'chdir', path: name }]);
    expect(links(last(obs))).toEqual([`0:@/${name}`]);
    expect(last(obs).cwd).toBe(`@/${name}`);
  });

  test('a program climbing past the sandbox is stopped, not run outside it', () => {
    const climb = Array.from({ length: 30 }, (): Step => ({ op: 'chdir', path: '..' }));
    let error: unknown;
    try {
      run(climb);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KernelRunError);
    expect((error as KernelRunError).climbedTooFar).toBe(true);
    expect((error as KernelRunError).partial.at(-1)?.cwd).toBe(`@${'/..'.repeat(24)}`);
  });

  describe('with a named FIFO', () => {
    let dir = '';
    afterEach(() => {
      delete process.env['FDWARDEN_DRIVER_TIMEOUT'];
      if (dir !== '') rmSync(dir, { recursive: true, force: true });
    });

    test('a step that blocks is killed by the alarm and reported', () => {
      dir = mkdtempSync(join(tmpdir(), 'fdwarden-fifo-'));
      expect(spawnSync('mkfifo', [join(dir, 'p')]).status).toBe(0);
      process.env['FDWARDEN_DRIVER_TIMEOUT'] = '1';
      expect(() => runOnKernelBatch([program([open(join(dir, 'p'))]), program([open('f')])])).toThrow(/program 0: timeout after 1s/);
    });
  });

  test('malformed input is rejected with its line number', () => {
    const bad = (input: string): string => {
      const r = spawnSync(driverBinary(), ['-'], { input, encoding: 'utf8' });
      expect(r.status).toBe(2);
      return r.stderr;
    };
    expect(bad('nope\n')).toMatch(/input:1: expected header/);
    expect(bad('fdwarden 1\nprogram 16\nsetup\nmain\nopenat -100 f 0 0\nend\n')).toMatch(/input:5: argument 2 of openat must be a string/);
    expect(bad('fdwarden 1\nprogram 16\nsetup\nmain\nfrobnicate 1\nend\n')).toMatch(/input:5: unknown step "frobnicate"/);
    expect(bad('fdwarden 1\nprogram 16\nsetup\nmain\nclose 1 2\nend\n')).toMatch(/input:5: close takes 1 arguments/);
    expect(bad('fdwarden 1\nprogram 16\nsetup\nmain\nfork\nclose 1\n')).toMatch(/unexpected end of input, expected endfork/);
  });

  test('the same random programs give identical observations every time, alone or batched', () => {
    const programs = fc.sample(programArb, { numRuns: 30, seed: 4242 });
    const first = runOnKernelBatch(programs);
    const second = runOnKernelBatch(programs);
    expect(second).toEqual(first);
    programs.slice(0, 5).forEach((p, i) => {
      const alone = runOnKernel(p);
      expect(firstDivergence(p, alone, first[i] ?? [])).toBeNull();
      expect(alone).toEqual(first[i]);
    });
  });
});
