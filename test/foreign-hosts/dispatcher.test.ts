/**
 * The interposer at an asynchronous dispatcher (dispatcher.ts): the guest runs in a worker
 * thread whose imports post (nr, args) through a SharedArrayBuffer and block in Atomics.wait;
 * the main thread awaits `wrapAsyncDispatcher(host.syscall, { policy, namespace, memory })` and
 * wakes it. The guest is fsops built for a shared, imported memory; behind the dispatcher is the
 * in-memory VFS, its tree given as `treeNamespace(memfsSnapshot(fs), { cwd })`.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { treeNamespace, viewNamespace, wrapAsyncDispatcher, type IrPolicy } from '../../src/wali-entry.js';
import { CANARY } from '../security/harness.js';
import { fsopsModule, holds, importedSyscalls, masked, policy, programs, runs, seed, Spy, unallowed, type Touch } from './common.js';
import { NR, runGuest, sharedMemory, VfsDispatcherHost } from './dispatcher.js';
import { MemFs, memfsPicture, memfsSnapshot, memfsView, type TreeSpec } from './memfs.js';
import { memfsResolver, type Describe } from './vfs.js';

interface DispatchRun {
  status: number;
  stdout: string;
  touches: Touch[];
  mismatches: string[];
  denials: string[];
  /** Calls the main thread's dispatcher saw (refused ones never get there). */
  dispatched: number;
}

async function runDispatch(fs: MemFs, words: string[], opts: { policy: IrPolicy; cwd: string; describe?: Describe; spy?: boolean }): Promise<DispatchRun> {
  const memory = sharedMemory();
  const host = new VfsDispatcherHost(fs, { cwd: opts.cwd, memory });
  const spy = new Spy(opts.spy ? memfsResolver(host.vfs) : undefined);
  host.vfs.onCall = (name, args) => spy.hostCall(name, args);
  const namespace = (opts.describe ?? 'snapshot') === 'snapshot' ? treeNamespace(memfsSnapshot(fs), { cwd: opts.cwd }) : viewNamespace(memfsView(fs), { cwd: opts.cwd });
  let dispatched = 0;
  const counted = (nr: number, ...args: (number | bigint)[]) => {
    dispatched++;
    return host.syscall(nr, ...args);
  };
  // The embedder's line: the host's central dispatcher, the policy, the namespace, the shared memory.
  const syscall = wrapAsyncDispatcher(counted, { policy: opts.policy, namespace, memory, decisions: opts.spy ? 'all' : 'denials', onDecision: spy.onDecision });
  const status = await runGuest({ module: fsopsModule('imported-shared'), memory, args: ['fsops', ...words], syscall });
  return { status, stdout: host.vfs.stdout, touches: spy.touches, mismatches: spy.mismatches, denials: spy.denials.map((d) => `${d.syscall} ${d.errno} ${d.reason}`), dispatched };
}

const WORLD: TreeSpec = {
  '/w/d/e/y': { file: 'inside-y' },
  '/w/d/x': { file: 'inside-x' },
  '/w/f': { file: 'inside-f' },
  '/w/l': { link: 'd' },
  '/w/deep': { link: 'd/e' },
  '/w/out': { link: '../c' },
  '/w/d/up': { link: '../../c' },
  '/ro/in.txt': { file: 'input\n' },
  '/c/x': { file: `${CANARY} x\n` },
  '/c/secret': { file: `${CANARY} secret\n` },
};
const PATHS = [
  'd', 'd/e', 'd/x', 'd/e/y', 'f', 'l', 'l/x', 'l/e/../x', 'd/e/..', 'deep', 'deep/..', 'deep/../x', 'out', 'out/x', 'd/up', 'd/up/x',
  'q', 'new', 'new/t', '..', '../c/x', '../ro/in.txt', '/c/secret', '/w/../c', 'd/e/../../..', '/w/d', '/ro', 'c',
];
const POLICY = policy(`policy "p" abi 1
default deny errno EACCES
allow * under /w
allow read,list,stat,chdir under /ro
`);

