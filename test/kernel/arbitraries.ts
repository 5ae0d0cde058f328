/**
 * fast-check arbitraries for small syscall programs over a fixed universe.
 * Every choice shrinks towards the plainest value (AT_FDCWD, no flags, fd 0).
 */
import fc from 'fast-check';
import { K, type Dirfd, type Program, type Step } from './program.js';

/**
 * The universe every generated program starts from:
 * f, d/, d/g, lf -> f, ld -> d, dang -> nothere, loop -> loop, d/up -> ..
 * It leaves the fd table empty.
 */
export const UNIVERSE_SETUP: readonly Step[] = [
  { op: 'mkdirat', dirfd: 'AT_FDCWD', path: 'd', mode: 0o755 },
  { op: 'openat', dirfd: 'AT_FDCWD', path: 'f', flags: K.O_WRONLY | K.O_CREAT, mode: 0o644 },
  { op: 'close', fd: 0 },
  { op: 'openat', dirfd: 'AT_FDCWD', path: 'd/g', flags: K.O_WRONLY | K.O_CREAT, mode: 0o644 },
  { op: 'close', fd: 0 },
  { op: 'symlinkat', target: 'f', newdirfd: 'AT_FDCWD', linkpath: 'lf' },
  { op: 'symlinkat', target: 'd', newdirfd: 'AT_FDCWD', linkpath: 'ld' },
  { op: 'symlinkat', target: 'nothere', newdirfd: 'AT_FDCWD', linkpath: 'dang' },
  { op: 'symlinkat', target: 'loop', newdirfd: 'AT_FDCWD', linkpath: 'loop' },
  { op: 'symlinkat', target: '..', newdirfd: 'AT_FDCWD', linkpath: 'd/up' },
];

/** Weighted choice that can shrink across to the first (plainest) option. */
function weighted<T>(...options: readonly (readonly [weight: number, arbitrary: fc.Arbitrary<T>])[]): fc.Arbitrary<T> {
  return fc.oneof({ withCrossShrink: true }, ...options.map(([weight, arbitrary]) => ({ weight, arbitrary })));
}

/** `flag` one time in `oneIn`, otherwise 0 (the shrink target). */
function sometimes(flag: number, oneIn: number): fc.Arbitrary<number> {
  return fc.integer({ min: 0, max: oneIn - 1 }).map((v) => (v === oneIn - 1 ? flag : 0));
}

/** Bitwise OR of independently chosen flags. */
function flagSet(choices: readonly (readonly [flag: number, oneIn: number])[]): fc.Arbitrary<number> {
  return fc.tuple(...choices.map(([flag, oneIn]) => sometimes(flag, oneIn))).map((fs) => fs.reduce((a, b) => a | b, 0));
}

/** Existing names, names of things that never exist, and fresh names. */
export const nameInUniverse = fc.constantFrom('x', 'f', 'd', 'g', 'lf', 'ld', 'dang', 'loop', 'up', 'y', 'nothere');

/** Small numbers are usually live fds (the table starts empty). */
export const fdArb: fc.Arbitrary<number> = weighted([12, fc.integer({ min: 0, max: 8 })], [1, fc.constantFrom(-1, 15, 16, 63, 64, 1000, 2147483647)]);

export const dirfdArb: fc.Arbitrary<Dirfd> = weighted<Dirfd>(
  [3, fc.constant('AT_FDCWD')],
  [3, fc.integer({ min: 0, max: 6 })],
  [1, fc.constantFrom(-1, 99, K.AT_FDCWD)],
);

/** /proc/self/fd/N magic links, alone or as a path prefix. */
export const magicPath = fc
  .tuple(fc.integer({ min: 0, max: 6 }), fc.constantFrom('', '/x', '/f', '/g', '/..', '/.'))
  .map(([n, rest]) => `/proc/self/fd/${n}${rest}`);

export const pathTemplate: fc.Arbitrary<string> = weighted(
  [8, nameInUniverse],
  [1, nameInUniverse.map((n) => `${n}/`)],
  [1, nameInUniverse.map((n) => `${n}/.`)],
  [1, nameInUniverse.map((n) => `${n}/..`)],
  [3, nameInUniverse.map((n) => `d/${n}`)],
  [1, nameInUniverse.map((n) => `ld/${n}`)],
  [1, nameInUniverse.map((n) => `d/up/${n}`)],
  [2, nameInUniverse.map((n) => `@/${n}`)],
  [2, fc.constantFrom('', '.', '..', 'nonexist/..', 'f/..', '@', '@/..', '@/d/..', 'd/..', 'd/./g')],
  [1, magicPath],
);

