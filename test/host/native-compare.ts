/**
 * Test helper for the programs in test/host/c that run both natively and as WALI guests (Linux is
 * the oracle): their native build, the `name=value` lines both runs print, and the pair of
 * directories, alike, that the two runs start in.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { HEADER_DIR, headersDigest, tempDir } from './cc.js';

/** The path of test/host/c/<name>.c. */
export const programSource = (name: string): string => join(HEADER_DIR, `${name}.c`);

/** Compiles test/host/c/<name>.c natively (raw Linux syscalls), cached by its content and its headers'; the binary's path. */
export function compileNative(name: string): string {
  const source = programSource(name);
  const key = createHash('sha256').update(readFileSync(source)).update(headersDigest()).digest('hex').slice(0, 16);
  const out = join(tmpdir(), 'fdwarden-native', `${name}-${key}`);
  if (existsSync(out)) return out;
  mkdirSync(dirname(out), { recursive: true });
  const temp = `${out}.${process.pid}.tmp`;
  const cc = spawnSync(process.env['CC'] ?? 'cc', ['-O1', '-w', '-o', temp, source], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`compiling ${name}.c natively failed (a C compiler is needed):\n${cc.stderr}`);
  renameSync(temp, out);
  return out;
}

/**
 * The `name=value` lines of a run's output that start with `prefix`, keyed without it. With no
 * prefix, the lines checked on both runs: all but the `only-wasm:` ones.
 */
export function kvLines(text: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of text.split('\n')) if (l.includes('=') && l.startsWith(prefix) && (prefix !== '' || !l.startsWith('only-wasm:'))) out[l.slice(prefix.length, l.indexOf('='))] = l.slice(l.indexOf('=') + 1);
  return out;
}

/** A fresh directory for the guest and one for the native run before each test, both seeded alike, removed after it. */
export function pairedDirs(seed: (dir: string) => void): { readonly guest: string; readonly native: string } {
  let guest: { path: string; cleanup: () => void } | undefined;
  let native: { path: string; cleanup: () => void } | undefined;
  beforeEach(() => {
    guest = tempDir();
    native = tempDir();
    seed(guest.path);
    seed(native.path);
  });
  afterEach(() => {
    guest?.cleanup();
    native?.cleanup();
  });
  return {
    get guest() { return guest!.path; },
    get native() { return native!.path; },
  };
}
