/**
 * Hostile guests: random names, pointers, lengths, negative fds and unknown flags never make the
 * interposer throw; every call returns a BigInt that is a result or a raw -errno in [-4095, -1].
 * The host behind it is a model host, so anything thrown would come from the interposer or the
 * model (which must survive the same garbage).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { wrap } from '../../src/wali/interposer.js';
import { snapshotView } from '../../src/state/view.js';
import { WALI_SYSCALLS } from '../../src/wali/table.js';
import { Guest, policy } from '../unit/wali/guest.js';
import { ModelHost } from '../unit/wali/model-host.js';
import { viewNamespace } from '../../src/wali/namespace.js';

const SEED = Number(process.env['FDWARDEN_SEED'] ?? 0x40571e);
const NAMES = [...WALI_SYSCALLS.keys(), 'bogus', 'SYS_', ''];
const POLICY = policy(`policy "h" abi 1
default deny errno EACCES
allow * under /w
allow read,stat,list under /
`);

const i32 = fc.oneof(
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  fc.constantFrom(0, -1, -100, 3, 4, 1024, 65536, 131071, 131072, 2 ** 31 - 1, -(2 ** 31), 0o200000, 0o10000000, 0x1000),
);
const i64 = fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.constantFrom(0n, -1n, 1n << 32n, (0xdeadn << 32n) | 3n));

describe('hostile WALI guest', () => {
  test('random calls never throw and always return a result or a raw errno', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ name: fc.constantFrom(...NAMES), args: fc.array(fc.oneof({ weight: 4, arbitrary: i32 }, { weight: 1, arbitrary: i64 }), { maxLength: 6 }) }), { minLength: 1, maxLength: 40 }),
        fc.constantFrom<'deny' | 'allow'>('deny', 'allow'),
        (calls, unknownSyscalls) => {
          const g = new Guest(true);
          // Valid paths sit at the start of memory so that random small pointers often hit them.
          for (const p of ['/w/a', 'a', '/w', '..', '/etc/passwd']) g.str(p);
          const host = new ModelHost(snapshotView({ entries: { '/w/a': { kind: 'reg' }, '/etc/passwd': { kind: 'reg' } } }), '/w');
          const imports = wrap(host.imports(NAMES.filter((n) => n !== '')), { policy: POLICY, namespace: viewNamespace(snapshotView({ entries: { '/w/a': { kind: 'reg' }, '/etc/passwd': { kind: 'reg' } } }), { cwd: '/w', procfs: true, hostPaths: 'linux' }), unknownSyscalls });
          imports.attach(g.instance);
          host.mem = (imports.interposer as unknown as { mem: typeof host.mem }).mem;
          for (const c of calls) {
            const f = imports['wali']![`SYS_${c.name}`] as ((...a: (number | bigint)[]) => unknown) | undefined;
            if (!f) continue;
            const ret = f(...c.args);
            expect(typeof ret).toBe('bigint');
            const r = ret as bigint;
            if (r < 0n) expect(r >= -4095n).toBe(true);
          }
        },
      ),
      { seed: SEED, numRuns: 400 },
    );
  });
});
