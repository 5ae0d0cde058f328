/**
 * A proof witness made concrete: a call that needs the witness right on the witness path,
 * judged like any other request, so its explanation names the rule that decided.
 */
import type { Engine } from '../rules/judge.js';
import { judge } from '../rules/judge.js';
import { explain, renderExplanation } from '../rules/explain.js';
import type { Span } from '../rules/ir.js';
import type { Request } from '../rules/requests.js';
import { rightsIn } from '../rules/rights.js';
import type { ResolvedObject } from '../state/inspect.js';
import type { InodeKind } from '../state/types.js';
import { openFlags, quote } from './strace.js';
import type { PathWitness } from './prove.js';

const OPENS: Record<string, number> = { read: 0, write: 0o1, append: 0o2001, create: 0o301, list: 0o200000, truncate: 0o1001 };

/**
 * A syscall that needs `right` on `path`, as strace would print it.
 *
 * @example
 * exampleCall('delete', '/srv/x'); // 'unlinkat(AT_FDCWD, "/srv/x", 0)'
 */
export function exampleCall(right: string, path: string, flags = 0): string {
  const p = quote(path);
  const open = OPENS[right];
  if (open !== undefined) {
    const f = open | flags;
    return `openat(AT_FDCWD, ${p}, ${openFlags(f)}${f & 0o100 ? ', 0644' : ''})`;
  }
  switch (right) {
    case 'mkdir': return `mkdirat(AT_FDCWD, ${p}, 0755)`;
    case 'delete': return `unlinkat(AT_FDCWD, ${p}, 0)`;
    case 'rmdir': return `unlinkat(AT_FDCWD, ${p}, AT_REMOVEDIR)`;
    case 'symlink': return `symlinkat("x", AT_FDCWD, ${p})`;
    case 'link': return `linkat(AT_FDCWD, "x", AT_FDCWD, ${p}, 0)`;
    case 'rename-from': return `renameat2(AT_FDCWD, ${p}, AT_FDCWD, "x", 0)`;
    case 'rename-to': return `renameat2(AT_FDCWD, "x", AT_FDCWD, ${p}, 0)`;
    case 'stat': return `newfstatat(AT_FDCWD, ${p}, {...}, 0)`;
    case 'exec': return `execve(${p}, [...], 0x7ffd /* vars */)`;
    case 'chdir': return `chdir(${p})`;
    case 'chmod': return `fchmodat(AT_FDCWD, ${p}, 0600)`;
    case 'chown': return `fchownat(AT_FDCWD, ${p}, 0, 0, 0)`;
    case 'utime': return `utimensat(AT_FDCWD, ${p}, NULL, 0)`;
    case 'xattr': return `setxattr(${p}, "user.x", "", 0, 0)`;
    default: return `${right} on ${p}`;
  }
}

/**
 * The witness as a call and the explanation of the policy's decision on it.
 *
 * @example
 * explainWitness(engine, proof.witness!).call; // 'openat(AT_FDCWD, "/home/u/.ssh/keys", O_RDONLY)'
 */
export function explainWitness(engine: Engine, w: PathWitness, sourceLine?: (s: Span) => string | undefined): { call: string; explanation: string } {
  const right = rightsIn(w.right, engine.policy.abi)[0] ?? 'read';
  const call = exampleCall(right, w.path, w.context.flags ?? 0);
  const object: ResolvedObject = { path: w.path, exists: true, steps: [] };
  // Conditions are evaluated on the strings the rules name; the witness carries one of those.
  if (w.context.type !== undefined) object.type = w.context.type as InodeKind;
  const check: Request['checks'][number] = { role: 'object', object, rights: w.right };
  if (w.context.flags !== undefined) check.flags = w.context.flags;
  const verdict = judge(engine, { syscall: call, checks: [check] });
  return { call, explanation: renderExplanation(explain(engine.policy, verdict), sourceLine) };
}
