/**
 * Decisions as drivers report them (an audit log, `fdwarden run`'s stderr, an embedder's
 * observer): what was called, whether it ran, and why not.
 */
import type { Call } from '../state/calls.js';
import type { Errno } from '../linux/index.js';
import { judge, type Cause, type Verdict } from '../rules/judge.js';
import { requestFor } from '../rules/requests.js';
import { explain, type Explanation } from '../rules/explain.js';
import type { Enforcer, Entry } from './enforcer.js';

/** One decision of an enforcing driver. */
export interface DecisionEvent {
  /** The syscall name without `SYS_`. */
  syscall: string;
  /** The raw arguments. */
  args: readonly (number | bigint)[];
  allowed: boolean;
  /** The errno returned without calling the host. */
  errno?: Errno;
  /**
   * Why: the policy decided (`policy`, `unknown`, `outside`, `escalation`), the kernel refuses
   * it anyway (`kernel`: the model knows it fails), a guest pointer faulted, or the name is unknown.
   */
  reason: Cause | 'fault' | 'unknown-syscall';
  /** The decoded call and the policy's verdict, when the policy decided. */
  call?: Call;
  verdict?: Verdict;
  /** The full explanation (computed on demand). */
  explain(): Explanation | undefined;
}

const NONE = (): undefined => undefined;

/** A decision that never reached the policy (a fault, an unknown name). */
export function plainDecision(syscall: string, args: readonly (number | bigint)[], errno: Errno, reason: DecisionEvent['reason']): DecisionEvent {
  return { syscall, args, allowed: false, errno, reason, explain: NONE };
}

/** The decision on an entry; a refusal is decided again with the resolution steps recorded (it changed nothing). */
export function entryDecision(enforcer: Enforcer, syscall: string, args: readonly (number | bigint)[], e: Entry): DecisionEvent {
  // A refusal changed nothing: it is judged again with the resolution steps recorded (a name
  // the kernel found absent may be one the policy hides: the verdict names its rule). An allow
  // on the fast path is judged in full.
  let v = e.verdict;
  if (e.refused) {
    const again = requestFor(enforcer.kernel, e.task, e.call, { steps: true });
    v = again ? judge(enforcer.engine, again) : e.verdict;
  } else if (!v && e.request) v = judge(enforcer.engine, e.request);
  const ev: DecisionEvent = {
    syscall, args, allowed: e.refused === undefined, reason: e.refused?.cause ?? 'policy', call: e.call,
    explain: () => (v ? explain(enforcer.engine.policy, v) : undefined),
  };
  if (e.refused) ev.errno = e.refused.errno;
  if (v) ev.verdict = v;
  return ev;
}
