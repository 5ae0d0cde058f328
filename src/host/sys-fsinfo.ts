/**
 * Filesystem-level calls: statfs and fstatfs (judged: `stat` on the object), flock and fadvise
 * (on a descriptor the guest holds), chroot (judged: `chdir`, then refused as Linux refuses an
 * unprivileged caller). The host kernel answers for the guest's own host fds, so its checks
 * (the command, the advice, the kind of file) are Linux's in Linux's order; a guest fd that is
 * not open goes to the host kernel as -1, which gives the errors Linux gives before looking at
 * the fd and then EBADF. statfs acts on the object the model resolved, reached from its
 * directory's anchored fd without following anything and checked to be that object.
 */
import type { Entry } from '../enforce/enforcer.js';
import { O_PATH } from '../linux/index.js';
import type { HostCore, SyscallImpl } from './core.js';
import { SYNTHETIC, STALE } from './anchors.js';
import { loadSysExtra, type SysExtra } from './native/sys-extra.js';
import { fadviseCheck, flockCheck } from '../wali/fd-calls.js';
import { openNode } from './host-objects.js';
import { i32, i64, isErr, neg, u32 } from './errno.js';

const STATFS_SIZE = 120;
const AT_EMPTY_PATH = 0x1000;
const AT_SYMLINK_NOFOLLOW = 0x100;
const AT_EACCESS = 0x200;
const X_OK = 1;
/** The synthetic directories (`/`, ancestors of mount points) as a read-only in-memory filesystem. */
const RAMFS_MAGIC = 0x858458f6n;
const ST_RDONLY = 1n;
const ST_VALID = 0x20n;

/** struct statfs of a synthetic directory: an empty, read-only ramfs. */
function syntheticStatfs(): Uint8Array {
  const b = new Uint8Array(STATFS_SIZE);
  const v = new DataView(b.buffer);
  v.setBigUint64(0, RAMFS_MAGIC, true); // f_type
  v.setBigUint64(8, 4096n, true); // f_bsize
  v.setBigUint64(64, 255n, true); // f_namelen
  v.setBigUint64(72, 4096n, true); // f_frsize
  v.setBigUint64(80, ST_RDONLY | ST_VALID, true); // f_flags
  return b;
}

function putStatfs(h: HostCore, ptr: number, b: Uint8Array): number {
  return h.mem && !h.mem.writeBytes(ptr, b) ? 0 : neg('EFAULT');
}

/** statfs of the judged object: its own anchor (a mount root), or its name opened O_PATH and checked. */
function statfs(h: HostCore, extra: SysExtra, e: Entry, buf: number): number {
  const obj = e.request?.checks[0]?.object;
  if (!obj?.exists || obj.dentry === undefined) return h.exit(e, neg('ENOENT'));
  const at = h.object(obj.dentry);
  if (at === SYNTHETIC) return h.exit(e, putStatfs(h, buf, syntheticStatfs()));
  if (typeof at === 'number') return at === STALE ? at : h.exit(e, at);
  const b = new Uint8Array(STATFS_SIZE);
  try {
    let fd = at.fd;
    if (at.name !== '') {
      const node = openNode(h, at, obj.dentry);
      if (node === 'changed') return STALE;
      if (node < 0) return h.exit(e, node);
      fd = node;
    }
    const r = extra.fstatfs(fd, b);
    if (fd !== at.fd) h.sys.close(fd);
    return h.exit(e, r < 0 ? r : putStatfs(h, buf, b));
  } finally {
    at.release();
  }
}

/** fstatfs on the guest fd's own host fd (O_PATH descriptors included, as fd_statfs takes them). */
function fstatfs(h: HostCore, extra: SysExtra, e: Entry | undefined, fd: number, buf: number): number {
  const o = h.openFd(fd);
  if (isErr(o)) return h.exit(e, neg(o.errno));
  const hostFd = o.host?.nodeFd ?? -1;
  if (hostFd < 0) return h.exit(e, putStatfs(h, buf, syntheticStatfs()));
  const b = new Uint8Array(STATFS_SIZE);
  const r = extra.fstatfs(hostFd, b);
  return h.exit(e, r < 0 ? r : putStatfs(h, buf, b));
}

/**
 * The host fd a descriptor call goes to: the description's own, or -1 (EBADF from the host
 * kernel after its other checks) for a closed fd or an O_PATH one; `synthetic` for a directory
 * with no host object.
 */
function hostFdOf(h: HostCore, fd: number): number | typeof SYNTHETIC {
  const o = h.openFd(fd);
  if (isErr(o) || o.file.flags & O_PATH) return -1;
  const n = o.host?.nodeFd ?? -1;
  return n < 0 ? SYNTHETIC : n;
}

function flock(h: HostCore, extra: SysExtra, fd: number, op: number): number {
  const at = hostFdOf(h, fd);
  if (at !== SYNTHETIC) return extra.flock(at, op);
  // A synthetic directory: locks on it conflict with nothing; the command is still checked.
  return flockCheck(op);
}

function fadvise(h: HostCore, extra: SysExtra, fd: number, off: bigint, len: bigint, advice: number): number {
  const at = hostFdOf(h, fd);
  if (at !== SYNTHETIC) return extra.fadvise64(at, off, len, advice);
  return fadviseCheck(len, advice);
}

/**
 * chroot: the walk (ENOENT, ENOTDIR ...) and the policy were decided at entry; then search
 * permission on the directory, then CAP_SYS_CHROOT, which the guest never has: EPERM.
 */
function chroot(h: HostCore, e: Entry): number {
  const d = e.request?.checks[0]?.object.dentry;
  const at = d === undefined ? SYNTHETIC : h.object(d);
  if (typeof at === 'number') return at === STALE ? at : h.exit(e, at);
  if (at !== SYNTHETIC) {
    try {
      const r = h.sys.faccessat2(at.fd, at.name, X_OK, AT_EACCESS | (at.name === '' ? AT_EMPTY_PATH : AT_SYMLINK_NOFOLLOW));
      if (r < 0) return h.exit(e, r);
    } finally {
      at.release();
    }
  }
  return h.exit(e, neg('EPERM'));
}

/** statfs, fstatfs, flock, fadvise and chroot, by syscall name. */
export function fsinfoCalls(h: HostCore, extra: SysExtra = loadSysExtra()): Record<string, SyscallImpl> {
  const judged = (f: (e: Entry, ...a: unknown[]) => number): SyscallImpl => (e, ...a) => (e ? f(e, ...a) : neg('EINVAL'));
  const big = (x: unknown): bigint => BigInt(i64(x));
  return {
    statfs: judged((e, _p, buf) => statfs(h, extra, e, u32(buf))),
    fstatfs: (e, fd, buf) => fstatfs(h, extra, e, i32(fd), u32(buf)),
    chroot: judged((e) => chroot(h, e)),
    flock: (_e, fd, op) => flock(h, extra, i32(fd), i32(op)),
    fadvise: (_e, fd, off, len, adv) => fadvise(h, extra, i32(fd), big(off), big(len), i32(adv)),
    fadvise64: (_e, fd, off, len, adv) => fadvise(h, extra, i32(fd), big(off), big(len), i32(adv)),
  };
}
