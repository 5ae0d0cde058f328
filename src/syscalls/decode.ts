/**
 * The one decoding of each syscall: name + arguments → the model's `Call`. The WALI interposer,
 * the Node host and the strace reader all decode through this table (each with its own
 * `ArgReader`), so what a policy judges is what a host runs, and a legacy call (`open`,
 * `unlink`, `stat` ...) maps onto its `*at` form in exactly one place.
 *
 * Flags follow what Linux does with them, not what their names suggest: `fchmodat` and the
 * `faccessat` syscall take no flags argument (do_fchmodat ignores a fourth one: it always
 * follows), `faccessat2` honours AT_SYMLINK_NOFOLLOW, a NULL path with AT_EMPTY_PATH names the
 * dirfd (statx, utimensat), and open's flags are validated by the model (build_open_flags).
 */
import type { Call } from '../state/calls.js';
import {
  AF_FAMILIES, AF_UNIX, AT_EACCESS, AT_EMPTY_PATH, AT_FDCWD, AT_FLAGS, AT_NO_AUTOMOUNT, AT_REMOVEDIR, AT_SYMLINK_NOFOLLOW, CLOSE_RANGE_FLAGS, EFD_FLAGS,
  F_CMDS, FD_FLAGS, FIOASYNC, FIOCLEX, FIONBIO, FIONCLEX, MAP_ANONYMOUS, MAP_FLAGS, MFD_FLAGS, PROT_FLAGS, MISC_FD_FLAGS, O_CLOEXEC,
  O_CREAT, O_FLAGS, O_NONBLOCK, O_TRUNC, O_WRONLY, RENAME_FLAGS, RLIMIT_NOFILE, SOCK_FLAGS, TFD_FLAGS, type AnonKind, type Errno,
} from '../linux/index.js';

const AT_STATX_SYNC_TYPE = 0x6000;
const STATX_RESERVED = 0x80000000;
import type { ArgReader } from './reader.js';

export type Decoder = (r: ArgReader, name: string) => Call | null;

/** mknod's mode: the file type names strace prints, with the permission bits. */
const MODE_TYPES = Object.freeze({
  S_IFREG: 0o100000, S_IFCHR: 0o020000, S_IFBLK: 0o060000, S_IFIFO: 0o010000, S_IFSOCK: 0o140000, S_IFDIR: 0o040000,
});
/** ioctl requests by the names strace prints (asm-generic/ioctls.h, linux/fs.h). */
const IOCTLS = Object.freeze({
  FIOCLEX, FIONCLEX, FIONBIO, FIOASYNC, FIONREAD: 0x541b, TCGETS: 0x5401, TCSETS: 0x5402, TCSETSW: 0x5403, TCSETSF: 0x5404,
  TCSBRK: 0x5409, TCXONC: 0x540a, TCFLSH: 0x540b, TIOCSCTTY: 0x540e, TIOCGPGRP: 0x540f, TIOCSPGRP: 0x5410, TIOCOUTQ: 0x5411,
  TIOCSTI: 0x5412, TIOCGWINSZ: 0x5413, TIOCSWINSZ: 0x5414, TIOCLINUX: 0x541c, TIOCCONS: 0x541d, TIOCSETD: 0x5423,
  TIOCGETD: 0x5424, TIOCGSID: 0x5429, TCGETS2: 0x802c542a, FICLONE: 0x40049409, FICLONERANGE: 0x4020940d,
  FIDEDUPERANGE: 0xc0189436,
});
const PERF_FLAGS = Object.freeze({ PERF_FLAG_FD_CLOEXEC: 8 });
const RLIMITS = Object.freeze({ RLIMIT_NOFILE });
/** fcntl commands whose argument is a pointer, not a value (struct flock, f_owner_ex ...). */
const F_POINTER_CMDS = new Set([5, 6, 7, 15, 16, 36, 37, 38]);

const dirfd = (r: ArgReader, i: number): number => r.int(i);
const withPath = (r: ArgReader, i: number, f: (p: string) => Call): Call | null => {
  const p = r.path(i);
  return p === undefined ? null : f(p);
};
const two = (r: ArgReader, i: number, j: number, f: (a: string, b: string) => Call): Call | null => {
  const a = r.path(i);
  const b = r.path(j);
  return a === undefined || b === undefined ? null : f(a, b);
};
const lookup = (name: string, dfd: number, path: string | undefined, follow: boolean, emptyPath = false): Call | null =>
  path === undefined ? null : { sys: 'lookup', name, dirfd: dfd, path, follow, emptyPath };
