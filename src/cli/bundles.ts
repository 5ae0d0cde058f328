/**
 * Where the two halves of `fdwarden run` load from: run.js and run-worker.js each have a bundle of
 * themselves and their imports (scripts/bundle-run.mjs; one file loads far faster than dozens of
 * ES modules), used while every file it was made from is unchanged, else the module itself. A
 * build that changed any module after the bundle was made is never shadowed by it.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Manifest {
  inputs: { path: string; sha256: string }[];
}

/** True when every input of the bundle described by `manifestPath` is as it was when bundled. */
export function bundleIsFresh(manifestPath: string): boolean {
  try {
    const m = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
    if (!Array.isArray(m.inputs) || m.inputs.length === 0) return false;
    const base = dirname(manifestPath);
    // Contents, not mtimes: a packed or copied tree keeps its bundle (a few ms for ~100 files).
    return m.inputs.every((i) => createHash('sha256').update(readFileSync(resolve(base, i.path))).digest('hex') === i.sha256);
  } catch {
    return false;
  }
}

/** The URL to load `name` (a module of this directory) from: its bundle while fresh, else itself. */
export function bundled(name: 'run' | 'run-worker'): URL {
  const manifest = fileURLToPath(new URL(`./${name}.bundle.json`, import.meta.url));
  return new URL(bundleIsFresh(manifest) ? `./${name}.bundle.js` : `./${name}.js`, import.meta.url);
}
