/**
 * Process-level calls of the in-memory host: the fs context (chdir, fchdir, getcwd, umask, all
 * decided by the model), ids (the guest is root, pid 1, alone), clocks, signals (dispositions and
 * the mask are kept, nothing is ever delivered), uname, getrandom, limits and exit.
 */
import type { Entry } from '../enforce/enforcer.js';
import { nofileOf } from '../state/files.js';
import { i32, neg, u32 } from '../wali/errno.js';
import { WaliExit } from '../wali/endings.js';
import type { MemCore } from './core.js';

const NSIG = 64;
const SIGKILL = 9;
const SIGSTOP = 19;
const RLIMIT_NOFILE = 7;
const RLIM_INFINITY = 0xffffffffffffffffn;

function getcwd(h: MemCore, e: Entry, buf: number, size: number): number {
  const r = h.exit(e);
  if (r < 0) return r;
  const label = h.kernel.describeCwd(h.tid);
  if (label === 'unknown' || label.kind !== 'path') return neg('ENOENT');
  const text = label.path + '\0';
  if (size < text.length) return neg('ERANGE');
  const bytes = Uint8Array.from(text, (c) => c.charCodeAt(0));
  return h.mem?.writeBytes(buf, bytes) ? neg('EFAULT') : bytes.length;
}

function putTimespec(h: MemCore, ptr: number, ns: bigint, usec = false): number {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setBigInt64(0, ns / 1_000_000_000n, true);
  const frac = ns % 1_000_000_000n;
  v.setBigInt64(8, usec ? frac / 1000n : frac, true);
  return h.mem?.writeBytes(ptr, b) ? neg('EFAULT') : 0;
}

/** Wall-clock nanoseconds (performance.timeOrigin + now: sub-millisecond, in a page and in Node). */
function realtimeNs(): bigint {
  const ms = performance.timeOrigin + performance.now();
  return BigInt(Math.floor(ms)) * 1_000_000n + BigInt(Math.floor((ms % 1) * 1e6));
}

function monotonicNs(): bigint {
  return BigInt(Math.floor(performance.now() * 1e6));
}

function clockNs(clk: number): bigint | null {
  switch (clk) {
    case 0: case 5: case 8: case 11: return realtimeNs(); // REALTIME, _COARSE, _ALARM, TAI
    case 1: case 4: case 6: case 7: case 9: case 2: case 3: return monotonicNs(); // MONOTONIC, _RAW, _COARSE, BOOTTIME(_ALARM); CPU time as elapsed time
    default: return null;
  }
}

function rtSigaction(h: MemCore, sig: number, act: number, oact: number, size: number): number {
  if (size !== 8 || sig < 1 || sig > NSIG) return neg('EINVAL');
  if (act !== 0 && (sig === SIGKILL || sig === SIGSTOP)) return neg('EINVAL');
  const mem = h.mem;
  if (!mem) return neg('EFAULT');
  const acts = h.signals.acts;
  // WALI's struct sigaction on wasm32: handler, flags (u64), restorer, mask (u64): 32 bytes.
  let next: Uint8Array | undefined;
  if (act !== 0) {
    const b = mem.readBytes(act, 32);
    if (!(b instanceof Uint8Array)) return neg('EFAULT');
    next = b;
  }
  if (oact !== 0 && mem.writeBytes(oact, acts.get(sig) ?? new Uint8Array(32))) return neg('EFAULT');
  if (next) acts.set(sig, next);
  return 0;
}

function rtSigprocmask(h: MemCore, how: number, set: number, oset: number, size: number): number {
  if (size !== 8) return neg('EINVAL');
  const mem = h.mem;
  if (!mem) return neg('EFAULT');
  const mask = h.signals.mask;
  let next = mask.value;
  if (set !== 0) {
    const s = mem.readU64(set);
    if (typeof s !== 'bigint') return neg('EFAULT');
    const blockable = s & ~((1n << 8n) | (1n << 18n)); // SIGKILL and SIGSTOP cannot be blocked
    if (how === 0) next |= blockable;
    else if (how === 1) next &= ~blockable;
    else if (how === 2) next = blockable;
    else return neg('EINVAL');
  }
  if (oset !== 0 && mem.writeI64(oset, mask.value)) return neg('EFAULT');
  mask.value = next;
  return 0;
}

