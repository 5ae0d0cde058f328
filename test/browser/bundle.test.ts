/**
 * The playground's build refuses Node: a bundle into which a Node built-in (node:* or a bare
 * `fs`, `path` ...), koffi, binaryen or a Node-only module of the package would enter fails the
 * build, naming it (scripts/build-playground.mjs browserBundle); the browser entries pass.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ROOT } from './harness.js';

// Inside the package, so that `fdwarden/...` resolves to the package itself.
const dir = mkdtempSync(join(ROOT, 'test', 'browser', '.bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** Bundles a module of this source text; the error message, or undefined when it bundled. */
function bundle(source: string): string | undefined {
  const input = join(dir, `m${++n}.ts`);
  writeFileSync(input, source);
  const script = `import { browserBundle } from ${JSON.stringify(join(ROOT, 'scripts', 'build-playground.mjs'))};
    try { await browserBundle(${JSON.stringify(input)}, ${JSON.stringify(join(dir, `m${n}.js`))}); } catch (e) { console.log('REFUSED ' + e.message); }`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  const m = /REFUSED ([\s\S]*)/.exec(r.stdout);
  return m ? m[1] : undefined;
}

describe('playground bundles', () => {
  test.each([
    ["import { readFileSync } from 'node:fs'; console.log(readFileSync);", 'node:fs'],
    ["import { join } from 'path'; console.log(join);", 'path'],
    ["import * as k from 'koffi'; console.log(k);", 'koffi'],
    ["import * as b from 'binaryen'; console.log(b);", 'binaryen'],
    ["import { liveView } from 'fdwarden/strace'; console.log(liveView);", 'node:'],
    ["import { runWali } from 'fdwarden/host'; console.log(runWali);", 'node:'],
  ])('%s is refused', (source, named) => {
    expect(bundle(source)).toMatch(new RegExp(`${named}.*cannot run in a browser|would load Node-only modules: .*${named}`));
  });

  test('the browser entries bundle', () => {
    expect(bundle("import { compilePolicyText } from 'fdwarden'; import { audit, runInMemory, checkPropertyBlocks } from 'fdwarden/browser'; console.log(compilePolicyText, audit, runInMemory, checkPropertyBlocks);")).toBeUndefined();
  });
});
