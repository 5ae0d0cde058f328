/**
 * `fdwarden diff` on a policy whose automaton explodes (a segment counted below a `**`): it stops
 * at its work bound with one line on stderr and exit status 1, and decides when the bound is
 * raised. Runs the built binary (`npm run build` first; `npm test` does).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const CLI = join(import.meta.dirname, '../../bin/fdwarden.js');

function diff(args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'diff', ...args], { encoding: 'utf8' });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('fdwarden diff past its work bound', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fdw-diff-bounds-'));
  const plain = join(dir, 'plain.policy');
  const exploding = join(dir, 'exploding.policy');
  const head = 'policy "p" abi 1\ndefault deny errno EACCES\nallow * under /w\n';
  writeFileSync(plain, head);
  writeFileSync(exploding, `${head}deny write /**/secret/${Array(15).fill('*').join('/')}\n`);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints one line saying so and exits 1', () => {
    const r = diff([plain, exploding]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      'fdwarden diff: undecided: the policy diff exceeded its work bound (2,025,000 steps); the policies are too large to compare within the bound (see --max-pairs, --max-work)',
    ]);
  });

  it('decides with a bound that fits, and refuses a bound that is no number', () => {
    const r = diff([plain, exploding, '--max-work', '40000000']);
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/^narrowing: .*: 1 right lost/);
    expect(r.stdout).toContain('- write  /w/secret/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x');
    const bad = diff([plain, exploding, '--max-work', 'lots']);
    expect(bad.status).toBe(64);
    expect(bad.stderr).toMatch(/--max-work wants a positive integer, got 'lots'/);
  });
});