describe('dispatcher host: a worker guest, one asynchronous syscall(nr, ...args) on the main thread', () => {
  test('every call fsops imports has a number in the WALI table', () => {
    expect(importedSyscalls(fsopsModule('imported-shared')).filter((n) => NR[n] === undefined)).toEqual([]);
    expect([NR['read'], NR['openat'], NR['exit_group']]).toEqual([0, 257, 231]);
  });

  test('wrapAsyncDispatcher(host.syscall, { policy, namespace, memory }): a real program; allowed calls happen in the VFS, denied ones do not, with the rule\'s errno', async () => {
    const fs = MemFs.from(WORLD);
    const pol = policy(`policy "p" abi 1
default deny errno EACCES
allow * under /w
allow read,list,stat under /ro
deny * under /w/secret errno ENOENT
`);
    const r = await runDispatch(fs, [
      'getcwd', 'cat', '../ro/in.txt', 'open', '../ro/in.txt', 'O_WRONLY', 'open', 'out.txt', 'O_WRONLY|O_CREAT|O_TRUNC',
      'write', '$', 'copied\\n', 'close', '$4', 'rename', 'out.txt', 'd/moved.txt', 'cat', 'd/up/secret', 'cat', 'deep/../x',
      'mkdir', 'secret', 'unlink', '../ro/in.txt', 'ls', 'd', 'exit', '7',
    ], { policy: pol, cwd: '/w' });
    expect(r.status).toBe(7);
    expect(r.stdout.split('\n')).toEqual([
      'getcwd = 3 "/w"', 'cat ../ro/in.txt = 6 "input\\n"', 'open ../ro/in.txt O_WRONLY = -13', 'open out.txt O_WRONLY|O_CREAT|O_TRUNC = 4',
      'write $ copied\\n = 7', 'close $4 = 0', 'rename out.txt d/moved.txt = 0', 'cat d/up/secret = -13', 'cat deep/../x = -13',
      'mkdir secret = -2', 'unlink ../ro/in.txt = -13', 'ls d = 4 "e" "moved.txt" "up" "x"', '',
    ]);
    const after = memfsPicture(fs, '/');
    expect(after['/w/d/moved.txt']).toMatch(/ copied\n$/);
    expect(after['/w/out.txt']).toBeUndefined();
    expect(after['/w/secret']).toBeUndefined();
    expect(after['/ro/in.txt']).toMatch(/ input\n$/);
    expect(r.denials).toEqual(['open EACCES policy', 'open EACCES policy', 'open EACCES unknown', 'mkdir ENOENT policy', 'unlink EACCES policy']);
  });

  test('spy: every call that reaches the dispatcher acts, as the VFS resolves it, on what the policy allows and was judged', async () => {
    let reached = 0;
    await holds(
      fc.asyncProperty(fc.constantFrom<Describe>('snapshot', 'live'), programs(PATHS, 20), async (how, words) => {
        const r = await runDispatch(MemFs.from(WORLD), words, { policy: POLICY, cwd: '/w', describe: how, spy: true });
        expect(unallowed({ full: ['/w'], readOnly: ['/ro'] }, r.touches)).toEqual([]);
        expect(r.mismatches).toEqual([]);
        reached += r.touches.length;
      }),
      seed(0xd15a_0001),
      runs(40),
    );
    expect(reached).toBeGreaterThan(30);
  });

  test('escape: random programs never read, change or create anything outside /w (and /ro stays as it was)', async () => {
    await holds(
      fc.asyncProperty(programs(PATHS, 24), async (words) => {
        const fs = MemFs.from(WORLD);
        const canary = memfsPicture(fs, '/c');
        const ro = memfsPicture(fs, '/ro', false);
        const r = await runDispatch(fs, words, { policy: POLICY, cwd: '/w' });
        expect(r.stdout).not.toContain(CANARY);
        expect(memfsPicture(fs, '/c')).toEqual(canary);
        expect(memfsPicture(fs, '/ro', false)).toEqual(ro);
        expect([...fs.root.entries.keys()].sort()).toEqual(['c', 'ro', 'w']);
      }),
      seed(0xd15a_0002),
      runs(40),
    );
  });

  test('hidden equals absent: under `deny * under /w/h errno ENOENT`, h a file, a directory or a symlink answers as nothing', async () => {
    const pol = policy(`policy "p" abi 1
default deny errno EACCES
allow * under /w
deny * under /w/h errno ENOENT
`);
    const PATHS_H = ['/w/h', '/w/h/', '/w/h/x', 'h', 'h/..', 'h/x/..', '/w/toh', 'toh/x', 'toh/', '/w/f', '/w/d', 'd/../h', '/w/g', 'g', '.', '/w', 'd/y'];
    const run = async (hidden: 'file' | 'dir' | 'symlink' | 'none', words: string[]): Promise<string> => {
      const spec: TreeSpec = { '/w/f': { file: 'visible' }, '/w/d': { dir: true }, '/w/toh': { link: 'h' } };
      if (hidden === 'file') spec['/w/h'] = { file: 'hidden' };
      if (hidden === 'dir') spec['/w/h/x'] = { file: 'hidden' };
      if (hidden === 'symlink') spec['/w/h'] = { link: 'd' };
      return masked((await runDispatch(MemFs.from(spec), words, { policy: pol, cwd: '/w' })).stdout);
    };
    await holds(
      fc.asyncProperty(fc.constantFrom('file' as const, 'dir' as const, 'symlink' as const), programs(PATHS_H, 20), async (hidden, words) => {
        expect(await run(hidden, words)).toEqual(await run('none', words));
      }),
      seed(0xd15a_0003),
      runs(25),
    );
  });

  test('the witnesses can fail: under a policy that allows everything, the canary is read through the same dispatcher', async () => {
    const fs = MemFs.from(WORLD);
    const r = await runDispatch(fs, ['cat', 'd/up/secret'], { policy: policy('policy "all" abi 1\nallow * under /\n'), cwd: '/w', spy: true });
    expect(r.stdout).toContain(CANARY);
    expect(unallowed({ full: ['/w'], readOnly: ['/ro'] }, r.touches)).toContain('open reached the host: reads /c/secret');
    expect(r.dispatched).toBeGreaterThan(2);
  });

  // Regression 2 (see README.md), through a dispatcher: a guest-made symlink whose body has `..`
  // after a symlink names /w/c for Linux and /c for this host's VFS; refused.
  test('regression 2, minimal: mkdir c; symlink deep/../../c a; open a/secret O_RDWR|O_CREAT; read does not read the canary', async () => {
    const fs = MemFs.from(WORLD);
    const r = await runDispatch(fs, ['mkdir', 'c', 'symlink', 'deep/../../c', 'a', 'open', 'a/secret', 'O_RDWR|O_CREAT', 'read', '$', '100'], { policy: POLICY, cwd: '/w' });
    expect(r.stdout).not.toContain(CANARY);
  });
});
