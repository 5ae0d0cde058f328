/**
 * The learned policy's `test` block: a few calls the recording made, written as strace prints
 * them, that the policy must allow, and one write outside the work directories it must deny.
 * Each candidate is judged first (judgeSingle), so the block only states what holds.
 */
import type { Engine } from '../rules/judge.js';
import { judgeSingle } from '../rules/single.js';
import { bit, type Right } from '../rules/rights.js';
import type { Collected, PathUses } from './collect.js';
import { isSystemRead, parentOf, under, type Proposal } from './generalise.js';
import { straceString } from './pattern.js';

const has = (u: PathUses, ...rights: Right[]): boolean => rights.every((r) => (u.rights & bit(r)) !== 0);
const succeeded = (u: PathUses, r: Right): boolean => (u.perRight.get(r)?.ok ?? 0) > 0;

/** Candidate calls, most telling first: a write in a work dir, reads, an exec, a probe. */
function allowCandidates(c: Collected, p: Proposal): string[] {
  const uses = [...c.uses.values()].filter((u) => straceString(u.path) && !u.path.startsWith('/proc/'));
  const out: string[] = [];
  for (const w of p.workDirs) {
    const made = uses.find((u) => under(u.path, w) && has(u, 'create', 'write'));
    if (made) out.push(`openat(AT_FDCWD, ${straceString(made.path)}, O_WRONLY|O_CREAT${has(made, 'truncate') ? '|O_TRUNC' : ''}, 0644)`);
    const dir = uses.find((u) => under(u.path, w) && has(u, 'mkdir'));
    if (dir) out.push(`mkdirat(AT_FDCWD, ${straceString(dir.path)}, 0755)`);
  }
  const reads = uses.filter((u) => u.type === 'reg' && succeeded(u, 'read'));
  const own = reads.find((u) => !isSystemRead(u));
  if (own) out.push(`openat(AT_FDCWD, ${straceString(own.path)}, O_RDONLY)`);
  const sys = reads.find((u) => isSystemRead(u) && u.path.startsWith('/etc/'));
  if (sys) out.push(`openat(AT_FDCWD, ${straceString(sys.path)}, O_RDONLY|O_CLOEXEC)`);
  const exe = uses.find((u) => succeeded(u, 'exec'));
  if (exe) out.push(`execve(${straceString(exe.path)}, [${straceString(exe.path.slice(exe.path.lastIndexOf('/') + 1) || 'x')}], 0x7ffd /* 1 var */)`);
  const probe = uses.find((u) => (u.perRight.get('stat')?.failed ?? 0) > 0 && !succeeded(u, 'stat'));
  if (probe) out.push(`newfstatat(AT_FDCWD, ${straceString(probe.path)}, 0x7ffd, 0)`);
  return out;
}

/** Writes that no recording made: beside the first work dir, then in system and home dirs. */
function denyCandidates(p: Proposal): string[] {
  const paths: string[] = [];
  const w = p.workDirs[0];
  if (w && w !== '/') paths.push(`${parentOf(w) === '/' ? '' : parentOf(w)}/${w.slice(w.lastIndexOf('/') + 1)}-outside`);
  paths.push('/etc/fdwarden-learned', '/root/fdwarden-learned', '/fdwarden-learned');
  return paths.filter((x) => straceString(x)).map((x) => `openat(AT_FDCWD, ${straceString(x)}, O_WRONLY|O_CREAT|O_TRUNC, 0644)`);
}

/**
 * `expect` lines (without indentation) that hold under `engine`, at most `max` allows and one deny.
 *
 * @example
 * learnedExpects(collected, proposal, engineFor(compiled.policy));
 * // ['expect allow openat(AT_FDCWD, "/tmp/w/a", O_WRONLY|O_CREAT|O_TRUNC, 0644)', ...,
 * //  'expect deny EACCES openat(AT_FDCWD, "/tmp/w-outside", O_WRONLY|O_CREAT|O_TRUNC, 0644)']
 */
export function learnedExpects(c: Collected, p: Proposal, engine: Engine, max = 4): string[] {
  const out: string[] = [];
  const split = (call: string) => {
    const open = call.indexOf('(');
    return judgeSingle(engine, call.slice(0, open), call.slice(open + 1, -1));
  };
  for (const call of allowCandidates(c, p)) {
    if (out.length >= max) break;
    const r = split(call);
    if (r.ok && r.verdict.allowed) out.push(`expect allow ${call}`);
  }
  for (const call of denyCandidates(p)) {
    const r = split(call);
    if (r.ok && !r.verdict.allowed) {
      out.push(`expect deny ${r.verdict.errno ?? 'EACCES'} ${call}`);
      break;
    }
  }
  return out;
}
