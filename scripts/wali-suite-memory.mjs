#!/usr/bin/env node
// WALI's own unit suite (../shared/wali-tests, or FDWARDEN_WALI_TESTS) on the in-memory host
// (fdwarden/browser's runInMemory, from dist/: build first). Each run of a test happens twice in
// the same world: natively, chrooted into a fresh tree R (/tmp and the work directory /work),
// with the test's fixture set-up, the test and its clean-up all inside; and on the memory host,
// whose filesystem is R as the fixture set-up left it (snapshotted), under a policy allowing
// everything. A run agrees when both exit codes are equal. The guest of the memory host is root,
// so the native half runs as root too. Needs root (chroot) and cc with a static libc.
// Usage: node scripts/wali-suite-memory.mjs [-f NAME...] [-v]
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runsOf } from './wali-suite-cmd.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SUITE = resolve(process.env.FDWARDEN_WALI_TESTS ?? join(ROOT, '..', 'shared', 'wali-tests'));
const argv = process.argv.slice(2);
const verbose = argv.includes('-v');
const fAt = argv.indexOf('-f');
const only = fAt >= 0 ? new Set(argv.slice(fAt + 1).filter((a) => !a.startsWith('-')).map((a) => a.replace(/^.*\//, '').replace(/\.c$/, ''))) : undefined;
if (!existsSync(join(SUITE, 'unit'))) {
  console.error(`wali-suite-memory: no WALI test suite at ${SUITE} (set FDWARDEN_WALI_TESTS)`);
  process.exit(2);
}
if (process.getuid?.() !== 0) {
  console.error('wali-suite-memory: the native halves run in a chroot: run as root');
  process.exit(2);
}
const { MemoryFs, runInMemory, compilePolicyText } = await import(join(ROOT, 'dist', 'browser-entry.js')).then(async (b) => ({ ...b, ...(await import(join(ROOT, 'dist', 'index.js'))) }));
const POLICY = compilePolicyText('policy "all" abi 1\ndefault allow\n', { file: 'all.policy' });

/** The native test and its hooks wrapper, static (they run in a chroot), cached by source hash. */
function build(name, cache) {
  const src = join(SUITE, 'unit', `${name}.c`);
  const h = createHash('sha256').update(readFileSync(src)).update(readFileSync(join(SUITE, 'common', 'wali_start.c'))).update(readFileSync(join(SUITE, 'common', 'hooks_main.c'))).digest('hex').slice(0, 12);
  const elf = join(cache, `${name}-${h}`);
  const hooks = `${elf}_hooks`;
  const flags = ['-static', `-I${SUITE}`, `-I${join(SUITE, 'common')}`, '-O2', '-w'];
  if (!existsSync(elf) && spawnSync('cc', [...flags, '-o', elf, src, '-lm', '-lpthread']).status !== 0) return { error: 'native build failed' };
  if (!existsSync(hooks) && spawnSync('cc', [...flags, '-DWALI_TEST_WRAPPER', '-o', hooks, join(SUITE, 'common', 'hooks_main.c'), src]).status !== 0) return { error: 'hooks build failed' };
  return { elf, hooks };
}

/** test/memhost/chroot-exec.c built (static), cached by its source: runs a binary chrooted, by its fd. */
function chrootHelper(cache) {
  const source = join(ROOT, 'test', 'memhost', 'chroot-exec.c');
  const out = join(cache, `chroot-exec-${createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 12)}`);
  if (!existsSync(out) && spawnSync('cc', ['-O1', '-static', '-o', out, source]).status !== 0) throw new Error('building chroot-exec failed');
  return out;
}

/** Runs `bin args...` chrooted into `root`, in /work, with `env` only. */
function chrooted(root, bin, args, env) {
  const r = spawnSync(chrootExec, [root, '/work', bin, ...args], { encoding: 'latin1', timeout: 20_000, env, stdio: ['ignore', 'pipe', 'pipe'] });
  return { code: r.status ?? 128 + 9, out: r.stdout + r.stderr };
}

function freshRoot() {
  const root = mkdtempSync(join(tmpdir(), 'fdwarden-wali-memory-'));
  chmodSync(root, 0o755);
  for (const d of ['tmp', 'work']) mkdirSync(join(root, d));
  chmodSync(join(root, 'tmp'), 0o1777);
  return root;
}

/** A real tree as a MemoryFs: names, kinds, bytes, modes. */
function snapshot(root) {
  const fs = new MemoryFs();
  const walk = (dir, at) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const g = `${at}/${name}`;
      const st = lstatSync(p);
      if (st.isSymbolicLink()) fs.symlink(readlinkSync(p, 'utf8'), g);
      else if (st.isDirectory()) {
        fs.mkdir(g);
        walk(p, g);
      } else if (st.isFile()) fs.writeFile(g, readFileSync(p));
      else continue;
      if (!st.isSymbolicLink()) fs.chmod(g, st.mode & 0o7777);
    }
  };
  walk(root, '');
  return fs;
}

/** Calls of processes and sockets, which this host does not implement: a test importing one is out of its scope. */
const OUT_OF_SCOPE = /^SYS_(fork|vfork|clone|clone3|wait4|waitid|execve|execveat|socket|socketpair|bind|connect|listen|accept4?|shutdown|getsockname|getpeername|getsockopt|setsockopt|sendto|recvfrom|sendmsg|recvmsg)$/;

function inScope(module) {
  return WebAssembly.Module.imports(module).every((i) => !OUT_OF_SCOPE.test(i.name));
}

async function runTest(name, cache) {
  const b = build(name, cache);
  if (b.error) return { name, runs: 0, agree: 0, nativeOk: 0, bothOk: 0, detail: b.error };
  const wasm = join(SUITE, 'bin', 'unit', 'wasm', `${name}.wasm`);
  if (!existsSync(wasm)) return { name, runs: 0, agree: 0, nativeOk: 0, bothOk: 0, detail: 'no precompiled wasm' };
  const module = new WebAssembly.Module(readFileSync(wasm));
  const res = { name, runs: 0, agree: 0, nativeOk: 0, bothOk: 0, detail: '', scope: inScope(module) };
  for (const r of runsOf(join(SUITE, 'unit', `${name}.c`))) {
    res.runs++;
    const n = freshRoot();
    const m = freshRoot();
    try {
      chrooted(n, b.hooks, ['setup', ...r.setup], r.env);
      const native = chrooted(n, b.elf, r.args, r.env);
      chrooted(m, b.hooks, ['setup', ...r.setup], r.env);
      const fs = snapshot(m);
      const guest = await runInMemory(module, { policy: POLICY, fs, name, args: r.args, cwd: '/work', env: Object.entries(r.env).map(([k, v]) => `${k}=${v}`) });
      const gout = new TextDecoder().decode(guest.stdout) + new TextDecoder().decode(guest.stderr);
      if (native.code === 0) res.nativeOk++;
      if (native.code === guest.status) {
        res.agree++;
        if (native.code === 0) res.bothOk++;
      } else res.detail += `\n    run ${JSON.stringify(r.args)}: native ${native.code}, memory ${guest.status} (${guest.ending}${guest.message ? `: ${guest.message}` : ''})${verbose ? `\n      native: ${native.out.trim()}\n      memory: ${gout.trim()}` : ''}`;
    } finally {
      rmSync(n, { recursive: true, force: true });
      rmSync(m, { recursive: true, force: true });
    }
  }
  return res;
}

const cache = join(tmpdir(), 'fdwarden-wali-memory-elf');
mkdirSync(cache, { recursive: true });
const chrootExec = chrootHelper(cache);
const names = readdirSync(join(SUITE, 'unit')).filter((f) => f.endsWith('.c') && !f.endsWith('_hooks.c')).map((f) => f.slice(0, -2)).sort().filter((n) => !only || only.has(n));
let agreeTests = 0;
let nativeOkTests = 0;
let bothOkTests = 0;
let scoped = 0;
let scopedAgree = 0;
for (const name of names) {
  const r = await runTest(name, cache);
  const ok = r.runs > 0 && r.agree === r.runs;
  if (ok) agreeTests++;
  if (r.scope) {
    scoped++;
    if (ok) scopedAgree++;
  }
  if (r.runs > 0 && r.nativeOk === r.runs) {
    nativeOkTests++;
    if (r.bothOk === r.runs) bothOkTests++;
  }
  console.log(`${name.padEnd(28, '.')} ${ok ? 'PASS' : 'FAIL'} (${r.agree}/${r.runs})${r.scope === false ? ' [processes or sockets]' : ''}${ok ? '' : r.detail}`);
}
console.log(`${agreeTests} of ${names.length} agree with Linux (every run's exit code equal, both in the same chrooted tree); `
  + `of the ${nativeOkTests} that succeed natively there, ${bothOkTests} succeed on the in-memory host; `
  + `of the ${scoped} that need no process and no socket (files, stdio, pipes, eventfd, poll, epoll, memory and the process's own state), ${scopedAgree} agree`);
