// What importing each entry of the package costs before any work: `fdwarden` (the core: policy
// language, engine, model), `fdwarden/wali` (the interposer), `fdwarden/host` (the Node host
// with koffi), `fdwarden/strace` (replay, audit, learn) and `fdwarden/testing` (fast-check and
// the promise prover). Each is imported by
// its package name in a fresh node process; a round spawns `node -e 0` and both imports,
// interleaved, and the medians are kept (FDWARDEN_BENCH_SPAWNS rounds, default 11). Two figures:
// the process's wall time minus `node -e 0`'s, and the import() as timed inside the process.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ROUNDS = Number(process.env.FDWARDEN_BENCH_SPAWNS ?? 11);
const ENTRIES = ['fdwarden', 'fdwarden/wali', 'fdwarden/host', 'fdwarden/strace', 'fdwarden/testing'];
// All five in one process: the whole package, for the ratios.
ENTRIES.push(ENTRIES.join('+'));

/** One fresh process: its wall time and (for an import) the import's own time, in ms. */
function spawn(spec) {
  const code = spec === undefined
    ? 'process.stdout.write("0")'
    : `const t = performance.now(); const ms = await Promise.all(${JSON.stringify(spec.split('+'))}.map((s) => import(s))); process.stdout.write(String(performance.now() - t) + ' ' + ms.reduce((n, m) => n + Object.keys(m).length, 0))`;
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, encoding: 'utf8' });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`importing ${spec} failed:\n${r.stderr}`);
  const [inside, exports] = r.stdout.split(' ').map(Number);
  return { wall, inside, exports };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

spawn(undefined); // warm the file cache
for (const e of ENTRIES) spawn(e);
const base = [];
const runs = new Map(ENTRIES.map((e) => [e, []]));
for (let i = 0; i < ROUNDS; i++) {
  base.push(spawn(undefined).wall);
  for (const e of ENTRIES) runs.get(e).push(spawn(e));
}
const node = median(base);
const rows = ENTRIES.map((e) => {
  const rs = runs.get(e);
  return { e, wall: median(rs.map((r) => r.wall)) - node, inside: median(rs.map((r) => r.inside)), exports: rs[0].exports };
});
console.log(`import time (fresh node process, median of ${ROUNDS}; node -e 0 itself ${node.toFixed(0)} ms)`);
const w = Math.max(...ENTRIES.filter((e) => e.length <= 20).map((e) => e.length));
for (const r of rows) {
  console.log(`${`import '${r.e.length > 20 ? 'all five' : r.e}'`.padEnd(w + 9)} ${r.wall.toFixed(0).padStart(4)} ms over node -e 0, import() ${r.inside.toFixed(0).padStart(4)} ms  (${r.exports} exports)`);
}
const all = rows[rows.length - 1];
console.log(`each entry / the whole package (import()): ${rows.slice(0, -1).map((r) => `${r.e} ${(r.inside / all.inside).toFixed(2)}x`).join(', ')}`);
