#!/usr/bin/env node
// Builds the playground (playground/dist/, static files, no server needed): type-checks
// playground/src, bundles the page and its run worker with rolldown from the package's browser
// entries (`fdwarden`, `fdwarden/browser`, i.e. dist/ after tsc), copies the shipped policies
// and recordings, and compiles test/wali/programs/fsops.c to wasm for the run pane.
//
// The build FAILS if a Node built-in (node:* or a bare fs, path, ...), koffi or binaryen enters a
// bundle: the page runs in a browser. It prints each bundle's size (bytes, gzip bytes) and the
// time to first decision: the built page loaded in headless chromium, read from the mark the page
// sets when its first decisions are shown.
//
// Options: --no-measure (skip chromium), --quiet.
import { spawnSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { clangEnv, WALI_CFLAGS, WALI_CLANG } from './wali-clang.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'playground', 'src');
const OUT = join(ROOT, 'playground', 'dist');
const args = new Set(process.argv.slice(2));
const log = args.has('--quiet') ? () => {} : (s) => console.log(`build-playground: ${s}`);

const fail = (msg) => {
  console.error(`build-playground: ${msg}`);
  process.exit(1);
};

// Modules a browser cannot load.
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, m.split('/')[0]]));
const NODE_ONLY = new Set(['koffi', 'binaryen']);
const nodeOnly = (id) => id.startsWith('node:') || BUILTINS.has(id) || BUILTINS.has(id.split('/')[0]) || NODE_ONLY.has(id.split('/')[0]);
// Modules of the package that read files or load native code; the browser entries never reach them.
const nodeOnlyFile = (id) => /\/node_modules\/(koffi|binaryen)\//.test(id) || /\/dist\/(cli|host)\//.test(id)
  || /\/dist\/testing\/(index|check|policy-input)\.js$/.test(id) || /\/dist\/(state\/live-view|dsl\/load-fs)\.js$/.test(id);

/**
 * Bundles `input` for a browser into `file` (ESM, minified, with a source map). Throws when a Node
 * built-in, koffi, binaryen or a Node-only module of the package would enter the bundle: at
 * resolution (a rolldown plugin) and again over the bundle's module graph.
 */
export async function browserBundle(input, file, tsconfig = join(ROOT, 'playground', 'tsconfig.json')) {
  const { rolldown } = await import('rolldown');
  const browserOnly = {
    name: 'fdwarden-browser-only',
    resolveId(source, importer) {
      if (nodeOnly(source)) this.error(`${source} cannot run in a browser; imported by ${importer ? relative(ROOT, importer) : '(entry)'}`);
      return null;
    },
  };
  const bundle = await rolldown({ input, platform: 'browser', plugins: [browserOnly], logLevel: 'warn', tsconfig });
  try {
    const { output } = await bundle.generate({ format: 'esm', minify: true, sourcemap: true });
    const bad = output[0].moduleIds.filter((id) => nodeOnly(id) || nodeOnlyFile(id));
    if (bad.length) throw new Error(`${relative(ROOT, input)} would load Node-only modules: ${bad.map((id) => relative(ROOT, id)).join(', ')}`);
    await bundle.write({ file, format: 'esm', minify: true, sourcemap: true });
    return output[0].moduleIds;
  } finally {
    await bundle.close();
  }
}

