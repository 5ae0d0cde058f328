/**
 * fast-check arbitraries: paths biased to a policy's literals and their near misses, and syscall
 * programs over a World. A program is a list of abstract operations whose fd arguments are slots
 * (the k-th fd still open) rather than numbers, so that any sub-list is still a meaningful
 * program and fast-check can shrink a counterexample to the few calls that matter.
 */
import fc from 'fast-check';
import type { IrPolicy } from '../rules/ir.js';
import { bit, type Right } from '../rules/rights.js';
import {
  O_APPEND, O_CREAT, O_DIRECTORY, O_EXCL, O_NOFOLLOW, O_PATH, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY, RENAME_EXCHANGE, RENAME_NOREPLACE,
} from '../linux/index.js';
import { nearMisses, policyLiterals, type World } from './world.js';

/** A directory argument: the cwd, the k-th or the latest open fd, or an fd the model never saw (unknown). */
export type DirRef = { cwd: true } | FdRef;
/** An fd argument: the k-th or the latest open fd, or an unknown inherited one. */
export type FdRef = { slot: number } | { last: true } | { unknownFd: number };

/** One operation of a sampled program; `run.ts` turns it into a `Call`. */
export type Op =
  | { op: 'open'; dir: DirRef; path: string; flags: number }
  | { op: 'mkdir'; dir: DirRef; path: string }
  | { op: 'symlink'; target: string; dir: DirRef; path: string }
  | { op: 'link'; from: DirRef; oldpath: string; to: DirRef; newpath: string; follow: boolean }
  | { op: 'rename'; from: DirRef; oldpath: string; to: DirRef; newpath: string; flags: number }
  | { op: 'unlink'; dir: DirRef; path: string; rmdir: boolean }
  | { op: 'chdir'; path: string }
  | { op: 'fchdir'; fd: FdRef }
  | { op: 'dup'; fd: FdRef }
  | { op: 'use'; name: 'read' | 'write' | 'getdents64' | 'fstat' | 'ftruncate'; fd: FdRef }
  | { op: 'stat'; dir: DirRef; path: string };

/** The unknown fd sampled programs may use (inherited from before tracing). */
export const UNKNOWN_FD = 9;

const OPEN_FLAGS = [
  O_RDONLY, O_RDONLY, O_WRONLY | O_CREAT | O_TRUNC, O_RDWR, O_RDONLY | O_DIRECTORY, O_PATH, O_WRONLY | O_APPEND,
  O_RDONLY | O_NOFOLLOW, O_WRONLY | O_CREAT | O_EXCL,
];

/**
 * A relative path from `names`: one name, or a few joined by `/` or `//`, maybe with a trailing `/`.
 *
 * @example
 * fc.sample(relativePathArbitrary(['.ssh', 'x', '..']), 2); // e.g. ['.ssh//x/', '..']
 */
export function relativePathArbitrary(names: readonly string[]): fc.Arbitrary<string> {
  const name = fc.constantFrom(...names);
  const joined = fc
    .tuple(fc.array(fc.tuple(name, fc.constantFrom('/', '/', '//')), { minLength: 1, maxLength: 3 }), fc.boolean())
    .map(([parts, trailing]) => parts.map(([n, s]) => n + s).join('').replace(/\/+$/, '') + (trailing ? '/' : ''))
    .filter((p) => p !== '');
  return fc.oneof({ weight: 3, arbitrary: name }, { weight: 2, arbitrary: joined });
}

/**
 * Names a policy's paths are built from: its literals, their near misses, `.`, `..`, a stranger.
 *
 * @example
 * policyNames(ir); // e.g. ['home', '.ssh', 'HOME', 'ssh', 'homex', '.', '..', 'x', ...]
 */
export function policyNames(policy: IrPolicy): string[] {
  const lits = policyLiterals(policy);
  return [...new Set([...lits, ...lits.flatMap(nearMisses), '.', '..', 'x'])];
}

/**
 * Absolute paths biased to a policy's own literals and near misses, with `..`, `.`, `//` and
 * trailing `/` thrown in (as a program would write them, not normalised).
 *
 * @example
 * fc.assert(fc.property(absolutePathArbitrary(ir), (p) => p.startsWith('/')));
 */
