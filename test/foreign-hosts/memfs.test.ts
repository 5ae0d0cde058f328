/**
 * The interposer in front of an in-memory VFS host with its own, textual path handling
 * (memfs.ts). Namespace: the VFS's tree, as a snapshot taken before the guest runs
 * (`treeNamespace(memfsSnapshot(fs), { cwd })`) or as a live View of it
 * (`viewNamespace(memfsView(fs), { cwd })`), both with hostPaths 'text'.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { CANARY } from '../security/harness.js';
import { fsopsModule, holds, importedSyscalls, masked, policy, programs, renameShuffles, result, runs, seed, symlinkBodies, unallowed } from './common.js';
import { MemFs, MemfsHost, memfsPicture, type TreeSpec } from './memfs.js';
import { runMemfs, type Describe, type MemRun } from './vfs.js';

/** /w the guest's, /ro read-only for it, /c the canary; symlinks out of /w at two depths, and one into a deeper directory. */
const WORLD: TreeSpec = {
  '/w/d/e/y': { file: 'inside-y' },
  '/w/d/x': { file: 'inside-x' },
  '/w/f': { file: 'inside-f' },
  '/w/l': { link: 'd' },
  '/w/deep': { link: 'd/e' },
  '/w/out': { link: '../c' },
  '/w/d/up': { link: '../../c' },
  '/w/sub/m': { dir: true },
  '/ro/in.txt': { file: 'input\n' },
  '/ro/dir/z': { file: 'ro-z' },
  '/c/x': { file: `${CANARY} x\n` },
  '/c/secret': { file: `${CANARY} secret\n` },
  '/c/sub/x': { file: `${CANARY} sub/x\n` },
};

const PATHS = [
  'd', 'd/e', 'd/x', 'd/e/y', 'f', 'l', 'l/x', 'l/e/../x', 'd/e/..', 'deep', 'deep/..', 'deep/y', 'deep/../x', 'out', 'out/x', 'out/sub/x',
  'd/up', 'd/up/x', 'q', 'q/up/secret', 'sub', 'sub/m', 'sub/m/z', 'new', 'new/t', '..', '../c/x', '../ro/in.txt', '../ro/dir', '/c/secret',
  '/w/../c', 'd/e/../../..', '/w/d', '/ro', '/w/l/e/../x', 'c', 'c/secret',
];

const POLICY = policy(`policy "p" abi 1
default deny errno EACCES
allow * under /w
allow read,list,stat,chdir under /ro
`);
const ZONES = { full: ['/w'], readOnly: ['/ro'] };
const describeArb = fc.constantFrom<Describe>('snapshot', 'live');

