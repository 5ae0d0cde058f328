/**
 * Security by attack on the in-memory host: a hostile fsops guest under a policy (everything
 * under /work, /ro read-only, /work/h hidden with ENOENT) uses symlinks out, `..`, renames,
 * dirfds and /proc/self/fd. The witnesses are the filesystem's own: the canary tree and /ro are
 * unchanged after the run (names, kinds, modes, bytes, and the canary files' access times, which
 * every read and readlink moves), and no canary byte or name reaches the guest's output. Under an
 * allow-everything policy the same witnesses fire, so they can fail.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { compilePolicyText } from '../../src/dsl/index.js';
import { MemoryFs, type MemoryTree } from '../../src/memhost/index.js';
import { dentry, inodeOf, lookupChild } from '../../src/state/namespace.js';
import { programArb } from '../security/ops.js';
import { ALLOW_ALL, memTree, runMem, seeded } from './harness.js';

const POLICY = compilePolicyText(`policy "p" abi 1
default deny errno EACCES
allow * under /work
allow read,list,stat,chdir under /ro
deny * under /work/h errno ENOENT
`, { file: 'p.policy' });

const WORLD: MemoryTree = {
  work: { f: 'work file\n', d: { x: 'dx\n' }, out: ['symlink', '../canary'], abs: ['symlink', '/canary/CANARY-NAME'], rolink: ['symlink', '/ro/r'] },
  ro: { r: 'RO-DATA\n', rd: { y: 'RO-Y\n' } },
  canary: { 'CANARY-NAME': 'SECRET-1\n', cd: { inner: 'SECRET-2\n', 'zz-listed-2': '' }, cl: ['symlink', 'SECRET-LINK'], 'zz-listed': '' },
};

/** The canary and /ro as the witness sees them: every name, kind, mode and byte, and the canary inodes' access times. */
function witness(fs: MemoryFs): string {
  const tree = memTree(fs);
  const kept = Object.entries(tree).filter(([p]) => p === 'canary' || p.startsWith('canary/') || p === 'ro' || p.startsWith('ro/'));
  const times: string[] = [];
  const s = fs.kernel.s;
  const at = (path: string): number => path.split('/').filter(Boolean).reduce((d, name) => lookupChild(s, fs.kernel.view, dentry(s, d), name), s.rootDentry);
  for (const [p] of kept) {
    if (!p.startsWith('canary')) continue;
    const id = at(`/${p}`);
    const data = id ? fs.inodes.get(inodeOf(s, dentry(s, id)).id) : undefined;
    times.push(`${p}@${data?.atimeNs ?? 'gone'}`);
  }
  return JSON.stringify([kept, times]);
}

/** What only reading the canary shows: its bytes, a symlink body, names only a listing gives (the programs name the others themselves). */
const LEAKS = /SECRET|zz-listed/;

async function attack(words: string[], policy = POLICY): Promise<{ out: string; before: string; after: string; fs: MemoryFs }> {
  const fs = MemoryFs.fromJson(WORLD);
  const before = witness(fs);
  const r = await runMem(words, { fs, cwd: '/work', policy });
  return { out: r.out, before, after: witness(fs), fs };
}

const ATTACKS: Record<string, string[]> = {
  'a symlink out, read and written': ['symlink', '/canary/CANARY-NAME', 's', 'cat', 's', 'open', 's', 'O_WRONLY|O_TRUNC', 'cat', 'abs', 'open', 'abs', 'O_RDWR', 'write', '$', 'x', 'readlink', 'out/cl'],
  '.. out of the work directory': ['cat', '../canary/CANARY-NAME', 'ls', '../canary', 'lstype', '..', 'unlink', '../canary/CANARY-NAME', 'chmod', '../canary/cd', '0777', 'utimens', 'AT_FDCWD', '../canary/cd/inner', '0', 'stat', 'd/../../canary/cd/inner'],
  'renames across the boundary': ['rename', 'f', '../canary/f', 'rename', '../canary/CANARY-NAME', 'stolen', 'rename', 'out', '../canary/cd/out', 'renameat2', 'AT_FDCWD', 'd', 'AT_FDCWD', '/canary/cd', 'RENAME_EXCHANGE', 'link', '/canary/CANARY-NAME', 'hard', 'cat', 'hard', 'cat', 'stolen'],
  'dirfds': ['open', '..', 'O_RDONLY|O_DIRECTORY', 'openat', '$', 'canary/CANARY-NAME', 'O_RDONLY', 'read', '$', '100', 'getdents', '3', 'open', 'out', 'O_PATH', 'openat', '$', 'CANARY-NAME', 'O_RDWR', 'fchdir', '3', 'cat', 'canary/cd/inner', 'mkdirat', '5', 'made'],
  '/proc/self/fd': ['open', '/canary', 'O_PATH', 'cat', '/proc/self/fd/3/CANARY-NAME', 'open', '/proc/self/fd/3', 'O_RDONLY', 'ls', '/proc/self/fd'],
  'the read-only tree': ['unlink', '/ro/r', 'open', '/ro/r', 'O_WRONLY', 'open', 'rolink', 'O_RDWR|O_TRUNC', 'rename', '/ro/r', 'r2', 'mkdir', '/ro/rd/n', 'chmod', '/ro/r', '0777', 'cat', 'rolink', 'ls', '/ro/rd'],
};

