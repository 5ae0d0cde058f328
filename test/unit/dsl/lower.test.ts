/** AST → IR: the exact IrPolicy for each construct, and the inline tests collected. */
import { describe, expect, test } from 'vitest';
import { varsFromArgs } from '../../../src/dsl/index.js';
import { unusedVar } from '../../../src/dsl/vars-used.js';
import { allRights, bit } from '../../../src/rules/rights.js';
import { O_CREAT, O_EXCL, O_TRUNC } from '../../../src/linux/index.js';
import { HEADER, compile, errors, where } from './helpers.js';

function ok(text: string, opts: Parameters<typeof compile>[1] = {}) {
  const r = compile(text, opts);
  expect(errors(r), JSON.stringify(r.diagnostics, null, 1)).toEqual([]);
  return r;
}

describe('lowering', () => {
  test('the whole IR of a small policy', () => {
    const r = ok(`policy "box" abi 1
default deny errno EPERM
unknown allow
allow read,rename under /srv
deny write /srv/*.lock except /srv/keep.lock when flags has O_TRUNC when type file errno EROFS because "locks"
tier 3 { allow write /srv/a.lock }
`);
    expect(r.policy).toEqual({
      name: 'box', abi: 1,
      default: { effect: 'deny', errno: 'EPERM', span: { file: 'p.policy', line: 2, col: 1, endLine: 2, endCol: 25 } },
      unknown: { effect: 'allow', errno: 'EACCES' },
      rules: [
        { id: 0, effect: 'allow', tier: 0, rights: bit('read') | bit('rename-from') | bit('rename-to'), patterns: ['/srv', '/srv/**'], except: [],
          span: { file: 'p.policy', line: 4, col: 1, endLine: 4, endCol: 29 } },
        { id: 1, effect: 'deny', tier: 0, rights: bit('write'), patterns: ['/srv/*.lock'], except: ['/srv/keep.lock'],
          when: { flagsHas: [O_TRUNC], type: 'file' }, errno: 'EROFS', because: 'locks',
          span: { file: 'p.policy', line: 5, col: 1, endLine: 5, endCol: 111 } },
        { id: 2, effect: 'allow', tier: 3, rights: bit('write'), patterns: ['/srv/a.lock'], except: [],
          span: { file: 'p.policy', line: 6, col: 10, endLine: 6, endCol: 33 } },
      ],
    });
  });

  test('defaults when nothing is said: deny EACCES for both', () => {
    const r = ok(HEADER);
    expect(r.policy.default).toEqual({ effect: 'deny', errno: 'EACCES' });
    expect(r.policy.unknown).toEqual({ effect: 'deny', errno: 'EACCES' });
  });

  test('`*` is every right of the abi; rights keep no unknown bits', () => {
    expect(ok(`${HEADER}allow * /a`).policy.rules[0]?.rights).toBe(allRights(1));
  });

  test('flags conditions carry x86-64 values, merged and deduplicated', () => {
    const r = ok(`${HEADER}allow create /a when flags has O_CREAT,O_EXCL when flags has O_CREAT when flags lacks O_TRUNC`);
    expect(r.policy.rules[0]?.when).toEqual({ flagsHas: [O_CREAT, O_EXCL], flagsLacks: [O_TRUNC] });
  });

  test('variables: lists, cartesian products, ${X}, nested definitions', () => {
    const r = ok(`${HEADER}let $TMP = ["/tmp", "/var/tmp"]
let $EXT = ["c", "h"]
let $OUT = "$TMP/out"
allow read $TMP/*.\${EXT} $OUT
`);
    expect(r.policy.rules[0]?.patterns).toEqual(['/tmp/*.c', '/tmp/*.h', '/var/tmp/*.c', '/var/tmp/*.h', '/tmp/out', '/var/tmp/out']);
  });

  test('an empty list makes a pattern expand to nothing', () => {
    expect(ok(`${HEADER}let $NONE = []\nallow read $NONE/x /y`).policy.rules[0]?.patterns).toEqual(['/y']);
  });

  test('--var overrides replace or add variables (with or without `$`)', () => {
    const text = `${HEADER}let $ROOT = "/srv"\nallow read under $ROOT $EXTRA\n`;
    const r = ok(text, { vars: { ROOT: ['/a', '/b'], $EXTRA: '/c/*' } });
    expect(r.policy.rules[0]?.patterns).toEqual(['/a', '/a/**', '/b', '/b/**', '/c/*']);
    expect(where(compile(`${HEADER}allow read $EXTRA`).diagnostics)).toEqual(['FW201@2:12']);
  });

  test('braces: nested, empty alternatives, one alternative', () => {
    expect(ok(`${HEADER}allow read /a/{b,c{d,e}}/{x}.{c,} `).policy.rules[0]?.patterns)
      .toEqual(['/a/b/x.c', '/a/b/x.', '/a/cd/x.c', '/a/cd/x.', '/a/ce/x.c', '/a/ce/x.']);
  });

  test('classes are opaque to braces and variables', () => {
    expect(ok(`${HEADER}allow read "/a/[{]x[$][,]"`).policy.rules[0]?.patterns).toEqual(['/a/[{]x[$][,]']);
  });

  test('normalisation: `//`, `.`, trailing `/`; `under /` is `/` and `/**`', () => {
    expect(ok(`${HEADER}allow read //a/./b// /./ \nallow read under /`).policy.rules.map((r) => r.patterns))
      .toEqual([['/a/b', '/'], ['/', '/**']]);
  });

  test('patterns are deduplicated within a rule', () => {
    expect(ok(`${HEADER}allow read /a /a/ /{a,a} under /a`).policy.rules[0]?.patterns).toEqual(['/a', '/a/**']);
  });

  test('non-ASCII characters lower to UTF-8 bytes; `\\` stays an ordinary character', () => {
    const r = ok(`${HEADER}allow read /café "/a\\\\b"`);
    expect(r.policy.rules[0]?.patterns).toEqual(['/caf\u00c3\u00a9', '/a\\b']);
  });

  test('expansion limit counts variables and braces together', () => {
    const tenVals = JSON.stringify(Array.from({ length: 10 }, (_, i) => `/d${i}`));
    expect(ok(`${HEADER}let $V = ${tenVals}\nallow read $V/{a,b,c,d,e,f,g,h,i,j}`).policy.rules[0]?.patterns).toHaveLength(100);
    const r = compile(`${HEADER}let $V = ${tenVals}\nallow read $V/{a,b,c,d,e,f,g,h,i,j}/{a,b,c,d,e,f,g,h,i,j,k}`);
    expect(where(errors(r))).toEqual(['FW306@3:12']);
    expect(where(errors(compile(`${HEADER}allow read /a`, { maxExpansions: 0 })))).toEqual(['FW306@2:12']);
  });

  test('rule ids are indexes in document order, includes spliced in place', () => {
    const r = ok(`${HEADER}allow read /0\ninclude "lib/a.policy"\ntier 1 { allow read /3 }\nallow read /4\n`, {
      file: 'dir/p.policy',
      files: {
        'dir/lib/a.policy': 'policy "lib" abi 1\nallow read /1\ninclude "../b.policy"\ninclude "../b.policy"\n',
        'dir/b.policy': 'allow read /2\n',
      },
    });
    expect(r.policy.rules.map((x) => [x.id, x.patterns[0], x.tier, x.span.file]))
      .toEqual([[0, '/0', 0, 'dir/p.policy'], [1, '/1', 0, 'dir/lib/a.policy'], [2, '/2', 0, 'dir/b.policy'], [3, '/3', 1, 'dir/p.policy'], [4, '/4', 0, 'dir/p.policy']]);
  });

  test('an include cycle is reported once, at the include that closes it', () => {
    const r = compile(`${HEADER}include "a.policy"\n`, { files: { 'a.policy': 'include "b.policy"\n', 'b.policy': 'include "a.policy"\n' } });
    expect(r.diagnostics.map((d) => `${d.code} ${d.span.file}:${d.span.line} ${d.message}`))
      .toEqual(['FW402 b.policy:1 include cycle: a.policy → b.policy → a.policy']);
  });

  test('variables are shared across included files', () => {
    const r = ok(`${HEADER}include "v.policy"\nallow read $LIB/x\n`, { files: { 'v.policy': 'let $LIB = "/lib"\n' } });
    expect(r.policy.rules[0]?.patterns).toEqual(['/lib/x']);
  });

  test('an included file for another abi is refused', () => {
    const r = compile(`${HEADER}include "a.policy"\n`, { files: { 'a.policy': 'policy "a" abi 2\n' } });
    expect(where(errors(r))).toEqual(['FW403@1:1']);
  });

  test('without a loader an include is an error, not a crash', () => {
    expect(where(compile(`${HEADER}include "a.policy"\n`).diagnostics)).toEqual(['FW401@2:1']);
  });

  test('a loader that throws is reported', () => {
    const r = compile(`${HEADER}include "a.policy"\n`, { load: () => { throw new Error('EACCES: permission denied'); } });
    expect(r.diagnostics[0]?.message).toBe('cannot include `a.policy`: EACCES: permission denied');
  });
});

