/**
 * futex for a guest that runs on one thread: kernel/futex's checks in its order (the command,
 * CLOCK_REALTIME's commands, the timeout, the bitset, the address's alignment and bounds, the
 * value), waits that only a timeout ends (Atomics.wait on the guest's memory when it is
 * shared, so another agent's Atomics.notify would end it too), wakes that find nobody (on shared
 * memory, Atomics.notify's real count), and the PI commands on an uncontended lock word. No
 * other guest thread exists, so a lock word naming another tid names a task that does not exist.
 */
import { plainCalls, type HostCore, type SyscallImpl } from './core.js';
import { i32, neg, u32 } from './errno.js';

const FUTEX_WAIT = 0;
const FUTEX_WAKE = 1;
const FUTEX_REQUEUE = 3;
const FUTEX_CMP_REQUEUE = 4;
const FUTEX_WAKE_OP = 5;
const FUTEX_LOCK_PI = 6;
const FUTEX_UNLOCK_PI = 7;
const FUTEX_TRYLOCK_PI = 8;
const FUTEX_WAIT_BITSET = 9;
const FUTEX_WAKE_BITSET = 10;
const FUTEX_WAIT_REQUEUE_PI = 11;
const FUTEX_CMP_REQUEUE_PI = 12;
const FUTEX_LOCK_PI2 = 13;
const FUTEX_PRIVATE_FLAG = 128;
const FUTEX_CLOCK_REALTIME = 256;
const FUTEX_CMD_MASK = ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
const FUTEX_TID_MASK = 0x3fffffff;
const FUTEX_OWNER_DIED = 0x40000000;
const ETIMEDOUT = -110;

const idle = new Int32Array(new SharedArrayBuffer(4));

interface Args {
  uaddr: number;
  op: number;
  val: number;
  timeout: number;
  uaddr2: number;
  val3: number;
}

/** The clock a wait's deadline is on: monotonic, or realtime with FUTEX_CLOCK_REALTIME. */
function nowNs(realtime: boolean): bigint {
  if (!realtime) return process.hrtime.bigint();
  const ms = performance.timeOrigin + performance.now();
  return BigInt(Math.floor(ms * 1e6));
}

/** A lock word's address: EINVAL unaligned, EFAULT outside memory (private wakes never touch it). */
function wordAt(h: HostCore, addr: number, touch: boolean): number {
  if (addr % 4 !== 0) return neg('EINVAL');
  if (touch && (!h.mem || addr + 4 > h.mem.byteLength)) return neg('EFAULT');
  return addr;
}

function load(h: HostCore, addr: number): number | undefined {
  const v = h.mem?.readU32(addr);
  return typeof v === 'number' ? v : undefined;
}

/** The guest memory as an Int32Array when it is shared (Atomics can wait and wake on it). */
function sharedWords(h: HostCore): Int32Array | undefined {
  const buf = h.memory?.buffer;
  return typeof SharedArrayBuffer === 'function' && buf instanceof SharedArrayBuffer ? new Int32Array(buf) : undefined;
}

/** Blocks until `deadline` (ns on its clock; undefined: forever) unless the word changes from `val` or is notified. */
function wait(h: HostCore, addr: number, val: number, deadline: bigint | undefined, realtime: boolean): number {
  const words = sharedWords(h);
  const cur = load(h, addr);
  if (cur === undefined) return neg('EFAULT');
  if (cur !== val >>> 0) return neg('EAGAIN');
  for (;;) {
    const ms = deadline === undefined ? Infinity : Number(deadline - nowNs(realtime)) / 1e6;
    if (ms <= 0) return ETIMEDOUT;
    const r = words ? Atomics.wait(words, addr >> 2, val | 0, ms) : Atomics.wait(idle, 0, 0, ms);
    if (r === 'ok') return 0;
    if (r === 'not-equal') return neg('EAGAIN');
    if (deadline !== undefined) return ETIMEDOUT;
  }
}

function wake(h: HostCore, addr: number, count: number): number {
  const words = sharedWords(h);
  // Linux wakes at least one waiter whatever the count.
  return words && addr + 4 <= words.byteLength ? Atomics.notify(words, addr >> 2, Math.max(count, 1)) : 0;
}

/** FUTEX_WAKE_OP's operation on *uaddr2 and its comparison of the old value (kernel/futex/waitwake.c). */
function wakeOp(h: HostCore, a: Args): number {
  const encoded = a.val3 >>> 0;
  const op = (encoded >>> 28) & 7;
  const cmp = (encoded >>> 24) & 15;
  let oparg = ((((encoded >>> 12) & 0xfff) << 20) >> 20);
  const cmparg = (((encoded & 0xfff) << 20) >> 20);
  if (encoded & 0x80000000) oparg = 1 << (oparg & 31);
  const old = load(h, a.uaddr2);
  if (old === undefined) return neg('EFAULT');
  const ops = [(_: number) => oparg, (x: number) => x + oparg, (x: number) => x | oparg, (x: number) => x & ~oparg, (x: number) => x ^ oparg];
  const f = ops[op];
  if (!f) return neg('ENOSYS');
  h.mem!.writeU32(a.uaddr2, f(old | 0) >>> 0);
  const o = old | 0;
  const tests = [o === cmparg, o !== cmparg, o < cmparg, o <= cmparg, o > cmparg, o >= cmparg];
  if (cmp >= tests.length) return neg('ENOSYS');
  return wake(h, a.uaddr, a.val) + (tests[cmp] ? wake(h, a.uaddr2, i32(a.timeout)) : 0);
}

