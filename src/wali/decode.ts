/**
 * WALI syscalls → the model's Calls, through the one decoding every adapter shares
 * (src/syscalls/decode.ts) with a reader over the guest's raw arguments and memory. Besides the
 * Call, a WALI decode says how to read what a successful call returned through memory (the two
 * fds of pipe/socketpair), and tells apart what passes unjudged (process-local calls), what the
 * interposer does not know, and a guest pointer the kernel would fault on.
 *
 * Names follow x86-64 (`SYS_newfstatat`); calls the WALI spec leaves unimplemented but binaries
 * still import with a call-site signature (truncate, renameat, utimes ...) are decoded by their
 * Linux signatures, so a host that implements them is still judged.
 */
import type { Call, Observed } from '../state/calls.js';
import { DECODERS, PROCESS_LOCAL } from '../syscalls/decode.js';
import { Fault } from '../syscalls/reader.js';
import { toU32, type GuestMemory, type GuestWord } from './memory.js';
import { WaliArgs } from './args.js';

/** What the enforcement does with one call. */
export type Decoded =
  /** A call the model knows: judged at entry, applied to the model with the host's result. */
  | { kind: 'call'; call: Call; after?: After }
  /** Acts only on the calling process (clocks, ids, its memory, its own descriptors): passes. */
  | { kind: 'local' }
  /** Not a call the interposer knows. */
  | { kind: 'unknown' }
  /** A guest pointer the kernel would fault on: -errno without calling the host. */
  | { kind: 'fault'; errno: 'EFAULT' | 'ENAMETOOLONG' };

/** Reads what a successful call returned through memory (pipe's fds) once the host has run it. */
export type After = (ret: number, mem: GuestMemory) => Observed;

const LOCAL: Decoded = Object.freeze({ kind: 'local' });
const UNKNOWN: Decoded = Object.freeze({ kind: 'unknown' });

/** The two fds a pipe/socketpair wrote at `ptr`, once the call succeeded. */
const twoFds = (ptr: GuestWord | undefined): After => (ret, m) => {
  const a = m.readI32(ptr ?? -1);
  const b = m.readI32((toU32(ptr ?? 0) + 4) >>> 0);
  if (typeof a !== 'number' || typeof b !== 'number') return { ok: true, ret };
  return { ok: true, ret, fds: [a, b] };
};

/** Where each fd-pair call leaves its two fds. */
const FD_PAIRS: Readonly<Record<string, number>> = { pipe: 0, pipe2: 0, socketpair: 3 };

/** Whether the interposer can enforce a syscall name (others are unknown to it, and refused). */
export function decodable(name: string): boolean {
  return Object.hasOwn(DECODERS, name) || PROCESS_LOCAL.has(name);
}

/** Decodes one call from a guest's raw arguments. */
export function decodeWali(name: string, args: readonly GuestWord[], mem: GuestMemory | undefined): Decoded {
  const d = Object.hasOwn(DECODERS, name) ? DECODERS[name] : undefined;
  if (!d) return PROCESS_LOCAL.has(name) ? LOCAL : UNKNOWN;
  let call: Call | null;
  try {
    call = d(new WaliArgs(args, mem), name);
  } catch (e) {
    if (e instanceof Fault) return { kind: 'fault', errno: e.errno };
    throw e;
  }
  if (call === null) return LOCAL;
  const pair = FD_PAIRS[name];
  return pair === undefined ? { kind: 'call', call } : { kind: 'call', call, after: twoFds(args[pair]) };
}
