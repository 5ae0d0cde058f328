/**
 * fast-check arbitraries for the policy language: ASTs the printer must round-trip, and the
 * raw material (tokens, mutations) of the fuzz test.
 */
import fc from 'fast-check';
import type {
  Condition, Expect, Fallback, Header, Item, LetItem, Name, NetworkItem, Pattern, PolicyAst, PropertyItem, PropertyPromise, RuleItem, Target,
  TestItem, TierItem,
} from '../../../src/dsl/index.js';
import { RIGHTS_ABI1 } from '../../../src/rules/rights.js';

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_';
const IDENT_TAIL = `${LETTERS}0123456789-`;

export const identArb: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(...LETTERS), fc.string({ unit: fc.constantFrom(...IDENT_TAIL), maxLength: 8 }))
  .map(([a, b]) => a + b);

export const varNameArb: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(...LETTERS), fc.string({ unit: fc.constantFrom(...LETTERS, ...'0123456789'), maxLength: 6 }))
  .map(([a, b]) => a + b);

/** Any text, with the characters that matter to the lexer made common (lone surrogates too). */
export const textArb: fc.Arbitrary<string> = fc.string({
  unit: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('/', '*', '?', '[', ']', '!', '{', '}', ',', '$', '.', ' ', '"', '\\', '#', ';', '\n', '\r', '\t', '\0', '\x7f', '\uD800', '\uDC00', 'é', '😀', 'a', 'b') },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  ),
  maxLength: 16,
});

const SEGMENTS = ['a', 'src', '.git', '*', '**', '?', '*.{c,h}', '[!.]*', '[a-z]', '$TMP', '${X}y', 'x y', '.', '..', ''];

/** Pattern text: mostly path-like, sometimes anything. */
export const patternTextArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.array(fc.constantFrom(...SEGMENTS), { minLength: 0, maxLength: 4 }).map((s) => `/${s.join('/')}`) },
  { weight: 1, arbitrary: fc.constantFrom('$TMP', '$TMP/**', '/', '"') },
  { weight: 1, arbitrary: textArb },
);

const spanless = <T extends object>(x: T): T => x;

const nameArb = (choices: readonly string[]): fc.Arbitrary<Name> =>
  fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...choices) }, { weight: 1, arbitrary: identArb }).map((name) => ({ name }));

const patternArb: fc.Arbitrary<Pattern> = patternTextArb.map((text) => ({ text }));
const targetArb: fc.Arbitrary<Target> = fc.record({ under: fc.boolean(), pattern: patternArb });

const conditionArb: fc.Arbitrary<Condition> = fc.oneof(
  fc.record({
    kind: fc.constant('flags' as const),
    op: fc.constantFrom('has' as const, 'lacks' as const),
    flags: fc.array(nameArb(['O_TRUNC', 'O_CREAT', 'O_EXCL', 'O_APPEND', 'O_DIRECTORY']), { minLength: 1, maxLength: 3 }),
  }),
  fc.record({ kind: fc.constant('type' as const), type: nameArb(['file', 'dir', 'symlink', 'fifo', 'socket', 'device']) }),
);

const errnoArb: fc.Arbitrary<Name> = nameArb(['EACCES', 'EPERM', 'ENOENT', 'EROFS']);
const effectArb = fc.constantFrom('allow' as const, 'deny' as const);

const rightsArb: fc.Arbitrary<Name[]> = fc.array(fc.oneof(nameArb([...RIGHTS_ABI1, 'rename']), fc.constant({ name: '*' })), { minLength: 1, maxLength: 3 });

export const ruleArb: fc.Arbitrary<RuleItem> = fc
  .record({
    effect: effectArb,
    rights: rightsArb,
    targets: fc.array(targetArb, { minLength: 1, maxLength: 3 }),
    except: fc.array(targetArb, { maxLength: 2 }),
    when: fc.array(conditionArb, { maxLength: 2 }),
    errno: fc.option(errnoArb, { nil: undefined }),
    because: fc.option(textArb, { nil: undefined }),
  })
  .map(({ errno, because, ...r }) => {
    const rule: RuleItem = { kind: 'rule', ...r };
    if (errno) rule.errno = errno;
    if (because !== undefined) rule.because = because;
    return spanless(rule);
  });

/** A string argument as strace prints it. */
const straceString: fc.Arbitrary<string> = fc
  .string({ unit: fc.constantFrom('a', '/', '.', ' ', '"', '\\', ')', '(', ';', '#', '}', '\n'), maxLength: 10 })
  .map((s) => `"${s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, '\\n')}"`);

export const callArb: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom('openat', 'unlinkat', 'renameat2', 'mkdirat', 'execve', 'bogus_call'),
    fc.array(fc.oneof(fc.constantFrom('AT_FDCWD', '0', 'O_RDONLY|O_CLOEXEC', '{flags=O_RDONLY, resolve=0}', '[1, 2]', 'NULL'), straceString), { maxLength: 4 }),
  )
  .map(([name, args]) => `${name}(${args.join(', ')})`);

const expectArb: fc.Arbitrary<Expect> = fc
  .record({ decision: effectArb, errno: fc.option(errnoArb, { nil: undefined }), call: callArb })
  .map(({ errno, ...e }) => (errno ? { ...e, errno } : e));

const letArb: fc.Arbitrary<LetItem> = fc.oneof(
  fc.record({ kind: fc.constant('let' as const), name: varNameArb, list: fc.constant(false), values: fc.tuple(patternArb).map((v) => [...v]) }),
  fc.record({ kind: fc.constant('let' as const), name: varNameArb, list: fc.constant(true), values: fc.array(patternArb, { maxLength: 3 }) }),
);

