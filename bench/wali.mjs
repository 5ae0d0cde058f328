// The WALI interposer's cost, side by side in one run: the same wasm program (test/wali/programs/
// loop.c) on the same Node WALI host, with and without the interposer in front. Per-call time is
// (t(N) - t(1)) / (N - 1), so module compilation and start-up cancel out; rounds are interleaved
// and the best of each side is kept.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runWali } from '../dist/host/index.js';
import { wrap } from '../dist/wali/interposer.js';
import { compilePolicyText } from '../dist/dsl/index.js';
import { engineFor } from '../dist/rules/engine.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(join(tmpdir(), 'fdwarden-wali-bench-'));
const wasmPath = join(work, 'loop.wasm');
execFileSync('clang', ['--target=wasm32', '-nostdlib', '-O2', '-Wl,--no-entry', '-Wl,--export=_start', '-Wl,-z,stack-size=262144',
  '-I', join(root, 'test/wali/programs'), '-o', wasmPath, join(root, 'test/wali/programs/loop.c')]);
const wasm = readFileSync(wasmPath);
mkdirSync(join(work, 'data'));
writeFileSync(join(work, 'data', 'file'), 'x');

// 1,000 rules: 999 over other trees, then the one that grants the file; the automaton holds them all.
const rules = [];
for (let i = 0; i < 999; i++) rules.push(i % 2 ? `allow read,stat under /srv/project${i}/src` : `deny write /srv/project${i}/**/*.lock`);
const text = `policy "bench" abi 1\ndefault deny errno EACCES\n${rules.join('\n')}\nallow read,stat,list under /data\n`;
const compiled = compilePolicyText(text, { file: 'bench.policy' });
if (!compiled.ok) throw new Error('bench policy does not compile');
const engine = engineFor(compiled.policy);

const dirs = [{ host: join(work, 'data'), guest: '/data' }];
// The guest's stdout goes to /dev/null so that printing does not count.
const quiet = { stdio: [0, openSync('/dev/null', 'w'), 2] };

async function once(mode, n, interposed) {
  const opts = { args: ['loop', mode, String(n), '/data/file'], dirs, cwd: '/data', ...quiet };
  if (interposed) {
    opts.wrap = (imports, host) => {
      const w = wrap(imports, { policy: engine, sharedModel: { kernel: host.kernel, tid: host.tid } });
      return { imports: w, attach: (i) => w.attach(i) };
    };
  }
  const t0 = process.hrtime.bigint();
  const code = await runWali(wasm, opts);
  const t = Number(process.hrtime.bigint() - t0) / 1e9;
  if (code !== 0) throw new Error(`loop ${mode} ${n} exited ${code}${interposed ? ' (interposed)' : ''}`);
  return t;
}

async function perCall(mode, n, interposed) {
  return ((await once(mode, n, interposed)) - (await once(mode, 1, interposed))) / (n - 1);
}

const cases = [
  ['read1', Number(process.env.FDWARDEN_BENCH_READS ?? 200000), '1-byte pread64 (fd-only)', 1.05],
  ['openclose', Number(process.env.FDWARDEN_BENCH_OPENS ?? 100000), 'openat+close, 1,000-rule policy', 1.15],
];
const rows = [];
for (const [mode, n, label, target] of cases) {
  await perCall(mode, Math.min(n, 5000), false); // warm up both sides
  await perCall(mode, Math.min(n, 5000), true);
  let plain = Infinity;
  let wrapped = Infinity;
  for (let round = 0; round < 5; round++) {
    plain = Math.min(plain, await perCall(mode, n, false));
    wrapped = Math.min(wrapped, await perCall(mode, n, true));
  }
  rows.push([label, `${(plain * 1e6).toFixed(3)} us host alone, ${(wrapped * 1e6).toFixed(3)} us interposed: ${(wrapped / plain).toFixed(3)}x  (target <= ${target}x)`]);
}
const w = Math.max(...rows.map((r) => r[0].length));
console.log(`WALI host (loop.wasm, ${compiled.policy.rules.length}-rule policy)`);
for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
