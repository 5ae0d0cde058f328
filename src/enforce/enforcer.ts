/**
 * The enforcement loop in one place: a decoded call is resolved and judged at entry (`enter`),
 * a driver runs it on a host only when allowed, and the model then follows what really
 * happened, with every new fd obtaining its rights (`exit`). The WALI interposer, the Node host,
 * the auditor and the testing kit are drivers of this loop; none of them decides by itself.
 *
 * Fail closed: a call whose objects the model cannot resolve, a call the model knows the
 * kernel refuses (a missing parent, an fd that is not open, a bad flag), and a call that
 * reaches beyond the guest never reach the host. The guest gets the errno Linux would give.
 */
import type { Kernel } from '../state/kernel.js';
import type { Call, Observed, Outcome } from '../state/calls.js';
import type { Task } from '../state/types.js';
import { newName, objectOf, type ResolvedObject } from '../state/inspect.js';
import type { OpenTarget, PlannedOpen } from '../state/sys/open.js';
import type { Errno } from '../linux/index.js';
import { judge, quickGrant, type Cause, type Engine, type Verdict } from '../rules/judge.js';
import { openRequestOn, requestFor, type Request } from '../rules/requests.js';
import { grantNew } from './grants.js';
import { policyVeil } from './veil.js';
import { lookupChild } from '../state/namespace.js';

/** Why a call does not reach the host, and what the guest gets instead. */
export interface Refusal {
  readonly errno: Errno;
  readonly cause: Cause;
}

/** A call decided at entry. */
export interface Entry {
  readonly task: Task;
  readonly call: Call;
  /** The rights the call needs on the objects it resolved to (null: it needs none). */
  readonly request: Request | null;
  /** The policy's verdict; undefined when the call needs no right or the fast path allowed it. */
  readonly verdict: Verdict | undefined;
  /** Set when the call must not reach the host. */
  readonly refused: Refusal | undefined;
  /** For an open: what it does (the fd, the flags, the object it lands on). A host opens exactly this. */
  readonly open: PlannedOpen | undefined;
  /** What a new fd this call opens obtains (-1: derived from its object at exit). */
  readonly grant: number;
  /** The model's name generation at entry: an open's plan is applied as it is only if no name changed since. */
  readonly gen: number;
}

/** How an {@link Enforcer} treats what the policy hides. */
export interface EnforcerOptions {
  /**
   * Hide what the policy hides (stat refused with ENOENT) from the model's walks, so a hidden
   * name behaves exactly like an absent one. For enforcement; an audit of a recording keeps the
   * recording's view (default false).
   */
  veil?: boolean;
}

/**
 * Decides every call of a guest against a policy on the objects the model resolves, and keeps the
 * model in step with what the host did: `enter` before the host runs a call, `exit` after.
 */
export class Enforcer {
  constructor(readonly kernel: Kernel, readonly engine: Engine, opts: EnforcerOptions = {}) {
    if (opts.veil) kernel.veil = policyVeil(kernel, engine);
  }

  /** Whether the guest may see the name `name` in directory `dir` (listings drop hidden names). */
  visible(dir: number, name: string): boolean {
    const veil = this.kernel.veil;
    if (!veil) return true;
    const d = this.kernel.s.dentries.get(dir);
    if (!d) return true;
    const id = lookupChild(this.kernel.s, this.kernel.view, d, name);
    return id === 0 || !veil(id);
  }

  /**
   * Decides a call at entry; nothing in the model changes. `steps` records how each path
   * resolved (for explanations: it costs strings, so drivers ask for it on denials only).
   */
  enter(task: Task, call: Call, steps = false): Entry {
    const e = this.decide(task, call, steps);
    // What the model cannot resolve is refused; whoever watches the lifecycle hears of it.
    if (e.refused !== undefined && e.refused.cause === 'unknown' && this.kernel.lifecycle) {
      this.kernel.lifecycle({ type: 'unknown', tid: task.tid, why: `${call.sys} refused: ${unknownOf(e) ?? 'the model cannot resolve its objects'}` });
    }
    return e;
  }

