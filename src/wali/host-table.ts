/**
 * What both WALI hosts' import tables share: the shape of a syscall implementation, calls that
 * take no entry, the fd fast path (an fd call its fd's rights already cover runs unjudged) and
 * binding guest memory after instantiation, and the model following a call's result. Node-free.
 */
import type { Enforcer, Entry } from '../enforce/enforcer.js';
import { errnoOfNumber } from '../linux/index.js';
import type { Observed } from '../state/calls.js';
import type { ResolvedObject } from '../state/inspect.js';
import { FD_RIGHTS, fdCallRights, grantCovers } from '../rules/requests.js';
import type { State, Task } from '../state/types.js';
import { neg } from './errno.js';
import { GuestMemory } from './memory.js';
import { WaliModuleError, type WasmInstance, type WasmMemoryObject } from './wasm.js';

/** A syscall's implementation: the judged entry (undefined for process-local calls and the fd fast path), then the raw arguments. */
export type SyscallImpl = (e: Entry | undefined, ...a: unknown[]) => number;

/** Implementations that need no entry (process-local calls, or fd calls that only use the fd table). */
export function plainCalls(calls: Record<string, (...a: unknown[]) => number>): Record<string, SyscallImpl> {
  const out: Record<string, SyscallImpl> = {};
  for (const [name, f] of Object.entries(calls)) out[name] = (_e, ...a) => f(...a);
  return out;
}

/**
 * The fd fast path of call `name` (one FD_RIGHTS lists): when the description at the first
 * argument holds a grant covering the call, it runs without an entry and `onHit` hears of it;
 * otherwise undefined, and the call goes through enforcement.
 */
export function fdFastPath(s: State, task: () => Task, name: string, impl: SyscallImpl, onHit?: () => void): (args: unknown[]) => number | undefined {
  const right = FD_RIGHTS[name]!;
  return (args) => {
    const e = s.tables.get(task().files)?.fds.get(args[0] as number);
    const f = e && s.files.get(e.file);
    if (f === undefined || f.granted === undefined || !grantCovers(f.granted, fdCallRights(right, f.flags))) return undefined;
    onHit?.();
    return impl(undefined, ...args);
  };
}

/** Binds guest memory after instantiation (the module exports it as `memory`). */
export function attachMemory(core: { mem: GuestMemory | undefined; memory: WasmMemoryObject | undefined }, instance: WasmInstance): void {
  const mem = GuestMemory.fromInstance(instance);
  if (!mem) throw new WaliModuleError('the module exports no memory');
  core.mem = mem;
  core.memory = instance.exports['memory'] as WasmMemoryObject;
}

/**
 * The model follows what a judged call did: the host's result (a value or -errno, with the fds
 * it made), or the model's own answer when `ret` is omitted (calls the model decides alone:
 * close, dup ...). Returns what the guest gets. Without an entry (the fd fast path ran the
 * call) there is nothing to follow.
 */
export function followExit(enforcer: Enforcer, e: Entry | undefined, ret?: number, fds?: number[]): number {
  if (!e) return ret ?? neg('EINVAL');
  let observed: Observed | undefined;
  if (ret !== undefined) observed = ret < 0 ? { ok: false, errno: errnoOfNumber(-ret) ?? 'EIO' } : fds ? { ok: true, ret, fds } : { ok: true, ret };
  const out = enforcer.exit(e, observed);
  if (ret !== undefined) return ret;
  return out.ok ? out.ret : neg(out.errno ?? 'EIO');
}

/** The objects a judged call names, in its arguments' order (linkat's source first, then the new name). */
export function judgedObjects(e: Entry): ResolvedObject[] {
  const r = e.request;
  if (!r) return [];
  const out = r.checks.map((c) => c.object);
  if (r.refer && e.call.sys === 'linkat') out.unshift(r.refer.from);
  return out;
}
