/**
 * The interposer in front of a WALI host that knows nothing of fdwarden: the naive host of the
 * embedding guide (docs/guides/embedding-wali.md, "Other JS WALI hosts"), taken verbatim from the
 * guide and run as the guide says, so that both the claim and the guide stay true. It passes
 * paths to the host filesystem and uses Node fds as guest fds; only the import object and the
 * memory are shared with the interposer.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { tempDir } from '../temp-dirs.js';
import { compileWali } from '../wali/build.js';

const ROOT = join(import.meta.dirname, '../..');
const GUIDE = join(ROOT, 'docs/guides/embedding-wali.md');

/** The fenced block that starts with `first` in the guide. */
function block(text: string, first: string): string {
  const at = text.indexOf('\n' + first);
  if (at < 0) throw new Error(`the guide has no block starting with ${first}`);
  const end = text.indexOf('\n```', at + 1);
  return text.slice(at + 1, end + 1);
}

describe('the interposer in front of another JS WALI host (the guide\'s tiny host)', () => {
  test('allowed calls reach the host, a denied one gets the rule\'s errno, and the disk shows both', () => {
    const dir = tempDir('fdwarden-tiny-host-');
    const guide = readFileSync(GUIDE, 'utf8');
    // The guide works in /tmp/fdw-guide; the test in a directory of its own.
    const code = block(guide, '// tiny-host.mjs').split('/tmp/fdw-guide').join(dir);
    writeFileSync(join(dir, 'tiny-host.mjs'), code);
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(ROOT, join(dir, 'node_modules', 'fdwarden'));
    mkdirSync(join(dir, 'wasm'));
    writeFileSync(join(dir, 'wasm', 'fsops.wasm'), readFileSync(compileWali('fsops')));
    mkdirSync(join(dir, 'host-data'));
    mkdirSync(join(dir, 'scratch'));
    writeFileSync(join(dir, 'host-data', 'in.txt'), 'input\n');

    const r = spawnSync(process.execPath, ['tiny-host.mjs'], { cwd: dir, encoding: 'utf8' });
    expect(r.stderr.split('\n')).toEqual(['fdwarden: open denied EACCES', 'exit 0', '']);
    const out = r.stdout.split('\n');
    expect(out[0]).toBe(`cat ${dir}/host-data/in.txt = 6 "input\\n"`);
    expect(out[1]).toBe(`open ${dir}/host-data/in.txt O_WRONLY = -13`);
    // The host's own Node fd number: the model takes whatever the host returned.
    expect(out[2]).toMatch(new RegExp(`^open ${dir}/scratch/x O_WRONLY\\|O_CREAT\\|O_TRUNC = \\d+$`));
    expect(out.slice(3)).toEqual(['write $ hi\\n = 3', 'close $3 = 0', '']);
    expect(readFileSync(join(dir, 'scratch', 'x'), 'latin1')).toBe('hi\n');
    expect(readFileSync(join(dir, 'host-data', 'in.txt'), 'latin1')).toBe('input\n');
  });
});
