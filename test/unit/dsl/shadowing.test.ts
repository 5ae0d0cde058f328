/**
 * The shadowing lint (FW601) on the automaton: it finds what the old pairwise check of the
 * globs' text found (that check is kept here as the oracle, on small random policies), finds
 * more (wildcard and set covers), and never reports a rule whose removal would change a
 * decision (checked against the reference interpreter, one rule and all of them at once).
 * Reproduce a failure with FDWARDEN_SEED=<seed> (fast-check prints the seed and path).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { IrPolicy, IrRule, RuleWhen } from '../../../src/rules/ir.js';
import { referenceDecide } from '../../../src/rules/reference.js';
import { shadowedRules } from '../../../src/rules/shadowing.js';
import { syntacticShadows } from '../../../src/rules/shadowing-syntactic.js';
import { lintShadowed } from '../../../src/dsl/lints.js';
import { FLAGS, policyArb, policyPathArb, RIGHTS_USED, SEED } from '../rules/arbitraries.js';
import { policy } from '../rules/helpers.js';
import { compile, HEADER, where } from './helpers.js';

const RUNS = { seed: SEED, numRuns: 300 };

/**
 * The pairwise check the lint used to make, as the oracle: a rule `d` with no except, ⊇ rights,
 * no narrower condition and a glob covering each of r's (equal, or `X/**` over `X/...`) in a
 * higher tier, or a deny of r's tier over an allow, or an earlier deny of r's tier with r's errno.
 * The last case is kept only where it was true: when every deny of that tier carrying r's
 * rights has that errno (else r, when it is the decisive deny, sets the errno).
 */
