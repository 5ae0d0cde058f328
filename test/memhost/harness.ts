/**
 * Runs of fsops (test/wali/programs/fsops.c) on the in-memory host, and the same words natively
 * in a real directory (Linux is the oracle), with the trees both leave, described alike.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { compileWali, PROGRAMS_DIR } from '../wali/build.js';
import { WA, type WasmModule } from '../../src/wali/wasm.js';
import { compilePolicyText } from '../../src/dsl/index.js';
import { MemoryFs, runInMemory, type MemoryRunResult, type MemoryTree } from '../../src/memhost/index.js';

let fsopsModule: WasmModule | undefined;
let nativeBin: string | undefined;

/** fsops built for WALI, compiled once. */
export function fsops(): WasmModule {
  fsopsModule ??= new WA.Module(new Uint8Array(readFileSync(compileWali('fsops'))));
  return fsopsModule;
}

/**
 * fast-check options for a property of this directory: a fixed seed, and a failure that names
 * it (FDWARDEN_SEED replays it) with the assertion that failed. Runs through the host are slow,
 * so by default the first failure ends the run unshrunk.
 */
export function seeded(seed: number, numRuns: number, shrink = false): fc.Parameters<unknown> {
  return {
    seed, numRuns, endOnFailure: !shrink,
    reporter: (d) => { if (d.failed) throw new Error(`seed ${seed} (FDWARDEN_SEED=${seed} replays it): ${fc.defaultReportMessage(d)}\n${(d.errorInstance as Error | undefined)?.message ?? ''}`); },
  };
}

export const ALLOW_ALL = compilePolicyText('policy "all" abi 1\nallow * under /\n', { file: 'all.policy' });

export interface MemRun extends MemoryRunResult {
  out: string;
  fs: MemoryFs;
}

/** fsops `words` on the memory host, in `cwd` (default /w), on `fs` (default: an empty /w). */
export async function runMem(words: string[], opts: { fs?: MemoryFs; cwd?: string; policy?: typeof ALLOW_ALL; env?: string[]; stdin?: Uint8Array } = {}): Promise<MemRun> {
  const fs = opts.fs ?? MemoryFs.fromJson({ w: {} });
  const errors: string[] = [];
  const r = await runInMemory(fsops(), { policy: opts.policy ?? ALLOW_ALL, fs, name: 'fsops', args: words, cwd: opts.cwd ?? '/w', ...(opts.env ? { env: opts.env } : {}), ...(opts.stdin ? { stdin: opts.stdin } : {}), onHostError: (name, e) => errors.push(`${name}: ${String(e)}`) });
  // The host never fails inside a call (it would answer EIO).
  if (errors.length > 0) throw new Error(`host errors running fsops ${words.join(' ')}: ${errors.join('; ')}`);
  return { ...r, out: latin1(r.stdout), fs };
}

export function latin1(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += String.fromCharCode(x);
  return s;
}

/**
 * fsops built natively and statically (it runs in a chroot, where no libc is), with the shim of
 * test/host/native; cached by its sources.
 */
function staticFsops(): string {
  const source = join(PROGRAMS_DIR, 'fsops.c');
  const shim = join(import.meta.dirname, '../host/native/wali-native.c');
  const hash = createHash('sha256');
  for (const f of [source, shim, join(PROGRAMS_DIR, 'wali.h')]) hash.update(readFileSync(f)).update('\0');
  const out = join(tmpdir(), 'fdwarden-native', `fsops-static-${hash.digest('hex').slice(0, 16)}`);
  if (existsSync(out)) return out;
  mkdirSync(dirname(out), { recursive: true });
  const temp = `${out}.${process.pid}.tmp`;
  const cc = spawnSync(process.env['CC'] ?? 'cc', ['-O1', '-w', '-static', '-D_start=wali_start', `-I${PROGRAMS_DIR}`, '-o', temp, source, shim], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`compiling fsops statically failed (a C compiler and a static libc are needed):\n${cc.stderr}`);
  renameSync(temp, out);
  return out;
}

