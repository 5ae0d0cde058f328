/**
 * The interposer as a gate, checked against the reference interpreter: for random policies and
 * random WALI syscall programs (dirfds, symlinks across boundaries, renames of open directories,
 * dups, cwd changes), every call that reaches the host is one the reference interpreter allows
 * on the state the host sees, and every call the interposer refuses on policy grounds is one the
 * reference interpreter denies, with the same errno. The host is a second, independent model
 * (ModelHost) that records what reached it; after each call both models agree on every fd and
 * the cwd.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { wrap, type DecisionEvent } from '../../src/wali/interposer.js';
import { decodeWali } from '../../src/wali/decode.js';
import { snapshotView, type SnapshotJson } from '../../src/state/view.js';
import { engineFor } from '../../src/rules/engine.js';
import { judge, type Engine } from '../../src/rules/judge.js';
import { requestFor, type Request } from '../../src/rules/requests.js';
import { referenceDecide } from '../../src/rules/reference.js';
import { policyVeil } from '../../src/enforce/veil.js';
import { allRights } from '../../src/rules/rights.js';
import { ERRNO } from '../../src/linux/index.js';
import { fileTypeOf, type IrPolicy } from '../../src/rules/ir.js';
import { policyArb, ruleBodyArb, withId } from '../unit/rules/arbitraries.js';
import { Guest } from '../unit/wali/guest.js';
import { ModelHost } from '../unit/wali/model-host.js';
import { viewNamespace } from '../../src/wali/namespace.js';

const SEED = Number(process.env['FDWARDEN_SEED'] ?? 0x5a1e_0004);
const RUNS = Number(process.env['FDWARDEN_RUNS'] ?? 500);

const TREE: SnapshotJson = {
  entries: {
    '/a/b': { kind: 'reg' },
    '/a/x.ts': { kind: 'reg' },
    '/.ssh/id': { kind: 'reg' },
    '/src/a': { kind: 'dir' },
    '/src/ab': { kind: 'reg' },
    '/b': { kind: 'lnk', target: '/.ssh' },
    '/a/ab': { kind: 'lnk', target: '../src' },
    '/src/up': { kind: 'lnk', target: '..' },
  },
};

const PATHS = ['a', 'a/b', 'a/b/', '.ssh/id', 'b', 'b/id', 'a/ab', 'a/ab/ab', '../.ssh', 'src/../.ssh/id', '/a/ab/../.ssh',
  'src/up/.ssh/id', 'new', 'a/new', 'src/a/new', '', '.', '..', '/', '//a//b', '.ssh', 'src', 'x.ts', 'ab', '[a]', '*'];
const O = { WRONLY: 1, RDWR: 2, CREAT: 0o100, EXCL: 0o200, TRUNC: 0o1000, APPEND: 0o2000, DIRECTORY: 0o200000, NOFOLLOW: 0o400000, PATH: 0o10000000 };
const OPEN_FLAGS = [0, O.WRONLY, O.RDWR, O.CREAT | O.WRONLY, O.CREAT | O.EXCL | O.WRONLY, O.DIRECTORY, O.TRUNC | O.WRONLY,
  O.APPEND | O.WRONLY, O.PATH, O.NOFOLLOW, O.NOFOLLOW | O.PATH, O.CREAT | O.RDWR | O.APPEND];

/** One syscall of a program: a name and argument slots (paths as strings, allocated later). */
type Slot = number | bigint | { path: string } | { buf: number };
interface Op { name: string; args: Slot[] }

