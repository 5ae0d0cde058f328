import { describe, expect, test } from 'vitest';
import { Kernel } from '../../../src/state/kernel.js';
import { snapshotView, type View } from '../../../src/state/view.js';

const tree = { entries: { '/m': { kind: 'dir' as const, mount: true }, '/w/d/inner/f': { kind: 'reg' as const }, '/proc': { kind: 'dir' as const } } };

/**
 * A disk the modelled calls change, asked by directory object (View.child): each model
 * directory is tied to the disk directory it was found as, whatever its path is later.
 */
function objectDisk(): View & { asked: string[] } {
  const disk = snapshotView(tree);
  const where = new Map<number, string>(); // model dentry → disk path it stands for
  const v = {
    name: 'objects', asked: [] as string[],
    lookup: () => null, list: () => null,
    child(dir: number, name: string) {
      const at = where.get(dir) ?? '/';
      const p = at === '/' ? `/${name}` : `${at}/${name}`;
      v.asked.push(p);
      return disk.lookup(p);
    },
    names: () => [],
    /** The test binds a dentry to the disk directory it was found as. */
    bind(dir: number, path: string) { where.set(dir, path); },
  };
  return v;
}

describe('views and mounts', () => {
  test('a view asked by directory object finds a renamed directory\'s unloaded contents through the object', () => {
    const view = objectDisk();
    const k = new Kernel({ view });
    k.spawn({ tid: 1, cwd: '/w' });
    const w = k.childOf(k.learnDir('/'), 'w');
    (view as unknown as { bind(d: number, p: string): void }).bind(w, '/w');
    const d = k.childOf(w, 'd');
    (view as unknown as { bind(d: number, p: string): void }).bind(d, '/w/d');
    expect(k.syscall(1, { sys: 'renameat2', olddirfd: -100, oldpath: 'd', newdirfd: -100, newpath: 'e', flags: 0 })).toEqual({ ok: true, ret: 0 });
    // The moved directory's children are asked of the directory it is (the disk's /w/d), never of a path string.
    expect(k.syscall(1, { sys: 'openat', dirfd: -100, path: 'e/inner/f', flags: 0, mode: 0 })).toMatchObject({ ok: false });
    expect(view.asked).toContain('/w/d/inner');
    expect(view.asked).not.toContain('/w/e/inner');
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
