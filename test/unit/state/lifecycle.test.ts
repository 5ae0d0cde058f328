import { describe, expect, it } from 'vitest';
import { Kernel } from '../../../src/state/kernel.js';
import { watchLifecycle } from '../../../src/state/lifecycle.js';
import { compilePolicyText } from '../../../src/dsl/index.js';
import { engineFor } from '../../../src/rules/engine.js';
import { Enforcer } from '../../../src/enforce/enforcer.js';
import { applyWithPatches, freezeState, snapshot } from '../../../src/state/snapshot.js';
import { CLONE_FILES, CLONE_FS, CLONE_THREAD, CLONE_VM, O_CLOEXEC, O_CREAT, O_WRONLY } from '../../../src/linux/index.js';

describe('sandbox lifecycle statechart', () => {
  it('follows spawn, clone, exec and exit, and stays enforcing while everything is known', () => {
    const k = new Kernel();
    k.spawn({ tid: 10, cwd: '/w' });
    const actor = watchLifecycle(k);
    const child = k.syscall(10, { sys: 'clone', flags: 17 });
    expect(child).toEqual({ ok: true, ret: 11 });
    k.syscall(11, { sys: 'execve', dirfd: -100, path: '/w', flags: 0 }, { ok: true, ret: 0 });
    k.syscall(11, { sys: 'exit', group: true });
    const snap = actor.getSnapshot();
    expect(snap.value).toBe('enforcing');
    expect(snap.context.tasks[11]).toEqual({ tgid: 11, parent: 10, state: 'exited', execs: 1 });
    expect(snap.context.tasks[10]?.state).toBe('running');
  });

  it('degrades when the model meets an fd it never saw, and says why', () => {
    const k = new Kernel();
    k.spawn({ tid: 1, cwd: '/w', partialFds: true });
    const actor = watchLifecycle(k);
    const out = k.syscall(1, { sys: 'openat', dirfd: 7, path: 'x', flags: 0, mode: 0 });
    expect(out.ok).toBe(false);
    expect(out.ok === false && out.unknown).toMatch(/fd 7/);
    expect(actor.getSnapshot().value).toBe('degraded');
    expect(actor.getSnapshot().context.unknowns[0]?.why).toMatch(/fd 7/);
  });
});

describe('the lifecycle under enforcement', () => {
  it('a call the model cannot resolve is refused, and the sandbox degrades saying which', () => {
    const k = new Kernel();
    k.spawn({ tid: 1, cwd: '/w', partialFds: true });
    const changes: string[] = [];
    const actor = watchLifecycle(k, (state, why) => changes.push(`${state}: ${why}`));
    const c = compilePolicyText('policy "p" abi 1\ndefault deny errno EACCES\nallow * under /\n');
    if (!c.ok) throw new Error('policy');
    const enforcer = new Enforcer(k, engineFor(c.policy));
    const e = enforcer.enter(k.task(1)!, { sys: 'openat', dirfd: 7, path: 'x', flags: 0, mode: 0 });
    expect(e.refused?.cause).toBe('unknown');
    expect(actor.getSnapshot().value).toBe('degraded');
    expect(changes).toEqual([expect.stringMatching(/^degraded: openat refused: /)]);
  });

  it('a limit the driver reports makes it limited; the last task\'s exit stops it; two watchers both hear', () => {
    const k = new Kernel();
    k.spawn({ tid: 1, cwd: '/w' });
    const a = watchLifecycle(k);
    const changes: string[] = [];
    watchLifecycle({ kernel: k }, (state, why) => changes.push(`${state}: ${why}`));
    k.lifecycle?.({ type: 'limit', what: 'memory' });
    expect(a.getSnapshot().value).toBe('limited');
    k.syscall(1, { sys: 'clone', flags: 17 });
    k.syscall(2, { sys: 'exit', group: true });
    expect(a.getSnapshot().value).toBe('limited');
    k.syscall(1, { sys: 'exit', group: true });
    expect(a.getSnapshot().value).toBe('stopped');
    expect(changes).toEqual(['limited: memory', 'stopped: every task exited']);
  });
});

describe('immer snapshots and patches', () => {
  it('applies a syscall to a frozen state, leaving it untouched, and reports what changed', () => {
    const k = new Kernel();
    k.spawn({ tid: 1, cwd: '/w' });
    const base = freezeState(k);
    const step = applyWithPatches(base, k.view, 1, { sys: 'openat', dirfd: -100, path: 'f', flags: O_CREAT | O_WRONLY | O_CLOEXEC, mode: 0o644 });
    expect(step.outcome).toEqual({ ok: true, ret: 0 });
    expect(base.tables.get(base.tasks.get(1)!.files)!.fds.size).toBe(0);
    expect(step.state.tables.get(step.state.tasks.get(1)!.files)!.fds.get(0)).toEqual({ file: expect.any(Number), cloexec: true });
    expect(step.patches.some((p) => p.path[0] === 'tables')).toBe(true);
    expect(step.patches.some((p) => p.path[0] === 'dentries')).toBe(true);
  });

  it('gives a frozen picture where threads share their table', () => {
    const k = new Kernel();
    k.spawn({ tid: 1, cwd: '/w' });
    k.syscall(1, { sys: 'clone', flags: CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_THREAD });
    k.syscall(2, { sys: 'openat', dirfd: -100, path: 'g', flags: O_CREAT | O_WRONLY, mode: 0o600 });
    const snap = snapshot(k);
    expect(Object.isFrozen(snap)).toBe(true);
    expect(snap.tasks.map((t) => t.fds.map((f) => f.label))).toEqual([
      [{ kind: 'path', path: '/w/g', deleted: false }],
      [{ kind: 'path', path: '/w/g', deleted: false }],
    ]);
    expect(snap.tasks[0]!.files).toBe(snap.tasks[1]!.files);
  });
});
