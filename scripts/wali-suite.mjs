#!/usr/bin/env node
// WALI's own unit suite (../shared/wali-tests, or FDWARDEN_WALI_TESTS) under `fdwarden run`: each
// test's C source is built natively with cc as the suite's Makefile does (into a cache under the
// temp directory), its precompiled WALI wasm runs under `fdwarden run` with a policy that allows
// everything, and a run passes when both exit codes are equal. One line per test, then
// "N of M pass". Usage: node scripts/wali-suite.mjs [-f NAME...] [-v] [--jobs N]
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SUITE = resolve(process.env.FDWARDEN_WALI_TESTS ?? join(ROOT, '..', 'shared', 'wali-tests'));
const CLI = join(ROOT, 'bin', 'fdwarden.js');
const TIMEOUT_S = 20;

const argv = process.argv.slice(2);
const verbose = argv.includes('-v');
const jobsAt = argv.indexOf('--jobs');
const jobs = jobsAt >= 0 ? Number(argv[jobsAt + 1]) : Math.max(1, cpus().length);
const fAt = argv.indexOf('-f');
const only = fAt >= 0 ? new Set(argv.slice(fAt + 1).filter((a) => !a.startsWith('-')).map((a) => a.replace(/^.*\//, '').replace(/\.c$/, ''))) : undefined;

if (!existsSync(join(SUITE, 'unit'))) {
  console.error(`wali-suite: no WALI test suite at ${SUITE} (set FDWARDEN_WALI_TESTS)`);
  process.exit(2);
}

/** Shell words as Python's shlex.split reads the suite's `// CMD:` lines (quotes, backslashes). */
function shellWords(s) {
  const out = [];
  let cur = '';
  let any = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "'") { const j = s.indexOf("'", i + 1); cur += s.slice(i + 1, j < 0 ? s.length : j); i = j < 0 ? s.length : j; any = true; }
    else if (c === '"') {
      i++;
      while (i < s.length && s[i] !== '"') { if (s[i] === '\\' && i + 1 < s.length) i++; cur += s[i++]; }
      any = true;
    } else if (c === '\\' && i + 1 < s.length) { cur += s[++i]; any = true; }
    else if (/\s/.test(c)) { if (any) out.push(cur); cur = ''; any = false; }
    else { cur += c; any = true; }
  }
  if (any) out.push(cur);
  return out;
}

/** The runs of a test: one per `// CMD:` line (setup, args, cleanup, env), as run_tests.py reads them. */
function runsOf(source) {
  const runs = [];
  for (const raw of readFileSync(source, 'utf8').split('\n')) {
    const line = raw.trim();
    if (!line.startsWith('// CMD:')) continue;
    const run = { setup: [], cleanup: [], args: [], env: {} };
    for (const p of shellWords(line.slice('// CMD:'.length).trim())) {
      const eq = p.indexOf('=');
      const key = eq > 0 ? p.slice(0, eq) : '';
      const val = p.slice(eq + 1);
      if (key === 'setup') run.setup.push(...shellWords(val));
      else if (key === 'cleanup') run.cleanup.push(...shellWords(val));
      else if (key === 'args') run.args.push(...shellWords(val));
      else if (key === 'env') for (const kv of shellWords(val)) { const i = kv.indexOf('='); if (i > 0) run.env[kv.slice(0, i)] = kv.slice(i + 1); }
      else { run.setup.push(p); run.args.push(p); }
    }
    runs.push(run);
  }
  return runs.length ? runs : [{ setup: [], cleanup: [], args: [], env: {} }];
}

/** Builds the native test and its hooks wrapper (cached by source hash). */
function build(name, cache) {
  const src = join(SUITE, 'unit', `${name}.c`);
  const h = createHash('sha256').update(readFileSync(src)).update(readFileSync(join(SUITE, 'common', 'wali_start.c'))).update(readFileSync(join(SUITE, 'common', 'hooks_main.c'))).digest('hex').slice(0, 12);
  const elf = join(cache, `${name}-${h}`);
  const hooks = `${elf}_hooks`;
  const flags = [`-I${SUITE}`, `-I${join(SUITE, 'common')}`, '-O2', '-Wno-unused-result', '-w'];
  if (!existsSync(elf)) {
    const r = spawnSync('cc', [...flags, '-o', elf, src, '-lm', '-lpthread'], { encoding: 'utf8' });
    if (r.status !== 0) return { error: `native build failed: ${r.stderr.trim().split('\n')[0]}` };
  }
  if (!existsSync(hooks)) {
    const r = spawnSync('cc', [...flags, '-DWALI_TEST_WRAPPER', '-o', hooks, join(SUITE, 'common', 'hooks_main.c'), src], { encoding: 'utf8' });
    if (r.status !== 0) return { error: `hooks build failed: ${r.stderr.trim().split('\n')[0]}` };
  }
  return { elf, hooks };
}

function run(cmd, args, opts) {
  return new Promise((done) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b) => { out += b; });
    child.stderr.on('data', (b) => { out += b; });
    const timer = setTimeout(() => child.kill('SIGKILL'), (TIMEOUT_S + 5) * 1000);
    child.on('close', (code, signal) => { clearTimeout(timer); done({ code: code ?? 128 + (signal === 'SIGKILL' ? 9 : 15), out }); });
  });
}

