/**
 * Compiling a WALI module for a run.
 *
 * Tiering: V8's own policy is kept, as measured best for short and long runs alike (bench/startup.mjs):
 * functions are compiled lazily, on their first call, by Liftoff, and hot ones are tiered up to
 * TurboFan in the background. Compiling a 2 MB module eagerly instead (--no-wasm-lazy-compilation)
 * makes a short run 80-250 ms slower; Liftoff only (--liftoff-only) or no tier-up starts no
 * faster. So no V8 flag is set here.
 *
 * Caching: Node 20 cannot keep compiled wasm across processes (v8.serialize of a
 * WebAssembly.Module writes a stub that v8.deserialize refuses, and Node 20 has no compile cache for
 * wasm), so modules are cached within the process only, by the sha256 of their bytes: a second
 * run of the same bytes (tests, an embedder running one program many times) is not compiled again.
 */
import { createHash } from 'node:crypto';
import { WA, type WasmModule } from '../wali/wasm.js';

/** At most this many compiled modules are kept (the least recently used goes first). */
const MAX_ENTRIES = 16;

const cache = new Map<string, Promise<WasmModule>>();
const stats = { hits: 0, misses: 0 };

/** The compiled module for `bytes`, from the process's cache when the same bytes were compiled before. */
export function compileModule(bytes: Uint8Array): Promise<WasmModule> {
  const key = createHash('sha256').update(bytes).digest('hex');
  const hit = cache.get(key);
  if (hit) {
    stats.hits++;
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  stats.misses++;
  const compiled = WA.compile(bytes);
  cache.set(key, compiled);
  // A module that does not compile is not kept: the next run gets the same error afresh.
  compiled.catch(() => cache.delete(key));
  if (cache.size > MAX_ENTRIES) cache.delete(cache.keys().next().value!);
  return compiled;
}

/** How often the cache answered (hits) and how often a module was compiled (misses), in this process. */
export function compileCacheStats(): { hits: number; misses: number } {
  return { ...stats };
}
