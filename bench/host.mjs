// The Node WALI host against native Linux, and `fdwarden run`'s start-up, side by side in one run.
//
// 1. bench/c/loops.c, one C program built natively (cc) and for WALI (clang --target=wasm32): a file
//    loop (openat + fstat + pwrite64 + pread64 + close) and a pipe loop (write + read of 64 bytes),
//    timed inside the program, so start-up is not counted; the wasm half runs under `fdwarden run`
//    with a policy allowing everything under its mount. Best of FDWARDEN_BENCH_ROUNDS (default 3).
// 2. One call through the host's koffi binding (src/host/native/sys.ts) against Node's fs doing the
//    same: fstat, openat + close; then a 1-byte read through fs (the host's read path) and the floor
//    of a koffi call (lseek SEEK_CUR).
// 3. The wall time of a short `fdwarden run` (start-up included) of a small module (a WALI suite test
//    when ../shared is there) and of a ~2 MB one (bench/large-module.mjs), against `node -e 0`;
//    medians of FDWARDEN_BENCH_SPAWNS (default 9) interleaved rounds. Then the 2 MB run under
//    other V8 tiering policies, and compiling it in-process: a miss, then a hit of the cache of
//    src/host/compile.ts.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileModule, compileCacheStats } from '../dist/host/compile.js';
import { loadSys } from '../dist/host/native/sys.js';
import { largeModule } from './large-module.mjs';
import { clangWasm } from '../scripts/wali-clang.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(root, 'bin', 'fdwarden.js');
const ROUNDS = Number(process.env.FDWARDEN_BENCH_ROUNDS ?? 3);
const SPAWNS = Number(process.env.FDWARDEN_BENCH_SPAWNS ?? 9);
const work = mkdtempSync(join(tmpdir(), 'fdwarden-host-bench-'));
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const fmt = (n, d = 0) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });

/** bench/c/loops.c built natively and for wasm, cached by content under the temp directory. */
function buildLoops() {
  const src = join(root, 'bench', 'c', 'loops.c');
  const key = createHash('sha256').update(readFileSync(src)).update('\0no wasm-opt').digest('hex').slice(0, 16);
  const dir = join(tmpdir(), 'fdwarden-bench-loops');
  mkdirSync(dir, { recursive: true });
  const native = join(dir, `loops-${key}`);
  const wasm = `${native}.wasm`;
  if (!existsSync(native)) {
    execFileSync('cc', ['-O2', '-w', '-o', `${native}.tmp`, src]);
    renameSync(`${native}.tmp`, native);
  }
  if (!existsSync(wasm)) {
    clangWasm(`${wasm}.tmp`, [src]);
    renameSync(`${wasm}.tmp`, wasm);
  }
  return { native, wasm };
}

/** `name=value` lines of a run's stdout. */
function kvs(stdout) {
  return Object.fromEntries(stdout.split('\n').filter((l) => l.includes('=')).map((l) => l.split('=')).map(([k, v]) => [k, Number(v)]));
}

const policy = join(work, 'bench.policy');
writeFileSync(policy, 'policy "bench" abi 1\ndefault deny errno EACCES\nallow * under /w\n');
const loopDir = join(work, 'w');
mkdirSync(loopDir);

function fdwardenRun(wasm, extraNode = []) {
  return spawnSync(process.execPath, [...extraNode, CLI, 'run', '--quiet', '--policy', policy, '--dir', `${loopDir}=/w`, wasm], { cwd: loopDir, encoding: 'utf8' });
}

// ---- 1. the same C program, native and on the Node host ----
const loops = buildLoops();
const best = { native: {}, host: {} };
for (let i = 0; i < ROUNDS; i++) {
  for (const [side, r] of [['native', spawnSync(loops.native, [], { cwd: loopDir, encoding: 'utf8' })], ['host', fdwardenRun(loops.wasm)]]) {
    const v = kvs(r.stdout);
    if (r.status !== 0 || v.failed !== 0) throw new Error(`loops (${side}) failed: ${r.status} ${r.stdout}${r.stderr}`);
    for (const k of ['file_loop_ns', 'pipe_loop_ns']) best[side][k] = Math.min(best[side][k] ?? Infinity, v[k]);
  }
}
console.log('bench/c/loops.c per iteration, native vs the Node host (fdwarden run), best of', ROUNDS);
const row = (name, k) => console.log(`${name.padEnd(44)} ${fmt(best.native[k] / 1000, 2).padStart(7)} us native, ${fmt(best.host[k] / 1000, 2).padStart(7)} us on the Node host: ${fmt(best.host[k] / best.native[k], 1)}x`);
row('file loop (openat+fstat+pwrite+pread+close)', 'file_loop_ns');
row('pipe loop (write 64 B + read 64 B)', 'pipe_loop_ns');

