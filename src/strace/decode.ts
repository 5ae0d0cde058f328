/**
 * strace syscall lines → model Calls, through the one decoding every adapter shares
 * (src/syscalls/decode.ts) with a reader over the arguments strace printed: symbolic flags
 * (`O_RDONLY|O_CLOEXEC`), quoted paths, structures printed as `{field=value, ...}`. Where strace
 * prints fd annotations is fd-args.ts.
 */
import type { Arg } from './args.js';
import { parseFlags } from './args.js';
import type { Call } from '../state/calls.js';
import { AF_FAMILIES, AF_UNIX, AT_FDCWD, CLONE_FLAGS, O_FLAGS, RESOLVE_FLAGS, SIGNALS, type FlagTable } from '../linux/index.js';
import { DECODERS } from '../syscalls/decode.js';
import { latin1String } from '../linux/bytes.js';
import type { ArgReader, SockAddr } from '../syscalls/reader.js';

/** A path argument as a byte string (one char per byte), or undefined for NULL / non-strings. */
function path(a: Arg | undefined): string | undefined {
  if (!a || a.kind !== 'string') return undefined;
  const text = a.valueText;
  // strace prints printable ASCII as is: without a backslash the text between the quotes is the path.
  if (text.indexOf('\\') < 0 && text.endsWith('"') && !text.endsWith('"...')) return text.slice(1, -1);
  const b = a.str;
  return b ? latin1String(b) : undefined;
}

function num(a: Arg | undefined): number {
  if (!a) return 0;
  const v = a.value;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return a.valueText === 'AT_FDCWD' ? AT_FDCWD : 0;
}

/** Flag sets repeat endlessly in a log (`O_RDONLY|O_CLOEXEC`): evaluate each text once per table. */
const flagMemo = new WeakMap<object, Map<string, number>>();
function flagsOf(a: Arg | undefined, t: FlagTable | readonly FlagTable[]): number {
  if (!a) return 0;
  if (typeof a.value === 'number') return a.value;
  let memo = flagMemo.get(t);
  if (!memo) flagMemo.set(t, (memo = new Map()));
  const text = a.valueText;
  let v = memo.get(text);
  if (v === undefined) {
    // strace names a value some headers share as `A or B`: any known name of the two.
    const alt = text.includes(' or ') ? text.split(' or ').find((x) => parseFlags(x, t).unknown.length === 0) : undefined;
    v = parseFlags(alt ?? text, t).value;
    if (memo.size < 4096) memo.set(text, v);
  }
  return v;
}

/**
 * `sa_family=AF_UNIX, sun_path="..."` (or `@"..."` for the abstract namespace); an inet address
 * (`sin_addr=inet_addr("127.0.0.1")`, `inet_pton(AF_INET6, "::1", &sin6_addr)`) is `loopback`
 * only when strace printed a loopback address.
 */
function sockaddrOf(a: Arg | undefined): SockAddr | undefined {
  if (!a) return undefined;
  const family = flagsOf(a.field('sa_family'), AF_FAMILIES);
  const sun = a.field('sun_path');
  if (family !== AF_UNIX) {
    const ip = /inet_addr\("([0-9.]+)"\)|inet_pton\(AF_INET6, "([0-9a-fA-F:.]+)"/.exec(a.text);
    const v4 = ip?.[1];
    const v6 = ip?.[2]?.toLowerCase();
    const loopback = (v4 !== undefined && v4.startsWith('127.')) || v6 === '::1' || (v6 !== undefined && v6.startsWith('::ffff:127.'));
    return { family, inet: loopback ? 'loopback' : 'inet', ...(v4 ?? v6 ? { text: v4 ?? `[${v6}]` } : {}) };
  }
  if (!sun) return { family };
  const label = sun.valueText;
  if (label.startsWith('@')) return { family, abstract: true, label };
  const p = path(sun);
  return p === undefined ? { family, label } : { family, path: p, label };
}

/** The printed arguments of one call, read the way the one decoding asks. */
class StraceArgs implements ArgReader {
  constructor(private readonly a: readonly Arg[]) {}

  int(i: number): number {
    return num(this.a[i]);
  }

  flags(i: number, table: FlagTable): number {
    return flagsOf(this.a[i], table);
  }

  long(i: number): number {
    return num(this.a[i]);
  }

  isNull(i: number): boolean {
    return this.a[i]?.valueText === 'NULL';
  }

  path(i: number): string | undefined {
    return path(this.a[i]);
  }

  pointedInt(i: number): number | undefined {
    const v = this.a[i]?.items?.[0];
    return v ? num(v) : undefined;
  }

  openHow(i: number): { flags: number; mode: number; resolve: number } | undefined {
    const how = this.a[i];
    if (!how) return undefined;
    return { flags: flagsOf(how.field('flags'), O_FLAGS), mode: num(how.field('mode')), resolve: flagsOf(how.field('resolve'), RESOLVE_FLAGS) };
  }

  rlimitCur(i: number): number | undefined {
    const limits = this.a[i];
    if (limits?.kind !== 'struct') return undefined;
    const cur = limits.field('rlim_cur');
    if (!cur) return undefined;
    return cur.valueText === 'RLIM64_INFINITY' || cur.valueText === 'RLIM_INFINITY' ? 1 << 20 : num(cur);
  }

  sockaddr(i: number): SockAddr | undefined {
    return sockaddrOf(this.a[i]);
  }

  msgName(i: number): SockAddr | undefined {
    return sockaddrOf(this.a[i]?.field('msg_name'));
  }

  /** A recording's times were accepted or refused already: nothing to check again. */
  timesValid(): undefined {
    return undefined;
  }

  cloneFlags(name: string): number {
    if (name === 'clone3') return flagsOf(this.a[0]?.field('flags'), CLONE_FLAGS);
    return flagsOf(this.a.find((x) => x.key === 'flags'), [CLONE_FLAGS, SIGNALS]);
  }
}

/**
 * Calls whose Calls change no model state (the fd is only checked, or nothing the model holds
 * changes): the replay applies them only when someone judges them.
 */
const NO_STATE = new Set(['usefd', 'mmap', 'kill', 'tkill', 'prlimit']);

/** Whether calls of this name can change the model's state (an annotating replay decodes only these). */
export function decodes(name: string): boolean {
  return Object.hasOwn(DECODERS, name) && !STATELESS_NAMES.has(name);
}

/** Names that only ever decode to stateless calls. */
const STATELESS_NAMES = new Set([
  'read', 'pread64', 'readv', 'preadv', 'preadv2', 'write', 'pwrite64', 'writev', 'pwritev', 'pwritev2',
  'ftruncate', 'fallocate', 'fchmod', 'fchown', 'getdents', 'getdents64', 'fstat', 'fstatfs',
  'fgetxattr', 'flistxattr', 'fsetxattr', 'fremovexattr', 'mmap', 'kill', 'tkill', 'tgkill', 'sendto', 'sendmsg',
]);

/** Whether a decoded call changes what the model holds (others are only judged). */
export function changesState(c: Call): boolean {
  return !NO_STATE.has(c.sys);
}

/** Decodes one call from its printed arguments; null when it means nothing to the model or a policy. */
export function decodeCall(name: string, a: readonly Arg[]): Call | null {
  return Object.hasOwn(DECODERS, name) ? DECODERS[name]!(new StraceArgs(a), name) : null;
}
