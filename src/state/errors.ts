/**
 * Interned failure values for the hot path: resolution returns either a dentry id (a number)
 * or one of these objects, so the common case allocates nothing.
 */
export interface Err {
  readonly errno: string;
  readonly unknown?: string;
}

const interned = new Map<string, Err>();

/** The shared failure object for an errno name. */
export function E(errno: string): Err {
  let e = interned.get(errno);
  if (!e) interned.set(errno, (e = Object.freeze({ errno })));
  return e;
}

/** The model does not know (unknown dirfd or cwd): callers must not guess. */
export function unknownErr(why: string): Err {
  return Object.freeze({ errno: 'UNKNOWN', unknown: why });
}

export function isErr(x: unknown): x is Err {
  return typeof x === 'object' && x !== null && 'errno' in x;
}
