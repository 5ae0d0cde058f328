/** A half of fdwarden run loads from its bundle only while every file it was made from is unchanged. */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { bundleIsFresh } from '../../../src/cli/bundles.js';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'fdwarden-bundle-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function manifest(files: string[]): string {
  const inputs = files.map((f) => ({ path: f, sha256: createHash('sha256').update(readFileSync(join(dir, f))).digest('hex') }));
  const path = join(dir, 'bundle.json');
  writeFileSync(path, JSON.stringify({ inputs }));
  return path;
}

describe('bundleIsFresh', () => {
  test('fresh while its inputs are unchanged', () => {
    writeFileSync(join(dir, 'a.js'), 'a');
    writeFileSync(join(dir, 'b.js'), 'b');
    expect(bundleIsFresh(manifest(['a.js', 'b.js']))).toBe(true);
  });
  test('stale when an input is rewritten, even to the same size; fresh again when rewritten as it was', () => {
    writeFileSync(join(dir, 'a.js'), 'a');
    const m = manifest(['a.js']);
    writeFileSync(join(dir, 'a.js'), 'x');
    expect(bundleIsFresh(m)).toBe(false);
    writeFileSync(join(dir, 'a.js'), 'a');
    expect(bundleIsFresh(m)).toBe(true);
  });
  test('stale when an input changed size, is gone, or the manifest is missing, empty or bad', () => {
    writeFileSync(join(dir, 'a.js'), 'a');
    writeFileSync(join(dir, 'b.js'), 'b');
    const m = manifest(['a.js', 'b.js']);
    writeFileSync(join(dir, 'a.js'), 'aa');
    expect(bundleIsFresh(m)).toBe(false);
    const m2 = manifest(['a.js', 'b.js']);
    rmSync(join(dir, 'b.js'));
    expect(bundleIsFresh(m2)).toBe(false);
    expect(bundleIsFresh(join(dir, 'none.json'))).toBe(false);
    writeFileSync(join(dir, 'empty.json'), '{"inputs":[]}');
    expect(bundleIsFresh(join(dir, 'empty.json'))).toBe(false);
    writeFileSync(join(dir, 'bad.json'), '{');
    expect(bundleIsFresh(join(dir, 'bad.json'))).toBe(false);
  });
});
