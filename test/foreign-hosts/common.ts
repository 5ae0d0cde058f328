/**
 * What the foreign-host tests share: the fsops module, seeds, the property runner that prints
 * the seed on failure, the output masking of the hidden property, and the rights oracle of the
 * spy properties (what a call that reaches a host needs, by the specification's table, checked
 * against the policy's subtrees as the test wrote them, not through the engine under test).
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { OPEN_FLAGS, pick, programArb } from '../security/ops.js';
import { compileWali, type MemoryVariant } from '../wali/build.js';
import { WA, type WasmModule } from '../../src/wali/wasm.js';
import type { DecisionEvent } from '../../src/wali-entry.js';
export { policy } from '../unit/wali/guest.js';

const modules = new Map<MemoryVariant, WasmModule>();

/** test/wali/programs/fsops.c, compiled (cached per memory variant). */
export function fsopsModule(variant: MemoryVariant = 'plain'): WasmModule {
  let m = modules.get(variant);
  if (!m) modules.set(variant, (m = new WA.Module(new Uint8Array(readFileSync(compileWali('fsops', variant))))));
  return m;
}

/** The `wali.SYS_*` names a module imports, without the prefix. */
export function importedSyscalls(m: WasmModule): string[] {
  return WA.Module.imports(m).filter((i) => i.module === 'wali' && i.name.startsWith('SYS_')).map((i) => i.name.slice(4));
}

/** The seed: FDWARDEN_SEED, or the test's own. */
export const seed = (fallback: number): number => Number(process.env['FDWARDEN_SEED'] ?? fallback);
/** A run count: FDWARDEN_FOREIGN_RUNS scales every property of this directory (default 1). */
export const runs = (n: number): number => Math.max(1, Math.round(n * Number(process.env['FDWARDEN_FOREIGN_RUNS'] ?? 1)));

