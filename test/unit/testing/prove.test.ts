/** The exhaustive path proof: promises that hold, witnesses when they do not, condition contexts. */
import { describe, expect, test } from 'vitest';
import { compilePromise, loadPolicyInput, provePromise, contexts, type PromiseKind, type PromiseSpec } from '../../../src/testing/index.js';
import { rightsIn } from '../../../src/rules/rights.js';
import { CONDITIONAL, HIDE_SSH, hideSsh, PUNCHED, VARS } from './fixtures.js';

function prove(policy: Parameters<typeof loadPolicyInput>[0], kind: PromiseKind, spec: PromiseSpec, vars = VARS) {
  const l = loadPolicyInput(policy, { vars });
  return provePromise(l.engine.compiled, compilePromise(l, kind, spec));
}

describe('hide-ssh (HOME=/home/u)', () => {
  test('nothing under ~/.ssh can be changed, and the keys cannot be read', () => {
    const changes = 'write,append,truncate,create,mkdir,mknod,symlink,link,delete,rmdir,rename,chmod,chown,xattr,utime';
    expect(prove(HIDE_SSH, 'never', { right: changes, path: 'under $HOME/.ssh' }).holds).toBe(true);
    expect(prove(HIDE_SSH, 'never', { right: ['read', 'list', 'stat'], path: '$HOME/.ssh/{id_*,authorized_keys,config}' }).holds).toBe(true);
  });

  test('known_hosts is readable, so "never read under ~/.ssh" fails with it as the witness', () => {
    expect(prove(HIDE_SSH, 'always', { right: 'read,stat', path: '$HOME/.ssh/known_hosts' }).holds).toBe(true);
    const r = prove(HIDE_SSH, 'never', { right: 'read', path: 'under $HOME/.ssh' });
    expect(r.holds).toBe(false);
    expect(r.witness?.path).toBe('/home/u/.ssh/known_hosts');
    expect(rightsIn(r.witness!.right)).toEqual(['read']);
    expect(r.witness?.decision.rule).toBeDefined();
  });

  test('the same promises from the compiled IR, the engine and the compile result', () => {
    const c = hideSsh();
    const spec = { right: 'read', path: '/home/u/.ssh/id_*' };
    for (const p of [c, c.policy, loadPolicyInput(c.policy).engine]) expect(prove(p, 'never', spec).holds).toBe(true);
  });

  test('deletion happens only in home and in temp dirs', () => {
    expect(prove(HIDE_SSH, 'only', { right: 'delete,rmdir', path: 'under {$HOME,/tmp/*}' }).holds).toBe(true);
    const r = prove(HIDE_SSH, 'only', { right: 'delete', path: 'under $HOME' });
    expect(r.witness?.path).toMatch(/^\/tmp\/[^/]+$/);
  });

  test('a promise on a directory other than HOME uses the --var value', () => {
    const r = prove(HIDE_SSH, 'never', { right: 'read', path: 'under $HOME/.ssh' }, { HOME: '/home/alice' });
    expect(r.witness?.path).toBe('/home/alice/.ssh/known_hosts');
  });
});

describe('witnesses', () => {
  test('a wildcard that also matches a dotfile punches through a deny', () => {
    const r = prove(PUNCHED, 'never', { right: 'read', path: '/home/*/.ssh/**' });
    expect(r).toMatchObject({ holds: false, witness: { path: '/home/u/.ssh/keys' } });
  });

  test('conditions are covered: a conditional allow breaks "never" and "always" in its own context', () => {
    const never = prove(CONDITIONAL, 'never', { right: 'create', path: '/srv/spool/*' });
    expect(never.witness?.context.flags).toBe(0o200);
    const always = prove(CONDITIONAL, 'always', { right: 'create', path: '/srv/spool/*' });
    expect(always.witness?.context.flags ?? 0).toBe(0);
    expect(prove(CONDITIONAL, 'always', { right: 'read', path: '/srv/spool/**' }).holds).toBe(true);
  });

  test('contexts enumerate every combination of the flags and types rules test', () => {
    const l = loadPolicyInput(CONDITIONAL);
    expect(contexts(l.engine.compiled)).toEqual([{}, { flags: 0o200 }]);
  });

  test('the shortest witness is found first, in readable names', () => {
    const p = `policy "p" abi 1\nallow read /data/*/public/**\ndefault deny\n`;
    const r = prove(p, 'never', { right: 'read', path: '/data/**' });
    expect(r.witness?.path).toBe('/data/x/public/x');
  });

  test('bad rights and patterns are reported', () => {
    expect(() => prove(HIDE_SSH, 'never', { right: 'raed', path: '/x' })).toThrow(/unknown right `raed`/);
    expect(() => prove(HIDE_SSH, 'never', { right: 'read', path: '$NOPE/x' })).toThrow(/bad promise pattern/);
  });
});
