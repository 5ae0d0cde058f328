import { describe, expect, test } from 'vitest';
import { wrap, type DecisionEvent } from '../../../src/wali/interposer.js';
import { snapshotView } from '../../../src/state/view.js';
import { Guest, policy } from './guest.js';
import { ModelHost } from './model-host.js';
import { viewNamespace } from '../../../src/wali/namespace.js';

const view = () =>
  snapshotView({
    entries: {
      '/srv/a.txt': { kind: 'reg' },
      '/srv/.git/HEAD': { kind: 'reg' },
      '/srv/sub/b.txt': { kind: 'reg' },
      '/srv/out': { kind: 'dir' },
      '/etc/passwd': { kind: 'reg' },
      '/srv/esc': { kind: 'lnk', target: '/etc/passwd' },
    },
  });

const POLICY = policy(`policy "t" abi 1
default deny errno EACCES
allow read,list,stat,chdir under /
allow * under /srv
deny write,truncate,delete,rename-from,rename-to under /srv/.git errno ENOENT
`);

const NAMES = ['openat', 'open', 'close', 'read', 'write', 'unlinkat', 'renameat2', 'dup', 'dup2', 'fcntl', 'pipe2', 'chdir', 'fchdir', 'getdents64', 'mkdirat', 'newfstatat', 'SYS_truncate'.slice(4), 'fork', 'getpid', 'fchmod'];

function setup(opts: { onDecision?: (e: DecisionEvent) => void; unknownSyscalls?: 'deny' | 'allow' } = {}) {
  const g = new Guest();
  const host = new ModelHost(view(), '/srv');
  const imports = wrap(host.imports(NAMES), { policy: POLICY, namespace: viewNamespace(view(), { cwd: '/srv', procfs: true, hostPaths: 'linux' }), ...opts });
  imports.attach(g.instance);
  host.mem = (imports.interposer as unknown as { mem: typeof host.mem }).mem;
  const sys = (name: string, ...args: (number | bigint)[]): number => {
    const f = imports['wali']![`SYS_${name}`] as (...a: (number | bigint)[]) => bigint;
    return Number(f(...args));
  };
  return { g, host, imports, sys };
}

