// The in-memory WALI host (src/memhost, fdwarden/browser) against the Node WALI host (src/host)
// on the same program: test/wali/programs/loop.c (read1: pread64 of 1 byte; seekread: lseek +
// read; openclose: openat + close; stat: newfstatat), each under a policy allowing everything
// under its directory. A row's per-call time is (t(N) - t(1)) / (N - 1), so compiling,
// instantiating and start-up cancel out; rounds are interleaved and the best of each run is
// kept (FDWARDEN_BENCH_ROUNDS, default 5). Run after a build (dist/).
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runWali } from '../dist/host/index.js';
import { MemoryFs, runInMemory } from '../dist/browser-entry.js';
import { compilePolicyText } from '../dist/index.js';
import { clangWasm } from '../scripts/wali-clang.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ROUNDS = Number(process.env.FDWARDEN_BENCH_ROUNDS ?? 5);
const N = 20000;
const work = mkdtempSync(join(tmpdir(), 'fdwarden-memhost-bench-'));
const wasmPath = join(work, 'loop.wasm');
clangWasm(wasmPath, [join(root, 'test/wali/programs/loop.c')], ['-Wl,-z,stack-size=262144', '-I', join(root, 'test/wali/programs')]);
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

const us = (s) => (s * 1e6).toFixed(2).padStart(6);
console.log(`loop.wasm per call, the in-memory host vs the Node host (best of ${ROUNDS}, N = ${N})`);
for (const mode of ['read1', 'seekread', 'openclose', 'stat']) {
  // The best t(N) and the best t(1) are kept apart: a difference taken per round goes negative
  // when a t(1) round is slow (a collection, the other core busy).
  const best = { memN: Infinity, mem1: Infinity, nodeN: Infinity, node1: Infinity };
  for (let r = 0; r < ROUNDS; r++) {
    best.memN = Math.min(best.memN, await memoryHost(mode, N));
    best.mem1 = Math.min(best.mem1, await memoryHost(mode, 1));
    best.nodeN = Math.min(best.nodeN, await nodeHost(mode, N));
    best.node1 = Math.min(best.node1, await nodeHost(mode, 1));
  }
  const mem = (best.memN - best.mem1) / (N - 1);
  const node = (best.nodeN - best.node1) / (N - 1);
  console.log(`${mode.padEnd(10)} memory ${us(mem)} us, Node host ${us(node)} us: ${(mem / node).toFixed(2)}x`);
}
rmSync(work, { recursive: true, force: true });
