/**
 * Printing and parsing are inverse: parse(print(ast)) is ast (spans aside) for any AST the
 * JSON reader accepts, the JSON form round-trips, and lowering does not care whether it sees
 * the text as written or as printed.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { compilePolicyText, fromJson, parse, printPolicy, stripSpans, toJson } from '../../src/dsl/index.js';
import { astArb, mutate, mutationsArb } from '../unit/dsl/arbitraries.js';

const SEED = Number(process.env['FDWARDEN_SEED'] ?? 0x5eed0d5);
const RUNS = 1500;

/** fc.assert with the seed in the failure message, so a failure can be replayed. */
function check<T>(arb: fc.Arbitrary<T>, body: (x: T) => void, numRuns = RUNS): void {
  try {
    fc.assert(fc.property(arb, body), { seed: SEED, numRuns });
  } catch (e) {
    throw new Error(`seed ${SEED} (set FDWARDEN_SEED to replay): ${e instanceof Error ? e.message : String(e)}`);
  }
}

describe('print ∘ parse', () => {
  test('parse(print(ast)) = ast, with no syntax diagnostics', () => {
    check(astArb, (ast) => {
      const text = printPolicy(ast);
      const r = parse(text, 'p.policy');
      expect(r.diagnostics).toEqual([]);
      expect(stripSpans(r.ast)).toEqual(ast);
    });
  });

  test('every generated AST is accepted by the JSON reader, and JSON round-trips', () => {
    check(astArb, (ast) => {
      const r = fromJson(JSON.stringify(toJson(ast)));
      expect(r.diagnostics).toEqual([]);
      expect(r.ast).toEqual(ast);
    });
  });

  test('printing is a fixed point on parsed text, even text with errors', () => {
    check(fc.tuple(astArb, mutationsArb), ([ast, muts]) => {
      const once = printPolicy(parse(mutate(printPolicy(ast), muts)).ast);
      expect(printPolicy(parse(once).ast)).toBe(once);
    });
  });

  test('lowering the printed text gives the same IR, properties and diagnostic codes', () => {
    check(astArb, (ast) => {
      const text = printPolicy(ast);
      const a = compilePolicyText(text, { file: 'p.policy', load: () => '' });
      const b = compilePolicyText(printPolicy(parse(text).ast), { file: 'p.policy', load: () => '' });
      expect(stripSpans(b.policy)).toEqual(stripSpans(a.policy));
      expect(stripSpans(b.properties)).toEqual(stripSpans(a.properties));
      expect(b.diagnostics.map((d) => d.code)).toEqual(a.diagnostics.map((d) => d.code));
    }, 500);
  });
});
