/**
 * The sandbox lifecycle as an xstate statechart: `enforcing` while the model knows everything
 * it is asked; `degraded` once it met something it cannot know (an fd opened before tracing, a
 * result it could not explain, a call under enforcement whose object it cannot resolve, which
 * was refused); `limited` once a bound of the run was reached (the guest's memory limit);
 * `stopped` when every task has exited or the driver stops. Its context follows each task through
 * running → exec → exited. The kernel model and the enforcement loop send lifecycle events
 * (spawn, clone, exec, exit, unknown, limit), never ordinary syscalls, so the per-syscall hot
 * path does not pay for it. Drivers and embedders watch it: `fdwarden run --audit` prints each
 * change of state.
 */
import { assign, createActor, setup, type Actor } from 'xstate';
import type { Kernel } from './kernel.js';

export type LifecycleEvent =
  | { type: 'task.spawn'; tid: number; tgid: number; parent?: number }
  | { type: 'task.exec'; tid: number }
  | { type: 'task.exit'; tid: number }
  | { type: 'unknown'; tid: number; why: string }
  | { type: 'limit'; what: string }
  | { type: 'stop' };

export interface TaskLife {
  tgid: number;
  parent?: number;
  state: 'running' | 'exited';
  execs: number;
}

export interface LifecycleContext {
  tasks: Record<number, TaskLife>;
  /** Why the sandbox is degraded, most recent last (bounded). */
  unknowns: { tid: number; why: string }[];
  /** The bounds reached, most recent last (bounded). */
  limits: string[];
}

/** The states, in the order a run can pass through them. */
export type SandboxState = 'enforcing' | 'degraded' | 'limited' | 'stopped';

const MAX_UNKNOWNS = 100;

export const sandboxMachine = setup({
  types: {
    context: {} as LifecycleContext,
    events: {} as LifecycleEvent,
  },
  actions: {
    spawn: assign({
      tasks: ({ context, event }) => {
        if (event.type !== 'task.spawn') return context.tasks;
        const life: TaskLife = { tgid: event.tgid, state: 'running', execs: 0 };
        if (event.parent !== undefined) life.parent = event.parent;
        return { ...context.tasks, [event.tid]: life };
      },
    }),
    exec: assign({
      tasks: ({ context, event }) => {
        if (event.type !== 'task.exec') return context.tasks;
        const t = context.tasks[event.tid];
        return t ? { ...context.tasks, [event.tid]: { ...t, execs: t.execs + 1 } } : context.tasks;
      },
    }),
    exit: assign({
      tasks: ({ context, event }) => {
        if (event.type !== 'task.exit') return context.tasks;
        const t = context.tasks[event.tid];
        return t ? { ...context.tasks, [event.tid]: { ...t, state: 'exited' as const } } : context.tasks;
      },
    }),
    noteUnknown: assign({
      unknowns: ({ context, event }) =>
        event.type === 'unknown' ? [...context.unknowns, { tid: event.tid, why: event.why }].slice(-MAX_UNKNOWNS) : context.unknowns,
    }),
    noteLimit: assign({
      limits: ({ context, event }) => (event.type === 'limit' ? [...context.limits, event.what].slice(-MAX_UNKNOWNS) : context.limits),
    }),
  },
  guards: {
    // The exit just assigned (actions run before the `always` check): no task is left running.
    allExited: ({ context }) => Object.keys(context.tasks).length > 0 && Object.values(context.tasks).every((t) => t.state === 'exited'),
  },
}).createMachine({
  id: 'sandbox',
  initial: 'enforcing',
  context: { tasks: {}, unknowns: [], limits: [] },
  on: {
    'task.spawn': { actions: 'spawn' },
    'task.exec': { actions: 'exec' },
    'task.exit': { actions: 'exit' },
  },
  states: {
    enforcing: {
      always: { guard: 'allExited', target: 'stopped' },
      on: { unknown: { target: 'degraded', actions: 'noteUnknown' }, limit: { target: 'limited', actions: 'noteLimit' }, stop: 'stopped' },
    },
    degraded: {
      always: { guard: 'allExited', target: 'stopped' },
      on: { unknown: { actions: 'noteUnknown' }, limit: { target: 'limited', actions: 'noteLimit' }, stop: 'stopped' },
    },
    limited: {
      always: { guard: 'allExited', target: 'stopped' },
      on: { unknown: { actions: 'noteUnknown' }, limit: { actions: 'noteLimit' }, stop: 'stopped' },
    },
    stopped: { type: 'final' },
  },
});

export type SandboxActor = Actor<typeof sandboxMachine>;

/**
 * Starts a sandbox actor that follows a model's lifecycle events (a `Kernel`, or anything that
 * holds one: a `WaliInterposer`, a `NodeWaliHost`, an `Enforcer`). `onChange` hears each change
 * of state with its reason. Several watchers may follow one model.
 *
 * @example
 * const actor = watchLifecycle(imports.interposer, (state, why) => console.error(`sandbox ${state}: ${why}`));
 * actor.getSnapshot().value; // 'enforcing'
 */
export function watchLifecycle(source: Kernel | { readonly kernel: Kernel }, onChange?: (state: SandboxState, why: string) => void): SandboxActor {
  const k = 'kernel' in source ? source.kernel : source;
  const actor = createActor(sandboxMachine);
  actor.start();
  for (const t of k.s.tasks.values()) {
    if (!t.exited) actor.send({ type: 'task.spawn', tid: t.tid, tgid: t.tgid });
  }
  if (onChange) {
    let last = actor.getSnapshot().value as SandboxState;
    actor.subscribe((snap) => {
      const now = snap.value as SandboxState;
      if (now === last) return;
      last = now;
      const c = snap.context;
      const why = now === 'degraded' ? (c.unknowns.at(-1)?.why ?? '')
        : now === 'limited' ? (c.limits.at(-1) ?? '')
        : now === 'stopped' ? (Object.values(c.tasks).every((t) => t.state === 'exited') ? 'every task exited' : 'stopped by its driver') : '';
      onChange(now, why);
    });
  }
  const prev = k.lifecycle;
  k.lifecycle = prev ? (e) => { prev(e); actor.send(e); } : (e) => actor.send(e);
  return actor;
}