describe('the in-memory host keeps a hostile guest inside its policy', () => {
  test.each(Object.keys(ATTACKS))('%s', async (name) => {
    const r = await attack(ATTACKS[name]!);
    expect(r.out, r.out).not.toMatch(LEAKS);
    expect(r.after).toBe(r.before);
  });

  test('a denied unlink leaves the file in place; reads of /ro are allowed', async () => {
    const r = await attack(['unlink', '/ro/r', 'cat', '/ro/r']);
    expect(r.out).toBe('unlink /ro/r = -13\ncat /ro/r = 8 "RO-DATA\\n"\n');
    expect(new TextDecoder().decode(r.fs.readFile('/ro/r'))).toBe('RO-DATA\n');
  });

  test('each witness can fail: under allow-everything the same attacks read, change and list the canary', async () => {
    const read = await attack(ATTACKS['.. out of the work directory']!, ALLOW_ALL);
    expect(read.out).toMatch(LEAKS);
    expect(read.after).not.toBe(read.before);
    // A read alone moves only an access time: the witness sees it.
    const quiet = await attack(['open', '../canary/cd/inner', 'O_RDONLY', 'read', '$', '1'], ALLOW_ALL);
    expect(quiet.out).not.toMatch(LEAKS);
    expect(quiet.after).not.toBe(quiet.before);
  });

  test('hidden is absent: /work/h answers as a name that is not there', async () => {
    const words = ['stat', 'h', 'open', 'h', 'O_RDONLY', 'mkdir', 'h', 'open', 'h', 'O_WRONLY|O_CREAT|O_EXCL', 'ls', '.', 'rename', 'f', 'h', 'symlink', 'x', 'h', 'unlink', 'h', 'readlink', 'h', 'cat', 'h/x'];
    const outs: string[] = [];
    for (const h of [undefined, 'file', 'dir', 'symlink'] as const) {
      const world = structuredClone(WORLD) as { work: MemoryTree };
      if (h === 'file') world.work['h'] = 'hidden\n';
      if (h === 'dir') world.work['h'] = { x: 'hidden x\n' };
      if (h === 'symlink') world.work['h'] = ['symlink', 'd'];
      const fs = MemoryFs.fromJson(world);
      const r = await runMem(words, { fs, cwd: '/work', policy: POLICY });
      outs.push(r.out);
      if (h !== undefined) expect(fs.exists('/work/h')).toBe(true);
    }
    expect(outs[0]).toMatch(/^stat h = -2$/m);
    for (const o of outs.slice(1)) expect(o).toBe(outs[0]);
  });
});

/** Paths a hostile program draws: out through symlinks, `..`, absolute names, the read-only tree, /proc. */
const PATHS = ['/work/f', 'f', 'd', 'd/x', 'out', 'out/CANARY-NAME', 'out/cd', 'abs', '../canary', '../canary/CANARY-NAME', '/canary', '/canary/cd/inner', 'd/../../canary/cd', '/ro/r', '/ro', '/ro/rd', 'rolink', '..', '/', 'h', 'new', 'new/x', '/proc/self/fd/3', '.'];
const SEED = Number(process.env['FDWARDEN_SEED'] ?? 0x3e3_0001);
const RUNS = Number(process.env['FDWARDEN_MEMHOST_RUNS'] ?? 150);

describe('random hostile programs (fixed seed)', () => {
  test('never read, change or list the canary, never change /ro', async () => {
    await fc.assert(fc.asyncProperty(programArb(PATHS, 24), async (words) => {
      const r = await attack(words);
      expect(r.out, `fsops ${words.join(' ')}\n${r.out}`).not.toMatch(LEAKS);
      expect(r.after, `fsops ${words.join(' ')}`).toBe(r.before);
    }), seeded(SEED, RUNS));
  }, 300_000);

  test('the random witness fires under allow-everything (it can fail)', async () => {
    const r = await fc.check(fc.asyncProperty(programArb(PATHS, 24), async (words) => {
      const a = await attack(words, ALLOW_ALL);
      return !LEAKS.test(a.out) && a.after === a.before;
    }), { seed: SEED, numRuns: RUNS });
    expect(r.failed).toBe(true);
  }, 300_000);

  test('hidden equals absent: the same program answers the same whether /work/h is a file, a directory, a symlink or nothing', async () => {
    // Masked: link counts only. A hidden subdirectory adds one to its parent's nlink, as it does on
    // the disk (spec/syscall-rights.md, "Hidden names"). A directory's size is not masked: the
    // in-memory host reports one size for every directory, so a hidden entry cannot show in it.
    const masked = (o: string): string => o.replace(/nlink=\d+/g, 'nlink=*');
    const hpaths = ['h', 'h/', 'h/x', '/work/h', 'h/..', 'toh', 'toh/x', 'd/../h', 'f', 'd', '.', 'g'];
    await fc.assert(fc.asyncProperty(fc.constantFrom('file', 'dir', 'symlink'), programArb(hpaths, 20), async (kind, words) => {
      const run = async (h: MemoryTree[string] | undefined): Promise<string> => {
        const world: MemoryTree = { work: { f: 'visible\n', d: {}, toh: ['symlink', 'h'], ...(h === undefined ? {} : { h }) } };
        return masked((await runMem(words, { fs: MemoryFs.fromJson(world), cwd: '/work', policy: POLICY })).out);
      };
      const absent = await run(undefined);
      const present = await run(kind === 'file' ? 'hidden\n' : kind === 'dir' ? { x: 'hidden\n' } : ['symlink', 'd']);
      expect(present, `fsops ${words.join(' ')} (h a ${kind})`).toBe(absent);
    }), seeded(SEED, RUNS));
  }, 300_000);
});
