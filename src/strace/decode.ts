/**
 * strace syscall lines → model Calls. This is the semantic side (what a call means for the
 * model); where strace prints fd annotations is fd-args.ts. Calls that cannot change fd, cwd or
 * namespace state (read, mmap, fstat ...) decode to null: the replay skips them.
 */
import type { Arg } from './args.js';
import { parseFlags, type FlagTable } from './args.js';
import type { Call } from '../state/calls.js';
import {
  AF_FAMILIES, AT_FLAGS, CLONE_FLAGS, CLOSE_RANGE_FLAGS, EFD_FLAGS, F_CMDS, FD_FLAGS, MFD_FLAGS, MISC_FD_FLAGS,
  O_FLAGS, RENAME_FLAGS, RESOLVE_FLAGS, SIGNALS, SOCK_FLAGS, TFD_FLAGS,
} from './constants.js';

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
  const b = a?.str;
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

const flagsOf = (a: Arg | undefined, t: FlagTable | readonly FlagTable[]): number => (a ? parseFlags(a.valueText, t).value : 0);

function lookup(name: string, d: number, p: string | undefined, follow: boolean, emptyPath = false): Call | null {
  if (p === undefined) return null;
  return { sys: 'lookup', name, dirfd: d, path: p, follow, emptyPath };
}

