/**
 * Linux is the oracle for the guest's processes: test/host/c/processes.c runs natively (raw
 * syscalls) and as wasm on the Node host (an Asyncify build: it imports SYS_fork), and every
 * printed result must be the same: fork's results, getppid in the child, data through a pipe,
 * inherited fds with shared offsets and copied fd flags, wait4's statuses, pids, options and
 * errors, kill/tkill checks, deaths by signal, setjmp/longjmp. Then what a hostile guest cannot
 * do with fork: escape its policy in a child, exhaust the host, signal outside its processes.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileC, runCaptured } from './cc.js';
import { compileNative, kvLines, pairedDirs, programSource } from './native-compare.js';

const SOURCE = programSource('processes');

beforeAll(() => {
  // The Asyncify builds of the test programs are cached here, not in the user's cache.
  process.env['FDWARDEN_CACHE_DIR'] ??= join(tmpdir(), 'fdwarden-test-cache');
});

const dirs = pairedDirs((dir) => writeFileSync(join(dir, 'f'), 'abcdef'));

/** The program itself as ./prog (the exec group runs it again), and an executable file that is no program. */
function withProg(dir: string, bytes: Uint8Array): void {
  writeFileSync(join(dir, 'prog'), bytes, { mode: 0o755 });
  writeFileSync(join(dir, 'notexec'), 'abcdef\n', { mode: 0o755 });
}

async function both(group: string): Promise<{ guest: Record<string, string>; native: Record<string, string>; status: number; nativeStatus: number | null; nativeSignal: string | null }> {
  const wasm = compileC(readFileSync(SOURCE, 'utf8'));
  withProg(dirs.guest, wasm);
  withProg(dirs.native, readFileSync(compileNative('processes')));
  const r = await runCaptured(wasm, { args: ['processes', group], dirs: [{ host: dirs.guest, guest: '/work' }] });
  const n = spawnSync(compileNative('processes'), [group], { cwd: dirs.native, encoding: 'latin1' });
  return { guest: kvLines(r.stdout), native: kvLines(n.stdout), status: r.status, nativeStatus: n.status, nativeSignal: n.signal };
}

