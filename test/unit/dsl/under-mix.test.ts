import { describe, expect, it } from 'vitest';
import { compilePolicyText, renderDiagnostic } from '../../../src/dsl/index.js';

describe('FW604: a plain path after an `under` target', () => {
  it('warns where `under` was probably meant, with a caret and a help line', () => {
    const text = 'policy "x" abi 1\nallow read under /a /b /c/*.txt under /d\n';
    const c = compilePolicyText(text, { file: 'u.policy' });
    const w = c.diagnostics.filter((d) => d.code === 'FW604');
    expect(w.map((d) => [d.span.line, d.span.col])).toEqual([[2, 21]]);
    expect(renderDiagnostic(w[0]!, text)).toBe([
      'u.policy:2:21: warning[FW604]: `/b` is just that path: `under` applies only to the pattern right after it',
      '2 | allow read under /a /b /c/*.txt under /d',
      '  |                     ^^',
      '  = help: write `under /b` to include everything below it too',
    ].join('\n'));
    expect(c.ok).toBe(true);
  });

  it('stays quiet when every directory has its own `under`, or no `under` is used', () => {
    const c = compilePolicyText('policy "x" abi 1\nallow read under /a under /b\nallow stat /x /y\n', { file: 'u.policy' });
    expect(c.diagnostics.filter((d) => d.code === 'FW604')).toEqual([]);
  });
});
