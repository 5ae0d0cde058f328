/**
 * `fdwarden lsp` driven as an editor drives it: the built CLI as a child process, a real LSP
 * client connection over its stdio. Diagnostics must be `fdwarden check`'s for the same text.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  CodeActionRequest, CompletionRequest, DefinitionRequest, DocumentFormattingRequest, HoverRequest,
  type CodeAction, type CompletionItem, type CompletionList, type Hover, type Location, type MarkupContent, type TextEdit,
} from 'vscode-languageserver-protocol/node';
import { parse, printPolicy } from '../../src/dsl/index.js';
import { tempDir } from '../temp-dirs.js';
import { TestClient, uriOf } from './client.js';

const CLI = join(import.meta.dirname, '../../bin/fdwarden.js');

const BROKEN = [
  'policy "main" abi 1',
  'include "base.policy"',
  'let $WORK = "/srv/default"',
  'allow raed,write under $WROK',
  'deny delete under $WORK/.git errno EROFS',
  'allow read under $BASE',
  '',
].join('\n');
const FIXED = BROKEN.replace('raed,write under $WROK', 'read,write under $WORK');

/** Where `needle` starts on line `line` of `text` (+ `offset`), as an LSP position. */
function at(text: string, line: number, needle: string, offset = 1): { line: number; character: number } {
  const i = text.split('\n')[line]!.indexOf(needle);
  if (i < 0) throw new Error(`${needle} not on line ${line}`);
  return { line, character: i + offset };
}

