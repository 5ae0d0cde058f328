/**
 * Syscall → rights (spec/syscall-rights.md): what a call needs, on which objects, resolved by the
 * model at syscall entry. fd-based calls are judged against the rights the fd obtained when it
 * was opened (`granted`), never by re-resolving a path.
 */
import type { Kernel } from '../state/kernel.js';
import type { Call } from '../state/calls.js';
import type { Task } from '../state/types.js';
import { fdObject, resolveObject, withMount, type ResolvedObject } from '../state/inspect.js';
import { openFlagsOf } from '../state/sys/open.js';
import { bit, type Right } from './rights.js';
import {
  AF_INET, AF_INET6, AF_UNIX, AT_EMPTY_PATH, AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_FOLLOW, MAP_SHARED, MAP_TYPE, O_ACCMODE, O_APPEND, O_CREAT,
  O_DIRECTORY, O_EXCL, O_NOFOLLOW, O_PATH, O_TRUNC, PROT_WRITE, RENAME_EXCHANGE, RENAME_NOREPLACE, __O_TMPFILE, type Errno,
} from '../linux/index.js';
import { ioctlReach } from './ioctls.js';
import type { NetClass } from './network.js';

const AF_UNSPEC = 0;

export interface Check {
  role: 'object' | 'source' | 'destination' | 'fd' | 'outside' | 'network';
  object: ResolvedObject;
  /** Rights needed on the object (a mask). */
  rights: number;
  /** `append` may be satisfied by `write` instead. */
  appendOrWrite?: boolean;
  /** Open flags, for `when flags has ...` rules. */
  flags?: number;
  /** For fd checks: the fd, and the rights it obtained at open (undefined: unknown). */
  fd?: number;
  granted?: number | undefined;
  /** For an `outside` check: what the call reaches beyond the guest, and the errno refusing it. */
  outside?: { what: string; errno: Errno };
  /** For a `network` check: the classes of address the call may reach (any one allowed suffices), and what it names. */
  network?: { classes: NetClass[]; what: string };
}

export interface Request {
  syscall: string;
  /** The calling task: `/proc/<its tgid>` is matched as `/proc/self` (policies say `/proc/self/**`). */
  caller?: { tid: number; tgid: number };
  checks: Check[];
  /** Rename/link: the object's rights at its new name must not exceed those at its old one. */
  refer?: { from: ResolvedObject; to: ResolvedObject; subtree: boolean };
}

/** One or two rights as a mask (no rest array: requests are built per syscall). */
const R = (a: Right, b?: Right): number => (b === undefined ? bit(a) : bit(a) | bit(b));

function check(role: Check['role'], object: ResolvedObject, rights: number, flags?: number): Check {
  const c: Check = { role, object, rights };
  if (flags !== undefined) c.flags = flags;
  return c;
}

/** The rights an open asks for (openat by access mode, O_TRUNC, O_CREAT, O_APPEND, O_DIRECTORY, O_PATH). */
export function openRights(flags: number, obj: ResolvedObject): { rights: number; appendOrWrite: boolean } {
  if (flags & O_PATH) return { rights: R('stat'), appendOrWrite: false };
  let rights = 0;
  const acc = flags & O_ACCMODE;
  // O_TMPFILE carries O_DIRECTORY but opens a new regular file (inside the directory named).
  const isDir = !(flags & __O_TMPFILE) && (obj.type === 'dir' || (flags & O_DIRECTORY) !== 0);
  const reads = acc === 0 || acc === 2 || acc === 3;
  const writes = acc === 1 || acc === 2 || acc === 3;
  if (reads) rights |= isDir ? R('list') : R('read');
  let appendOrWrite = false;
  if (writes) {
    if (flags & O_APPEND) {
      rights |= R('append');
      appendOrWrite = true;
    } else rights |= R('write');
  }
  // The kernel ignores O_TRUNC on devices, fifos and sockets (may_open clears it): only files truncate.
  const truncates = !obj.exists || obj.type === 'reg' || obj.type === 'unknown' || obj.type === undefined;
  if (flags & O_TRUNC && truncates) rights |= R('truncate');
  if (flags & __O_TMPFILE) rights |= R('create');
  else if (flags & O_CREAT && (!obj.exists || flags & O_EXCL)) rights |= R('create');
  return { rights, appendOrWrite };
}

/** Resolves names for one request; `steps` records the resolution for explanations (costs strings). */
type At = (dirfd: number, path: string, follow: boolean, emptyPath?: boolean) => ResolvedObject;
interface How {
  steps: boolean;
}
const resolver = (k: Kernel, task: Task, h: How): At => (dirfd, path, follow, emptyPath = false) =>
  resolveObject(k, task, dirfd, path, { follow, emptyPath, steps: h.steps });
