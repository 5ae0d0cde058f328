/**
 * Test helper: compiles small freestanding C programs to WALI-style wasm with the system
 * clang (wasm32, no libc) and runs them with runWali on temporary directories.
 * `#include "wali.h"` gives the WALI imports as `sys_<name>` and output helpers (kv, ks, out).
 */
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runWali, type RunOptions } from '../../src/host/index.js';
import { clangWasm } from '../../scripts/wali-clang.mjs';

/** test/host/c: the headers and the programs run both natively and as guests. */
export const HEADER_DIR = join(dirname(fileURLToPath(import.meta.url)), 'c');
const CACHE = join(tmpdir(), 'fdwarden-host-test-wasm');

/** A digest of every header in test/host/c, so that a build is cached anew when one of them changes. */
export function headersDigest(): string {
  const hash = createHash('sha256');
  for (const name of readdirSync(HEADER_DIR).filter((n) => n.endsWith('.h')).sort()) hash.update(name).update('\0').update(readFileSync(join(HEADER_DIR, name)));
  return hash.digest('hex');
}

/** Compiles C source (a whole program with a `void _start(void)`) to wasm bytes, cached by content and headers. */
export function compileC(source: string): Uint8Array {
  const key = createHash('sha256').update(headersDigest()).update(source).update('\0no wasm-opt').digest('hex').slice(0, 16);
  mkdirSync(CACHE, { recursive: true });
  const out = join(CACHE, `${key}.wasm`);
  if (!existsSync(out)) {
    const src = join(CACHE, `${key}.c`);
    writeFileSync(src, source);
    const tmp = `${out}.${process.pid}.tmp`;
    clangWasm(tmp, [src], ['-ffreestanding', `-I${HEADER_DIR}`]);
    writeFileSync(out, readFileSync(tmp));
    rmSync(tmp, { force: true });
  }
  return new Uint8Array(readFileSync(out));
}

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = 'fdwarden-host-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
  /** `name=value` lines of stdout as a map (the programs report with kv()). */
  kv: Record<string, string>;
}

/** Runs wasm with stdout/stderr captured in files; `opts` fills in the rest of the host options. */
export async function runCaptured(wasm: Uint8Array, opts: Omit<RunOptions, 'stdio'> & { stdin?: string }): Promise<RunResult> {
  const io = tempDir('fdwarden-host-io-');
  try {
    const inPath = join(io.path, 'in');
    writeFileSync(inPath, opts.stdin ?? '');
    const fin = openSync(inPath, 'r');
    const fout = openSync(join(io.path, 'out'), 'w');
    const ferr = openSync(join(io.path, 'err'), 'w');
    let status: number;
    try {
      const { stdin: _stdin, ...rest } = opts;
      status = await runWali(wasm, { ...rest, stdio: [fin, fout, ferr] });
    } finally {
      closeSync(fin);
      closeSync(fout);
      closeSync(ferr);
    }
    const stdout = readFileSync(join(io.path, 'out'), 'latin1');
    const stderr = readFileSync(join(io.path, 'err'), 'latin1');
    const kv: Record<string, string> = {};
    for (const line of stdout.split('\n')) {
      const i = line.indexOf('=');
      if (i > 0) kv[line.slice(0, i)] = line.slice(i + 1);
    }
    return { status, stdout, stderr, kv };
  } finally {
    io.cleanup();
  }
}

/** Compiles and runs a C program in one step. */
export async function runC(source: string, opts: Omit<RunOptions, 'stdio'> & { stdin?: string }): Promise<RunResult> {
  return runCaptured(compileC(source), opts);
}

/** Linux errno numbers the tests compare against. */
export const E = {
  EPERM: 1, ENOENT: 2, EBADF: 9, EFAULT: 14, EEXIST: 17, EXDEV: 18, ENOTDIR: 20, EISDIR: 21, EINVAL: 22,
  ENOTTY: 25, ESPIPE: 29, EROFS: 30, ERANGE: 34, ENOSYS: 38, ENOTEMPTY: 39, ELOOP: 40,
} as const;
