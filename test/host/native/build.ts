/**
 * Compiles a WALI test program (test/wali/programs/<name>.c) natively for x86-64 Linux with the
 * syscall shim beside this file, so the same program can ask the kernel what the host answers.
 * Binaries are cached in os.tmpdir(), named by a hash of the sources and flags.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROGRAMS_DIR } from '../../wali/build.js';

const SHIM = join(dirname(fileURLToPath(import.meta.url)), 'wali-native.c');
const CC = process.env['CC'] ?? 'cc';
// -w: gcc does not know the wasm import attributes; _start is the shim's to call.
const FLAGS = ['-O1', '-w', '-D_start=wali_start', `-I${PROGRAMS_DIR}`];

/** The path of the native build of program `name`. */
export function compileNative(name: string): string {
  const source = join(PROGRAMS_DIR, `${name}.c`);
  const hash = createHash('sha256');
  for (const f of [source, SHIM, join(PROGRAMS_DIR, 'wali.h')]) hash.update(readFileSync(f)).update('\0');
  hash.update(CC).update(FLAGS.join(' '));
  const dir = join(tmpdir(), 'fdwarden-native');
  const out = join(dir, `${name}-${hash.digest('hex').slice(0, 16)}`);
  if (existsSync(out)) return out;
  mkdirSync(dir, { recursive: true });
  const temp = `${out}.${process.pid}.tmp`;
  const cc = spawnSync(CC, [...FLAGS, '-o', temp, source, SHIM], { encoding: 'utf8' });
  if (cc.error !== undefined || cc.status !== 0) {
    rmSync(temp, { force: true });
    throw new Error(`compiling ${name} natively failed (a C compiler is needed: apt-get install gcc):\n${cc.error?.message ?? ''}${cc.stderr ?? ''}`);
  }
  renameSync(temp, out);
  return out;
}
