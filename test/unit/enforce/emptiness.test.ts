/**
 * Linux checks a directory's emptiness (ENOTEMPTY) after the security hooks. The enforcer lists a
 * directory for it only once the policy allowed the call: a guest cannot make the sandbox read a
 * directory it may not delete (on a pass-through host that read is an open outside the guest's
 * tree, and its atime changes).
 */
import { describe, expect, test } from 'vitest';
import { compilePolicyText } from '../../../src/dsl/index.js';
import { engineFor } from '../../../src/rules/engine.js';
import { Enforcer } from '../../../src/enforce/enforcer.js';
import { Kernel } from '../../../src/state/kernel.js';
import { snapshotView, type View } from '../../../src/state/view.js';
import { AT_FDCWD, AT_REMOVEDIR } from '../../../src/linux/index.js';

function setup() {
  const listed: string[] = [];
  const base = snapshotView({ entries: { '/w/full/x': { kind: 'reg' }, '/w/empty': { kind: 'dir' }, '/out/full/secret': { kind: 'reg' }, '/out/empty': { kind: 'dir' } } });
  const view: View = { ...base, name: 'spy', live: false, list: (p) => { listed.push(p); return base.list(p); } };
  const k = new Kernel({ view });
  k.spawn({ tid: 1, cwd: '/w' });
  const c = compilePolicyText('policy "p" abi 1\ndefault deny errno EACCES\nallow * under /w\n');
  if (!c.ok) throw new Error('policy');
  return { k, e: new Enforcer(k, engineFor(c.policy)), listed };
}

const rmdir = (path: string) => ({ sys: 'unlinkat' as const, dirfd: AT_FDCWD, path, flags: AT_REMOVEDIR });
const rename = (a: string, b: string) => ({ sys: 'renameat2' as const, olddirfd: AT_FDCWD, oldpath: a, newdirfd: AT_FDCWD, newpath: b, flags: 0 });

describe('emptiness is looked at only after the policy allowed the call', () => {
  test('rmdir of a non-empty directory the policy refuses: its errno, and the directory is never listed', () => {
    const { k, e, listed } = setup();
    const r = e.enter(k.task(1)!, rmdir('/out/full'));
    expect(r.refused).toEqual({ errno: 'EACCES', cause: 'policy' });
    expect(listed).toEqual([]);
  });

  test('rmdir of a non-empty directory the policy allows: Linux\'s ENOTEMPTY, after listing it', () => {
    const { k, e, listed } = setup();
    expect(e.enter(k.task(1)!, rmdir('/w/full')).refused).toEqual({ errno: 'ENOTEMPTY', cause: 'kernel' });
    expect(listed).toEqual(['/w/full']);
    expect(e.enter(k.task(1)!, rmdir('/w/empty')).refused).toBeUndefined();
  });

  test('a rename over a non-empty directory: refused by the policy without a listing, ENOTEMPTY when allowed', () => {
    const { k, e, listed } = setup();
    expect(e.enter(k.task(1)!, rename('/w/empty', '/out/full')).refused).toEqual({ errno: 'EACCES', cause: 'policy' });
    expect(listed).toEqual([]);
    expect(e.enter(k.task(1)!, rename('/w/empty', '/w/full')).refused).toEqual({ errno: 'ENOTEMPTY', cause: 'kernel' });
    expect(listed).toEqual(['/w/full']);
  });
});
