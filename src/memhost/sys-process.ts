/**
 * Process-level calls of the in-memory host: the fs context (chdir, fchdir, getcwd, umask, all
 * decided by the model), ids (the guest is root, pid 1, alone), clocks, signals (dispositions and
 * the mask are kept, nothing is ever delivered), uname, getrandom, limits and exit.
 */
import type { Entry } from '../enforce/enforcer.js';
import { nofileOf } from '../state/files.js';
import { i32, neg, u32 } from '../wali/errno.js';
import { plainCalls } from '../wali/host-table.js';
import { getcwd, processTable, type ProcessHooks } from '../wali/process-calls.js';
import type { MemCore } from './core.js';

const RLIMIT_NOFILE = 7;
const RLIM_INFINITY = 0xffffffffffffffffn;

function monotonicNs(): bigint {
  return BigInt(Math.floor(performance.now() * 1e6));
}

/** The guest runs synchronously: a sleep's time passes at once (nothing else could happen meanwhile); CPU time is elapsed time. */
const HOOKS: ProcessHooks = {
  monotonicNs,
  cpuNs: monotonicNs,
  release: '6.1.0-fdwarden-memory',
  // getRandomValues fills at most 65536 bytes a call.
  fill: (b) => {
    for (let i = 0; i < b.length; i += 65536) crypto.getRandomValues(b.subarray(i, Math.min(b.length, i + 65536)));
  },
  sleep: () => undefined,
};

/** The process's resource limits, struct rlimit {u64 cur; u64 max}: RLIMIT_NOFILE is the model's table size. */
class Limits {
  private readonly set = new Map<number, [bigint, bigint]>();

  constructor(private readonly h: MemCore) {}

  get(res: number): [bigint, bigint] {
    const kept = this.set.get(res);
    const nofile = BigInt(nofileOf(this.h.kernel.s, this.h.task));
    if (res === RLIMIT_NOFILE) return [nofile, kept?.[1] ?? 4096n];
    return kept ?? [RLIM_INFINITY, RLIM_INFINITY];
  }

  /** Reads a new limit at `ptr` and keeps it (the guest is root: it may raise a hard limit); NOFILE goes to the model. */
  put(e: Entry | undefined, res: number, ptr: number): number {
    const b = this.h.mem?.readBytes(ptr, 16);
    if (!(b instanceof Uint8Array)) return neg('EFAULT');
    const v = new DataView(b.buffer);
    const cur = v.getBigUint64(0, true);
    const max = v.getBigUint64(8, true);
    if (cur > max) return neg('EINVAL');
    if (res === RLIMIT_NOFILE) {
      // Linux caps it at fs.nr_open (1048576).
      if (max > 1048576n) return neg('EPERM');
      const r = e ? this.h.exit(e) : 0;
      if (r < 0) return r;
      if (!e) this.h.kernel.syscall(this.h.tid, { sys: 'nofile', soft: Number(cur) });
    }
    this.set.set(res, [cur, max]);
    return 0;
  }

  write(res: number, ptr: number): number {
    const b = new Uint8Array(16);
    const v = new DataView(b.buffer);
    const [cur, max] = this.get(res);
    v.setBigUint64(0, cur, true);
    v.setBigUint64(8, max, true);
    return this.h.mem?.writeBytes(ptr, b) ? neg('EFAULT') : 0;
  }
}

/** chdir, fchdir, getcwd, umask, ids, clocks, signals, uname, getrandom, limits and exit, by syscall name. */
export function processCalls(h: MemCore): Record<string, (e: Entry | undefined, ...a: unknown[]) => number> {
  const judged = (f: (e: Entry, ...a: unknown[]) => number) => (e: Entry | undefined, ...a: unknown[]): number => (e ? f(e, ...a) : neg('EINVAL'));
  const zero = (): number => 0;
  const limits = new Limits(h);
  const plain = processTable(h, HOOKS);
  return {
    ...plainCalls(plain),
    chdir: judged((e) => h.exit(e)),
    fchdir: judged((e) => h.exit(e)),
    getcwd: judged((e, b, n) => getcwd(h, e, u32(b), u32(n))),
    umask: judged((e) => h.exit(e)),
    // The guest's parent is init.
    getppid: () => 1,
    getuid: zero, geteuid: zero, getgid: zero, getegid: zero,
    getrlimit: (_e, res, p) => (u32(res) > 15 ? neg('EINVAL') : limits.write(u32(res), u32(p))),
    setrlimit: (e, res, p) => (u32(res) > 15 ? neg('EINVAL') : limits.put(e, u32(res), u32(p))),
    prlimit64: (e, pid, res, nw, old) => {
      if (u32(res) > 15) return neg('EINVAL');
      if (i32(pid) !== 0 && i32(pid) !== h.tid) return neg('ESRCH');
      if (u32(old) !== 0 && limits.write(u32(res), u32(old)) < 0) return neg('EFAULT');
      return u32(nw) === 0 ? (e ? h.exit(e) : 0) : limits.put(e, u32(res), u32(nw));
    },
  };
}