describe('tests', () => {
  test('each expect is kept with its decision, errno, call, syscall and span', () => {
    const r = ok(`${HEADER}test "git" {\n  expect deny EROFS unlinkat(AT_FDCWD, "/srv/.git/HEAD", 0)\n  expect allow openat(AT_FDCWD, "/srv/x", O_RDONLY)\n}\n`);
    expect(r.tests).toEqual([{
      name: 'git',
      span: { file: 'p.policy', line: 2, col: 1, endLine: 5, endCol: 2 },
      expects: [
        { decision: 'deny', errno: 'EROFS', call: 'unlinkat(AT_FDCWD, "/srv/.git/HEAD", 0)', syscall: 'unlinkat', argsText: 'AT_FDCWD, "/srv/.git/HEAD", 0',
          span: { file: 'p.policy', line: 3, col: 3, endLine: 3, endCol: 60 } },
        { decision: 'allow', call: 'openat(AT_FDCWD, "/srv/x", O_RDONLY)', syscall: 'openat', argsText: 'AT_FDCWD, "/srv/x", O_RDONLY',
          span: { file: 'p.policy', line: 4, col: 3, endLine: 4, endCol: 52 } },
      ],
    }]);
  });

  test('variables in a call\'s strings take their values (and --var), one value each', () => {
    const text = `${HEADER}let $H = "/home/u"\nlet $L = ["/a", "/b"]\n`
      + 'test "v" {\n  expect allow openat(AT_FDCWD, "$H/.x", O_RDONLY)\n  expect allow openat(AT_FDCWD, "${H}y $ \\x24H", O_RDONLY)\n}\n';
    const calls = (r: ReturnType<typeof ok>) => r.tests[0]!.expects.map((e) => [e.call, e.argsText]);
    expect(calls(ok(text))).toEqual([
      ['openat(AT_FDCWD, "/home/u/.x", O_RDONLY)', 'AT_FDCWD, "/home/u/.x", O_RDONLY'],
      // `${H}` too; a `$` that starts no name and an escaped one stay as written.
      ['openat(AT_FDCWD, "/home/uy $ \\x24H", O_RDONLY)', 'AT_FDCWD, "/home/uy $ \\x24H", O_RDONLY'],
    ]);
    expect(calls(ok(text, { vars: varsFromArgs(['H=/home/me']).vars }))[0]![0]).toBe('openat(AT_FDCWD, "/home/me/.x", O_RDONLY)');
    // Outside strings a `$` is nothing to expand (and the call keeps its shape).
    const bad = compile(`${HEADER}let $L = ["/a", "/b"]\ntest "t" {\n  expect allow openat(AT_FDCWD, "$L/x", O_RDONLY)\n  expect allow openat(AT_FDCWD, "$NOPE/x", O_RDONLY)\n}\n`);
    expect(where(errors(bad))).toEqual(['FW506@4:34', 'FW201@5:34']);
    expect(errors(bad)[0]!.message).toBe('`$L` has 2 values; a call in a test names one path');
  });

  test('a misspelt flag in a call is FW104 with a did-you-mean, not a dropped flag', () => {
    const r = compile(`${HEADER}test "t" {\n  expect deny openat(AT_FDCWD, "/x", O_RDONLY|O_CRAET)\n  expect allow renameat2(AT_FDCWD, "/a", AT_FDCWD, "/b", RENAME_NOREPLAC)\n}\n`);
    expect(where(errors(r))).toEqual(['FW104@3:47', 'FW104@4:58']);
    expect(errors(r)[0]!.message).toBe('unknown flag `O_CRAET`');
    expect(errors(r)[0]!.help).toBe('did you mean `O_CREAT`?');
    // Known names of every table, numbers and NULL pass.
    expect(errors(compile(`${HEADER}test "t" {\n  expect allow openat(AT_FDCWD, "/x", O_RDONLY|O_CLOEXEC|0x8000)\n  expect allow unlinkat(AT_FDCWD, "/d", AT_REMOVEDIR)\n  expect allow utimensat(AT_FDCWD, "/x", NULL, 0)\n}\n`))).toEqual([]);
  });

  test('errno checks apply to expects too', () => {
    const r = compile(`${HEADER}test "t" { expect allow EPERM openat(AT_FDCWD, "/x", O_RDONLY) ; expect deny EPRM unlink("/x") }`);
    expect(where(errors(r))).toEqual(['FW107@2:25', 'FW103@2:78']);
  });
});

