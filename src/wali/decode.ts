/**
 * WALI syscall arguments → the model's events. Each decoder reads a call's raw wasm arguments
 * (i32 as Number, i64 as BigInt, paths from guest memory with bounds checks) and says what the
 * interposer must do: judge a path request, check an fd's rights, apply a call to the model, or
 * nothing. A bad pointer or an unterminated path is a `fault` (the call returns -EFAULT without
 * reaching the host), exactly where Linux would fault too.
 *
 * Names follow x86-64 (`SYS_newfstatat`); calls the WALI spec leaves unimplemented but binaries
 * still import with a call-site signature (truncate, renameat, utimes ...) are decoded by their
 * Linux signatures, so a host that implements them is still judged.
 */
import type { AnonKind } from '../linux/index.js';
import type { Call, Observed } from '../state/calls.js';
import {
  AT_EMPTY_PATH, AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_NOFOLLOW, FIOCLEX, FIONBIO, FIONCLEX, O_CLOEXEC, O_CREAT, O_NONBLOCK, O_TRUNC, O_WRONLY,
} from '../linux/index.js';
import type { GuestMemory, GuestWord } from './memory.js';
import { FD_RIGHTS } from '../rules/requests.js';
import type { Right } from '../rules/rights.js';

/** What the interposer does with one call. */
export type Decoded =
  /** A call on names: judged (requestFor) at entry, applied to the model with the host's result. */
  | { kind: 'path'; call: Call; after?: After }
  /** A call that changes the fd table or cwd but needs no right (close, dup, pipe ...): applied only. */
  | { kind: 'model'; call: Call; after?: After }
  /** A call on an open fd: judged against the rights the fd obtained at open. */
  | { kind: 'fd'; fd: number; right: FdRight }
  /** Nothing to judge or apply (clock_gettime, getpid, lseek ...). */
  | { kind: 'pass' }
  /** A guest pointer the kernel would fault on: -errno without calling the host. */
  | { kind: 'fault'; errno: 'EFAULT' | 'ENAMETOOLONG' };

/** Reads what a successful call returned through memory (pipe's fds) once the host has run it. */
export type After = (ret: number, mem: GuestMemory) => Observed;

/** The right an fd-based call needs (requests.ts fdCallRights turns `write` into `append` on O_APPEND). */
export type FdRight = Right;

type Args = readonly GuestWord[];
type Decoder = (a: Args, m: GuestMemory) => Decoded;

const PASS: Decoded = Object.freeze({ kind: 'pass' });
const MAP_SHARED = 0x01;
const PROT_WRITE = 0x2;
const F_SETLK_FAMILY = new Set([5, 6, 7, 36, 37, 38]); // F_GETLK, F_SETLK(W), F_OFD_*: a pointer
const RLIMIT_NOFILE = 7;

/** An i32 argument as the C int it is. */
const int = (x: GuestWord | undefined): number => (typeof x === 'bigint' ? Number(BigInt.asIntN(32, x)) : (x ?? 0) | 0);
/** An i64 argument masked to the 32-bit int an integer command means (fcntl's variadic arg). */
const int32 = (x: GuestWord | undefined): number => int(typeof x === 'bigint' ? BigInt.asIntN(32, x) : x);

class Fault {
  constructor(readonly errno: 'EFAULT' | 'ENAMETOOLONG') {}
}

function path(m: GuestMemory, p: GuestWord | undefined): string {
  const s = m.readCString(p ?? -1);
  if (typeof s !== 'string') throw new Fault(s.errno);
  return s;
}

const fd = (f: GuestWord | undefined, right: FdRight): Decoded => ({ kind: 'fd', fd: int(f), right });
const on = (call: Call, after?: After): Decoded => (after ? { kind: 'path', call, after } : { kind: 'path', call });
const model = (call: Call, after?: After): Decoded => (after ? { kind: 'model', call, after } : { kind: 'model', call });
const lookup = (name: string, dirfd: number, p: string, follow: boolean, emptyPath = false): Decoded =>
  on({ sys: 'lookup', name, dirfd, path: p, follow, emptyPath });
const atFlags = (name: string, dirfd: number, p: string, flags: number): Decoded =>
  lookup(name, dirfd, p, !(flags & AT_SYMLINK_NOFOLLOW), (flags & AT_EMPTY_PATH) !== 0);

/** The two fds a pipe/socketpair wrote at `ptr`, once the call succeeded. */
const twoFds = (ptr: GuestWord | undefined): After => (ret, m) => {
  const a = m.readI32(ptr ?? -1);
  const b = m.readI32((toNum(ptr) + 4) >>> 0);
  if (typeof a !== 'number' || typeof b !== 'number') return { ok: true, ret };
  return { ok: true, ret, fds: [a, b] };
};
const toNum = (x: GuestWord | undefined): number => (typeof x === 'bigint' ? Number(BigInt.asUintN(32, x)) : (x ?? 0) >>> 0);

const anon = (kind: AnonKind, flags: number, cloexecBit: number, nonblockBit: number): Decoded =>
  model({ sys: 'anon', kind, cloexec: (flags & cloexecBit) !== 0, nonblock: (flags & nonblockBit) !== 0 });

