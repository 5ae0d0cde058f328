/**
 * Compiles the WALI test programs (test/wali/programs/<name>.c) with clang for plain wasm32.
 * Binaries are cached in os.tmpdir()/fdwarden-wali-<hash>/, the hash covering the program's
 * source, wali.h, the clang version and the flags, so an edited program is always rebuilt.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clangEnv, WALI_CFLAGS, WALI_CLANG } from '../../scripts/wali-clang.mjs';

export { clangEnv };

export const PROGRAMS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'programs');
const HEADER = join(PROGRAMS_DIR, 'wali.h');
const CLANG = WALI_CLANG;
const MISSING = 'clang and lld (with the wasm32 target) are needed: apt-get install clang lld';

export const CLANG_FLAGS: readonly string[] = [
  ...WALI_CFLAGS,
  '-Wall',
  '-Wextra',
  '-Werror',
  // The programs keep their buffers on the bump heap, but rmrf recurses.
  '-Wl,-z,stack-size=262144',
];

let clangVersion: string | undefined;

function version(): string {
  if (clangVersion !== undefined) return clangVersion;
  const v = spawnSync(CLANG, ['--version'], { encoding: 'utf8' });
  if (v.error !== undefined || v.status !== 0) throw new Error(`${MISSING} (running ${CLANG} failed: ${v.error?.message ?? v.stderr})`);
  clangVersion = v.stdout;
  return clangVersion;
}

/** The names of all programs: every test/wali/programs/*.c. */
export function programNames(): string[] {
  return readdirSync(PROGRAMS_DIR)
    .filter((f) => f.endsWith('.c'))
    .map((f) => f.slice(0, -2))
    .sort();
}

/**
 * Memory layouts besides the default (an exported, unshared memory): threaded builds (WALI's
 * toolchain links with --shared-memory and exports it; wasi-threads style builds import it).
 */
export const MEMORY_VARIANTS = {
  plain: [],
  shared: ['-matomics', '-mbulk-memory', '-Wl,--shared-memory', '-Wl,--max-memory=67108864'],
  'imported-shared': ['-matomics', '-mbulk-memory', '-Wl,--shared-memory', '-Wl,--import-memory', '-Wl,--max-memory=67108864'],
} as const satisfies Record<string, readonly string[]>;
export type MemoryVariant = keyof typeof MEMORY_VARIANTS;

/** The path of test/wali/programs/<name>.c compiled to wasm, compiling it when not cached. */
export function compileWali(name: string, variant: MemoryVariant = 'plain'): string {
  const flags = [...CLANG_FLAGS, ...MEMORY_VARIANTS[variant]];
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`compileWali: bad program name '${name}'`);
  const source = join(PROGRAMS_DIR, `${name}.c`);
  if (!existsSync(source)) throw new Error(`compileWali: no program ${source}`);
  const hash = createHash('sha256')
    .update(readFileSync(source))
    .update('\0')
    .update(readFileSync(HEADER))
    .update('\0')
    .update(version())
    .update('\0')
    .update(flags.join(' '))
    .update('\0no wasm-opt')
    .digest('hex')
    .slice(0, 16);
  const dir = join(tmpdir(), `fdwarden-wali-${hash}`);
  const out = join(dir, variant === 'plain' ? `${name}.wasm` : `${name}-${variant}.wasm`);
  if (existsSync(out)) return out;
  mkdirSync(dir, { recursive: true });
  // Parallel test workers may compile at once; rename makes the result appear atomically.
  const temp = `${out}.${process.pid}.tmp`;
  const cc = spawnSync(CLANG, [...flags, '-o', temp, source], { encoding: 'utf8', env: clangEnv() });
  if (cc.error !== undefined || cc.status !== 0) {
    rmSync(temp, { force: true });
    const stderr = `${cc.error?.message ?? ''}${cc.stderr ?? ''}`;
    // A clang without the WebAssembly backend, or without wasm-ld, fails here rather than in version().
    if (/wasm-ld|unknown target|No available targets|unable to create target/i.test(stderr)) throw new Error(`${MISSING}\n${stderr}`);
    throw new Error(`compiling ${source} failed:\n${stderr}`);
  }
  renameSync(temp, out);
  return out;
}

/** Compiles every program; returns name → .wasm path. */
export function buildAll(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of programNames()) out[name] = compileWali(name);
  return out;
}