describe('in-memory VFS host: its own fds, its own textual paths', () => {
  test('the host implements every call fsops imports', () => {
    const names = Object.keys(new MemfsHost(new MemFs(), { args: [] }).syscalls());
    expect(importedSyscalls(fsopsModule()).filter((n) => !names.includes(n))).toEqual([]);
  });

  test.each(['snapshot', 'live'] as const)('wrap(imports, { policy, namespace }) with the tree as a %s: a real program; allowed calls happen in the VFS, denied ones do not, with the rule\'s errno', (how) => {
    const fs = MemFs.from(WORLD);
    const pol = policy(`policy "p" abi 1
default deny errno EACCES
allow * under /w
allow read,list,stat under /ro
deny * under /w/secret errno ENOENT
`);
    const r = runMemfs(fs, [
      'getcwd', 'cat', '../ro/in.txt', 'open', '../ro/in.txt', 'O_WRONLY', 'unlink', '../ro/in.txt',
      'open', 'out.txt', 'O_WRONLY|O_CREAT|O_TRUNC', 'write', '$', 'copied\\n', 'close', '$5',
      'mkdir', 'sub2', 'rename', 'out.txt', 'sub2/moved.txt', 'symlink', '../../c/secret', 'sub2/peek', 'cat', 'sub2/peek',
      'cat', 'd/up/secret', 'cat', 'l/e/../x', 'cat', 'deep/../x', 'mkdir', 'secret', 'cat', '/c/secret', 'stat', '..', 'ls', 'sub2', 'rmdir', '../ro/dir',
    ], { policy: pol, cwd: '/w', describe: how });
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')).toEqual([
      'getcwd = 3 "/w"', 'cat ../ro/in.txt = 6 "input\\n"', 'open ../ro/in.txt O_WRONLY = -13', 'unlink ../ro/in.txt = -13',
      // The host's fds: from 3, never reused (cat's open had 3).
      'open out.txt O_WRONLY|O_CREAT|O_TRUNC = 4', 'write $ copied\\n = 7', 'close $5 = 0', 'mkdir sub2 = 0', 'rename out.txt sub2/moved.txt = 0',
      'symlink ../../c/secret sub2/peek = 0', 'cat sub2/peek = -13', 'cat d/up/secret = -13',
      // Text and Linux agree here (l/e/.. and l are both d) ...
      'cat l/e/../x = 8 "inside-x"',
      // ... not here: Linux climbs out of deep's target (d/e/.. is d, so d/x); this host would read /w/x. Refused.
      'cat deep/../x = -13',
      'mkdir secret = -2', 'cat /c/secret = -13', 'stat .. = -13', 'ls sub2 = 2 "moved.txt" "peek"', 'rmdir ../ro/dir = -13', '',
    ]);
    const after = memfsPicture(fs, '/');
    expect(after['/w/sub2/moved.txt']).toMatch(/^reg 644 .* copied\n$/);
    expect(after['/w/sub2/peek']).toMatch(/^lnk 777 .* \.\.\/\.\.\/c\/secret$/);
    expect(after['/w/out.txt']).toBeUndefined();
    expect(after['/w/secret']).toBeUndefined();
    expect(after['/ro/in.txt']).toMatch(/ input\n$/);
    expect(after['/ro/dir']).toMatch(/^dir /);
    expect(r.denials.map((d) => `${d.syscall} ${d.errno} ${d.reason}`)).toEqual([
      'open EACCES policy', 'unlink EACCES policy', 'open EACCES policy', 'open EACCES policy', 'open EACCES unknown', 'mkdir ENOENT policy',
      'open EACCES policy', 'stat EACCES policy', 'rmdir EACCES policy',
    ]);
  });

  test('spy: every call that reaches the host acts, as the host itself resolves it, on what the policy allows', async () => {
    let reached = 0;
    let denied = 0;
    await holds(
      fc.property(describeArb, programs(PATHS, 24), (how, words) => {
        const r = runMemfs(MemFs.from(WORLD), words, { policy: POLICY, cwd: '/w', describe: how, spy: true });
        expect(unallowed(ZONES, r.touches)).toEqual([]);
        expect(r.mismatches).toEqual([]);
        reached += r.touches.length;
        denied += r.denials.filter((d) => d.reason === 'policy').length;
      }),
      seed(0x3e3f_0001),
      runs(300),
    );
    expect(reached).toBeGreaterThan(300);
    expect(denied).toBeGreaterThan(150);
  });

  test('escape: random programs never read, change or create anything outside the allowed subtrees', async () => {
    await holds(
      fc.property(describeArb, programs(PATHS, 30), (how, words) => {
        const fs = MemFs.from(WORLD);
        const canary = memfsPicture(fs, '/c');
        const ro = memfsPicture(fs, '/ro', false); // read-only: reads (atimes) allowed
        const root = [...fs.root.entries.keys()].sort();
        const r = runMemfs(fs, words, { policy: POLICY, cwd: '/w', describe: how });
        expect(r.stdout).not.toContain(CANARY);
        expect(r.stderr).not.toContain(CANARY);
        // Reads show too: a read sets the file's atime.
        expect(memfsPicture(fs, '/c')).toEqual(canary);
        expect(memfsPicture(fs, '/ro', false)).toEqual(ro);
        expect([...fs.root.entries.keys()].sort()).toEqual(root);
      }),
      seed(0x3e3f_0002),
      runs(300),
    );
  });

  test('hidden equals absent: under `deny * under /w/h errno ENOENT`, h a file, a directory or a symlink answers as nothing', async () => {
    const pol = policy(`policy "p" abi 1
default deny errno EACCES
allow * under /w
deny * under /w/h errno ENOENT
`);
    const PATHS_H = ['/w/h', '/w/h/', '/w/h/x', 'h', 'h/..', 'h/x/..', '/w/toh', 'toh/x', 'toh/', '/w/f', '/w/d', 'd/../h', '/w/g', 'g', '.', '/w', 'd/y'];
    const run = (how: Describe, hidden: 'file' | 'dir' | 'symlink' | 'none', words: string[]): string => {
      const spec: TreeSpec = { '/w/f': { file: 'visible' }, '/w/d': { dir: true }, '/w/toh': { link: 'h' } };
      if (hidden === 'file') spec['/w/h'] = { file: 'hidden' };
      if (hidden === 'dir') spec['/w/h/x'] = { file: 'hidden' };
      if (hidden === 'symlink') spec['/w/h'] = { link: 'd' };
      return masked(runMemfs(MemFs.from(spec), words, { policy: pol, cwd: '/w', describe: how }).stdout);
    };
    await holds(
      fc.property(describeArb, fc.constantFrom('file' as const, 'dir' as const, 'symlink' as const), programs(PATHS_H, 24), (how, hidden, words) => {
        expect(run(how, hidden, words)).toEqual(run(how, 'none', words));
      }),
      seed(0x3e3f_0003),
      runs(200),
    );
  });

  test('the witnesses can fail: under a policy that allows everything, the spy sees the canary read and the output shows it', () => {
    const fs = MemFs.from(WORLD);
    const before = memfsPicture(fs, '/c');
    const r = runMemfs(fs, ['cat', 'd/up/secret', 'open', 'out/new', 'O_WRONLY|O_CREAT'], { policy: policy('policy "all" abi 1\nallow * under /\n'), cwd: '/w', describe: 'snapshot', spy: true });
    expect(result(r.stdout, 0)).toBeGreaterThan(0);
    expect(r.stdout).toContain(CANARY);
    const seen = unallowed(ZONES, r.touches);
    expect(seen).toContain('open reached the host: reads /c/secret');
    expect(seen).toContain('read reached the host: reads /c/secret');
    expect(seen).toContain('open reached the host: changes /c/new');
    expect(memfsPicture(fs, '/c')).not.toEqual(before);
  });
});

