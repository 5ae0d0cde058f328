/**
 * Linux is the oracle: fsops (raw WALI calls, no libc) runs on the in-memory host and natively,
 * chrooted into a real directory laid out alike (test/memhost/harness.ts: `/`, `..` and absolute
 * paths name the same things in both; root is needed), and both print the same lines,
 * end with the same status and leave the same tree (names, kinds, modes, bytes, symlink bodies).
 * Masked, because no two filesystems agree on them: a directory's st_size (and statx's), which
 * is the filesystem's own bookkeeping. Inode numbers, devices and times are never printed by
 * fsops (xstat prints only whether atime is the one utimens set).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { MemoryFs, type MemoryTree } from '../../src/memhost/index.js';
import { PROGRAMS_DIR } from '../wali/build.js';
import { programArb } from '../security/ops.js';
import { CAN_CHROOT, memTree, NO_ROOT_MESSAGE, NO_ROOT_OK, runMem, runNative, seeded } from './harness.js';

/** The filesystem-dependent part of fsops' lines: a directory's size. */
function masked(out: string): string {
  return out
    .replace(/mode=(040\d+) size=\d+/g, 'mode=$1 size=*')
    .replace(/mode=(\d+) size=\d+/g, (m, mode: string) => ((Number(mode) & 0o170000) === 0o040000 ? `mode=${mode} size=*` : m));
}

const SEED: MemoryTree = { w: { f: 'hello\n', d: { g: 'inner\n', e: {} }, l: ['symlink', 'f'], dl: ['symlink', 'd'], dangling: ['symlink', 'nowhere'] } };

async function same(words: string[], seed: MemoryTree = SEED): Promise<string> {
  const n = runNative(words, seed);
  const m = await runMem(words, { fs: MemoryFs.fromJson(seed) });
  const show = `fsops ${words.join(' ')}\n--- native\n${n.out}--- memory\n${m.out}`;
  expect(masked(m.out), show).toBe(masked(n.out));
  expect(m.status, show).toBe(n.status);
  expect(memTree(m.fs), show).toEqual(n.tree);
  return m.out;
}