const STEPS: How = { steps: true };
const NO_STEPS: How = { steps: false };

/** The request a decoded call makes, or null when it needs no right. */
export function requestFor(k: Kernel, task: Task, c: Call, opts: { steps?: boolean } = {}): Request | null {
  const r = requestOf(k, task, c, (opts.steps ?? true) ? STEPS : NO_STEPS);
  if (r) r.caller = { tid: task.tid, tgid: task.tgid };
  return r;
}

function requestOf(k: Kernel, task: Task, c: Call, how: How): Request | null {
  if (c.sys === 'openat') return openRequest(k, task, c, how);
  const at = resolver(k, task, how);
  switch (c.sys) {
    case 'mkdirat': return one('mkdirat', at(c.dirfd, c.path, false), R('mkdir'));
    case 'mknodat': return one('mknodat', at(c.dirfd, c.path, false), R('mknod'));
    case 'symlinkat': return one('symlinkat', at(c.newdirfd, c.linkpath, false), R('symlink'));
    case 'unlinkat': {
      const obj = at(c.dirfd, c.path, false);
      return one('unlinkat', obj, c.flags & AT_REMOVEDIR ? R('rmdir') : R('delete'));
    }
    case 'linkat': {
      const from = withMount(k, at(c.olddirfd, c.oldpath, (c.flags & AT_SYMLINK_FOLLOW) !== 0, (c.flags & AT_EMPTY_PATH) !== 0));
      const to = withMount(k, at(c.newdirfd, c.newpath, false));
      return { syscall: 'linkat', checks: [check('destination', to, R('link'))], refer: { from, to, subtree: false } };
    }
    case 'renameat2': {
      const from = withMount(k, at(c.olddirfd, c.oldpath, false));
      const to = withMount(k, at(c.newdirfd, c.newpath, false));
      const subtree = from.type === 'dir';
      if (c.flags & RENAME_EXCHANGE) {
        const both = R('rename-from', 'rename-to');
        return { syscall: 'renameat2', checks: [check('source', from, both), check('destination', to, both)], refer: { from, to, subtree } };
      }
      let dst = R('rename-to');
      if (to.exists && !(c.flags & RENAME_NOREPLACE)) dst |= R('delete');
      return { syscall: 'renameat2', checks: [check('source', from, R('rename-from')), check('destination', to, dst)], refer: { from, to, subtree } };
    }
    case 'lookup': return lookupRequest(at, c);
    case 'chdir': return one('chdir', at(-100, c.path, true), R('chdir'));
    case 'chroot': return one('chroot', at(-100, c.path, true), R('chdir'));
    case 'fchdir': return fdRequest(k, task, 'fchdir', c.fd, R('chdir'));
    case 'execve': return one('execve', at(c.dirfd, c.path, true, (c.flags & AT_EMPTY_PATH) !== 0), R('exec'));
    case 'usefd': {
      const right = FD_RIGHTS[c.name];
      return right ? fdRequest(k, task, c.name, c.fd, fdCallRights(right, fileFlagsOf(k, task, c.fd))) : null;
    }
    // A file mapping reads the file; a shared writable one writes it (msync/munmap write back).
    case 'mmap': {
      const shared = (c.flags & MAP_TYPE) === MAP_SHARED || (c.flags & MAP_TYPE) === 3;
      return fdRequest(k, task, 'mmap', c.fd, shared && c.prot & PROT_WRITE ? fdCallRights('write', fileFlagsOf(k, task, c.fd)) : R('read'));
    }
    case 'bind': case 'connect': case 'sendto': return socketRequest(at, c);
    case 'socket': return newSocketRequest('socket', c.domain);
    case 'socketpair': return c.domain === AF_UNIX ? null : newSocketRequest('socketpair', c.domain);
    case 'kill': return ownProcess(k, c.pid) ? null : outside('kill', `a signal to ${c.pid === 0 ? 'the process group' : c.pid === -1 ? 'every process' : `process ${c.pid}`}`, 'EPERM');
    case 'tkill': return ownThread(k, c.tid, c.tgid) ? null : outside(c.tgid === undefined ? 'tkill' : 'tgkill', `a signal to thread ${c.tid}`, 'EPERM');
    case 'prlimit': return ownProcess(k, c.pid) ? null : outside('prlimit64', `the resource limits of process ${c.pid}`, 'EPERM');
    case 'ioctl': {
      const reach = ioctlReach(c.request);
      if (reach === 'fd') return null; // the descriptor's own flags and sizes
      if (reach === 'outside') return outside('ioctl', `ioctl ${hex(c.request)} (it acts on what else shares the terminal)`, 'EPERM');
      const req = fdRequest(k, task, 'ioctl', c.fd, reach === 'writes' ? fdCallRights('write', fileFlagsOf(k, task, c.fd)) : R('ioctl'));
      // A terminal or pipe the guest started with: its own settings only (termios, window size).
      if (req === null && reach === 'terminal') return null;
      return req ?? outside('ioctl', `ioctl ${hex(c.request)} on a descriptor outside the filesystem`, 'EPERM');
    }
    default: return null;
  }
}

