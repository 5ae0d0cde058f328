import { describe, expect, test } from 'vitest';
import { Kernel } from '../../../src/state/kernel.js';
import { snapshotView } from '../../../src/state/view.js';
import type { Call } from '../../../src/state/calls.js';

const tree = { entries: { '/w/a': { kind: 'reg' as const }, '/w/d/x': { kind: 'reg' as const }, '/w/l': { kind: 'lnk' as const, target: 'a' } } };

function kernel(): Kernel {
  const k = new Kernel({ view: snapshotView(tree) });
  k.spawn({ tid: 1, cwd: '/w' });
  return k;
}

type NameCall = Parameters<Kernel['predict']>[1];

const CALLS: NameCall[] = [
  { sys: 'mkdirat', dirfd: -100, path: 'a/', mode: 0o755 }, // EEXIST before the trailing slash
  { sys: 'mkdirat', dirfd: -100, path: 'n', mode: 0o755 },
  { sys: 'symlinkat', target: 'a', newdirfd: -100, linkpath: 'a/' },
  { sys: 'symlinkat', target: 'a', newdirfd: -100, linkpath: 'n/' }, // ENOENT: a slash asks for a directory
  { sys: 'renameat2', olddirfd: -100, oldpath: '.', newdirfd: -100, newpath: 'a', flags: 0 }, // EBUSY
  { sys: 'renameat2', olddirfd: -100, oldpath: 'c', newdirfd: -100, newpath: 'a/', flags: 0 }, // ENOENT
  { sys: 'renameat2', olddirfd: -100, oldpath: 'a', newdirfd: -100, newpath: 'd/y', flags: 0 },
  { sys: 'linkat', olddirfd: -100, oldpath: 'd/y', newdirfd: 7, newpath: 'a', flags: 0 }, // ENOENT before EBADF
  { sys: 'linkat', olddirfd: -100, oldpath: 'd', newdirfd: -100, newpath: 'e', flags: 0 }, // EPERM
  { sys: 'unlinkat', dirfd: -100, path: 'd', flags: 0 }, // EISDIR
  { sys: 'unlinkat', dirfd: -100, path: 'd', flags: 0x200 }, // ENOTEMPTY
  { sys: 'unlinkat', dirfd: -100, path: 'l', flags: 0 },
  { sys: 'lookup', name: 'stat', dirfd: -100, path: 'l/', follow: true, emptyPath: false }, // ENOTDIR
];

describe('Kernel.predict', () => {
  test.each(CALLS.map((c) => [JSON.stringify(c), c] as const))('%s: the answer the call gets, and nothing changes', (_, call) => {
    const k = kernel();
    const tree = (): string => JSON.stringify([...k.s.dentries.values()].map((d) => [d.parent, d.name, d.dead ?? false, [...d.children]]));
    k.predict(1, call); // the first look may load names from the view (a cache, not a change)
    const before = tree();
    const predicted = k.predict(1, call);
    expect(tree()).toBe(before);
    const real = k.syscall(1, call as Call);
    expect(predicted.ok).toBe(real.ok);
    if (!predicted.ok && !real.ok) expect(predicted.errno).toBe(real.errno);
  });

  test('a predicted success is not applied: the name stays absent until the call runs', () => {
    const k = kernel();
    expect(k.predict(1, { sys: 'mkdirat', dirfd: -100, path: 'n', mode: 0o755 })).toEqual({ ok: true, ret: 0 });
    expect(k.syscall(1, { sys: 'lookup', name: 'stat', dirfd: -100, path: 'n', follow: true, emptyPath: false })).toMatchObject({ ok: false, errno: 'ENOENT' });
  });
});
