/**
 * Random policies and requests for the matcher's property tests. Paths are biased towards the
 * policy's own literal names and near misses of them (a character more or less, a dot in front,
 * another case), plus names full of glob metacharacters that a path must never be read as.
 */
import fc from 'fast-check';
import type { IrPolicy, IrRule, RuleWhen } from '../../../src/rules/ir.js';
import type { Query } from '../../../src/rules/decide.js';
import { SPAN } from './helpers.js';

export const SEED = Number(process.env['FDWARDEN_SEED'] ?? 0x5eed_2026);

/** Rights used by generated rules: few, so that rules collide often. */
export const RIGHTS_USED = 0b1111;
export const FLAGS = [0o1, 0o2, 0o200, 0o1000];
const TYPES = ['file', 'dir', 'symlink'] as const;

const LITERALS = ['a', 'b', 'ab', '.ssh', 'x.ts', '.git', 'src', 'b-c', '*', '[a]', '\xe9', 'a\\b'];
/** Wildcard segments, each with names that match it. */
const WILD_EXAMPLES: Record<string, string[]> = {
  '*': ['a', '.ssh', 'x.ts'],
  '?': ['a', '*'],
  '*.ts': ['x.ts', '.ts'],
  'a*': ['a', 'ab'],
  '.*': ['.git', '.x'],
  '[ab]': ['a', 'b'],
  '[!a]*': ['b', '.ssh', '!'],
  '[^.]*': ['src', '^'],
  '[a-c]?': ['ab', 'c.'],
  '*b*': ['b', 'abc'],
  '?*': ['x'],
  '[*]*': ['*', '*a'],
  '\\*': ['\\', '\\x'],
  'x[!.]': ['xa', 'x!'],
  '[]a]': [']', 'a'],
  '*s*c': ['sc', '.ssrc'],
};
const WILDS = Object.keys(WILD_EXAMPLES);
const POOL = ['a', 'b', 'ab', 'c', 'x.ts', '.ts', '.x', 'ssh', 'src', 'srcs', '-', '[a]', '*', '?', 'ba', 'a.tsx', '\xe9', ']', 'sac', '\\'];

/** A literal name as a pattern segment: metacharacters as one-member classes. */
export function escapeName(name: string): string {
  return [...name].map((c) => ('*?['.includes(c) ? `[${c}]` : c)).join('');
}

/** Undoes escapeName. */
function unescapeName(seg: string): string {
  let out = '';
  for (let i = 0; i < seg.length; i++) {
    if (seg[i] === '[' && seg[i + 2] === ']' && '*?['.includes(seg[i + 1]!)) {
      out += seg[i + 1];
      i += 2;
    } else out += seg[i];
  }
  return out;
}

/** A pattern that matches exactly `path`. */
export function literalPattern(path: string): string {
  return path === '/' ? '/' : '/' + path.slice(1).split('/').map(escapeName).join('/');
}

const segmentArb = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...LITERALS).map(escapeName) },
  { weight: 3, arbitrary: fc.constantFrom(...WILDS) },
  { weight: 2, arbitrary: fc.constant('**') },
);

export const patternArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant('/') },
  { weight: 12, arbitrary: fc.array(segmentArb, { minLength: 1, maxLength: 4 }).map((s) => '/' + s.join('/')) },
);

const whenArb: fc.Arbitrary<RuleWhen> = fc
  .record(
    { flagsHas: fc.subarray(FLAGS, { maxLength: 2 }), flagsLacks: fc.subarray(FLAGS, { maxLength: 1 }), type: fc.constantFrom(...TYPES) },
    { requiredKeys: [] },
  )
  .map((w) => w as RuleWhen);

type RuleBody = Omit<IrRule, 'id' | 'span'>;

