/**
 * Building C for WALI, for the tests, the benchmarks and the playground alike: clang for wasm32
 * without libc, exporting `_start`. clang runs any `wasm-opt` it finds on PATH after linking,
 * and `npm run` puts node_modules/.bin (binaryen's wasm-opt, a dependency) on PATH: that drops
 * the name section trap messages use and changes the code measured, so clang always runs
 * without node_modules on PATH.
 */
import { execFileSync } from 'node:child_process';

/** The compiler: `FDWARDEN_CLANG` or clang on PATH. */
export const WALI_CLANG = process.env.FDWARDEN_CLANG ?? 'clang';

/** Flags every WALI build here uses. */
export const WALI_CFLAGS = Object.freeze(['--target=wasm32', '-nostdlib', '-O2', '-Wl,--no-entry', '-Wl,--export=_start']);

/** The environment clang runs in: this process's, without node_modules directories on PATH. */
export function clangEnv() {
  const path = (process.env.PATH ?? '').split(':').filter((d) => !d.includes('node_modules')).join(':');
  return { ...process.env, PATH: path };
}

/** Compiles `inputs` to the WALI module `out` with the common flags and `extra`; throws with clang's stderr. */
export function clangWasm(out, inputs, extra = []) {
  execFileSync(WALI_CLANG, [...WALI_CFLAGS, ...extra, '-o', out, ...inputs], { stdio: ['ignore', 'ignore', 'pipe'], env: clangEnv() });
}
