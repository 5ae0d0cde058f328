/**
 * Linux is the oracle for the guest's pipes, eventfds and waits: test/host/c/fd-objects.c runs
 * natively (raw syscalls) and as wasm on the Node host, and every printed result must be the
 * same: data through pipes, O_NONBLOCK set by F_SETFL, partial writes to a full pipe, eventfd
 * counters and semaphores, poll/ppoll/select/pselect6 readiness, timeouts waited and the time a
 * ready call leaves, EBADF/POLLNVAL for fds the guest does not have, epoll events with the
 * guest's own epoll_data, edge triggering, nesting and removal on the last close.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileC, runCaptured, tempDir } from './cc.js';
import { compileNative, kvLines, pairedDirs, programSource } from './native-compare.js';
import { rawCall } from './raw-call.js';
import { NodeWaliHost, runWali } from '../../src/host/index.js';
import { WA } from '../../src/wali/wasm.js';
import { funcImport, functype, importSection, module_, typeSection } from '../unit/wali/encode.js';
import { newMemory } from '../unit/wali/wasm.js';
import { loadSysPoll } from '../../src/host/native/sys-poll.js';

const SOURCE = programSource('fd-objects');

const dirs = pairedDirs((dir) => writeFileSync(join(dir, 'f'), 'abc'));

async function both(group: string, policy?: Parameters<typeof runCaptured>[1]['policy']): Promise<{ guest: Record<string, string>; native: Record<string, string>; only: Record<string, string> }> {
  const r = await runCaptured(compileC(readFileSync(SOURCE, 'utf8')), { args: ['fd-objects', group], dirs: [{ host: dirs.guest, guest: '/work' }], ...(policy ? { policy } : {}) });
  expect(r.status, r.stderr).toBe(0);
  const n = spawnSync(compileNative('fd-objects'), [group], { cwd: dirs.native, encoding: 'latin1' });
  expect(n.status, n.stderr).toBe(0);
  return { guest: kvLines(r.stdout), native: kvLines(n.stdout), only: kvLines(r.stdout, 'only-wasm:') };
}

describe('pipes, eventfds, poll, select and epoll answer as Linux', () => {
  it('pipes: data, ends, flags, non-blocking reads and partial writes, EOF, EPIPE, EFAULT', async () => {
    const { guest, native } = await both('pipe');
    expect(guest).toEqual(native);
    expect(guest).toMatchObject({
      pipe: '0', pipe_fds: '304', data_ok: '1', getfl_r: '0', getfl_w: '1', read_wrong_end: '-9', lseek: '-29', pread: '-29',
      read_empty_nonblock: '-11', read_blocking_ready: '2', read_dup: '1', read_eof: '0', read_closed: '-9',
      getfl_nb: '2048', getfd_cloexec: '1', read_empty: '-11', write_big: '65536', write_full: '-11', drained: '65536',
      write_no_reader: '-32', pipe2_bad_flags: '-22', pipe_null: '-14',
    });
  });

  it('eventfds: counters, semaphores, flags, short reads and overflow', async () => {
    const { guest, native } = await both('eventfd');
    expect(guest).toEqual(native);
    expect(guest).toMatchObject({ value: '10', sum: '12', read_short: '-22', write_max: '-22', getfl: '2', sem_value: '1', sem_read_empty: '-11', eventfd2_bad_flags: '-22', cloexec_getfd: '1' });
  });

  it('poll and ppoll: readiness, POLLNVAL for an fd the guest lacks, timeouts, what is left of one, bad arguments', async () => {
    const { guest, native } = await both('poll');
    expect(guest).toEqual(native);
    expect(guest).toMatchObject({
      poll_empty: '0', poll_timeout: '0', poll_waited: '1', poll_all: '2', rev_read: '0', rev_write: '4', rev_ignored: '0', rev_badf: '32',
      poll_ready: '2', rev_read_ready: '1', poll_huge_nfds: '-22', ppoll_left_most: '1', ppoll_bad_ts: '-22', ppoll_bad_sigsetsize: '-22',
      ppoll_waited: '1', ppoll_left_zero: '1', rev_hup: '16',
    });
  });

  it('select and pselect6: fd_set bitmaps in guest memory, EBADF, the table size cap, timevals', async () => {
    const { guest, native, only } = await both('select');
    expect(guest).toEqual(native);
    expect(only).toEqual({ select_past_table: '1', select_past_table_bit: '1' });
    expect(guest).toMatchObject({
      select_empty: '0', select_empty_set: '0', select_ready: '2', select_rd: '1', select_wr: '1', select_left_most: '1', select_badf: '-9',
      select_negative: '-22', select_bad_tv: '-22', select_timeout: '0', select_waited: '1',
      pselect_ready: '1', pselect_bad_sigsetsize: '-22', pselect_bad_ts: '-22',
    });
  });

  it('epoll: events carry the guest\'s epoll_data; EEXIST, ENOENT, EBADF, EPERM, EINVAL; edge triggering; nesting; removal on close', async () => {
    const { guest, native } = await both('epoll');
    expect(guest).toEqual(native);
    expect(guest).toMatchObject({
      add: '0', add_again: '-17', wait_none: '0', wait_waited: '1', wait_ready: '1', ev_events: '1', ev_data_ok: '1', wait_after_mod: '0',
      del_again: '-2', bad_op: '-22', add_badf: '-9', add_bad_epfd: '-9', add_not_epoll: '-22', add_self: '-22', add_file: '-1',
      wait_bad_max: '-22', wait_not_epoll: '-22', wait_badf: '-9', et_first: '1', et_again: '0', et_new_data: '1', et_data: '42',
      nested_ready: '1', nested_data: '8', after_close: '0',
    });
  });

  it('needs no filesystem right: the same under a policy that refuses every path', async () => {
    const { policy } = await import('../unit/wali/guest.js');
    const p = policy('policy "p" abi 1\ndefault deny errno EACCES\n');
    for (const group of ['pipe', 'eventfd', 'poll', 'select']) {
      const { guest, native } = await both(group, p);
      expect(guest).toEqual(native);
    }
  });
});

describe('a blocking call waits for what another process does', () => {
  // The guest's stdin is a non-blocking host pipe another process writes to over time, once the
  // guest says go (on its stderr, a pipe to that process): a blocking read, an infinite poll and
  // an infinite epoll_wait each wait (the host waits on the host fd) instead of failing EAGAIN or
  // spinning, and EOF comes when the writer exits.
  const SRC = `#include "wali.h"
SYS(poll) i64 sys_poll(void *, i64, int);
SYS(epoll_create1) i64 sys_epoll_create1(int);
SYS(epoll_ctl) i64 sys_epoll_ctl(int, int, int, void *);
SYS(epoll_wait) i64 sys_epoll_wait(int, void *, int, int);
SYS(clock_gettime) i64 sys_clock_gettime(int, void *);
struct pollfd { int fd; short events, revents; };
struct epev { unsigned events; unsigned long long data; } __attribute__((packed));
static i64 ms(void) { i64 t[2]; sys_clock_gettime(1, t); return t[0] * 1000 + t[1] / 1000000; }
void _start(void) {
  char b[8];
  i64 t0 = ms();
  sys_write(2, "go\\n", 3);
  struct pollfd p = {0, 1, 0};
  kv("poll", sys_poll(&p, 1, -1));
  kv("revents", p.revents);
  kv("read_a", sys_read(0, b, 8));
  ks("a", b, 1);
  kv("read_b", sys_read(0, b, 8));
  ks("b", b, 1);
  int ep = (int)sys_epoll_create1(0);
  struct epev ev = {1, 99}, got;
  kv("ctl", sys_epoll_ctl(ep, 1, 0, &ev));
  kv("epoll", sys_epoll_wait(ep, &got, 1, -1));
  kv("data", (i64)got.data);
  kv("read_c", sys_read(0, b, 8));
  ks("c", b, 1);
  kv("eof", sys_read(0, b, 8));
  kv("waited", ms() - t0 >= 250);
  sys_exit_group(0);
}`;

  it('read, poll and epoll_wait block until data or EOF', async () => {
    const io = tempDir('fdwarden-host-io-');
    const pipe = (flags: number): [number, number] => {
      const fds = new Uint8Array(8);
      expect(loadSysPoll().pipe2(fds, flags | 0o2000000)).toBe(0);
      return [new DataView(fds.buffer).getInt32(0, true), new DataView(fds.buffer).getInt32(4, true)];
    };
    const [rd, wr] = pipe(0o4000);
    const [goRd, goWr] = pipe(0);
    const writer = spawn('sh', ['-c', 'read go; sleep 0.1; printf a; sleep 0.1; printf b; sleep 0.1; printf c'], { stdio: [goRd, wr, 'inherit'] });
    closeSync(wr);
    closeSync(goRd);
    const out = openSync(join(io.path, 'out'), 'w');
    try {
      const status = await runWali(compileC(SRC), { args: ['t'], dirs: [{ host: dirs.guest, guest: '/work' }], stdio: [rd, out, goWr] });
      expect(status).toBe(0);
      const kv = Object.fromEntries(readFileSync(join(io.path, 'out'), 'latin1').split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
      expect(kv).toEqual({ poll: '1', revents: '1', read_a: '1', a: 'a', read_b: '1', b: 'b', ctl: '0', epoll: '1', data: '99', read_c: '1', c: 'c', eof: '0', waited: '1' });
    } finally {
      closeSync(out);
      closeSync(rd);
      closeSync(goWr);
      writer.kill();
      io.cleanup();
    }
  });
});

describe('a hostile guest on pipes, eventfds and waits', () => {
  // Random arguments to every call here, bounded in time only: objects are made non-blocking and
  // every wait's timeout is zero, an invalid one or unreadable (never NULL: that waits forever).
  const NAMES = ['pipe2', 'eventfd2', 'epoll_create1', 'epoll_ctl', 'poll', 'ppoll', 'select', 'pselect6', 'epoll_wait', 'epoll_pwait', 'read', 'write', 'close', 'dup'] as const;
  const ZERO_TS = 512; // 16 zero bytes, zeroed again before each call
  const BAD_TS = 528; // a negative second: invalid as a timespec and as a timeval
  const int = fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.constantFrom(-1, 0, 1, 2, 3, 4, 5, 6, 8, 12, 64, 1024, 4096, 0xfffffff0));
  const timeoutPtr = fc.constantFrom(ZERO_TS, BAD_TS, 0xfffffff0, 0x7fffff00);
  const callArb = fc.oneof(...NAMES.map((name) => fc.tuple(fc.constant(name), fc.array(int, { minLength: 6, maxLength: 6 }), timeoutPtr)));
  const hostFds = (): number => readdirSync('/proc/self/fd').length;

  it('never throws, always answers a raw result, never waits, and leaves no host fd behind', async () => {
    const module = await WA.compile(module_(typeSection(functype([], ['i64'])), importSection(...NAMES.map((n) => funcImport('wali', `SYS_${n}`, 0)))));
    const devnull = openSync('/dev/null', 'r+');
    try {
      await fc.assert(fc.asyncProperty(fc.array(callArb, { minLength: 1, maxLength: 40 }), async (calls) => {
        const before = hostFds();
        const host = new NodeWaliHost({ args: ['hostile'], dirs: [{ host: dirs.guest, guest: '/work' }], stdio: [devnull, devnull, devnull] });
        const memory = newMemory(false, 1, 1);
        const imports = host.getImportObject(module);
        host.attach({ exports: { memory } });
        const u8 = new Uint8Array(memory.buffer);
        try {
          for (const [name, a, ts] of calls) {
            u8.fill(0, ZERO_TS, ZERO_TS + 16);
            new DataView(memory.buffer).setBigInt64(BAD_TS, -1n, true);
            const args: (number | bigint)[] = [...a];
            if (name === 'pipe2') args[1] = a[1]! | 0o4000;
            if (name === 'eventfd2') args[1] = a[1]! | 0o4000;
            if (name === 'poll') args[1] = BigInt(a[1]!), args[2] = 0;
            if (name === 'ppoll') args[1] = BigInt(a[1]!), args[2] = ts;
            if (name === 'select') args[4] = ts;
            if (name === 'pselect6') args[4] = ts;
            if (name === 'epoll_wait' || name === 'epoll_pwait') args[3] = 0;
            if (rawCall(imports, name, args) === undefined) break;
          }
        } finally {
          host.close();
        }
        // Every wait was given a zero timeout: a call that blocked would hang the test (its timeout), not pass.
        expect(hostFds()).toBe(before);
      }), { seed: 0x5eed_f0b5, numRuns: 200 });
    } finally {
      closeSync(devnull);
    }
  });
});
