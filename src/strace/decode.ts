/**
 * strace syscall lines → model Calls. This is the semantic side (what a call means for the
 * model); where strace prints fd annotations is fd-args.ts. Calls that cannot change fd, cwd or
 * namespace state (read, mmap, fstat ...) decode to null: the replay skips them.
 */
import type { AnonKind } from '../linux/index.js';
import type { Arg } from './args.js';
import { parseFlags, type FlagTable } from './args.js';
import type { Call } from '../state/calls.js';
import {
  AF_FAMILIES, AT_FLAGS, CLONE_FLAGS, CLOSE_RANGE_FLAGS, EFD_FLAGS, F_CMDS, FD_FLAGS, MFD_FLAGS, MISC_FD_FLAGS,
  O_FLAGS, RENAME_FLAGS, RESOLVE_FLAGS, SIGNALS, SOCK_FLAGS, TFD_FLAGS,
} from '../linux/index.js';

const AT_FDCWD = -100;
const AT_SYMLINK_NOFOLLOW = 0x100;
const AT_EMPTY_PATH = 0x1000;
const AT_REMOVEDIR = 0x200;
const O_CREAT_WRONLY_TRUNC = 0o100 | 0o1 | 0o1000;
const MODE_TYPES: FlagTable = Object.freeze({
  S_IFREG: 0o100000, S_IFCHR: 0o020000, S_IFBLK: 0o060000, S_IFIFO: 0o010000, S_IFSOCK: 0o140000, S_IFDIR: 0o040000,
});
const IOCTLS: FlagTable = Object.freeze({ FIOCLEX: 0x5451, FIONCLEX: 0x5450, FIONBIO: 0x5421, FIOASYNC: 0x5452 });

/** A path argument as a byte string (one char per byte), or undefined for NULL / non-strings. */
function path(a: Arg | undefined): string | undefined {
  if (!a || a.kind !== 'string') return undefined;
  const text = a.valueText;
  // strace prints printable ASCII as is: without a backslash the text between the quotes is the path.
  if (text.indexOf('\\') < 0 && text.endsWith('"') && !text.endsWith('"...')) return text.slice(1, -1);
  const b = a.str;
  return b ? Buffer.from(b).toString('latin1') : undefined;
}

function num(a: Arg | undefined, tables?: FlagTable | readonly FlagTable[]): number {
  if (!a) return 0;
  const v = a.value;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return tables ? parseFlags(a.valueText, tables).value : 0;
}

function dirfd(a: Arg | undefined): number {
  return a?.valueText === 'AT_FDCWD' ? AT_FDCWD : num(a);
}

/** Flag sets repeat endlessly in a log (`O_RDONLY|O_CLOEXEC`): evaluate each text once per table. */
const flagMemo = new WeakMap<object, Map<string, number>>();
function flagsOf(a: Arg | undefined, t: FlagTable | readonly FlagTable[]): number {
  if (!a) return 0;
  let memo = flagMemo.get(t);
  if (!memo) flagMemo.set(t, (memo = new Map()));
  const text = a.valueText;
  let v = memo.get(text);
  if (v === undefined) {
    v = parseFlags(text, t).value;
    if (memo.size < 4096) memo.set(text, v);
  }
  return v;
}

function lookup(name: string, d: number, p: string | undefined, follow: boolean, emptyPath = false): Call | null {
  if (p === undefined) return null;
  return { sys: 'lookup', name, dirfd: d, path: p, follow, emptyPath };
}

type Decoder = (a: readonly Arg[], name: string) => Call | null;

/** A lookup-only *at call whose AT_* flags are argument `flagArg` (none when undefined). */
function atLookup(flagArg: number | undefined): Decoder {
  return (a, name) => {
    const f = flagArg === undefined ? 0 : flagsOf(a[flagArg], AT_FLAGS);
    return lookup(name, dirfd(a[0]), path(a[1]), !(f & AT_SYMLINK_NOFOLLOW), (f & AT_EMPTY_PATH) !== 0);
  };
}

