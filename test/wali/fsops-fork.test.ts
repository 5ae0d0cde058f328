/**
 * fsops' `fork N` (the security properties draw it) against Linux: the same programs, natively
 * (test/host/native) and on the Node host, with and without a policy, print the same lines (the
 * children's first, each prefixed, then the parent's wait status) and leave the same trees.
 */
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCaptured } from '../host/cc.js';
import { compileNative } from '../host/native/build.js';
import { policy } from '../unit/wali/guest.js';
import { compileWali } from './build.js';

const ALLOW_ALL = policy(`policy "p" abi 1
allow * under /w
`);

const PROGRAMS: Record<string, string[]> = {
  // The child writes through an inherited fd and closes its copy; the parent's stays open.
  'inherited fds': ['open', 'a', 'O_WRONLY|O_CREAT', 'fork', '3', 'write', '3', 'hi', 'close', '3', 'fstat', '3', 'write', '3', '-parent', 'stat', 'a', 'cat', 'a'],
  // exit inside the block: the wait status carries the code, the block's last op never runs.
  'exit codes': ['fork', '3', 'ls', '.', 'exit', '3', 'mkdir', 'never', 'fork', '1', 'exit', '255', 'ls', '.'],
  // A child's chdir is its own.
  'cwd': ['mkdir', 'd', 'fork', '2', 'chdir', 'd', 'open', 'x', 'O_WRONLY|O_CREAT', 'ls', '.', 'ls', 'd'],
  // A grandchild; a count past the enclosing block is cut at its end; `fork 0` runs nothing.
  'nested': ['fork', '3', 'fork', '9', 'mkdir', 'g', 'mkdir', 'c', 'mkdir', 'p', 'fork', '0', 'ls', '.'],
  // `$` in a child is fork's 0 there; in the parent, the wait status (the block does not count).
  'results': ['open', 'a', 'O_RDWR|O_CREAT', 'write', '3', 'hello', 'fork', '2', 'pread', '3', '$', '0', 'exit', '3', 'pread', '3', '$', '0', 'pread', '3', '$2', '1'],
};

/** A tree's names, kinds, modes and contents (times differ between the two runs). */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const p = join(e.parentPath, e.name);
    const st = lstatSync(p);
    out[p.slice(dir.length + 1)] = `${(st.mode & 0o170777).toString(8)} ${st.isFile() ? readFileSync(p, 'latin1') : ''}`;
  }
  return out;
}

let native: string;
let wasm: Uint8Array;
let base: string;
beforeAll(() => {
  native = compileNative('fsops');
  wasm = new Uint8Array(readFileSync(compileWali('fsops')));
  base = mkdtempSync(join(tmpdir(), 'fdwarden-fsops-fork-'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('fsops fork N: the children run the next N ops, natively and on the Node host alike', () => {
  test.each(Object.keys(PROGRAMS))('%s', async (name) => {
    const words = PROGRAMS[name]!;
    const linux = mkdtempSync(join(base, 'linux-'));
    const r = spawnSync(native, words, { cwd: linux, encoding: 'latin1' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^child: /m);
    for (const policyOpt of [{}, { policy: ALLOW_ALL }]) {
      const guest = mkdtempSync(join(base, 'guest-'));
      const hosted = await runCaptured(wasm, { args: ['fsops', ...words], dirs: [{ host: guest, guest: '/w' }], cwd: '/w', ...policyOpt });
      expect(hosted.stdout).toBe(r.stdout);
      expect(hosted.status).toBe(0);
      expect(tree(guest)).toEqual(tree(linux));
    }
  });
});
