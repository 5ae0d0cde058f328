// One call written as text (a policy's test block, `fdwarden explain`): non-ASCII characters are
// the UTF-8 bytes a program would pass, so a policy naming `/tmp/é.txt` matches its own test.
import { describe, expect, test } from 'vitest';
import { compilePolicyText, engineFor, judgeSingle } from '../../../src/index.js';

const policy = (text: string) => {
  const c = compilePolicyText(text, { file: 'p.policy' });
  if (!c.ok) throw new Error(JSON.stringify(c.diagnostics));
  return engineFor(c.policy);
};

describe('judgeSingle reads a call\'s text as UTF-8', () => {
  const engine = policy('policy "u" abi 1\ndefault deny errno EACCES\nallow read under /tmp/é.txt\nallow * under /w/日本\n');

  test.each([
    ['openat(AT_FDCWD, "/tmp/é.txt", O_RDONLY)', true],
    ['openat(AT_FDCWD, "/tmp/\\xc3\\xa9.txt", O_RDONLY)', true],
    // The single byte 0xe9 (latin-1 é) is another name.
    ['openat(AT_FDCWD, "/tmp/\\xe9.txt", O_RDONLY)', false],
    ['openat(AT_FDCWD, "/tmp/e.txt", O_RDONLY)', false],
    ['mkdirat(AT_FDCWD, "/w/日本/x", 0755)', true],
  ])('%s', (call, allowed) => {
    const open = call.indexOf('(');
    const r = judgeSingle(engine, call.slice(0, open), call.slice(open + 1, -1));
    expect(r.ok && r.verdict.allowed).toBe(allowed);
  });

  test('a relative path resolves against a cwd written as text', () => {
    const r = judgeSingle(engine, 'mkdirat', 'AT_FDCWD, "x", 0755', '/w/日本');
    expect(r.ok && r.verdict.allowed).toBe(true);
  });
});
