/**
 * Class 1: the host must never trust a path string. Every attack tries to make the Node host
 * act on a name whose meaning the model and the disk disagree about, so that the host kernel
 * would follow a real symlink out of the mount. Host operations are anchored on objects
 * (src/host/anchors.ts): the canary outside the mount must stay untouched and unread.
 */
import { mkdirSync, symlinkSync, writeFileSync, readFileSync, existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { NodeWaliHost, HostSetupError } from '../../src/host/index.js';
import { CANARY, fsops, picture, stage, type Stage } from './harness.js';

let s: Stage;
afterEach(() => s?.cleanup());

describe('class 1: host operations are anchored on objects, not strings', () => {
  test('(a) a pre-existing directory moved under a guest-made one is found as the object it is, not at its old path', async () => {
    s = stage();
    mkdirSync(join(s.w, 'old'));
    writeFileSync(join(s.w, 'old', 'x'), 'inside-x');
    const before = picture(s.outside);
    // The model has not looked inside old/ when it moves; the guest then puts a symlink to the
    // canary where old/ was. Asking old/'s children at its old path would follow that symlink.
    const r = await fsops([
      'mkdir', '/w/new', 'rename', '/w/old', '/w/new/old', 'symlink', '../outside', '/w/old',
      'cat', '/w/new/old/x', 'open', '/w/new/old/y', 'O_WRONLY|O_CREAT', 'ls', '/w/new/old', 'cat', '/w/old/x',
    ], { dirs: [{ host: s.w, guest: '/w' }], cwd: '/w' });
    expect(r.stdout).not.toContain(CANARY);
    expect(r.stdout).toContain('cat /w/new/old/x = 8 "inside-x"');
    expect(r.stdout).toContain('ls /w/new/old = 2 "x" "y"');
    expect(r.stdout).toContain('cat /w/old/x = -2'); // the guest's symlink names /outside in its namespace: nothing
    expect(existsSync(join(s.w, 'new', 'old', 'y'))).toBe(true);
    expect(picture(s.outside)).toEqual(before);
  });

  test('(b) a nested mount follows its dentry when a directory above it is renamed', async () => {
    s = stage();
    const a = join(s.root, 'a');
    const b = join(s.root, 'b');
    mkdirSync(join(a, 'sub', 'm'), { recursive: true });
    mkdirSync(b);
    const r = await fsops([
      'rename', '/w/sub', '/w/sub2', 'symlink', '/w/sub2', '/w/sub', 'open', '/w/sub2/m/f', 'O_WRONLY|O_CREAT', 'write', '$', 'in-b',
      'ls', '/w/sub2/m', 'rmdir', '/w/sub2/m',
    ], { dirs: [{ host: a, guest: '/w' }, { host: b, guest: '/w/sub/m' }], cwd: '/w' });
    expect(readFileSync(join(b, 'f'), 'latin1')).toBe('in-b'); // in the mounted directory
    expect(existsSync(join(a, 'sub2', 'm', 'f'))).toBe(false); // not in the directory it covers
    expect(r.stdout).toContain('ls /w/sub2/m = 1 "f"');
    expect(r.stdout).toContain('rmdir /w/sub2/m = -16'); // still a mount point: EBUSY
  });

  test('(c) one host directory under two guest names is refused, by identity, not by spelling', () => {
    s = stage();
    mkdirSync(join(s.w, 'sub'));
    symlinkSync(join(s.w, 'sub'), join(s.root, 'alias'));
    const host = (dirs: { host: string; guest: string }[]) => () => new NodeWaliHost({ args: ['x'], dirs });
    expect(host([{ host: s.w, guest: '/proj' }, { host: join(s.w, 'sub'), guest: '/out' }])).toThrow(HostSetupError);
    expect(host([{ host: s.w, guest: '/proj' }, { host: join(s.w, 'sub'), guest: '/out' }])).toThrow(/inside .* mounted too/);
    // The same directory through a symlinked spelling.
    expect(host([{ host: join(s.w, 'sub'), guest: '/a' }, { host: join(s.root, 'alias'), guest: '/b' }])).toThrow(/same host directory/);
    // Nested the other way round (the outer mounted second).
    expect(host([{ host: join(s.root, 'alias'), guest: '/a' }, { host: s.w, guest: '/b' }])).toThrow(HostSetupError);
    // Disjoint directories are fine.
    expect(host([{ host: s.w, guest: '/a' }, { host: s.outside, guest: '/b' }])().kernel).toBeDefined();
  });

  test('(d) a directory another process swaps for a symlink, after the model looked, is never followed', async () => {
    s = stage();
    mkdirSync(join(s.w, 'd'));
    writeFileSync(join(s.w, 'd', 'x'), 'inside');
    const before = picture(s.outside);
    let swapped = false;
    const r = await fsops([
      'ls', '/w/d', 'cat', '/w/d/x', 'open', '/w/d/new', 'O_WRONLY|O_CREAT', 'write', '$', 'planted', 'chmod', '/w/d/x', '0777',
      'ls', '/w/d', 'unlink', '/w/d/secret', 'mkdir', '/w/d/sub/made', 'stat', '/w/d/secret', 'cat', '/w/d/sub/x',
    ], {
      dirs: [{ host: s.w, guest: '/w' }], cwd: '/w',
      // After the first listing (the model now holds d/ and its names), another process swaps d/
      // for a symlink to the canary, once.
      trace: (name) => {
        if (swapped || name !== 'close') return;
        swapped = true;
        renameSync(join(s.w, 'd'), join(s.w, 'd.moved'));
        symlinkSync('../outside', join(s.w, 'd'));
      },
    });
    expect(swapped).toBe(true);
    expect(r.stdout).not.toContain(CANARY);
    expect(picture(s.outside)).toEqual(before);
    // After the swap /w/d is the symlink it now is, and names /outside: nothing, in the guest's namespace.
    expect(r.stdout).toContain('cat /w/d/x = -2');
    expect(r.stdout).toContain('ls /w/d = -2');
    expect(readFileSync(join(s.w, 'd.moved', 'x'), 'latin1')).toBe('inside');
  });

  test('(e) a directory above the one a call works in is swapped for a symlink to the canary: the calls land in the mount or nowhere', async () => {
    // The anchor of /w/a/d is reached through a/, which the swap makes a symlink: only an anchor
    // that follows nothing on the way (RESOLVE_NO_SYMLINKS), or checks what it reached, stays out.
    for (const first of [['open', '/w/a/d/new', 'O_WRONLY|O_CREAT'], ['mkdir', '/w/a/d/made'], ['symlink', 'x', '/w/a/d/ln'], ['rename', '/w/f', '/w/a/d/moved'], ['unlink', '/w/a/d/x'], ['chmod', '/w/a/d/x', '0777']]) {
      s = stage();
      mkdirSync(join(s.w, 'a', 'd'), { recursive: true });
      writeFileSync(join(s.w, 'a', 'd', 'x'), 'inside');
      writeFileSync(join(s.w, 'f'), 'inside-f');
      mkdirSync(join(s.outside, 'd'));
      writeFileSync(join(s.outside, 'd', 'x'), `${CANARY} d/x\n`);
      const before = picture(s.outside);
      let swapped = false;
      await fsops(['ls', '/w/a/d', ...first, 'ls', '/w/a/d'], {
        dirs: [{ host: s.w, guest: '/w' }], cwd: '/w',
        // After the listing the model holds a/ and a/d/ as directories; then another process swaps a/.
        trace: (name) => {
          if (swapped || name !== 'close') return;
          swapped = true;
          renameSync(join(s.w, 'a'), join(s.w, 'a.moved'));
          symlinkSync('../outside', join(s.w, 'a'));
        },
      });
      expect(swapped).toBe(true);
      expect(picture(s.outside), first.join(' ')).toEqual(before);
    }
  });
});