export function absolutePathArbitrary(policy: IrPolicy): fc.Arbitrary<string> {
  return relativePathArbitrary(policyNames(policy)).map((p) => `/${p}`);
}

/**
 * Relative paths over a policy's names (see absolutePathArbitrary).
 *
 * @example
 * fc.sample(relativePathArbitrary(policyNames(ir)), 3); // e.g. ['.ssh', '../u//.SSH/', 'x']
 */
export function policyRelativePathArbitrary(policy: IrPolicy): fc.Arbitrary<string> {
  return relativePathArbitrary(policyNames(policy));
}

function dirRef(): fc.Arbitrary<DirRef> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant<DirRef>({ cwd: true }) },
    { weight: 4, arbitrary: fdRef() },
  );
}

function fdRef(): fc.Arbitrary<FdRef> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant<FdRef>({ last: true }) },
    { weight: 4, arbitrary: fc.nat({ max: 3 }).map((slot): FdRef => ({ slot })) },
    { weight: 1, arbitrary: fc.constant<FdRef>({ unknownFd: UNKNOWN_FD }) },
  );
}

/**
 * Paths for one World: relative fragments, or absolute paths of interest (with `//` variants).
 *
 * @example
 * fc.sample(worldPathArbitrary(buildWorld(['/home/u/.ssh/**'])), 2); // e.g. ['.ssh/x', '/home/u//f']
 */
export function worldPathArbitrary(w: World): fc.Arbitrary<string> {
  const abs = fc.constantFrom(...w.absolute).chain((p) => fc.constantFrom(p, p.replace(/\/([^/]*)$/, '//$1'), `${p}/`));
  return fc.oneof({ weight: 3, arbitrary: relativePathArbitrary(w.names) }, { weight: 2, arbitrary: abs });
}

/** How often each operation is drawn, leaning to the ones that exercise the promised rights. */
function weights(rights: number): Record<Op['op'], number> {
  const has = (...rs: Right[]): boolean => rs.some((r) => (rights & bit(r)) !== 0);
  return {
    open: 6, use: 4, rename: has('rename-from', 'rename-to') ? 5 : 3, symlink: has('symlink') ? 4 : 2, link: has('link') ? 4 : 1,
    mkdir: has('mkdir') ? 4 : 1, unlink: has('delete', 'rmdir') ? 5 : 1, chdir: has('chdir') ? 3 : 1, fchdir: 2, dup: 1,
    stat: has('stat') ? 4 : 1,
  };
}

/**
 * One operation over a World.
 *
 * @example
 * fc.sample(opArbitrary(buildWorld(['/home/u/.ssh/**'])), 1); // e.g. [{ op: 'open', dir: { cwd: true }, path: '.ssh/x', flags: 0 }]
 */
export function opArbitrary(w: World, rights = 0): fc.Arbitrary<Op> {
  const path = worldPathArbitrary(w);
  const wt = weights(rights);
  const arbs: { [K in Op['op']]: fc.Arbitrary<Extract<Op, { op: K }>> } = {
    open: fc.record({ op: fc.constant('open' as const), dir: dirRef(), path, flags: fc.constantFrom(...OPEN_FLAGS) }),
    mkdir: fc.record({ op: fc.constant('mkdir' as const), dir: dirRef(), path }),
    symlink: fc.record({ op: fc.constant('symlink' as const), target: fc.constantFrom(...w.targets), dir: dirRef(), path }),
    link: fc.record({ op: fc.constant('link' as const), from: dirRef(), oldpath: path, to: dirRef(), newpath: path, follow: fc.boolean() }),
    rename: fc.record({ op: fc.constant('rename' as const), from: dirRef(), oldpath: path, to: dirRef(), newpath: path, flags: fc.constantFrom(0, 0, RENAME_NOREPLACE, RENAME_EXCHANGE) }),
    unlink: fc.record({ op: fc.constant('unlink' as const), dir: dirRef(), path, rmdir: fc.boolean() }),
    chdir: fc.record({ op: fc.constant('chdir' as const), path }),
    fchdir: fc.record({ op: fc.constant('fchdir' as const), fd: fdRef() }),
    dup: fc.record({ op: fc.constant('dup' as const), fd: fdRef() }),
    use: fc.record({ op: fc.constant('use' as const), name: fc.constantFrom('read' as const, 'write' as const, 'getdents64' as const, 'fstat' as const, 'ftruncate' as const), fd: fdRef() }),
    stat: fc.record({ op: fc.constant('stat' as const), dir: dirRef(), path }),
  };
  const all = (Object.keys(arbs) as Op['op'][]).map((k) => ({ weight: wt[k], arbitrary: arbs[k] as fc.Arbitrary<Op> }));
  return fc.oneof(...all);
}