/** name → decoder. A name absent here cannot change the model's state. */
const DECODERS: Record<string, Decoder> = {
  open: (a, name) => openCall(AT_FDCWD, a[0], a[1], a[2]),
  openat: (a, name) => openCall(dirfd(a[0]), a[1], a[2], a[3]),
  creat: (a, name) => {
    const p = path(a[0]);
    return p === undefined ? null : { sys: 'openat', dirfd: AT_FDCWD, path: p, flags: O_CREAT_WRONLY_TRUNC, mode: num(a[1]) };
  },
  openat2: (a, name) => {
    const p = path(a[1]);
    const how = a[2];
    if (p === undefined || !how) return null;
    return {
    sys: 'openat', dirfd: dirfd(a[0]), path: p, openat2: true,
    flags: flagsOf(how.field('flags'), O_FLAGS), mode: num(how.field('mode')),
    resolve: flagsOf(how.field('resolve'), RESOLVE_FLAGS),
    };
  },
  mkdir: (a, name) => withPath(a[0], (p) => ({ sys: 'mkdirat', dirfd: AT_FDCWD, path: p, mode: num(a[1]) })),
  mkdirat: (a, name) => withPath(a[1], (p) => ({ sys: 'mkdirat', dirfd: dirfd(a[0]), path: p, mode: num(a[2]) })),
  mknod: (a, name) => withPath(a[0], (p) => ({ sys: 'mknodat', dirfd: AT_FDCWD, path: p, mode: flagsOf(a[1], MODE_TYPES) })),
  mknodat: (a, name) => withPath(a[1], (p) => ({ sys: 'mknodat', dirfd: dirfd(a[0]), path: p, mode: flagsOf(a[2], MODE_TYPES) })),
  unlink: (a, name) => withPath(a[0], (p) => ({ sys: 'unlinkat', dirfd: AT_FDCWD, path: p, flags: 0 })),
  rmdir: (a, name) => withPath(a[0], (p) => ({ sys: 'unlinkat', dirfd: AT_FDCWD, path: p, flags: AT_REMOVEDIR })),
  unlinkat: (a, name) => withPath(a[1], (p) => ({ sys: 'unlinkat', dirfd: dirfd(a[0]), path: p, flags: flagsOf(a[2], AT_FLAGS) })),
  rename: (a, name) => two(AT_FDCWD, a[0], AT_FDCWD, a[1], (o, n) => ({ sys: 'renameat2', olddirfd: AT_FDCWD, oldpath: o, newdirfd: AT_FDCWD, newpath: n, flags: 0 })),
  renameat: (a, name) => two(dirfd(a[0]), a[1], dirfd(a[2]), a[3], (o, n) => ({ sys: 'renameat2', olddirfd: dirfd(a[0]), oldpath: o, newdirfd: dirfd(a[2]), newpath: n, flags: flagsOf(a[4], RENAME_FLAGS), })),
  renameat2: (a, name) => two(dirfd(a[0]), a[1], dirfd(a[2]), a[3], (o, n) => ({ sys: 'renameat2', olddirfd: dirfd(a[0]), oldpath: o, newdirfd: dirfd(a[2]), newpath: n, flags: flagsOf(a[4], RENAME_FLAGS), })),
  link: (a, name) => two(AT_FDCWD, a[0], AT_FDCWD, a[1], (o, n) => ({ sys: 'linkat', olddirfd: AT_FDCWD, oldpath: o, newdirfd: AT_FDCWD, newpath: n, flags: 0 })),
  linkat: (a, name) => two(dirfd(a[0]), a[1], dirfd(a[2]), a[3], (o, n) => ({ sys: 'linkat', olddirfd: dirfd(a[0]), oldpath: o, newdirfd: dirfd(a[2]), newpath: n, flags: flagsOf(a[4], AT_FLAGS), })),
  symlink: (a, name) => two(AT_FDCWD, a[0], AT_FDCWD, a[1], (t, l) => ({ sys: 'symlinkat', target: t, newdirfd: AT_FDCWD, linkpath: l })),
  symlinkat: (a, name) => two(AT_FDCWD, a[0], dirfd(a[1]), a[2], (t, l) => ({ sys: 'symlinkat', target: t, newdirfd: dirfd(a[1]), linkpath: l })),
  chdir: (a, name) => withPath(a[0], (p) => ({ sys: 'chdir', path: p })),
  chroot: (a, name) => withPath(a[0], (p) => ({ sys: 'chroot', path: p })),
  fchdir: (a, name) => ({ sys: 'fchdir', fd: num(a[0]) }),
  umask: (a, name) => ({ sys: 'umask', mask: num(a[0]) }),
  close: (a, name) => ({ sys: 'close', fd: num(a[0]) }),
  close_range: (a, name) => ({ sys: 'close_range', first: num(a[0]), last: num(a[1]), flags: flagsOf(a[2], CLOSE_RANGE_FLAGS) }),
  dup: (a, name) => ({ sys: 'dup', fd: num(a[0]) }),
  dup2: (a, name) => ({ sys: 'dup2', fd: num(a[0]), newfd: num(a[1]) }),
  dup3: (a, name) => ({ sys: 'dup3', fd: num(a[0]), newfd: num(a[1]), flags: flagsOf(a[2], O_FLAGS) }),
  fcntl: (a, name) => fcntlCall(a),
  fcntl64: (a, name) => fcntlCall(a),
  ioctl: (a, name) => {
    const req = flagsOf(a[1], IOCTLS);
    if (req !== 0x5451 && req !== 0x5450 && req !== 0x5421 && req !== 0x5452) return null;
    const v = a[2]?.items?.[0];
    return { sys: 'ioctl', fd: num(a[0]), request: req, ...(v ? { value: num(v) } : {}) };
  },
  pipe: (a, name) => ({ sys: 'pipe2', flags: 0 }),
  pipe2: (a, name) => ({ sys: 'pipe2', flags: flagsOf(a[1], O_FLAGS) }),
  socket: (a, name) => ({ sys: 'socket', domain: flagsOf(a[0], AF_FAMILIES), type: flagsOf(a[1], SOCK_FLAGS), protocol: num(a[2]) }),
  socketpair: (a, name) => ({ sys: 'socketpair', domain: flagsOf(a[0], AF_FAMILIES), type: flagsOf(a[1], SOCK_FLAGS), protocol: num(a[2]) }),
  accept: (a, name) => ({ sys: 'accept4', fd: num(a[0]), flags: 0 }),
  accept4: (a, name) => ({ sys: 'accept4', fd: num(a[0]), flags: flagsOf(a[3], SOCK_FLAGS) }),
  bind: (a, name) => {
    // The address as strace prints it (`"path"` or `@"abstract"`): it is only ever shown again.
    const sun = a[1]?.field('sun_path')?.valueText;
    return { sys: name as 'bind' | 'connect', fd: num(a[0]), ...(sun !== undefined ? { unixPath: sun } : {}) };
  },
  connect: (a, name) => {
    // The address as strace prints it (`"path"` or `@"abstract"`): it is only ever shown again.
    const sun = a[1]?.field('sun_path')?.valueText;
    return { sys: name as 'bind' | 'connect', fd: num(a[0]), ...(sun !== undefined ? { unixPath: sun } : {}) };
  },
  eventfd: (a, name) => anon('eventfd', 0),
  eventfd2: (a, name) => anon('eventfd', flagsOf(a[1], EFD_FLAGS)),
  epoll_create: (a, name) => anon('epoll', 0),
  epoll_create1: (a, name) => anon('epoll', flagsOf(a[0], MISC_FD_FLAGS)),
  signalfd: (a, name) => num(a[0]) === -1 ? anon('signalfd', flagsOf(a[3], MISC_FD_FLAGS)) : null,
  signalfd4: (a, name) => num(a[0]) === -1 ? anon('signalfd', flagsOf(a[3], MISC_FD_FLAGS)) : null,
  timerfd_create: (a, name) => anon('timerfd', flagsOf(a[1], TFD_FLAGS)),
  inotify_init: (a, name) => anon('inotify', 0),
  inotify_init1: (a, name) => anon('inotify', flagsOf(a[0], MISC_FD_FLAGS)),
  fanotify_init: (a, name) => anon('fanotify', flagsOf(a[0], O_FLAGS) & 1 ? 0o2000000 : 0),
  userfaultfd: (a, name) => anon('userfaultfd', flagsOf(a[0], O_FLAGS)),
  perf_event_open: (a, name) => anon('perf_event', flagsOf(a[4], { PERF_FLAG_FD_CLOEXEC: 8 }) & 8 ? 0o2000000 : 0),
  io_uring_setup: (a, name) => anon('io_uring', 0o2000000),
  pidfd_open: (a, name) => ({ ...anon('pidfd', 0o2000000), name: `pid:${num(a[0])}` } as Call),
  memfd_create: (a, name) => {
    const f = flagsOf(a[1], MFD_FLAGS);
    return { sys: 'anon', kind: 'memfd', cloexec: (f & 1) !== 0, nonblock: false, name: `memfd:${path(a[0]) ?? ''}` };
  },
  clone: (a, name) => ({ sys: 'clone', flags: flagsOf(a.find((x) => x.key === 'flags'), [CLONE_FLAGS, SIGNALS]) }),
  clone3: (a, name) => ({ sys: 'clone', flags: flagsOf(a[0]?.field('flags'), CLONE_FLAGS) }),
  fork: (a, name) => ({ sys: 'clone', flags: 17 }),
  vfork: (a, name) => ({ sys: 'clone', flags: 0x100 | 0x4000 | 17 }),
  execve: (a, name) => withPath(a[0], (p) => ({ sys: 'execve', dirfd: AT_FDCWD, path: p, flags: 0 })),
  execveat: (a, name) => withPath(a[1], (p) => ({ sys: 'execve', dirfd: dirfd(a[0]), path: p, flags: flagsOf(a[4], AT_FLAGS) })),
  exit: (a, name) => ({ sys: 'exit', group: false }),
  exit_group: (a, name) => ({ sys: 'exit', group: true }),
  getcwd: (a, name) => ({ sys: 'getcwd' }),
  // Only RLIMIT_NOFILE of the caller itself (pid 0) changes what the model allocates.
  prlimit64: (a, name) => (num(a[0]) === 0 && a[1]?.valueText === 'RLIMIT_NOFILE' && a[2]?.kind === 'struct' ? nofile(a[2]) : null),
  setrlimit: (a, name) => (a[0]?.valueText === 'RLIMIT_NOFILE' && a[1]?.kind === 'struct' ? nofile(a[1]) : null),
  stat: (a, name) => lookup(name, AT_FDCWD, path(a[0]), true),
  statfs: (a, name) => lookup(name, AT_FDCWD, path(a[0]), true),
  access: (a, name) => lookup(name, AT_FDCWD, path(a[0]), true),
  chmod: (a, name) => lookup(name, AT_FDCWD, path(a[0]), true),
  chown: (a, name) => lookup(name, AT_FDCWD, path(a[0]), true),
  truncate: (a, name) => lookup(name, AT_FDCWD, path(a[0]), true),
  utime: (a, name) => lookup(name, AT_FDCWD, path(a[0]), true),
  utimes: (a, name) => lookup(name, AT_FDCWD, path(a[0]), true),
  getxattr: (a, name) => lookup(name, AT_FDCWD, path(a[0]), true),
  setxattr: (a, name) => lookup(name, AT_FDCWD, path(a[0]), true),
  listxattr: (a, name) => lookup(name, AT_FDCWD, path(a[0]), true),
  removexattr: (a, name) => lookup(name, AT_FDCWD, path(a[0]), true),
  lstat: (a, name) => lookup(name, AT_FDCWD, path(a[0]), false),
  lchown: (a, name) => lookup(name, AT_FDCWD, path(a[0]), false),
  readlink: (a, name) => lookup(name, AT_FDCWD, path(a[0]), false),
  lgetxattr: (a, name) => lookup(name, AT_FDCWD, path(a[0]), false),
  lsetxattr: (a, name) => lookup(name, AT_FDCWD, path(a[0]), false),
  llistxattr: (a, name) => lookup(name, AT_FDCWD, path(a[0]), false),
  lremovexattr: (a, name) => lookup(name, AT_FDCWD, path(a[0]), false),
  newfstatat: atLookup(3),
  fstatat64: atLookup(3),
  fchownat: atLookup(4),
  utimensat: atLookup(3),
  futimesat: atLookup(undefined),
  faccessat2: atLookup(3),
  fchmodat: atLookup(3),
  fchmodat2: atLookup(3),
  statx: (a, name) => {
    const f = flagsOf(a[2], AT_FLAGS);
    return lookup(name, dirfd(a[0]), path(a[1]), !(f & AT_SYMLINK_NOFOLLOW), (f & AT_EMPTY_PATH) !== 0);
  },
  faccessat: (a, name) => lookup(name, dirfd(a[0]), path(a[1]), true),
  readlinkat: (a, name) => lookup(name, dirfd(a[0]), path(a[1]), false, true),
};

