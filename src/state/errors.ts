/**
 * Interned failure values for the hot path: resolution returns either a dentry id (a number)
 * or one of these objects, so the common case allocates nothing. A failure is either Linux's
 * errno or "unknown": the model cannot say (an fd or cwd it never saw), which is never an errno.
 */
import type { Errno } from '../linux/index.js';

export type Err =
  | { readonly errno: Errno; readonly unknown?: undefined }
  | { readonly errno?: undefined; readonly unknown: string };

const interned = new Map<Errno, Err>();

/** The shared failure object for an errno name. */
export function E(errno: Errno): Err {
  let e = interned.get(errno);
  if (!e) interned.set(errno, (e = Object.freeze({ errno })));
  return e;
}

/** The model does not know (unknown dirfd or cwd): callers must not guess. */
export function unknownErr(why: string): Err {
  return Object.freeze({ unknown: why });
}

export function isErr(x: unknown): x is Err {
  return typeof x === 'object' && x !== null && ('errno' in x || 'unknown' in x);
}