function uname(h: MemCore, buf: number): number {
  const fields = ['Linux', 'wali', '6.1.0-fdwarden-memory', '#1 SMP', 'x86_64', '(none)'];
  const out = new Uint8Array(65 * 6);
  fields.forEach((f, i) => out.set(Uint8Array.from(f, (c) => c.charCodeAt(0)), i * 65));
  return h.mem?.writeBytes(buf, out) ? neg('EFAULT') : 0;
}

function getrandom(h: MemCore, buf: number, len: number, flags: number): number {
  if (flags & ~7) return neg('EINVAL');
  const n = Math.min(len, 33554431);
  const mem = h.mem;
  if (!mem || buf + n > mem.byteLength) return neg('EFAULT');
  const b = new Uint8Array(n);
  // getRandomValues fills at most 65536 bytes a call.
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(b.subarray(i, Math.min(n, i + 65536)));
  return mem.writeBytes(buf, b) ? neg('EFAULT') : n;
}

/** A sleep: the guest runs synchronously, so the time passes at once (nothing else could happen meanwhile). */
function nanosleep(h: MemCore, req: number): number {
  const raw = h.mem?.readBytes(req, 16);
  if (!(raw instanceof Uint8Array)) return neg('EFAULT');
  const v = new DataView(raw.buffer);
  const sec = v.getBigInt64(0, true);
  const nsec = v.getBigInt64(8, true);
  if (sec < 0n || nsec < 0n || nsec >= 1_000_000_000n) return neg('EINVAL');
  return 0;
}

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
  const exit = (code: unknown): number => {
    throw new WaliExit(i32(code));
  };
  return {
    chdir: judged((e) => h.exit(e)),
    fchdir: judged((e) => h.exit(e)),
    getcwd: judged((e, b, n) => getcwd(h, e, u32(b), u32(n))),
    umask: judged((e) => h.exit(e)),
    getpid: () => h.tid,
    gettid: () => h.tid,
    set_tid_address: () => h.tid,
    // The guest's parent is init.
    getppid: () => 1,
    getuid: zero, geteuid: zero, getgid: zero, getegid: zero,
    clock_gettime: (_e, clk, tp) => {
      const ns = clockNs(i32(clk));
      return ns === null ? neg('EINVAL') : putTimespec(h, u32(tp), ns);
    },
    clock_getres: (_e, clk, tp) => {
      if (clockNs(i32(clk)) === null) return neg('EINVAL');
      return u32(tp) === 0 ? 0 : putTimespec(h, u32(tp), 1n);
    },
    gettimeofday: (_e, tv, tz) => {
      if (u32(tv) !== 0 && putTimespec(h, u32(tv), realtimeNs(), true)) return neg('EFAULT');
      if (u32(tz) !== 0 && h.mem?.writeBytes(u32(tz), new Uint8Array(8)) !== undefined) return neg('EFAULT');
      return 0;
    },
    nanosleep: (_e, req) => nanosleep(h, u32(req)),
    clock_nanosleep: (_e, clk, flags, req) => (clockNs(i32(clk)) === null ? neg('EINVAL') : i32(flags) & 1 ? 0 : nanosleep(h, u32(req))),
    rt_sigaction: (_e, s, a, o, n) => rtSigaction(h, i32(s), u32(a), u32(o), u32(n)),
    rt_sigprocmask: (_e, how, s, o, n) => rtSigprocmask(h, i32(how), u32(s), u32(o), u32(n)),
    uname: (_e, b) => uname(h, u32(b)),
    getrandom: (_e, b, n, f) => getrandom(h, u32(b), u32(n), i32(f)),
    sched_yield: zero,
    getrlimit: (_e, res, p) => (u32(res) > 15 ? neg('EINVAL') : limits.write(u32(res), u32(p))),
    setrlimit: (e, res, p) => (u32(res) > 15 ? neg('EINVAL') : limits.put(e, u32(res), u32(p))),
    prlimit64: (e, pid, res, nw, old) => {
      if (u32(res) > 15) return neg('EINVAL');
      if (i32(pid) !== 0 && i32(pid) !== h.tid) return neg('ESRCH');
      if (u32(old) !== 0 && limits.write(u32(res), u32(old)) < 0) return neg('EFAULT');
      return u32(nw) === 0 ? (e ? h.exit(e) : 0) : limits.put(e, u32(res), u32(nw));
    },
    exit: (_e, code) => exit(code),
    exit_group: (_e, code) => exit(code),
  };
}