/** Whether calls of this name can change the model's state (the replay decodes only these). */
export function decodes(name: string): boolean {
  return Object.hasOwn(DECODERS, name);
}

/** Decodes one call from its arguments; null when it cannot change the model's state. */
export function decodeCall(name: string, a: readonly Arg[]): Call | null {
  return Object.hasOwn(DECODERS, name) ? DECODERS[name]!(a, name) : null;
}

function nofile(limits: Arg): Call | null {
  const cur = limits.field('rlim_cur');
  if (!cur) return null;
  const v = cur.valueText === 'RLIM64_INFINITY' || cur.valueText === 'RLIM_INFINITY' ? 1 << 20 : num(cur);
  return { sys: 'nofile', soft: Math.min(v, 1 << 20) };
}

function withPath(a: Arg | undefined, f: (p: string) => Call): Call | null {
  const p = path(a);
  return p === undefined ? null : f(p);
}

function two(_d1: number, a: Arg | undefined, _d2: number, b: Arg | undefined, f: (x: string, y: string) => Call): Call | null {
  const x = path(a);
  const y = path(b);
  return x === undefined || y === undefined ? null : f(x, y);
}

function openCall(d: number, p: Arg | undefined, flags: Arg | undefined, mode: Arg | undefined): Call | null {
  const s = path(p);
  if (s === undefined) return null;
  return { sys: 'openat', dirfd: d, path: s, flags: flagsOf(flags, O_FLAGS), mode: num(mode) };
}

function fcntlCall(a: readonly Arg[]): Call | null {
  const cmd = flagsOf(a[1], F_CMDS);
  let arg = 0;
  if (cmd === 2) arg = flagsOf(a[2], FD_FLAGS);
  else if (cmd === 4) arg = flagsOf(a[2], O_FLAGS);
  else arg = num(a[2]);
  return { sys: 'fcntl', fd: num(a[0]), cmd, arg };
}

function anon(kind: AnonKind, flags: number): Call {
  return { sys: 'anon', kind, cloexec: (flags & 0o2000000) !== 0, nonblock: (flags & 0o4000) !== 0 };
}