/** LOCK_PI, LOCK_PI2, TRYLOCK_PI by the only thread there is: a free word is taken, one's own is EDEADLK. */
function lockPi(h: HostCore, addr: number): number {
  const v = load(h, addr);
  if (v === undefined) return neg('EFAULT');
  const owner = v & FUTEX_TID_MASK;
  if (owner === h.tid) return neg('EDEADLK');
  if (owner !== 0) return neg('ESRCH'); // no such task: the guest has one thread
  h.mem!.writeU32(addr, ((v & FUTEX_OWNER_DIED) | h.tid) >>> 0);
  return 0;
}

function unlockPi(h: HostCore, addr: number): number {
  const v = load(h, addr);
  if (v === undefined) return neg('EFAULT');
  if ((v & FUTEX_TID_MASK) !== h.tid) return neg('EPERM');
  h.mem!.writeU32(addr, 0);
  return 0;
}

/** The timeout argument of the waiting commands: a deadline in ns, undefined for none, or -errno. */
function deadlineOf(h: HostCore, a: Args, cmd: number, realtime: boolean): bigint | undefined | number {
  if (a.timeout === 0) return undefined;
  const raw = h.mem?.readBytes(a.timeout, 16);
  if (!(raw instanceof Uint8Array)) return neg('EFAULT');
  const v = new DataView(raw.buffer);
  const sec = v.getBigInt64(0, true);
  const nsec = v.getBigInt64(8, true);
  if (sec < 0n || nsec < 0n || nsec >= 1_000_000_000n) return neg('EINVAL');
  const ns = sec * 1_000_000_000n + nsec;
  // FUTEX_WAIT's timeout is relative; the others' are absolute.
  return cmd === FUTEX_WAIT ? nowNs(false) + ns : ns;
}

function futex(h: HostCore, a: Args): number {
  const cmd = a.op & FUTEX_CMD_MASK;
  const realtime = (a.op & FUTEX_CLOCK_REALTIME) !== 0;
  const shared = (a.op & FUTEX_PRIVATE_FLAG) === 0;
  const timed = cmd === FUTEX_WAIT || cmd === FUTEX_WAIT_BITSET || cmd === FUTEX_WAIT_REQUEUE_PI || cmd === FUTEX_LOCK_PI || cmd === FUTEX_LOCK_PI2;
  const deadline = timed ? deadlineOf(h, a, cmd, realtime || cmd === FUTEX_LOCK_PI) : undefined;
  if (typeof deadline === 'number') return deadline;
  if (realtime && cmd !== FUTEX_WAIT_BITSET && cmd !== FUTEX_WAIT_REQUEUE_PI && cmd !== FUTEX_LOCK_PI2) return neg('ENOSYS');
  switch (cmd) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET:
    case FUTEX_WAIT_REQUEUE_PI: {
      if (cmd === FUTEX_WAIT_REQUEUE_PI && a.uaddr === a.uaddr2) return neg('EINVAL');
      if (cmd === FUTEX_WAIT_BITSET && a.val3 === 0) return neg('EINVAL');
      const at = wordAt(h, a.uaddr, true);
      if (at < 0) return at;
      return wait(h, at, a.val, deadline, realtime && cmd !== FUTEX_WAIT);
    }
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET: {
      if (cmd === FUTEX_WAKE_BITSET && a.val3 === 0) return neg('EINVAL');
      const at = wordAt(h, a.uaddr, shared);
      return at < 0 ? at : wake(h, at, a.val);
    }
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE:
    case FUTEX_CMP_REQUEUE_PI: {
      const nrRequeue = i32(a.timeout);
      if (cmd === FUTEX_CMP_REQUEUE_PI && (a.uaddr === a.uaddr2 || a.val !== 1)) return neg('EINVAL');
      if (a.val < 0 || nrRequeue < 0) return neg('EINVAL');
      const at = wordAt(h, a.uaddr, shared || cmd !== FUTEX_REQUEUE);
      if (at < 0) return at;
      const to = wordAt(h, a.uaddr2, shared || cmd === FUTEX_CMP_REQUEUE_PI);
      if (to < 0) return to;
      if (cmd !== FUTEX_REQUEUE) {
        const v = load(h, at);
        if (v === undefined) return neg('EFAULT');
        if (v !== a.val3 >>> 0) return neg('EAGAIN');
      }
      return wake(h, at, a.val); // nobody waits on the first word to be requeued
    }
    case FUTEX_WAKE_OP: {
      const at = wordAt(h, a.uaddr, shared);
      if (at < 0) return at;
      const to = wordAt(h, a.uaddr2, true);
      return to < 0 ? to : wakeOp(h, a);
    }
    case FUTEX_LOCK_PI:
    case FUTEX_LOCK_PI2:
    case FUTEX_TRYLOCK_PI: {
      const at = wordAt(h, a.uaddr, true);
      return at < 0 ? at : lockPi(h, at);
    }
    case FUTEX_UNLOCK_PI: {
      const at = wordAt(h, a.uaddr, true);
      return at < 0 ? at : unlockPi(h, at);
    }
    default:
      return neg('ENOSYS');
  }
}

/** futex, by syscall name. */
export function futexCalls(h: HostCore): Record<string, SyscallImpl> {
  return plainCalls({
    futex: (uaddr, op, val, timeout, uaddr2, val3) => futex(h, { uaddr: u32(uaddr), op: i32(op), val: i32(val), timeout: u32(timeout), uaddr2: u32(uaddr2), val3: i32(val3) }),
  });
}