/** Decodes one call from its arguments; null when it cannot change the model's state. */
export function decodeCall(name: string, a: readonly Arg[]): Call | null {
  switch (name) {
    case 'open': return openCall(AT_FDCWD, a[0], a[1], a[2]);
    case 'openat': return openCall(dirfd(a[0]), a[1], a[2], a[3]);
    case 'creat': {
      const p = path(a[0]);
      return p === undefined ? null : { sys: 'openat', dirfd: AT_FDCWD, path: p, flags: O_CREAT_WRONLY_TRUNC, mode: num(a[1]) };
    }
    case 'openat2': {
      const p = path(a[1]);
      const how = a[2];
      if (p === undefined || !how) return null;
      return {
        sys: 'openat', dirfd: dirfd(a[0]), path: p, openat2: true,
        flags: flagsOf(how.field('flags'), O_FLAGS), mode: num(how.field('mode')),
        resolve: flagsOf(how.field('resolve'), RESOLVE_FLAGS),
      };
    }
    case 'mkdir': return withPath(a[0], (p) => ({ sys: 'mkdirat', dirfd: AT_FDCWD, path: p, mode: num(a[1]) }));
    case 'mkdirat': return withPath(a[1], (p) => ({ sys: 'mkdirat', dirfd: dirfd(a[0]), path: p, mode: num(a[2]) }));
    case 'mknod': return withPath(a[0], (p) => ({ sys: 'mknodat', dirfd: AT_FDCWD, path: p, mode: flagsOf(a[1], MODE_TYPES) }));
    case 'mknodat': return withPath(a[1], (p) => ({ sys: 'mknodat', dirfd: dirfd(a[0]), path: p, mode: flagsOf(a[2], MODE_TYPES) }));
    case 'unlink': return withPath(a[0], (p) => ({ sys: 'unlinkat', dirfd: AT_FDCWD, path: p, flags: 0 }));
    case 'rmdir': return withPath(a[0], (p) => ({ sys: 'unlinkat', dirfd: AT_FDCWD, path: p, flags: AT_REMOVEDIR }));
    case 'unlinkat': return withPath(a[1], (p) => ({ sys: 'unlinkat', dirfd: dirfd(a[0]), path: p, flags: flagsOf(a[2], AT_FLAGS) }));
    case 'rename': return two(AT_FDCWD, a[0], AT_FDCWD, a[1], (o, n) => ({ sys: 'renameat2', olddirfd: AT_FDCWD, oldpath: o, newdirfd: AT_FDCWD, newpath: n, flags: 0 }));
    case 'renameat':
    case 'renameat2':
      return two(dirfd(a[0]), a[1], dirfd(a[2]), a[3], (o, n) => ({
        sys: 'renameat2', olddirfd: dirfd(a[0]), oldpath: o, newdirfd: dirfd(a[2]), newpath: n, flags: flagsOf(a[4], RENAME_FLAGS),
      }));
    case 'link': return two(AT_FDCWD, a[0], AT_FDCWD, a[1], (o, n) => ({ sys: 'linkat', olddirfd: AT_FDCWD, oldpath: o, newdirfd: AT_FDCWD, newpath: n, flags: 0 }));
    case 'linkat':
      return two(dirfd(a[0]), a[1], dirfd(a[2]), a[3], (o, n) => ({
        sys: 'linkat', olddirfd: dirfd(a[0]), oldpath: o, newdirfd: dirfd(a[2]), newpath: n, flags: flagsOf(a[4], AT_FLAGS),
      }));
    case 'symlink': return two(AT_FDCWD, a[0], AT_FDCWD, a[1], (t, l) => ({ sys: 'symlinkat', target: t, newdirfd: AT_FDCWD, linkpath: l }));
    case 'symlinkat': return two(AT_FDCWD, a[0], dirfd(a[1]), a[2], (t, l) => ({ sys: 'symlinkat', target: t, newdirfd: dirfd(a[1]), linkpath: l }));
    case 'chdir': return withPath(a[0], (p) => ({ sys: 'chdir', path: p }));
    case 'chroot': return withPath(a[0], (p) => ({ sys: 'chroot', path: p }));
    case 'fchdir': return { sys: 'fchdir', fd: num(a[0]) };
    case 'umask': return { sys: 'umask', mask: num(a[0]) };
    case 'close': return { sys: 'close', fd: num(a[0]) };
    case 'close_range': return { sys: 'close_range', first: num(a[0]), last: num(a[1]), flags: flagsOf(a[2], CLOSE_RANGE_FLAGS) };
    case 'dup': return { sys: 'dup', fd: num(a[0]) };
    case 'dup2': return { sys: 'dup2', fd: num(a[0]), newfd: num(a[1]) };
    case 'dup3': return { sys: 'dup3', fd: num(a[0]), newfd: num(a[1]), flags: flagsOf(a[2], O_FLAGS) };
    case 'fcntl':
    case 'fcntl64': return fcntlCall(a);
    case 'ioctl': {
      const req = flagsOf(a[1], IOCTLS);
      if (req !== 0x5451 && req !== 0x5450 && req !== 0x5421 && req !== 0x5452) return null;
      const v = a[2]?.items?.[0];
      return { sys: 'ioctl', fd: num(a[0]), request: req, ...(v ? { value: num(v) } : {}) };
    }
    case 'pipe': return { sys: 'pipe2', flags: 0 };
    case 'pipe2': return { sys: 'pipe2', flags: flagsOf(a[1], O_FLAGS) };
    case 'socket': return { sys: 'socket', domain: flagsOf(a[0], AF_FAMILIES), type: flagsOf(a[1], SOCK_FLAGS), protocol: num(a[2]) };
    case 'socketpair': return { sys: 'socketpair', domain: flagsOf(a[0], AF_FAMILIES), type: flagsOf(a[1], SOCK_FLAGS), protocol: num(a[2]) };
    case 'accept': return { sys: 'accept4', fd: num(a[0]), flags: 0 };
    case 'accept4': return { sys: 'accept4', fd: num(a[0]), flags: flagsOf(a[3], SOCK_FLAGS) };
    case 'bind':
    case 'connect': {
      // The address as strace prints it (`"path"` or `@"abstract"`): it is only ever shown again.
      const sun = a[1]?.field('sun_path')?.valueText;
      return { sys: name, fd: num(a[0]), ...(sun !== undefined ? { unixPath: sun } : {}) };
    }
    case 'eventfd': return anon('eventfd', 0);
    case 'eventfd2': return anon('eventfd', flagsOf(a[1], EFD_FLAGS));
    case 'epoll_create': return anon('epoll', 0);
    case 'epoll_create1': return anon('epoll', flagsOf(a[0], MISC_FD_FLAGS));
    case 'signalfd':
    case 'signalfd4': return num(a[0]) === -1 ? anon('signalfd', flagsOf(a[3], MISC_FD_FLAGS)) : null;
    case 'timerfd_create': return anon('timerfd', flagsOf(a[1], TFD_FLAGS));
    case 'inotify_init': return anon('inotify', 0);
    case 'inotify_init1': return anon('inotify', flagsOf(a[0], MISC_FD_FLAGS));
    case 'fanotify_init': return anon('fanotify', flagsOf(a[0], O_FLAGS) & 1 ? 0o2000000 : 0);
    case 'userfaultfd': return anon('userfaultfd', flagsOf(a[0], O_FLAGS));
    case 'perf_event_open': return anon('perf_event', flagsOf(a[4], { PERF_FLAG_FD_CLOEXEC: 8 }) & 8 ? 0o2000000 : 0);
    case 'io_uring_setup': return anon('io_uring', 0o2000000);
    case 'pidfd_open': return { ...anon('pidfd', 0o2000000), name: `pid:${num(a[0])}` } as Call;
    case 'memfd_create': {
      const f = flagsOf(a[1], MFD_FLAGS);
      return { sys: 'anon', kind: 'memfd', cloexec: (f & 1) !== 0, nonblock: false, name: `memfd:${path(a[0]) ?? ''}` };
    }
    case 'clone': return { sys: 'clone', flags: flagsOf(a.find((x) => x.key === 'flags'), [CLONE_FLAGS, SIGNALS]) };
    case 'clone3': return { sys: 'clone', flags: flagsOf(a[0]?.field('flags'), CLONE_FLAGS) };
    case 'fork': return { sys: 'clone', flags: 17 };
    case 'vfork': return { sys: 'clone', flags: 0x100 | 0x4000 | 17 };
    case 'execve': return withPath(a[0], (p) => ({ sys: 'execve', dirfd: AT_FDCWD, path: p, flags: 0 }));
    case 'execveat': return withPath(a[1], (p) => ({ sys: 'execve', dirfd: dirfd(a[0]), path: p, flags: flagsOf(a[4], AT_FLAGS) }));
    case 'exit': return { sys: 'exit', group: false };
    case 'exit_group': return { sys: 'exit', group: true };
    case 'getcwd': return { sys: 'getcwd' };
    case 'stat': case 'statfs': case 'access': case 'chmod': case 'chown': case 'truncate': case 'utime': case 'utimes':
    case 'getxattr': case 'setxattr': case 'listxattr': case 'removexattr':
      return lookup(name, AT_FDCWD, path(a[0]), true);
    case 'lstat': case 'lchown': case 'readlink': case 'lgetxattr': case 'lsetxattr': case 'llistxattr': case 'lremovexattr':
      return lookup(name, AT_FDCWD, path(a[0]), false);
    case 'newfstatat': case 'fstatat64': case 'fchownat': case 'utimensat': case 'futimesat': {
      const flagArg = name === 'fchownat' ? a[4] : name === 'futimesat' ? undefined : a[3];
      const f = flagsOf(flagArg, AT_FLAGS);
      return lookup(name, dirfd(a[0]), path(a[1]), !(f & AT_SYMLINK_NOFOLLOW), (f & AT_EMPTY_PATH) !== 0);
    }
    case 'statx': {
      const f = flagsOf(a[2], AT_FLAGS);
      return lookup(name, dirfd(a[0]), path(a[1]), !(f & AT_SYMLINK_NOFOLLOW), (f & AT_EMPTY_PATH) !== 0);
    }
    case 'faccessat': return lookup(name, dirfd(a[0]), path(a[1]), true);
    case 'faccessat2': case 'fchmodat': case 'fchmodat2': {
      const f = flagsOf(a[3], AT_FLAGS);
      return lookup(name, dirfd(a[0]), path(a[1]), !(f & AT_SYMLINK_NOFOLLOW), (f & AT_EMPTY_PATH) !== 0);
    }
    case 'readlinkat': return lookup(name, dirfd(a[0]), path(a[1]), false, true);
    default: return null;
  }
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

function anon(kind: string, flags: number): Call {
  return { sys: 'anon', kind, cloexec: (flags & 0o2000000) !== 0, nonblock: (flags & 0o4000) !== 0 };
}
