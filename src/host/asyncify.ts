/**
 * The Asyncify build of a module that forks or uses setjmp. A JS host cannot copy or rewind a
 * running wasm stack, so such modules are rewritten by binaryen's Asyncify pass: the stack can
 * then be unwound into linear memory (each frame's locals saved) and rewound from it. fork copies
 * the unwound memory into a second instance; setjmp keeps a copy of the unwound frames and
 * longjmp rewinds to it (src/host/processes.ts).
 *
 * Only the imports that need it (`ASYNC_IMPORTS`) can unwind, so Asyncify instruments only the
 * functions that may reach them. Every mutable global the module defines is exported as
 * `GLOBAL_EXPORT + index` so that a forked instance gets the parent's values (the shadow stack
 * pointer, the TLS base). The result is cached on disk under a hash of the input.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { readModuleTypes, type ModuleTypes } from '../wali/module-types.js';
import { WALI_MODULE } from '../wali/table.js';

/** The imports that unwind the stack: fork and the setjmp family. */
export const ASYNC_IMPORTS = ['SYS_fork', 'SYS_vfork', 'setjmp', 'sigsetjmp', 'longjmp', 'siglongjmp'] as const;

/** Prefix of the exports that carry the module's mutable globals. */
export const GLOBAL_EXPORT = '__fdwarden_global_';

/** An export every output of the transform has (an already transformed module is not transformed again). */
export const ASYNCIFIED_MARK = '__fdwarden_asyncified';

/** Bumped when the transform changes, so old cache entries are not used. */
const TRANSFORM_VERSION = 2;

/** When the transform applies: `auto` (the module imports fork or setjmp), always, or never. */
export type AsyncifyMode = 'auto' | 'always' | 'never';

const typesOf = (b: Uint8Array | ModuleTypes): ModuleTypes => (b instanceof Uint8Array ? readModuleTypes(b) : b);

/** The module's imports and exports, or undefined for bytes that are not a module. */
function readable(bytes: Uint8Array): ModuleTypes | undefined {
  try {
    return readModuleTypes(bytes);
  } catch {
    return undefined;
  }
}

/** Whether the module imports fork, vfork, a setjmp/longjmp or execve (which needs the process tree) from module `wali`. */
export function wantsAsyncify(bytes: Uint8Array | ModuleTypes): boolean {
  const names = new Set<string>([...ASYNC_IMPORTS, 'SYS_execve']);
  return typesOf(bytes).imports.some((i) => i.module === WALI_MODULE && i.kind === 'function' && names.has(i.name));
}

/** Whether `bytes` is already this transform's output (the unwind entry points and the globals' exports). */
export function isAsyncified(bytes: Uint8Array | ModuleTypes): boolean {
  const names = typesOf(bytes).exports.map((e) => e.name);
  return names.includes('asyncify_start_unwind') && names.includes(ASYNCIFIED_MARK);
}

/** Where transformed modules are kept: FDWARDEN_CACHE_DIR, else $XDG_CACHE_HOME/fdwarden or ~/.cache/fdwarden. */
export function cacheDir(): string {
  const base = process.env['FDWARDEN_CACHE_DIR'] ?? join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'fdwarden');
  return join(base, 'asyncify');
}

export interface Asyncified {
  bytes: Uint8Array;
  /** Whether the bytes came from the disk cache. */
  cached: boolean;
}

type Binaryen = typeof import('binaryen').default;
/** binaryen once loaded (a synchronous transform is possible only then: execve runs in a synchronous call). */
let loaded: Binaryen | undefined;

/** Runs the transform (binaryen is loaded only here: it is large). */
async function transform(bytes: Uint8Array): Promise<Uint8Array> {
  loaded ??= (await import('binaryen')).default;
  return transformWith(loaded, bytes);
}

