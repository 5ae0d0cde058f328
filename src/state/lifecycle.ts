/**
 * The sandbox lifecycle as an xstate statechart: `enforcing` while the model knows everything
 * it is asked, `degraded` once it met something it cannot know (an fd opened before tracing, a
 * result it could not explain), `stopped` at the end. Its context follows each task through
 * running → exec → exited. Only lifecycle events reach the actor (spawn, clone, exec, exit,
 * unknown), never ordinary syscalls, so the per-syscall hot path does not pay for it.
 */
import { assign, createActor, setup, type Actor } from 'xstate';
import type { Kernel } from './kernel.js';

export type LifecycleEvent =
  | { type: 'task.spawn'; tid: number; tgid: number; parent?: number }
  | { type: 'task.exec'; tid: number }
  | { type: 'task.exit'; tid: number }
  | { type: 'unknown'; tid: number; why: string }
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
}

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
  },
}).createMachine({
  id: 'sandbox',
  initial: 'enforcing',
  context: { tasks: {}, unknowns: [] },
  on: {
    'task.spawn': { actions: 'spawn' },
    'task.exec': { actions: 'exec' },
    'task.exit': { actions: 'exit' },
  },
  states: {
    enforcing: { on: { unknown: { target: 'degraded', actions: 'noteUnknown' }, stop: 'stopped' } },
    degraded: { on: { unknown: { actions: 'noteUnknown' }, stop: 'stopped' } },
    stopped: { type: 'final' },
  },
});

export type SandboxActor = Actor<typeof sandboxMachine>;

/** Starts a sandbox actor that follows the kernel's lifecycle events. */
export function watchLifecycle(k: Kernel): SandboxActor {
  const actor = createActor(sandboxMachine);
  actor.start();
  for (const t of k.s.tasks.values()) {
    if (!t.exited) actor.send({ type: 'task.spawn', tid: t.tid, tgid: t.tgid });
  }
  k.lifecycle = (e) => actor.send(e);
  return actor;
}
