/**
 * Real programs recorded with `strace -f -yy` (scripts/record-traces.sh): the model must
 * reproduce every one of strace's fd annotations from the stripped log, with nothing extra.
 * System names come from the snapshot recorded with the fixtures (scripts/fixture-snapshot.mjs),
 * never from the disk of the machine running the tests.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { annotateLines } from '../../src/strace/annotate.js';
import { scoreAnnotations, stripAnnotations } from '../../src/strace/annotations.js';
import { loadSnapshotView } from '../../src/state/live-view.js';

const DIR = join(import.meta.dirname, '../fixtures/traces');

interface Fixture {
  name: string;
  cwd: string;
}

function fixtures(): Fixture[] {
  return readFileSync(join(DIR, 'INDEX.tsv'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [name, cwd] = l.split('\t');
      return { name: name!, cwd: cwd!.replace(/^cwd=/, '') };
    });
}

function readLines(file: string): string[] {
  const lines = readFileSync(file, 'latin1').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

describe('annotate reproduces strace -yy on recordings of real programs', () => {
  const all = fixtures();
  it('has recordings to check', () => {
    expect(all.length).toBeGreaterThanOrEqual(8);
  });
  for (const f of all) {
    it(f.name, () => {
      const truth = readLines(join(DIR, `${f.name}.strace`));
      const stripped = truth.map(stripAnnotations);
      const { lines, diagnostics } = annotateLines(stripped, {
        view: loadSnapshotView(join(DIR, 'system.json')),
        cwd: f.cwd,
        inherit: [0, 1, 2].map((fd) => ({ fd, path: '/dev/null' })),
      });
      const score = scoreAnnotations(truth, lines);
      expect(diagnostics).toEqual([]);
      expect(score.mismatches).toEqual([]);
      expect(score.total).toBeGreaterThan(0);
      expect(score.ok).toBe(true);
    });
  }
});