/** What the focused attacks check after a run: nothing outside the policy reached, judged equals touched, the canary untouched and unseen. */
function clean(fs: MemFs, canary: Record<string, string>, r: MemRun): void {
  expect(r.stdout).not.toContain(CANARY);
  expect(unallowed(ZONES, r.touches)).toEqual([]);
  expect(r.mismatches).toEqual([]);
  expect(memfsPicture(fs, '/c')).toEqual(canary);
}

/** Directories the guest has not looked into, one holding a symlink to the canary, one a decoy at the same inner path. */
const RENAME_WORLD: TreeSpec = {
  '/w/d/up': { link: '../../c' },
  '/w/e2/up/secret': { file: 'decoy' },
  '/c/secret': { file: `${CANARY} secret\n` },
};
const RENAME_DIRS = ['d', 'q', 'e2'];
const RENAME_LEAVES = ['q/up/secret', 'd/up/secret', 'e2/up/secret', 'q/up/new', 'd/up/new'];

/** A symlink into a deeper directory, and a decoy at the name a textual `..` leads to. */
const BODY_WORLD: TreeSpec = {
  '/w/d/e': { dir: true },
  '/w/deep': { link: 'd/e' },
  '/w/l': { link: 'd' },
  '/w/c/secret': { file: 'decoy' },
  '/c/secret': { file: `${CANARY} secret\n` },
};

