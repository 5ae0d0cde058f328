// What the WALI interposer costs, side by side in one run.
//
// 1. A foreign host: a minimal pass-through WALI host written here (the guest's paths and fds are
//    the machine's, as in WAMR-style embeddings; each SYS_* is the raw Linux syscall through koffi,
//    pointers into guest memory passed as they are), running test/wali/programs/loop.c alone and
//    through wrap() with its own model (machineNamespace), under a 1,000-rule policy that allows
//    everything under the bench's temp dir. Targets: open+close <= 1.15x, fd calls <= 1.05x.
// 2. The Node WALI host (src/host, which decides with its own model and anchors every host call
//    on objects) on the same loop, against what the same work costs without any WALI: Node's
//    fs.openSync/closeSync and raw openat/close syscalls through koffi, in a JS loop.
//
// A WALI row's per-call time is (t(N) - t(1)) / (N - 1), so instantiation and start-up cancel
// out; rounds are interleaved and the best of each side is kept (FDWARDEN_BENCH_ROUNDS, default 5).
import { closeSync, mkdtempSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import koffi from 'koffi';
import { runWali } from '../dist/host/index.js';
import { compilePolicyText, engineFor, machineNamespace, wrap } from '../dist/wali-entry.js';
import { clangWasm } from '../scripts/wali-clang.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(join(tmpdir(), 'fdwarden-wali-bench-'));
const wasmPath = join(work, 'loop.wasm');
clangWasm(wasmPath, [join(root, 'test/wali/programs/loop.c')], ['-Wl,-z,stack-size=262144', '-I', join(root, 'test/wali/programs')]);
const wasm = readFileSync(wasmPath);
const module = new WebAssembly.Module(wasm);
mkdirSync(join(work, 'data'));
const file = join(work, 'data', 'file');
writeFileSync(file, 'x');
const ROUNDS = Number(process.env.FDWARDEN_BENCH_ROUNDS ?? 5);

/** 999 rules over other trees, then the one that decides: the automaton holds them all. */
function policyAllowing(dir) {
  const rules = [];
  for (let i = 0; i < 999; i++) rules.push(i % 2 ? `allow read,stat under /srv/project${i}/src` : `deny write /srv/project${i}/**/*.lock`);
  const compiled = compilePolicyText(`policy "bench" abi 1\ndefault deny errno EACCES\n${rules.join('\n')}\nallow * under ${dir}\n`, { file: 'bench.policy' });
  if (!compiled.ok) throw new Error('bench policy does not compile');
  return engineFor(compiled.policy);
}

// ---- raw syscalls through koffi (x86-64 numbers) ----
const NR = { read: 0, write: 1, close: 3, fstat: 5, lseek: 8, pread64: 17, openat: 257, newfstatat: 262 };
const libc = koffi.load('libc.so.6');
const sc = {
  i: libc.func('long syscall(long, long)'),
  iii: libc.func('long syscall(long, long, long, long)'),
  ip: libc.func('long syscall(long, long, uint8_t *)'),
  ipi: libc.func('long syscall(long, long, uint8_t *, long)'),
  ipii: libc.func('long syscall(long, long, uint8_t *, long, long)'),
  ipip: libc.func('long syscall(long, long, uint8_t *, uint8_t *, long)'),
};
/** A raw result as WALI returns it: the value, or -errno, as an i64. */
const ret = (r) => BigInt(Number(r) < 0 ? -koffi.errno() : Number(r));

class Exit extends Error {
  constructor(code) {
    super(`exit ${code}`);
    this.code = code;
  }
}

/**
 * The foreign host: guest fds are the process's fds, guest paths are the machine's (the kernel
 * reads them straight from guest memory), stdout and stderr are kept in a string.
 */
class PassThroughHost {
  constructor(args) {
    this.args = args.map((a) => Buffer.from(`${a}\0`, 'latin1'));
    this.memory = undefined;
    this.view = undefined;
    this.out = '';
  }

  /** Guest memory from address `p` on (re-read when the memory grew). */
  at(p) {
    if (this.view === undefined || this.view.buffer !== this.memory.buffer) this.view = new Uint8Array(this.memory.buffer);
    return this.view.subarray(p >>> 0);
  }

  imports() {
    return {
      wali: {
        SYS_openat: (d, p, f, m) => ret(sc.ipii(NR.openat, d, this.at(p), f, m)),
        SYS_close: (fd) => ret(sc.i(NR.close, fd)),
        SYS_read: (fd, b, n) => ret(sc.ipi(NR.read, fd, this.at(b), n)),
        SYS_pread64: (fd, b, n, off) => ret(sc.ipii(NR.pread64, fd, this.at(b), n, off)),
        SYS_fstat: (fd, b) => ret(sc.ip(NR.fstat, fd, this.at(b))),
        SYS_lseek: (fd, off, whence) => ret(sc.iii(NR.lseek, fd, off, whence)),
        SYS_newfstatat: (d, p, b, f) => ret(sc.ipip(NR.newfstatat, d, this.at(p), this.at(b), f)),
        SYS_write: (fd, b, n) => {
          if (fd !== 1 && fd !== 2) return ret(sc.ipi(NR.write, fd, this.at(b), n));
          this.out += Buffer.from(this.at(b).subarray(0, n)).toString('latin1');
          return BigInt(n);
        },
        SYS_exit_group: (code) => {
          throw new Exit(code);
        },
        __cl_get_argc: () => this.args.length,
        __cl_get_argv_len: (i) => this.args[i].length - 1,
        __cl_copy_argv: (ptr, i) => {
          this.at(ptr).set(this.args[i]);
          return 0;
        },
      },
    };
  }
}

const foreignPolicy = policyAllowing(work);

/** One run of loop.wasm on the foreign host, alone or through wrap(); seconds. */
function foreign(mode, n, interposed) {
  const t0 = process.hrtime.bigint();
  const host = new PassThroughHost(['loop', mode, String(n), file]);
  let imports = host.imports();
  if (interposed) imports = wrap(imports, { policy: foreignPolicy, namespace: machineNamespace({ cwd: work }), log: () => {} });
  const instance = new WebAssembly.Instance(module, imports);
  host.memory = instance.exports.memory;
  imports.attach?.(instance);
  let code;
  try {
    instance.exports._start();
  } catch (e) {
    if (!(e instanceof Exit)) throw e;
    code = e.code;
  }
  const t = Number(process.hrtime.bigint() - t0) / 1e9;
  if (code !== 0) throw new Error(`foreign host: loop ${mode} ${n} exited ${code}${interposed ? ' (interposed)' : ''}: ${host.out}`);
  return t;
}

// ---- the Node WALI host ----
const nodePolicy = policyAllowing('/data');
const devNull = openSync('/dev/null', 'w');
async function nodeHost(mode, n) {
  const t0 = process.hrtime.bigint();
  const code = await runWali(wasm, { args: ['loop', mode, String(n), '/data/file'], dirs: [{ host: join(work, 'data'), guest: '/data' }], cwd: '/data', policy: nodePolicy, stdio: [0, devNull, 2] });
  const t = Number(process.hrtime.bigint() - t0) / 1e9;
  if (code !== 0) throw new Error(`Node host: loop ${mode} ${n} exited ${code}`);
  return t;
}

/** Per call, start-up cancelled out. */
async function perCall(run, mode, n) {
  return ((await run(mode, n)) - (await run(mode, 1))) / (n - 1);
}

/** A plain JS loop of `n` iterations of `body`; seconds per iteration. */
function jsLoop(n, body) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) body();
  return Number(process.hrtime.bigint() - t0) / 1e9 / n;
}

