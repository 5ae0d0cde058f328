/**
 * Which script the guest thread of `fdwarden run` starts from: the bundle of run-worker.js and its
 * imports (scripts/bundle-worker.mjs; one file loads far faster than a hundred ES modules) while
 * every file it was made from is unchanged, else run-worker.js itself. A build that changed any
 * module after the bundle was made is never shadowed by it.
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
    // Contents, not mtimes: a packed or copied tree keeps its bundle (about 2 ms for ~100 files).
    return m.inputs.every((i) => createHash('sha256').update(readFileSync(resolve(base, i.path))).digest('hex') === i.sha256);
  } catch {
    return false;
  }
}

/** The URL of the guest thread's script. */
export function workerScript(): URL {
  const bundle = new URL('./run-worker.bundle.js', import.meta.url);
  return bundleIsFresh(fileURLToPath(new URL('./run-worker.bundle.json', import.meta.url))) ? bundle : new URL('./run-worker.js', import.meta.url);
}