// Mostly the fds a program's first opens get, so that calls meet the objects they opened.
const fdArb = fc.oneof({ weight: 8, arbitrary: fc.constantFrom(3, 3, 3, 4, 4, 5) }, { weight: 2, arbitrary: fc.integer({ min: 6, max: 9 }) }, { weight: 1, arbitrary: fc.constantFrom(0, 1, 42, -1) });
const dirfdArb = fc.oneof({ weight: 3, arbitrary: fc.constant(-100) }, { weight: 2, arbitrary: fdArb });
const pathArb = fc.constantFrom(...PATHS).map((path) => ({ path }));
const buf = { buf: 64 };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(dirfdArb, pathArb, fc.constantFrom(...OPEN_FLAGS)).map(([d, p, f]) => ({ name: 'openat', args: [d, p, f, 0o644] })) },
  { weight: 2, arbitrary: fc.tuple(pathArb, fc.constantFrom(...OPEN_FLAGS)).map(([p, f]) => ({ name: 'open', args: [p, f, 0o644] })) },
  { weight: 2, arbitrary: fc.tuple(dirfdArb, pathArb, fc.constantFrom(0, 0x200)).map(([d, p, f]) => ({ name: 'unlinkat', args: [d, p, f] })) },
  { weight: 1, arbitrary: fc.tuple(dirfdArb, pathArb).map(([d, p]) => ({ name: 'mkdirat', args: [d, p, 0o755] })) },
  { weight: 2, arbitrary: fc.tuple(dirfdArb, pathArb, dirfdArb, pathArb, fc.constantFrom(0, 0, 1, 2)).map(([d, p, e, q, f]) => ({ name: 'renameat2', args: [d, p, e, q, f] })) },
  { weight: 1, arbitrary: fc.tuple(dirfdArb, pathArb, dirfdArb, pathArb, fc.constantFrom(0, 0x400, 0x1000)).map(([d, p, e, q, f]) => ({ name: 'linkat', args: [d, p, e, q, f] })) },
  { weight: 1, arbitrary: fc.tuple(pathArb, dirfdArb, pathArb).map(([t, d, p]) => ({ name: 'symlinkat', args: [t, d, p] })) },
  { weight: 2, arbitrary: fc.tuple(dirfdArb, pathArb, fc.constantFrom(0, 0x100, 0x1000)).map(([d, p, f]) => ({ name: 'newfstatat', args: [d, p, buf, f] })) },
  { weight: 1, arbitrary: fc.tuple(dirfdArb, pathArb).map(([d, p]) => ({ name: 'utimensat', args: [d, p, 0, 0] })) },
  { weight: 1, arbitrary: fdArb.map((d) => ({ name: 'utimensat', args: [d, 0, 0, 0] })) },
  { weight: 1, arbitrary: pathArb.map((p) => ({ name: 'chdir', args: [p] })) },
  { weight: 1, arbitrary: fdArb.map((d) => ({ name: 'fchdir', args: [d] })) },
  { weight: 2, arbitrary: fdArb.map((d) => ({ name: 'close', args: [d] })) },
  { weight: 1, arbitrary: fdArb.map((d) => ({ name: 'dup', args: [d] })) },
  { weight: 1, arbitrary: fc.tuple(fdArb, fdArb).map(([d, e]) => ({ name: 'dup2', args: [d, e] })) },
  { weight: 1, arbitrary: fc.tuple(fdArb, fc.constantFrom(0, 0o2000)).map(([d, f]) => ({ name: 'fcntl', args: [d, 4, BigInt(f)] })) },
  { weight: 1, arbitrary: fc.constant<Op>({ name: 'pipe2', args: [buf, 0] }) },
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom('read', 'write', 'pwrite64', 'getdents64', 'fstat', 'ftruncate', 'fchmod'), fdArb)
    .map(([n, d]) => ({ name: n, args: n === 'ftruncate' ? [d, 0n] : n === 'fchmod' ? [d, 0o600] : n === 'pwrite64' ? [d, buf, 1, 0n] : [d, buf, 1] })) },
);

/** Programs open a few existing objects first, so that later fd calls meet real grants. */
const programArb = (min: number) => fc
  .tuple(
    fc.array(fc.tuple(fc.constantFrom('/a/b', '/a', '/.ssh/id', '/src', '/src/ab', '/b'), fc.constantFrom(0, O.RDWR, O.DIRECTORY, O.PATH, O.WRONLY | O.APPEND)), { minLength: 1, maxLength: 3 }),
    fc.array(opArb, { minLength: min, maxLength: 25 }),
  )
  .map(([opens, ops]): Op[] => [...opens.map(([p, f]) => ({ name: 'openat', args: [-100, { path: p }, f, 0] })), ...ops]);

