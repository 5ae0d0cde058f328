/**
 * Process-level calls: the fs context (chdir, fchdir, getcwd, umask, all decided by the model),
 * the pid, clocks, signals (accepted, never delivered), uname, getrandom and exit. Ids and
 * process relations are in sys-ids.ts, sigaltstack in sys-task.ts.
 */
import { randomFillSync } from 'node:crypto';
import { release } from 'node:os';
import { plainCalls, type HostCore, type SignalAction } from './core.js';
import type { Entry } from '../enforce/enforcer.js';
import { STALE } from './anchors.js';
import { i32, neg, u32 } from './errno.js';
import { WaliExit } from '../wali/endings.js';

export { WaliExit };

const sleeper = new Int32Array(new SharedArrayBuffer(4));
const NSIG = 64;
const SIGKILL = 9;
const SIGSTOP = 19;
/** Signals whose default action is to do nothing (SIGCHLD, SIGCONT, SIGURG, SIGWINCH) or to stop, which this host cannot. */
const DEFAULT_HARMLESS = new Set([17, 18, 23, 28, 19, 20, 21, 22]);
const SIG_DFL = 0;

/**
 * What a signal sent to the process does: its default action ends the process unless the
 * signal is blocked (it stays pending: never delivered), ignored or caught (a handler cannot
 * run in this host: accepted, not delivered). SIGKILL always ends it.
 */
function signalAction(acts: Map<number, Uint8Array>, mask: { value: bigint }, sig: number): SignalAction {
  if (sig === SIGKILL) return 'terminate';
  const act = acts.get(sig);
  const handler = act ? new DataView(act.buffer, act.byteOffset, act.byteLength).getUint32(0, true) : SIG_DFL;
  if (handler !== SIG_DFL || DEFAULT_HARMLESS.has(sig)) return 'none';
  if (mask.value & (1n << BigInt(sig - 1))) return 'none';
  return 'terminate';
}

function getcwd(h: HostCore, e: Entry, buf: number, size: number): number {
  const r = h.exit(e);
  if (r < 0) return r;
  const label = h.kernel.describeCwd(h.tid);
  if (label === 'unknown' || label.kind !== 'path') return neg('ENOENT');
  const bytes = Buffer.from(label.path + '\0', 'latin1');
  if (size < bytes.length) return neg('ERANGE');
  const mem = h.mem;
  return !mem || mem.writeBytes(buf, bytes) ? neg('EFAULT') : bytes.length;
}

/**
 * chdir/fchdir: the model holds the cwd. The directory is anchored first, so a directory that
 * another process replaced is found stale before the guest moves into it.
 */
function chdir(h: HostCore, e: Entry): number {
  const target = e.request?.checks[0]?.object.dentry;
  if (target !== undefined) {
    const a = h.dir(target);
    if (a === STALE) return a;
    if (typeof a === 'object') a.release();
  }
  return h.exit(e);
}

/** struct timespec {i64 sec; i64 nsec} from nanoseconds. */
function putTimespec(h: HostCore, ptr: number, ns: bigint, usec = false): number {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setBigInt64(0, ns / 1_000_000_000n, true);
  const frac = ns % 1_000_000_000n;
  v.setBigInt64(8, usec ? frac / 1000n : frac, true);
  const mem = h.mem;
  return !mem || mem.writeBytes(ptr, b) ? neg('EFAULT') : 0;
}

/** Wall-clock nanoseconds with sub-millisecond resolution. */
function realtimeNs(): bigint {
  const ms = performance.timeOrigin + performance.now();
  return BigInt(Math.floor(ms)) * 1_000_000n + BigInt(Math.floor((ms % 1) * 1e6));
}

function clockNs(clk: number): bigint | null {
  switch (clk) {
    case 0: case 5: case 8: case 11: return realtimeNs(); // REALTIME, _COARSE, _ALARM, TAI
    case 1: case 4: case 6: case 7: case 9: return process.hrtime.bigint(); // MONOTONIC, _RAW, _COARSE, BOOTTIME(_ALARM)
    case 2: case 3: { // PROCESS_CPUTIME_ID, THREAD_CPUTIME_ID
      const u = process.cpuUsage();
      return BigInt(u.user + u.system) * 1000n;
    }
    default: return null;
  }
}