const tierArb: fc.Arbitrary<TierItem> = fc.record({
  kind: fc.constant('tier' as const),
  tier: fc.oneof(fc.nat(5), fc.constant(0x7fffffff)),
  rules: fc.array(ruleArb, { maxLength: 3 }),
});

const testArb: fc.Arbitrary<TestItem> = fc.record({ kind: fc.constant('test' as const), name: textArb, expects: fc.array(expectArb, { maxLength: 3 }) });

const promiseArb: fc.Arbitrary<PropertyPromise> = fc.record({
  kind: fc.constantFrom('never' as const, 'always' as const, 'only' as const),
  rights: rightsArb,
  target: targetArb,
});

export const propertyArb: fc.Arbitrary<PropertyItem> = fc.record({
  kind: fc.constant('property' as const), name: textArb, promises: fc.array(promiseArb, { maxLength: 3 }),
});

export const networkArb: fc.Arbitrary<NetworkItem> = fc
  .record({
    effect: effectArb,
    scopes: fc.array(fc.oneof(nameArb(['loopback', 'inet', 'abstract']), fc.constant({ name: '*' })), { minLength: 1, maxLength: 3 }),
    errno: fc.option(errnoArb, { nil: undefined }),
    because: fc.option(textArb, { nil: undefined }),
  })
  .map(({ errno, because, ...r }) => {
    const n: NetworkItem = { kind: 'network', ...r };
    if (errno) n.errno = errno;
    if (because !== undefined) n.because = because;
    return n;
  });

export const itemArb: fc.Arbitrary<Item> = fc.oneof(
  { weight: 4, arbitrary: ruleArb },
  { weight: 1, arbitrary: letArb },
  { weight: 1, arbitrary: textArb.map((path) => ({ kind: 'include' as const, path })) },
  { weight: 1, arbitrary: tierArb },
  { weight: 1, arbitrary: testArb },
  { weight: 1, arbitrary: propertyArb },
  { weight: 1, arbitrary: networkArb },
);

const fallbackArb: fc.Arbitrary<Fallback> = fc
  .record({ effect: effectArb, errno: fc.option(errnoArb, { nil: undefined }) })
  .map(({ errno, effect }) => (errno ? { effect, errno } : { effect }));

const headerArb: fc.Arbitrary<Header> = fc.record({ name: textArb, abi: fc.oneof(fc.constant(1), fc.nat()) });

export const astArb: fc.Arbitrary<PolicyAst> = fc
  .record({
    header: fc.option(headerArb, { nil: undefined }),
    default: fc.option(fallbackArb, { nil: undefined }),
    unknown: fc.option(fallbackArb, { nil: undefined }),
    items: fc.array(itemArb, { maxLength: 6 }),
  })
  .map(({ header, default: d, unknown, items }) => {
    const ast: PolicyAst = { items };
    if (header) ast.header = header;
    if (d) ast.default = d;
    if (unknown) ast.unknown = unknown;
    return ast;
  });

/** Tokens of the grammar (and near misses) for random statements. */
export const TOKENS = [
  'policy', 'abi', 'default', 'unknown', 'allow', 'deny', 'let', 'include', 'tier', 'test', 'expect', 'property', 'never', 'always', 'only', 'under', 'except',
  'when', 'flags', 'has', 'lacks', 'type', 'errno', 'because', 'read', 'write,create', 'rename', '*', ',', ';', '{', '}',
  '[', ']', '=', '|', '1', '0', '99999999999999999999', 'EACCES', 'EROFS', 'O_TRUNC', 'O_RDONLY', 'dir', 'file', '$TMP',
  '$', '${', '/srv/**', '/a/**b', '/{a,b', '/[z-a]', '/a/../b', '//./', '"/quoted path"', '"unterminated', '"bad\\q"',
  '"\\u{110000}"', '"p"', 'openat(AT_FDCWD, "/x", O_RDONLY)', 'unlinkat(', 'bogus()', '#', '# comment', '\n', '\r\n', '\t',
  '\0', 'é', '😀', '\uD800', '\x01', 'alow', 'raed',
];

export const tokenTextArb: fc.Arbitrary<string> = fc
  .array(fc.tuple(fc.constantFrom(...TOKENS), fc.constantFrom(' ', ' ', '', '\n')), { maxLength: 40 })
  .map((ts) => ts.map(([t, s]) => t + s).join(''));

type Mutation = { op: 'insert' | 'delete' | 'replace' | 'dup'; at: number; len: number; text: string };

const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom('insert' as const, 'delete' as const, 'replace' as const, 'dup' as const),
  at: fc.nat(),
  len: fc.nat(12),
  text: fc.oneof(textArb, fc.constantFrom(...TOKENS)),
});

/** Apply random edits (positions taken modulo the length) to a text. */
export function mutate(text: string, muts: readonly Mutation[]): string {
  let t = text;
  for (const m of muts) {
    const at = t.length === 0 ? 0 : m.at % (t.length + 1);
    switch (m.op) {
      case 'insert': t = t.slice(0, at) + m.text + t.slice(at); break;
      case 'delete': t = t.slice(0, at) + t.slice(at + m.len); break;
      case 'replace': t = t.slice(0, at) + m.text + t.slice(at + m.text.length); break;
      case 'dup': t = t.slice(0, at + m.len) + t.slice(at, at + m.len) + t.slice(at + m.len); break;
    }
  }
  return t;
}

export const mutationsArb: fc.Arbitrary<Mutation[]> = fc.array(mutationArb, { minLength: 1, maxLength: 5 });