  private decide(task: Task, call: Call, steps: boolean): Entry {
    if (call.sys === 'openat') return this.enterOpen(task, call, steps);
    // Emptiness (ENOTEMPTY) is checked after the hooks, as Linux does: every call is predicted
    // without listing a directory, and one the policy allowed whose answer a directory's
    // emptiness decides (rmdir, a rename over a directory) is predicted again with it listed.
    this.kernel.emptinessDeferred = false;
    const e = this.decideFirst(task, call, steps);
    if (e.refused !== undefined || !this.kernel.emptinessDeferred) return e;
    const q = this.kernel.predict(task.tid, call);
    return q.ok ? e : { ...e, refused: kernelRefusal(this.engine, q) };
  }

  private decideFirst(task: Task, call: Call, steps: boolean): Entry {
    // The kernel's own checks come first (flags, the walk, a closed fd, EEXIST ...), as they do
    // in Linux before any security hook. A lookup's prediction is its resolution (judged below),
    // after its own arguments' checks.
    const p = call.sys === 'lookup' ? (call.argErr ? this.kernel.predict(task.tid, call) : undefined) : this.predictUnlisted(task, call);
    const request = p && !p.ok && !afterHooks(call, p) ? null : requestFor(this.kernel, task, call, { steps });
    if (p && !p.ok && (request === null || !resolved(request))) return entry(task, call, null, undefined, kernelRefusal(this.engine, p));
    if (request === null) return entry(task, call, null, undefined, undefined);
    if (p && !p.ok) {
      // A check Linux makes after the security hooks (ENOTEMPTY, a mount point's EBUSY, may_delete):
      // the policy's refusal comes first.
      const v = judge(this.engine, request);
      return entry(task, call, request, v, v.allowed ? kernelRefusal(this.engine, p) : refusal(this.engine, v));
    }
    // A lookup of a name the model knows is absent fails in the walk (a hidden name included).
    const o = request.checks[0]?.object;
    if (call.sys === 'lookup' && o && !o.exists && o.errno === undefined && o.unknown === undefined) {
      return entry(task, call, request, undefined, { errno: 'ENOENT', cause: 'kernel' });
    }
    const mask = quickGrant(this.engine, request);
    if (mask >= 0) return entry(task, call, request, undefined, undefined, undefined, mask);
    const verdict = judge(this.engine, request);
    return entry(task, call, request, verdict, verdict.allowed ? undefined : refusal(this.engine, verdict));
  }

  /**
   * The policy's verdict on a call without the kernel's prediction: what an audit of a recording
   * asks (the recorded result is the truth there, not the model's guess). `steps` records how
   * each path resolved, for explanations.
   */
  judged(task: Task, call: Call, steps = true): Entry {
    const request = requestFor(this.kernel, task, call, { steps });
    const verdict = request ? judge(this.engine, request) : undefined;
    return entry(task, call, request, verdict, verdict && !verdict.allowed ? refusal(this.engine, verdict) : undefined);
  }

  /** The kernel's answer with no directory listed for its emptiness (see `decide`). */
  private predictUnlisted(task: Task, call: Call): Outcome {
    this.kernel.listsForEmptiness = false;
    try {
      return this.kernel.predict(task.tid, call);
    } finally {
      this.kernel.listsForEmptiness = true;
    }
  }

  /** openat: the model plans the open (the kernel's order of checks), and the policy judges where it lands. */
  private enterOpen(task: Task, call: Extract<Call, { sys: 'openat' }>, steps: boolean): Entry {
    const plan = this.kernel.predictOpen(task.tid, call);
    if (!('target' in plan)) {
      // The kernel refuses before any security hook (may_open's EISDIR, a missing parent ...), or
      // the model cannot resolve: nothing reaches the host.
      return entry(task, call, null, undefined, kernelRefusal(this.engine, plan));
    }
    const obj = steps ? withSteps(this.kernel, task, call, plan.target) : targetObject(this.kernel, plan.target);
    const request = openRequestOn(call, plan.flags, obj);
    request.caller = { tid: task.tid, tgid: task.tgid };
    const mask = quickGrant(this.engine, request);
    const gen = this.kernel.s.nameGen;
    if (mask >= 0) return entry(task, call, request, undefined, undefined, plan, mask, gen);
    const verdict = judge(this.engine, request);
    return entry(task, call, request, verdict, verdict.allowed ? undefined : refusal(this.engine, verdict), plan, -1, gen);
  }

