/**
 * The process-local calls every WALI host answers the same way: pid and tid, clocks, signal
 * dispositions and the mask (kept, never delivered), what a signal to the process does, uname,
 * getrandom, sleeps and exit, with Linux's checks in its order. A host gives its clocks, its
 * kernel release, its random source and how it sleeps. Node-free.
 */
import type { Entry } from '../enforce/enforcer.js';
import type { Kernel } from '../state/kernel.js';
import { latin1Bytes } from '../linux/bytes.js';
import { WaliExit } from './endings.js';
import { i32, neg, u32 } from './errno.js';
import type { GuestMemory } from './memory.js';
import { readTimeout } from './poll-args.js';

const NSIG = 64;
const SIGKILL = 9;
const SIGSTOP = 19;
const SIG_DFL = 0;
/** Signals whose default action is to do nothing (SIGCHLD, SIGCONT, SIGURG, SIGWINCH) or to stop, which no host can. */
const DEFAULT_HARMLESS = new Set([17, 18, 23, 28, 19, 20, 21, 22]);
const BILLION = 1_000_000_000n;

/** The dispositions (WALI's 32-byte struct sigaction, by signal) and the blocked mask. */
export interface Signals {
  acts: Map<number, Uint8Array>;
  mask: { value: bigint };
}

/**
 * Whether a signal sent to the process ends it: its default action does unless the signal is
 * blocked (it stays pending: never delivered), ignored or caught (a handler cannot run in these
 * hosts: accepted, not delivered). SIGKILL always ends it.
 */
export function signalTerminates(s: Signals, sig: number): boolean {
  if (sig === SIGKILL) return true;
  const act = s.acts.get(sig);
  const handler = act ? new DataView(act.buffer, act.byteOffset, act.byteLength).getUint32(0, true) : SIG_DFL;
  if (handler !== SIG_DFL || DEFAULT_HARMLESS.has(sig)) return false;
  return (s.mask.value & (1n << BigInt(sig - 1))) === 0n;
}