/** An *at lookup whose AT_* flags are argument `flagArg`; `valid` are the flags the call accepts (others: EINVAL first). */
const atLookup = (flagArg: number, valid: number = AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT): Decoder => (r, name) => {
  const f = r.flags(flagArg, AT_FLAGS);
  return withArgErr(lookup(name, dirfd(r, 0), r.path(1), !(f & AT_SYMLINK_NOFOLLOW), (f & AT_EMPTY_PATH) !== 0), f & ~valid ? 'EINVAL' : undefined);
};

/** A call whose other arguments Linux refuses before it looks anything up. */
function withArgErr(c: Call | null, err: Errno | undefined): Call | null {
  if (c && err && (c.sys === 'lookup' || c.sys === 'usefd')) c.argErr = err;
  return c;
}
/** Calls on an fd alone (read, write, fstat ...): judged on the rights the fd obtained at open. */
const useFd: Decoder = (r, name) => ({ sys: 'usefd', name, fd: r.int(0) });
/** pread/pwrite's offset, ftruncate's length: Linux refuses a negative one before looking at the fd. */
const useFdAt = (i: number): Decoder => (r, name) => withArgErr({ sys: 'usefd', name, fd: r.int(0) }, r.long(i) < 0 ? 'EINVAL' : undefined);
const anon = (kind: AnonKind, flags: number, name?: string): Call => {
  const c: Call = { sys: 'anon', kind, cloexec: (flags & O_CLOEXEC) !== 0, nonblock: (flags & O_NONBLOCK) !== 0 };
  if (name !== undefined) c.name = name;
  return c;
};
const open = (r: ArgReader, dfd: number, p: number, f: number, m: number): Call | null =>
  withPath(r, p, (path) => ({ sys: 'openat', dirfd: dfd, path, flags: r.flags(f, O_FLAGS), mode: r.int(m) }));
const sockCall = (sys: 'bind' | 'connect' | 'sendto', fd: number, addr: ReturnType<ArgReader['sockaddr']>): Call => {
  const c: Call = { sys, fd };
  if (addr) {
    c.addr = addr;
    if (addr.label !== undefined && addr.family === AF_UNIX) c.unixPath = addr.label;
  }
  return c;
};
const nofile = (r: ArgReader, i: number): Call | null => {
  const cur = r.rlimitCur(i);
  return cur === undefined ? null : { sys: 'nofile', soft: Math.min(cur, 1 << 20) };
};

