/**
 * Immutable views of the model, with immer: `snapshot` gives a frozen, JSON-able picture of
 * every task (cwd, fds with their labels and flags), and `applyWithPatches` runs one syscall
 * through the very same handlers on an immer draft, returning the next state and the patches
 * that say what changed. The hot path mutates in place and never pays for this; a property
 * test checks that both paths reach the same state.
 */
import { enableMapSet, enablePatches, freeze, produceWithPatches, type Patch } from 'immer';
import { Kernel, type FdLabel } from './kernel.js';
import type { Call, Observed, Outcome } from './calls.js';
import type { State } from './types.js';
import type { View } from './view.js';

enableMapSet();
enablePatches();

export interface FdSnapshot {
  fd: number;
  cloexec: boolean;
  flags: number;
  label: FdLabel | 'unknown';
}

export interface TaskSnapshot {
  tid: number;
  tgid: number;
  cwd: FdLabel | 'unknown';
  /** Tasks sharing this task's fd table / fs context have the same ids here. */
  files: number;
  fs: number;
  fds: FdSnapshot[];
}

export interface ModelSnapshot {
  tasks: TaskSnapshot[];
}

/** A frozen picture of every live task. */
export function snapshot(k: Kernel): ModelSnapshot {
  const tasks: TaskSnapshot[] = [];
  for (const t of [...k.s.tasks.values()].sort((a, b) => a.tid - b.tid)) {
    if (t.exited) continue;
    const table = k.s.tables.get(t.files)!;
    const fds = [...table.fds.keys()].sort((a, b) => a - b).map((fd) => {
      const e = table.fds.get(fd)!;
      const label = k.describeFd(t.tid, fd);
      return { fd, cloexec: e.cloexec, flags: k.s.files.get(e.file)?.flags ?? 0, label: label ?? 'unknown' };
    });
    tasks.push({ tid: t.tid, tgid: t.tgid, cwd: k.describeCwd(t.tid), files: t.files, fs: t.fs, fds });
  }
  return freeze({ tasks }, true);
}

export interface PatchedStep {
  state: State;
  outcome: Outcome;
  patches: Patch[];
  inversePatches: Patch[];
}

/**
 * Applies one syscall to an immutable state and returns the next one with immer patches.
 * `base` is never modified; unchanged parts are shared with the result.
 */
export function applyWithPatches(base: State, view: View, tid: number, call: Call, observed?: Observed): PatchedStep {
  let outcome: Outcome = { ok: false, unknown: 'not applied' };
  const [state, patches, inversePatches] = produceWithPatches(base, (draft) => {
    const k = new Kernel({ view, state: draft as State });
    outcome = k.syscall(tid, call, observed);
  });
  return { state, outcome, patches, inversePatches };
}

/** A frozen copy of a kernel's current state, to start an immutable history from. */
export function freezeState(k: Kernel): State {
  return freeze(structuredClone(k.s), true);
}
