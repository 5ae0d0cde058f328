/**
 * The small namespace sampled programs run in: a concrete instance of the promise's area (a
 * file under `~/.ssh` for `never read under ~/.ssh`), its neighbours, the proof's witness when
 * there is one, and a working directory just above the boundary, so that short programs can
 * cross it through `..`, symlinks, dirfds and renames. Names are the area's own literals and
 * near misses of them (case, a dot more or less, a character more).
 */
import type { ViewEntry } from '../state/view.js';
import type { IrPolicy } from '../rules/ir.js';
import { parsePattern } from '../rules/glob.js';
import { segmentRepresentatives } from '../rules/inclusion.js';

/** Where sampled programs start and what they can name. */
export interface World {
  /** The first process's working directory. */
  readonly cwd: string;
  /** The filesystem before the program runs (a snapshot view's entries). */
  readonly entries: Readonly<Record<string, ViewEntry>>;
  /** Relative path fragments: names in the area and around it, `..`, near misses. */
  readonly names: readonly string[];
  /** Absolute paths of interest (inside and outside the area). */
  readonly absolute: readonly string[];
  /** Symlink targets that point across the boundary. */
  readonly targets: readonly string[];
  /** Relative names inside the globs' instances (existing and new) and outside them. */
  readonly inside: readonly string[];
  readonly outside: readonly string[];
}

const parent = (p: string): string => p.replace(/\/[^/]*$/, '') || '/';
const join = (d: string, n: string): string => (d === '/' ? `/${n}` : `${d}/${n}`);
const base = (p: string): string => p.slice(p.lastIndexOf('/') + 1);

/**
 * A concrete path the glob matches: wildcards by a matching name, a trailing `**` by one segment.
 *
 * @example
 * globInstance('/home/u/.ssh/id_*'); // '/home/u/.ssh/id_'
 */
export function globInstance(glob: string): string {
  const segs = parsePattern(glob).segments;
  const out: string[] = [];
  segs.forEach((s, i) => {
    if (s.kind === 'literal') out.push(s.text);
    else if (s.kind === 'wild') out.push(segmentRepresentatives([s.wild], []).find((r) => s.wild.match(r)) ?? 'x');
    else if (i === segs.length - 1) out.push('x');
  });
  return '/' + out.join('/');
}

/**
 * Near misses of a name: another case, a dot more or less, a character more.
 *
 * @example
 * nearMisses('.ssh'); // ['.SSH', 'ssh', '.sshx', '.ssh.']
 */
export function nearMisses(name: string): string[] {
  const out = [name.toUpperCase(), name.startsWith('.') ? name.slice(1) : `.${name}`, `${name}x`, `${name}.`];
  return out.filter((n) => n !== name && n !== '' && n !== '.' && n !== '..');
}

/**
 * Literal segments of a policy's patterns (at most `limit`).
 *
 * @example
 * policyLiterals(ir); // e.g. ['home', 'u', '.ssh', 'known_hosts', 'tmp']
 */
export function policyLiterals(ir: IrPolicy, limit = 24): string[] {
  const names = new Set<string>();
  for (const r of ir.rules) {
    for (const p of [...r.patterns, ...r.except]) {
      for (const s of parsePattern(p).segments) if (s.kind === 'literal') names.add(s.text);
    }
  }
  return [...names].slice(0, limit);
}

/**
 * The namespace for a promise's globs, with extra paths (the proof's witness) made to exist.
 *
 * @example
 * const w = buildWorld(['/home/u/.ssh', '/home/u/.ssh/**']);
 * w.cwd; // '/home/u'
 * Object.keys(w.entries); // ['/home/u', '/home/u/.ssh', '/home/u/.ssh/x', '/home/u/d', ...]
 */
export function buildWorld(globs: readonly string[], extra: readonly string[] = []): World {
  const inside = globs.slice(0, 4).map(globInstance);
  const first = globs[0] ?? '/';
  const i0 = inside[0] ?? '/';
  const cwd = first.endsWith('/**') ? parent(parent(i0)) : parent(i0);
  const files = new Set<string>([join(cwd, 'f'), join(join(cwd, 'd'), 'g'), ...inside, ...extra]);
  for (const i of inside) if (i !== '/') files.add(join(parent(i), 'k'));
  const dirs = new Set<string>([cwd, join(cwd, 'd')]);
  for (const f of files) for (let d = parent(f); d !== '/'; d = parent(d)) dirs.add(d);
  const entries: Record<string, ViewEntry> = {};
  for (const d of dirs) entries[d] = { kind: 'dir' };
  for (const f of files) if (!dirs.has(f) && f !== '/') entries[f] = { kind: 'reg' };

  const rel = (p: string): string => (p === cwd ? '.' : p.startsWith(cwd === '/' ? '/' : cwd + '/') ? p.slice(cwd === '/' ? 1 : cwd.length + 1) : p);
  const names = new Set<string>(['d', 'f', 'g', 'k', 'l', 'n', '..', '.']);
  for (const p of [...inside, ...extra]) {
    const r = rel(p);
    if (r.startsWith('/')) continue;
    names.add(r);
    for (const seg of r.split('/')) {
      names.add(seg);
      for (const m of nearMisses(seg)) names.add(m);
    }
  }
  const absolute = new Set<string>([...inside, ...extra, join(cwd, 'f'), join(cwd, 'd')]);
  for (const i of inside) absolute.add(parent(i));
  const deepest = inside[inside.length - 1] ?? i0;
  const targets = new Set<string>([...inside, ...inside.map(parent), ...inside.map(rel), `../${base(cwd)}/${rel(parent(deepest))}`, '/', join(cwd, 'f')]);
  const inRel = [...new Set([...inside, ...extra, ...inside.map((i) => join(parent(i), 'n'))].map(rel))];
  return {
    cwd, entries, names: [...names].filter((n) => n !== ''), absolute: [...absolute], targets: [...targets].filter((t) => t !== ''),
    inside: inRel.filter((r) => r !== '.' && r !== ''), outside: ['f', 'd', 'd/g', 'k', 'n', 'd/n'],
  };
}
