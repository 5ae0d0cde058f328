import { describe, expect, it } from 'vitest';
import { compilePolicyText } from '../../../src/dsl/index.js';
import type { IrPolicy } from '../../../src/rules/ir.js';
import { compile } from '../../../src/rules/compile.js';
import { allowedMask, decide } from '../../../src/rules/decide.js';
import { describeContext, diffPolicies, flagNames, type PolicyDiff } from '../../../src/rules/diff.js';
import { requestContexts } from '../../../src/rules/diff-contexts.js';
import { probeCall } from '../../../src/rules/diff-probe.js';
import { engineFor } from '../../../src/rules/engine.js';
import { judgeSingle } from '../../../src/rules/single.js';
import { bit } from '../../../src/rules/rights.js';
import { policy } from './helpers.js';

function ir(body: string, file = 'p.policy'): IrPolicy {
  const c = compilePolicyText(`policy "t" abi 1\n${body}\n`, { file });
  if (!c.ok) throw new Error(c.diagnostics.map((d) => d.message).join('\n'));
  return c.policy;
}

/** Every witness must really gain / lose its right (or change its errno) in its context. */
function checkWitnesses(o: IrPolicy, n: IrPolicy, d: PolicyDiff): void {
  const [co, cn] = [compile(o), compile(n)];
  for (const c of [...d.gained, ...d.lost]) {
    const q = { path: c.path, type: c.context.type, flags: c.context.flags };
    const [ro, rn] = [allowedMask(co, q) & c.bit, allowedMask(cn, q) & c.bit];
    expect([ro !== 0, rn !== 0], `${c.change} ${c.right} at ${c.path}`).toEqual(c.change === 'gained' ? [false, true] : [true, false]);
  }
  for (const e of d.errnos) {
    const q = { path: e.path, rights: e.bit, type: e.context.type, flags: e.context.flags };
    const [x, y] = [decide(co, q)[0]!, decide(cn, q)[0]!];
    expect(x.effect).toBe('deny');
    expect(y.effect).toBe('deny');
    expect(x.errno).not.toBe(y.errno);
  }
}

const summary = (d: PolicyDiff) => ({
  label: d.label,
  gained: d.gained.map((c) => `${c.right} ${c.path}`),
  lost: d.lost.map((c) => `${c.right} ${c.path}`),
});

