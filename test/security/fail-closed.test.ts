/**
 * Class 2: what the model cannot resolve, or knows the kernel refuses, never reaches a host. The
 * host here resolves lexically (`/data/missing/../file` is `/data/file` to it) and hands out the
 * process's own fds: a call let through because "it fails in the kernel anyway" would delete a
 * protected file, truncate a hidden one, or close the embedder's own descriptors.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { wrap } from '../../src/wali/interposer.js';
import { Guest, policy } from '../unit/wali/guest.js';
import { lexicalHost, mappedView } from './foreign-host.js';
import { stage, type Stage } from './harness.js';
import { viewNamespace } from '../../src/wali/namespace.js';

const POLICY = policy(`policy "p" abi 1
default deny errno EACCES
allow * under /data
deny delete,rename,truncate,write /data/file errno EPERM
deny * /data/hidden errno ENOENT
`);

let s: Stage;
afterEach(() => s?.cleanup());

function setup() {
  s = stage();
  const data = join(s.w, 'data');
  mkdirSync(data);
  writeFileSync(join(data, 'file'), 'keep');
  writeFileSync(join(data, 'hidden'), 'hidden-content');
  const g = new Guest();
  const host = lexicalHost(g, '/data', data);
  const imports = wrap(host.imports, { policy: POLICY, namespace: viewNamespace(mappedView('/data', data), { cwd: '/data' }) });
  imports.attach(g.instance);
  const sys = (name: string, ...a: number[]): number => Number((imports['wali']![`SYS_${name}`] as (...x: number[]) => bigint)(...a));
  return { g, host, sys, data };
}

describe('class 2: fail closed', () => {
  test('a path through a missing directory never reaches a host that would resolve it lexically', () => {
    const { g, host, sys, data } = setup();
    expect(sys('unlinkat', -100, g.str('/data/missing/../file'), 0)).toBe(-2); // ENOENT, as Linux
    expect(sys('openat', -100, g.str('/data/missing/../hidden'), 0o1001 /* O_WRONLY|O_TRUNC */, 0)).toBe(-2);
    expect(sys('openat', -100, g.str('missing/../../data/file'), 0o1001, 0)).toBe(-2);
    expect(host.calls).toEqual([]);
    expect(readFileSync(join(data, 'file'), 'latin1')).toBe('keep');
    expect(readFileSync(join(data, 'hidden'), 'latin1')).toBe('hidden-content');
    // And the plain attempts are the policy's.
    expect(sys('unlinkat', -100, g.str('/data/file'), 0)).toBe(-1);
    expect(sys('openat', -100, g.str('/data/hidden'), 0, 0)).toBe(-2);
    expect(host.calls).toEqual([]);
    expect(existsSync(join(data, 'file'))).toBe(true);
  });

  test('an fd or dirfd the model does not know is EBADF and never reaches the host', () => {
    const { g, host, sys } = setup();
    // A descriptor of the embedding process: the host would close it, or open relative to it.
    const theirs = openSync(join(s.outside, 'x'), 'r');
    try {
      expect(sys('close', theirs)).toBe(-9);
      expect(sys('openat', theirs, g.str('secret'), 0, 0)).toBe(-9);
      expect(sys('unlinkat', 77, g.str('x'), 0)).toBe(-9);
      expect(sys('read', theirs, g.alloc(16), 16)).toBe(-9);
      expect(host.calls).toEqual([]);
    } finally {
      closeSync(theirs);
    }
    // What the guest opened is its own: those reach the host.
    const fd = sys('openat', -100, g.str('/data/file'), 0, 0);
    expect(fd).toBeGreaterThan(2);
    expect(sys('close', fd)).toBe(0);
    expect(host.calls.map((c) => c.name)).toEqual(['openat', 'close']);
  });
});