/** Runs a property with a fixed seed; a failure says which seed replays it. */
export async function holds<T>(prop: fc.IAsyncProperty<T> | fc.IProperty<T>, s: number, numRuns: number): Promise<void> {
  try {
    await fc.assert(prop, { seed: s, numRuns, includeErrorInReport: true });
  } catch (e) {
    throw new Error(`seed ${s} (set FDWARDEN_SEED=${s} to replay): ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** A directory's size and every link count: what a hidden entry still adds to its parent (as test/security/hidden.property.test.ts). */
export function masked(out: string): string {
  return out.replace(/mode=040(\d+) size=\d+/g, 'mode=040$1 size=*').replace(/nlink=\d+/g, 'nlink=*').replace(/(mode=0x?[0-9a-f]*4\d{4} size=)\d+/g, '$1*');
}

/**
 * Random fsops programs (test/security/ops.ts) that start with an open, so that a `$` in the
 * first ops names an fd rather than ending the program with a usage error.
 */
export function programs(paths: readonly string[], max = 24): fc.Arbitrary<string[]> {
  return fc.tuple(pick(paths), pick(OPEN_FLAGS), programArb(paths, max)).map(([p, f, rest]) => ['open', p, f, ...rest]);
}

/** Reads and writes through `leaves`: cat, open+read, open+write, creating when absent. */
function accesses(leaves: readonly string[], max: number): fc.Arbitrary<string[]> {
  const leaf = pick(leaves);
  const access = fc.oneof(
    fc.tuple(fc.constant('cat'), leaf),
    fc.tuple(fc.constant('open'), leaf, fc.constant('O_RDWR|O_CREAT'), fc.constant('read'), fc.constant('$'), fc.constant('100')),
    fc.tuple(fc.constant('open'), leaf, fc.constant('O_WRONLY|O_CREAT'), fc.constant('write'), fc.constant('$'), fc.constant('x')),
  );
  return fc.array(access, { minLength: 1, maxLength: max }).map((a) => a.flat());
}

/**
 * Renames among a few of the guest's directories (directories it has not looked into), then
 * reads and writes through the names they end up at. The random soup of `programs` rarely strings
 * such steps together; this generator makes every run one.
 */
export function renameShuffles(dirs: readonly string[], leaves: readonly string[]): fc.Arbitrary<string[]> {
  const rename = fc.tuple(fc.constant('rename'), pick(dirs), pick(dirs));
  return fc.tuple(fc.array(rename, { minLength: 1, maxLength: 4 }), accesses(leaves, 3)).map(([r, a]) => [...r.flat(), ...a]);
}

/**
 * Symlinks the guest makes with bodies built from `pieces` (`..` after a symlink, say), then
 * reads and writes through them (`NAME/leaf`).
 */
export function symlinkBodies(pieces: readonly string[], names: readonly string[], leaves: readonly string[]): fc.Arbitrary<string[]> {
  const body = fc.tuple(fc.boolean(), fc.array(pick(pieces), { minLength: 1, maxLength: 4 })).map(([abs, p]) => (abs ? '/' : '') + p.join('/'));
  const link = fc.tuple(fc.constant('symlink'), body, pick(names));
  const through = names.flatMap((n) => leaves.map((l) => `${n}/${l}`));
  return fc.tuple(fc.array(link, { minLength: 1, maxLength: 2 }), accesses(through, 3)).map(([l, a]) => [...l.flat(), ...a]);
}

/** fsops' result of op `line` (0-based), as a number. */
export function result(stdout: string, line: number): number {
  const m = / = (-?\d+)/.exec(stdout.split('\n')[line] ?? '');
  return m ? Number(m[1]) : NaN;
}

// ---- the spy oracle ----

/** What a touched object needs: `r` (read, list, stat, chdir) or `w` (anything that changes or creates). */
export type Need = 'r' | 'w';

/** One object a call reaching the host acts on, resolved the host's (or its kernel's) way. */
export interface Touch {
  call: string;
  path: string;
  need: Need;
}

/** A policy's shape for the oracle: subtrees with every right, read-only subtrees, and hidden ones inside them. */
export interface Zones {
  full: readonly string[];
  readOnly?: readonly string[];
  none?: readonly string[];
}

const under = (p: string, dir: string): boolean => dir === '/' || p === dir || p.startsWith(`${dir}/`);

/** Whether the policy that `zones` describes allows `need` on `path`. */
export function zoneAllows(z: Zones, path: string, need: Need): boolean {
  if ((z.none ?? []).some((d) => under(path, d))) return false;
  if (z.full.some((d) => under(path, d))) return true;
  return need === 'r' && (z.readOnly ?? []).some((d) => under(path, d));
}

/** The touches that the policy does not allow (each as a readable line). */
export function unallowed(z: Zones, touches: readonly Touch[]): string[] {
  return touches.filter((t) => !zoneAllows(z, t.path, t.need)).map((t) => `${t.call} reached the host: ${t.need === 'w' ? 'changes' : 'reads'} ${t.path}`);
}

const O_ACCMODE = 3;
const O_CREAT = 0o100;
const O_EXCL = 0o200;
const O_TRUNC = 0o1000;
const O_NOFOLLOW = 0o400000;
const O_PATH = 0o10000000;
const O_TMPFILE_BIT = 0o20000000;

/** Whether an open with `flags` follows a final symlink. */
export const openFollows = (flags: number): boolean => (flags & O_NOFOLLOW) === 0 && (flags & O_PATH ? true : (flags & (O_CREAT | O_EXCL)) !== (O_CREAT | O_EXCL));

/** What an open with `flags` needs on its object (`exists`: the final name is there). */
export function openNeed(flags: number, exists: boolean): Need {
  if (flags & O_PATH) return 'r';
  if ((flags & O_ACCMODE) !== 0 || flags & O_TRUNC || flags & O_TMPFILE_BIT || (flags & O_CREAT && (!exists || flags & O_EXCL))) return 'w';
  return 'r';
}

/** Calls on an fd's object: what they need. Calls on the fd itself (close, dup, lseek, fsync ...) need nothing. */
export const FD_NEEDS: Readonly<Record<string, Need>> = {
  read: 'r', pread64: 'r', readv: 'r', getdents64: 'r', fstat: 'r', fchdir: 'r',
  write: 'w', pwrite64: 'w', writev: 'w', ftruncate: 'w', fchmod: 'w',
};

/** Path calls and what they need (open, link, rename and symlink are handled by their flags). */
export const PATH_NEEDS: Readonly<Record<string, Need>> = {
  stat: 'r', lstat: 'r', newfstatat: 'r', statx: 'r', access: 'r', faccessat2: 'r', readlink: 'r', chdir: 'r',
  mkdir: 'w', mkdirat: 'w', rmdir: 'w', unlink: 'w', unlinkat: 'w', chmod: 'w', fchmodat: 'w', utimensat: 'w',
};

type Word = number | bigint;

/** How a host resolves what a call names (its own walk, or its kernel's), for the spies. */
export interface Resolver {
  /** The guest string at p; null for NULL or a bad pointer. */
  str(p: Word): string | null;
  /** What (dirfd, path) names: its path and whether it exists; null when the walk fails before the last name. */
  obj(dirfd: number, path: string, follow: boolean): { path: string; exists: boolean } | null;
  /** The path of guest fd `fd`'s object (AT_FDCWD: the cwd); null when it has none. */
  fd(fd: number): string | null;
}

const AT_FDCWD = -100;
const AT_SYMLINK_NOFOLLOW = 0x100;
const AT_SYMLINK_FOLLOW = 0x400;
const AT_EMPTY_PATH = 0x1000;

/**
 * What a call that reached the host acts on, before it runs: each object with what it needs
 * (spec/syscall-rights.md, coarsely: `r` or `w`). Calls on the fd itself need nothing; stdio
 * (guest fds 0-2) needs nothing.
 */
export function callTouches(name: string, a: readonly Word[], r: Resolver): Touch[] {
  const out: Touch[] = [];
  const n = (x: Word | undefined): number => Number(x ?? 0) | 0;
  const add = (o: { path: string } | string | null, need: Need): void => {
    if (o !== null) out.push({ call: name, path: typeof o === 'string' ? o : o.path, need });
  };
  const obj = (dirfd: number, p: Word | undefined, follow: boolean, flags = 0) => {
    const s = n(p) === 0 ? null : r.str(p!);
    if ((s === null || s === '') && flags & AT_EMPTY_PATH) {
      const f = r.fd(dirfd);
      return f === null ? null : { path: f, exists: true };
    }
    return s === null || s === '' ? null : r.obj(dirfd, s, follow);
  };
  const follows = (f: Word | undefined): boolean => (n(f) & AT_SYMLINK_NOFOLLOW) === 0;
  switch (name) {
    case 'open': case 'openat': {
      const [d, p, fl] = name === 'open' ? [AT_FDCWD, a[0], a[1]] : [n(a[0]), a[1], a[2]];
      const flags = n(fl);
      const o = obj(d, p, openFollows(flags));
      // O_TMPFILE names a directory, in which an unnamed file is made.
      if (o) add(o, flags & O_TMPFILE_BIT && !(flags & O_PATH) ? 'w' : openNeed(flags, o.exists));
      break;
    }
    case 'stat': case 'access': case 'chdir': add(obj(AT_FDCWD, a[0], true), 'r'); break;
    case 'lstat': case 'readlink': add(obj(AT_FDCWD, a[0], false), 'r'); break;
    case 'newfstatat': add(obj(n(a[0]), a[1], follows(a[3]), n(a[3])), 'r'); break;
    case 'statx': add(obj(n(a[0]), a[1], follows(a[2]), n(a[2])), 'r'); break;
    case 'faccessat2': add(obj(n(a[0]), a[1], follows(a[3]), n(a[3])), 'r'); break;
    case 'mkdir': case 'rmdir': case 'unlink': add(obj(AT_FDCWD, a[0], false), 'w'); break;
    case 'chmod': add(obj(AT_FDCWD, a[0], true), 'w'); break;
    case 'mkdirat': case 'unlinkat': add(obj(n(a[0]), a[1], false), 'w'); break;
    case 'fchmodat': add(obj(n(a[0]), a[1], true), 'w'); break; // the raw syscall has no flags
    case 'utimensat': add(obj(n(a[0]), a[1], follows(a[3]), n(a[3]) | (n(a[1]) === 0 ? AT_EMPTY_PATH : 0)), 'w'); break;
    case 'rename': add(obj(AT_FDCWD, a[0], false), 'w'); add(obj(AT_FDCWD, a[1], false), 'w'); break;
    case 'renameat2': add(obj(n(a[0]), a[1], false), 'w'); add(obj(n(a[2]), a[3], false), 'w'); break;
    // A link's new name gives its object the rights there: the old name must have them (no escalation).
    case 'link': add(obj(AT_FDCWD, a[0], false), 'w'); add(obj(AT_FDCWD, a[1], false), 'w'); break;
    case 'linkat': add(obj(n(a[0]), a[1], (n(a[4]) & AT_SYMLINK_FOLLOW) !== 0, n(a[4])), 'w'); add(obj(n(a[2]), a[3], false), 'w'); break;
    case 'symlink': add(obj(AT_FDCWD, a[1], false), 'w'); break;
    case 'symlinkat': add(obj(n(a[1]), a[2], false), 'w'); break;
    default: {
      const need = FD_NEEDS[name];
      const fd = n(a[0]);
      if (need && !(fd >= 0 && fd <= 2)) add(r.fd(fd), need);
    }
  }
  return out;
}

/** The objects an allowed decision judged, in order (a link's source is judged as its escalation check's `from`). */
export function judgedPaths(e: DecisionEvent): string[] {
  const v = e.verdict;
  const out = (v?.checks ?? []).filter((c) => c.check.role !== 'fd' && c.check.object.path !== undefined).map((c) => c.check.object.path!);
  const from = v?.request.refer?.from.path;
  if (from !== undefined && !out.includes(from)) out.unshift(from);
  return out;
}

/**
 * The spy under the interposer: hears the interposer's decisions (give `onDecision` to wrap(),
 * with decisions 'all') and, through `hostCall`, every call that reaches the host, before it
 * runs. It records what each such call acts on, resolved the host's way (`touches`), and where
 * that is not what the allowed decision just before it judged (`mismatches`).
 */
export class Spy {
  readonly touches: Touch[] = [];
  readonly mismatches: string[] = [];
  readonly denials: DecisionEvent[] = [];
  private last: DecisionEvent | undefined;

  constructor(private readonly resolver: Resolver | undefined) {}

  readonly onDecision = (e: DecisionEvent): void => {
    if (!e.allowed) this.denials.push(e);
    this.last = e;
  };

  hostCall(name: string, args: readonly Word[]): void {
    if (!this.resolver) return;
    const t = callTouches(name, args, this.resolver);
    this.touches.push(...t);
    const last = this.last;
    this.last = undefined;
    if (name in FD_NEEDS) return; // fd calls: the rights the fd obtained at open, no path judged
    const paths = t.map((x) => x.path);
    const judged = last && last.allowed && last.syscall === name ? judgedPaths(last) : [];
    if (paths.length > 0 && JSON.stringify(paths) !== JSON.stringify(judged)) this.mismatches.push(`${name}: judged ${JSON.stringify(judged)}, the host acts on ${JSON.stringify(paths)}`);
  }
}