/** name → decoder. Every name here is judged or applied; see `PROCESS_LOCAL` for the others. */
export const DECODERS: Readonly<Record<string, Decoder>> = {
  // ---- opening ----
  open: (r) => open(r, AT_FDCWD, 0, 1, 2),
  openat: (r) => open(r, dirfd(r, 0), 1, 2, 3),
  creat: (r) => withPath(r, 0, (path) => ({ sys: 'openat', dirfd: AT_FDCWD, path, flags: O_CREAT | O_WRONLY | O_TRUNC, mode: r.int(1) })),
  openat2: (r) => {
    const how = r.openHow(2);
    return how === undefined ? null : withPath(r, 1, (path) => ({ sys: 'openat', dirfd: dirfd(r, 0), path, openat2: true, flags: how.flags, mode: how.mode, resolve: how.resolve }));
  },
  // ---- names ----
  mkdir: (r) => withPath(r, 0, (path) => ({ sys: 'mkdirat', dirfd: AT_FDCWD, path, mode: r.int(1) })),
  mkdirat: (r) => withPath(r, 1, (path) => ({ sys: 'mkdirat', dirfd: dirfd(r, 0), path, mode: r.int(2) })),
  mknod: (r) => withPath(r, 0, (path) => ({ sys: 'mknodat', dirfd: AT_FDCWD, path, mode: r.flags(1, MODE_TYPES) })),
  mknodat: (r) => withPath(r, 1, (path) => ({ sys: 'mknodat', dirfd: dirfd(r, 0), path, mode: r.flags(2, MODE_TYPES) })),
  unlink: (r) => withPath(r, 0, (path) => ({ sys: 'unlinkat', dirfd: AT_FDCWD, path, flags: 0 })),
  rmdir: (r) => withPath(r, 0, (path) => ({ sys: 'unlinkat', dirfd: AT_FDCWD, path, flags: AT_REMOVEDIR })),
  unlinkat: (r) => withPath(r, 1, (path) => ({ sys: 'unlinkat', dirfd: dirfd(r, 0), path, flags: r.flags(2, AT_FLAGS) })),
  rename: (r) => two(r, 0, 1, (o, n) => ({ sys: 'renameat2', olddirfd: AT_FDCWD, oldpath: o, newdirfd: AT_FDCWD, newpath: n, flags: 0 })),
  renameat: (r) => two(r, 1, 3, (o, n) => ({ sys: 'renameat2', olddirfd: dirfd(r, 0), oldpath: o, newdirfd: dirfd(r, 2), newpath: n, flags: 0 })),
  renameat2: (r) => two(r, 1, 3, (o, n) => ({ sys: 'renameat2', olddirfd: dirfd(r, 0), oldpath: o, newdirfd: dirfd(r, 2), newpath: n, flags: r.flags(4, RENAME_FLAGS) })),
  link: (r) => two(r, 0, 1, (o, n) => ({ sys: 'linkat', olddirfd: AT_FDCWD, oldpath: o, newdirfd: AT_FDCWD, newpath: n, flags: 0 })),
  linkat: (r) => two(r, 1, 3, (o, n) => ({ sys: 'linkat', olddirfd: dirfd(r, 0), oldpath: o, newdirfd: dirfd(r, 2), newpath: n, flags: r.flags(4, AT_FLAGS) })),
  symlink: (r) => two(r, 0, 1, (t, l) => ({ sys: 'symlinkat', target: t, newdirfd: AT_FDCWD, linkpath: l })),
  symlinkat: (r) => two(r, 0, 2, (t, l) => ({ sys: 'symlinkat', target: t, newdirfd: dirfd(r, 1), linkpath: l })),
  // ---- lookups: the stat family, access, readlink, metadata changes ----
  stat: (r, n) => lookup(n, AT_FDCWD, r.path(0), true),
  statfs: (r, n) => lookup(n, AT_FDCWD, r.path(0), true),
  access: (r, n) => withArgErr(lookup(n, AT_FDCWD, r.path(0), true), r.int(1) & ~7 ? 'EINVAL' : undefined),
  chmod: (r, n) => lookup(n, AT_FDCWD, r.path(0), true),
  chown: (r, n) => lookup(n, AT_FDCWD, r.path(0), true),
  truncate: (r, n) => withArgErr(lookup(n, AT_FDCWD, r.path(0), true), r.long(1) < 0 ? 'EINVAL' : undefined),
  // utime(filename, times): utimensat(AT_FDCWD, filename, times, 0), so it follows a final symlink.
  utime: (r, n) => lookup(n, AT_FDCWD, r.path(0), true),
  utimes: (r, n) => lookup(n, AT_FDCWD, r.path(0), true),
  getxattr: (r, n) => lookup(n, AT_FDCWD, r.path(0), true),
  setxattr: (r, n) => lookup(n, AT_FDCWD, r.path(0), true),
  listxattr: (r, n) => lookup(n, AT_FDCWD, r.path(0), true),
  removexattr: (r, n) => lookup(n, AT_FDCWD, r.path(0), true),
  lstat: (r, n) => lookup(n, AT_FDCWD, r.path(0), false),
  lchown: (r, n) => lookup(n, AT_FDCWD, r.path(0), false),
  readlink: (r, n) => withArgErr(lookup(n, AT_FDCWD, r.path(0), false), r.int(2) <= 0 ? 'EINVAL' : undefined),
  lgetxattr: (r, n) => lookup(n, AT_FDCWD, r.path(0), false),
  lsetxattr: (r, n) => lookup(n, AT_FDCWD, r.path(0), false),
  llistxattr: (r, n) => lookup(n, AT_FDCWD, r.path(0), false),
  lremovexattr: (r, n) => lookup(n, AT_FDCWD, r.path(0), false),
  newfstatat: atLookup(3),
  // The same call under its libc name (what older WALI hosts export as SYS_fstatat) and its 32-bit one.
  fstatat: atLookup(3),
  fstatat64: atLookup(3),
  fchownat: atLookup(4, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH),
  faccessat2: (r, n) => withArgErr(atLookup(3, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_EACCESS)(r, n), r.int(2) & ~7 ? 'EINVAL' : undefined),
  // The fchmodat and faccessat syscalls have no flags argument: they always follow (libc
  // emulates AT_SYMLINK_NOFOLLOW itself); fchmodat2 takes flags.
  fchmodat: (r, n) => lookup(n, dirfd(r, 0), r.path(1), true),
  faccessat: (r, n) => withArgErr(lookup(n, dirfd(r, 0), r.path(1), true), r.int(2) & ~7 ? 'EINVAL' : undefined),
  fchmodat2: atLookup(3, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH),
  // statx(fd, NULL, AT_EMPTY_PATH) names the fd (Linux 6.11); a NULL path otherwise faults.
  statx: (r, n) => {
    const f = r.flags(2, AT_FLAGS);
    const path = f & AT_EMPTY_PATH && r.isNull(1) ? '' : r.path(1);
    const bad = f & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE) || (f & AT_STATX_SYNC_TYPE) === AT_STATX_SYNC_TYPE
      || (r.int(3) >>> 0) & STATX_RESERVED;
    return withArgErr(lookup(n, dirfd(r, 0), path, !(f & AT_SYMLINK_NOFOLLOW), (f & AT_EMPTY_PATH) !== 0), bad ? 'EINVAL' : undefined);
  },
  // utimensat(fd, NULL, ...) is futimens: the fd itself. Its flags and times are checked first.
  utimensat: (r, n) => {
    const f = r.int(3);
    const bad = f & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) || r.timesValid(2) === false || (r.isNull(1) && f & AT_SYMLINK_NOFOLLOW) ? 'EINVAL' : undefined;
    return withArgErr(r.isNull(1) ? { sys: 'usefd', name: 'futimens', fd: r.int(0) } : atLookup(3, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)(r, n), bad);
  },
  futimesat: (r, n) => (r.isNull(1) ? { sys: 'usefd', name: 'futimens', fd: r.int(0) } : lookup(n, dirfd(r, 0), r.path(1), true)),
  readlinkat: (r, n) => withArgErr(lookup(n, dirfd(r, 0), r.path(1), false, true), r.int(3) <= 0 ? 'EINVAL' : undefined),
  chdir: (r) => withPath(r, 0, (path) => ({ sys: 'chdir', path })),
  chroot: (r) => withPath(r, 0, (path) => ({ sys: 'chroot', path })),
  fchdir: (r) => ({ sys: 'fchdir', fd: r.int(0) }),
  execve: (r) => withPath(r, 0, (path) => ({ sys: 'execve', dirfd: AT_FDCWD, path, flags: 0 })),
  execveat: (r) => withPath(r, 1, (path) => ({ sys: 'execve', dirfd: dirfd(r, 0), path, flags: r.flags(4, AT_FLAGS) })),
  // ---- the fd table and the fs context ----
  umask: (r) => ({ sys: 'umask', mask: r.int(0) }),
  getcwd: () => ({ sys: 'getcwd' }),
  close: (r) => ({ sys: 'close', fd: r.int(0) }),
  close_range: (r) => ({ sys: 'close_range', first: r.int(0), last: r.int(1), flags: r.flags(2, CLOSE_RANGE_FLAGS) }),
  dup: (r) => ({ sys: 'dup', fd: r.int(0) }),
  dup2: (r) => ({ sys: 'dup2', fd: r.int(0), newfd: r.int(1) }),
  dup3: (r) => ({ sys: 'dup3', fd: r.int(0), newfd: r.int(1), flags: r.flags(2, O_FLAGS) }),
  fcntl: (r) => fcntl(r),
  fcntl64: (r) => fcntl(r),
  ioctl: (r) => {
    const request = r.flags(1, IOCTLS) >>> 0;
    const c: Call = { sys: 'ioctl', fd: r.int(0), request };
    if (request === FIONBIO || request === FIOASYNC) {
      const v = r.pointedInt(2);
      if (v !== undefined) c.value = v;
    }
    return c;
  },
  // ---- objects outside the tree ----
  pipe: () => ({ sys: 'pipe2', flags: 0 }),
  pipe2: (r) => ({ sys: 'pipe2', flags: r.flags(1, O_FLAGS) }),
  socket: (r) => ({ sys: 'socket', domain: r.flags(0, AF_FAMILIES), type: r.flags(1, SOCK_FLAGS), protocol: r.int(2) }),
  socketpair: (r) => ({ sys: 'socketpair', domain: r.flags(0, AF_FAMILIES), type: r.flags(1, SOCK_FLAGS), protocol: r.int(2) }),
  accept: (r) => ({ sys: 'accept4', fd: r.int(0), flags: 0 }),
  accept4: (r) => ({ sys: 'accept4', fd: r.int(0), flags: r.flags(3, SOCK_FLAGS) }),
  bind: (r, n) => sockCall(n as 'bind', r.int(0), r.sockaddr(1, 2)),
  connect: (r, n) => sockCall(n as 'connect', r.int(0), r.sockaddr(1, 2)),
  // A datagram sent to an address reaches it as a connect would; without one it goes to the peer.
  sendto: (r) => (r.isNull(4) ? null : sockCall('sendto', r.int(0), r.sockaddr(4, 5))),
  sendmsg: (r) => {
    const to = r.msgName(1);
    return to === undefined ? null : sockCall('sendto', r.int(0), to);
  },
  eventfd: () => anon('eventfd', 0),
  eventfd2: (r) => anon('eventfd', r.flags(1, EFD_FLAGS)),
  epoll_create: () => anon('epoll', 0),
  epoll_create1: (r) => anon('epoll', r.flags(0, MISC_FD_FLAGS)),
  signalfd: (r) => (r.int(0) === -1 ? anon('signalfd', 0) : null),
  signalfd4: (r) => (r.int(0) === -1 ? anon('signalfd', r.flags(3, MISC_FD_FLAGS)) : null),
  timerfd_create: (r) => anon('timerfd', r.flags(1, TFD_FLAGS)),
  inotify_init: () => anon('inotify', 0),
  inotify_init1: (r) => anon('inotify', r.flags(0, MISC_FD_FLAGS)),
  fanotify_init: (r) => anon('fanotify', r.flags(0, O_FLAGS) & 1 ? O_CLOEXEC : 0),
  userfaultfd: (r) => anon('userfaultfd', r.flags(0, O_FLAGS)),
  perf_event_open: (r) => anon('perf_event', r.flags(4, PERF_FLAGS) & 8 ? O_CLOEXEC : 0),
  io_uring_setup: () => anon('io_uring', O_CLOEXEC),
  pidfd_open: (r) => anon('pidfd', O_CLOEXEC, `pid:${r.int(0)}`),
  memfd_create: (r) => {
    const f = r.flags(1, MFD_FLAGS);
    return { sys: 'anon', kind: 'memfd', cloexec: (f & 1) !== 0, nonblock: false, name: `memfd:${r.path(0) ?? ''}` };
  },
  // ---- tasks ----
  clone: (r, n) => ({ sys: 'clone', flags: r.cloneFlags(n) }),
  clone3: (r, n) => ({ sys: 'clone', flags: r.cloneFlags(n) }),
  fork: () => ({ sys: 'clone', flags: 17 }),
  vfork: () => ({ sys: 'clone', flags: 0x100 | 0x4000 | 17 }),
  exit: () => ({ sys: 'exit', group: false }),
  exit_group: () => ({ sys: 'exit', group: true }),
  // RLIMIT_NOFILE of the caller itself changes what the model allocates; another process's limits are outside the guest.
  setrlimit: (r) => (r.flags(0, RLIMITS) === RLIMIT_NOFILE ? nofile(r, 1) : null),
  prlimit64: (r) => {
    const pid = r.int(0);
    const soft = r.flags(1, RLIMITS) === RLIMIT_NOFILE && !r.isNull(2) ? nofile(r, 2) : null;
    if (pid !== 0) return soft?.sys === 'nofile' ? { sys: 'prlimit', pid, nofile: soft.soft } : { sys: 'prlimit', pid };
    return soft;
  },
  kill: (r) => ({ sys: 'kill', pid: r.int(0), sig: r.int(1) }),
  tkill: (r) => ({ sys: 'tkill', tid: r.int(0), sig: r.int(1) }),
  tgkill: (r) => ({ sys: 'tkill', tgid: r.int(0), tid: r.int(1), sig: r.int(2) }),
  // ---- calls on an open fd ----
  read: useFd, pread64: useFdAt(3), readv: useFd, preadv: useFd, preadv2: useFd,
  write: useFd, pwrite64: useFdAt(3), writev: useFd, pwritev: useFd, pwritev2: useFd,
  ftruncate: useFdAt(1), fallocate: useFd, fchmod: useFd, fchown: useFd,
  // getdents (struct linux_dirent) lists like getdents64 (struct linux_dirent64): `list` on the fd.
  getdents: useFd, getdents64: useFd, fstat: useFd, fstatfs: useFd,
  fgetxattr: useFd, flistxattr: useFd, fsetxattr: useFd, fremovexattr: useFd,
  // A file mapping reads the file; a shared writable one writes it.
  mmap: (r) => (r.int(4) < 0 || r.flags(3, MAP_FLAGS) & MAP_ANONYMOUS ? null : { sys: 'mmap', fd: r.int(4), prot: r.flags(2, PROT_FLAGS), flags: r.flags(3, MAP_FLAGS) }),
};

