/**
 * The rest of the process's own state on the in-memory host: ids (root, and it stays root),
 * process group and session, usage and affinity, signals to itself, prctl's name, the alternate
 * signal stack and interval timers (kept and reported; nothing is ever delivered), futex for a
 * single thread, and the filesystem-level calls statfs, fstatfs, flock, fadvise64 and chroot.
 */
import type { Entry } from '../enforce/enforcer.js';
import { O_PATH } from '../linux/index.js';
import { i32, i64, isErr, neg, u32 } from '../wali/errno.js';
import { WaliExit } from '../wali/endings.js';
import { signalTerminates } from '../wali/process-calls.js';
import { fadviseCheck, flockCheck } from '../wali/fd-calls.js';
import { plainCalls } from '../wali/host-table.js';
import { commOf, freshAttrs, noAltStack, noTimers, taskTable } from '../wali/task-attrs.js';
import type { MemCore } from './core.js';

type Impl = (e: Entry | undefined, ...a: unknown[]) => number;

const NO_ID = 0xffffffff;
const NSIG = 64;
const FUTEX_CMD = 0x7f;
const TMPFS_MAGIC = 0x01021994n;

function monotonicNs(): bigint {
  return BigInt(Math.round(performance.now() * 1e6));
}

/** kill/tkill/tgkill: only this process exists; a signal to it that terminates ends the run. */
function signalSelf(h: MemCore, target: boolean, sig: number): number {
  if (sig < 0 || sig > NSIG) return neg('EINVAL');
  if (!target) return neg('ESRCH');
  if (sig !== 0 && signalTerminates(h.signals, sig)) throw WaliExit.signalled(sig);
  return 0;
}

/** struct statfs (x86-64, 120 bytes) of a tmpfs: the filesystem's byte budget as its size. */
function statfsBytes(h: MemCore): Uint8Array {
  const b = new Uint8Array(120);
  const v = new DataView(b.buffer);
  const blocks = BigInt(Math.ceil(h.fs.inodes.maxBytes / 4096));
  const free = BigInt(Math.max(0, Math.floor((h.fs.inodes.maxBytes - h.fs.inodes.used) / 4096)));
  const files = 1n << 20n;
  // type, bsize, blocks, bfree, bavail, files, ffree, fsid, namelen, frsize, flags (ST_VALID | ST_RELATIME).
  const fields = [TMPFS_MAGIC, 4096n, blocks, free, free, files, files - BigInt(Math.min(h.kernel.s.inodes.size, 1 << 20)), 0n, 255n, 4096n, 0x1020n];
  fields.forEach((x, i) => v.setBigInt64(i * 8, x, true));
  return b;
}

/** The fd of an fd call that takes O_PATH descriptors too (fstatfs): EBADF when closed. */
function anyFd(h: MemCore, fd: number): number | undefined {
  const o = h.openFd(fd);
  return isErr(o) ? neg(o.errno) : undefined;
}

