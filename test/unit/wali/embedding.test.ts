/**
 * What an embedder of the interposer relies on: the namespace is required and is the host's;
 * a mount table's synthetic directories are read-only; a host that reads paths as text only
 * gets paths whose text names Linux's object; dispatchers (sync and async) are decided like
 * import tables; children inherit fds with their rights, exec closes close-on-exec fds, and a
 * task that exited makes no calls; a second thread is refused unless allowed.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { wrap, type DecisionEvent, type InterposerOptions } from '../../../src/wali/interposer.js';
import { machineNamespace, mountNamespace, treeNamespace, viewNamespace } from '../../../src/wali/namespace.js';
import { wrapAsyncDispatcher, wrapDispatcher } from '../../../src/wali/dispatcher.js';
import { snapshotView } from '../../../src/state/view.js';
import type { GuestWord } from '../../../src/wali/memory.js';
import { Guest, policy } from './guest.js';
import { ModelHost } from './model-host.js';

const POLICY = policy(`policy "e" abi 1
default deny errno EACCES
allow * under /srv
allow read,stat,list under /data
deny * under /srv/secret errno EPERM
`);
const O_CLOEXEC = 0o2000000;
const TREE = { entries: { '/srv/a.txt': { kind: 'reg' as const }, '/srv/secret': { kind: 'reg' as const }, '/data/sub/x': { kind: 'reg' as const }, '/srv/l': { kind: 'lnk' as const, target: '/data/sub' } } };

/** A host that answers every call with 0 (or `ret`) and records what reached it. */
function stub(names: string[], ret: (name: string) => bigint = () => 0n) {
  const calls: string[] = [];
  const wali: Record<string, (...a: GuestWord[]) => bigint> = {};
  for (const n of names) wali[`SYS_${n}`] = () => (calls.push(n), ret(n));
  return { imports: { wali }, calls };
}

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('the namespace', () => {
  test('wrap() refuses to start without one, saying what to give', () => {
    expect(() => wrap({ wali: {} }, { policy: POLICY } as unknown as InterposerOptions)).toThrow(/options\.namespace is required.*machineNamespace/);
  });

  test('relative namespace paths are refused', () => {
    expect(() => machineNamespace({ cwd: 'srv' })).toThrow(/cwd must be an absolute path/);
    expect(() => mountNamespace([{ host: '/tmp', guest: 'w' }])).toThrow(/guest path must be an absolute path/);
  });

  test('a mount table: only the mounts exist, their ancestors are read-only, the longest mount wins', () => {
    dir = mkdtempSync(join(tmpdir(), 'fdwarden-ns-'));
    mkdirSync(join(dir, 'a', 'm'), { recursive: true });
    mkdirSync(join(dir, 'b'));
    writeFileSync(join(dir, 'a', 'f'), 'a');
    writeFileSync(join(dir, 'b', 'g'), 'b');
    const ns = mountNamespace([{ host: join(dir, 'a'), guest: '/w' }, { host: join(dir, 'b'), guest: '/w/m' }, { host: join(dir, 'b'), guest: '/x/y' }]);
    expect(ns.cwd).toBe('/w');
    expect(ns.view.lookup('/')).toEqual({ kind: 'dir' });
    expect(ns.view.lookup('/x')).toEqual({ kind: 'dir' });
    expect(ns.view.lookup('/w/f')).toMatchObject({ kind: 'reg' });
    expect(ns.view.lookup('/w/m/g')).toMatchObject({ kind: 'reg' });
    expect(ns.view.lookup('/w/m')).toMatchObject({ kind: 'dir', mount: true });
    expect(ns.view.lookup('/etc')).toBeNull();
    expect(ns.view.list('/')!.sort()).toEqual(['w', 'x']);
    const g = new Guest();
    const host = stub(['mkdirat', 'openat']);
    const imports = wrap(host.imports, { policy: policy('policy "all" abi 1\ndefault allow\n'), namespace: ns });
    imports.attach(g.instance);
    const sys = (n: string, ...a: number[]) => Number((imports['wali']![`SYS_${n}`] as (...x: number[]) => bigint)(...a));
    expect(sys('mkdirat', -100, g.str('/x/new'), 0o755)).toBe(-30); // EROFS: a synthetic directory
    expect(sys('openat', -100, g.str('/etc/passwd'), 0, 0)).toBe(-2); // nothing else exists
    expect(host.calls).toEqual([]);
    expect(sys('mkdirat', -100, g.str('/w/new'), 0o755)).toBe(0);
    expect(host.calls).toEqual(['mkdirat']);
  });
});

describe('hosts that read paths as text', () => {
  function run(hostPaths: 'linux' | 'text') {
    const g = new Guest();
    const host = stub(['openat'], () => 5n);
    const imports = wrap(host.imports, { policy: POLICY, namespace: treeNamespace(TREE, { cwd: '/srv', hostPaths }) });
    imports.attach(g.instance);
    const open = (p: string) => Number((imports['wali']!['SYS_openat'] as (...x: number[]) => bigint)(-100, g.str(p), 0, 0));
    return { open, host };
  }

  test('a path whose text names another object than Linux walks to is refused; one whose text agrees passes', () => {
    // Linux: l -> /data/sub, .. -> /data, so /data/sub/x (readable); the text says /srv/sub/x.
    const t = run('text');
    expect(t.open('l/../sub/x')).toBe(-13);
    expect(t.host.calls).toEqual([]);
    expect(t.open('l/x')).toBe(5); // the text and Linux both name /data/sub/x
    expect(t.open('/srv/./a.txt')).toBe(5);
    expect(t.host.calls).toEqual(['openat', 'openat']);
    // A host that resolves as Linux does gets the call, judged at /data/sub/x.
    const l = run('linux');
    expect(l.open('l/../sub/x')).toBe(5);
  });
});