  /**
   * The model follows what the call did: `observed` is the host's real result, or undefined for
   * the model's own answer (a host whose kernel is the model). New fds obtain their rights.
   */
  exit(e: Entry, observed?: Observed): Outcome {
    // An open the host did as planned: apply the plan instead of walking the path again.
    const out = e.open && observed?.ok && observed.ret !== undefined && this.kernel.s.nameGen === e.gen
      ? this.kernel.commitOpen(e.task.tid, e.open, observed.ret)
      : this.kernel.syscall(e.task.tid, e.call, observed);
    if (out.ok) this.granted(e, out.ret, out.fds ?? (observed?.ok ? observed.fds : undefined));
    return out;
  }

  /** Records what the fds a successful call made obtained (drivers that apply calls themselves: the replay). */
  granted(e: Entry, ret: number | undefined, fds?: readonly number[]): void {
    grantNew(this.kernel, this.engine, e, ret, fds);
  }
}

/** The checks Linux makes after security_path_* (vfs_unlink/vfs_rmdir/vfs_rename/vfs_link): may_delete, EBUSY, ENOTEMPTY. */
const AFTER_HOOKS: ReadonlySet<string> = new Set(['ENOTEMPTY', 'EBUSY', 'EISDIR', 'ENOTDIR', 'EPERM']);

function afterHooks(call: Call, p: Extract<Outcome, { ok: false }>): boolean {
  return (call.sys === 'unlinkat' || call.sys === 'renameat2' || call.sys === 'linkat') && p.errno !== undefined && AFTER_HOOKS.has(p.errno);
}

/** What the model could not resolve, when it says. */
function unknownOf(e: Entry): string | undefined {
  return e.request?.checks.find((c) => c.object.unknown !== undefined)?.object.unknown;
}

/** Whether every object of a request resolved (a walk that failed fails before any hook). */
function resolved(r: Request): boolean {
  return r.checks.every((c) => c.object.errno === undefined && c.object.unknown === undefined);
}

function entry(task: Task, call: Call, request: Request | null, verdict: Verdict | undefined, refused: Refusal | undefined, open?: PlannedOpen, grant = -1, gen = -1): Entry {
  return { task, call, request, verdict, refused, open, grant, gen };
}

function refusal(e: Engine, v: Verdict): Refusal {
  return { errno: v.errno ?? e.policy.default.errno, cause: v.cause ?? 'policy' };
}

/** Under enforcement nothing unknown reaches the host, whatever `unknown` says (allow gets EACCES). */
function unknownRefusal(e: Engine): Refusal {
  return { errno: e.policy.unknown.effect === 'deny' ? e.policy.unknown.errno : 'EACCES', cause: 'unknown' };
}

function kernelRefusal(e: Engine, p: Extract<Outcome, { ok: false }>): Refusal {
  return p.unknown !== undefined ? unknownRefusal(e) : { errno: p.errno, cause: 'kernel' };
}

/** The object an open lands on (an O_TMPFILE: its directory, judged as a new regular file there). */
export function targetObject(k: Kernel, t: OpenTarget): ResolvedObject {
  if (t.kind === 'existing') return objectOf(k, t.dentry);
  if (t.kind === 'create') return newName(k, t.dir, t.name);
  return objectOf(k, t.dir);
}

/** The target with the resolution steps recorded (explanations of denials). */
function withSteps(k: Kernel, task: Task, call: Extract<Call, { sys: 'openat' }>, t: OpenTarget): ResolvedObject {
  const r = requestFor(k, task, call, { steps: true });
  const steps = r?.checks[0]?.object.steps ?? [];
  return { ...targetObject(k, t), steps };
}
