#!/usr/bin/env node
// Bundles the two halves of `fdwarden run` into one file each, after tsc (npm run build does):
// dist/cli/run.bundle.js (the command: options, the policy compiler) and
// dist/cli/run-worker.bundle.js (the guest's thread: the host, the model, the engine). Node 20
// loads ES modules one by one, about 1 ms each on two cores, and the halves import about 60 and
// 100: most of a short run's start-up. Beside each bundle, NAME.bundle.json lists its inputs with
// their hashes; src/cli/bundles.ts uses a bundle only while they are unchanged, so a later tsc
// build is never shadowed by a stale bundle. Without rolldown (a devDependency) nothing is
// bundled and the CLI loads the modules one by one.
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli');
// What main.js also loads stays a module of its own, shared: run-supervisor.js (main.js starts the
// guest's thread through it before run.js loads, and run.js must find that thread there) and
// options.js (main.js tells a UsageError by its class).
const BUNDLES = { 'run': [/\/run-supervisor\.js$/, /\/options\.js$/], 'run-worker': [] };
for (const name of Object.keys(BUNDLES)) {
  rmSync(join(cli, `${name}.bundle.js`), { force: true });
  rmSync(join(cli, `${name}.bundle.json`), { force: true });
}

let rolldown;
try {
  ({ rolldown } = await import('rolldown'));
} catch {
  console.log('bundle-run: rolldown is not installed; fdwarden run loads its modules one by one');
  process.exit(0);
}
for (const [name, keep] of Object.entries(BUNDLES)) {
  const out = join(cli, `${name}.bundle.js`);
  // koffi is a native addon and binaryen is loaded only when a module needs Asyncify: both stay imports.
  const bundle = await rolldown({ input: join(cli, `${name}.js`), platform: 'node', external: [/^node:/, 'koffi', 'binaryen', ...keep], logLevel: 'warn' });
  const { output } = await bundle.write({ file: out, format: 'esm' });
  await bundle.close();
  // Every input file (dist/ and the packages bundled in), by path relative to dist/cli.
  const inputs = output[0].moduleIds.filter((id) => id.startsWith('/')).map((id) => (
    { path: relative(cli, id), sha256: createHash('sha256').update(readFileSync(id)).digest('hex') }));
  writeFileSync(join(cli, `${name}.bundle.json`), JSON.stringify({ inputs }));
  console.log(`bundle-run: dist/cli/${name}.bundle.js from ${inputs.length} modules`);
}