describe('diffPolicies', () => {
  it('finds a widening with a shortest witness and its deciding rules', () => {
    const o = ir('allow read under /srv/job', 'old.policy');
    const n = ir('allow read under /srv/job\nallow write /srv/job/**/*.log', 'new.policy');
    const d = diffPolicies(o, n);
    expect(summary(d)).toEqual({ label: 'widening', gained: ['write /srv/job/.log'], lost: [] });
    expect(d.gained[0]!.old).toEqual({ effect: 'deny', errno: 'EACCES' });
    expect(d.gained[0]!.new).toMatchObject({ effect: 'allow', rule: { id: 1, span: { file: 'new.policy', line: 3 } } });
    checkWitnesses(o, n, d);
  });

  it('finds a narrowing, and the reverse diff is the widening', () => {
    const o = ir('allow read,stat under /home/u');
    const n = ir('allow read,stat under /home/u\ndeny read under /home/u/.ssh except /home/u/.ssh/known_hosts errno ENOENT');
    const d = diffPolicies(o, n);
    expect(summary(d)).toEqual({ label: 'narrowing', gained: [], lost: ['read /home/u/.ssh'] });
    expect(d.lost[0]!.new).toMatchObject({ effect: 'deny', errno: 'ENOENT', rule: { id: 1 } });
    expect(summary(diffPolicies(n, o))).toEqual({ label: 'widening', gained: ['read /home/u/.ssh'], lost: [] });
    checkWitnesses(o, n, d);
  });

  it('reports both directions at once, per right', () => {
    const o = ir('allow read,write under /a\nallow read /b/*');
    const n = ir('allow read under /a\nallow read,write /b/*\nallow exec /b/x/y');
    const d = diffPolicies(o, n);
    expect(summary(d)).toEqual({ label: 'both', gained: ['write /b/x', 'exec /b/x/y'], lost: ['write /a'] });
    checkWitnesses(o, n, d);
  });

  it('sees differently written equal policies as equivalent', () => {
    const o = ir('allow read under /srv\nallow write /srv/**/*.c\ndeny write /srv/**/x.c\nallow write /srv/**/x.c');
    const n = ir('allow write /srv/**/*.c except /srv/**/x.c\nallow read /srv /srv/**\nallow read /srv/**\nallow read /srv/a/**');
    const d = diffPolicies(o, n);
    expect(d).toMatchObject({ label: 'equivalent', gained: [], lost: [], errnos: [], settings: [] });
    expect(d.stats.pairs).toBeGreaterThan(3);
  });

  it('treats a deny carved by except like the allows it leaves', () => {
    const o = ir('default allow\ndeny * under /etc except /etc/hosts under /etc/ssl');
    // The same carve-out written as patterns is equivalent...
    const m = ir('default allow\ndeny * /etc /etc/* /etc/*/** except /etc/hosts /etc/ssl /etc/ssl/**');
    expect(diffPolicies(o, m).label).toBe('equivalent');
    // ... but an allow of the same tier does not carve a deny out: the deny wins the tie.
    const n = ir('default allow\ndeny * /etc /etc/*\ndeny * /etc/*/** except /etc/ssl/**\nallow * /etc/hosts /etc/ssl');
    const d = diffPolicies(o, n);
    expect(d.label).toBe('narrowing');
    expect(d.lost).toHaveLength(22);
    expect(new Set(d.lost.map((c) => c.path))).toEqual(new Set(['/etc/ssl']));
    checkWitnesses(o, n, d);
  });

  it('follows tiers: a higher tier overrides, and moving a rule between tiers shows', () => {
    const o = ir('allow write under /srv\ndeny write under /srv/.git errno EROFS');
    const n = ir('allow write under /srv\ndeny write under /srv/.git errno EROFS\ntier 1 {\n  allow write under /srv/.git/hooks\n}');
    const d = diffPolicies(o, n);
    expect(summary(d)).toEqual({ label: 'widening', gained: ['write /srv/.git/hooks'], lost: [] });
    expect(d.gained[0]!.old).toMatchObject({ effect: 'deny', errno: 'EROFS', rule: { id: 1 } });
    // Without the tier the deny wins the tie: no change at all.
    expect(diffPolicies(o, ir('allow write under /srv\ndeny write under /srv/.git errno EROFS\nallow write under /srv/.git/hooks')).label).toBe('equivalent');
    checkWitnesses(o, n, d);
  });

  it('needs wildcard combinations to find some witnesses', () => {
    const o = policy([{ patterns: ['/b/**'] }, { effect: 'deny', patterns: ['/b/[!.]*x'] }]);
    const n = policy([{ patterns: ['/b/**'] }, { effect: 'deny', patterns: ['/b/*x'] }]);
    const d = diffPolicies(o, n);
    expect(summary(d)).toEqual({ label: 'narrowing', gained: [], lost: ['read /b/x'] });
    // Only a name starting with a dot and ending in x gains: a combination no literal names.
    const q = policy([{ patterns: ['/b/**'] }, { effect: 'deny', patterns: ['/b/*x'] }, { patterns: ['/b/[!.]*'], tier: 1 }]);
    const r = policy([{ patterns: ['/b/**'] }]);
    expect(summary(diffPolicies(q, r))).toEqual({ label: 'widening', gained: ['read /b/.x'], lost: [] });
    checkWitnesses(q, r, diffPolicies(q, r));
    checkWitnesses(o, n, d);
  });

  it('prefers fewer segments over shorter text, then shorter text', () => {
    const o = ir('allow read /**');
    const n = ir('allow read /**\ndeny read /aaaaaaaa /x/y/z /bb/c');
    expect(summary(diffPolicies(o, n)).lost).toEqual(['read /aaaaaaaa']);
    const m = ir('allow read /**\ndeny read /x/y/zzzz /b/c/d');
    expect(summary(diffPolicies(o, m)).lost).toEqual(['read /b/c/d']);
  });

  it('reports the root itself and the default', () => {
    const d = diffPolicies(ir('default deny'), ir('default allow'));
    expect(d.label).toBe('widening');
    expect(d.gained).toHaveLength(22);
    expect(d.gained.every((c) => c.path === '/')).toBe(true);
    expect(d.settings).toEqual([{ setting: 'default', old: { effect: 'deny', errno: 'EACCES' }, new: { effect: 'allow', errno: 'EACCES' } }]);
    // A default change that no path reaches changes nothing.
    const e = diffPolicies(ir('default deny\nallow * /**\nallow * /'), ir('default deny errno EPERM\nallow * /** /'));
    expect(e.label).toBe('equivalent');
    expect(e.settings.map((s) => s.setting)).toEqual(['default']);
  });

  it('reports the unknown-object setting and counts it in the label', () => {
    const d = diffPolicies(ir('unknown deny errno ENOENT'), ir('unknown allow'));
    expect(d.label).toBe('widening');
    expect(d.gained).toEqual([]);
    expect(d.unknownObjects.gained).toBe((1 << 22) - 1);
    expect(d.settings[0]).toMatchObject({ setting: 'unknown', old: { effect: 'deny', errno: 'ENOENT' } });
  });

  it('finds errno changes of denials', () => {
    const o = ir('deny read under /home/u/.ssh errno EACCES');
    const n = ir('deny read under /home/u/.ssh errno ENOENT');
    const d = diffPolicies(o, n);
    expect(d.label).toBe('equivalent');
    expect(d.errnos.map((e) => `${e.right} ${e.path} ${e.old.errno}->${e.new.errno}`)).toEqual(['read /home/u/.ssh EACCES->ENOENT']);
    expect(diffPolicies(o, n, { errnos: false }).errnos).toEqual([]);
    checkWitnesses(o, n, d);
  });

  it('compares conditional rules in every context their conditions distinguish', () => {
    const o = ir('allow write,truncate under /srv\ndeny truncate under /srv when flags has O_TRUNC');
    const n = ir('allow write,truncate under /srv\ndeny truncate under /srv when flags has O_TRUNC,O_CREAT\nallow create /srv/new/* when flags has O_EXCL when type file');
    const d = diffPolicies(o, n);
    expect(d.label).toBe('widening');
    expect(d.gained.map((c) => [c.right, c.path, describeContext(c.context)])).toEqual([
      ['truncate', '/srv', 'flags O_TRUNC'],
      ['create', '/srv/new/x', 'type file, flags O_EXCL'],
    ]);
    checkWitnesses(o, n, d);
    // Reordered conditions and a duplicate make no difference.
    const m = ir('deny truncate under /srv when flags has O_TRUNC\nallow truncate,write under /srv\nallow write under /srv');
    expect(diffPolicies(o, m).label).toBe('equivalent');
  });

  it('enumerates contexts exactly, folding flags that contain others', () => {
    const p = policy([{ patterns: ['/a'], when: { flagsHas: [0o4010000], flagsLacks: [0o10000], type: 'dir' } }]);
    const ctx = requestContexts([p]);
    // O_SYNC contains O_DSYNC: {none, O_DSYNC, O_SYNC} x {unknown, dir}.
    expect(ctx).toEqual([
      { type: undefined, flags: 0 }, { type: undefined, flags: 0o10000 }, { type: undefined, flags: 0o4010000 },
      { type: 'dir', flags: 0 }, { type: 'dir', flags: 0o10000 }, { type: 'dir', flags: 0o4010000 },
    ]);
    expect(flagNames(0o4010300)).toEqual(['O_CREAT', 'O_EXCL', 'O_SYNC']);
    const many = policy([{ patterns: ['/a'], when: { flagsHas: [1 << 6, 1 << 7, 1 << 8, 1 << 9, 1 << 10, 1 << 11, 1 << 12, 1 << 13, 1 << 14, 1 << 15] } }]);
    expect(() => requestContexts([many], 100)).toThrow(/over 100 request contexts/);
  });

  it('fails loudly past the bound on state pairs', () => {
    const o = ir('allow read /a/*/b/*/c/*/d');
    const n = ir('allow read /a/**/x*/**/y*');
    expect(() => diffPolicies(o, n, { maxPairs: 5 })).toThrow(/exceeded 5 state pairs/);
    expect(diffPolicies(o, n).label).toBe('both');
  });

  it('restricts the comparison to the rights asked for', () => {
    const d = diffPolicies(ir('allow read,write /a'), ir('allow read /a'), { rights: bit('read') });
    expect(d.label).toBe('equivalent');
  });
});

describe('probeCall', () => {
  it('gives a call the judge reads, needing the right on the witness path', () => {
    const p = ir('allow * /srv/x');
    const engine = engineFor(p);
    for (const right of ['read', 'write', 'append', 'truncate', 'create', 'mkdir', 'mknod', 'symlink', 'link', 'delete', 'rmdir', 'rename-from', 'rename-to', 'list', 'exec', 'stat', 'chmod', 'chown', 'xattr', 'utime', 'chdir']) {
      const call = probeCall(right, '/srv/x')!;
      const m = /^(\w+)\((.*)\)$/.exec(call)!;
      const r = judgeSingle(engine, m[1]!, m[2]!);
      expect(r.ok, call).toBe(true);
      if (!r.ok) continue;
      const rights = r.verdict.checks.filter((c) => c.check.object.path === '/srv/x').flatMap((c) => c.decisions.map((d) => d.right));
      expect(rights, call).toContain(bit(right as Parameters<typeof bit>[0]));
    }
    expect(probeCall('ioctl', '/x')).toBeUndefined();
    expect(probeCall('write', '/a b/"\xe9', 0o200)).toBe('openat(AT_FDCWD, "/a b/\\"\\351", O_WRONLY|O_EXCL)');
  });
});