/** Symlink bodies: relative, absolute via @, dangling, climbing, empty. */
export const symlinkTarget: fc.Arbitrary<string> = weighted(
  [4, nameInUniverse],
  [1, nameInUniverse.map((n) => `@/${n}`)],
  [1, fc.constantFrom('..', '.', 'd/g', '../f', '', 'x/y', 'f/')],
);

export const accessMode = weighted([4, fc.constant(K.O_RDONLY)], [2, fc.constant(K.O_WRONLY)], [3, fc.constant(K.O_RDWR)], [1, fc.constant(K.O_ACCMODE)]);

export const openFlags: fc.Arbitrary<number> = fc
  .tuple(
    accessMode,
    flagSet([
      [K.O_CREAT, 3],
      [K.O_EXCL, 6],
      [K.O_TRUNC, 8],
      [K.O_DIRECTORY, 6],
      [K.O_NOFOLLOW, 6],
      [K.O_PATH, 6],
      [K.O_TMPFILE, 14],
      [K.O_CLOEXEC, 4],
      [K.O_APPEND, 8],
      [K.O_NONBLOCK, 8],
    ]),
  )
  .map(([acc, rest]) => acc | rest);

/** Creation modes keep owner rw, so runs as non-root see no EACCES. */
export const createMode = fc.constantFrom(0o644, 0o600, 0o755);

export const resolveFlags = flagSet([
  [K.RESOLVE_BENEATH, 4],
  [K.RESOLVE_IN_ROOT, 5],
  [K.RESOLVE_NO_SYMLINKS, 5],
  [K.RESOLVE_NO_MAGICLINKS, 5],
  [K.RESOLVE_NO_XDEV, 6],
]);

// Reopening a pipe through /proc/self/fd never waits for a partner (only
// named FIFOs do), so magic-link opens need no O_NONBLOCK.
const openatArb = fc
  .record({ dirfd: dirfdArb, path: pathTemplate, flags: openFlags, mode: createMode })
  .map((r): Step => ({ op: 'openat', ...r }));

const openat2Arb = fc
  .record({ dirfd: dirfdArb, path: pathTemplate, flags: openFlags, mode: createMode, stray: sometimes(0o644, 10), resolve: resolveFlags })
  .map(({ dirfd, path, flags, mode, stray, resolve }): Step => {
    // openat2 rejects a mode without O_CREAT/O_TMPFILE: keep that case rare.
    const creates = (flags & K.O_CREAT) !== 0 || (flags & K.O_TMPFILE) === K.O_TMPFILE;
    return { op: 'openat2', dirfd, path, flags, mode: creates ? mode : stray, resolve };
  });

const mkdiratArb = fc
  .record({ dirfd: dirfdArb, path: pathTemplate, mode: fc.constantFrom(0o755, 0o700) })
  .map((r): Step => ({ op: 'mkdirat', ...r }));

export const unlinkFlags = weighted([6, fc.constantFrom(0, K.AT_REMOVEDIR)], [1, fc.constantFrom(K.AT_EMPTY_PATH, K.AT_SYMLINK_NOFOLLOW, 1)]);

const unlinkatArb = fc.record({ dirfd: dirfdArb, path: pathTemplate, flags: unlinkFlags }).map((r): Step => ({ op: 'unlinkat', ...r }));

export const renameFlags = weighted(
  [8, fc.constant(0)],
  [3, fc.constantFrom(K.RENAME_NOREPLACE, K.RENAME_EXCHANGE)],
  [1, fc.constantFrom(K.RENAME_WHITEOUT, K.RENAME_NOREPLACE | K.RENAME_EXCHANGE, K.RENAME_NOREPLACE | K.RENAME_WHITEOUT, 8)],
);

const renameat2Arb = fc
  .record({ olddirfd: dirfdArb, oldpath: pathTemplate, newdirfd: dirfdArb, newpath: pathTemplate, flags: renameFlags })
  .map((r): Step => ({ op: 'renameat2', ...r }));

export const linkFlags = flagSet([
  [K.AT_SYMLINK_FOLLOW, 3],
  [K.AT_EMPTY_PATH, 4],
]);

const linkatArb = fc
  .record({ olddirfd: dirfdArb, oldpath: pathTemplate, newdirfd: dirfdArb, newpath: pathTemplate, flags: linkFlags })
  .map((r): Step => ({ op: 'linkat', ...r }));

const symlinkatArb = fc
  .record({ target: symlinkTarget, newdirfd: dirfdArb, linkpath: pathTemplate })
  .map((r): Step => ({ op: 'symlinkat', ...r }));