describe('processes answer as Linux', () => {
  it('fork: 0 in the child, its pid in the parent, getppid, a pipe between them, a grandchild', async () => {
    const { guest, native, status, nativeStatus } = await both('fork');
    expect(status).toBe(0);
    expect(nativeStatus).toBe(0);
    expect(guest).toEqual(native);
    expect(guest).toMatchObject({
      fork_positive: '1', child_ppid_is_parent: '1', child_pid_differs: '1', child_tid_is_pid: '1', child_write: '10',
      wait_is_child: '1', status: String(7 << 8), parent_read: '10', parent_data: '1', parent_eof: '0', nested_status: String(6 << 8),
    });
  });

  it('wait4: exit codes << 8, any child, a given pid, the group, WNOHANG, ECHILD, EINVAL, ESRCH, EFAULT', async () => {
    const { guest, native, status, nativeStatus } = await both('wait');
    expect(status).toBe(0);
    expect(nativeStatus).toBe(0);
    expect(guest).toEqual(native);
    expect(guest).toMatchObject({
      no_child: '-10', no_child_nohang: '-10', bad_options: '-22', int_min: '-3', status_0: '0', status_42: String(42 << 8),
      status_255: String(255 << 8), wait_b: '1', status_b: String(2 << 8), wait_b_again: '-10', wait_group_a: '1', status_a: String(1 << 8),
      none_left: '-10', none_left_nohang: '-10', wait_other_pid: '-10', wait_null_status: '1', wait_bad_status: '-14', reaped_anyway: '-10',
    });
  });

  it('fds: inherited with shared offsets, fd flags copied, a child\'s close and fcntl are its own', async () => {
    const { guest, native } = await both('fds');
    expect(guest).toEqual(native);
    expect(guest).toMatchObject({
      read_parent: '2', child_offset: '2', child_read: '2', child_data: '1', child_cloexec: '1', child_write_rdonly: '-9', child_close: '0',
      parent_offset: '4', parent_read_after: '2', parent_data_after: '1', parent_cloexec: '1', parent_cloexec_kept: '1',
    });
  });

  it('signals: existence checks, EINVAL, deaths by SIGTERM and SIGKILL, ignored and blocked signals', async () => {
    const { guest, native } = await both('signals');
    expect(guest).toEqual(native);
    expect(guest).toMatchObject({
      kill_self_0: '0', tkill_self_0: '0', kill_self_bad: '-22', kill_self_neg: '-22', tkill_self_bad: '-22', kill_self_ignored: '0',
      child_kill_parent_0: '0', kill_child_0: '0', kill_child_bad: '-22', status_sigterm: '15', status_sigkill: '9', status_usr1_ignored: String(3 << 8), status_blocked: String(4 << 8), status_killed_by_child: '15',
    });
  });

  it('a guest that kills itself ends as if killed by the signal: 128+N', async () => {
    const { status, nativeSignal } = await both('selfkill');
    expect(nativeSignal).toBe('SIGTERM');
    expect(status).toBe(128 + 15);
  });

  it('execve: ENOENT, EACCES for a directory and a file without x, ENOEXEC, EFAULT; another program in a child, close-on-exec fds closed', async () => {
    const { guest, native, status } = await both('exec');
    expect(status).toBe(0);
    expect(guest).toEqual(native);
    expect(guest).toMatchObject({
      fds: '34', exec_missing: '-2', exec_dir: '-13', exec_not_executable: '-13', exec_not_a_program: '-8', exec_bad_argv: '-14',
      execd_plain: '0', execd_cloexec: '-9', execd_ppid_differs: '1', exec_status: String(9 << 8), parent_cloexec_open: '1',
    });
  });

  it('a child inherits limits, name, flags; not the parent-death signal, the subreaper mark or timers', async () => {
    const { guest, native, status } = await both('inherit');
    expect(status).toBe(0);
    expect(guest).toEqual(native);
    expect(guest).toMatchObject({
      set_nofile: '0', set_name: '0', set_pdeathsig: '0', set_subreaper: '0', set_itimer: '0', child_nofile: '100', child_name: '1',
      child_pdeathsig: '0', child_subreaper: '0', child_itimer: '0', parent_pdeathsig: '10', parent_itimer_left: '1',
    });
  });

  it('setjmp returns 0, then what longjmp passes (1 for 0), from deep in the stack', async () => {
    const { guest, native, status } = await both('jump');
    expect(status).toBe(0);
    expect(guest).toEqual(native);
    expect(guest).toMatchObject({ setjmp_first: '0', setjmp_second: '7', setjmp_third: '1', rounds: '3', depth: '15' });
  });
});

describe('fork with wasm exception handling', () => {
  it('inside a try body: the child runs on, and a later throw in the parent is caught', async () => {
    const binaryen = (await import('binaryen')).default;
    const m = binaryen.parseText(`(module
 (import "wali" "SYS_fork" (func $fork (result i64)))
 (import "wali" "SYS_wait4" (func $wait4 (param i32 i32 i32 i32) (result i64)))
 (import "wali" "SYS_exit_group" (func $exit (param i32) (result i64)))
 (import "wali" "SYS_write" (func $write (param i32 i32 i32) (result i64)))
 (tag $t (param i32))
 (memory 2)
 (export "memory" (memory 0))
 (data (i32.const 16) "child\\nparent\\n")
 (func (export "_start") (local $pid i64)
  (try (do (local.set $pid (call $fork))) (catch_all (unreachable)))
  (if (i64.eqz (local.get $pid)) (then (drop (call $write (i32.const 1) (i32.const 16) (i32.const 6))) (drop (call $exit (i32.const 3)))))
  (drop (call $wait4 (i32.wrap_i64 (local.get $pid)) (i32.const 100) (i32.const 0) (i32.const 0)))
  (drop (call $write (i32.const 1) (i32.const 22) (i32.const 7)))
  (try (do (throw $t (i32.const 1)))
   (catch_all (drop (call $exit (i32.add (i32.const 70) (i32.shr_u (i32.load (i32.const 100)) (i32.const 8)))))))))`);
    m.setFeatures(binaryen.Features.MVP | binaryen.Features.ExceptionHandling | binaryen.Features.BulkMemory | binaryen.Features.MutableGlobals);
    const wasm = m.emitBinary();
    m.dispose();
    const r = await runCaptured(wasm, { args: ['eh'], dirs: [{ host: dirs.guest, guest: '/work' }] });
    expect(r.stdout).toBe('child\nparent\n');
    expect(r.status).toBe(73); // caught, with the child's exit status 3
  });
});