describe('in-memory VFS host: renames and symlink bodies (focused attacks)', () => {
  test('renames among unexplored directories, the tree given as a snapshot: reads and writes through them touch what was judged', async () => {
    await holds(
      fc.property(renameShuffles(RENAME_DIRS, RENAME_LEAVES), (words) => {
        const fs = MemFs.from(RENAME_WORLD);
        const canary = memfsPicture(fs, '/c');
        clean(fs, canary, runMemfs(fs, words, { policy: POLICY, cwd: '/w', describe: 'snapshot', spy: true }));
      }),
      seed(0x3e3f_0011),
      runs(300),
    );
  });

  // Regression 1 (see README.md): a live View answers for what is at a path now, so the model must
  // ask it at a directory's current path: after `rename d q; rename e2 d`, q's children are at
  // /w/q, not at /w/d (where e2's are).
  test('regression 1: renames among unexplored directories, the tree given as a live View: the model never learns another directory\'s children', async () => {
    await holds(
      fc.property(renameShuffles(RENAME_DIRS, RENAME_LEAVES), (words) => {
        const fs = MemFs.from(RENAME_WORLD);
        const canary = memfsPicture(fs, '/c');
        clean(fs, canary, runMemfs(fs, words, { policy: POLICY, cwd: '/w', describe: 'live', spy: true }));
      }),
      seed(0x3e3f_0012),
      runs(300),
    );
  });

  test('regression 1, minimal: rename d q; rename e2 d; cat q/up/secret does not read the canary (live View)', () => {
    const fs = MemFs.from(RENAME_WORLD);
    const r = runMemfs(fs, ['rename', 'd', 'q', 'rename', 'e2', 'd', 'cat', 'q/up/secret'], { policy: POLICY, cwd: '/w', describe: 'live' });
    expect(r.stdout).not.toContain(CANARY);
  });

  test('the same minimal program with the tree as a snapshot is refused', () => {
    const fs = MemFs.from(RENAME_WORLD);
    const r = runMemfs(fs, ['rename', 'd', 'q', 'rename', 'e2', 'd', 'cat', 'q/up/secret'], { policy: POLICY, cwd: '/w', describe: 'snapshot' });
    expect(r.stdout.split('\n')).toEqual(['rename d q = 0', 'rename e2 d = 0', 'cat q/up/secret = -13', '']);
  });

  // Regression 2 (see README.md): with hostPaths 'text', symlinks met on the way are followed as a
  // text host follows them: `a -> deep/../../c` is /w/c for Linux (deep is d/e) and /c for this
  // host, so the call is refused before the host sees it.
  test('regression 2: symlinks the guest makes with `..` in their bodies: what the host touches through them is what was judged', async () => {
    await holds(
      fc.property(fc.constantFrom<Describe>('snapshot', 'live'), symlinkBodies(['deep', '..', 'c', 'd', 'e', 'l', '.'], ['a', 'b'], ['secret', 'new']), (how, words) => {
        const fs = MemFs.from(BODY_WORLD);
        const canary = memfsPicture(fs, '/c');
        clean(fs, canary, runMemfs(fs, words, { policy: POLICY, cwd: '/w', describe: how, spy: true }));
      }),
      seed(0x3e3f_0013),
      runs(300),
    );
  });

  test.each(['snapshot', 'live'] as const)('regression 2, minimal (%s): symlink deep/../../c a; open a/secret O_RDWR|O_CREAT; read does not read the canary', (how) => {
    const fs = MemFs.from(BODY_WORLD);
    const r = runMemfs(fs, ['symlink', 'deep/../../c', 'a', 'open', 'a/secret', 'O_RDWR|O_CREAT', 'read', '$', '100'], { policy: POLICY, cwd: '/w', describe: how });
    expect(r.stdout).not.toContain(CANARY);
  });
});
