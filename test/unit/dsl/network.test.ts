/** The `network` statement: parsing, diagnostics, printing and lowering (spec/policy-language.md §8.1). */
import { describe, expect, it } from 'vitest';
import { parse, printPolicy, renderDiagnostic } from '../../../src/dsl/index.js';
import { decideNetwork } from '../../../src/rules/network.js';
import { compile, errors, HEADER, where } from './helpers.js';

describe('network statements', () => {
  it('lower to the IR in document order, `*` as every scope', () => {
    const r = compile(`${HEADER}network allow loopback,abstract\nnetwork deny * errno ENETUNREACH because "offline"\n`);
    expect(errors(r)).toEqual([]);
    expect(r.policy.network?.map(({ span, ...n }) => ({ ...n, line: span.line }))).toEqual([
      { effect: 'allow', scopes: ['loopback', 'abstract'], line: 2 },
      { effect: 'deny', scopes: ['loopback', 'inet', 'abstract'], errno: 'ENETUNREACH', because: 'offline', line: 3 },
    ]);
  });

  it('a policy without one has no network, whatever its default', () => {
    const r = compile(`${HEADER}default allow\n`);
    expect(r.policy.network).toBeUndefined();
    expect(decideNetwork(r.policy, 'loopback')).toEqual({ allowed: false, errno: 'EACCES' });
  });

  it('a deny decides before an allow; inet covers loopback', () => {
    const p = compile(`${HEADER}network allow inet\nnetwork deny loopback errno EPERM\n`).policy;
    expect(decideNetwork(p, 'loopback')).toEqual({ allowed: false, errno: 'EPERM', statement: 1 });
    expect(decideNetwork(p, 'inet')).toEqual({ allowed: true, statement: 0 });
    expect(decideNetwork(p, 'abstract')).toEqual({ allowed: false, errno: 'EACCES' });
  });

  it('reports unknown scopes with a caret and a did-you-mean, errno on allow, unknown clauses', () => {
    const text = `${HEADER}network allow lopback\nnetwork allow inet errno EPERM\nnetwork deny inet errrno EPERM\nnetwork maybe inet\n`;
    const r = compile(text);
    expect(where(r.diagnostics)).toEqual(['FW108@2:15', 'FW107@3:26', 'FW003@4:19', 'FW004@5:9']);
    const scope = r.diagnostics.find((d) => d.code === 'FW108')!;
    expect(renderDiagnostic(scope, text)).toBe([
      'p.policy:2:15: error[FW108]: unknown network scope `lopback`',
      '2 | network allow lopback',
      '  |               ^^^^^^^',
      '  = help: did you mean `loopback`?',
    ].join('\n'));
  });

  it('is a top-level statement only', () => {
    expect(where(compile(`${HEADER}tier 1 { network allow inet }\n`).diagnostics)).toEqual(['FW006@2:10']);
  });

  it('prints back to the same AST', () => {
    const text = `${HEADER}network allow loopback,inet\nnetwork deny abstract errno EPERM because "no abstract sockets"\n`;
    const a = parse(text).ast;
    expect(printPolicy(a)).toBe(text);
  });
});