// ---- 2. koffi against Node's fs, per call ----
const sys = loadSys();
const file = join(loopDir, 'koffi-file');
writeFileSync(file, 'x'.repeat(4096));
const fd = openSync(file, 'r');
const statBuf = new Uint8Array(144);
const AT_FDCWD = -100;
const AT_EMPTY_PATH = 0x1000;
function perCall(fn, n) {
  for (let i = 0; i < Math.min(n, 2000); i++) fn(); // warm up
  let bestNs = Infinity;
  for (let r = 0; r < 5; r++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    bestNs = Math.min(bestNs, Number(process.hrtime.bigint() - t) / n);
  }
  return bestNs;
}
const pairs = [
  ['fstat', () => sys.fstatat(fd, '', statBuf, AT_EMPTY_PATH), () => fstatSync(fd), 100000],
  ['openat+close', () => sys.close(sys.openat(AT_FDCWD, file, 0, 0)), () => closeSync(openSync(file, 'r')), 30000],
];
console.log('\none call: the koffi binding (src/host/native/sys.ts) vs Node fs, best of 5');
for (const [name, k, f, n] of pairs) {
  const a = perCall(k, n);
  const b = perCall(f, n);
  console.log(`${name.padEnd(20)} koffi ${fmt(a / 1000, 3).padStart(6)} us, fs ${fmt(b / 1000, 3).padStart(6)} us: ${fmt(a / b, 2)}x`);
}
const one = Buffer.alloc(1);
console.log(`${'1-byte read'.padEnd(20)} fs.readSync ${fmt(perCall(() => readSync(fd, one, 0, 1, 0), 100000) / 1000, 3)} us (the host reads through Node's fs; sys.ts binds no read)`);
console.log(`${'lseek(SEEK_CUR)'.padEnd(20)} koffi ${fmt(perCall(() => sys.lseek(fd, 0, 1), 200000) / 1000, 3)} us (one raw syscall through koffi, its floor; Node's fs has no lseek)`);
closeSync(fd);

// ---- 3. start-up ----
const suiteSmall = join(root, '..', 'shared', 'wali-tests', 'bin', 'unit', 'wasm', 'getpid.wasm');
let small = suiteSmall;
if (!existsSync(small)) {
  small = join(work, 'small.wasm');
  writeFileSync(join(work, 'small.c'), '#include "wali.h"\nvoid _start(void) { sys_exit_group(0); }\n');
  clangWasm(small, [join(work, 'small.c')], [`-I${join(root, 'test', 'host', 'c')}`]);
}
const large = largeModule();
const sizeKb = (p) => `${fmt(readFileSync(p).length / 1024)} KB`;

function wall(args) {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: loopDir, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return ms;
}
const runArgs = (wasm, node = []) => [...node, CLI, 'run', '--quiet', '--policy', policy, '--dir', `${loopDir}=/w`, wasm];
const cases = [
  ['node -e 0', ['-e', '0']],
  [`fdwarden run, small (${sizeKb(small)})`, runArgs(small)],
  [`fdwarden run, 2 MB (${sizeKb(large)})`, runArgs(large)],
  ['  --liftoff-only', runArgs(large, ['--liftoff-only'])],
  ['  --no-wasm-tier-up', runArgs(large, ['--no-wasm-tier-up'])],
  ['  --no-wasm-lazy-compilation', runArgs(large, ['--no-wasm-lazy-compilation'])],
];
for (const [, args] of cases) wall(args); // warm the file cache
const times = cases.map(() => []);
for (let i = 0; i < SPAWNS; i++) cases.forEach(([, args], j) => times[j].push(wall(args)));
const base = median(times[0]);
console.log(`\nstart-up: wall time of a whole process, median of ${SPAWNS} interleaved rounds${small === suiteSmall ? ' (small: the WALI suite\'s getpid test)' : ''}`);
cases.forEach(([name], j) => {
  const m = median(times[j]);
  console.log(`${name.padEnd(44)} ${fmt(m).padStart(5)} ms (fastest ${fmt(Math.min(...times[j]))})${j ? `  ${fmt(m / base, 1)}x node -e 0, +${fmt(m - base)} ms` : ''}`);
});

const bytes = new Uint8Array(readFileSync(large));
let t = performance.now();
await compileModule(bytes);
const miss = performance.now() - t;
t = performance.now();
await compileModule(bytes);
const hit = performance.now() - t;
const s = compileCacheStats();
console.log(`compiling the 2 MB module in-process (lazy): ${fmt(miss, 1)} ms on a miss, ${fmt(hit, 1)} ms on a hit (hash only); ${s.hits} hit, ${s.misses} miss`);
rmSync(work, { recursive: true, force: true });
