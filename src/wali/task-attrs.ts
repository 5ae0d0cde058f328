/**
 * Per-process attributes a guest sets and reads back, as every WALI host keeps them: prctl (the
 * name and the flags below), the alternate signal stack, and interval timers (setitimer,
 * getitimer, alarm), with Linux's checks (kernel/sys.c prctl, kernel/signal.c do_sigaltstack,
 * kernel/time/itimer.c). A host gives the timers' clocks and keeps the state where its
 * processes need it. Node-free.
 *
 * Signals are never delivered, so an expiring timer sends no SIGALRM and the guest is never on
 * its alternate stack: both are kept and reported exactly, nothing more.
 */
import { i32, neg, u32 } from './errno.js';
import type { GuestMemory } from './memory.js';

const PR_SET_PDEATHSIG = 1;
const PR_GET_PDEATHSIG = 2;
const PR_GET_DUMPABLE = 3;
const PR_SET_DUMPABLE = 4;
const PR_GET_KEEPCAPS = 7;
const PR_SET_KEEPCAPS = 8;
const PR_SET_NAME = 15;
const PR_GET_NAME = 16;
const PR_GET_SECCOMP = 21;
const PR_SET_TIMERSLACK = 29;
const PR_GET_TIMERSLACK = 30;
const PR_SET_CHILD_SUBREAPER = 36;
const PR_GET_CHILD_SUBREAPER = 37;
const PR_SET_NO_NEW_PRIVS = 38;
const PR_GET_NO_NEW_PRIVS = 39;
const PR_SET_THP_DISABLE = 41;
const PR_GET_THP_DISABLE = 42;
const NSIG = 64;
const COMM_LEN = 16;
const DEFAULT_SLACK_NS = 50_000n;

const SS_ONSTACK = 1;
const SS_DISABLE = 2;
const SS_AUTODISARM = 0x80000000;
const MINSIGSTKSZ = 2048;

const ITIMER_REAL = 0;
const ITIMER_VIRTUAL = 1;
const ITIMER_PROF = 2;
const BILLION = 1_000_000_000n;

/** What prctl keeps for the process. */
export interface TaskAttrs {
  comm: Uint8Array;
  pdeathsig: number;
  dumpable: number;
  keepcaps: number;
  slack: bigint;
  subreaper: number;
  noNewPrivs: number;
  thpDisable: number;
}

/** A pointer argument of prctl (an unsigned long): a guest address, or -1 when no wasm32 address. */
function ptrArg(x: unknown): number {
  const v = typeof x === 'bigint' ? BigInt.asUintN(64, x) : BigInt(u32(x));
  return v > 0xffffffffn ? -1 : Number(v);
}

function ulong(x: unknown): bigint {
  return typeof x === 'bigint' ? BigInt.asUintN(64, x) : BigInt(u32(x));
}

/** The process name at PR_SET_NAME: up to 15 bytes from the guest, cut at a NUL (strncpy_from_user). */
function readComm(mem: GuestMemory | undefined, ptr: number): Uint8Array | undefined {
  if (!mem || ptr < 0) return undefined;
  const out = new Uint8Array(COMM_LEN);
  for (let i = 0; i < COMM_LEN - 1; i++) {
    const b = mem.readBytes(ptr + i, 1);
    if (!(b instanceof Uint8Array)) return undefined;
    if (b[0] === 0) break;
    out[i] = b[0]!;
  }
  return out;
}

function putInt(mem: GuestMemory | undefined, ptr: number, v: number): number {
  return ptr >= 0 && mem && !mem.writeI32(ptr, v) ? 0 : neg('EFAULT');
}

