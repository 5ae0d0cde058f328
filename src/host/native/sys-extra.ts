/**
 * Host kernel calls beyond the *at family (./sys.ts), reached the same way (koffi, raw
 * `syscall(2)`, x86-64 numbers, -errno results). Two kinds:
 *
 * - calls on a host fd the guest owns (fstatfs, flock, fadvise64): the host kernel checks the
 *   arguments and answers exactly as Linux answers the guest;
 * - reads of the Node process's own state that a child would inherit or any process may read
 *   (its resource limits, usage, affinity, process group and session, the machine's sysinfo).
 *   None of these bindings can change the Node process: prlimit64 is bound with no new limit.
 */
import { bindSyscall, sysResult } from './syscall.js';

export interface SysExtra {
  /** fstatfs into a 120-byte x86-64 `struct statfs`. */
  fstatfs(fd: number, buf: Uint8Array): number;
  flock(fd: number, op: number): number;
  fadvise64(fd: number, offset: bigint, len: bigint, advice: number): number;
  /** The Node process's own limit (prlimit64(0, resource, NULL, buf)): 16 bytes {cur, max}. */
  getLimit(resource: number, buf: Uint8Array): number;
  /** getrusage of the calling thread (RUSAGE_THREAD): 144 bytes, x86-64 `struct rusage`. */
  threadUsage(buf: Uint8Array): number;
  /** sysinfo: 112 bytes, x86-64 `struct sysinfo`. */
  sysinfo(buf: Uint8Array): number;
  /** The Node process's CPU affinity mask: sched_getaffinity(0, len, buf); bytes written. */
  affinity(len: number, buf: Uint8Array): number;
  /** Whether the host kernel knows madvise advice `advice` (asked with an empty range: nothing changes). */
  madviseKnown(advice: number): boolean;
  /** The Node process's process group and session. */
  getpgid(): number;
  getsid(): number;
}

const NR = { madvise: 28, flock: 73, fstatfs: 138, getpgid: 121, getsid: 124, getrusage: 98, sysinfo: 99, sched_getaffinity: 204, fadvise64: 221, prlimit64: 302 } as const;
const RUSAGE_THREAD = 1;

let loaded: SysExtra | undefined;

/** The extra host calls; throws on a machine that is not Linux x86-64. */
export function loadSysExtra(): SysExtra {
  if (loaded) return loaded;
  const s = bindSyscall({
    i: 'long',
    ii: 'long, long',
    iii: 'long, long, long',
    iiii: 'long, long, long, long',
    ib: 'long, _Inout_ uint8_t *',
    b: '_Inout_ uint8_t *',
    iib: 'long, long, _Inout_ uint8_t *',
    iiib: 'long, long, long, _Inout_ uint8_t *',
  });
  const r = sysResult;
  const need = (buf: Uint8Array, n: number): void => {
    if (buf.length < n) throw new RangeError(`buffer of ${buf.length} bytes, ${n} needed`);
  };
  loaded = {
    fstatfs: (fd, buf) => (need(buf, 120), r(s.ib(NR.fstatfs, fd, buf))),
    flock: (fd, op) => r(s.ii(NR.flock, fd, op)),
    fadvise64: (fd, off, len, advice) => r(s.iiii(NR.fadvise64, fd, off, len, advice)),
    getLimit: (res, buf) => (need(buf, 16), r(s.iiib(NR.prlimit64, 0, res, 0, buf))),
    threadUsage: (buf) => (need(buf, 144), r(s.ib(NR.getrusage, RUSAGE_THREAD, buf))),
    sysinfo: (buf) => (need(buf, 112), r(s.b(NR.sysinfo, buf))),
    affinity: (len, buf) => (need(buf, len), r(s.iib(NR.sched_getaffinity, 0, len, buf))),
    madviseKnown: (advice) => r(s.iii(NR.madvise, 0, 0, advice)) === 0,
    getpgid: () => r(s.i(NR.getpgid, 0)),
    getsid: () => r(s.i(NR.getsid, 0)),
  };
  return loaded;
}
