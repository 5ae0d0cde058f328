import { describe, expect, test } from 'vitest';
import { Kernel } from '../../../src/state/kernel.js';
import { snapshotView, type View } from '../../../src/state/view.js';

const tree = { entries: { '/m': { kind: 'dir' as const, mount: true }, '/w/d/inner/f': { kind: 'reg' as const }, '/proc': { kind: 'dir' as const } } };

/** A view of a disk that the modelled calls change: after `rename /w/d /w/e` the disk has /w/e. */
function movingDisk(): View & { renamed: boolean } {
  const before = snapshotView(tree);
  const after = snapshotView({ entries: { '/m': { kind: 'dir', mount: true }, '/w/e/inner/f': { kind: 'reg' }, '/proc': { kind: 'dir' } } });
  const v = {
    name: 'moving', tracksChanges: true, renamed: false,
    lookup: (p: string) => (v.renamed ? after : before).lookup(p),
    list: (p: string) => (v.renamed ? after : before).list(p),
  };
  return v;
}

describe('views and mounts', () => {
  test('a view that tracks changes finds a renamed directory\'s unloaded contents at its new path', () => {
    const view = movingDisk();
    const k = new Kernel({ view });
    k.spawn({ tid: 1, cwd: '/w' });
    expect(k.syscall(1, { sys: 'renameat2', olddirfd: -100, oldpath: 'd', newdirfd: -100, newpath: 'e', flags: 0 })).toEqual({ ok: true, ret: 0 });
    view.renamed = true;
    expect(k.syscall(1, { sys: 'openat', dirfd: -100, path: 'e/inner/f', flags: 0, mode: 0 })).toEqual({ ok: true, ret: 0 });
    expect(k.describeFd(1, 0)).toMatchObject({ path: '/w/e/inner/f' });
  });

  test('a fixed picture keeps asking at the old path (a replayed log on another machine)', () => {
    const k = new Kernel({ view: snapshotView(tree) });
    k.spawn({ tid: 1, cwd: '/w' });
    k.syscall(1, { sys: 'renameat2', olddirfd: -100, oldpath: 'd', newdirfd: -100, newpath: 'e', flags: 0 });
    expect(k.syscall(1, { sys: 'openat', dirfd: -100, path: 'e/inner/f', flags: 0, mode: 0 })).toEqual({ ok: true, ret: 0 });
  });

  test('mount points cannot be removed or renamed: EBUSY', () => {
    const k = new Kernel({ view: snapshotView(tree) });
    k.spawn({ tid: 1, cwd: '/' });
    expect(k.syscall(1, { sys: 'unlinkat', dirfd: -100, path: 'm', flags: 0x200 })).toEqual({ ok: false, errno: 'EBUSY' });
    expect(k.syscall(1, { sys: 'renameat2', olddirfd: -100, oldpath: 'm', newdirfd: -100, newpath: 'n', flags: 0 })).toEqual({ ok: false, errno: 'EBUSY' });
    expect(k.syscall(1, { sys: 'mkdirat', dirfd: -100, path: 'x', mode: 0o755 })).toEqual({ ok: true, ret: 0 });
    expect(k.syscall(1, { sys: 'renameat2', olddirfd: -100, oldpath: 'x', newdirfd: -100, newpath: 'm', flags: 0 })).toEqual({ ok: false, errno: 'EBUSY' });
  });

  test('procfs: false leaves /proc to the view', () => {
    const k = new Kernel({ view: snapshotView({ entries: { '/w': { kind: 'dir' } } }), procfs: false });
    k.spawn({ tid: 1, cwd: '/' });
    expect(k.syscall(1, { sys: 'openat', dirfd: -100, path: '/proc/self/cwd', flags: 0, mode: 0 })).toEqual({ ok: false, errno: 'ENOENT' });
    const withProc = new Kernel({ view: snapshotView({ entries: { '/w': { kind: 'dir' } } }) });
    withProc.spawn({ tid: 1, cwd: '/w' });
    expect(withProc.syscall(1, { sys: 'openat', dirfd: -100, path: '/proc/self/cwd', flags: 0, mode: 0 })).toEqual({ ok: true, ret: 0 });
  });
});
