// What the Asyncify build costs (src/host/asyncify.ts: modules that import fork or setjmp are
// rewritten so their stack can be unwound and rewound).
//
// 1. At load: the transform of a small and of a large module (C built with clang for wasm32; the
//    large one has 3,000 functions reached through a function table, so every function may unwind,
//    as in an interpreter), uncached (an empty cache directory) and cached (read back by hash),
//    with the sizes before and after.
// 2. At run time: a loop of indirect calls (50M iterations) run by runWali without and with the
//    transform; a row's time is t(N) - t(1), so start-up cancels out; best of
//    FDWARDEN_BENCH_ROUNDS (default 3).
// 3. fork itself: a program that forks N children (each exits at once) and reaps them.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runWali } from '../dist/host/index.js';
import { asyncify } from '../dist/host/asyncify.js';
import { clangWasm } from '../scripts/wali-clang.mjs';

const work = mkdtempSync(join(tmpdir(), 'fdwarden-asyncify-bench-'));
process.env.FDWARDEN_CACHE_DIR = join(work, 'cache');
const ROUNDS = Number(process.env.FDWARDEN_BENCH_ROUNDS ?? 3);

const HEAD = `typedef long long i64;
#define SYS(n) __attribute__((import_module("wali"), import_name("SYS_" #n)))
SYS(fork) i64 sys_fork(void);
SYS(wait4) i64 sys_wait4(int, int *, int, void *);
SYS(exit_group) i64 sys_exit_group(int);
__attribute__((import_module("wali"), import_name("__cl_get_argv_len"))) int cl_get_argv_len(int);
__attribute__((import_module("wali"), import_name("__cl_copy_argv"))) int cl_copy_argv(char *, int);
static long arg1(void) {
  char b[24]; int n = cl_get_argv_len(1);
  if (n <= 0 || n > 20) return 1;
  cl_copy_argv(b, 1); long v = 0;
  for (int i = 0; i < n; i++) v = v * 10 + (b[i] - '0');
  return v;
}
`;

function build(name, source) {
  const c = join(work, `${name}.c`);
  const out = join(work, `${name}.wasm`);
  writeFileSync(c, source);
  clangWasm(out, [c]);
  return new Uint8Array(readFileSync(out));
}

const loop = build('loop', `${HEAD}
static int f0(int x) { return x * 3 + 1; }
static int f1(int x) { return x ^ 0x5a5a; }
static int f2(int x) { return x + 7; }
static int f3(int x) { return x - (x >> 3); }
int (*volatile fns[4])(int) = { f0, f1, f2, f3 };
void _start(void) {
  long n = arg1();
  int acc = 0;
  for (long i = 0; i < n; i++) acc = fns[i & 3](acc);
  if (acc == 123456789) sys_fork();
  sys_exit_group(acc & 1);
}
`);

let big = `${HEAD}\nint (*volatile table[3000])(int);\n`;
for (let i = 0; i < 3000; i++) big += `static int g${i}(int x) { int y = x * ${i + 3}; for (int k = 0; k < (x & 7); k++) y += table[(x + ${i}) % 3000 == ${i} ? ${(i + 1) % 3000} : ${(i + 7) % 3000}] ? k : 1; return y ^ ${i}; }\n`;
big += 'void _start(void) {\n';
for (let i = 0; i < 3000; i++) big += `  table[${i}] = g${i};\n`;
big += '  int acc = 0; long n = arg1();\n  for (long i = 0; i < n; i++) acc += table[i % 3000](acc);\n  if (acc == 7) sys_fork();\n  sys_exit_group(0);\n}\n';
const large = build('large', big);

const forks = build('forks', `${HEAD}
void _start(void) {
  long n = arg1();
  int st;
  for (long i = 0; i < n; i++) {
    i64 r = sys_fork();
    if (r == 0) sys_exit_group(0);
    sys_wait4((int)r, &st, 0, 0);
  }
  sys_exit_group(0);
}
`);

const ms = (t) => `${t.toFixed(1)} ms`;
const kb = (n) => `${(n / 1024).toFixed(0)} KiB`;

// Loading binaryen (a 12 MB module) is paid once per process, by the first transform only.
let t0 = performance.now();
await asyncify(forks, join(work, 'warm-up'));
const loadBinaryen = performance.now() - t0;
await WebAssembly.compile(loop); // V8's first compile warms up
console.log(`Asyncify build: transform at load (binaryen 132; the first transform in a process, which loads binaryen, took ${ms(loadBinaryen)}; a cached module never loads it)`);
for (const [name, bytes] of [['small (loop.c)', loop], ['large (3,000 functions)', large]]) {
  rmSync(process.env.FDWARDEN_CACHE_DIR, { recursive: true, force: true });
  let t = performance.now();
  const fresh = await asyncify(bytes);
  const uncached = performance.now() - t;
  t = performance.now();
  const again = await asyncify(bytes);
  const cached = performance.now() - t;
  if (fresh.cached || !again.cached) throw new Error('the cache did not behave');
  console.log(`  ${name.padEnd(24)} ${kb(bytes.length)} -> ${kb(again.bytes.length)} (x${(again.bytes.length / bytes.length).toFixed(2)}); transform uncached ${ms(uncached)}, cached ${ms(cached)}`);
}

async function timed(bytes, n, mode) {
  const t = performance.now();
  await runWali(bytes, { args: ['b', String(n)], dirs: [{ host: work, guest: '/work' }], asyncify: mode });
  return performance.now() - t;
}

const N = 50_000_000;
let best = { never: Infinity, always: Infinity };
for (let r = 0; r < ROUNDS; r++) {
  for (const mode of ['never', 'always']) {
    const d = (await timed(loop, N, mode)) - (await timed(loop, 1, mode));
    best[mode] = Math.min(best[mode], d);
  }
}
console.log(`Run time: ${N / 1e6}M indirect calls in a loop: plain ${ms(best.never)} (${(best.never * 1e6 / N).toFixed(2)} ns/iteration), Asyncify ${ms(best.always)} (${(best.always * 1e6 / N).toFixed(2)} ns/iteration): x${(best.always / best.never).toFixed(2)}`);

const FORKS = 200;
let bestFork = Infinity;
for (let r = 0; r < ROUNDS; r++) bestFork = Math.min(bestFork, (await timed(forks, FORKS, 'auto')) - (await timed(forks, 1, 'auto')));
console.log(`fork + exit + wait4 of a child (${kb(forks.length)} module, 1 MiB unwind region): ${(bestFork / (FORKS - 1)).toFixed(3)} ms each`);

rmSync(work, { recursive: true, force: true });