// The guest is an unprivileged process with the host's ids (src/host/README.md). Run as root,
// both halves drop every capability (uid 0 without CAP_*), so each is that same unprivileged
// process; the fixtures' setup and cleanup keep them.
const UNPRIVILEGED = process.getuid?.() === 0 && spawnSync('setpriv', ['--version']).status === 0
  ? ['setpriv', '--inh-caps=-all', '--ambient-caps=-all', '--bounding-set=-all', '--']
  : [];

const POLICY_DIR = mkdtempSync(join(tmpdir(), 'fdwarden-wali-suite-'));
const POLICY = join(POLICY_DIR, 'all.policy');
writeFileSync(POLICY, 'policy "wali-suite" abi 1\ndefault allow\nnetwork allow *\n');

async function runTest(name, cache) {
  const b = build(name, cache);
  if (b.error) return { name, ok: false, detail: b.error, runs: 0, passed: 0 };
  const wasm = join(SUITE, 'bin', 'unit', 'wasm', `${name}.wasm`);
  if (!existsSync(wasm)) return { name, ok: false, detail: 'no precompiled wasm', runs: 0, passed: 0 };
  const runs = runsOf(join(SUITE, 'unit', `${name}.c`));
  let passed = 0;
  const details = [];
  for (const r of runs) {
    const work = mkdtempSync('/tmp/fdwarden-wali-run-'); // under /tmp: the one mount the tests use
    const env = { ...process.env, ...r.env };
    const cleanup = r.cleanup.length ? r.cleanup : r.setup;
    try {
      const native = await run(b.hooks, ['setup', ...r.setup, '--', ...UNPRIVILEGED, b.elf, ...r.args], { cwd: work, env });
      await run(b.hooks, ['cleanup', ...cleanup], { cwd: work, env });
      const envFlags = Object.entries(r.env).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
      const wasmRun = await run(b.hooks, ['setup', ...r.setup, '--', ...UNPRIVILEGED, process.execPath, CLI, 'run', '--quiet', '--policy', POLICY, '--timeout', String(TIMEOUT_S),
        // The work directory is under /tmp, which the tests use: one mount serves both.
        '--dir', '/tmp=/tmp', '--cwd', work, ...envFlags, wasm, ...r.args], { cwd: work, env });
      await run(b.hooks, ['cleanup', ...cleanup], { cwd: work, env });
      if (native.code === wasmRun.code) passed++;
      else details.push(`run ${JSON.stringify(r.args)}: native ${native.code}, wasm ${wasmRun.code}${verbose ? `\n  native: ${native.out.trim()}\n  wasm: ${wasmRun.out.trim()}` : wasmRun.out.trim() ? ` (${wasmRun.out.trim().split('\n').at(-1)})` : ''}`);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  return { name, ok: passed === runs.length, detail: details.join('\n    '), runs: runs.length, passed };
}

const cache = join(tmpdir(), 'fdwarden-wali-suite-elf');
mkdirSync(cache, { recursive: true });
const names = readdirSync(join(SUITE, 'unit')).filter((f) => f.endsWith('.c') && !f.endsWith('_hooks.c')).map((f) => f.slice(0, -2)).sort().filter((n) => !only || only.has(n));
const results = new Array(names.length);
let next = 0;
let printed = 0;
const flush = () => {
  while (printed < names.length && results[printed]) {
    const r = results[printed++];
    console.log(`${r.name.padEnd(28, '.')} ${r.ok ? `PASS (${r.passed}/${r.runs})` : `FAIL (${r.passed}/${r.runs})`}${r.ok || !r.detail ? '' : `\n    ${r.detail}`}`);
  }
};
await Promise.all(Array.from({ length: Math.min(jobs, names.length) }, async () => {
  while (next < names.length) {
    const i = next++;
    results[i] = await runTest(names[i], cache);
    flush();
  }
}));
rmSync(POLICY_DIR, { recursive: true, force: true });
const pass = results.filter((r) => r.ok).length;
console.log(`${pass} of ${names.length} pass`);