describe('dispatchers', () => {
  test('a synchronous dispatcher: numbers from the WALI table, refusals never dispatched, unknown numbers ENOSYS', () => {
    const g = new Guest();
    const seen: number[] = [];
    const d = wrapDispatcher((nr) => (seen.push(nr), nr === 257 ? 3n : 0n), { policy: POLICY, namespace: treeNamespace(TREE, { cwd: '/srv' }), memory: g.memory });
    expect(d(257, -100, g.str('/srv/secret'), 0, 0)).toBe(-1n); // openat: EPERM by the rule
    expect(d(257, -100, g.str('/srv/a.txt'), 0, 0)).toBe(3n);
    expect(d(0, 3, g.alloc(8), 1)).toBe(0n); // read on the fd it opened
    expect(d(99999, 1, 2)).toBe(-38n);
    expect(seen).toEqual([257, 0]);
    expect(d.interposer.kernel.describeFd(1, 3)).toEqual({ kind: 'path', path: '/srv/a.txt', deleted: false });
  });

  test('an asynchronous dispatcher: decided before dispatch, the model follows the result when it arrives', async () => {
    const g = new Guest();
    const seen: number[] = [];
    const d = wrapAsyncDispatcher(async (nr) => {
      await new Promise((r) => setTimeout(r, 1));
      seen.push(nr);
      return nr === 257 ? 4n : 0n;
    }, { policy: POLICY, namespace: treeNamespace(TREE, { cwd: '/srv' }), memory: g.memory });
    expect(await d(87, g.str('/srv/secret'))).toBe(-1n); // unlink: refused
    expect(await d(257, -100, g.str('a.txt'), 0, 0)).toBe(4n);
    expect(seen).toEqual([257]);
    expect(d.interposer.kernel.describeFd(1, 4)).toEqual({ kind: 'path', path: '/srv/a.txt', deleted: false });
  });
});

describe('processes and threads', () => {
  test('a child inherits fds with their rights; exec closes close-on-exec fds; an exited task makes no calls', () => {
    const g = new Guest();
    const parentHost = new ModelHost(snapshotView(TREE), '/srv');
    const events: DecisionEvent[] = [];
    const imports = wrap(parentHost.imports(['openat', 'fork', 'read']), { policy: POLICY, namespace: viewNamespace(snapshotView(TREE), { cwd: '/srv', hostPaths: 'linux' }), onDecision: (e) => events.push(e), decisions: 'denials' });
    imports.attach(g.instance);
    parentHost.mem = (imports.interposer as unknown as { mem: typeof parentHost.mem }).mem;
    const p = (n: string, ...a: number[]) => Number((imports['wali']![`SYS_${n}`] as (...x: number[]) => bigint)(...a));
    expect(p('openat', -100, g.str('a.txt'), 0, 0)).toBe(3);
    expect(p('openat', -100, g.str('/data/sub/x'), O_CLOEXEC, 0)).toBe(4);
    const pid = p('fork');
    expect(pid).toBe(2);
    const childHost = stub(['read', 'fchmod']);
    const child = imports.interposer.child(pid, childHost.imports);
    child.attach(g.instance);
    const c = (n: string, ...a: number[]) => Number((child['wali']![`SYS_${n}`] as (...x: number[]) => bigint)(...a));
    expect(c('read', 4, g.alloc(4), 1)).toBe(0); // inherited, with read
    expect(c('fchmod', 4, 0o600)).toBe(-13); // no chmod under /data: the rights it obtained at open
    expect(c('fchmod', 3, 0o600)).toBe(0);
    expect(childHost.calls).toEqual(['read', 'fchmod']);
    child.interposer.exec('/srv/a.txt');
    expect(c('read', 4, g.alloc(4), 1)).toBe(-9); // closed at exec
    expect(c('read', 3, g.alloc(4), 1)).toBe(0);
    child.interposer.exit();
    expect(c('read', 3, g.alloc(4), 1)).toBe(-3); // ESRCH
    expect(childHost.calls).toEqual(['read', 'fchmod', 'read']);
    expect(p('read', 4, g.alloc(4), 1)).toBe(0); // the parent's fds are its own
    expect(() => imports.interposer.child(77, childHost.imports)).toThrow(/no live task 77/);
  });

  test('a second thread is refused unless allowed; names the host exports that cannot be judged are listed once at start', () => {
    const lines: string[] = [];
    const spawned: number[] = [];
    const host = () => ({ wali: { __wasm_thread_spawn: (a: number) => (spawned.push(a), 7), SYS_clone: () => 9n, SYS_frobnicate: () => 0n } });
    const refusing = wrap(host(), { policy: POLICY, namespace: treeNamespace(TREE, { cwd: '/srv' }), log: (l) => lines.push(l) });
    expect((refusing['wali']!['__wasm_thread_spawn'] as (a: number) => number)(1)).toBe(-38);
    expect((refusing['wali']!['SYS_clone'] as (...a: number[]) => bigint)(0x100 | 0x800 | 0x10000, 0, 0, 0, 0)).toBe(-38n); // CLONE_VM|CLONE_SIGHAND|CLONE_THREAD
    expect(spawned).toEqual([]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/SYS_frobnicate/);
    const allowing = wrap(host(), { policy: POLICY, namespace: treeNamespace(TREE, { cwd: '/srv' }), threads: 'allow', log: () => undefined });
    expect((allowing['wali']!['__wasm_thread_spawn'] as (a: number) => number)(1)).toBe(7);
    expect(spawned).toEqual([1]);
  });
});