/** ids, groups, sessions, usage, affinity, signals to itself, prctl, sigaltstack, timers, futex, statfs, flock, fadvise, chroot. */
export function taskCalls(h: MemCore, program: string): Record<string, Impl> {
  const self = (pid: unknown): boolean => i32(pid) === 0 || i32(pid) === h.tid;
  // Every id is 0 and stays so: the host checks no permission bits, so a guest cannot drop to another id.
  const setIds = (...ids: unknown[]): number => {
    const xs = ids.map(u32);
    if (xs.every((x) => x === NO_ID) && ids.length === 1) return neg('EINVAL');
    return xs.every((x) => x === 0 || (x === NO_ID && ids.length > 1)) ? 0 : neg('EPERM');
  };
  const put = (ptr: unknown, b: Uint8Array): number => (h.mem?.writeBytes(u32(ptr), b) ? neg('EFAULT') : 0);
  const zeros = (ptrs: unknown[]): number => (ptrs.some((p) => h.mem?.writeI32(u32(p), 0) !== undefined) ? neg('EFAULT') : 0);
  // Started by init: in its parent's group and session (1) until setsid or setpgid.
  const group = { pgid: 1, sid: 1 };
  // prctl's attributes, the alternate stack and the timers (all three on the monotonic clock: CPU time is elapsed time here).
  const task = taskTable(() => h.mem, { attrs: freshAttrs(commOf(program, (x) => new TextEncoder().encode(x))), alt: noAltStack(), timers: noTimers(), clock: monotonicNs });
  return {
    setuid: (_e, u) => setIds(u), setgid: (_e, g) => setIds(g),
    setreuid: (_e, r, u) => setIds(r, u), setregid: (_e, r, g) => setIds(r, g),
    setresuid: (_e, r, u, s) => setIds(r, u, s), setresgid: (_e, r, g, s) => setIds(r, g, s),
    setfsuid: () => 0, setfsgid: () => 0,
    getresuid: (_e, a, b, c) => zeros([a, b, c]), getresgid: (_e, a, b, c) => zeros([a, b, c]),
    getgroups: (_e, n) => (i32(n) < 0 ? neg('EINVAL') : 0),
    setgroups: (_e, n) => (i32(n) < 0 || i32(n) > 65536 ? neg('EINVAL') : 0),
    getpgid: (_e, pid) => (self(pid) ? group.pgid : neg('ESRCH')),
    getpgrp: () => group.pgid,
    getsid: (_e, pid) => (self(pid) ? group.sid : neg('ESRCH')),
    setpgid: (_e, pid, pgid) => {
      if (i32(pgid) < 0) return neg('EINVAL');
      if (!self(pid)) return neg('ESRCH');
      if (group.sid === h.tid) return neg('EPERM'); // a session leader
      const to = i32(pgid) === 0 ? h.tid : i32(pgid);
      // Its own group, or the one group of its session (its parent's).
      if (to !== h.tid && to !== group.sid) return neg('EPERM');
      group.pgid = to;
      return 0;
    },
    setsid: () => {
      if (group.pgid === h.tid) return neg('EPERM');
      group.pgid = group.sid = h.tid;
      return h.tid;
    },
    sysinfo: (_e, ptr) => {
      const b = new Uint8Array(112);
      const v = new DataView(b.buffer);
      const total = 4n << 30n; // a wasm32 guest's whole address space
      v.setBigInt64(0, BigInt(Math.floor(performance.now() / 1000)), true);
      v.setBigUint64(32, total, true);
      v.setBigUint64(40, total - BigInt(h.memory?.buffer.byteLength ?? 0), true);
      v.setUint16(80, 1, true);
      v.setUint32(104, 1, true);
      return put(ptr, b);
    },
    getrusage: (_e, who, ptr) => (i32(who) !== 0 && i32(who) !== -1 && i32(who) !== 1 ? neg('EINVAL') : put(ptr, new Uint8Array(144))),
    sched_getaffinity: (_e, pid, len, ptr) => {
      if (!self(pid)) return neg('ESRCH');
      if (u32(len) < 8 || u32(len) % 8 !== 0) return neg('EINVAL');
      const b = new Uint8Array(8);
      b[0] = 1;
      return put(ptr, b) || 8;
    },
    sched_setaffinity: (_e, pid) => (self(pid) ? 0 : neg('ESRCH')),
    kill: (_e, pid, sig) => signalSelf(h, self(pid) || i32(pid) === -1 || i32(pid) === -h.tid, i32(sig)),
    tkill: (_e, tid, sig) => signalSelf(h, i32(tid) === h.tid, i32(sig)),
    tgkill: (_e, tgid, tid, sig) => signalSelf(h, i32(tgid) === h.tid && i32(tid) === h.tid, i32(sig)),
    ...plainCalls(task),
    // One thread: nobody to wake, and a wait on the expected value could only end by its timeout.
    futex: (_e, uaddr, op, val, timeout) => {
      const cmd = i32(op) & FUTEX_CMD;
      if (cmd === 1) return 0; // FUTEX_WAKE
      if (cmd !== 0 && cmd !== 9) return neg('ENOSYS'); // FUTEX_WAIT, FUTEX_WAIT_BITSET
      if (u32(uaddr) % 4 !== 0) return neg('EINVAL');
      const now = h.mem?.readI32(u32(uaddr));
      if (typeof now !== 'number') return neg('EFAULT');
      if (now !== i32(val)) return neg('EAGAIN');
      return u32(timeout) !== 0 ? neg('ETIMEDOUT') : neg('EDEADLK');
    },
    statfs: (e, _p, buf) => h.exit(e, put(buf, statfsBytes(h))),
    fstatfs: (e, fd, buf) => h.exit(e, anyFd(h, i32(fd)) ?? put(buf, statfsBytes(h))),
    flock: (e, fd, op) => {
      const o = h.openFd(i32(fd));
      if (isErr(o)) return h.exit(e, neg(o.errno));
      if (o.file.flags & O_PATH) return h.exit(e, neg('EBADF'));
      return h.exit(e, flockCheck(i32(op)));
    },
    fadvise64: fadvise,
    fadvise: fadvise,
    chroot: (e) => (e ? h.exit(e) : neg('EINVAL')),
  };

  function fadvise(e: Entry | undefined, fd: unknown, _off: unknown, len: unknown, advice: unknown): number {
    {
      const o = h.openFd(i32(fd));
      if (isErr(o)) return h.exit(e, neg(o.errno));
      if (o.file.flags & O_PATH) return h.exit(e, neg('EBADF'));
      if (o.desc.stdio !== undefined || o.desc.pipe) return h.exit(e, neg('ESPIPE'));
      return h.exit(e, fadviseCheck(i64(len), i32(advice)));
    }
  }
}

/** Names the decoder does not know that only touch the calling process here. */
export const TASK_LOCAL: ReadonlySet<string> = new Set([
  'setuid', 'setgid', 'setreuid', 'setregid', 'setresuid', 'setresgid', 'setfsuid', 'setfsgid', 'getresuid', 'getresgid', 'getgroups', 'setgroups',
  'getpgid', 'getsid', 'setpgid', 'setsid', 'getrusage', 'sched_getaffinity', 'sched_setaffinity', 'prctl', 'sigaltstack', 'setitimer', 'getitimer',
  'alarm', 'futex', 'getrlimit', 'setrlimit', 'getppid', 'getpgrp', 'fadvise', 'sysinfo',
]);
