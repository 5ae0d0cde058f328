/** An include loader that reads files from disk (the CLI's; tests pass their own). */
import { readFileSync } from 'node:fs';
import type { Loader } from './includes.js';

/** Reads `file` as UTF-8; a missing file is `undefined`, other failures throw (and are reported). */
export function fileLoader(): Loader {
  return (file) => {
    try {
      return readFileSync(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  };
}
