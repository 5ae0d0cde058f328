/**
 * Descriptor operations: close, close_range, dup/dup2/dup3, fcntl and the fd ioctls, after
 * fs/file.c and fs/fcntl.c. fds arrive as the kernel sees them: unsigned int, so a negative
 * number is a huge one (EBADF), except fcntl's F_DUPFD arg which is checked against the limit.
 */
import type { Kernel } from '../kernel.js';
import type { Call, Observed, Outcome } from '../calls.js';
import type { OpenFile, Task } from '../types.js';
import { E, isErr, unknownErr, type Err } from '../errors.js';
import { closeFd, copyTable, fdEntry, install, lowestFree, nofileOf, tableOf, unshareTable } from '../files.js';
import { kindOf } from '../namespace.js';
import { failure, ok, run, type Plan } from './run.js';
import {
  CLOSE_RANGE_CLOEXEC, CLOSE_RANGE_UNSHARE, FASYNC, FD_CLOEXEC, FIOASYNC, FIOCLEX, FIONBIO, FIONCLEX,
  F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_GETFL, F_SETFD, F_SETFL, MAP_SHARED, MAP_SHARED_VALIDATE, MAP_TYPE, O_ACCMODE, O_APPEND,
  O_CLOEXEC, O_DIRECT, O_NONBLOCK, O_PATH, PROT_WRITE, SETFL_MASK, type Errno,
} from '../../linux/index.js';

const u32 = (n: number): number => n >>> 0;

/** The open file at fd: the file, undefined (EBADF), or Err for an fd the model never saw. */
function fileAt(k: Kernel, task: Task, fd: number): OpenFile | undefined | Err {
  const e = fdEntry(k.s, task, u32(fd));
  if (e === undefined) return undefined;
  if (e === 'unknown') return unknownErr(`fd ${fd} was opened before the model saw it`);
  return k.s.files.get(e.file)!;
}

/** Unknown fds still exist: replaying what the log says keeps the table's shape right. */
function unknownFile(k: Kernel): number {
  const f = { id: k.s.nextId++, dentry: 0, inode: 0, flags: 0, refs: 0, unknown: true };
  k.s.files.set(f.id, f);
  return f.id;
}

export function close(k: Kernel, task: Task, c: { fd: number }, obs: Observed | undefined): Outcome {
  return run(k, obs, () => {
    const f = fileAt(k, task, c.fd);
    if (f === undefined) return E('EBADF');
    return () => {
      closeFd(k.s, task, u32(c.fd));
      return ok(0);
    };
  }, () => {
    closeFd(k.s, task, u32(c.fd));
    return ok(0);
  });
}

export function closeRange(k: Kernel, task: Task, c: Extract<Call, { sys: 'close_range' }>, obs: Observed | undefined): Outcome {
  const first = u32(c.first);
  const last = u32(c.last);
  const apply = (): Outcome => {
    const t = c.flags & CLOSE_RANGE_UNSHARE ? unshareTable(k.s, task) : tableOf(k.s, task);
    for (const fd of [...t.fds.keys()]) {
      if (fd < first || fd > last) continue;
      if (c.flags & CLOSE_RANGE_CLOEXEC) t.fds.get(fd)!.cloexec = true;
      else closeFd(k.s, task, fd);
    }
    return ok(0);
  };
  return run(k, obs, () => {
    if (c.flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)) return E('EINVAL');
    if (first > last) return E('EINVAL');
    return apply;
  }, apply);
}

/** Allocate for dup-like calls: the observed fd in replay, else the lowest free ≥ min. */
function dupInto(k: Kernel, task: Task, fileId: number, min: number, cloexec: boolean): Plan {
  return (ret) => {
    let fd = ret;
    if (fd === undefined) {
      const free = lowestFree(k.s, task, min);
      if (typeof free !== 'number') return failure(free);
      fd = free;
    }
    install(k.s, task, fd, fileId, cloexec);
    return ok(fd);
  };
}

function dupUnknown(k: Kernel, task: Task, cloexec: boolean) {
  return (ret: number | undefined): Outcome => {
    if (ret !== undefined && ret >= 0) install(k.s, task, ret, unknownFile(k), cloexec);
    return ok(ret ?? 0);
  };
}

export function dup(k: Kernel, task: Task, c: { fd: number }, obs: Observed | undefined): Outcome {
  return run(k, obs, () => {
    const f = fileAt(k, task, c.fd);
    if (f === undefined) return E('EBADF');
    if (isErr(f)) return f;
    if (!obs) {
      const free = lowestFree(k.s, task, 0);
      if (typeof free !== 'number') return free;
    }
    return dupInto(k, task, f.id, 0, false);
  }, dupUnknown(k, task, false));
}