export const ruleBodyArb: fc.Arbitrary<RuleBody> = fc
  .record({
    effect: fc.constantFrom<'allow' | 'deny'>('allow', 'deny'),
    tier: fc.constantFrom(0, 0, 0, 1, 2),
    rights: fc.integer({ min: 0, max: RIGHTS_USED }),
    patterns: fc.array(patternArb, { minLength: 1, maxLength: 2 }),
    except: fc.oneof({ weight: 3, arbitrary: fc.constant<string[]>([]) }, { weight: 1, arbitrary: fc.array(patternArb, { minLength: 1, maxLength: 2 }) }),
    errno: fc.option(fc.constantFrom('ENOENT', 'EROFS', 'EPERM'), { nil: undefined }),
    when: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: whenArb }),
  })
  .map((r) => {
    const body: RuleBody = { effect: r.effect, tier: r.tier, rights: r.rights, patterns: r.patterns, except: r.except };
    if (r.errno !== undefined) body.errno = r.errno;
    if (r.when !== undefined) body.when = r.when;
    return body;
  });

export function withId(body: RuleBody, id: number): IrRule {
  return { ...body, id, span: SPAN };
}

export const policyArb: fc.Arbitrary<IrPolicy> = fc
  .record({
    rules: fc.array(ruleBodyArb, { maxLength: 8 }),
    def: fc.constantFrom<'allow' | 'deny'>('allow', 'deny', 'deny'),
    unknown: fc.constantFrom<'allow' | 'deny'>('allow', 'deny'),
  })
  .map(({ rules, def, unknown }) => ({
    abi: 1,
    default: { effect: def, errno: 'EACCES' },
    unknown: { effect: unknown, errno: 'EPERM' },
    rules: rules.map(withId),
  }));

/** Literal names in a policy's patterns, unescaped, and near misses of them. */
export function namesOf(p: IrPolicy): string[] {
  const names = new Set(POOL);
  for (const r of p.rules) {
    for (const pat of [...r.patterns, ...r.except]) {
      for (const seg of pat.split('/')) {
        if (seg === '' || seg === '**') continue;
        for (const e of WILD_EXAMPLES[seg] ?? []) names.add(e);
        const lit = unescapeName(seg);
        for (const n of [lit, lit + 'x', lit.slice(1), '.' + lit, lit.toUpperCase(), [...lit].map((c) => ('*?[]!^'.includes(c) ? 'a' : c)).join('')]) {
          if (n !== '' && n !== '.' && n !== '..') names.add(n);
        }
      }
    }
  }
  return [...names];
}

export function pathArb(names: string[], maxDepth = 5): fc.Arbitrary<string> {
  return fc.array(fc.constantFrom(...names), { maxLength: maxDepth }).map((s) => '/' + s.join('/'));
}

/** Paths that match one of the policy's patterns, by construction. */
export function instanceArb(p: IrPolicy, names: string[]): fc.Arbitrary<string> {
  const patterns = p.rules.flatMap((r) => [...r.patterns, ...r.except]);
  if (patterns.length === 0) return pathArb(names);
  const name = fc.constantFrom(...names);
  return fc.constantFrom(...patterns).chain((pat) => {
    const segs = pat === '/' ? [] : pat.slice(1).split('/');
    const parts = segs.map((seg, i) => {
      if (seg === '**') return fc.array(name, { minLength: i === segs.length - 1 ? 1 : 0, maxLength: 2 });
      const examples = WILD_EXAMPLES[seg];
      return examples ? fc.constantFrom(...examples).map((e) => [e]) : fc.constant([unescapeName(seg)]);
    });
    return fc.tuple(...parts).map((xs) => '/' + xs.flat().join('/'));
  });
}

export function queryArb(names: string[], paths: fc.Arbitrary<string> = pathArb(names)): fc.Arbitrary<Query> {
  return fc
    .record(
      {
        path: fc.option(paths, { nil: undefined, freq: 15 }),
        rights: fc.integer({ min: 1, max: RIGHTS_USED | 0b10000 }),
        type: fc.constantFrom(...TYPES),
        flags: fc.integer({ min: 0, max: 0o1777 }),
      },
      { requiredKeys: ['path', 'rights'] },
    )
    .map((q) => q as Query);
}

/** A policy with requests drawn from its own names. */
export function policyPathArb(p: IrPolicy): fc.Arbitrary<string> {
  const names = namesOf(p);
  return fc.oneof({ weight: 1, arbitrary: pathArb(names) }, { weight: 3, arbitrary: instanceArb(p, names) });
}

export const policyWithQueries = policyArb.chain((p) =>
  fc.tuple(fc.constant(p), fc.array(queryArb(namesOf(p), policyPathArb(p)), { minLength: 1, maxLength: 25 })),
);
