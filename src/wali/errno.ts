/**
 * Linux errno numbers for a WALI guest, the coercions of wasm arguments every host makes, and
 * the mapping from Node's errors (Node reports a failed syscall with `code` set to the errno's
 * symbolic name, `ENOENT`, which is also the model's vocabulary, so one table serves both).
 * Node-free: the Node host and the in-memory host share it.
 */
import { ERRNO, isErrno, type Errno } from '../linux/index.js';

/** `-errno` for a symbolic name, as a raw WALI syscall returns it; unknown names give -EIO. */
export function neg(name: string): number {
  return -(isErrno(name) ? ERRNO[name] : ERRNO.EIO);
}

/** The errno name behind a thrown Node error; EIO when it carries none we know. */
export function errnoOf(e: unknown): Errno {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && isErrno(code) ? code : 'EIO';
}

/** `-errno` for a thrown Node error. */
export function negOf(e: unknown): number {
  return neg(errnoOf(e));
}

/** A value or a Linux errno name: the return shape of the host's internal helpers. */
export type Result<T> = T | { readonly errno: Errno };

/** True when a Result holds an errno. */
export function isErr<T>(r: Result<T>): r is { readonly errno: Errno } {
  return typeof r === 'object' && r !== null && 'errno' in r && typeof (r as { errno: unknown }).errno === 'string';
}

/** Coerces a wasm argument to a signed 32-bit int (an i64 arrives as a BigInt). */
export function i32(x: unknown): number {
  if (typeof x === 'bigint') return Number(BigInt.asIntN(32, x));
  return Number(x) | 0;
}

/** Coerces a wasm argument to an unsigned 32-bit int. */
export function u32(x: unknown): number {
  return i32(x) >>> 0;
}

/** Coerces a wasm argument to a signed 64-bit value as a Number (exact up to 2^53). */
export function i64(x: unknown): number {
  if (typeof x === 'bigint') return Number(BigInt.asIntN(64, x));
  const n = Number(x);
  return Number.isFinite(n) ? Math.trunc(n) : 0;
}
