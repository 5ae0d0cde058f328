/** spec/syscall-rights.md, held to the code: what each call needs, on which resolved object. */
import { describe, expect, it } from 'vitest';
import { Kernel } from '../../../src/state/kernel.js';
import type { Call } from '../../../src/state/calls.js';
import { requestFor, fdRequest } from '../../../src/rules/requests.js';
import { compilePolicyText } from '../../../src/dsl/index.js';
import { engineFor } from '../../../src/rules/engine.js';
import { judge } from '../../../src/rules/judge.js';
import { snapshotView } from '../../../src/state/view.js';
import { bit, rightsIn } from '../../../src/rules/rights.js';
import {
  AT_REMOVEDIR, O_APPEND, O_CREAT, O_DIRECTORY, O_EXCL, O_PATH, O_RDONLY, O_RDWR, O_TMPFILE, O_TRUNC, O_WRONLY,
  RENAME_EXCHANGE, RENAME_NOREPLACE,
} from '../../../src/linux/index.js';

function world(): Kernel {
  const k = new Kernel();
  k.spawn({ tid: 1, cwd: '/srv' });
  k.syscall(1, { sys: 'mkdirat', dirfd: -100, path: 'd', mode: 0o755 });
  k.syscall(1, { sys: 'openat', dirfd: -100, path: 'f', flags: O_CREAT | O_WRONLY, mode: 0o644 });
  k.syscall(1, { sys: 'close', fd: 0 });
  k.syscall(1, { sys: 'symlinkat', target: 'd', newdirfd: -100, linkpath: 'ld' });
  return k;
}

function needs(k: Kernel, c: Call): [string, string | undefined, string[]][] {
  const r = requestFor(k, k.task(1)!, c);
  return (r?.checks ?? []).map((ch) => [ch.role, ch.object.path, rightsIn(ch.rights)]);
}

const open = (path: string, flags: number): Call => ({ sys: 'openat', dirfd: -100, path, flags, mode: 0o644 });

describe('syscall → rights', () => {
  it('openat: by access mode, O_TRUNC, O_CREAT only for a new file (always with O_EXCL), O_APPEND, O_DIRECTORY, O_PATH', () => {
    const k = world();
    expect(needs(k, open('f', O_RDONLY))).toEqual([['object', '/srv/f', ['read']]]);
    expect(needs(k, open('f', O_RDWR))).toEqual([['object', '/srv/f', ['read', 'write']]]);
    expect(needs(k, open('f', O_RDONLY | O_TRUNC))).toEqual([['object', '/srv/f', ['read', 'truncate']]]);
    k.syscall(1, { sys: 'mknodat', dirfd: -100, path: 'fifo', mode: 0o010644 });
    expect(needs(k, open('fifo', O_WRONLY | O_TRUNC))).toEqual([['object', '/srv/fifo', ['write']]]);
    expect(needs(k, open('f', O_WRONLY | O_CREAT))).toEqual([['object', '/srv/f', ['write']]]);
    expect(needs(k, open('f', O_WRONLY | O_CREAT | O_EXCL))).toEqual([['object', '/srv/f', ['write', 'create']]]);
    expect(needs(k, open('new', O_WRONLY | O_CREAT))).toEqual([['object', '/srv/new', ['write', 'create']]]);
    expect(needs(k, open('f', O_WRONLY | O_APPEND))).toEqual([['object', '/srv/f', ['append']]]);
    expect(needs(k, open('d', O_RDONLY | O_DIRECTORY))).toEqual([['object', '/srv/d', ['list']]]);
    expect(needs(k, open('ld', O_RDONLY))).toEqual([['object', '/srv/d', ['list']]]);
    expect(needs(k, open('f', O_PATH))).toEqual([['object', '/srv/f', ['stat']]]);
    expect(needs(k, open('d', O_TMPFILE | O_RDWR))).toEqual([['object', '/srv/d', ['read', 'write', 'create']]]);
  });

  it('names: unlink/rmdir, mkdir, symlink on the link path, link with an escalation check, not following the last symlink', () => {
    const k = world();
    expect(needs(k, { sys: 'unlinkat', dirfd: -100, path: 'ld', flags: 0 })).toEqual([['object', '/srv/ld', ['delete']]]);
    expect(needs(k, { sys: 'unlinkat', dirfd: -100, path: 'd', flags: AT_REMOVEDIR })).toEqual([['object', '/srv/d', ['rmdir']]]);
    expect(needs(k, { sys: 'mkdirat', dirfd: -100, path: 'd/e', mode: 0o755 })).toEqual([['object', '/srv/d/e', ['mkdir']]]);
    expect(needs(k, { sys: 'symlinkat', target: '/etc/passwd', newdirfd: -100, linkpath: 'p' })).toEqual([['object', '/srv/p', ['symlink']]]);
    const link = requestFor(k, k.task(1)!, { sys: 'linkat', olddirfd: -100, oldpath: 'f', newdirfd: -100, newpath: 'd/g', flags: 0 })!;
    expect(link.checks.map((c) => [c.object.path, rightsIn(c.rights)])).toEqual([['/srv/d/g', ['link']]]);
    expect(link.refer).toMatchObject({ from: { path: '/srv/f' }, to: { path: '/srv/d/g' }, subtree: false });
  });

  it('rename: from on the source, to (and delete when replacing) on the destination, both ways for an exchange', () => {
    const k = world();
    const rn = (newpath: string, flags: number) => needs(k, { sys: 'renameat2', olddirfd: -100, oldpath: 'f', newdirfd: -100, newpath, flags });
    expect(rn('g', 0)).toEqual([['source', '/srv/f', ['rename-from']], ['destination', '/srv/g', ['rename-to']]]);
    expect(rn('ld', 0)).toEqual([['source', '/srv/f', ['rename-from']], ['destination', '/srv/ld', ['delete', 'rename-to']]]);
    expect(rn('ld', RENAME_NOREPLACE)).toEqual([['source', '/srv/f', ['rename-from']], ['destination', '/srv/ld', ['rename-to']]]);
    expect(rn('ld', RENAME_EXCHANGE)).toEqual([
      ['source', '/srv/f', ['rename-from', 'rename-to']], ['destination', '/srv/ld', ['rename-from', 'rename-to']],
    ]);
    const dir = requestFor(k, k.task(1)!, { sys: 'renameat2', olddirfd: -100, oldpath: 'd', newdirfd: -100, newpath: 'e', flags: 0 })!;
    expect(dir.refer?.subtree).toBe(true);
  });

  it('paths through dirfds and symlinks resolve to the object; an unknown dirfd is unknown, not guessed', () => {
    const k = world();
    k.syscall(1, { sys: 'openat', dirfd: -100, path: 'ld', flags: O_RDONLY | O_DIRECTORY, mode: 0 });
    expect(needs(k, { sys: 'unlinkat', dirfd: 0, path: 'x', flags: 0 })).toEqual([['object', '/srv/d/x', ['delete']]]);
    const u = new Kernel();
    u.spawn({ tid: 1, cwd: '/srv', partialFds: true });
    const r = requestFor(u, u.task(1)!, { sys: 'unlinkat', dirfd: 9, path: 'x', flags: 0 })!;
    expect(r.checks[0]!.object.path).toBeUndefined();
    expect(r.checks[0]!.object.unknown).toMatch(/fd 9/);
  });

  it('fd-based calls carry the rights their fd obtained at open; pipes need none', () => {
    const k = world();
    k.syscall(1, { sys: 'openat', dirfd: -100, path: 'f', flags: O_WRONLY, mode: 0 });
    const file = k.s.files.get(k.s.tables.get(k.task(1)!.files)!.fds.get(0)!.file)!;
    file.granted = bit('write');
    const w = fdRequest(k, k.task(1)!, 'ftruncate', 0, bit('truncate'))!;
    expect(w.checks[0]).toMatchObject({ role: 'fd', fd: 0, granted: bit('write'), object: { path: '/srv/f' } });
    k.syscall(1, { sys: 'pipe2', flags: 0 });
    expect(fdRequest(k, k.task(1)!, 'write', 2, bit('write'))).toBeNull();
  });
});

