// The in-memory WALI host (src/memhost, fdwarden/browser) against the Node WALI host (src/host)
// on the same program: test/wali/programs/loop.c (read1: pread64 of 1 byte; seekread: lseek +
// read; openclose: openat + close; stat: newfstatat), each under a policy allowing everything
// under its directory. A row's per-call time is (t(N) - t(1)) / (N - 1), so compiling,
// instantiating and start-up cancel out; rounds are interleaved and the best of each side is
// kept (FDWARDEN_BENCH_ROUNDS, default 5). Run after a build (dist/).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runWali } from '../dist/host/index.js';
import { MemoryFs, runInMemory } from '../dist/browser-entry.js';
import { compilePolicyText } from '../dist/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ROUNDS = Number(process.env.FDWARDEN_BENCH_ROUNDS ?? 5);
const N = 20000;
const work = mkdtempSync(join(tmpdir(), 'fdwarden-memhost-bench-'));
const wasmPath = join(work, 'loop.wasm');
execFileSync('clang', ['--target=wasm32', '-nostdlib', '-O2', '-Wl,--no-entry', '-Wl,--export=_start', '-Wl,-z,stack-size=262144',
  '-I', join(root, 'test/wali/programs'), '-o', wasmPath, join(root, 'test/wali/programs/loop.c')]);
const wasm = new Uint8Array(readFileSync(wasmPath));
const module = new WebAssembly.Module(wasm);
mkdirSync(join(work, 'data'));
writeFileSync(join(work, 'data', 'file'), 'x'.repeat(4096));
const policy = compilePolicyText('policy "bench" abi 1\ndefault deny errno EACCES\nallow * under /data\n', { file: 'bench.policy' });
const devNull = openSync('/dev/null', 'w');

async function nodeHost(mode, n) {
  const t = process.hrtime.bigint();
  const code = await runWali(wasm, { args: ['loop', mode, String(n), '/data/file'], dirs: [{ host: join(work, 'data'), guest: '/data' }], cwd: '/data', policy: policy.policy, stdio: [0, devNull, 2] });
  if (code !== 0) throw new Error(`Node host: loop ${mode} ${n} exited ${code}`);
  return Number(process.hrtime.bigint() - t) / 1e9;
}

async function memoryHost(mode, n) {
  const fs = MemoryFs.fromJson({ data: { file: 'x'.repeat(4096) } });
  const t = process.hrtime.bigint();
  const r = await runInMemory(module, { policy, fs, name: 'loop', args: [mode, String(n), '/data/file'], cwd: '/data' });
  if (r.status !== 0) throw new Error(`memory host: loop ${mode} ${n} exited ${r.status} ${r.message ?? ''}`);
  return Number(process.hrtime.bigint() - t) / 1e9;
}

const perCall = async (run, mode) => ((await run(mode, N)) - (await run(mode, 1))) / (N - 1);
const us = (s) => (s * 1e6).toFixed(2).padStart(6);
console.log(`loop.wasm per call, the in-memory host vs the Node host (best of ${ROUNDS}, N = ${N})`);
for (const mode of ['read1', 'seekread', 'openclose', 'stat']) {
  let mem = Infinity;
  let node = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    mem = Math.min(mem, await perCall(memoryHost, mode));
    node = Math.min(node, await perCall(nodeHost, mode));
  }
  console.log(`${mode.padEnd(10)} memory ${us(mem)} us, Node host ${us(node)} us: ${(mem / node).toFixed(2)}x`);
}
rmSync(work, { recursive: true, force: true });
