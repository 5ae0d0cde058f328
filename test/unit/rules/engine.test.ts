/** The engine behind the judge: its memo of plainMask answers what the automaton answers. */
import { describe, expect, it } from 'vitest';
import { engineFor } from '../../../src/rules/engine.js';
import { plainMask } from '../../../src/rules/decide.js';
import { policy } from './helpers.js';

describe('engineFor', () => {
  const p = policy([
    { patterns: ['/srv/**'], rights: ['read', 'write', 'stat'] },
    { effect: 'deny', patterns: ['/srv/**/.git/**'], rights: ['write'], tier: 1 },
    { patterns: ['/tmp/*.log'], rights: ['append'], when: { flagsHas: [0o2000] } },
  ]);
  const paths = ['/srv/a', '/srv/x/.git/HEAD', '/srv', '/etc/passwd', '/tmp/a.log', '/tmp/b', '/'];

  it('plainMask is the automaton\'s answer, first time and memoised', () => {
    const e = engineFor(p);
    for (let round = 0; round < 3; round++) {
      for (const path of paths) expect(e.plainMask!(path), `${path} (round ${round})`).toBe(plainMask(e.compiled, path));
    }
    expect(e.plainMask!('/tmp/a.log')).toBe(-1); // a conditional rule applies there
  });

  it('stays right when the memo starts over (more path text than it holds)', () => {
    const e = engineFor(p);
    const long = (i: number): string => `/srv/${String(i).padStart(4, '0')}/${'x'.repeat(4000)}`;
    for (let i = 0; i < 300; i++) e.plainMask!(long(i)); // 1.2 million characters
    for (const path of [...paths, long(0), long(299)]) expect(e.plainMask!(path)).toBe(plainMask(e.compiled, path));
  });
});