describe('exit cannot be caught', () => {
  it('a catch_all around exit: the next import throws it again, and a _start that returns ends with it', async () => {
    const binaryen = (await import('binaryen')).default;
    const build = (after: string): Uint8Array => {
      const m = binaryen.parseText(`(module
 (import "wali" "SYS_exit_group" (func $exit (param i32) (result i64)))
 (import "wali" "SYS_write" (func $write (param i32 i32 i32) (result i64)))
 (memory 1)
 (export "memory" (memory 0))
 (data (i32.const 16) "alive\\n")
 (func (export "_start")
  (try (do (drop (call $exit (i32.const 5)))) (catch_all))
  ${after}))`);
      m.setFeatures(binaryen.Features.MVP | binaryen.Features.ExceptionHandling);
      const b = m.emitBinary();
      m.dispose();
      return b;
    };
    const write = await runCaptured(build('(drop (call $write (i32.const 1) (i32.const 16) (i32.const 6)))'), { args: ['x'], dirs: [{ host: dirs.guest, guest: '/work' }] });
    expect(write).toMatchObject({ status: 5, stdout: '' });
    const ret = await runCaptured(build(''), { args: ['x'], dirs: [{ host: dirs.guest, guest: '/work' }] });
    expect(ret.status).toBe(5);
  });
});

const FORKS = `#include "wali.h"
SYS(fork) i64 sys_fork(void);
SYS(wait4) i64 sys_wait4(int, int *, int, void *);
SYS(kill) i64 sys_kill(int, int);
SYS(getppid) i64 sys_getppid(void);
SYS(execve) i64 sys_execve(const char *, char *const *, char *const *);
static void quit(int c) { sys_exit_group(c); for (;;) {} }
`;