/** Policies over every right (the shared arbitrary uses four, so that rules collide). */
const fullPolicyArb: fc.Arbitrary<IrPolicy> = fc
  .tuple(policyArb, fc.array(fc.tuple(ruleBodyArb, fc.integer({ min: 0, max: allRights() })), { maxLength: 6 }))
  .map(([p, extra]) => ({ ...p, rules: [...p.rules, ...extra.map(([r, m], i) => withId({ ...r, rights: m }, p.rules.length + i))] }));

/** The reference interpreter behind the judge's Engine interface (refer: the compiled check, tested exact elsewhere). */
function referenceEngine(policy: IrPolicy): Engine {
  const compiled = engineFor(policy);
  const all = allRights();
  return {
    policy,
    decide: (obj) => referenceDecide(policy, { ...obj, type: fileTypeOf(obj.type) }),
    allowedMask: (path, type) => referenceDecide(policy, { path, rights: all, type: fileTypeOf(type) }).reduce((m, d) => (d.effect === 'allow' ? m | d.right : m), 0),
    refer: (from, to, subtree) => compiled.refer(from, to, subtree),
  };
}

function referenceRequest(host: ModelHost, name: string, args: readonly (number | bigint)[]): Request | null | 'fault' {
  const d = decodeWali(name, args, host.mem!);
  if (d.kind === 'fault') return 'fault';
  return d.kind === 'call' ? requestFor(host.kernel, host.kernel.task(1)!, d.call) : null;
}

/** What the host's own model says the call gets from the kernel before any policy (null: it would run). */
function kernelAnswer(host: ModelHost, name: string, args: readonly (number | bigint)[]): number | null {
  const d = decodeWali(name, args, host.mem!);
  if (d.kind !== 'call') return null;
  const out = d.call.sys === 'openat' ? host.kernel.predictOpen(1, d.call) : host.kernel.predict(1, d.call);
  if ('ok' in out && out.ok === false) return out.errno === undefined ? -13 : -ERRNO[out.errno];
  return null;
}

