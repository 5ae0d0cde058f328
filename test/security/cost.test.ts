/**
 * Class 7: cost an attacker controls stays bounded. A policy whose glob counts segments from the
 * end below a `**` makes the rename/link no-escalation check explore an exponential automaton;
 * the check stops at its work bound and the rename fails closed (EXDEV, as a copy-and-delete
 * `mv` expects), explained, instead of taking the host's time and memory. (Figures: the rules
 * bench; exact bounds: test/unit/rules/cost-bounds.test.ts.)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { policy } from '../unit/wali/guest.js';
import { fsops, stage, type Stage } from './harness.js';

const STAR = Array.from({ length: 16 }, () => '*').join('/');
const POLICY = policy(`policy "p" abi 1
default deny errno EACCES
allow * under /w
deny write /**/secret/${STAR}
`);

let s: Stage;
afterEach(() => s?.cleanup());

describe('class 7: a hostile policy shape costs a bounded check, and a refusal', () => {
  test('renaming a directory under a glob that counts 16 segments from the end: EXDEV, explained, nothing moved', async () => {
    s = stage();
    mkdirSync(join(s.w, 'a'));
    writeFileSync(join(s.w, 'a', 'f'), 'x');
    const lines: string[] = [];
    const r = await fsops(['rename', '/w/a', '/w/secret', 'rename', '/w/a/f', '/w/g', 'ls', '/w'], {
      dirs: [{ host: s.w, guest: '/w' }], cwd: '/w', policy: POLICY,
      onDecision: (e) => { if (!e.allowed) lines.push(e.explain()?.escalationReason ?? ''); },
    });
    expect(r.stdout).toContain('rename /w/a /w/secret = -18');
    expect(r.stdout).toContain('rename /w/a/f /w/g = 0'); // a file's rename compares one name: decided
    expect(r.stdout).toContain('ls /w = 2 "a" "g"');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/work bound/);
  });
});
