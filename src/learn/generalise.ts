/**
 * From collected uses to rules: exact grants per path, work directories globbed up into
 * `under DIR` grants, system reads set apart, and what a base policy already allows left out.
 * Every widening is returned as a `Generalisation` so that it is shown, never silent.
 */
import type { Engine } from '../rules/judge.js';
import { bit, rightsIn, type Right } from '../rules/rights.js';
import type { Collected, PathUses } from './collect.js';
import { balanceRefers } from './refer.js';

const rightsText = (m: number): string => rightsIn(m).join(',');

/** Rights that change the filesystem: what makes a directory a work directory. */
export const WRITE_CLASS: number = (
  ['write', 'append', 'truncate', 'create', 'mkdir', 'mknod', 'symlink', 'link', 'delete', 'rmdir',
    'rename-from', 'rename-to', 'chmod', 'chown', 'xattr', 'utime'] as Right[]
).reduce((m, r) => m | bit(r), 0);

const READ_CLASS = (['read', 'list', 'stat', 'exec', 'chdir'] as Right[]).reduce((m, r) => m | bit(r), 0);

const SYSTEM_PREFIXES = ['/usr', '/lib', '/lib32', '/lib64', '/libx32', '/bin', '/sbin', '/etc', '/proc', '/sys', '/dev'];
/** Devices every program writes to; writing them is no reason to leave the system file. */
const STD_DEVICES = new Set(['/dev/null', '/dev/zero', '/dev/full', '/dev/tty']);
/** Shared directories that are never globbed up, whatever was written below them. */
const SHARED_DIRS = new Set(['/', '/tmp', '/var', '/var/tmp', '/home', '/root', '/run', '/dev/shm', '/mnt', '/media', '/opt', '/srv']);

export const under = (p: string, dir: string): boolean => p === dir || p.startsWith(dir === '/' ? '/' : dir + '/');
const below = (p: string, dir: string): boolean => p !== dir && under(p, dir);
export const parentOf = (p: string): string => p.slice(0, p.lastIndexOf('/')) || '/';

function inSystem(p: string): boolean {
  return SYSTEM_PREFIXES.some((s) => under(p, s));
}

/** A system read: goes to the system file (or is left to the base policy). */
export function isSystemRead(u: Pick<PathUses, 'path' | 'rights'>): boolean {
  if (!inSystem(u.path)) return false;
  return (u.rights & ~READ_CLASS) === 0 || (STD_DEVICES.has(u.path) && (u.rights & ~(READ_CLASS | bit('write') | bit('append'))) === 0);
}

/** A directory that may become `under DIR`: not shared, not the system's, not a home itself. */
export function globbable(dir: string): boolean {
  return !SHARED_DIRS.has(dir) && !inSystem(dir) && !/^\/home\/[^/]+$/.test(dir);
}

export interface LearnedRule {
  kind: 'path' | 'under';
  path: string;
  rights: number;
  /** In the system file. */
  system: boolean;
  /** The recorded uses behind an exact rule. */
  uses?: PathUses;
  /** Why it is there when not recorded as such (rename no-escalation...). */
  note?: string;
}

export interface Generalisation {
  /** `under DIR`, or one exact path that got rights it was not recorded using. */
  kind: 'under' | 'path';
  dir: string;
  /** Recorded paths it covers (the directory and everything below it). */
  covers: number;
  /** The rights granted (for `path`: the rights added). */
  rights: number;
  why: 'work' | 'refer';
}

export interface Proposal {
  rules: LearnedRule[];
  generalisations: Generalisation[];
  /** Work directories (the `under` grants), for tests and `expect deny`. */
  workDirs: string[];
  /** Exact grants left out because the base policy allows them. */
  omittedByBase: number;
}

export interface GeneraliseOptions {
  /** Distinct written paths below a directory that make it `under DIR` (default 3). */
  threshold?: number;
  /** A base policy included by the learned one: what it allows is not repeated. */
  base?: Engine;
}

/**
 * Work directories: start cwds, created directories and parents of written files under which at
 * least `threshold` distinct written paths are not yet in a deeper work directory. Deepest
 * first, so that one file written beside the cwd does not carry the glob above the cwd.
 *
 * @example
 * workRoots(collected, 3); // ['/tmp/fspwork/rm-rf']
 */
export function workRoots(c: Collected, threshold: number): string[] {
  const written = [...c.uses.values()].filter((u) => u.rights & WRITE_CLASS).map((u) => u.path);
  const anchors = [...new Set<string>([...c.cwds, ...c.createdDirs, ...written.map(parentOf)])].filter(globbable);
  const depth = (p: string) => p.split('/').length;
  anchors.sort((a, b) => depth(b) - depth(a) || (a < b ? -1 : 1));
  let roots: string[] = [];
  for (const d of anchors) {
    const uncovered = written.filter((p) => below(p, d) && !roots.some((r) => under(p, r)));
    if (uncovered.length < threshold) continue;
    roots = [...roots.filter((r) => !below(r, d)), d];
  }
  return roots.sort();
}

/**
 * Proposes the rules of a learned policy.
 *
 * @example
 * const p = propose(collected, { threshold: 3 });
 * p.generalisations; // [{ dir: '/tmp/w', covers: 14, rights: ..., why: 'work' }]
 */
export function propose(c: Collected, opts: GeneraliseOptions = {}): Proposal {
  const threshold = opts.threshold ?? 3;
  const roots = workRoots(c, threshold);
  const unders = new Map<string, number>();
  const generalisations: Generalisation[] = [];
  for (const d of roots) {
    const inside = [...c.uses.values()].filter((u) => under(u.path, d));
    const rights = inside.reduce((m, u) => m | u.rights, 0);
    unders.set(d, rights);
    generalisations.push({ kind: 'under', dir: d, covers: inside.length, rights, why: 'work' });
  }
  const exact = new Map<string, number>();
  for (const u of c.uses.values()) if (!roots.some((d) => under(u.path, d))) exact.set(u.path, u.rights);
  // A rename or link must not give the object more rights at its new name than at its old one.
  const added = balanceRefers(c.refers, exact, unders);
  for (const [dir, rights] of added.unders) {
    const covers = [...c.uses.keys()].filter((p) => under(p, dir)).length;
    generalisations.push({ kind: 'under', dir, covers, rights, why: 'refer' });
  }
  for (const [path, rights] of added.exact) {
    generalisations.push({ kind: 'path', dir: path, covers: c.uses.has(path) ? 1 : 0, rights, why: 'refer' });
  }
  const rules: LearnedRule[] = [];
  for (const [dir, rights] of unders) rules.push({ kind: 'under', path: dir, rights, system: false });
  let omittedByBase = 0;
  for (const [path, rights0] of exact) {
    const uses = c.uses.get(path);
    // What the base allows is not repeated (`undefined` type: a `when type` rule is not counted on).
    const rights = opts.base ? rights0 & ~opts.base.allowedMask(path) : rights0;
    if (rights === 0) {
      omittedByBase++;
      continue;
    }
    const r: LearnedRule = { kind: 'path', path, rights, system: isSystemRead({ path, rights }) };
    if (uses) r.uses = uses;
    const plus = added.exact.get(path);
    if (plus) r.note = `+${rightsText(plus)}: a rename or link from here must not gain rights`;
    rules.push(r);
  }
  // Grouped by directory, then by name.
  const key = (r: LearnedRule) => `${parentOf(r.path)}\0${r.path}`;
  rules.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return { rules, generalisations, workDirs: [...unders.keys()].sort(), omittedByBase };
}
