import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/lsp/analysis.js';
import { hover } from '../../src/lsp/hover.js';
import { readSpecDocs } from '../../src/lsp/spec-docs.js';
import type { MarkupContent } from 'vscode-languageserver';

const docs = readSpecDocs();
const text = (line: string, word: string, offset = 1): string => {
  const a = analyze(`policy "p" abi 1\n${line}\n`, '/p.policy', {}, () => undefined);
  const h = hover(a, docs, line, line.indexOf(word) + offset, 1);
  return h ? (h.contents as MarkupContent).value : '';
};

describe('hover', () => {
  it('on an open flag gives its value; on an access mode says it is not a flag', () => {
    expect(text('allow create /a when flags has O_EXCL', 'O_EXCL')).toBe('**`O_EXCL`** (0o200, x86-64): an open flag; `when flags has` / `when flags lacks` test it');
    expect(text('test "t" { expect allow openat(AT_FDCWD, "/a", O_RDWR) }', 'O_RDWR')).toContain('an access mode, not a flag');
  });
  it("on a test call's syscall gives the rights it needs, by the spec's row (pread64 is `pread*`)", () => {
    expect(text('test "t" { expect allow pread64(3, "", 1, 0) }', 'pread64')).toBe("**`pread64`**: the fd's object\n\nneeds: `read`");
    expect(text('test "t" { expect allow mkdirat(AT_FDCWD, "/a", 0777) }', 'mkdirat')).toContain('needs: `mkdir`');
  });
  it('on `rename` gives both ends; on `*` every right', () => {
    const r = text('allow rename /a', 'rename');
    expect(r).toContain('**right `rename-from`**');
    expect(r).toContain('**right `rename-to`**');
    expect(r).toContain('`renameat2`');
    expect(text('allow * /a', '*', 0)).toContain('read, write, append');
  });
  it('on chmod, one right of a shared row of the spec, says what that one guards', () => {
    expect(text('allow chmod /a', 'chmod')).toMatch(/^\*\*right `chmod`\*\*: changing mode\n/);
  });
  it('on an undefined variable says so', () => {
    expect(text('allow read $NOPE', '$NOPE')).toContain('not defined (FW201)');
  });
});
