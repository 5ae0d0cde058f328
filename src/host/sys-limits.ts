/**
 * Resource limits and usage: getrlimit, setrlimit, prlimit64, getrusage, sysinfo,
 * sched_getaffinity. The guest's limits are its own: they start as the Node process's (what a
 * child inherits) and change only in this table, with the checks kernel/sys.c makes for an
 * unprivileged caller; none reaches the Node process. RLIMIT_NOFILE is the one the model
 * enforces (its soft limit is the model's fd table size, changed through enforcer.exit); the
 * others are kept and reported, not enforced. Usage, sysinfo and affinity are the host's real
 * values: what any process may read of itself and of the machine.
 */
import { readFileSync } from 'node:fs';
import { RLIMIT_NOFILE } from '../linux/index.js';
import { nofileOf } from '../state/files.js';
import type { Entry } from '../enforce/enforcer.js';
import type { HostCore, SyscallImpl } from './core.js';
import { loadSysExtra, type SysExtra } from './native/sys-extra.js';
import { i32, neg, u32 } from './errno.js';

const RLIM_NLIMITS = 16;
const RUSAGE_SELF = 0;
const RUSAGE_CHILDREN = -1;
const RUSAGE_THREAD = 1;
const RUSAGE_SIZE = 144;
const SYSINFO_SIZE = 112;
/** The largest affinity mask read from the host (64 Ki CPUs); a longer buffer only gets zeros past it. */
const AFFINITY_MAX = 8192;

/** fs.nr_open: the ceiling of RLIMIT_NOFILE's hard limit (EPERM above it). */
function nrOpen(): bigint {
  try {
    return BigInt(readFileSync('/proc/sys/fs/nr_open', 'latin1').trim());
  } catch {
    return 1048576n;
  }
}

/** The guest's limits: soft and hard per resource. */
export class GuestLimits {
  readonly cur: bigint[] = [];
  readonly max: bigint[] = [];
  readonly nrOpen = nrOpen();

  /** A copy (fork and execve keep the limits). */
  copy(): GuestLimits {
    const c = Object.create(GuestLimits.prototype) as GuestLimits;
    Object.assign(c, { cur: [...this.cur], max: [...this.max], nrOpen: this.nrOpen });
    return c;
  }

  constructor(extra: SysExtra, nofile: number) {
    const b = new Uint8Array(16);
    const v = new DataView(b.buffer);
    for (let r = 0; r < RLIM_NLIMITS; r++) {
      const ok = extra.getLimit(r, b) === 0;
      this.cur.push(ok ? v.getBigUint64(0, true) : ~0n & 0xffffffffffffffffn);
      this.max.push(ok ? v.getBigUint64(8, true) : ~0n & 0xffffffffffffffffn);
    }
    // The soft RLIMIT_NOFILE is the model's table size (what open actually allows).
    this.cur[RLIMIT_NOFILE] = BigInt(nofile);
    if (this.max[RLIMIT_NOFILE]! < this.cur[RLIMIT_NOFILE]) this.max[RLIMIT_NOFILE] = this.cur[RLIMIT_NOFILE];
  }

  bytes(res: number): Uint8Array {
    const b = new Uint8Array(16);
    const v = new DataView(b.buffer);
    v.setBigUint64(0, this.cur[res]!, true);
    v.setBigUint64(8, this.max[res]!, true);
    return b;
  }

  /** do_prlimit's checks for a new limit of the caller itself (no CAP_SYS_RESOURCE); 0 or -errno. */
  check(res: number, cur: bigint, max: bigint): number {
    if (cur > max) return neg('EINVAL');
    if (res === RLIMIT_NOFILE && max > this.nrOpen) return neg('EPERM');
    if (max > this.max[res]!) return neg('EPERM');
    return 0;
  }
}

/** A `struct rlimit` at `ptr` (two u64), or -EFAULT. */
function readLimit(h: HostCore, ptr: number): { cur: bigint; max: bigint } | number {
  const cur = h.mem?.readU64(ptr);
  const max = h.mem?.readU64(ptr + 8);
  return typeof cur === 'bigint' && typeof max === 'bigint' ? { cur, max } : neg('EFAULT');
}

function getrlimit(h: HostCore, lim: GuestLimits, res: number, ptr: number): number {
  if (res >= RLIM_NLIMITS) return neg('EINVAL');
  return h.mem && !h.mem.writeBytes(ptr, lim.bytes(res)) ? 0 : neg('EFAULT');
}

