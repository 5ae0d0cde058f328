/**
 * No escalation through rename and link, end to end: whenever the judge allows a rename or a
 * link, the object's rights at its new name are within those at its old one, for the name itself
 * and (for a directory) for every path below it that we sample.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Kernel } from '../../src/state/kernel.js';
import { emptyView } from '../../src/state/view.js';
import { engineFor } from '../../src/rules/engine.js';
import { judge } from '../../src/rules/judge.js';
import { requestFor } from '../../src/rules/requests.js';
import { namesOf, pathArb, policyArb, SEED } from '../unit/rules/arbitraries.js';

describe('no escalation through rename/link', () => {
  test('an allowed rename or link never gains rights at the new name', () => {
    fc.assert(
      fc.property(
        policyArb.chain((p) => {
          const names = namesOf(p);
          const nonEmpty = pathArb(names, 3).filter((x) => x !== '/');
          return fc.record({
            policy: fc.constant(p),
            from: nonEmpty,
            to: nonEmpty,
            dir: fc.boolean(),
            link: fc.boolean(),
            suffixes: fc.array(pathArb(names, 2), { maxLength: 12 }),
          });
        }),
        ({ policy, from, to, dir, link, suffixes }) => {
          fc.pre(from !== to && !to.startsWith(from + '/') && !from.startsWith(to + '/'));
          const engine = engineFor(policy);
          const k = new Kernel({ view: emptyView });
          const task = k.spawn({ tid: 1, cwd: '/' });
          k.learnDir(from.replace(/\/[^/]*$/, '') || '/');
          k.learnDir(to.replace(/\/[^/]*$/, '') || '/');
          if (dir) k.learnDir(from);
          else k.syscall(1, { sys: 'openat', dirfd: -100, path: from, flags: 0o101, mode: 0o644 });
          const isDir = dir && !link;
          const call = link
            ? { sys: 'linkat' as const, olddirfd: -100, oldpath: from, newdirfd: -100, newpath: to, flags: 0 }
            : { sys: 'renameat2' as const, olddirfd: -100, oldpath: from, newdirfd: -100, newpath: to, flags: 0 };
          if (link && dir) return; // directories cannot be hard-linked
          const v = judge(engine, requestFor(k, task, call)!);
          if (!v.allowed) return;
          for (const x of ['', ...(isDir ? suffixes.filter((s) => s !== '/') : [])]) {
            const gained = engine.allowedMask(to + x) & ~engine.allowedMask(from + x);
            expect({ suffix: x, gained }).toEqual({ suffix: x, gained: 0 });
          }
        },
      ),
      { seed: SEED, numRuns: 400 },
    );
  });
});
