import { describe, expect, test } from 'vitest';
import { Kernel } from '../../../src/state/kernel.js';
import { snapshotView } from '../../../src/state/view.js';
import { resolveObject } from '../../../src/state/inspect.js';

const tree = { entries: { '/w/f': { kind: 'reg' as const }, '/w/l': { kind: 'lnk' as const, target: 'f' } } };

function kernel(): Kernel {
  const k = new Kernel({ view: snapshotView(tree) });
  k.spawn({ tid: 1, cwd: '/w' });
  return k;
}

const FAST = { steps: false } as const;

describe('a remembered entry resolution (Kernel.remembered)', () => {
  test('the same question on an unchanged model gets the same answer', () => {
    const k = kernel();
    const task = k.task(1)!;
    const first = resolveObject(k, task, -100, 'l', { follow: true, steps: false, remember: true });
    expect(first).toMatchObject({ path: '/w/f', exists: true, type: 'reg' });
    expect(resolveObject(k, task, -100, 'l', { follow: true, ...FAST })).toBe(first);
  });

  test('a different question is resolved afresh', () => {
    const k = kernel();
    const task = k.task(1)!;
    const first = resolveObject(k, task, -100, 'l', { follow: true, steps: false, remember: true });
    const nofollow = resolveObject(k, task, -100, 'l', { follow: false, ...FAST });
    expect(nofollow).not.toBe(first);
    expect(nofollow).toMatchObject({ path: '/w/l', type: 'lnk' });
    expect(resolveObject(k, task, -100, 'l', { follow: true, emptyPath: true, ...FAST })).not.toBe(first);
    expect(resolveObject(k, task, -100, 'l', { follow: true, resolve: 4, ...FAST })).not.toBe(first);
    expect(resolveObject(k, task, -100, '/w/l', { follow: true, ...FAST })).not.toBe(first);
    // A caller asking for the steps gets them: the remembered answer has none.
    expect(resolveObject(k, task, -100, 'l', { follow: true }).steps.length).toBeGreaterThan(0);
  });

  test('any change to the model forgets it', () => {
    const k = kernel();
    const task = k.task(1)!;
    resolveObject(k, task, -100, 'f', { follow: true, steps: false, remember: true });
    expect(k.remembered).toBeDefined();
    expect(k.syscall(1, { sys: 'unlinkat', dirfd: -100, path: 'f', flags: 0 })).toEqual({ ok: true, ret: 0 });
    expect(k.remembered).toBeUndefined();
    expect(resolveObject(k, task, -100, 'f', { follow: true, ...FAST })).toMatchObject({ path: '/w/f', exists: false });
    resolveObject(k, task, -100, 'x', { follow: true, steps: false, remember: true });
    k.spawn({ tid: 2, cwd: '/' });
    expect(k.remembered).toBeUndefined();
  });
});
