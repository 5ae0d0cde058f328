/**
 * Class 4 as a property: under a policy that hides /w/h (no right, `stat` refused with ENOENT),
 * a random program answers exactly the same whether h is a file, a directory with a child, a
 * symlink, or not there at all, whichever way it names h (through symlinks, `..`, dirfds,
 * listings, creations over it).
 *
 * One difference is not hidden, and is masked here: a directory's own size and link count count
 * its entries on the disk (a hidden subdirectory adds one to its parent's nlink). The
 * specification says so (spec/syscall-rights.md, "Hidden names").
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, test } from 'vitest';
import { policy } from '../unit/wali/guest.js';
import { fsops, stage, type Stage } from './harness.js';
import { programArb } from './ops.js';

const SEED = Number(process.env['FDWARDEN_SEED'] ?? 0x41dd_e400);
const RUNS = Number(process.env['FDWARDEN_HIDDEN_RUNS'] ?? 60);
const POLICY = policy(`policy "p" abi 1
default deny errno EACCES
allow * under /w
deny * under /w/h errno ENOENT
`);
const PATHS = ['/w/h', '/w/h/', '/w/h/x', 'h', 'h/..', 'h/x/..', '/w/toh', 'toh/x', 'toh/', '/w/f', '/w/d', 'd/../h', '/w/g', 'g', '.', '/w', 'd/y'];
type Hidden = 'file' | 'dir' | 'symlink' | 'none';

let s: Stage;
afterEach(() => s?.cleanup());

async function world(hidden: Hidden, words: string[]): Promise<string> {
  s?.cleanup();
  s = stage();
  writeFileSync(join(s.w, 'f'), 'visible');
  mkdirSync(join(s.w, 'd'));
  symlinkSync('h', join(s.w, 'toh'));
  if (hidden === 'file') writeFileSync(join(s.w, 'h'), 'hidden');
  if (hidden === 'dir') {
    mkdirSync(join(s.w, 'h'));
    writeFileSync(join(s.w, 'h', 'x'), 'hidden');
  }
  if (hidden === 'symlink') symlinkSync('d', join(s.w, 'h'));
  const r = await fsops(words, { dirs: [{ host: s.w, guest: '/w' }], cwd: '/w', policy: POLICY });
  return masked(r.stdout);
}

/** A directory's size and every link count: what a hidden entry still adds to its parent. */
function masked(out: string): string {
  return out.replace(/mode=040(\d+) size=\d+/g, 'mode=040$1 size=*').replace(/nlink=\d+/g, 'nlink=*').replace(/(mode=0x?[0-9a-f]*4\d{4} size=)\d+/g, '$1*');
}

describe('class 4 as a property: hidden is absent', () => {
  test('random programs (forked children too) answer the same with h a file, a directory, a symlink, or nothing', async () => {
    let forked = 0;
    try {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom<Hidden>('file', 'dir', 'symlink'), programArb(PATHS, 24, true, true), async (hidden, words) => {
          const absent = await world('none', words);
          if (/^child: /m.test(absent)) forked++;
          expect(await world(hidden, words)).toEqual(absent);
        }),
        { seed: SEED, numRuns: RUNS, includeErrorInReport: true },
      );
    } catch (e) {
      throw new Error(`seed ${SEED} (set FDWARDEN_SEED to replay): ${e instanceof Error ? e.message : String(e)}`);
    }
    expect(forked).toBeGreaterThan(RUNS / 4); // children ran ops in those worlds
  }, 300_000);
});
