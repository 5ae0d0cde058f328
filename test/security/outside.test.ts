/**
 * Class 5: calls that reach beyond the filesystem model. A Unix socket path is a path (binding
 * makes a socket node there: `mknod`; connecting or sending to it writes to it: `write`); any
 * other address, a signal to another process, another process's limits and ioctls that act on
 * what shares the terminal are refused. Under a policy that allows nothing, none of them may
 * reach the host.
 */
import { describe, expect, test } from 'vitest';
import { wrap } from '../../src/wali/interposer.js';
import type { DecisionEvent } from '../../src/enforce/decisions.js';
import { snapshotView } from '../../src/state/view.js';
import { Guest, policy } from '../unit/wali/guest.js';
import { viewNamespace } from '../../src/wali/namespace.js';

const NAMES = ['socket', 'bind', 'connect', 'sendto', 'kill', 'tkill', 'ioctl', 'prlimit64', 'getpid'];

function setup(text: string) {
  const g = new Guest();
  const reached: string[] = [];
  const wali: Record<string, (...a: unknown[]) => bigint> = {};
  for (const n of NAMES) wali[`SYS_${n}`] = (..._a) => (reached.push(n), n === 'socket' ? 10n : 0n);
  const events: DecisionEvent[] = [];
  const imports = wrap({ wali }, { policy: policy(text), namespace: viewNamespace(snapshotView({ entries: { '/data/f': { kind: 'reg' } } }), { cwd: '/data' }), onDecision: (e) => events.push(e) });
  imports.attach(g.instance);
  const sys = (name: string, ...a: number[]): number => Number((imports['wali']![`SYS_${name}`] as (...x: number[]) => bigint)(...a));
  /** struct sockaddr_un: family then the path (a leading NUL for the abstract namespace). */
  const sun = (path: string, abstract = false): [number, number] => {
    const body = (abstract ? '\0' : '') + path;
    const p = g.alloc(2 + body.length + 1);
    const u8 = new Uint8Array(g.memory.buffer);
    u8[p] = 1;
    u8[p + 1] = 0;
    for (let i = 0; i < body.length; i++) u8[p + 2 + i] = body.charCodeAt(i);
    u8[p + 2 + body.length] = 0;
    return [p, 2 + body.length + 1];
  };
  const inet = (): [number, number] => {
    const p = g.alloc(16);
    new Uint8Array(g.memory.buffer)[p] = 2; // AF_INET 0.0.0.0:0
    return [p, 16];
  };
  return { g, sys, sun, inet, reached, events };
}

const DENY_ALL = 'policy "p" abi 1\ndefault deny errno EACCES\n';