function oldShadowed(p: IrPolicy): Set<number> {
  const errno = (x: IrRule) => x.errno ?? p.default.errno;
  const key = (w: RuleWhen | undefined) => JSON.stringify([[...(w?.flagsHas ?? [])].sort(), [...(w?.flagsLacks ?? [])].sort(), w?.type ?? null]);
  const covers = (qs: string[], x: string) =>
    qs.includes(x) || [...x.matchAll(/\//g)].some((m) => m.index + 1 < x.length && qs.includes(`${x.slice(0, m.index + 1)}**`));
  const uniform = (r: IrRule) => p.rules.every((x) => x.effect !== 'deny' || x.tier !== r.tier || (x.rights & r.rights) === 0 || errno(x) === errno(r));
  const covering = (d: IrRule, r: IrRule) =>
    d.id !== r.id && d.except.length === 0 && r.patterns.length > 0 && r.rights !== 0 && (d.rights & r.rights) === r.rights &&
    (d.when === undefined || key(d.when) === key(r.when)) && r.patterns.every((x) => covers(d.patterns, x));
  const out = new Set<number>();
  for (const r of p.rules) {
    const d = p.rules.find((x) => covering(x, r) && (x.tier > r.tier ||
      (x.tier === r.tier && x.effect === 'deny' && (r.effect === 'allow' || (x.id < r.id && errno(x) === errno(r) && uniform(r))))));
    if (d) out.add(r.id);
  }
  return out;
}

const TYPES = [undefined, 'file', 'dir', 'symlink'] as const;
const FLAG_WORDS = [0, ...FLAGS, FLAGS[0]! | FLAGS[2]!, FLAGS.reduce((a, b) => a | b, 0)];

/** Effect and errno of every right, for every context, on each path. */
function outcomes(p: IrPolicy, paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const path of paths) {
    for (const type of TYPES) {
      for (const flags of FLAG_WORDS) {
        const q = { path, rights: RIGHTS_USED, ...(type ? { type } : {}), flags };
        out.push(referenceDecide(p, q).map((d) => `${d.effect}${d.errno ?? ''}`).join(','));
      }
    }
  }
  return out;
}

const without = (p: IrPolicy, ids: ReadonlySet<number>): IrPolicy => ({ ...p, rules: p.rules.filter((r) => !ids.has(r.id)) });

const caseArb = policyArb.chain((p) => fc.tuple(fc.constant(p), fc.array(policyPathArb(p), { minLength: 10, maxLength: 40 })));

describe('FW601 on random policies', () => {
  test('finds every rule the old pairwise check found', () => {
    fc.assert(
      fc.property(policyArb, (p) => {
        const found = shadowedRules(p);
        expect(found, 'small policies stay within the work bound').toBeDefined();
        const ids = new Set(found!.map((f) => f.rule));
        // A rule with an except may match nowhere; the lint reports only rules that match somewhere.
        for (const r of oldShadowed(p)) if (p.rules[r]!.except.length === 0) expect(ids, `rule ${r}`).toContain(r);
      }),
      RUNS,
    );
  });

  test('never reports a rule whose removal changes a decision, alone or all together', () => {
    fc.assert(
      fc.property(caseArb, ([p, paths]) => {
        const found = shadowedRules(p)!;
        const all = outcomes(p, paths);
        for (const f of found) expect(outcomes(without(p, new Set([f.rule])), paths), `rule ${f.rule}`).toEqual(all);
        expect(outcomes(without(p, new Set(found.map((f) => f.rule))), paths)).toEqual(all);
      }),
      RUNS,
    );
  });

  test('the fallback on text reports only rules the automaton reports too', () => {
    fc.assert(
      fc.property(policyArb, (p) => {
        const exact = new Set(shadowedRules(p)!.map((f) => f.rule));
        // (It also reports a rule whose excepts leave it matching nothing, which the automaton never sees.)
        for (const f of syntacticShadows(p)) if (p.rules[f.rule]!.except.length === 0) expect(exact, `rule ${f.rule}`).toContain(f.rule);
      }),
      RUNS,
    );
  });
});

describe('FW601 finds more than the text of globs shows', () => {
  test('a wildcard covers a name; denies together cover a wildcard', () => {
    expect(where(compile(`${HEADER}deny write /a/*\nallow write /a/b\n`).diagnostics)).toEqual(['FW601@3:1']);
    const r = compile(`${HEADER}deny write /a/x*\ndeny write /a/[!x]*\nallow write /a/*\n`);
    expect(where(r.diagnostics)).toEqual(['FW601@4:1']);
    const d = r.diagnostics[0]!;
    expect(d.message).toBe('this allow never takes effect: on every path it matches, a deny of its tier or a rule of a higher tier decides first (the deny at p.policy:2:1, the deny at p.policy:3:1)');
    expect(d.help).toBe('add an `except` to the denies, or move this rule to a higher `tier`');
    expect(d.related?.map((x) => x.span.line)).toEqual([2, 3]);
  });

  test('higher tiers together; a deny always outranked by an earlier one, whatever its errno', () => {
    const t = compile(`${HEADER}allow read /a/b*\ntier 1 { deny read /a/b }\ntier 2 { allow read /a/b?* }\n`);
    expect(where(t.diagnostics)).toEqual(['FW601@2:1']);
    expect(t.diagnostics[0]!.message).toMatch(/^this rule never decides: rules of higher tiers cover the same rights on every path it matches/);
    const o = compile(`${HEADER}deny write /a/b errno EROFS\ndeny write /a/b\n`);
    expect(o.diagnostics.map((x) => x.message)).toEqual(['this deny never changes a decision: the deny at p.policy:2:1 already denies these rights here with EROFS']);
  });

  test('of two equal rules only the later one is reported', () => {
    expect(where(compile(`${HEADER}deny write /a/b\ndeny write /a/b\n`).diagnostics)).toEqual(['FW601@3:1']);
    expect(where(compile(`${HEADER}tier 1 { allow read /a }\ntier 1 { allow read /a }\n`).diagnostics)).toEqual([]);
  });
});

describe('FW601 never warns wrongly', () => {
  test('a later deny that is the decisive one where another errno is the runner-up', () => {
    // The old check called rule 4 dead (rule 2 covers it with the same errno), yet at /a/b/c/d it
    // decides: without it, rule 3 would, with EROFS.
    const text = `${HEADER}deny write /a/**\ndeny write /a/b/** errno EROFS\ndeny write /a/b/c/d\n`;
    expect(compile(text).diagnostics).toEqual([]);
    const p = compile(text).policy;
    const errnoAt = (q: IrPolicy) => referenceDecide(q, { path: '/a/b/c/d', rights: 2 })[0]!.errno;
    expect([errnoAt(p), errnoAt(without(p, new Set([2])))]).toEqual(['EACCES', 'EROFS']);
  });

  test('conditions: a deny under a narrower condition covers nothing; one the rule implies does', () => {
    expect(compile(`${HEADER}deny write /a/** when flags has O_CREAT\nallow write /a/b\n`).diagnostics).toEqual([]);
    expect(where(compile(`${HEADER}deny write /a/** when flags has O_CREAT\nallow write /a/b when flags has O_CREAT,O_EXCL when type file\n`).diagnostics))
      .toEqual(['FW601@3:1']);
  });
});

describe('past the work bound', () => {
  test('the automaton gives up and the text check still reports what it can prove', () => {
    const text = `${HEADER}allow * under /w\ndeny write /**\ndeny write /**/secret/${Array(15).fill('*').join('/')}\n`;
    const r = compile(text);
    expect(shadowedRules(r.policy)).toBeUndefined();
    expect(where(r.diagnostics)).toEqual(['FW601@4:1']);
    expect(r.diagnostics[0]!.message).toBe('this deny never changes a decision: the deny at p.policy:3:1 already denies these rights here with EACCES');
  });

  test('the text check stops at its own bound with what it proved so far', () => {
    const p = policy([{ effect: 'deny', patterns: ['/a/**'] }, ...Array.from({ length: 50 }, (_, i) => ({ patterns: [`/a/${i}`] }))]);
    expect(syntacticShadows(p).length).toBe(50);
    const bounded = syntacticShadows(p, 100).length;
    expect(bounded).toBeGreaterThan(0);
    expect(bounded).toBeLessThan(50);
    expect(lintShadowed(p).length).toBe(50);
  });
});