describe('warnings', () => {
  test('a deny of a higher tier shadows any rule; a same-tier allow shadows nothing', () => {
    const r = compile(`${HEADER}allow write /a/b\ntier 1 { deny write,read /a/** }\nallow write /c\nallow write,read /c/**\n`);
    expect(where(r.diagnostics)).toEqual(['FW601@2:1']);
  });

  test('a deny whose except carves the rule out, or with a narrower condition, shadows nothing', () => {
    expect(compile(`${HEADER}deny write /a/** except /a/b\nallow write /a/b\n`).diagnostics).toEqual([]);
    // An except elsewhere leaves the rule covered (the automaton sees it; the text check did not).
    expect(where(compile(`${HEADER}deny write /a/** except /a/x\nallow write /a/b\n`).diagnostics)).toEqual(['FW601@3:1']);
    expect(compile(`${HEADER}deny write /a/** when type dir\nallow write /a/b\n`).diagnostics).toEqual([]);
    expect(where(compile(`${HEADER}deny write /a/** when type dir\nallow write /a/b when type dir\n`).diagnostics)).toEqual(['FW601@3:1']);
  });

  test('a later deny with the same errno is dead; with another errno it is not', () => {
    expect(where(compile(`${HEADER}deny write /a/**\ndeny write /a/b\n`).diagnostics)).toEqual(['FW601@3:1']);
    expect(compile(`${HEADER}deny write /a/**\ndeny write /a/b errno EROFS\n`).diagnostics).toEqual([]);
  });

  test('over-broad grants name the rights', () => {
    const r = compile(`${HEADER}allow read,delete /**\nallow read under /\n`);
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([['FW602', 'this allow grants delete on `/**`, that is on every path']]);
  });
});

describe('--var arguments', () => {
  test('repeated names make lists; bad arguments are diagnostics', () => {
    const r = varsFromArgs(['TMP=/tmp', '$TMP=/var/tmp', 'X=', 'nope', '1A=/x']);
    expect(r.vars).toEqual({ TMP: ['/tmp', '/var/tmp'], X: [''] });
    expect(r.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual(['FW204 invalid --var `nope`', 'FW204 invalid --var `1A=/x`']);
  });

  test('an override named with `$` is the variable without it, when compiling and when checking it is used', () => {
    const text = `${HEADER}let $ROOT = "/srv"\nallow read $ROOT/**\n`;
    const r = compile(text, { vars: { $ROOT: ['/data'] } });
    expect(errors(r)).toEqual([]);
    expect(r.policy.rules.map((x) => x.patterns)).toEqual([['/data/**']]);
    expect(compile(text, { vars: { ROOT: ['/data'] } }).policy.rules.map((x) => x.patterns)).toEqual([['/data/**']]);
    expect(unusedVar({ $ROOT: ['/data'] }, r)).toBeUndefined();
    expect(unusedVar({ $ROTO: ['/data'] }, r)).toMatch(/^--var ROTO: no variable \$ROTO in p\.policy/);
  });
});