describe('class 5: what reaches beyond the guest is judged or refused', () => {
  test('under deny-all nothing reaches the host: socket paths, addresses, signals, limits, terminal injection', () => {
    const { sys, sun, inet, reached, events } = setup(DENY_ALL);
    const fd = sys('socket', 1, 1, 0);
    expect(fd).toBe(10); // a Unix socket itself touches nothing
    reached.length = 0;
    expect(sys('socket', 2, 1, 0)).toBe(-13); // an inet one could reach the network: no statement allows it
    expect(sys('socket', 10, 2, 0)).toBe(-13);
    expect(sys('socket', 16, 3, 0)).toBe(-13); // netlink: outside whatever the policy says
    expect(sys('bind', fd, ...sun('/data/sock'))).toBe(-13);
    expect(sys('connect', fd, ...sun('/data/sock'))).toBe(-13);
    expect(sys('connect', fd, ...sun('abstract-name', true))).toBe(-13);
    expect(sys('connect', fd, ...inet())).toBe(-13);
    expect(sys('sendto', fd, 0, 0, 0, ...sun('/data/other.sock'))).toBe(-13);
    expect(sys('sendto', fd, 0, 0, 0, ...sun('/run/other.sock'))).toBe(-2); // no /run for the guest: as Linux, before any policy
    expect(sys('kill', -1, 9)).toBe(-1);
    expect(sys('kill', 0, 15)).toBe(-1);
    expect(sys('kill', 4242, 9)).toBe(-1);
    expect(sys('tkill', 4242, 9)).toBe(-1);
    expect(sys('prlimit64', 4242, 7, 0, 0)).toBe(-1);
    expect(sys('ioctl', 0, 0x5412 /* TIOCSTI */, 0)).toBe(-1);
    expect(sys('ioctl', 1, 0x541c /* TIOCLINUX */, 0)).toBe(-1);
    expect(reached).toEqual([]);
    const why = events.filter((e) => !e.allowed).map((e) => e.explain()?.checks[0]?.refused ?? e.explain()?.checks[0]?.path);
    expect(why).toContain('outside the guest: a signal to every process (EPERM)');
    expect(why).toContain('network: the network address 0.0.0.0:0 (EACCES), which no `network` statement allows');
    expect(why).toContain('network: the abstract socket (EACCES), which no `network` statement allows');
    expect(why).toContain('/data/sock'); // a socket path is judged as a path
  });

  test('the guest\'s own process and terminal reads pass; a socket path the policy grants reaches the host', () => {
    const { sys, sun, reached } = setup(`${DENY_ALL}allow mknod,write /data/sock\n`);
    expect(sys('kill', 1, 0)).toBe(0); // itself
    expect(sys('ioctl', 1, 0x5401 /* TCGETS */, 0)).toBe(0);
    const fd = sys('socket', 1, 1, 0);
    expect(sys('bind', fd, ...sun('/data/sock'))).toBe(0);
    expect(sys('connect', fd, ...sun('sock'))).toBe(0); // relative to the cwd: the same path
    expect(sys('connect', fd, ...sun('/data/other'))).toBe(-13);
    expect(reached).toEqual(['kill', 'ioctl', 'socket', 'bind', 'connect']);
  });

  test('network statements decide addresses: loopback only reaches 127/8, a deny decides first, netlink stays outside', () => {
    const { g, sys, reached, events } = setup(`${DENY_ALL}network allow loopback\nnetwork deny abstract errno EPERM\n`);
    const addr4 = (a: number[], port: number): [number, number] => {
      const p = g.alloc(16);
      const u8 = new Uint8Array(g.memory.buffer);
      u8.fill(0, p, p + 16);
      u8[p] = 2;
      u8[p + 2] = port >> 8;
      u8[p + 3] = port & 255;
      u8.set(a, p + 4);
      return [p, 16];
    };
    const fd = sys('socket', 2, 1, 0);
    expect(fd).toBe(10);
    expect(sys('connect', fd, ...addr4([127, 0, 0, 1], 80))).toBe(0);
    expect(sys('connect', fd, ...addr4([10, 0, 0, 1], 80))).toBe(-13);
    expect(sys('bind', fd, ...addr4([0, 0, 0, 0], 0))).toBe(-13); // every interface is more than loopback
    expect(sys('sendto', fd, 0, 0, 0, ...addr4([127, 1, 2, 3], 53))).toBe(0);
    expect(sys('socket', 16, 3, 0)).toBe(-13);
    expect(reached).toEqual(['socket', 'connect', 'sendto']);
    const why = events.filter((e) => !e.allowed).map((e) => e.explain()?.checks[0]?.refused);
    expect(why).toContain('network: the network address 10.0.0.1:80 (EACCES), which no `network` statement allows');
    expect(why).toContain('outside the guest: a socket of family 16 (EACCES)');
  });
});

describe('class 5 on the Node host: a forked guest stays inside its own processes and its policy', () => {
  test('a child is refused what its parent is refused; signals reach only the guest\'s live processes', async () => {
    const { runC, tempDir } = await import('../host/cc.js');
    const { writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    process.env['FDWARDEN_CACHE_DIR'] ??= join((await import('node:os')).tmpdir(), 'fdwarden-test-cache');
    const dir = tempDir();
    try {
      writeFileSync(join(dir.path, 'f'), 'secret');
      const src = `#include "wali.h"
SYS(fork) i64 sys_fork(void);
SYS(wait4) i64 sys_wait4(int, int *, int, void *);
SYS(kill) i64 sys_kill(int, int);
SYS(getppid) i64 sys_getppid(void);
void _start(void) {
  int node = (int)sys_getppid();
  kv("parent_open", sys_open("/work/f", 0, 0));
  i64 pid = sys_fork();
  if (pid == 0) {
    kv("child_open", sys_open("/work/f", 0, 0));
    kv("child_kill_parent_0", sys_kill((int)sys_getppid(), 0));
    kv("child_kill_node", sys_kill(node, 9));
    sys_exit_group(0);
  }
  int st;
  kv("reaped", sys_wait4((int)pid, &st, 0, 0) == pid);
  kv("kill_reaped", sys_kill((int)pid, 9));
  kv("kill_next_pid", sys_kill((int)pid + 1, 9));
  sys_exit_group(0);
}`;
      const r = await runC(src, { args: ['t'], dirs: [{ host: dir.path, guest: '/work' }], policy: policy(DENY_ALL) });
      expect(r.kv).toEqual({ parent_open: '-13', child_open: '-13', child_kill_parent_0: '0', child_kill_node: '-1', reaped: '1', kill_reaped: '-1', kill_next_pid: '-1' });
      expect(r.status).toBe(0);
    } finally {
      dir.cleanup();
    }
  });
});
