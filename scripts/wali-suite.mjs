#!/usr/bin/env node
// WALI's own unit suite (../shared/wali-tests, or FDWARDEN_WALI_TESTS) under `fdwarden run`: each
// test's C source is built natively with cc as the suite's Makefile does (into a cache under the
// temp directory), its precompiled WALI wasm runs under `fdwarden run` with a policy that allows
// everything, and a run passes when both exit codes are equal. One line per test, then
// "N of M pass". Usage: node scripts/wali-suite.mjs [-f NAME...] [-v] [--jobs N] [--policy restrictive]
//
// --policy restrictive: each test's work directory (its cwd, outside /tmp) is read-only for the
// guest, /tmp writable (scripts/wali-suite-policy.mjs). A run passes when both exit codes agree;
// a run that differs is explained when the policy denied calls in it, each with its deciding
// rule's errno (read from the denials `fdwarden run` logs), or when it fails the same way under
// the allow-everything policy; anything else, and any denial with another errno, is unexpected.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runsOf } from './wali-suite-cmd.mjs';
import { denials as denialsIn, RESTRICTIVE_POLICY, restrictiveMounts } from './wali-suite-policy.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SUITE = resolve(process.env.FDWARDEN_WALI_TESTS ?? join(ROOT, '..', 'shared', 'wali-tests'));
const CLI = join(ROOT, 'bin', 'fdwarden.js');
const TIMEOUT_S = 20;