/** The whole build (steps 1 to 5). */
async function build() {
  if (!existsSync(join(ROOT, 'dist', 'browser-entry.js'))) fail('dist/ is not built: run `npx tsc -p tsconfig.build.json` first (npm run build:playground does)');

  // 1. Types.
  const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', join(ROOT, 'playground')], { encoding: 'utf8' });
  if (tsc.status !== 0) fail(`playground/src does not type-check:\n${tsc.stdout}${tsc.stderr}`);

  // 2. Bundles (browserBundle refuses Node-only modules).
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(join(OUT, 'assets'), { recursive: true });
  const sizes = [];
  for (const [name, input] of [['app', 'main.ts'], ['check-worker', 'check-worker.ts'], ['run-worker', 'run-worker.ts']]) {
    let modules;
    try {
      modules = await browserBundle(join(SRC, input), join(OUT, `${name}.js`));
    } catch (e) {
      fail(`bundling ${input} failed: ${e.message}`);
    }
    const code = readFileSync(join(OUT, `${name}.js`));
    sizes.push({ name: `${name}.js`, bytes: code.length, gzip: gzipSync(code, { level: 9 }).length, modules: modules.length });
  }

  // 3. The page and what it ships: policies (by their repository paths, for includes), recordings
  // with their start directories and the system snapshot they were audited on (as in README.md).
  cpSync(join(ROOT, 'playground', 'public'), OUT, { recursive: true });
  const policies = [];
  const walk = (dir) => {
    for (const f of readdirSync(join(ROOT, dir)).sort()) {
      const p = `${dir}/${f}`;
      if (statSync(join(ROOT, p)).isDirectory()) walk(p);
      else if (f.endsWith('.policy')) policies.push(p);
    }
  };
  walk('examples/policies');
  for (const p of policies) cpSync(join(ROOT, p), join(OUT, 'assets', p));
  const traces = readdirSync(join(ROOT, 'examples', 'traces')).filter((f) => f.endsWith('.strace')).sort().map((f) => {
    const id = f.replace(/\.strace$/, '');
    cpSync(join(ROOT, 'examples', 'traces', f), join(OUT, 'assets', 'traces', f));
    const cwd = `/tmp/fdw-rec/${id}`;
    return { id, file: `assets/traces/${f}`, cwd, vars: `WORK=${cwd}`, snapshot: 'assets/traces/system.json', policy: 'examples/policies/workdir.policy' };
  });
  cpSync(join(ROOT, 'examples', 'traces', 'system.json'), join(OUT, 'assets', 'traces', 'system.json'));

  // 4. The run pane's program, built as test/wali/build.ts builds the WALI test programs (same
  // flags; no node_modules/.bin on PATH, so clang runs no wasm-opt).
  const CLANG_FLAGS = [...WALI_CFLAGS, '-Wall', '-Wextra', '-Werror', '-Wl,-z,stack-size=262144'];
  let wasm = null;
  const cc = spawnSync(WALI_CLANG, [...CLANG_FLAGS, '-o', join(OUT, 'assets', 'fsops.wasm'), join(ROOT, 'test', 'wali', 'programs', 'fsops.c')], { encoding: 'utf8', env: clangEnv() });
  if (cc.error === undefined && cc.status === 0) wasm = 'assets/fsops.wasm';
  else log(`fsops.wasm not built (clang and lld with the wasm32 target are needed): the run pane is disabled\n${cc.error?.message ?? cc.stderr}`);
  writeFileSync(join(OUT, 'assets', 'manifest.json'), JSON.stringify({ policies, traces, wasm }, null, 1));

  for (const s of sizes) log(`${s.name}: ${s.bytes} bytes, ${s.gzip} bytes gzipped (${s.modules} modules)`);
  if (wasm) log(`assets/fsops.wasm: ${statSync(join(OUT, wasm)).size} bytes`);
  log(`built ${relative(ROOT, OUT)}/`);

  // 5. Time to first decision, in headless chromium.
  if (!args.has('--no-measure')) {
    const { measureFirstDecision, CHROMIUM } = await import('./serve-playground.mjs');
    if (!existsSync(CHROMIUM)) log(`time to first decision: not measured (${CHROMIUM} is missing)`);
    else {
      // Three loads, each in a fresh browser: the first is cold (the disk cache, the JIT).
      const ms = [];
      for (let i = 0; i < 3; i++) ms.push(await measureFirstDecision(OUT));
      const median = [...ms].sort((a, b) => a - b)[1];
      log(`time to first decision: ${median.toFixed(0)} ms median of ${ms.map((m) => m.toFixed(0)).join(', ')} ms (navigation start to the first decisions shown, headless chromium, this machine)`);
    }
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await build();