/**
 * Native runs chroot into their tree, so that `/`, `..` and absolute paths mean what they mean to
 * the guest: as root, or as any user where user namespaces are allowed (chroot-exec.c enters one).
 */
export const CAN_CHROOT = process.getuid?.() === 0 || spawnSync('unshare', ['-r', 'true']).status === 0;

/**
 * Where the comparison with Linux cannot run (not root and no user namespaces), that is a
 * failure, unless FDWARDEN_NO_ROOT=1 asks to skip it, and then the skip is named in the report.
 */
export const NO_ROOT_OK = process.env['FDWARDEN_NO_ROOT'] === '1';
export const NO_ROOT_MESSAGE = 'the comparison with Linux chroots its native runs: it needs root or user namespaces (FDWARDEN_NO_ROOT=1 skips it, visibly)';

let chrootExec: string | undefined;

/** test/memhost/chroot-exec.c built (static), cached by its source. */
function chrootHelper(): string {
  const source = join(import.meta.dirname, 'chroot-exec.c');
  const out = join(tmpdir(), 'fdwarden-native', `chroot-exec-${createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 16)}`);
  if (existsSync(out)) return out;
  mkdirSync(dirname(out), { recursive: true });
  const temp = `${out}.${process.pid}.tmp`;
  const cc = spawnSync(process.env['CC'] ?? 'cc', ['-O1', '-static', '-o', temp, source], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`compiling chroot-exec failed (a C compiler and a static libc are needed):\n${cc.stderr}`);
  renameSync(temp, out);
  return out;
}

/**
 * fsops `words` natively, the way the memory host runs them: chrooted into a fresh directory R
 * seeded with `seed` (the whole tree, as MemoryFs.fromJson takes it), in `cwd`; stdin and stdout
 * are pipes, as the memory host's stdio is (Node's own stdio pipes are socket pairs). The tree is R's.
 */
export function runNative(words: string[], seed: MemoryTree = { w: {} }, cwd = '/w'): { out: string; status: number; tree: Record<string, string> } {
  nativeBin ??= staticFsops();
  const root = mkdtempSync(join(tmpdir(), 'fdwarden-memhost-native-'));
  try {
    chmodSync(root, 0o755);
    plant(root, seed);
    chrootExec ??= chrootHelper();
    const r = spawnSync('bash', ['-c', 'set -o pipefail; : | "$0" "$@" | cat', chrootExec, root, cwd, nativeBin, ...words], { encoding: 'latin1' });
    if (r.stderr.includes('chroot-exec')) throw new Error(`the native run could not start: ${r.stderr}`);
    return { out: r.stdout, status: r.status ?? -1, tree: diskTree(root) };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function plant(dir: string, t: MemoryTree): void {
  const fs = MemoryFs.fromJson(t);
  for (const e of fs.list()) {
    const p = join(dir, e.path);
    if (e.kind === 'dir') mkdirSync(p);
    else if (e.kind === 'symlink') symlinkSync(e.target!, p);
    else writeFileSync(p, fs.readFile(e.path));
  }
}

/** A disk tree: path → `kind mode content-or-target` (times, inode numbers and directory sizes differ between any two runs). */
export function diskTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const p = join(e.parentPath, e.name);
    const st = lstatSync(p);
    const rel = p.slice(dir.length + 1);
    const mode = (st.mode & 0o7777).toString(8);
    out[rel] = st.isSymbolicLink() ? `symlink ${readlinkSync(p, 'latin1')}` : st.isDirectory() ? `dir ${mode}` : `file ${mode} ${readFileSync(p, 'latin1')}`;
  }
  return out;
}

/** The same description of a MemoryFs directory. */
export function memTree(fs: MemoryFs): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.list()) {
    const rel = e.path.slice(1);
    out[rel] = e.kind === 'symlink' ? `symlink ${e.target}` : e.kind === 'dir' ? `dir ${e.mode.toString(8)}` : `file ${e.mode.toString(8)} ${latin1(fs.readFile(e.path))}`;
  }
  return out;
}