const argv = process.argv.slice(2);
const verbose = argv.includes('-v');
const jobsAt = argv.indexOf('--jobs');
const jobs = jobsAt >= 0 ? Number(argv[jobsAt + 1]) : Math.max(1, cpus().length);
const fAt = argv.indexOf('-f');
const policyAt = argv.indexOf('--policy');
const restrictive = policyAt >= 0 && argv[policyAt + 1] === 'restrictive';
if (policyAt >= 0 && !restrictive) {
  console.error(`wali-suite: --policy takes 'restrictive', not '${argv[policyAt + 1]}'`);
  process.exit(2);
}
const only = fAt >= 0 ? new Set(argv.slice(fAt + 1).filter((a) => !a.startsWith('-')).map((a) => a.replace(/^.*\//, '').replace(/\.c$/, ''))) : undefined;

if (!existsSync(join(SUITE, 'unit'))) {
  console.error(`wali-suite: no WALI test suite at ${SUITE} (set FDWARDEN_WALI_TESTS)`);
  process.exit(2);
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
const RESTRICTIVE = join(POLICY_DIR, 'restrictive.policy');
writeFileSync(RESTRICTIVE, RESTRICTIVE_POLICY);

/**
 * One run of a test: its native and wasm halves, each between the fixtures' setup and cleanup,
 * in a fresh work directory. Restrictive: the work directory lies outside /tmp, a mount of its
 * own that the policy keeps read-only, and the denials are logged (no --quiet).
 */
async function runOnce(b, wasm, r, restricted) {
  // Allow-everything: under /tmp, the one mount the tests use; restrictive: outside it.
  const work = mkdtempSync(restricted ? '/var/tmp/fdwarden-wali-ro-' : '/tmp/fdwarden-wali-run-');
  const env = { ...process.env, ...r.env };
  const cleanup = r.cleanup.length ? r.cleanup : r.setup;
  try {
    const native = await run(b.hooks, ['setup', ...r.setup, '--', ...UNPRIVILEGED, b.elf, ...r.args], { cwd: work, env });
    await run(b.hooks, ['cleanup', ...cleanup], { cwd: work, env });
    const envFlags = Object.entries(r.env).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
    const mode = restricted
      ? ['--audit', '--policy', RESTRICTIVE, ...restrictiveMounts(work)]
      // The work directory is under /tmp, which the tests use: one mount serves both.
      : ['--quiet', '--policy', POLICY, '--dir', '/tmp=/tmp', '--cwd', work];
    const guest = await run(b.hooks, ['setup', ...r.setup, '--', ...UNPRIVILEGED, process.execPath, CLI, 'run', ...mode, '--timeout', String(TIMEOUT_S),
      ...envFlags, wasm, ...r.args], { cwd: work, env });
    await run(b.hooks, ['cleanup', ...cleanup], { cwd: work, env });
    return { native, guest };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The guest's last line of output (fdwarden's log lines and their indented explanations left out). */
function lastLine(out) {
  const last = out.split('\n').filter((l) => l.trim() && !l.startsWith('fdwarden: ') && !/^\s/.test(l)).at(-1);
  return last ? ` (${last})` : '';
}

/**
 * A run under the restrictive policy, classified: `pass` (exit codes agree), `denied` (they
 * differ and the policy denied calls, each with its rule's errno), `known` (no denial, and it
 * fails the same way under the allow-everything policy), else `unexpected`.
 */
async function restrictedRun(b, wasm, r) {
  const { native, guest } = await runOnce(b, wasm, r, true);
  const all = denialsIn(guest.out, RESTRICTIVE);
  const wrong = all.filter((d) => !d.ok);
  // Refusals beyond the guest, and calls that never reached the policy, happen under any policy.
  const denials = all.filter((d) => d.kind === 'policy');
  const head = `run ${JSON.stringify(r.args)}: native ${native.code}, wasm ${guest.code}`;
  const errnos = [...new Set(denials.map((d) => d.errno))].join(',');
  if (wrong.length) return { kind: 'unexpected', denials, detail: `${head}; denied with an errno not its decider's:\n      ${wrong.map((d) => `${d.line} (${d.kind ?? 'no decider found'}: ${d.expected.join('|') || 'none'})`).join('\n      ')}` };
  if (native.code === guest.code) return { kind: 'pass', denials };
  if (denials.length) return { kind: 'denied', denials, detail: `${head}; ${denials.length} denied (${errnos})${verbose ? `\n      ${denials.map((d) => d.line).join('\n      ')}` : ''}` };
  const base = await runOnce(b, wasm, r, false);
  if (base.native.code === native.code && base.guest.code === guest.code) return { kind: 'known', denials, detail: `${head}, as under the allow-everything policy${lastLine(guest.out)}` };
  return { kind: 'unexpected', denials, detail: `${head}, no denial (allow-everything: wasm ${base.guest.code})${verbose ? `\n  wasm: ${guest.out.trim()}` : lastLine(guest.out)}` };
}

const RANK = { pass: 0, denied: 1, known: 2, unexpected: 3 };

async function runTest(name, cache) {
  const b = build(name, cache);
  if (b.error) return { name, ok: false, kind: 'unexpected', detail: b.error, runs: 0, passed: 0, denials: 0 };
  const wasm = join(SUITE, 'bin', 'unit', 'wasm', `${name}.wasm`);
  if (!existsSync(wasm)) return { name, ok: false, kind: 'unexpected', detail: 'no precompiled wasm', runs: 0, passed: 0, denials: 0 };
  const runs = runsOf(join(SUITE, 'unit', `${name}.c`));
  let passed = 0;
  let kind = 'pass';
  let denials = 0;
  const details = [];
  for (const r of runs) {
    if (restrictive) {
      const c = await restrictedRun(b, wasm, r);
      denials += c.denials.length;
      if (c.kind === 'pass') passed++;
      else details.push(c.detail);
      if (RANK[c.kind] > RANK[kind]) kind = c.kind;
      continue;
    }
    const { native, guest } = await runOnce(b, wasm, r, false);
    if (native.code === guest.code) passed++;
    else details.push(`run ${JSON.stringify(r.args)}: native ${native.code}, wasm ${guest.code}${verbose ? `\n  native: ${native.out.trim()}\n  wasm: ${guest.out.trim()}` : lastLine(guest.out)}`);
  }
  const ok = passed === runs.length;
  return { name, ok, kind: ok && kind === 'pass' ? 'pass' : kind === 'pass' ? 'unexpected' : kind, detail: details.join('\n    '), runs: runs.length, passed, denials };
}

const cache = join(tmpdir(), 'fdwarden-wali-suite-elf');
mkdirSync(cache, { recursive: true });

/**
 * The suite's tests keep their files in /tmp, which the restrictive policy leaves writable, so
 * first a probe that the read-only rule is live: the mkdir test making a directory in its work
 * directory succeeds natively and must be denied EROFS by that rule.
 */
async function probeReadOnly() {
  const b = build('mkdir', cache);
  const wasm = join(SUITE, 'bin', 'unit', 'wasm', 'mkdir.wasm');
  if (b.error || !existsSync(wasm)) return 'no mkdir test to probe with';
  // The cleanup removes what the native half made, so the guest meets no EEXIST.
  const c = await restrictedRun(b, wasm, { setup: [], cleanup: ['probe-dir'], args: ['ok', 'probe-dir'], env: {} });
  const ok = c.kind === 'denied' && c.denials.length > 0 && c.denials.every((d) => d.errno === 'EROFS');
  if (!ok) console.log(`probe: ${c.detail ?? 'the mkdir passed'}`);
  return ok ? 'ok: mkdir in the work directory denied EROFS by the read-only rule' : 'FAILED: the read-only rule did not deny the mkdir';
}
if (restrictive) console.log(`read-only probe ${await probeReadOnly()}`);
const names = readdirSync(join(SUITE, 'unit')).filter((f) => f.endsWith('.c') && !f.endsWith('_hooks.c')).map((f) => f.slice(0, -2)).sort().filter((n) => !only || only.has(n));
const results = new Array(names.length);
let next = 0;
let printed = 0;
const flush = () => {
  while (printed < names.length && results[printed]) {
    const r = results[printed++];
    const verdict = !restrictive ? (r.ok ? 'PASS' : 'FAIL')
      : { pass: 'PASS', denied: 'DENIED', known: 'FAIL as allow-all', unexpected: 'UNEXPECTED' }[r.kind];
    const denied = restrictive && r.denials ? `, ${r.denials} denied` : '';
    console.log(`${r.name.padEnd(28, '.')} ${verdict} (${r.passed}/${r.runs}${denied})${r.ok || !r.detail ? '' : `\n    ${r.detail}`}`);
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
if (!restrictive) console.log(`${pass} of ${names.length} pass`);
else {
  const count = (k) => results.filter((r) => r.kind === k).length;
  const denied = results.reduce((n, r) => n + r.denials, 0);
  console.log(`restrictive policy: ${pass} of ${names.length} pass; ${count('denied')} others fail only on denied calls, each with the rule's errno; `
    + `${count('known')} fail as under the allow-everything policy; ${count('unexpected')} unexpected (${denied} denials in all)`);
}