const D: Record<string, Decoder> = {
  // ---- opening ----
  open: (a, m) => on({ sys: 'openat', dirfd: AT_FDCWD, path: path(m, a[0]), flags: int(a[1]), mode: int(a[2]) }),
  creat: (a, m) => on({ sys: 'openat', dirfd: AT_FDCWD, path: path(m, a[0]), flags: O_CREAT | O_WRONLY | O_TRUNC, mode: int(a[1]) }),
  openat: (a, m) => on({ sys: 'openat', dirfd: int(a[0]), path: path(m, a[1]), flags: int(a[2]), mode: int(a[3]) }),
  // ---- names ----
  mkdir: (a, m) => on({ sys: 'mkdirat', dirfd: AT_FDCWD, path: path(m, a[0]), mode: int(a[1]) }),
  mkdirat: (a, m) => on({ sys: 'mkdirat', dirfd: int(a[0]), path: path(m, a[1]), mode: int(a[2]) }),
  mknod: (a, m) => on({ sys: 'mknodat', dirfd: AT_FDCWD, path: path(m, a[0]), mode: int(a[1]) }),
  mknodat: (a, m) => on({ sys: 'mknodat', dirfd: int(a[0]), path: path(m, a[1]), mode: int(a[2]) }),
  unlink: (a, m) => on({ sys: 'unlinkat', dirfd: AT_FDCWD, path: path(m, a[0]), flags: 0 }),
  rmdir: (a, m) => on({ sys: 'unlinkat', dirfd: AT_FDCWD, path: path(m, a[0]), flags: AT_REMOVEDIR }),
  unlinkat: (a, m) => on({ sys: 'unlinkat', dirfd: int(a[0]), path: path(m, a[1]), flags: int(a[2]) }),
  rename: (a, m) => on({ sys: 'renameat2', olddirfd: AT_FDCWD, oldpath: path(m, a[0]), newdirfd: AT_FDCWD, newpath: path(m, a[1]), flags: 0 }),
  renameat: (a, m) => on({ sys: 'renameat2', olddirfd: int(a[0]), oldpath: path(m, a[1]), newdirfd: int(a[2]), newpath: path(m, a[3]), flags: 0 }),
  renameat2: (a, m) => on({ sys: 'renameat2', olddirfd: int(a[0]), oldpath: path(m, a[1]), newdirfd: int(a[2]), newpath: path(m, a[3]), flags: int(a[4]) }),
  link: (a, m) => on({ sys: 'linkat', olddirfd: AT_FDCWD, oldpath: path(m, a[0]), newdirfd: AT_FDCWD, newpath: path(m, a[1]), flags: 0 }),
  linkat: (a, m) => on({ sys: 'linkat', olddirfd: int(a[0]), oldpath: path(m, a[1]), newdirfd: int(a[2]), newpath: path(m, a[3]), flags: int(a[4]) }),
  symlink: (a, m) => on({ sys: 'symlinkat', target: path(m, a[0]), newdirfd: AT_FDCWD, linkpath: path(m, a[1]) }),
  symlinkat: (a, m) => on({ sys: 'symlinkat', target: path(m, a[0]), newdirfd: int(a[1]), linkpath: path(m, a[2]) }),
  // ---- lookups: stat family, access, readlink, metadata changes ----
  stat: (a, m) => lookup('stat', AT_FDCWD, path(m, a[0]), true),
  lstat: (a, m) => lookup('lstat', AT_FDCWD, path(m, a[0]), false),
  newfstatat: (a, m) => atFlags('newfstatat', int(a[0]), path(m, a[1]), int(a[3])),
  statx: (a, m) => atFlags('statx', int(a[0]), path(m, a[1]), int(a[2])),
  statfs: (a, m) => lookup('statfs', AT_FDCWD, path(m, a[0]), true),
  access: (a, m) => lookup('access', AT_FDCWD, path(m, a[0]), true),
  faccessat: (a, m) => atFlags('faccessat', int(a[0]), path(m, a[1]), int(a[3])),
  faccessat2: (a, m) => atFlags('faccessat2', int(a[0]), path(m, a[1]), int(a[3])),
  readlink: (a, m) => lookup('readlink', AT_FDCWD, path(m, a[0]), false),
  readlinkat: (a, m) => lookup('readlinkat', int(a[0]), path(m, a[1]), false, true),
  chmod: (a, m) => lookup('chmod', AT_FDCWD, path(m, a[0]), true),
  fchmodat: (a, m) => atFlags('fchmodat', int(a[0]), path(m, a[1]), int(a[3])),
  chown: (a, m) => lookup('chown', AT_FDCWD, path(m, a[0]), true),
  lchown: (a, m) => lookup('lchown', AT_FDCWD, path(m, a[0]), false),
  fchownat: (a, m) => atFlags('fchownat', int(a[0]), path(m, a[1]), int(a[4])),
  truncate: (a, m) => lookup('truncate', AT_FDCWD, path(m, a[0]), true),
  utimes: (a, m) => lookup('utimes', AT_FDCWD, path(m, a[0]), true),
  futimesat: (a, m) => (toNum(a[1]) === 0 ? fd(a[0], 'utime') : lookup('futimesat', int(a[0]), path(m, a[1]), true)),
  // utimensat(fd, NULL, ...) is futimens: the fd itself.
  utimensat: (a, m) => (toNum(a[1]) === 0 ? fd(a[0], 'utime') : atFlags('utimensat', int(a[0]), path(m, a[1]), int(a[3]))),
  chdir: (a, m) => on({ sys: 'chdir', path: path(m, a[0]) }),
  chroot: (a, m) => on({ sys: 'chroot', path: path(m, a[0]) }),
  fchdir: (a) => on({ sys: 'fchdir', fd: int(a[0]) }),
  execve: (a, m) => on({ sys: 'execve', dirfd: AT_FDCWD, path: path(m, a[0]), flags: 0 }),
  // ---- the fd table ----
  close: (a) => model({ sys: 'close', fd: int(a[0]) }),
  dup: (a) => model({ sys: 'dup', fd: int(a[0]) }),
  dup2: (a) => model({ sys: 'dup2', fd: int(a[0]), newfd: int(a[1]) }),
  dup3: (a) => model({ sys: 'dup3', fd: int(a[0]), newfd: int(a[1]), flags: int(a[2]) }),
  fcntl: (a) => (F_SETLK_FAMILY.has(int(a[1])) ? PASS : model({ sys: 'fcntl', fd: int(a[0]), cmd: int(a[1]), arg: int32(a[2]) })),
  ioctl: (a, m) => {
    const req = int(a[1]) >>> 0;
    if (req === FIOCLEX || req === FIONCLEX) return model({ sys: 'ioctl', fd: int(a[0]), request: req });
    if (req !== FIONBIO) return PASS;
    const v = m.readI32(a[2] ?? -1);
    return typeof v === 'number' ? model({ sys: 'ioctl', fd: int(a[0]), request: req, value: v }) : { kind: 'fault', errno: 'EFAULT' };
  },
  pipe: (a) => model({ sys: 'pipe2', flags: 0 }, twoFds(a[0])),
  pipe2: (a) => model({ sys: 'pipe2', flags: int(a[1]) }, twoFds(a[0])),
  socket: (a) => model({ sys: 'socket', domain: int(a[0]), type: int(a[1]), protocol: int(a[2]) }),
  socketpair: (a) => model({ sys: 'socketpair', domain: int(a[0]), type: int(a[1]), protocol: int(a[2]) }, twoFds(a[3])),
  accept: (a) => model({ sys: 'accept4', fd: int(a[0]), flags: 0 }),
  accept4: (a) => model({ sys: 'accept4', fd: int(a[0]), flags: int(a[3]) }),
  eventfd: () => anon('eventfd', 0, 0, 0),
  eventfd2: (a) => anon('eventfd', int(a[1]), O_CLOEXEC, O_NONBLOCK),
  epoll_create: () => anon('epoll', 0, 0, 0),
  epoll_create1: (a) => anon('epoll', int(a[0]), O_CLOEXEC, 0),
  umask: (a) => model({ sys: 'umask', mask: int(a[0]) }),
  getcwd: () => model({ sys: 'getcwd' }),
  fork: () => model({ sys: 'clone', flags: 17 /* SIGCHLD */ }),
  setrlimit: (a, m) => nofile(int(a[0]), a[1], m),
  prlimit64: (a, m) => (int(a[0]) === 0 ? nofile(int(a[1]), a[2], m) : PASS),
  // ---- calls on an open fd (read, write, fstat ...) come from FD_RIGHTS below ----
  // A file mapping reads the file; a shared writable one writes it.
  mmap: (a) => (int(a[4]) < 0 ? PASS : fd(a[4], int(a[3]) & MAP_SHARED && int(a[2]) & PROT_WRITE ? 'write' : 'read')),
};

