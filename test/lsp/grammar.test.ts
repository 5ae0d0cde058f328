import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from '../../src/dsl/parser.js';
import { grammarJson, policyGrammar } from '../../src/lsp/grammar.js';
import { INNER_KEYWORDS } from '../../src/lsp/vocabulary.js';
import { CLAUSE_KEYWORDS } from '../../src/dsl/names.js';
import { scoped, tokenizeLine } from './tokenize.js';

const FILE = new URL('../../editors/vscode/syntaxes/fdwarden.tmLanguage.json', import.meta.url);
const rules = policyGrammar().patterns;

describe('the TextMate grammar', () => {
  it('is the committed file (regenerate with node scripts/gen-grammar.mjs)', () => {
    expect(readFileSync(FILE, 'utf8')).toBe(grammarJson());
  });

  it('has only flat match rules whose regexes JavaScript and Oniguruma read alike', () => {
    const g = JSON.parse(readFileSync(FILE, 'utf8')) as { scopeName: string; fileTypes: string[]; patterns: object[] };
    expect(g.scopeName).toBe('source.fdwarden');
    expect(g.fileTypes).toEqual(['policy']);
    for (const r of g.patterns) {
      expect(Object.keys(r).sort()).toEqual(['match', 'name']);
      const { match, name } = r as { match: string; name: string };
      expect(name).toMatch(/^(comment|string|keyword|constant|variable|entity|support|invalid|punctuation)\.[a-z.-]+\.fdwarden$/);
      expect(() => new RegExp(match)).not.toThrow();
      expect(() => new RegExp(match, 'u')).not.toThrow();
      // Anchors and syntax only Oniguruma knows, possessive quantifiers, inline options.
      expect(match).not.toMatch(/\\[AGzZhH]|[*+?}][+]|\(\?[imx-]+[):]/);
      // Lookbehinds must have a fixed length for Oniguruma: one class or literal, no quantifier.
      for (const lb of match.matchAll(/\(\?<[=!]((?:\\.|\[(?:\\.|[^\]])*\]|[^()])*)\)/g)) {
        expect(lb[1]).not.toMatch(/(?<!\\)[*+?{]/);
      }
    }
  });

  it('scopes a rule, a let, a test call and a comment', () => {
    expect(scoped(rules, 'allow read,rename-to under $SRC/**/*.{ts,json} except /a#b # note')).toEqual([
      'allow:keyword.control', 'read:support.constant.right', ',:punctuation.separator',
      'rename-to:support.constant.right', 'under:keyword.other', '$SRC:variable.other',
      '/**/*.{ts,json}:string.unquoted.path', 'except:keyword.other', '/a#b:string.unquoted.path',
      '# note:comment.line.number-sign',
    ]);
    expect(scoped(rules, 'deny * "/srv/My Documents" when flags has O_EXCL when type dir errno EROFS because "ro"')).toEqual([
      'deny:keyword.control', '*:constant.language.all', '"/srv/My Documents":string.quoted.double',
      'when:keyword.other', 'flags:keyword.other', 'has:keyword.other', 'O_EXCL:support.constant.flag',
      'when:keyword.other', 'type:keyword.other', 'dir:constant.language.file-type',
      'errno:keyword.other', 'EROFS:support.constant.errno', 'because:keyword.other', '"ro":string.quoted.double',
    ]);
    expect(scoped(rules, 'let $TMP = ["/tmp", "/var/tmp"]')).toEqual([
      'let:keyword.control', '$TMP:variable.other', '=:keyword.operator.assignment', '[:punctuation.definition.list',
      '"/tmp":string.quoted.double', ',:punctuation.separator', '"/var/tmp":string.quoted.double', ']:punctuation.definition.list',
    ]);
    expect(scoped(rules, '  expect deny ENOENT rename(AT_FDCWD, "/a", O_RDONLY|O_CREAT, 0644)')).toEqual([
      'expect:keyword.control', 'deny:keyword.control', 'ENOENT:support.constant.errno',
      'rename:entity.name.function.syscall', 'AT_FDCWD:constant.other', ',:punctuation.separator',
      '"/a":string.quoted.double', ',:punctuation.separator', 'O_RDONLY:support.constant.flag',
      '|:keyword.operator.bitwise', 'O_CREAT:support.constant.flag', ',:punctuation.separator', '0644:constant.numeric',
    ]);
    expect(scoped(rules, 'policy "p" abi 1; tier 2 { allow read /a }')).toEqual([
      'policy:keyword.control', '"p":string.quoted.double', 'abi:keyword.other', '1:constant.numeric',
      ';:punctuation.separator', 'tier:keyword.control', '2:constant.numeric', '{:punctuation.section.block',
      'allow:keyword.control', 'read:support.constant.right', '/a:string.unquoted.path', '}:punctuation.section.block',
    ]);
    expect(scoped(rules, 'network allow loopback,abstract')).toEqual([
      'network:keyword.control', 'allow:keyword.control', 'loopback:constant.language.network-scope',
      ',:punctuation.separator', 'abstract:constant.language.network-scope',
    ]);
    expect(scoped(rules, 'allow read "/a\\"b')).toEqual([
      'allow:keyword.control', 'read:support.constant.right', '"/a\\"b:invalid.illegal.unterminated-string',
    ]);
    expect(scoped(rules, 'allow read /x/[$]y ${A}_old')).toEqual([
      'allow:keyword.control', 'read:support.constant.right', '/x/[$]y:string.unquoted.path', '${A}:variable.other',
    ]);
    expect(scoped(rules, 'allow read /*/*/x; expect allow execve("/bin/cc", ["cc"], 0x7ffd /* 3 vars */)')).toEqual([
      'allow:keyword.control', 'read:support.constant.right', '/*/*/x:string.unquoted.path', ';:punctuation.separator',
      'expect:keyword.control', 'allow:keyword.control', 'execve:entity.name.function.syscall', '"/bin/cc":string.quoted.double',
      ',:punctuation.separator', '[:punctuation.definition.list', '"cc":string.quoted.double', ']:punctuation.definition.list',
      ',:punctuation.separator', '0x7ffd:constant.numeric', '/* 3 vars */:comment.block',
    ]);
    // A word only resembling a keyword is not one.
    expect(scoped(rules, 'allowed reads deny-x')).toEqual([]);
  });

  it('gives every word of the shipped policies a scope', () => {
    const dir = new URL('../../examples/policies/', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.policy'));
    expect(files.length).toBeGreaterThan(2);
    for (const f of files) {
      for (const line of readFileSync(new URL(f, dir), 'utf8').split('\n')) {
        const bare = tokenizeLine(line, rules).filter((t) => t.scope === undefined && /[A-Za-z0-9]/.test(t.text));
        expect(bare.map((t) => `${f}: ${t.text} in ${line}`)).toEqual([]);
      }
    }
  });

  it("highlights as keywords exactly the fixed words the parser requires where they stand", () => {
    const uses: Record<string, [string, string]> = {
      abi: ['policy "p" abi 1', 'policy "p" abx 1'],
      flags: ['policy "p" abi 1\nallow read /a when flags has O_EXCL', 'policy "p" abi 1\nallow read /a when flagz has O_EXCL'],
      has: ['policy "p" abi 1\nallow read /a when flags has O_EXCL', 'policy "p" abi 1\nallow read /a when flags hat O_EXCL'],
      lacks: ['policy "p" abi 1\nallow read /a when flags lacks O_EXCL', 'policy "p" abi 1\nallow read /a when flags lack O_EXCL'],
      type: ['policy "p" abi 1\nallow read /a when type dir', 'policy "p" abi 1\nallow read /a when typ dir'],
    };
    const fixed = INNER_KEYWORDS.filter((k) => !(CLAUSE_KEYWORDS as readonly string[]).includes(k));
    expect(fixed.sort()).toEqual(Object.keys(uses).sort());
    for (const [word, [good, bad]] of Object.entries(uses)) {
      expect(parse(good).diagnostics, word).toEqual([]);
      expect(parse(bad).diagnostics.length, word).toBeGreaterThan(0);
    }
  });
});