function transformWith(binaryen: Binaryen, bytes: Uint8Array): Uint8Array {
  const m = binaryen.readBinary(bytes);
  try {
    const F = binaryen.Features;
    // What WALI's toolchain emits (threads, bulk memory, legacy exception handling ...), and no
    // more: with every feature on, binaryen writes encodings V8 does not read.
    // (binaryen splits memory.copy/fill off bulk memory, and long call_indirect encodings off reference types.)
    m.setFeatures(F.MVP | F.Atomics | F.BulkMemory | F.BulkMemoryOpt | F.MutableGlobals | F.SignExt | F.NontrappingFPToInt | F.SIMD128
      | F.ExceptionHandling | F.ReferenceTypes | F.CallIndirectOverlong | F.Multivalue | F.TailCall);
    const exported = new Set<string>();
    for (let i = 0; i < m.getNumExports(); i++) {
      const e = binaryen.getExportInfo(m.getExportByIndex(i));
      if (e.kind === binaryen.ExternalGlobal) exported.add(e.value);
    }
    for (let i = 0; i < m.getNumGlobals(); i++) {
      const g = binaryen.getGlobalInfo(m.getGlobalByIndex(i));
      // Imported globals belong to the embedder; immutable ones are the same in every instance.
      if (!g.mutable || g.module) continue;
      m.addGlobalExport(g.name, `${GLOBAL_EXPORT}${i}`);
      exported.add(g.name);
    }
    m.addGlobal(ASYNCIFIED_MARK, binaryen.i32, false, m.i32.const(1));
    m.addGlobalExport(ASYNCIFIED_MARK, ASYNCIFIED_MARK);
    binaryen.setPassArgument('asyncify-imports', ASYNC_IMPORTS.map((n) => `${WALI_MODULE}.${n}`).join(','));
    binaryen.setOptimizeLevel(2);
    binaryen.setShrinkLevel(0);
    // Keep the name section: a trap names the guest's function (`fdwarden run`'s one line).
    binaryen.setDebugInfo(true);
    m.runPasses(['asyncify']);
    return m.emitBinary();
  } finally {
    m.dispose();
  }
}

/**
 * The Asyncify build of `bytes`, from the cache when it holds one. A cache that cannot be
 * written (read-only home) costs a transform at each run, nothing else.
 */
export async function asyncify(bytes: Uint8Array, dir = cacheDir()): Promise<Asyncified> {
  const file = cacheFile(bytes, dir);
  const hit = readCached(file);
  if (hit) return { bytes: hit, cached: true };
  const out = await transform(bytes);
  store(file, out);
  return { bytes: out, cached: false };
}

function cacheFile(bytes: Uint8Array, dir: string): string {
  const key = createHash('sha256').update(`fdwarden-asyncify-${TRANSFORM_VERSION}\0`).update(bytes).digest('hex');
  return join(dir, `${key}.wasm`);
}

function readCached(file: string): Uint8Array | undefined {
  try {
    return new Uint8Array(readFileSync(file));
  } catch {
    return undefined; // not cached yet
  }
}

function store(file: string, out: Uint8Array): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, out);
    renameSync(temp, file);
  } catch {
    // No cache: the next run transforms again.
  }
}

/**
 * prepareModule in a synchronous call (an execve): from the cache, or transformed when binaryen
 * is already loaded; otherwise the module runs without fork and longjmp (with a warning).
 */
export function prepareModuleSync(bytes: Uint8Array): { bytes: Uint8Array; asyncified: boolean } {
  if (isAsyncified(bytes)) return { bytes, asyncified: true };
  if (!wantsAsyncify(bytes)) return { bytes, asyncified: false };
  const file = cacheFile(bytes, cacheDir());
  const hit = readCached(file);
  if (hit) return { bytes: hit, asyncified: true };
  try {
    if (loaded) {
      const out = transformWith(loaded, bytes);
      store(file, out);
      return { bytes: out, asyncified: true };
    }
  } catch (e) {
    process.emitWarning(`fdwarden: the Asyncify transform failed (${(e as Error).message}); the module runs without fork and longjmp`);
    return { bytes, asyncified: false };
  }
  process.emitWarning('fdwarden: an execve\'d module needs the Asyncify transform, which is not cached and cannot be made during a call; it runs without fork and longjmp');
  return { bytes, asyncified: false };
}

/** The bytes to compile: the Asyncify build when the mode asks for it (and it is not one already). */
export async function prepareModule(bytes: Uint8Array, mode: AsyncifyMode = 'auto'): Promise<{ bytes: Uint8Array; asyncified: boolean }> {
  // Bytes that are not a module are left for the compiler to refuse (its message says why).
  const types = mode === 'never' ? undefined : readable(bytes);
  if (!types) return { bytes, asyncified: false };
  if (isAsyncified(types)) return { bytes, asyncified: true };
  if (mode === 'auto' && !wantsAsyncify(types)) return { bytes, asyncified: false };
  try {
    return { bytes: (await asyncify(bytes)).bytes, asyncified: true };
  } catch (e) {
    // The module still runs as it would without processes (fork ENOSYS, longjmp a trap); say why.
    process.emitWarning(`fdwarden: the Asyncify transform failed (${(e as Error).message}); the module runs without fork and longjmp`);
    return { bytes, asyncified: false };
  }
}
