/** Work directories, the threshold, system reads, the base policy, and that every widening is listed. */
import { describe, expect, it } from 'vitest';
import { compilePolicyText } from '../../../src/dsl/index.js';
import { engineFor } from '../../../src/rules/engine.js';
import { bit, type Right } from '../../../src/rules/rights.js';
import { emptyCollected, type Collected } from '../../../src/learn/collect.js';
import { describeGeneralisation, emitPolicy } from '../../../src/learn/emit.js';
import { globbable, isSystemRead, propose, workRoots } from '../../../src/learn/generalise.js';

function collected(uses: Record<string, Right[]>, cwd?: string): Collected {
  const c = emptyCollected();
  if (cwd) c.cwds.add(cwd);
  for (const [path, rights] of Object.entries(uses)) {
    const mask = rights.reduce((m, r) => m | bit(r), 0);
    c.uses.set(path, { path, rights: mask, perRight: new Map(rights.map((r) => [r, { ok: 1, failed: 0, errnos: new Set(), syscalls: new Set(['openat']) }])) });
  }
  return c;
}

const written = (dir: string, n: number): Record<string, Right[]> =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`${dir}/f${i}`, ['create', 'write'] as Right[]]));

describe('work directories', () => {
  it('globs a directory up at the threshold (default 3), not below it', () => {
    expect(workRoots(collected(written('/srv/w', 2), '/srv/w'), 3)).toEqual([]);
    expect(workRoots(collected(written('/srv/w', 3), '/srv/w'), 3)).toEqual(['/srv/w']);
    expect(workRoots(collected(written('/srv/w', 4), '/srv/w'), 5)).toEqual([]);
    expect(workRoots(collected(written('/srv/w', 5), '/srv/w'), 5)).toEqual(['/srv/w']);
  });

  it('reads alone make no work directory', () => {
    const c = collected(Object.fromEntries(['a', 'b', 'c', 'd'].map((n) => [`/srv/data/${n}`, ['read', 'stat'] as Right[]])));
    expect(workRoots(c, 3)).toEqual([]);
  });

  it('never globs shared or system directories', () => {
    expect(workRoots(collected(written('/tmp', 5)), 3)).toEqual([]);
    expect(workRoots(collected(written('/etc', 5)), 3)).toEqual([]);
    expect(workRoots(collected(written('/home/u', 5)), 3)).toEqual([]);
    for (const d of ['/', '/tmp', '/var/tmp', '/home', '/root', '/usr/lib', '/proc/self', '/dev']) expect(globbable(d)).toBe(false);
    expect(globbable('/tmp/work')).toBe(true);
  });

  it('takes the deepest directory that qualifies, and an ancestor only for paths of its own', () => {
    const deep = { ...written('/srv/w/out', 4), '/srv/w/log': ['write'] as Right[] };
    expect(workRoots(collected(deep, '/srv/w'), 3)).toEqual(['/srv/w/out']);
    const wide = { ...written('/srv/w/out', 4), ...written('/srv/w', 3) };
    expect(workRoots(collected(wide, '/srv/w'), 3)).toEqual(['/srv/w']);
  });
});

describe('propose and emit', () => {
  const c = collected({
    ...written('/srv/w', 4),
    '/srv/w/in.txt': ['read'],
    '/srv/other/x': ['write', 'truncate'],
    '/etc/passwd': ['read', 'stat'],
    '/usr/bin/cat': ['exec'],
    '/dev/null': ['read', 'write'],
    '/etc/motd': ['write'],
  }, '/srv/w');

  it('grants a work directory every right used below it, and the rest per path', () => {
    const p = propose(c);
    const w = p.rules.find((r) => r.kind === 'under')!;
    expect(w.path).toBe('/srv/w');
    expect(w.rights).toBe(bit('create') | bit('write') | bit('read'));
    expect(p.generalisations).toEqual([{ kind: 'under', dir: '/srv/w', covers: 5, rights: w.rights, why: 'work' }]);
    expect(p.rules.filter((r) => r.kind === 'path').map((r) => r.path)).not.toContain('/srv/w/in.txt');
    expect(p.rules.find((r) => r.path === '/srv/other/x')?.system).toBe(false);
  });

  it('sets system reads apart, but not writes to the system', () => {
    expect(isSystemRead({ path: '/etc/passwd', rights: bit('read') })).toBe(true);
    expect(isSystemRead({ path: '/dev/null', rights: bit('write') })).toBe(true);
    expect(isSystemRead({ path: '/etc/motd', rights: bit('write') })).toBe(false);
    expect(isSystemRead({ path: '/srv/x', rights: bit('read') })).toBe(false);
  });

  it('lists every generalisation at the top; the text compiles clean', () => {
    const p = propose(c);
    const e = emitPolicy(p, { traces: [{ name: 't.strace', cwd: '/srv/w' }], threshold: 3, systemInclude: 'learned-system.policy', expects: [], unlearnable: 0 });
    const head = e.main.slice(0, e.main.indexOf('policy "learned"'));
    for (const g of p.generalisations) expect(head).toContain(`#   ${describeGeneralisation(g)}`);
    expect(head).toContain('#   under /srv/w: covers 5 recorded paths (read,write,create)');
    expect(e.main).toMatch(/^default deny errno EACCES$/m);
    expect(e.main).toMatch(/^unknown deny errno EACCES$/m);
    expect(e.main).toContain('include "learned-system.policy"');
    expect(e.system).toContain('allow read,stat /etc/passwd');
    const compiled = compilePolicyText(e.main, { file: '/out/learned.policy', load: (f) => (f === '/out/learned-system.policy' ? e.system : undefined) });
    expect(compiled.diagnostics).toEqual([]);
    expect(engineFor(compiled.policy).allowedMask('/srv/w/new') & bit('create')).toBeTruthy();
    expect(engineFor(compiled.policy).allowedMask('/srv/elsewhere') & bit('create')).toBe(0);
  });

  it('keeps system reads inline without a system file', () => {
    const e = emitPolicy(propose(c), { traces: [], threshold: 3, expects: [], unlearnable: 0 });
    expect(e.system).toBeUndefined();
    expect(e.main).toContain('allow read,stat /etc/passwd');
    expect(compilePolicyText(e.main).diagnostics).toEqual([]);
  });

  it('leaves out what a base policy allows', () => {
    const base = compilePolicyText('policy "b" abi 1\nallow read,stat,exec under /etc under /usr\n');
    const p = propose(c, { base: engineFor(base.policy) });
    expect(p.rules.map((r) => r.path)).not.toContain('/etc/passwd');
    expect(p.rules.map((r) => r.path)).toContain('/etc/motd');
    expect(p.omittedByBase).toBe(2);
  });

  it('marks calls that failed in the recording', () => {
    const f = collected({ '/etc/ld.so.preload': ['stat'] });
    f.uses.get('/etc/ld.so.preload')!.perRight.set('stat', { ok: 0, failed: 1, errnos: new Set(['ENOENT']), syscalls: new Set(['access']) });
    const e = emitPolicy(propose(f), { traces: [], threshold: 3, expects: [], unlearnable: 0 });
    expect(e.main).toContain('allow stat /etc/ld.so.preload  # access; failed in the recording: stat (ENOENT)');
  });
});