function rtSigaction(mem: GuestMemory | undefined, acts: Map<number, Uint8Array>, sig: number, act: number, oact: number, size: number): number {
  if (size !== 8 || sig < 1 || sig > NSIG) return neg('EINVAL');
  if (act !== 0 && (sig === SIGKILL || sig === SIGSTOP)) return neg('EINVAL');
  if (!mem) return neg('EFAULT');
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

function rtSigprocmask(mem: GuestMemory | undefined, mask: { value: bigint }, how: number, set: number, oset: number, size: number): number {
  if (size !== 8) return neg('EINVAL');
  if (!mem) return neg('EFAULT');
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

/** struct timespec {i64 sec; i64 nsec} (a timeval's usec with `usec`) from nanoseconds: 0 or -EFAULT. */
function putTimespec(mem: GuestMemory | undefined, ptr: number, ns: bigint, usec = false): number {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setBigInt64(0, ns / BILLION, true);
  const frac = ns % BILLION;
  v.setBigInt64(8, usec ? frac / 1000n : frac, true);
  return !mem || mem.writeBytes(ptr, b) ? neg('EFAULT') : 0;
}

/** Wall-clock nanoseconds (performance.timeOrigin + now: sub-millisecond, in a page and in Node). */
export function realtimeNs(): bigint {
  const ms = performance.timeOrigin + performance.now();
  return BigInt(Math.floor(ms)) * 1_000_000n + BigInt(Math.floor((ms % 1) * 1e6));
}

/** What differs between hosts. */
export interface ProcessHooks {
  /** CLOCK_MONOTONIC and its kin, in nanoseconds. */
  monotonicNs(): bigint;
  /** The process's CPU time (PROCESS_CPUTIME_ID, THREAD_CPUTIME_ID), in nanoseconds. */
  cpuNs(): bigint;
  /** uname's release field. */
  release: string;
  /** Fills a buffer with random bytes. */
  fill(b: Uint8Array): void;
  /** Lets a valid relative sleep pass. */
  sleep(ns: bigint): void;
}

/** The parts of a host these calls use. */
export interface ProcessHost {
  readonly mem: GuestMemory | undefined;
  readonly tid: number;
  readonly signals: Signals;
  readonly kernel: Kernel;
  exit(e: Entry | undefined, ret?: number): number;
}

/** A clock's time now, or null for a clock Linux does not have. */
function clockNs(k: ProcessHooks, clk: number): bigint | null {
  switch (clk) {
    case 0: case 5: case 8: case 11: return realtimeNs(); // REALTIME, _COARSE, _ALARM, TAI
    case 1: case 4: case 6: case 7: case 9: return k.monotonicNs(); // MONOTONIC, _RAW, _COARSE, BOOTTIME(_ALARM)
    case 2: case 3: return k.cpuNs(); // PROCESS_CPUTIME_ID, THREAD_CPUTIME_ID
    default: return null;
  }
}

function uname(mem: GuestMemory | undefined, buf: number, release: string): number {
  const fields = ['Linux', 'wali', release, '#1 SMP', 'x86_64', '(none)'];
  const out = new Uint8Array(65 * 6);
  fields.forEach((f, i) => out.set(latin1Bytes(f.slice(0, 64)), i * 65));
  return !mem || mem.writeBytes(buf, out) ? neg('EFAULT') : 0;
}

function getrandom(mem: GuestMemory | undefined, fill: (b: Uint8Array) => void, buf: number, len: number, flags: number): number {
  if (flags & ~7) return neg('EINVAL');
  const n = Math.min(len, 33554431);
  if (!mem || buf + n > mem.byteLength) return neg('EFAULT');
  const b = new Uint8Array(n);
  fill(b);
  return mem.writeBytes(buf, b) ? neg('EFAULT') : n;
}

/** nanosleep's request: EFAULT, EINVAL (timespec64_valid), else the sleep. */
function nanosleep(mem: GuestMemory | undefined, k: ProcessHooks, req: number): number {
  const ns = readTimeout(mem, req, false);
  if (typeof ns === 'number') return ns;
  k.sleep(ns);
  return 0;
}

/** getcwd: the model's cwd as a path, ERANGE when the buffer is short, ENOENT when it is not reachable. */
export function getcwd(h: ProcessHost, e: Entry, buf: number, size: number): number {
  const r = h.exit(e);
  if (r < 0) return r;
  const label = h.kernel.describeCwd(h.tid);
  if (label === 'unknown' || label.kind !== 'path') return neg('ENOENT');
  const bytes = latin1Bytes(label.path + '\0');
  if (size < bytes.length) return neg('ERANGE');
  return !h.mem || h.mem.writeBytes(buf, bytes) ? neg('EFAULT') : bytes.length;
}

/** pid, clocks, signal dispositions and mask, uname, getrandom, sleeps and exit, by syscall name (process-local: no entry). */
export function processTable(h: ProcessHost, k: ProcessHooks): Record<string, (...a: unknown[]) => number> {
  const exit = (code: unknown): number => {
    throw new WaliExit(i32(code));
  };
  return {
    getpid: () => h.tid,
    gettid: () => h.tid,
    set_tid_address: () => h.tid,
    clock_gettime: (clk, tp) => {
      const ns = clockNs(k, i32(clk));
      return ns === null ? neg('EINVAL') : putTimespec(h.mem, u32(tp), ns);
    },
    clock_getres: (clk, tp) => {
      if (clockNs(k, i32(clk)) === null) return neg('EINVAL');
      return u32(tp) === 0 ? 0 : putTimespec(h.mem, u32(tp), 1n);
    },
    gettimeofday: (tv, tz) => {
      if (u32(tv) !== 0 && putTimespec(h.mem, u32(tv), realtimeNs(), true)) return neg('EFAULT');
      if (u32(tz) !== 0 && h.mem?.writeBytes(u32(tz), new Uint8Array(8)) !== undefined) return neg('EFAULT');
      return 0;
    },
    nanosleep: (req) => nanosleep(h.mem, k, u32(req)),
    clock_nanosleep: (clk, flags, req) => (clockNs(k, i32(clk)) === null ? neg('EINVAL') : i32(flags) & 1 ? 0 : nanosleep(h.mem, k, u32(req))),
    rt_sigaction: (s, a, o, n) => rtSigaction(h.mem, h.signals.acts, i32(s), u32(a), u32(o), u32(n)),
    rt_sigprocmask: (how, s, o, n) => rtSigprocmask(h.mem, h.signals.mask, i32(how), u32(s), u32(o), u32(n)),
    uname: (b) => uname(h.mem, u32(b), k.release),
    getrandom: (b, n, f) => getrandom(h.mem, k.fill, u32(b), u32(n), i32(f)),
    sched_yield: () => 0,
    exit: (code) => exit(code),
    exit_group: (code) => exit(code),
  };
}