function prctl(mem: GuestMemory | undefined, t: TaskAttrs, option: number, a2: unknown, a3: unknown, a4: unknown, a5: unknown): number {
  const rest = (...xs: unknown[]): boolean => xs.some((x) => ulong(x) !== 0n);
  switch (option) {
    case PR_SET_PDEATHSIG: {
      const sig = ulong(a2);
      if (sig > BigInt(NSIG)) return neg('EINVAL');
      t.pdeathsig = Number(sig);
      return 0;
    }
    case PR_GET_PDEATHSIG: return putInt(mem, ptrArg(a2), t.pdeathsig);
    case PR_GET_DUMPABLE: return t.dumpable;
    case PR_SET_DUMPABLE: {
      const v = ulong(a2);
      if (v !== 0n && v !== 1n) return neg('EINVAL');
      t.dumpable = Number(v);
      return 0;
    }
    case PR_GET_KEEPCAPS: return t.keepcaps;
    case PR_SET_KEEPCAPS: {
      const v = ulong(a2);
      if (v > 1n) return neg('EINVAL');
      t.keepcaps = Number(v);
      return 0;
    }
    case PR_SET_NAME: {
      const comm = readComm(mem, ptrArg(a2));
      if (!comm) return neg('EFAULT');
      t.comm = comm;
      return 0;
    }
    case PR_GET_NAME: {
      const p = ptrArg(a2);
      return p >= 0 && mem && !mem.writeBytes(p, t.comm) ? 0 : neg('EFAULT');
    }
    case PR_GET_SECCOMP: return 0;
    case PR_GET_TIMERSLACK: return Number(t.slack);
    case PR_SET_TIMERSLACK: {
      // Zero restores the default.
      const v = ulong(a2);
      t.slack = v === 0n ? DEFAULT_SLACK_NS : v;
      return 0;
    }
    case PR_SET_CHILD_SUBREAPER:
      t.subreaper = ulong(a2) !== 0n ? 1 : 0;
      return 0;
    case PR_GET_CHILD_SUBREAPER: return putInt(mem, ptrArg(a2), t.subreaper);
    case PR_SET_NO_NEW_PRIVS:
      if (ulong(a2) !== 1n || rest(a3, a4, a5)) return neg('EINVAL');
      t.noNewPrivs = 1;
      return 0;
    case PR_GET_NO_NEW_PRIVS:
      if (rest(a2, a3, a4, a5)) return neg('EINVAL');
      return t.noNewPrivs;
    case PR_SET_THP_DISABLE:
      if (rest(a3, a4, a5)) return neg('EINVAL');
      t.thpDisable = ulong(a2) !== 0n ? 1 : 0;
      return 0;
    case PR_GET_THP_DISABLE:
      if (rest(a2, a3, a4, a5)) return neg('EINVAL');
      return t.thpDisable;
    default:
      // Unknown options, and the ones this host does not model (see the README).
      return neg('EINVAL');
  }
}

/** The alternate signal stack: stack_t on wasm32 is {u32 ss_sp; i32 ss_flags; u32 ss_size}. */
export interface AltStack {
  sp: number;
  flags: number;
  size: number;
}

function sigaltstack(mem: GuestMemory | undefined, st: AltStack, ss: number, old: number): number {
  if (!mem) return neg('EFAULT');
  let next: AltStack | undefined;
  if (ss !== 0) {
    const b = mem.readBytes(ss, 12);
    if (!(b instanceof Uint8Array)) return neg('EFAULT');
    const v = new DataView(b.buffer);
    next = { sp: v.getUint32(0, true), flags: v.getUint32(4, true), size: v.getUint32(8, true) };
  }
  // The old stack as it was before this call; the guest is never running on it.
  const was = new Uint8Array(12);
  const w = new DataView(was.buffer);
  w.setUint32(0, st.sp, true);
  w.setUint32(4, ((st.size === 0 ? SS_DISABLE : 0) | (st.flags & SS_AUTODISARM)) >>> 0, true);
  w.setUint32(8, st.size, true);
  if (next) {
    const mode = next.flags & ~SS_AUTODISARM;
    if (mode !== SS_DISABLE && mode !== SS_ONSTACK && mode !== 0) return neg('EINVAL');
    if (mode === SS_DISABLE) {
      next.sp = 0;
      next.size = 0;
    } else if (next.size < MINSIGSTKSZ) {
      return neg('ENOMEM');
    }
    Object.assign(st, next);
  }
  if (old !== 0 && mem.writeBytes(old, was)) return neg('EFAULT');
  return 0;
}

/** One interval timer: its expiry on its clock (0n: disarmed) and its period, in nanoseconds. */
export interface Timer {
  at: bigint;
  every: bigint;
}

/** The timers' clocks (ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF), in nanoseconds. */
export type TimerClock = (which: number) => bigint;

/** What is left of a timer now: {value, interval} in nanoseconds (a periodic one keeps running). */
function remaining(clockOf: TimerClock, t: Timer, which: number): [bigint, bigint] {
  if (t.at === 0n) return [0n, t.every];
  const now = clockOf(which);
  if (t.at > now) return [t.at - now, t.every];
  if (t.every === 0n) {
    t.at = 0n;
    return [0n, 0n];
  }
  const next = t.at + ((now - t.at) / t.every + 1n) * t.every;
  return [next - now, t.every];
}

/** struct itimerval: two struct timeval {i64 sec; i64 usec}. */
function encodeItimer(value: bigint, every: bigint): Uint8Array {
  const b = new Uint8Array(32);
  const v = new DataView(b.buffer);
  v.setBigInt64(0, every / BILLION, true);
  v.setBigInt64(8, (every % BILLION) / 1000n, true);
  v.setBigInt64(16, value / BILLION, true);
  v.setBigInt64(24, (value % BILLION) / 1000n, true);
  return b;
}