describe('WALI interposer', () => {
  test('a delete through a dirfd is decided on the object the dirfd names, and never reaches the host when denied', () => {
    const { g, host, sys } = setup();
    const dfd = sys('openat', -100, g.str('.git'), 0o200000, 0); // O_DIRECTORY, relative to cwd /srv
    expect(dfd).toBe(3);
    const before = host.calls.length;
    expect(sys('unlinkat', dfd, g.str('HEAD'), 0)).toBe(-2); // ENOENT from the deny rule
    expect(host.calls.length).toBe(before);
    expect(host.kernel.describeFd(1, dfd)).toEqual({ kind: 'path', path: '/srv/.git', deleted: false });
    const sub = sys('openat', -100, g.str('/srv/sub'), 0o200000, 0);
    expect(sys('unlinkat', sub, g.str('b.txt'), 0)).toBe(0);
    expect(host.calls.at(-1)!.name).toBe('unlinkat');
  });

  test('a symlink out of the allowed tree is judged at its target', () => {
    const { g, sys, host } = setup();
    expect(sys('openat', -100, g.str('esc'), 0, 0)).toBeGreaterThanOrEqual(3); // read /etc/passwd: allowed
    const n = host.calls.length;
    expect(sys('openat', -100, g.str('esc'), 1, 0)).toBe(-13); // write /etc/passwd: denied
    expect(host.calls.length).toBe(n);
  });

  test('fd-based calls use the rights obtained at open, even after a rename moves the file', () => {
    const { g, sys } = setup();
    const ro = sys('openat', -100, g.str('/etc/passwd'), 0, 0);
    const buf = g.alloc(16);
    expect(sys('read', ro, buf, 1)).toBe(0);
    const rw = sys('openat', -100, g.str('a.txt'), 2, 0);
    expect(sys('write', rw, buf, 1)).toBe(0);
    expect(sys('renameat2', -100, g.str('a.txt'), -100, g.str('out/a.txt'), 0)).toBe(0);
    expect(sys('write', rw, buf, 1)).toBe(0);
    // A write on a read-only fd is EBADF before any policy check, as in Linux (vfs_write checks
    // FMODE_WRITE before the security hook), even though the policy never granted write there.
    expect(sys('write', ro, buf, 1)).toBe(-9);
    // fchmod needs no access mode: the rights the fd obtained at open (no chmod on /etc) decide.
    expect(sys('fchmod', ro, 0o777)).toBe(-13);
  });

  test('fds the model does not know are EBADF without reaching the host; dup shares the grant', () => {
    const { g, sys, host } = setup();
    const n = host.calls.length;
    expect(sys('read', 42, g.alloc(4), 1)).toBe(-9);
    expect(sys('read', -1, g.alloc(4), 1)).toBe(-9);
    expect(host.calls.length).toBe(n);
    const fd = sys('openat', -100, g.str('a.txt'), 2, 0);
    const d = sys('fcntl', fd, 0, 10n); // F_DUPFD 10
    expect(d).toBe(10);
    expect(sys('write', d, g.alloc(4), 1)).toBe(0);
    expect(sys('close', fd)).toBe(0);
    expect(sys('write', fd, g.alloc(4), 1)).toBe(-9);
    expect(sys('write', d, g.alloc(4), 1)).toBe(0);
  });

  test("fcntl's i64 argument is masked to the 32-bit int an integer command means", () => {
    const { g, sys } = setup();
    const fd = sys('openat', -100, g.str('a.txt'), 0, 0);
    // F_DUPFD with garbage in the high half: still fd 20.
    expect(sys('fcntl', fd, 0, (0xdeadbeefn << 32n) | 20n)).toBe(20);
    expect(sys('fcntl', fd, 1030, 0xffffffff_00000005n)).toBe(5); // F_DUPFD_CLOEXEC
  });

  test('hostile pointers get -EFAULT and ENAMETOOLONG without reaching the host', () => {
    const { g, sys, host } = setup();
    const n = host.calls.length;
    expect(sys('openat', -100, 0x7fffffff, 0, 0)).toBe(-14);
    expect(sys('openat', -100, -1, 0, 0)).toBe(-14);
    expect(sys('unlinkat', -100, 2 * 65536 * 8, 0)).toBe(-14);
    const p = g.alloc(5000);
    new Uint8Array(g.memory.buffer).fill(0x61, p, p + 5000);
    expect(sys('openat', -100, p, 0, 0)).toBe(-36);
    expect(host.calls.length).toBe(n);
  });

  test('pipe fds come from guest memory and need no right; chdir/fchdir move the cwd the policy sees', () => {
    const { g, sys } = setup();
    const fds = g.alloc(8);
    expect(sys('pipe2', fds, 0o2000000)).toBe(0);
    const [r, w] = [g.i32(fds), g.i32(fds + 4)];
    expect([r, w]).toEqual([3, 4]);
    expect(sys('write', w, g.alloc(1), 1)).toBe(0);
    expect(sys('chdir', g.str('/etc'))).toBe(0);
    expect(sys('openat', -100, g.str('passwd'), 1, 0)).toBe(-13);
    const srv = sys('openat', -100, g.str('/srv'), 0o200000, 0);
    expect(sys('fchdir', srv)).toBe(0);
    expect(sys('openat', -100, g.str('a.txt'), 1, 0)).toBeGreaterThanOrEqual(0);
  });

  test('unimplemented names are -ENOSYS by default and decided when allowed', () => {
    const denied = setup();
    expect(denied.sys('truncate', denied.g.str('/etc/passwd'), 0n)).toBe(-38);
    expect(denied.host.calls.some((c) => c.name === 'truncate')).toBe(false);
    const allowed = setup({ unknownSyscalls: 'allow' });
    expect(allowed.sys('truncate', allowed.g.str('/etc/passwd'), 0n)).toBe(-13);
    expect(allowed.sys('truncate', allowed.g.str('/srv/a.txt'), 0n)).toBe(0);
  });

  test('every decision is an event, with its explanation on demand', () => {
    const events: DecisionEvent[] = [];
    const { g, sys } = setup({ onDecision: (e) => events.push(e) });
    sys('openat', -100, g.str('.git/HEAD'), 1, 0);
    sys('openat', -100, g.str('a.txt'), 0, 0);
    sys('getpid');
    expect(events.map((e) => [e.syscall, e.allowed, e.errno])).toEqual([['openat', false, 'ENOENT'], ['openat', true, undefined]]);
    const ex = events[0]!.explain()!;
    expect(ex.allowed).toBe(false);
    expect(ex.fix).toContain('/srv/.git/HEAD');
  });

  test('other modules and aux imports pass through untouched; host exceptions propagate', () => {
    const exit = () => { throw new Error('exit 3'); };
    const aux = () => 7;
    const env = { f: () => 1 };
    const imports = wrap({ wali: { SYS_exit_group: exit, __cl_get_argc: aux }, env }, { policy: POLICY, namespace: viewNamespace(view(), { cwd: '/srv', procfs: true, hostPaths: 'linux' }) });
    expect(imports['env']).toBe(env);
    expect(imports['wali']!['__cl_get_argc']).toBe(aux);
    expect(() => (imports['wali']!['SYS_exit_group'] as (c: number) => void)(3)).toThrow('exit 3');
    expect(Object.keys(imports).sort()).toEqual(['env', 'wali']);
  });
});