describe('fdwarden lsp', () => {
  let dir: string;
  let client: TestClient;
  let main: string;

  beforeAll(async () => {
    dir = tempDir('fdwarden-lsp-');
    writeFileSync(join(dir, 'base.policy'), 'policy "base" abi 1\nlet $BASE = ["/usr", "/lib"]\nallow read,list under /etc\n');
    writeFileSync(join(dir, 'bad.policy'), 'allow raed /x\n');
    main = join(dir, 'main.policy');
    writeFileSync(main, BROKEN);
    client = new TestClient();
    const init = await client.initialize({ vars: ['WORK=/srv/work'] });
    expect(init.capabilities).toMatchObject({ hoverProvider: true, definitionProvider: true, documentFormattingProvider: true });
    await client.open(uriOf(main), BROKEN);
  });

  afterAll(async () => {
    if (client.child.exitCode === null) client.child.kill();
  });

  it("publishes check's diagnostics: the same codes, places, severities and messages", async () => {
    const got = (await client.diagnostics(uriOf(main))).diagnostics;
    const r = spawnSync(process.execPath, [CLI, 'check', '--json', '--var', 'WORK=/srv/work', main], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    const results = JSON.parse(r.stdout) as { filePath: string; messages: { ruleId: string; severity: number; message: string; help?: string; line: number; column: number; endLine: number; endColumn: number }[] }[];
    const want = results.find((x) => x.filePath === main)!.messages;
    expect(want.map((m) => m.ruleId)).toEqual(['FW102', 'FW201']);
    expect(got.map((d) => ({
      ruleId: d.code, severity: d.severity === 1 ? 2 : 1, message: String(d.message).split('\nhelp: ')[0], help: String(d.message).split('\nhelp: ')[1],
      line: d.range.start.line + 1, column: d.range.start.character + 1, endLine: d.range.end.line + 1, endColumn: d.range.end.character + 1,
    }))).toEqual(want);
    expect(got[0]!.message).toContain('did you mean `read`?');
    expect(got[1]!.message).toContain('did you mean `$WORK`?');
    expect(got.every((d) => d.source === 'fdwarden')).toBe(true);
  });

  it('reports a problem of an included file on its include line, with the place itself as related information', async () => {
    const uri = uriOf(join(dir, 'inc.policy'));
    await client.open(uri, 'policy "inc" abi 1\ninclude "bad.policy"\n');
    const [d, ...rest] = (await client.diagnostics(uri)).diagnostics;
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ code: 'FW102', severity: 1, range: { start: { line: 1, character: 0 }, end: { line: 1, character: 20 } } });
    expect(d!.relatedInformation).toEqual([{ location: { uri: uriOf(join(dir, 'bad.policy')), range: { start: { line: 0, character: 6 }, end: { line: 0, character: 10 } } }, message: 'unknown right `raed` in abi 1' }]);
  });

  it('publishes no diagnostics once the text is fixed', async () => {
    await client.replace(uriOf(main), FIXED);
    expect((await client.diagnostics(uriOf(main))).diagnostics).toEqual([]);
  });

  it('checks a document again when a file it includes changes in the editor, and when that file is closed', async () => {
    const base = uriOf(join(dir, 'base.policy'));
    let seen = client.published.length;
    await client.open(base, 'policy "base" abi 1\nallow read,list under /etc\n');
    const d = (await client.diagnosticsAfter(uriOf(main), seen)).diagnostics;
    expect(d.map((x) => [x.code, x.range.start.line])).toEqual([['FW201', 5]]);
    seen = client.published.length;
    await client.close(base);
    expect((await client.diagnosticsAfter(uriOf(main), seen)).diagnostics).toEqual([]);
  });

  it("offers the did-you-mean as a quick fix that replaces just the word", async () => {
    const uri = uriOf(join(dir, 'typo.policy'));
    const text = 'policy "t" abi 1\nlet $WORK = "/w"\nallow raed under $WROK\ndeny write /a errno EROSF\n';
    await client.open(uri, text);
    const diagnostics = (await client.diagnostics(uri)).diagnostics;
    expect(diagnostics.map((d) => d.code)).toEqual(['FW603', 'FW102', 'FW201', 'FW103']);
    const actions = await client.conn.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 4, character: 0 } }, context: { diagnostics } }) as CodeAction[];
    expect(actions.map((a) => a.title)).toEqual(['Change `raed` to `read`', 'Change `$WROK` to `$WORK`', 'Change `EROSF` to `EROFS`']);
    const fixed = TextDocument.applyEdits(TextDocument.create(uri, 'fdwarden', 1, text), actions.flatMap((a) => a.edit!.changes![uri]!));
    expect(fixed).toBe('policy "t" abi 1\nlet $WORK = "/w"\nallow read under $WORK\ndeny write /a errno EROFS\n');
  });

  const hoverText = async (position: { line: number; character: number }): Promise<string> => {
    const h = await client.conn.sendRequest(HoverRequest.type, { textDocument: { uri: uriOf(main) }, position }) as Hover | null;
    return h === null ? '' : (h.contents as MarkupContent).value;
  };

  it('hovers a right with what it guards and the syscalls that need it', async () => {
    const h = await hoverText(at(FIXED, 3, 'read'));
    expect(h).toContain("**right `read`**: reading a file's data");
    expect(h).toMatch(/`openat`.*`read`/);
    expect(h).toContain('`pread*`');
  });

  it('hovers an errno with its number and strerror text', async () => {
    expect(await hoverText(at(FIXED, 4, 'EROFS'))).toBe('**`EROFS`** (30): Read-only file system');
  });

  it("hovers a variable with its definition and values, the settings' override first", async () => {
    const work = await hoverText(at(FIXED, 3, '$WORK'));
    expect(work).toContain('`fdwarden.vars` setting (as `--var`): `/srv/work`');
    expect(work).toContain('`let $WORK = "/srv/default"`');
    expect(work).toContain('values: `/srv/work`');
    const base = await hoverText(at(FIXED, 5, '$BASE', 3));
    expect(base).toContain(`\`let $BASE = ["/usr", "/lib"]\` (${join(dir, 'base.policy')}:2)`);
    expect(base).toContain('values: `/usr`, `/lib`');
  });

  it('answers no hover on a path', async () => {
    expect(await hoverText(at(FIXED, 4, '.git'))).toBe('');
  });

  describe('completion', () => {
    const TEXT = 'policy "c" abi 1\ninclude "base.policy"\nlet $WORK = "/w"\nallow \nallow read $\n\ntest "t" {\n  \n}\ndeny write /a errno \n';
    const uri = (): string => uriOf(join(dir, 'complete.policy'));
    const labels = async (line: number, character: number): Promise<string[]> => {
      const r = await client.conn.sendRequest(CompletionRequest.type, { textDocument: { uri: uri() }, position: { line, character } }) as CompletionItem[] | CompletionList | null;
      return (Array.isArray(r) ? r : r?.items ?? []).map((i) => i.label);
    };
    beforeAll(async () => {
      await client.open(uri(), TEXT);
      await client.diagnostics(uri());
    });

    it('offers the rights (and `*`) after allow', async () => {
      const l = await labels(3, 6);
      expect(l).toEqual(expect.arrayContaining(['read', 'write', 'rename-from', 'rename', '*']));
      expect(l).not.toContain('EACCES');
    });
    it('offers the variables, the included and the set ones, after `$`', async () => {
      expect((await labels(4, 12)).sort()).toEqual(['$BASE', '$WORK']);
    });
    it('offers the statements of the block the line is in', async () => {
      expect(await labels(5, 0)).toEqual(expect.arrayContaining(['allow', 'deny', 'include', 'let', 'policy', 'tier', 'test', 'network']));
      expect(await labels(7, 2)).toEqual(['expect']);
    });
    it('offers the errnos after `errno`', async () => {
      const l = await labels(9, 20);
      expect(l).toEqual(expect.arrayContaining(['EACCES', 'ENOENT', 'EROFS']));
      expect(l).not.toContain('read');
    });
  });

  describe('go to definition', () => {
    const def = async (position: { line: number; character: number }): Promise<Location[]> =>
      await client.conn.sendRequest(DefinitionRequest.type, { textDocument: { uri: uriOf(main) }, position }) as Location[];

    it("of a variable: its `let`, in the file that has it", async () => {
      expect(await def(at(FIXED, 5, '$BASE', 2))).toEqual([{ uri: uriOf(join(dir, 'base.policy')), range: { start: { line: 1, character: 0 }, end: { line: 1, character: 28 } } }]);
      expect(await def(at(FIXED, 4, '$WORK', 2))).toEqual([{ uri: uriOf(main), range: { start: { line: 2, character: 0 }, end: { line: 2, character: 26 } } }]);
    });
    it('of an include: the file it names', async () => {
      expect(await def(at(FIXED, 1, 'base'))).toEqual([{ uri: uriOf(join(dir, 'base.policy')), range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } }]);
    });
  });

  describe('formatting', () => {
    const formatted = async (name: string, text: string): Promise<{ edits: TextEdit[]; result: string }> => {
      const uri = uriOf(join(dir, name));
      await client.open(uri, text);
      const edits = await client.conn.sendRequest(DocumentFormattingRequest.type, { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } }) as TextEdit[];
      return { edits, result: TextDocument.applyEdits(TextDocument.create(uri, 'fdwarden', 1, text), edits) };
    };

    it("gives printPolicy's text", async () => {
      const text = 'policy   "f"  abi 1\ndefault   deny errno   EACCES\nlet $A = [ "/a" ,\n  "/b" ]\nallow   read,write    under $A   /c\ntier 1 {\n allow read "/x"\n}\ntest "t" { expect allow openat(AT_FDCWD, "/a", O_RDONLY) }\n';
      const { result } = await formatted('fmt.policy', text);
      expect(result).toBe(printPolicy(parse(text).ast));
    });
    it('keeps comments and blank lines, and leaves a block holding a comment as written', async () => {
      const text = 'policy "f" abi 1\n# about a\nallow   read /a  # trailing\n\ntier 1 {\n  # inside\n  allow   read /b\n}\n';
      const { result } = await formatted('fmt-comments.policy', text);
      expect(result).toBe('policy "f" abi 1\n# about a\nallow read /a  # trailing\n\ntier 1 {\n  # inside\n  allow   read /b\n}\n');
    });
    it('refuses a document with errors', async () => {
      expect((await formatted('fmt-broken.policy', 'policy "f" abi 1\nallow   raed /a\n')).edits).toEqual([]);
    });
  });

  it('survives garbage, bad requests and an odd, huge document', async () => {
    // A body that is not JSON, then requests it cannot serve.
    client.child.stdin.write('Content-Length: 9\r\n\r\n{garbage}');
    await expect(client.conn.sendRequest('fdwarden/none', {})).rejects.toThrow();
    expect(await client.conn.sendRequest(HoverRequest.type, { textDocument: { uri: 'file:///nowhere.policy' }, position: { line: 0, character: 0 } })).toBeNull();
    await client.conn.sendRequest('textDocument/hover', { textDocument: { uri: uriOf(main) }, position: { line: -4, character: 'x' } }).catch(() => undefined);
    const odd = [
      'policy "odd" abi 1',
      ...Array.from({ length: 3000 }, (_, i) => `allow read,write under /srv/p${i}/{a,b}/** except /srv/p${i}/x`),
      '{'.repeat(100_000),
      `allow read /${'a'.repeat(200_000)}`,
      'allow read "unterminated \\',
      '\u0000\u0001\uD800 \uDC00 😀 $ ${ ${} $$ ]]] ))) ;;;',
      'tier 99999999999999999 { allow read /x',
      'let $L = [' + '"/x",'.repeat(5000),
      'deny * $L/$L/$L',
    ].join('\r\n');
    const uri = uriOf(join(dir, 'odd.policy'));
    await client.open(uri, odd);
    const d = (await client.diagnostics(uri)).diagnostics;
    expect(d.length).toBeGreaterThan(0);
    expect(d.some((x) => x.code === 'FW002')).toBe(true);
    expect(await hoverText(at(FIXED, 4, 'EROFS'))).toContain('EROFS');
    const fmt = await client.conn.sendRequest(DocumentFormattingRequest.type, { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } });
    expect(fmt).toEqual([]);
    expect(client.child.exitCode).toBeNull();
  });

  it('shuts down and exits cleanly', async () => {
    expect(await client.stop()).toBe(0);
    expect(client.stderr.join('')).toBe('');
  });
});
