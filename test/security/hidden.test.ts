/**
 * Class 4: a name the policy hides (no right on it, `stat` refused with ENOENT) is
 * indistinguishable from an absent one. The same guest program runs twice on the Node host under
 * the same policy: once with the hidden name there (a file, or a directory with a child), once
 * without it. Every answer must be the same, in every way of naming it: a trailing slash, a path
 * through it, a symlink to it, `..` out of it, listings, faccessat2, statx, creations over it.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { policy } from '../unit/wali/guest.js';
import { fsops, stage, type Stage } from './harness.js';

const POLICY = policy(`policy "p" abi 1
default deny errno EACCES
allow * under /w
deny * under /w/h errno ENOENT
`);

/** Ops naming the hidden name every way the reviewer tried, and more. */
const OPS = [
  'stat', '/w/h', 'stat', '/w/h/', 'lstat', '/w/h/x', 'stat', '/w/h/..', 'cat', '/w/h', 'cat', '/w/h/x', 'ls', '/w/h', 'ls', '/w',
  'lstype', '/w', 'access', '/w/h', '0', 'faccessat2', 'AT_FDCWD', '/w/h', '0', 'AT_SYMLINK_NOFOLLOW', 'statx', 'AT_FDCWD', '/w/h/x', '0',
  'readlink', '/w/h', 'stat', '/w/toh', 'stat', '/w/toh/x', 'cat', '/w/toh', 'readlink', '/w/toh',
  'open', '/w/h', 'O_WRONLY|O_CREAT|O_EXCL', 'open', '/w/h', 'O_WRONLY|O_CREAT', 'open', '/w/h/x', 'O_RDONLY', 'open', '/w/toh', 'O_WRONLY|O_CREAT',
  'mkdir', '/w/h', 'mkdir', '/w/h/y', 'rmdir', '/w/h', 'unlink', '/w/h', 'unlink', '/w/h/x', 'rename', '/w/h', '/w/g', 'rename', '/w/f', '/w/h',
  'link', '/w/f', '/w/h', 'symlink', 'f', '/w/h', 'chmod', '/w/h', '0777', 'chdir', '/w/h', 'chdir', '/w/h/..', 'utimens', 'AT_FDCWD', '/w/h', '0',
  'openat', 'AT_FDCWD', '/w', 'O_RDONLY|O_DIRECTORY', 'fstatat', '$', 'h', '0', 'fstatat', '$35', 'h/x', 'AT_SYMLINK_NOFOLLOW',
  'ls', '/w', 'stat', '/w/f',
];

let s: Stage;
afterEach(() => s?.cleanup());

async function world(hidden: 'file' | 'dir' | 'none'): Promise<string> {
  s?.cleanup();
  s = stage();
  writeFileSync(join(s.w, 'f'), 'visible');
  symlinkSync('h', join(s.w, 'toh'));
  if (hidden === 'file') writeFileSync(join(s.w, 'h'), 'hidden');
  if (hidden === 'dir') {
    mkdirSync(join(s.w, 'h'));
    writeFileSync(join(s.w, 'h', 'x'), 'hidden');
  }
  const r = await fsops(OPS, { dirs: [{ host: s.w, guest: '/w' }], cwd: '/w', policy: POLICY });
  return r.stdout;
}

describe('class 4: hidden is absent', () => {
  test('a hidden file and a hidden directory answer every call exactly as nothing does', async () => {
    const absent = await world('none');
    expect(absent).toContain('stat /w/h/ = -2');
    expect(absent).toContain('ls /w = 2 "f" "toh"');
    expect(absent).toContain('stat /w/f = 0'); // the program ran to its end
    expect(await world('file')).toEqual(absent);
    expect(await world('dir')).toEqual(absent);
  });
});
