/**
 * The language-neutral program format shared by the kernel driver and the
 * model runner. Everything here is plain JSON-able data.
 *
 * Paths are relative to the run's sandbox root, except that a path equal to
 * `@` or starting with `@/` means the root's absolute path (+ the rest), so
 * absolute paths are expressible although the root differs per run. Symlink
 * targets may use `@/` the same way.
 *
 * The root `@` is not at the top of the world: above it lies a chain of
 * private directories, each holding only the next one under the name `@`.
 * So `..` from the root is a real, writable directory, reported as `@/..`,
 * and `@/../@` is the root again. Programs must not climb more than 24 levels
 * above `@` (the driver refuses to continue past that).
 */

/** A directory fd argument: a number, or the AT_FDCWD sentinel. */
export type Dirfd = number | 'AT_FDCWD';

export type Step =
  | { op: 'openat'; dirfd: Dirfd; path: string; flags: number; mode: number }
  | { op: 'openat2'; dirfd: Dirfd; path: string; flags: number; mode: number; resolve: number }
  | { op: 'mkdirat'; dirfd: Dirfd; path: string; mode: number }
  | { op: 'unlinkat'; dirfd: Dirfd; path: string; flags: number }
  | { op: 'renameat2'; olddirfd: Dirfd; oldpath: string; newdirfd: Dirfd; newpath: string; flags: number }
  | { op: 'linkat'; olddirfd: Dirfd; oldpath: string; newdirfd: Dirfd; newpath: string; flags: number }
  | { op: 'symlinkat'; target: string; newdirfd: Dirfd; linkpath: string }
  | { op: 'close'; fd: number }
  | { op: 'dup'; fd: number }
  | { op: 'dup2'; fd: number; newfd: number }
  | { op: 'dup3'; fd: number; newfd: number; flags: number }
  | { op: 'fcntl'; fd: number; cmd: number; arg: number }
  | { op: 'close_range'; first: number; last: number; flags: number }
  | { op: 'chdir'; path: string }
  | { op: 'fchdir'; fd: number }
  | { op: 'pipe2'; flags: number }
  /**
   * The child runs `child` (each step reported from the child's view) and
   * exits; the parent waits for it, then reports the fork step itself with
   * ret 0 (never the pid, which is not reproducible).
   */
  | { op: 'fork'; child: Step[] };

export type Op = Step['op'];

export interface Program {
  /** RLIMIT_NOFILE soft limit for the run, e.g. 16..64. */
  nofile: number;
  /** Builds the universe; reported but not compared. */
  setup: Step[];
  steps: Step[];
}

export interface FdObservation {
  fd: number;
  /** readlink of /proc/self/fd/N, normalised (see Observation). */
  link: string;
  cloexec: boolean;
  /** F_GETFL, raw (includes O_LARGEFILE, which x86-64 openat adds). */
  flags: number;
}

/**
 * State after one step. Paths are normalised: the sandbox root's absolute
 * path becomes `@` (its k-th ancestor `@` + `/..` × k), pipe inode numbers
 * are dropped (`pipe:[]`) and O_TMPFILE's `#INO` becomes `#`, so that
 * `@/#123 (deleted)` is reported as `@/# (deleted)`.
 */
export interface Observation {
  /** Index of the step in flat report order (see flattenProgram). */
  step: number;
  ret: number;
  /** Errno name such as 'ENOENT', or null on success. */
  errno: string | null;
  /** Every open fd, ascending. */
  fds: FdObservation[];
  /** getcwd(2), which fails with ENOENT once the cwd is removed. */
  cwd: string | { errno: string };
}

/** Linux x86-64 values (several differ on other architectures). */
export const K = {
  AT_FDCWD: -100,
  O_RDONLY: 0o0,
  O_WRONLY: 0o1,
  O_RDWR: 0o2,
  O_ACCMODE: 0o3,
  O_CREAT: 0o100,
  O_EXCL: 0o200,
  O_NOCTTY: 0o400,
  O_TRUNC: 0o1000,
  O_APPEND: 0o2000,
  O_NONBLOCK: 0o4000,
  O_DSYNC: 0o10000,
  O_DIRECT: 0o40000,
  O_LARGEFILE: 0o100000,
  O_DIRECTORY: 0o200000,
  O_NOFOLLOW: 0o400000,
  O_NOATIME: 0o1000000,
  O_CLOEXEC: 0o2000000,
  O_PATH: 0o10000000,
  /** Includes O_DIRECTORY, as the libc macro does. */
  O_TMPFILE: 0o20200000,
  AT_SYMLINK_NOFOLLOW: 0x100,
  AT_REMOVEDIR: 0x200,
  AT_SYMLINK_FOLLOW: 0x400,
  AT_EMPTY_PATH: 0x1000,
  RENAME_NOREPLACE: 1,
  RENAME_EXCHANGE: 2,
  RENAME_WHITEOUT: 4,
  RESOLVE_NO_XDEV: 0x01,
  RESOLVE_NO_MAGICLINKS: 0x02,
  RESOLVE_NO_SYMLINKS: 0x04,
  RESOLVE_BENEATH: 0x08,
  RESOLVE_IN_ROOT: 0x10,
  RESOLVE_CACHED: 0x20,
  F_DUPFD: 0,
  F_GETFD: 1,
  F_SETFD: 2,
  F_GETFL: 3,
  F_SETFL: 4,
  F_DUPFD_CLOEXEC: 1030,
  FD_CLOEXEC: 1,
  CLOSE_RANGE_UNSHARE: 2,
  CLOSE_RANGE_CLOEXEC: 4,
  /** `~0U`, the usual "to the end" last argument of close_range. */
  UINT_MAX: 4294967295,
} as const;

export type Phase = 'setup' | 'main';

export interface FlatStep {
  /** Matches Observation.step. */
  index: number;
  step: Step;
  phase: Phase;
  /** 0 for the top-level process, 1 inside a fork child, and so on. */
  depth: number;
  /** Index of the enclosing fork step, or null at depth 0. */
  parent: number | null;
}

/**
 * The flat report order: setup then main steps, pre-order, so a fork step
 * precedes the steps of its child. The fork step's own observation is taken
 * after the child exits but still carries the fork's index.
 */
export function flattenProgram(program: Program): FlatStep[] {
  const out: FlatStep[] = [];
  const walk = (steps: readonly Step[], phase: Phase, depth: number, parent: number | null): void => {
    for (const step of steps) {
      const index = out.length;
      out.push({ index, step, phase, depth, parent });
      if (step.op === 'fork') walk(step.child, phase, depth + 1, index);
    }
  };
  walk(program.setup, 'setup', 0, null);
  walk(program.steps, 'main', 0, null);
  return out;
}

/** Number of observations a complete run reports for the setup phase. */
export function setupLength(program: Program): number {
  return flattenProgram({ ...program, steps: [] }).length;
}
