/**
 * A policy's includes are named by whoever wrote the policy, and a policy may come from a
 * stranger (a repository opened in an editor runs `fdwarden lsp` on it at once). An include
 * naming a device, a FIFO or a huge file must be refused without reading it, on the command
 * line and in the language server: before, `include "/dev/zero"` never ended and grew memory.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, openSync, ftruncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_INCLUDE_BYTES } from '../../src/dsl/load-fs.js';
import { tempDir } from '../temp-dirs.js';
import { TestClient, uriOf } from '../lsp/client.js';

const CLI = join(import.meta.dirname, '../../bin/fdwarden.js');
const dir = tempDir('fdw-hostile-inc-');
const fifo = join(dir, 'fifo');
const huge = join(dir, 'huge.policy');
const small = join(dir, 'small.policy');

beforeAll(() => {
  execFileSync('mkfifo', [fifo]);
  const fd = openSync(huge, 'w');
  ftruncateSync(fd, MAX_INCLUDE_BYTES + 1); // sparse: nothing is written
  closeSync(fd);
  writeFileSync(small, 'allow read under /data\n');
});

const policyIncluding = (file: string): string => `policy "p" abi 1\ndefault deny errno EACCES\ninclude "${file}"\n`;

const CASES: [string, string, RegExp][] = [
  ['a character device that never ends', '/dev/zero', /not a regular file \(a character device\)/],
  ['a FIFO no one writes to', fifo, /not a regular file \(a FIFO\)/],
  ['a file over the bound', huge, /larger than 16777216 bytes/],
  ['a directory', dir, /not a regular file \(a directory\)|EISDIR/],
];

describe('fdwarden check refuses an include it must not read', () => {
  for (const [what, file, message] of CASES) {
    it(what, () => {
      const policy = join(dir, `p-${what.replace(/\W+/g, '-')}.policy`);
      writeFileSync(policy, policyIncluding(file));
      const r = spawnSync(process.execPath, [CLI, 'check', policy], { encoding: 'utf8', timeout: 30_000 });
      expect(r.signal, 'check did not end').toBeNull();
      expect(r.status).toBe(1);
      expect(r.stderr + r.stdout).toMatch(/FW401/);
      expect(r.stderr + r.stdout).toMatch(message);
    });
  }

  it('a regular include is still read', () => {
    const policy = join(dir, 'ok.policy');
    writeFileSync(policy, policyIncluding(small));
    const r = spawnSync(process.execPath, [CLI, 'check', policy], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/1 rules?/);
  });
});

describe('fdwarden lsp refuses the same includes and keeps serving', () => {
  let client: TestClient;
  beforeAll(async () => {
    client = new TestClient();
    await client.initialize();
  });
  afterAll(async () => {
    await client.stop();
  });

  for (const [what, file, message] of CASES) {
    it(what, async () => {
      const policy = join(dir, `lsp-${what.replace(/\W+/g, '-')}.policy`);
      writeFileSync(policy, policyIncluding(file));
      await client.open(uriOf(policy), policyIncluding(file));
      const d = (await client.diagnostics(uriOf(policy))).diagnostics;
      expect(d.map((x) => x.code)).toContain('FW401');
      expect(d.find((x) => x.code === 'FW401')!.message).toMatch(message);
      expect(d.find((x) => x.code === 'FW401')!.range.start.line).toBe(2);
    });
  }
});