describe('WALI interposer against the reference interpreter (spy host)', () => {
  test('only allowed calls reach the host; policy denials are the reference denials; the models agree', () => {
    fc.assert(
      // With an observer every call takes the explained path; without one fd calls take the fast path.
      fc.property(fullPolicyArb, programArb(1), fc.constantFrom('/', '/a', '/src'), fc.boolean(), (policy, program, cwd, observed) => {
        const ref = referenceEngine(policy);
        const g = new Guest();
        const host = new ModelHost(snapshotView(TREE), cwd);
        host.engine = ref;
        // Hidden names are absent under enforcement: the reference world hides them too.
        host.kernel.veil = policyVeil(host.kernel, ref);
        const events: DecisionEvent[] = [];
        const names = [...new Set(program.map((o) => o.name))];
        const imports = wrap(host.imports(names), { policy, namespace: viewNamespace(snapshotView(TREE), { cwd, procfs: true, hostPaths: 'linux' }), ...(observed ? { onDecision: (e: DecisionEvent) => events.push(e) } : {}) });
        imports.attach(g.instance);
        host.mem = (imports.interposer as unknown as { mem: typeof host.mem }).mem;
        const reached: string[] = [];
        host.onCall = (name, args) => {
          const req = referenceRequest(host, name, args as (number | bigint)[]);
          if (req === 'fault' || req === null) return;
          const v = judge(ref, req);
          if (!v.allowed) reached.push(`${name}(${JSON.stringify(args, (_, x) => (typeof x === 'bigint' ? `${x}n` : x))}) reached the host; the reference denies it with ${v.errno}`);
        };
        const interposer = imports.interposer;
        for (const op of program) {
          const args = op.args.map((s) => (typeof s === 'object' ? ('path' in s ? g.str(s.path) : g.alloc(s.buf)) : s));
          const before = host.calls.length;
          const stateBefore = referenceRequest(host, op.name, args);
          let kernelSays = stateBefore === 'fault' ? null : kernelAnswer(host, op.name, args);
          // What Linux checks after its security hooks (vfs_unlink/rmdir/rename/link): a policy refusal comes first.
          const afterHooks = ['unlinkat', 'renameat2', 'linkat'].includes(op.name) && kernelSays !== null && [-39, -16, -21, -20, -1].includes(kernelSays);
          if (afterHooks && stateBefore && stateBefore !== 'fault' && stateBefore.checks.every((c) => c.object.errno === undefined) && !judge(ref, stateBefore).allowed) kernelSays = null;
          events.length = 0;
          const ret = Number((imports['wali']![`SYS_${op.name}`] as (...a: (number | bigint)[]) => bigint)(...args));
          if (host.calls.length === before) {
            // Refused before the host: a fault, what the kernel answers anyway (the host's own
            // model agrees), or a policy denial the reference agrees with (errno included).
            if (stateBefore === 'fault') expect([op.name, ret]).toEqual([op.name, -14]);
            else if (kernelSays !== null) expect([op.name, op.args, ret]).toEqual([op.name, op.args, kernelSays]);
            else {
              const v = stateBefore === null ? undefined : judge(ref, stateBefore);
              expect({ op: op.name, path: op.args, allowed: v?.allowed, errno: v?.allowed ? undefined : v ? -ERRNO[v.errno!] : undefined })
                .toEqual({ op: op.name, path: op.args, allowed: false, errno: ret });
            }
            if (observed) expect(events.some((e) => !e.allowed)).toBe(true);
          }
          expect(reached).toEqual([]);
          // Inode numbers of anonymous objects are each model's own counters: compare the rest.
          const label = (k: typeof host.kernel, fd: number) => {
            const l = k.describeFd(1, fd);
            return l && l !== 'unknown' && l.kind === 'anon' ? { ...l, inode: 0, peer: l.peer === undefined ? undefined : 0 } : l;
          };
          for (let fd = 0; fd < 12; fd++) expect([fd, label(interposer.kernel, fd)]).toEqual([fd, label(host.kernel, fd)]);
          expect(interposer.kernel.describeCwd(1)).toEqual(host.kernel.describeCwd(1));
        }
      }),
      { seed: SEED, numRuns: RUNS, verbose: 1 },
    );
  });

  test('the generated programs reach the host and get denied, both (the property is not vacuous)', () => {
    let reachedHost = 0;
    let denied = 0;
    fc.assert(
      fc.property(fullPolicyArb, programArb(5), (policy, program) => {
        const g = new Guest();
        const host = new ModelHost(snapshotView(TREE), '/');
        const imports = wrap(host.imports([...new Set(program.map((o) => o.name))]), {
          policy, namespace: viewNamespace(snapshotView(TREE), { cwd: '/', procfs: true, hostPaths: 'linux' }), onDecision: (e) => { if (!e.allowed && e.reason === 'policy') denied++; },
        });
        imports.attach(g.instance);
        host.mem = (imports.interposer as unknown as { mem: typeof host.mem }).mem;
        for (const op of program) {
          const args = op.args.map((s) => (typeof s === 'object' ? ('path' in s ? g.str(s.path) : g.alloc(s.buf)) : s));
          (imports['wali']![`SYS_${op.name}`] as (...a: (number | bigint)[]) => bigint)(...args);
        }
        reachedHost += host.calls.filter((c) => c.ret >= 0n && c.name !== 'close').length;
      }),
      { seed: SEED, numRuns: 100 },
    );
    console.log(`spy host: ${reachedHost} successful calls reached the host, ${denied} policy denials`);
    expect(reachedHost).toBeGreaterThan(200);
    expect(denied).toBeGreaterThan(200);
  });
});