/** F_DUPFD lower bounds, around the usual nofile limits. */
const dupfdArg = weighted([4, fc.integer({ min: 0, max: 10 })], [1, fc.constantFrom(-1, 15, 16, 63, 64, 1024)]);

/** F_SETFL arguments; the access mode and creation flags in them are ignored. */
const setflArg = fc.constantFrom(K.O_NONBLOCK, 0, K.O_APPEND, K.O_APPEND | K.O_NONBLOCK, K.O_RDWR | K.O_NONBLOCK, K.O_CREAT | K.O_TRUNC | K.O_CLOEXEC);

export const fcntlArb: fc.Arbitrary<Step> = weighted<Step>(
  [1, fc.tuple(fdArb, fc.constantFrom(K.F_DUPFD, K.F_DUPFD_CLOEXEC), dupfdArg).map(([fd, cmd, arg]) => ({ op: 'fcntl', fd, cmd, arg }))],
  [1, fc.tuple(fdArb, fc.constantFrom(K.F_GETFD, K.F_GETFL)).map(([fd, cmd]) => ({ op: 'fcntl', fd, cmd, arg: 0 }))],
  [1, fc.tuple(fdArb, fc.constantFrom(0, K.FD_CLOEXEC, 3, -1)).map(([fd, arg]) => ({ op: 'fcntl', fd, cmd: K.F_SETFD, arg }))],
  [1, fc.tuple(fdArb, setflArg).map(([fd, arg]) => ({ op: 'fcntl', fd, cmd: K.F_SETFL, arg }))],
);

const rangeBound = weighted([5, fc.integer({ min: 0, max: 8 })], [1, fc.constantFrom(K.UINT_MAX, 63, 64)]);

export const closeRangeFlags = weighted(
  [4, fc.constant(0)],
  [2, fc.constantFrom(K.CLOSE_RANGE_CLOEXEC, K.CLOSE_RANGE_UNSHARE, K.CLOSE_RANGE_CLOEXEC | K.CLOSE_RANGE_UNSHARE)],
  [1, fc.constant(1)],
);

const closeRangeArb = fc.record({ first: rangeBound, last: rangeBound, flags: closeRangeFlags }).map((r): Step => ({ op: 'close_range', ...r }));

const pipe2Flags = fc.constantFrom(0, K.O_CLOEXEC, K.O_NONBLOCK, K.O_CLOEXEC | K.O_NONBLOCK, K.O_DIRECT, K.O_APPEND);

export const fdStepArb: fc.Arbitrary<Step> = weighted<Step>(
  [3, fdArb.map((fd) => ({ op: 'close', fd }))],
  [2, fdArb.map((fd) => ({ op: 'dup', fd }))],
  [2, fc.tuple(fdArb, fdArb).map(([fd, newfd]) => ({ op: 'dup2', fd, newfd }))],
  [1, fc.tuple(fdArb, fdArb, fc.constantFrom(0, K.O_CLOEXEC, K.O_NONBLOCK)).map(([fd, newfd, flags]) => ({ op: 'dup3', fd, newfd, flags }))],
  [3, fcntlArb],
  [1, closeRangeArb],
  [1, pipe2Flags.map((flags) => ({ op: 'pipe2', flags }))],
);

/** Every step except fork. */
export const leafStepArb: fc.Arbitrary<Step> = weighted<Step>(
  [10, openatArb],
  [3, openat2Arb],
  [2, mkdiratArb],
  [2, unlinkatArb],
  [2, renameat2Arb],
  [1, linkatArb],
  [1, symlinkatArb],
  [2, pathTemplate.map((path) => ({ op: 'chdir', path }))],
  [1, fdArb.map((fd) => ({ op: 'fchdir', fd }))],
  [8, fdStepArb],
);

/** A child of one to four steps; children do not fork again. */
export const forkArb: fc.Arbitrary<Step> = fc.array(leafStepArb, { minLength: 1, maxLength: 4 }).map((child): Step => ({ op: 'fork', child }));

export const stepArb: fc.Arbitrary<Step> = weighted([30, leafStepArb], [1, forkArb]);

/** Mostly roomy limits, sometimes small enough to hit EMFILE. */
export const nofileArb = weighted([4, fc.constant(16)], [2, fc.constant(64)], [2, fc.constant(8)], [1, fc.constant(5)]);

export const programArb: fc.Arbitrary<Program> = fc
  .record({ nofile: nofileArb, steps: fc.array(stepArb, { minLength: 1, maxLength: 25, size: 'max' }) })
  .map(({ nofile, steps }): Program => ({ nofile, setup: [...UNIVERSE_SETUP], steps }));
