/**
 * What an fd obtains, decided once for every driver: when an fd is opened it gets every right
 * the policy allows on its object, fixed at that moment (fd-based calls are judged against it,
 * never by re-resolving a path). Objects outside the filesystem (pipes, sockets, the stdio a
 * guest starts with) need no filesystem right. A dup shares its description, and so its grant.
 */
import type { Kernel } from '../state/kernel.js';
import type { Task } from '../state/types.js';
import type { ResolvedObject } from '../state/inspect.js';
import type { Call } from '../state/calls.js';
import { procSelf, type Engine } from '../rules/judge.js';
import { allRights } from '../rules/rights.js';
import type { Request } from '../rules/requests.js';

/** Calls that make descriptions of objects outside the filesystem. */
const NEW_ANON = new Set<Call['sys']>(['pipe2', 'socket', 'socketpair', 'accept4', 'anon']);

function setGrant(k: Kernel, task: Task, fd: number, mask: number): void {
  const e = k.s.tables.get(task.files)?.fds.get(fd);
  const f = e && k.s.files.get(e.file);
  if (f) f.granted = mask;
}

/** Every right the policy allows on an object (a new file is a regular one). */
export function allowedOn(engine: Engine, task: Task, obj: ResolvedObject): number {
  return obj.path === undefined ? -1 : engine.allowedMask(procSelf(obj.path, task), obj.type ?? 'reg');
}

/** The grants of the fds a successful call made: `mask` when the judge already computed it (else -1). */
export function grantNew(
  k: Kernel, engine: Engine, e: { task: Task; call: Call; request: Request | null; grant: number }, ret: number | undefined, fds?: readonly number[],
): void {
  const c = e.call;
  if (c.sys === 'openat') {
    if (ret === undefined || ret < 0) return;
    const obj = e.request?.checks[0]?.object;
    const mask = e.grant >= 0 ? e.grant : obj ? allowedOn(engine, e.task, obj) : -1;
    if (mask >= 0) setGrant(k, e.task, ret, mask);
    else grantByLabel(k, engine, e.task, ret);
    return;
  }
  if (NEW_ANON.has(c.sys)) {
    const all = allRights(engine.policy.abi);
    for (const fd of fds ?? (ret === undefined ? [] : [ret])) setGrant(k, e.task, fd, all);
  }
}

/** The fds a task starts with (stdio, declared fds) obtain what the policy allows on their objects. */
export function grantInherited(k: Kernel, engine: Engine, task: Task): void {
  for (const [fd] of k.s.tables.get(task.files)?.fds ?? []) grantByLabel(k, engine, task, fd);
}

/** A grant from what the model says an fd names now. */
function grantByLabel(k: Kernel, engine: Engine, task: Task, fd: number): void {
  const label = k.describeFd(task.tid, fd);
  if (label === null || label === 'unknown') return;
  setGrant(k, task, fd, label.kind === 'anon' ? allRights(engine.policy.abi) : engine.allowedMask(procSelf(label.path, task)));
}