describe('a hostile guest and fork', () => {
  it('a child is judged by the same policy, and its fds keep the rights they obtained', async () => {
    const { mkdirSync: mk } = await import('node:fs');
    mk(join(dirs.guest, 'secret'));
    writeFileSync(join(dirs.guest, 'secret', 'x'), 'x');
    mk(join(dirs.guest, 'ro'));
    writeFileSync(join(dirs.guest, 'ro', 'f'), 'ro');
    const { policy } = await import('../unit/wali/guest.js');
    const p = policy('policy "p" abi 1\ndefault allow\ndeny * under /work/secret errno ENOENT\ndeny write under /work/ro errno EACCES\n');
    const src = `${FORKS}
void _start(void) {
  int fd = (int)sys_open("/work/ro/f", 0, 0);
  kv("parent_open_ro", fd >= 0);
  kv("parent_secret", sys_open("/work/secret/x", 0, 0));
  kv("parent_rw", sys_open("/work/ro/f", 2, 0));
  i64 pid = sys_fork();
  if (pid == 0) {
    kv("child_secret", sys_open("/work/secret/x", 0, 0));
    kv("child_rw", sys_open("/work/ro/f", 2, 0));
    kv("child_write_inherited", sys_write(fd, "x", 1));
    char b[4];
    kv("child_read_inherited", sys_read(fd, b, 2));
    char *av[] = {"x", 0};
    kv("child_exec_secret", sys_execve("/work/secret/x", av, av + 1));
    quit(0);
  }
  int st;
  kv("wait", sys_wait4((int)pid, &st, 0, 0) == pid);
  quit(0);
}`;
    const r = await runCaptured(compileC(src), { args: ['t'], dirs: [{ host: dirs.guest, guest: '/work' }], policy: p });
    expect(r.stderr).toBe('');
    expect(r.kv).toEqual({
      parent_open_ro: '1', parent_secret: '-2', parent_rw: '-13', child_secret: '-2', child_rw: '-13',
      child_write_inherited: '-9', child_read_inherited: '2', child_exec_secret: '-2', wait: '1',
    });
    expect(readFileSync(join(dirs.guest, 'ro', 'f'), 'latin1')).toBe('ro');
  });

  it('fork in a loop is bounded: at the process limit fork is EAGAIN (zombies count), never a crash', async () => {
    const src = `${FORKS}
void _start(void) {
  /* Breadth: children that exit and are never reaped. */
  int n = 0;
  i64 r;
  for (;;) {
    r = sys_fork();
    if (r == 0) quit(0);
    if (r < 0) break;
    n++;
  }
  kv("breadth", n);
  kv("breadth_errno", r);
  int st;
  while (sys_wait4(-1, &st, 0, 0) > 0) {}
  /* Depth: every child forks again until the limit. */
  int depth = 0;
  for (;;) {
    r = sys_fork();
    if (r < 0) { kv("depth_errno", r); quit(depth); }
    if (r == 0) { depth++; continue; }
    sys_wait4((int)r, &st, 0, 0);
    quit(depth == 0 ? 100 + ((st >> 8) & 0xff) : (st >> 8) & 0xff);
  }
}`;
    const r = await runCaptured(compileC(src), { args: ['t'], dirs: [{ host: dirs.guest, guest: '/work' }], maxProcesses: 8 });
    expect(r.kv).toEqual({ breadth: '7', breadth_errno: '-11', depth_errno: '-11' });
    expect(r.status).toBe(107);
  });

  it('fork is ENOMEM when a copy of the memory would take the live processes past their memory budget', async () => {
    const src = `${FORKS}
SYS(mmap) i64 sys_mmap(void *, unsigned long, int, int, int, i64);
void _start(void) {
  /* 4 MiB more memory, then forks until the budget (8 MiB in all) refuses one. */
  kv("mmap", sys_mmap(0, 4 << 20, 3, 0x22, -1, 0) > 0);
  int depth = 0, st;
  for (;;) {
    i64 r = sys_fork();
    if (r < 0) { kv("errno", r); kv("depth", depth); quit(0); }
    if (r == 0) { depth++; continue; }
    sys_wait4((int)r, &st, 0, 0);
    quit(0);
  }
}`;
    const r = await runCaptured(compileC(src), { args: ['t'], dirs: [{ host: dirs.guest, guest: '/work' }], maxProcessMemory: 8 << 20 });
    expect(r.kv).toEqual({ mmap: '1', errno: '-12', depth: '0' });
    expect(r.status).toBe(0);
  });

  it('a child that waits for its suspended parent gets EDEADLK instead of hanging (Linux would let the parent write)', async () => {
    const src = `${FORKS}
SYS(pipe) i64 sys_pipe(int *);
void _start(void) {
  int p[2];
  sys_pipe(p);
  i64 pid = sys_fork();
  if (pid == 0) {
    char b[4];
    kv("child_read", sys_read(p[0], b, 1));
    sys_close(p[1]);
    kv("child_read_own_end_closed", sys_read(p[0], b, 1));
    quit(0);
  }
  sys_write(p[1], "x", 1);
  int st;
  sys_wait4((int)pid, &st, 0, 0);
  char b[4];
  kv("parent_read", sys_read(p[0], b, 1));
  quit(0);
}`;
    const r = await runCaptured(compileC(src), { args: ['t'], dirs: [{ host: dirs.guest, guest: '/work' }] });
    expect(r.kv).toEqual({ child_read: '-35', child_read_own_end_closed: '-35', parent_read: '1' });
    expect(r.status).toBe(0);
  });

  it('signals outside the guest\'s processes are refused; a child that traps ends as if by SIGABRT', async () => {
    const src = `${FORKS}
void _start(void) {
  kv("kill_node", sys_kill((int)sys_getppid(), 15));
  kv("kill_all", sys_kill(-1, 9));
  kv("kill_group", sys_kill(0, 15));
  kv("kill_far", sys_kill(4000000, 0));
  i64 pid = sys_fork();
  if (pid == 0) __builtin_trap();
  int st;
  sys_wait4((int)pid, &st, 0, 0);
  kv("trap_status", st);
  quit(0);
}`;
    const r = await runCaptured(compileC(src), { args: ['t'], dirs: [{ host: dirs.guest, guest: '/work' }] });
    expect(r.kv).toEqual({ kill_node: '-1', kill_all: '-1', kill_group: '-1', kill_far: '-1', trap_status: '6' });
    expect(r.status).toBe(0);
  });
});