export function dup3(k: Kernel, task: Task, c: { fd: number; newfd: number; flags: number; dup2?: boolean }, obs: Observed | undefined): Outcome {
  const oldfd = u32(c.fd);
  const newfd = u32(c.newfd);
  const cloexec = (c.flags & O_CLOEXEC) !== 0;
  return run(k, obs, () => {
    if (c.dup2 && oldfd === newfd) {
      const f = fileAt(k, task, oldfd);
      if (f === undefined) return E('EBADF');
      return () => ok(newfd); // dup2(fd, fd) changes nothing, not even close-on-exec
    }
    if (c.flags & ~O_CLOEXEC) return E('EINVAL');
    if (oldfd === newfd) return E('EINVAL');
    if (newfd >= nofileOf(k.s, task)) return E('EBADF');
    const f = fileAt(k, task, oldfd);
    if (f === undefined) return E('EBADF');
    if (isErr(f)) return f;
    return () => {
      install(k.s, task, newfd, f.id, cloexec);
      return ok(newfd);
    };
  }, () => {
    if (!(c.dup2 && oldfd === newfd)) install(k.s, task, newfd, unknownFile(k), cloexec);
    return ok(newfd);
  });
}

/** fcntl commands allowed on an O_PATH fd (check_fcntl_cmd). */
function pathFdAllows(cmd: number): boolean {
  return cmd === F_DUPFD || cmd === F_DUPFD_CLOEXEC || cmd === F_GETFD || cmd === F_SETFD || cmd === F_GETFL;
}

export function fcntl(k: Kernel, task: Task, c: Extract<Call, { sys: 'fcntl' }>, obs: Observed | undefined): Outcome {
  const fd = u32(c.fd);
  const cmd = c.cmd | 0;
  const dupCmd = cmd === F_DUPFD || cmd === F_DUPFD_CLOEXEC;
  return run(k, obs, () => {
    const f = fileAt(k, task, fd);
    if (f === undefined) return E('EBADF');
    if (isErr(f) && !(cmd === F_SETFD)) return f;
    if (!(isErr(f)) && f.flags & O_PATH && !pathFdAllows(cmd)) return E('EBADF');
    const entry = tableOf(k.s, task).fds.get(fd);
    switch (cmd) {
      case F_DUPFD:
      case F_DUPFD_CLOEXEC: {
        // arg is an unsigned long: a negative int is huge, so EINVAL like any arg ≥ the limit.
        if (c.arg < 0 || c.arg >= nofileOf(k.s, task)) return E('EINVAL');
        if (!obs) {
          const free = lowestFree(k.s, task, c.arg);
          if (typeof free !== 'number') return free;
        }
        return dupInto(k, task, (f as OpenFile).id, c.arg, cmd === F_DUPFD_CLOEXEC);
      }
      case F_GETFD:
        return () => ok(entry?.cloexec ? FD_CLOEXEC : 0);
      case F_SETFD:
        return () => {
          const e = tableOf(k.s, task).fds.get(fd);
          if (e) e.cloexec = (c.arg & FD_CLOEXEC) !== 0;
          return ok(0);
        };
      case F_GETFL:
        return () => ok((f as OpenFile).flags);
      case F_SETFL: {
        const file = f as OpenFile;
        const arg = u32(c.arg);
        if (arg & O_DIRECT && !canDirect(k, file)) return E('EINVAL');
        return () => {
          file.flags = (arg & SETFL_MASK) | (file.flags & ~SETFL_MASK);
          return ok(0);
        };
      }
      default:
        // Locks, leases, pipe sizes, seals, owners ...: no fd-table or path state changes.
        return () => ok(0);
    }
  }, (ret) => {
    if (dupCmd && ret !== undefined && ret >= 0) install(k.s, task, ret, unknownFile(k), cmd === F_DUPFD_CLOEXEC);
    if (cmd === F_SETFD) {
      const e = tableOf(k.s, task).fds.get(fd);
      if (e) e.cloexec = (c.arg & FD_CLOEXEC) !== 0;
    }
    return ok(ret ?? 0);
  });
}

/** O_DIRECT sticks on regular files and pipes (FMODE_CAN_ODIRECT), not on directories. */
function canDirect(k: Kernel, f: OpenFile): boolean {
  if (f.dentry === 0) return true;
  const kind = kindOf(k.s, f.dentry);
  return kind === 'reg' || kind === 'fifo' || kind === 'anon' || kind === 'unknown';
}