const us = (s) => `${(s * 1e6).toFixed(3)} us`;
const rows = [];

// 1. The foreign host, alone and interposed.
const FOREIGN = [
  ['openclose', Number(process.env.FDWARDEN_BENCH_OPENS ?? 100000), 'openat+close', 1.15],
  ['read0', Number(process.env.FDWARDEN_BENCH_READS ?? 200000), 'read(fd, buf, 0)', 1.05],
  ['fstat', Number(process.env.FDWARDEN_BENCH_READS ?? 200000), 'fstat(fd, buf)', 1.05],
  ['read1', Number(process.env.FDWARDEN_BENCH_READS ?? 200000), '1-byte pread64', 1.05],
];
for (const [mode, n, label, target] of FOREIGN) {
  const alone = (m, k) => foreign(m, k, false);
  const through = (m, k) => foreign(m, k, true);
  await perCall(alone, mode, Math.min(n, 5000)); // warm up both sides
  await perCall(through, mode, Math.min(n, 5000));
  let a = Infinity;
  let w = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    a = Math.min(a, await perCall(alone, mode, n));
    w = Math.min(w, await perCall(through, mode, n));
  }
  rows.push([`foreign host, ${label}`, `${us(a)} alone, ${us(w)} through wrap(): ${(w / a).toFixed(3)}x  (target <= ${target}x)`]);
}