/** Every op fsops has, in sequences that make each answer matter (success and Linux's errors). */
const SEQUENCES: Record<string, string[]> = {
  'open, read, write, positions': [
    'open', 'f', 'O_RDWR', 'read', '$1', '3', 'read', '$1', '100', 'read', '$1', '100', 'write', '$1', 'more\\n', 'pread', '$1', '100', '0',
    'pwrite', '$1', 'XY', '1', 'pread', '$1', '4', '0', 'lseek', '$1', '0', 'SEEK_END', 'lseek', '$1', '-3', 'SEEK_CUR', 'lseek', '$1', '-100', 'SEEK_SET',
    'lseek', '$1', '0', '7', 'read', '$1', '100', 'pwrite', '$1', 'z', '20', 'stat', 'f', 'cat', 'f', 'ftruncate', '$1', '2', 'cat', 'f', 'xstat', 'f',
    'ftruncate', '$1', '9000', 'xstat', 'f', 'ftruncate', '$1', '-1', 'close', '$1', 'read', '$1', '1', 'close', '$1',
  ],
  'open flags and modes': [
    'open', 'f', 'O_WRONLY|O_APPEND', 'write', '$', 'app', 'lseek', '$1', '0', 'SEEK_CUR', 'pwrite', '$1', 'P', '0', 'cat', 'f', 'read', '$1', '1',
    'open', 'f', 'O_RDONLY', 'write', '$', 'x', 'open', 'new', 'O_WRONLY|O_CREAT|O_EXCL', 'open', 'new', 'O_WRONLY|O_CREAT|O_EXCL', 'open', 'f', 'O_RDWR|O_TRUNC',
    'stat', 'f', 'open', 'd', 'O_RDWR', 'open', 'd', 'O_RDONLY', 'read', '$', '1', 'open', 'f', 'O_RDONLY|O_DIRECTORY', 'open', 'missing/x', 'O_RDONLY',
    'open', 'l', 'O_RDONLY|O_NOFOLLOW', 'open', 'l', 'O_PATH|O_NOFOLLOW', 'read', '$', '1', 'fstat', '5', 'open', 'dangling', 'O_WRONLY|O_CREAT', 'cat', 'nowhere',
    'open', 'd', 'O_TMPFILE|O_WRONLY', 'write', '$', 'tmp', 'fstat', '5', 'open', 'f', '0x7fffffff', 'open', 'f/', 'O_RDONLY', 'open', 'd/', 'O_RDONLY',
    'open', 'dl/g', 'O_RDONLY', 'openat', '$', 'x', 'O_RDONLY', 'openat', '5', '../f', 'O_RDONLY', 'cat', 'd/g',
  ],
  'descriptors': [
    'open', 'f', 'O_RDWR', 'dup', '$1', 'dup2', '$1', '10', 'dup2', '$1', '$1', 'dup3', '$1', '11', 'O_CLOEXEC', 'dup3', '$1', '$1', '0',
    'fcntl', '$1', 'F_DUPFD', '20', 'fcntl', '$1', 'F_DUPFD_CLOEXEC', '30', 'fcntl', '11', 'F_GETFD', '0', 'fcntl', '$1', 'F_SETFD', 'FD_CLOEXEC',
    'fcntl', '$1', 'F_GETFD', '0', 'fcntl', '$1', 'F_GETFL', '0', 'fcntl', '$1', 'F_SETFL', 'O_APPEND', 'fcntl', '$1', 'F_GETFL', '0',
    'write', '10', 'a', 'write', '11', 'b', 'lseek', '20', '0', 'SEEK_CUR', 'close', '10', 'write', '10', 'x', 'close', '10', 'fcntl', '99', 'F_GETFD', '0',
    'fcntl', '$1', '1234', '0', 'dup2', '$1', '-1', 'dup', '-1', 'cat', 'f', 'fsync', '$1', 'fdatasync', '$1', 'fsync', '77',
    'readv', '$1', '2', '3', 'lseek', '$1', '0', 'SEEK_SET', 'readv', '$1', '2', '100', 'writev', '$1', 'ab', 'cd', 'cat', 'f',
  ],
  'directories': [
    'mkdir', 'n', 'mkdir', 'n', 'mkdir', 'n/m', 'mkdir', 'missing/m', 'mkdir', 'f/m', 'mkdirat', 'AT_FDCWD', 'n/k', 'open', 'n', 'O_RDONLY|O_DIRECTORY',
    'mkdirat', '$', 'j', 'ls', 'n', 'lstype', '.', 'getdents', '$6', 'getdents', '$6', 'lseek', '$6', '0', 'SEEK_SET', 'getdents', '$6', 'lseek', '$6', '0', 'SEEK_END',
    'rmdir', 'n', 'rmdir', 'n/m', 'rmdir', 'n/m', 'rmdir', 'f', 'unlinkat', '$6', 'j', 'AT_REMOVEDIR', 'unlinkat', '$6', 'k', '0', 'unlinkat', '$6', 'k', 'AT_REMOVEDIR',
    'rmdir', 'n', 'getdents', '$6', 'mkdirat', '$6', 'again', 'rmdir', '.', 'rmdir', 'd/..', 'ls', 'n', 'stat', 'd', 'xstat', 'd', 'statx', 'AT_FDCWD', 'd', '0',
  ],
  'names: unlink, rename, link, symlink': [
    'unlink', 'f', 'unlink', 'f', 'unlink', 'd', 'unlinkat', 'AT_FDCWD', 'd/g', '0', 'unlinkat', 'AT_FDCWD', 'd/e', '0', 'unlinkat', 'AT_FDCWD', 'x', '1',
    'open', 'a', 'O_WRONLY|O_CREAT', 'write', '$', 'A', 'rename', 'a', 'b', 'rename', 'a', 'b', 'rename', 'b', 'd/e', 'rename', 'd/e', 'd/e/x', 'rename', 'd', 'q',
    'renameat', 'AT_FDCWD', 'b', 'AT_FDCWD', 'q/b2', 'renameat2', 'AT_FDCWD', 'q/b2', 'AT_FDCWD', 'l', 'RENAME_NOREPLACE',
    'renameat2', 'AT_FDCWD', 'q/b2', 'AT_FDCWD', 'l', 'RENAME_EXCHANGE', 'readlink', 'q/b2', 'cat', 'l', 'renameat2', 'AT_FDCWD', 'l', 'AT_FDCWD', 'q', '8',
    'link', 'l', 'hard', 'link', 'l', 'hard', 'link', 'q', 'qq', 'xstat', 'hard', 'linkat', 'AT_FDCWD', 'dl', 'AT_FDCWD', 'dl2', '0', 'linkat', 'AT_FDCWD', 'dl', 'AT_FDCWD', 'dl3', 'AT_SYMLINK_FOLLOW',
    'lstat', 'dl2', 'lstat', 'dl3', 'symlink', 'hard', 's1', 'symlink', 'x', 's1', 'symlinkat', '../w/hard', 'AT_FDCWD', 'q/s2', 'cat', 'q/s2', 'readlink', 'q/s2',
    'readlink', 'hard', 'readlink', 'missing', 'open', 'hard', 'O_RDONLY', 'unlink', 'hard', 'unlink', 'l', 'fstat', '6', 'read', '7', '100', 'ls', '.',
  ],
  'metadata': [
    'stat', 'f', 'lstat', 'l', 'stat', 'l', 'stat', 'dangling', 'lstat', 'dangling', 'stat', 'nope', 'fstatat', 'AT_FDCWD', 'l', 'AT_SYMLINK_NOFOLLOW',
    'fstatat', 'AT_FDCWD', 'l', '0', 'fstatat', 'AT_FDCWD', 'l', '0xffff', 'open', 'd', 'O_PATH', 'fstatat', '$', '', 'AT_EMPTY_PATH', 'fstatat', '$9', 'g', '0',
    'statx', 'AT_FDCWD', 'f', '0', 'statx', 'AT_FDCWD', 'l', 'AT_SYMLINK_NOFOLLOW', 'statx', '$9', '', 'AT_EMPTY_PATH', 'access', 'f', 'R_OK', 'access', 'f', 'X_OK',
    'access', 'd', 'X_OK', 'access', 'f', '8', 'access', 'nope', 'F_OK', 'chmod', 'f', '0755', 'access', 'f', 'X_OK', 'chmod', 'l', '0600', 'stat', 'f',
    'chmod', 'd', '06777', 'stat', 'd', 'open', 'f', 'O_RDONLY', 'fchmod', '$', '0640', 'fchmod', '$9', '0640', 'fchmodat', 'AT_FDCWD', 'f', '0444', 'stat', 'f',
    'faccessat2', 'AT_FDCWD', 'l', 'W_OK', 'AT_SYMLINK_NOFOLLOW', 'faccessat2', 'AT_FDCWD', 'f', 'X_OK', '0', 'faccessat2', 'AT_FDCWD', 'f', 'F_OK', '0xffff',
    'utimens', 'AT_FDCWD', 'f', '0', 'xstat', 'f', 'utimens', 'AT_FDCWD', 'l', 'AT_SYMLINK_NOFOLLOW', 'xstat', 'l', 'utimens', 'AT_FDCWD', 'nope', '0', 'xstat', 'dl',
    'fstat', '-1', 'fstat', '99', 'xstat', 'd',
  ],
  'cwd': [
    'getcwd', 'chdir', 'd', 'getcwd', 'cat', 'g', 'chdir', 'g', 'chdir', 'nope', 'chdir', '..', 'open', 'd', 'O_RDONLY', 'fchdir', '$', 'getcwd',
    'open', 'g', 'O_RDONLY', 'fchdir', '$', 'fchdir', '99', 'chdir', '../dl', 'getcwd', 'chdir', 'e', 'getcwd', 'rename', '../../d', '../../moved', 'getcwd',
    'mkdir', 'here', 'rmdir', '../e', 'rmdir', 'here', 'rmdir', '../e', 'getcwd', 'open', 'x', 'O_WRONLY|O_CREAT', 'mkdir', 'y', 'ls', '.', 'chdir', '..', 'getcwd',
    'chdir', '../..', 'getcwd', 'ls', '.', 'exit', '7',
  ],
};