const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;

/** A check no rule of this abi can allow: the call reaches beyond the guest. */
function outside(syscall: string, what: string, errno: Errno): Request {
  const object: ResolvedObject = { path: undefined, exists: false, steps: [] };
  return { syscall, checks: [{ role: 'outside', object, rights: 0, outside: { what, errno } }] };
}

/** The guest's own process (its thread group, as the model knows it). */
function ownProcess(k: Kernel, pid: number): boolean {
  const t = pid > 0 ? k.task(pid) : undefined;
  return t !== undefined && !t.exited && t.tgid === pid;
}

function ownThread(k: Kernel, tid: number, tgid: number | undefined): boolean {
  const t = tid > 0 ? k.task(tid) : undefined;
  return t !== undefined && !t.exited && (tgid === undefined || t.tgid === tgid);
}

/**
 * A socket address: an AF_UNIX name is a path (binding creates a socket node there: `mknod`;
 * connecting or sending needs write access to it, as Linux checks); any other address (inet,
 * the abstract namespace, an unnamed Unix socket, which autobinds into it) is decided by the
 * policy's `network` statements. AF_UNSPEC in connect dissolves an association: it reaches
 * nothing.
 */
function socketRequest(at: At, c: Extract<Call, { sys: 'bind' | 'connect' | 'sendto' }>): Request | null {
  const a = c.addr;
  if (!a || a.family === -1) return null; // no address, or one the kernel refuses (EINVAL) before any hook
  if (a.family === AF_UNIX && a.path !== undefined && a.path !== '') {
    const bind = c.sys === 'bind';
    // bind creates the name (the last component is not followed); connect opens what it names.
    return one(c.sys, at(AT_FDCWD, a.path, !bind), bind ? R('mknod') : R('write'));
  }
  if (a.family === AF_UNSPEC && c.sys === 'connect') return null;
  if (a.family === AF_UNIX) {
    const what = a.abstract ? `the abstract socket ${a.label ?? ''}`.trimEnd() : 'an unnamed socket (bound into the abstract namespace)';
    return network(c.sys, ['abstract'], what);
  }
  const cls = a.inet ?? 'inet';
  return network(c.sys, [cls], `${cls === 'loopback' ? 'the loopback address' : 'the network address'} ${a.text ?? `(family ${a.family})`}`.trimEnd());
}

/**
 * A new socket of a network family can reach loopback or beyond: allowed when the policy
 * allows either. Families other than Unix and inet (netlink, packet ...) reach the kernel or the
 * wire in ways no statement names: outside.
 */
function newSocketRequest(syscall: 'socket' | 'socketpair', domain: number): Request | null {
  if (domain === AF_UNIX) return null;
  if (domain === AF_INET || domain === AF_INET6) return network(syscall, ['loopback', 'inet'], `a new ${domain === AF_INET ? 'IPv4' : 'IPv6'} socket`);
  return outside(syscall, `a socket of family ${domain}`, 'EACCES');
}

function network(syscall: string, classes: NetClass[], what: string): Request {
  const object: ResolvedObject = { path: undefined, exists: false, steps: [] };
  return { syscall, checks: [{ role: 'network', object, rights: 0, network: { classes, what } }] };
}

/**
 * openat/openat2: the rights by access mode and flags, on the object the open will reach. The
 * flags are what build_open_flags leaves (O_PATH keeps only O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC),
 * so the object judged is the one the kernel opens.
 */
function openRequest(k: Kernel, task: Task, c: Extract<Call, { sys: 'openat' }>, how: How): Request {
  const flags = openFlagsOf(c);
  const follow = !(flags & O_NOFOLLOW) && (flags & (O_CREAT | O_EXCL)) !== (O_CREAT | O_EXCL);
  const obj = resolveObject(k, task, c.dirfd, c.path, { follow, resolve: c.resolve ?? 0, steps: how.steps });
  return openRequestOn(c, flags, obj);
}