/** setrlimit/prlimit64(self) on RLIMIT_NOFILE: the model's fd limit follows (read at entry). */
function nofile(resource: number, ptr: GuestWord | undefined, m: GuestMemory): Decoded {
  if (resource !== RLIMIT_NOFILE || toNum(ptr) === 0) return PASS;
  const cur = m.readU64(ptr ?? -1);
  if (typeof cur !== 'bigint') return { kind: 'fault', errno: 'EFAULT' };
  return model({ sys: 'nofile', soft: cur > 0x7fffffffn ? 0x7fffffff : Number(cur) });
}

/** Whether the interposer understands a syscall name (others are unknown to it). */
export function decodable(name: string): boolean {
  return Object.hasOwn(D, name);
}

// fd-based calls, from the one table of what each needs (shared with the auditor).
for (const [name, right] of Object.entries(FD_RIGHTS)) D[name] = (a) => fd(a[0], right);

/** Decodes one call. Names the interposer does not know decode as `pass`. */
export function decodeWali(name: string, args: Args, mem: GuestMemory): Decoded {
  const d = D[name];
  if (!d) return PASS;
  try {
    return d(args, mem);
  } catch (e) {
    if (e instanceof Fault) return { kind: 'fault', errno: e.errno };
    throw e;
  }
}
