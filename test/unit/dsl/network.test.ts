/** The `network` statement: parsing, diagnostics, printing and lowering (spec/policy-language.md §8.1). */
import { describe, expect, it } from 'vitest';
import { parse, printPolicy, renderDiagnostic } from '../../../src/dsl/index.js';
import { decideNetwork } from '../../../src/rules/network.js';
import { engineFor } from '../../../src/rules/engine.js';
import { judge } from '../../../src/rules/judge.js';
import { explain, renderExplanation } from '../../../src/rules/explain.js';
import type { Request } from '../../../src/rules/requests.js';
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

  it('a second errno or because is FW011, as on a rule; a missing value is FW004', () => {
    const text = `${HEADER}network deny inet errno EPERM errno EIO\nnetwork deny inet because "a" because "b"\ndeny read /x because "a" because "b"\nnetwork deny inet errno\n`;
    const r = compile(text);
    expect(r.diagnostics.map((d) => `${d.code}@${d.span?.line}:${d.span?.col} ${d.message}`)).toEqual([
      'FW011@2:31 a `network` statement has at most one `errno`',
      'FW011@3:31 a `network` statement has at most one `because`',
      'FW011@4:26 a rule has at most one `because`',
      'FW004@5:24 expected an errno such as `EACCES`, found end of line',
    ]);
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

  it('explain names the statement that decided a connect, or says none did', () => {
    const text = `${HEADER}default allow\nnetwork allow loopback\nnetwork deny abstract errno EPERM because "shared by the machine"\n`;
    const p = compile(text).policy;
    const lines = text.split('\n');
    const connect = (classes: ('loopback' | 'inet' | 'abstract')[], what: string): string => {
      const req: Request = { syscall: 'connect', checks: [{ role: 'network', object: { path: undefined, exists: false, steps: [] }, rights: 0, network: { classes, what } }] };
      return renderExplanation(explain(p, judge(engineFor(p), req)), (s) => lines[s.line - 1]);
    };
    expect(connect(['loopback'], 'the loopback address 127.0.0.1:80')).toBe([
      'connect: allowed',
      '  network: the loopback address 127.0.0.1:80 (needs loopback)',
      '    allowed by network statement at p.policy:3:1',
      '        network allow loopback',
    ].join('\n'));
    expect(connect(['abstract'], 'the abstract socket')).toContain('denied EPERM by network statement at p.policy:4:1: "shared by the machine"');
    expect(connect(['inet'], 'the network address 10.0.0.1:80')).toBe([
      'connect: denied with EACCES',
      '  network: the network address 10.0.0.1:80 (needs inet)',
      '    denied EACCES: no `network` statement allows it',
      '  would allow it: network allow inet',
    ].join('\n'));
  });
});