/** The request of an open whose object is known (`flags` as build_open_flags left them). */
export function openRequestOn(c: Extract<Call, { sys: 'openat' }>, flags: number, obj: ResolvedObject): Request {
  const tmp = (flags & __O_TMPFILE) !== 0;
  const { rights, appendOrWrite } = openRights(flags, tmp ? { ...obj, type: 'reg' } : obj);
  const ch = check('object', obj, rights, flags);
  if (appendOrWrite) ch.appendOrWrite = true;
  return { syscall: c.openat2 ? 'openat2' : 'openat', checks: [ch] };
}

function one(syscall: string, object: ResolvedObject, rights: number): Request {
  return { syscall, checks: [check('object', object, rights)] };
}

/** Lookup-only calls: the stat family, access, readlink need `stat`; the rest what they change. */
const LOOKUP_RIGHTS: Record<string, Right> = {
  chmod: 'chmod', fchmodat: 'chmod', fchmodat2: 'chmod', chown: 'chown', lchown: 'chown', fchownat: 'chown',
  utime: 'utime', utimes: 'utime', utimensat: 'utime', futimesat: 'utime', truncate: 'truncate',
  // Reading extended attributes is metadata, like stat; setting or removing them is `xattr`.
  getxattr: 'stat', listxattr: 'stat', lgetxattr: 'stat', llistxattr: 'stat',
  setxattr: 'xattr', removexattr: 'xattr', lsetxattr: 'xattr', lremovexattr: 'xattr',
};

function lookupRequest(at: At, c: Extract<Call, { sys: 'lookup' }>): Request {
  const obj = at(c.dirfd, c.path, c.follow, c.emptyPath);
  return one(c.name, obj, R(LOOKUP_RIGHTS[c.name] ?? 'stat'));
}

/** fd-based calls by name: the right each needs on the fd's object. */
export const FD_RIGHTS: Readonly<Record<string, Right>> = {
  read: 'read', pread64: 'read', readv: 'read', preadv: 'read', preadv2: 'read',
  write: 'write', pwrite64: 'write', writev: 'write', pwritev: 'write', pwritev2: 'write',
  ftruncate: 'truncate', fallocate: 'write', fchmod: 'chmod', fchown: 'chown',
  getdents: 'list', getdents64: 'list', fstat: 'stat', fstatfs: 'stat', futimens: 'utime',
  fgetxattr: 'stat', flistxattr: 'stat', fsetxattr: 'xattr', fremovexattr: 'xattr',
};

const APPEND_BIT = R('append');
const WRITE_BIT = R('write');

/**
 * The rights an fd-based call needs on its fd's description: a write through an O_APPEND
 * description only appends (pwrite included, as on Linux), so it needs `append`, which `write`
 * also satisfies; F_SETFL can clear O_APPEND again, so this is decided per call.
 */
export function fdCallRights(right: Right, fileFlags: number): number {
  return right === 'write' && fileFlags & O_APPEND ? APPEND_BIT : bit(right);
}

/** Whether rights granted at open cover what an fd call needs (`append` is covered by `write`). */
export function grantCovers(granted: number, needed: number): boolean {
  return (needed & ~granted) === 0 || (needed === APPEND_BIT && (granted & WRITE_BIT) !== 0);
}

/** The description flags of a task's fd (0 when closed or unknown). */
export function fileFlagsOf(k: Kernel, task: Task, fd: number): number {
  const e = k.s.tables.get(task.files)?.fds.get(fd);
  return (e && k.s.files.get(e.file)?.flags) ?? 0;
}

/** A call on an fd, judged against what the fd obtained at open. */
export function fdRequest(k: Kernel, task: Task, syscall: string, fd: number, rights: number): Request | null {
  const obj = fdObject(k, task, fd);
  if (obj.errno === 'EBADF') return null; // the call fails on its own; nothing to grant
  if (obj.anonymous || (obj.path === undefined && !obj.unknown)) return null; // pipes and sockets need no right
  const c: Check = { role: 'fd', object: obj, rights, fd, granted: grantedOf(k, task, fd) };
  return { syscall, checks: [c], caller: { tid: task.tid, tgid: task.tgid } };
}

/** The rights recorded on an fd's open file description at open (undefined: unknown). */
export function grantedOf(k: Kernel, task: Task, fd: number): number | undefined {
  const e = k.s.tables.get(task.files)?.fds.get(fd);
  return e ? k.s.files.get(e.file)?.granted : undefined;
}