// The interposer's own cost per call, whatever the host: wrap() in front of a host that does
// nothing (openat answers the lowest free fd), its imports called from JS with a path in a wasm memory.
{
  const memory = new WebAssembly.Memory({ initial: 2 });
  const p = 1024;
  new Uint8Array(memory.buffer).set(Buffer.from(`${file}\0`, 'latin1'), p);
  const used = new Set([0, 1, 2]);
  const lowest = () => {
    let fd = 3;
    while (used.has(fd)) fd++;
    used.add(fd);
    return BigInt(fd);
  };
  const noop = { wali: { SYS_openat: lowest, SYS_close: (fd) => (used.delete(fd) ? 0n : -9n), SYS_read: () => 0n } };
  const w = wrap(noop, { policy: foreignPolicy, namespace: machineNamespace({ cwd: work }), log: () => {} });
  w.attach({ exports: { memory } });
  const { SYS_openat: open, SYS_close: close, SYS_read: read } = w.wali;
  const fd = Number(open(-100, p, 0, 0));
  const oc = () => {
    if (close(Number(open(-100, p, 0, 0))) !== 0n) throw new Error('no-op host: close failed');
  };
  const rd = () => {
    if (read(fd, 2048, 0) !== 0n) throw new Error('no-op host: read failed');
  };
  jsLoop(20000, oc);
  jsLoop(200000, rd);
  let o = Infinity;
  let r = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    o = Math.min(o, jsLoop(Number(process.env.FDWARDEN_BENCH_OPENS ?? 100000), oc));
    r = Math.min(r, jsLoop(Number(process.env.FDWARDEN_BENCH_READS ?? 200000) * 5, rd));
  }
  rows.push(["wrap()'s own cost, any host", `${us(o)} per openat+close, ${us(r)} per fd call (in front of a host that does nothing, called from JS)`]);
}

// 2. The Node WALI host against Node's fs and raw syscalls.
const OPENS = Number(process.env.FDWARDEN_BENCH_OPENS ?? 100000);
const path = Buffer.from(`${file}\0`, 'latin1');
const zero = new Uint8Array(8);
let node = Infinity;
let fs = Infinity;
let raw = Infinity;
let rawRead = Infinity;
await perCall(nodeHost, 'openclose', Math.min(OPENS, 5000));
const rfd = openSync(file, 'r');
for (let round = 0; round < ROUNDS; round++) {
  node = Math.min(node, await perCall(nodeHost, 'openclose', OPENS));
  fs = Math.min(fs, jsLoop(OPENS, () => closeSync(openSync(file, 'r'))));
  raw = Math.min(raw, jsLoop(OPENS, () => sc.i(NR.close, Number(sc.ipii(NR.openat, -100, path, 0, 0)))));
  rawRead = Math.min(rawRead, jsLoop(OPENS * 2, () => sc.ipi(NR.read, rfd, zero, 0)));
}
closeSync(rfd);
rows.push(['Node host, openat+close', `${us(node)} (its own model and policy, anchored host calls): ${(node / fs).toFixed(2)}x fs.openSync+closeSync, ${(node / raw).toFixed(2)}x raw syscalls`]);
rows.push(['fs.openSync+closeSync (JS loop)', `${us(fs)}`]);
rows.push(['koffi openat+close (JS loop)', `${us(raw)}`]);
rows.push(['koffi read(fd, buf, 0) (JS loop)', `${us(rawRead)}  (a raw syscall through koffi: the floor under a koffi host's fd call)`]);

const width = Math.max(...rows.map((r) => r[0].length));
console.log(`WALI (loop.wasm; ${foreignPolicy.policy.rules.length}-rule policies; best of ${ROUNDS})`);
for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