/**
 * setrlimit, and prlimit64 on the guest itself: copy in (EFAULT), then do_prlimit (EINVAL for
 * the resource, the new limit's checks), the old limit out. A judged call (RLIMIT_NOFILE, which
 * the model applies) ends through h.exit with the result.
 */
function prlimit(h: HostCore, lim: GuestLimits, e: Entry | undefined, res: number, newPtr: number | undefined, oldPtr: number): number {
  let next: { cur: bigint; max: bigint } | undefined;
  if (newPtr !== undefined) {
    // setrlimit's NULL is a fault like any pointer the kernel cannot copy from.
    const r = newPtr === 0 ? neg('EFAULT') : readLimit(h, newPtr);
    if (typeof r === 'number') return h.exit(e, r);
    next = r;
  }
  if (res >= RLIM_NLIMITS) return h.exit(e, neg('EINVAL'));
  if (next) {
    const bad = lim.check(res, next.cur, next.max);
    if (bad < 0) return h.exit(e, bad);
  }
  const old = lim.bytes(res);
  if (next) {
    lim.cur[res] = next.cur;
    lim.max[res] = next.max;
  }
  // The model applies a new RLIMIT_NOFILE only when the call succeeded, which it has by now.
  const ret = h.exit(e, 0);
  if (oldPtr !== 0 && (!h.mem || h.mem.writeBytes(oldPtr, old))) return neg('EFAULT');
  return ret;
}

function getrusage(h: HostCore, extra: SysExtra, who: number, ptr: number): number {
  if (who !== RUSAGE_SELF && who !== RUSAGE_CHILDREN && who !== RUSAGE_THREAD) return neg('EINVAL');
  const b = new Uint8Array(RUSAGE_SIZE);
  // The guest runs on the Node process's main thread: that thread's usage is the guest's.
  // It has no children the host reaped, so RUSAGE_CHILDREN is all zeros.
  if (who !== RUSAGE_CHILDREN) {
    const r = extra.threadUsage(b);
    if (r < 0) return r;
  }
  return h.mem && !h.mem.writeBytes(ptr, b) ? 0 : neg('EFAULT');
}

function sysinfo(h: HostCore, extra: SysExtra, ptr: number): number {
  const b = new Uint8Array(SYSINFO_SIZE);
  const r = extra.sysinfo(b);
  if (r < 0) return r;
  return h.mem && !h.mem.writeBytes(ptr, b) ? 0 : neg('EFAULT');
}

/** The host kernel checks the size (EINVAL); the guest sees only its own process (ESRCH). */
function affinity(h: HostCore, extra: SysExtra, pid: number, len: number, ptr: number): number {
  if (len > AFFINITY_MAX && len % 8 !== 0) return neg('EINVAL');
  const n = Math.min(len, AFFINITY_MAX);
  const b = new Uint8Array(n);
  const got = extra.affinity(n, b);
  if (got < 0) return got;
  if (pid !== 0 && pid !== h.tid) return neg('ESRCH');
  return h.mem && !h.mem.writeBytes(ptr, b.subarray(0, got)) ? got : neg('EFAULT');
}

/** Limit and usage calls, by syscall name. */
export function limitCalls(h: HostCore, extra: SysExtra = loadSysExtra()): Record<string, SyscallImpl> {
  const lim = h.own('limits', () => new GuestLimits(extra, nofileOf(h.kernel.s, h.task)), { fork: (p) => p.copy(), exec: (p) => p.copy() });
  return {
    getrlimit: (_e, res, ptr) => getrlimit(h, lim, u32(res), u32(ptr)),
    setrlimit: (e, res, ptr) => prlimit(h, lim, e, u32(res), u32(ptr), 0),
    // Another process is refused before this runs (calls beyond the guest); pid 0 or its own pid is the guest.
    prlimit64: (e, _pid, res, n, o) => prlimit(h, lim, e, u32(res), u32(n) === 0 ? undefined : u32(n), u32(o)),
    getrusage: (_e, who, ptr) => getrusage(h, extra, i32(who), u32(ptr)),
    sysinfo: (_e, ptr) => sysinfo(h, extra, u32(ptr)),
    sched_getaffinity: (_e, pid, len, ptr) => affinity(h, extra, i32(pid), u32(len), u32(ptr)),
  };
}
