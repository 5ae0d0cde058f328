/** An include loader that reads files from disk (the CLI's and the language server's; tests pass their own). */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import type { Loader } from './includes.js';

/**
 * The most an included file may hold. A policy's includes are named by whoever wrote it, and
 * a policy may come from a stranger (a shared repository opened in an editor): the bound keeps
 * `include "/some/huge/log"` from filling memory.
 */
export const MAX_INCLUDE_BYTES = 16 * 1024 * 1024;

/**
 * Reads an included file as UTF-8; a missing file is `undefined`, other failures throw (and are
 * reported on the include line). Only a regular file is read: `include "/dev/zero"` would never
 * end and `include "/dev/stdin"` (or a FIFO) would wait for input forever, so a device, FIFO or
 * socket is refused without reading it (opened non-blocking, so a FIFO's open does not wait
 * for a writer), as is a file over {@link MAX_INCLUDE_BYTES}.
 */
export function readIncludedFile(file: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error(`not a regular file (${kindOf(st)})`);
    if (st.size > MAX_INCLUDE_BYTES) throw new Error(`larger than ${MAX_INCLUDE_BYTES} bytes`);
    // Read to the end, but never past the bound: the file may grow while it is read.
    const buf = Buffer.allocUnsafe(Math.min(MAX_INCLUDE_BYTES + 1, st.size + 65536));
    let got = 0;
    for (;;) {
      if (got === buf.length) {
        if (buf.length > MAX_INCLUDE_BYTES) throw new Error(`larger than ${MAX_INCLUDE_BYTES} bytes`);
        throw new Error('it grew while it was read');
      }
      const n = readSync(fd, buf, got, buf.length - got, null);
      if (n === 0) break;
      got += n;
    }
    return buf.toString('utf8', 0, got);
  } finally {
    closeSync(fd);
  }
}

function kindOf(st: import('node:fs').Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  return 'not a file';
}

/** The disk's include loader: regular files only, at most 16 MiB each (see `readIncludedFile`). */
export function fileLoader(): Loader {
  return readIncludedFile;
}