describe('object types and dangling symlinks', () => {
  it('`when type file` and `when type symlink` match the model\'s reg and lnk objects', () => {
    const c = compilePolicyText('policy "t" abi 1\ndefault deny errno EACCES\nallow read /w/* when type file\nallow stat /w/* when type symlink\n', { file: 't.policy' });
    expect(c.ok).toBe(true);
    const e = engineFor(c.policy);
    const k = new Kernel({ view: snapshotView({ entries: { '/w/f': { kind: 'reg' }, '/w/d': { kind: 'dir' }, '/w/l': { kind: 'lnk', target: 'f' } } }) });
    const t = k.spawn({ tid: 1, cwd: '/w' });
    const open = (path: string) => judge(e, requestFor(k, t, { sys: 'openat', dirfd: -100, path, flags: 0, mode: 0 })!).allowed;
    expect(open('f')).toBe(true);
    expect(open('d')).toBe(false);
    expect(judge(e, requestFor(k, t, { sys: 'lookup', name: 'lstat', dirfd: -100, path: 'l', follow: false, emptyPath: false })!).allowed).toBe(true);
    expect(judge(e, requestFor(k, t, { sys: 'lookup', name: 'lstat', dirfd: -100, path: 'f', follow: false, emptyPath: false })!).allowed).toBe(false);
  });

  it('open O_CREAT through a dangling symlink is judged at the target it creates', () => {
    const k = new Kernel({ view: snapshotView({ entries: { '/w/l': { kind: 'lnk', target: '/etc/new' }, '/etc/passwd': { kind: 'reg' } } }) });
    const t = k.spawn({ tid: 1, cwd: '/w' });
    const req = requestFor(k, t, { sys: 'openat', dirfd: -100, path: 'l', flags: 0o101, mode: 0o644 })!;
    expect(req.checks[0]!.object).toMatchObject({ path: '/etc/new', exists: false });
    expect(k.syscall(1, { sys: 'openat', dirfd: -100, path: 'l', flags: 0o101, mode: 0o644 })).toEqual({ ok: true, ret: 0 });
    expect(k.describeFd(1, 0)).toMatchObject({ path: '/etc/new' });
  });

  it('the resolution steps an explanation shows include where each `..` went', () => {
    const k = new Kernel({ view: snapshotView({ entries: { '/w/a/b': { kind: 'dir' }, '/w/x': { kind: 'reg' } } }) });
    const t = k.spawn({ tid: 1, cwd: '/w/a/b' });
    const steps = (path: string) => requestFor(k, t, { sys: 'openat', dirfd: -100, path, flags: 0, mode: 0 })!.checks[0]!.object.steps;
    expect(steps('../../x')).toEqual(['start at cwd /w/a/b', '.. goes up to /w/a', '.. goes up to /w', '+ x']);
    expect(steps('/../w/x')).toEqual(['start at root /', '.. stays at the root /', '+ x']);
    // Without steps (the interposer's hot path) nothing is recorded.
    expect(requestFor(k, t, { sys: 'openat', dirfd: -100, path: '../../x', flags: 0, mode: 0 }, { steps: false })!.checks[0]!.object.steps).toEqual([]);
  });
});