const LAST: FdRef = { last: true };
const CWD: DirRef = { cwd: true };

/**
 * Short sequences that cross the area's boundary the ways programs do: an fd or dirfd opened,
 * then its object renamed across; a symlink or hard link across, then used.
 *
 * @example
 * fc.sample(crossingArbitrary(world), 1); // e.g. [[open f, rename f → .ssh/n, read(last fd)]]
 */
export function crossingArbitrary(w: World, rights = 0): fc.Arbitrary<Op[]> {
  const either = fc.constantFrom(...w.inside, ...w.outside);
  const flags = fc.constantFrom(...OPEN_FLAGS);
  // Each fd call with the access mode it needs, preferring the ones the promise is about.
  const uses: [Extract<Op, { op: 'use' }>['name'], number, Right][] = [
    ['read', O_RDONLY, 'read'], ['write', O_WRONLY, 'write'], ['getdents64', O_RDONLY | O_DIRECTORY, 'list'], ['ftruncate', O_RDWR, 'truncate'],
  ];
  const wanted = uses.filter(([, , r]) => (rights & bit(r)) !== 0);
  const moved = fc.tuple(either, either, fc.constantFrom(...(wanted.length ? wanted : uses))).map(([a, b, [name, f]]): Op[] => [
    { op: 'open', dir: CWD, path: a, flags: f },
    { op: 'rename', from: CWD, oldpath: a, to: CWD, newpath: b, flags: 0 },
    { op: 'use', name, fd: LAST },
  ]);
  const dirMoved = fc.tuple(either, either, relativePathArbitrary(w.names), flags).map(([a, b, p, f]): Op[] => [
    { op: 'open', dir: CWD, path: a, flags: O_RDONLY | O_DIRECTORY },
    { op: 'rename', from: CWD, oldpath: a, to: CWD, newpath: b, flags: 0 },
    { op: 'open', dir: LAST, path: p, flags: f },
  ]);
  const linked = fc.tuple(fc.constantFrom(...w.targets), either, relativePathArbitrary(w.names), flags).map(([t, l, p, f]): Op[] => [
    { op: 'symlink', target: t, dir: CWD, path: l },
    { op: 'open', dir: CWD, path: `${l}/${p}`, flags: f },
  ]);
  const hard = fc.tuple(either, either, flags).map(([a, b, f]): Op[] => [
    { op: 'link', from: CWD, oldpath: a, to: CWD, newpath: b, follow: false },
    { op: 'open', dir: CWD, path: b, flags: f },
  ]);
  return fc.oneof(moved, dirMoved, linked, hard);
}

/**
 * Whole programs: 1 to `maxLength` operations (default 8).
 *
 * @example
 * fc.assert(fc.property(programArbitrary(world), (ops) => runProgram(engine, world, ops).steps.length <= ops.length));
 */
export function programArbitrary(w: World, opts: { maxLength?: number; rights?: number } = {}): fc.Arbitrary<Op[]> {
  const max = opts.maxLength ?? 8;
  const chunk = fc.oneof({ weight: 2, arbitrary: opArbitrary(w, opts.rights ?? 0).map((op) => [op]) }, { weight: 1, arbitrary: crossingArbitrary(w, opts.rights ?? 0) });
  return fc.array(chunk, { minLength: 1, maxLength: Math.max(1, Math.ceil(max / 2)) }).map((cs) => cs.flat().slice(0, max));
}