function fcntl(r: ArgReader): Call {
  const cmd = r.flags(1, F_CMDS);
  let arg = 0;
  if (cmd === 2) arg = r.flags(2, FD_FLAGS);
  else if (cmd === 4) arg = r.flags(2, O_FLAGS);
  else if (!F_POINTER_CMDS.has(cmd)) arg = r.int(2);
  return { sys: 'fcntl', fd: r.int(0), cmd, arg };
}

/**
 * Calls that act only on the calling process, its own memory or what any process may read of
 * the machine (clocks, ids, limits, uname): nothing outside the guest to judge. They pass.
 */
export const PROCESS_LOCAL: ReadonlySet<string> = new Set([
  'brk', 'mprotect', 'mremap', 'msync', 'munmap', 'madvise', 'mincore', 'mlock', 'munlock', 'membarrier',
  'futex', 'set_tid_address', 'set_robust_list', 'get_robust_list', 'rseq', 'arch_prctl', 'prctl',
  'getpid', 'getppid', 'gettid', 'getuid', 'geteuid', 'getgid', 'getegid', 'getgroups', 'getresuid', 'getresgid',
  'getpgid', 'getpgrp', 'getsid', 'setpgid', 'setsid', 'setuid', 'setgid', 'setreuid', 'setregid', 'setresuid',
  'setresgid', 'setgroups', 'setfsuid', 'setfsgid', 'capget',
  'clock_gettime', 'clock_getres', 'clock_nanosleep', 'gettimeofday', 'time', 'nanosleep', 'times',
  'getrandom', 'uname', 'sysinfo', 'getrlimit', 'getrusage', 'getcpu', 'sched_yield', 'sched_getaffinity',
  'sched_getparam', 'sched_getscheduler', 'getpriority', 'getitimer', 'setitimer', 'alarm', 'pause',
  'rt_sigaction', 'rt_sigprocmask', 'rt_sigpending', 'rt_sigsuspend', 'rt_sigreturn', 'rt_sigtimedwait', 'sigaltstack',
  'restart_syscall', 'wait4', 'waitid',
  // On descriptors the guest already holds (their rights were settled when they were opened).
  'lseek', 'fsync', 'fdatasync', 'fadvise', 'fadvise64', 'flock', 'sync_file_range', 'readahead',
  'poll', 'ppoll', 'select', 'pselect6', 'epoll_ctl', 'epoll_wait', 'epoll_pwait', 'epoll_pwait2',
  'listen', 'shutdown', 'getsockname', 'getpeername', 'getsockopt', 'setsockopt', 'recvfrom', 'recvmsg',
  'sendto', 'sendmsg',
]);