export function ioctl(k: Kernel, task: Task, c: { fd: number; request: number; value?: number }, obs: Observed | undefined): Outcome {
  const fd = u32(c.fd);
  const req = u32(c.request);
  const apply = (): Outcome => {
    const e = tableOf(k.s, task).fds.get(fd);
    if (!e) return ok(0);
    const f = k.s.files.get(e.file)!;
    // FIONBIO/FIOASYNC take an int behind a pointer: non-zero sets the flag, zero clears it.
    const on = c.value === undefined || c.value !== 0;
    if (req === FIOCLEX) e.cloexec = true;
    else if (req === FIONCLEX) e.cloexec = false;
    else if (req === FIONBIO) f.flags = on ? f.flags | O_NONBLOCK : f.flags & ~O_NONBLOCK;
    else if (req === FIOASYNC) f.flags = on ? f.flags | FASYNC : f.flags & ~FASYNC;
    return ok(0);
  };
  return run(k, obs, () => {
    const f = fileAt(k, task, fd);
    if (f === undefined) return E('EBADF');
    if (!(isErr(f)) && f.flags & O_PATH) return E('EBADF');
    return apply;
  }, apply);
}

/** RLIMIT_NOFILE's soft limit for the thread group (prlimit64/setrlimit on itself). */
export function setNofile(k: Kernel, task: Task, c: { soft: number }, obs: Observed | undefined): Outcome {
  if (obs && !obs.ok) return { ok: false, errno: obs.errno };
  const g = k.s.groups.get(task.tgid);
  if (g) g.nofile = c.soft;
  return ok(0);
}

/**
 * What an fd call needs of its description before any security hook runs: `raw` calls work on
 * O_PATH descriptors (fdget_raw), the others get EBADF there; `read`/`write` name the errno
 * when the access mode lacks it (vfs_read/vfs_write: EBADF; do_sys_ftruncate: EINVAL).
 */
const FD_ACCESS: Readonly<Record<string, { raw?: true; read?: Errno; write?: Errno }>> = {
  read: { read: 'EBADF' }, pread64: { read: 'EBADF' }, readv: { read: 'EBADF' }, preadv: { read: 'EBADF' }, preadv2: { read: 'EBADF' },
  write: { write: 'EBADF' }, pwrite64: { write: 'EBADF' }, writev: { write: 'EBADF' }, pwritev: { write: 'EBADF' },
  pwritev2: { write: 'EBADF' }, fallocate: { write: 'EBADF' }, ftruncate: { write: 'EINVAL' },
  fstat: { raw: true }, fstatfs: { raw: true },
};

/** OPEN_FMODE: access mode 0 reads, 1 writes, 2 both, 3 neither. */
const canRead = (flags: number): boolean => ((flags + 1) & 1) !== 0;
const canWrite = (flags: number): boolean => ((flags + 1) & 2) !== 0;

/** The errno an fd call gets from its description's mode (O_PATH, access mode), or null. */
function accessErr(name: string, f: OpenFile): Err | null {
  const need = FD_ACCESS[name] ?? {};
  if (f.flags & O_PATH) return need.raw ? null : E('EBADF');
  if (need.read && !canRead(f.flags & O_ACCMODE)) return E(need.read);
  if (need.write && !canWrite(f.flags & O_ACCMODE)) return E(need.write);
  return null;
}

/** A file mapping: do_mmap refuses a description that cannot read, or write for a shared writable map. */
function mmapErr(c: { prot: number; flags: number }, f: OpenFile): Err | null {
  if (f.flags & O_PATH) return E('EBADF');
  if (!canRead(f.flags & O_ACCMODE)) return E('EACCES');
  const shared = (c.flags & MAP_TYPE) === MAP_SHARED || (c.flags & MAP_TYPE) === MAP_SHARED_VALIDATE;
  if (shared && c.prot & PROT_WRITE && (!canWrite(f.flags & O_ACCMODE) || f.flags & O_APPEND)) return E('EACCES');
  return null;
}

/** fd-only calls: EBADF for a closed fd, the description's mode checked, otherwise no change. */
export function useFd(k: Kernel, task: Task, c: Extract<Call, { sys: 'usefd' | 'mmap' }>, obs: Observed | undefined): Outcome {
  return run(k, obs, () => {
    if (c.sys === 'usefd' && c.argErr !== undefined) return E(c.argErr);
    const f = fileAt(k, task, c.fd);
    if (f === undefined) return E('EBADF');
    if (!isErr(f)) {
      const e = c.sys === 'mmap' ? mmapErr(c, f) : accessErr(c.name, f);
      if (e) return e;
    }
    return () => ok(0);
  }, () => ok(0));
}

export { copyTable };