function rtSigaction(h: HostCore, acts: Map<number, Uint8Array>, sig: number, act: number, oact: number, size: number): number {
  if (size !== 8 || sig < 1 || sig > NSIG) return neg('EINVAL');
  if (act !== 0 && (sig === SIGKILL || sig === SIGSTOP)) return neg('EINVAL');
  const mem = h.mem;
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

function rtSigprocmask(h: HostCore, mask: { value: bigint }, how: number, set: number, oset: number, size: number): number {
  if (size !== 8) return neg('EINVAL');
  const mem = h.mem;
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

function uname(h: HostCore, buf: number): number {
  const fields = ['Linux', 'wali', release(), '#1 SMP', 'x86_64', '(none)'];
  const out = new Uint8Array(65 * 6);
  fields.forEach((f, i) => out.set(Buffer.from(f.slice(0, 64), 'latin1'), i * 65));
  const mem = h.mem;
  return !mem || mem.writeBytes(buf, out) ? neg('EFAULT') : 0;
}

function getrandom(h: HostCore, buf: number, len: number, flags: number): number {
  if (flags & ~7) return neg('EINVAL');
  const n = Math.min(len, 33554431);
  const mem = h.mem;
  if (!mem || buf + n > mem.byteLength) return neg('EFAULT');
  const b = new Uint8Array(n);
  randomFillSync(b);
  return mem.writeBytes(buf, b) ? neg('EFAULT') : n;
}

function nanosleep(h: HostCore, req: number): number {
  const raw = h.mem?.readBytes(req, 16);
  if (!(raw instanceof Uint8Array)) return neg('EFAULT');
  const v = new DataView(raw.buffer);
  const sec = v.getBigInt64(0, true);
  const nsec = v.getBigInt64(8, true);
  if (sec < 0n || nsec < 0n || nsec >= 1_000_000_000n) return neg('EINVAL');
  Atomics.wait(sleeper, 0, 0, Number(sec) * 1000 + Number(nsec) / 1e6);
  return 0;
}

/** fs-context, pid, clock, signal, uname, getrandom and exit calls, by syscall name. */
export function processCalls(h: HostCore): Record<string, (e: Entry | undefined, ...a: unknown[]) => number> {
  const judged = (f: (e: Entry, ...a: unknown[]) => number) => (e: Entry | undefined, ...a: unknown[]): number => (e ? f(e, ...a) : neg('EINVAL'));
  const { acts, mask } = h.signals;
  h.signalAction = (sig) => signalAction(acts, mask, sig);
  return {
    chdir: judged((e) => chdir(h, e)),
    fchdir: judged((e) => chdir(h, e)),
    getcwd: judged((e, b, n) => getcwd(h, e, u32(b), u32(n))),
    umask: judged((e) => h.exit(e)),
    ...plainCalls({
      getpid: () => h.tid,
      gettid: () => h.tid,
      set_tid_address: () => h.tid,
      clock_gettime: (clk, tp) => {
        const ns = clockNs(i32(clk));
        return ns === null ? neg('EINVAL') : putTimespec(h, u32(tp), ns);
      },
      clock_getres: (clk, tp) => {
        if (clockNs(i32(clk)) === null) return neg('EINVAL');
        return u32(tp) === 0 ? 0 : putTimespec(h, u32(tp), 1n);
      },
      gettimeofday: (tv, tz) => {
        if (u32(tv) !== 0 && putTimespec(h, u32(tv), realtimeNs(), true)) return neg('EFAULT');
        if (u32(tz) !== 0 && h.mem?.writeBytes(u32(tz), new Uint8Array(8)) !== undefined) return neg('EFAULT');
        return 0;
      },
      time: (tloc) => {
        const sec = Math.floor(Date.now() / 1000);
        if (u32(tloc) !== 0 && (!h.mem || h.mem.writeI64(u32(tloc), BigInt(sec)))) return neg('EFAULT');
        return sec;
      },
      nanosleep: (req) => nanosleep(h, u32(req)),
      clock_nanosleep: (clk, flags, req) => (clockNs(i32(clk)) === null ? neg('EINVAL') : i32(flags) & 1 ? 0 : nanosleep(h, u32(req))),
      rt_sigaction: (s, a, o, n) => rtSigaction(h, acts, i32(s), u32(a), u32(o), u32(n)),
      rt_sigprocmask: (how, s, o, n) => rtSigprocmask(h, mask, i32(how), u32(s), u32(o), u32(n)),
      uname: (b) => uname(h, u32(b)),
      getrandom: (b, n, f) => getrandom(h, u32(b), u32(n), i32(f)),
      sched_yield: () => 0,
      exit: (code) => {
        throw new WaliExit(i32(code));
      },
      exit_group: (code) => {
        throw new WaliExit(i32(code));
      },
    }),
  };
}