if (!CAN_CHROOT) {
  // Not silent: where native runs cannot chroot this file fails, or, asked to, reports a named skip.
  if (NO_ROOT_OK) test.skip(`SKIPPED: ${NO_ROOT_MESSAGE}`, () => {});
  else test('native runs can chroot (root or user namespaces)', () => { expect.fail(NO_ROOT_MESSAGE); });
}

describe.skipIf(!CAN_CHROOT)('fsops on the in-memory host prints what Linux prints', () => {
  test.each(Object.keys(SEQUENCES))('%s', async (name) => {
    await same(SEQUENCES[name]!);
  });
});

// Needs no root: it checks the sequences, not a run. The ops are read from fsops.c, so a new one cannot go untested.
test('every fsops op is in a sequence', () => {
  const ops = new Set(Object.values(SEQUENCES).flat());
  const source = readFileSync(join(PROGRAMS_DIR, 'fsops.c'), 'utf8');
  const all = [...new Set([...source.matchAll(/str_eq\(op, "(\w+)"\)/g)].map((m) => m[1]!))];
  // Sockets and fork are ENOSYS on the in-memory host (test/memhost/api.test.ts); trap ends the guest (robustness.test.ts).
  const elsewhere = ['sockbind', 'sockconnect', 'socksend', 'fork', 'trap'];
  expect(all.length).toBeGreaterThan(40);
  expect(all.filter((o) => !ops.has(o) && !elsewhere.includes(o))).toEqual([]);
});

/** Relative and absolute paths, some through `..` and symlinks (the native run is chrooted: `/` is the same tree). */
const PATHS = ['a', 'b', 'd', 'd/x', 'd/y', 'l', 'd/l', 'e', '.', '..', 'd/..', 'f', 'x/', 'd/x/', '/w/d', '/', '../../w/f'];
const SEED_RANDOM: MemoryTree = { w: { f: 'content\n', d: { x: 'dx\n' }, l: ['symlink', 'd'] } };

describe.skipIf(!CAN_CHROOT)('random fsops programs print on the in-memory host what they print on Linux', () => {
  test('property (fixed seed)', async () => {
    const seed = Number(process.env['FDWARDEN_SEED'] ?? 20261205);
    const runs = Number(process.env['FDWARDEN_MEMHOST_RUNS'] ?? 60);
    const program = programArb(PATHS, 20);
    await fc.assert(fc.asyncProperty(program, async (words) => {
      await same(words, SEED_RANDOM);
    }), seeded(seed, runs));
  }, 300_000);
});
