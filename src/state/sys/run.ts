/**
 * The enter/exit contract every syscall handler follows. `plan(learn)` is pure apart from
 * view caching: it resolves what the call names and decides Linux's errno, returning either an
 * Err or a commit function that applies the effect with the real result. Without an observed
 * result the model's own answer is used; with one, a failed call changes nothing, and a call
 * that succeeded where the model expected failure is replayed with `learn` (missing names are
 * created as learned), then, if still unexplained, through the handler's unknown fallback.
 */
import type { Failed, Observed, Outcome } from '../calls.js';
import type { Err } from '../errors.js';

/** Who hears about a recorded result the model did not predict (diagnostics, tests). */
export interface DivergenceSink {
  onDivergence?: ((model: Err, observed: Observed) => void) | undefined;
  /** Told when a success the model cannot explain leaves an object unknown. */
  lifecycle?: ((e: { type: 'unknown'; tid: number; why: string }) => void) | undefined;
  /** Set while `Kernel.predict` asks for the model's answer only: nothing is committed. */
  predicting?: boolean;
}

export type Commit = (ret: number | undefined, fds?: number[]) => Outcome;
export type Plan = Err | Commit;

export function run(
  k: DivergenceSink,
  obs: Observed | undefined,
  plan: (learn: boolean) => Plan,
  unknown: (ret: number | undefined, fds?: number[]) => Outcome,
): Outcome {
  if (obs && !obs.ok) return { ok: false, errno: obs.errno };
  let p = plan(false);
  if (k.predicting) return typeof p === 'function' ? PREDICTED_OK : failure(p);
  if (typeof p !== 'function') {
    if (!obs) return failure(p);
    k.onDivergence?.(p, obs);
    // The log is the truth: whatever the view said (a name there or not, a directory full or
    // empty) gives way to what the call did.
    if (p.unknown === undefined) p = plan(true);
    if (typeof p !== 'function') {
      k.lifecycle?.({ type: 'unknown', tid: -1, why: `a recorded success the model cannot explain (${p.errno ?? p.unknown})` });
      return unknown(obs.ret, obs.fds);
    }
  }
  return obs ? p(obs.ret, obs.fds) : p(undefined);
}

/** A predicted success: the call would succeed; what it would return is not computed. */
const PREDICTED_OK: Outcome = Object.freeze({ ok: true, ret: 0 });

/** A plan's failure as an outcome. */
export function failure(p: Err): Failed {
  return p.unknown !== undefined ? { ok: false, unknown: p.unknown } : { ok: false, errno: p.errno };
}

export function ok(ret: number): Outcome {
  return { ok: true, ret };
}