/** A timeval as nanoseconds, or undefined when timeval_valid refuses it. */
function timevalNs(v: DataView, at: number): bigint | undefined {
  const sec = v.getBigInt64(at, true);
  const usec = v.getBigInt64(at + 8, true);
  if (sec < 0n || usec < 0n || usec >= 1_000_000n) return undefined;
  return sec * BILLION + usec * 1000n;
}

/** A zero value disarms; ITIMER_REAL then forgets its period, the CPU timers keep it (getitimer shows it). */
function arm(clockOf: TimerClock, timers: Timer[], which: number, value: bigint, every: bigint): void {
  timers[which] = value === 0n ? { at: 0n, every: which === ITIMER_REAL ? 0n : every } : { at: clockOf(which) + value, every };
}

function setitimer(mem: GuestMemory | undefined, clockOf: TimerClock, timers: Timer[], which: number, nv: number, ov: number): number {
  if (!mem) return neg('EFAULT');
  let every = 0n;
  let value = 0n;
  // A NULL new value disarms (Linux warns once and treats it as zero).
  if (nv !== 0) {
    const b = mem.readBytes(nv, 32);
    if (!(b instanceof Uint8Array)) return neg('EFAULT');
    const v = new DataView(b.buffer);
    const i = timevalNs(v, 0);
    const n = timevalNs(v, 16);
    if (i === undefined || n === undefined) return neg('EINVAL');
    every = i;
    value = n;
  }
  if (which !== ITIMER_REAL && which !== ITIMER_VIRTUAL && which !== ITIMER_PROF) return neg('EINVAL');
  const [left, period] = remaining(clockOf, timers[which]!, which);
  arm(clockOf, timers, which, value, every);
  if (ov !== 0 && mem.writeBytes(ov, encodeItimer(left, period))) return neg('EFAULT');
  return 0;
}

function getitimer(mem: GuestMemory | undefined, clockOf: TimerClock, timers: Timer[], which: number, ptr: number): number {
  if (which !== ITIMER_REAL && which !== ITIMER_VIRTUAL && which !== ITIMER_PROF) return neg('EINVAL');
  const [left, period] = remaining(clockOf, timers[which]!, which);
  return mem && !mem.writeBytes(ptr, encodeItimer(left, period)) ? 0 : neg('EFAULT');
}

/** alarm: ITIMER_REAL in whole seconds; the old value rounded to the nearest second, at least 1 if armed. */
function alarm(clockOf: TimerClock, timers: Timer[], seconds: number): number {
  const [left] = remaining(clockOf, timers[ITIMER_REAL]!, ITIMER_REAL);
  arm(clockOf, timers, ITIMER_REAL, BigInt(seconds) * BILLION, 0n);
  let sec = left / BILLION;
  const usec = (left % BILLION) / 1000n;
  if ((sec === 0n && usec > 0n) || usec >= 500_000n) sec++;
  return Number(sec);
}

/** The process name Linux gives at exec: the program's base name (`encode`d to bytes), 15 bytes at most. */
export function commOf(program: string, encode: (s: string) => Uint8Array): Uint8Array {
  const base = program.slice(program.lastIndexOf('/') + 1);
  const out = new Uint8Array(COMM_LEN);
  out.set(encode(base).subarray(0, COMM_LEN - 1));
  return out;
}

/** The attributes of a process that has just started, named `comm`. */
export function freshAttrs(comm: Uint8Array): TaskAttrs {
  return { comm, pdeathsig: 0, dumpable: 1, keepcaps: 0, slack: DEFAULT_SLACK_NS, subreaper: 0, noNewPrivs: 0, thpDisable: 0 };
}

/** What a new process has: a disabled alternate stack, three disarmed timers. */
export const noAltStack = (): AltStack => ({ sp: 0, flags: SS_DISABLE, size: 0 });
export const noTimers = (): Timer[] => [0, 1, 2].map(() => ({ at: 0n, every: 0n }));

/** The state these calls keep, and the timers' clocks. */
export interface TaskState {
  attrs: TaskAttrs;
  alt: AltStack;
  timers: Timer[];
  clock: TimerClock;
}

/** prctl, sigaltstack, setitimer, getitimer and alarm, by syscall name (process-local: no entry). */
export function taskTable(mem: () => GuestMemory | undefined, t: TaskState): Record<string, (...a: unknown[]) => number> {
  return {
    prctl: (o, a2, a3, a4, a5) => prctl(mem(), t.attrs, i32(o), a2, a3, a4, a5),
    sigaltstack: (ss, old) => sigaltstack(mem(), t.alt, u32(ss), u32(old)),
    setitimer: (w, nv, ov) => setitimer(mem(), t.clock, t.timers, i32(w), u32(nv), u32(ov)),
    getitimer: (w, p) => getitimer(mem(), t.clock, t.timers, i32(w), u32(p)),
    alarm: (s) => alarm(t.clock, t.timers, u32(s)),
  };
}

