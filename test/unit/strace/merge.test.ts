import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CallMerger, mergeLines, type Happening } from '../../../src/strace/merge.js';
import { parseStraceLine, type StraceLine } from '../../../src/strace/line.js';
import { parseArgPieces } from '../../../src/strace/args.js';
import { stripAnnotations } from '../../../src/strace/annotations.js';
import { loadTraces } from './traces.js';

const parse = (lines: string[]): StraceLine[] => lines.map((l, i) => parseStraceLine(l, i + 1));
const brief = (h: Happening): string => {
  switch (h.kind) {
    case 'entry': case 'exit': return `${h.kind}:${h.call.name}#${h.call.id}@${h.line.lineNo}`;
    case 'abandoned': return `abandoned:${h.call.name}:${h.reason}`;
    default: return `${h.kind}@${h.line.lineNo}`;
  }
};

describe('CallMerger', () => {
  it('pairs halves across other pids and emits in log order', () => {
    const hs = [...mergeLines(parse([
      '100 rt_sigprocmask(SIG_SETMASK, [],  <unfinished ...>',
      '200 close(3) = 0',
      '100 <... rt_sigprocmask resumed>NULL, 8) = 0',
    ]))];
    expect(hs.map(brief)).toEqual(['entry:rt_sigprocmask#1@1', 'entry:close#2@2', 'exit:close#2@2', 'exit:rt_sigprocmask#1@3']);
    const exit = hs[3];
    if (exit?.kind !== 'exit') throw new Error('exit expected');
    const c = exit.call;
    expect(c).toMatchObject({ pid: 100, exitPid: 100, split: true, result: { value: 0 } });
    expect(c.entry).toEqual({ text: 'SIG_SETMASK, [], ', at: 19, lineNo: 1 });
    expect(c.exit).toEqual({ text: 'NULL, 8', at: 32, lineNo: 3 });
    const args = parseArgPieces(c.entry, c.exit!);
    expect(args.map((a) => [a.text, a.part, a.at])).toEqual([['SIG_SETMASK', 0, 19], ['[]', 0, 32], ['NULL', 1, 32], ['8', 1, 38]]);
    const entry = hs[0];
    expect(entry?.kind === 'entry' && entry.call.result).toBe(undefined);
  });

  it('reports unmatched, replaced, mismatched and exited calls', () => {
    const hs = [...mergeLines(parse([
      '1 <... read resumed>"", 1) = 0',
      '2 read(3,  <unfinished ...>',
      '2 close(3) = 0',
      '3 wait4(-1,  <unfinished ...>',
      '3 <... read resumed>"", 1) = 0',
      '4 futex(0x1, FUTEX_WAIT, 0, NULL <unfinished ...>',
      '4 +++ exited with 0 +++',
      '5 getpid( <unfinished ...>',
      '--- SIGCHLD {si_signo=SIGCHLD} ---',
      'garbage',
    ]))];
    expect(hs.map(brief)).toEqual([
      'unmatched@1',
      'entry:read#1@2', 'abandoned:read:replaced', 'entry:close#2@3', 'exit:close#2@3',
      'entry:wait4#3@4', 'abandoned:wait4:mismatch', 'unmatched@5',
      'entry:futex#4@6', 'abandoned:futex:process-exit', 'event@7',
      'entry:getpid#5@8', 'event@9', 'malformed@10',
      'abandoned:getpid:end',
    ]);
  });

  it('follows an execve by a non-leader thread to the leader pid', () => {
    const m = new CallMerger();
    const out: Happening[] = [];
    for (const l of parse([
      '7511 futex(0x7f, FUTEX_WAIT, 7512, NULL <unfinished ...>',
      '7512 execve("/bin/true", ["true"], 0x7ffd /* 3 vars */ <unfinished ...>',
      '7511 +++ superseded by execve in pid 7512 +++',
      '7511 <... execve resumed>) = 0',
    ])) m.push(l, out);
    expect(out.map(brief)).toEqual([
      'entry:futex#1@1', 'entry:execve#2@2', 'abandoned:futex:superseded', 'event@3', 'exit:execve#2@4',
    ]);
    const last = out[4];
    expect(last?.kind === 'exit' && [last.call.pid, last.call.exitPid]).toEqual([7512, 7511]);
    expect(m.pending).toBe(0);
  });

  it('never throws and accounts for every call', () => {
    const line = fc.tuple(fc.constantFrom(1, 2, 3), fc.constantFrom('read', 'close', 'execve'), fc.nat(6))
      .map(([pid, name, k]) => [
        `${pid} ${name}(3) = 0`, `${pid} ${name}(3,  <unfinished ...>`, `${pid} <... ${name} resumed>) = 0`,
        `${pid} +++ exited with 0 +++`, `${pid} +++ superseded by execve in pid ${1 + (k % 3)} +++`, `${pid} ???`,
        `${pid} --- SIGCHLD {} ---`,
      ][k] ?? '');
    fc.assert(fc.property(fc.array(line, { maxLength: 40 }), (lines) => {
      const hs = [...mergeLines(parse(lines))];
      const entries = new Set<number>();
      const ends = new Set<number>();
      let lastLine = 0;
      for (const h of hs) {
        if (h.kind === 'entry') entries.add(h.call.id);
        if (h.kind === 'exit' || h.kind === 'abandoned') {
          expect(ends.has(h.call.id)).toBe(false);
          expect(entries.has(h.call.id)).toBe(true);
          ends.add(h.call.id);
        }
        expect(h.kind === 'malformed' && h.line.reason === 'merge error').toBe(false);
        if (h.kind !== 'abandoned') {
          expect(h.line.lineNo).toBeGreaterThanOrEqual(lastLine);
          lastLine = h.line.lineNo;
        }
      }
      expect(ends).toEqual(entries);
    }), { numRuns: 2000 });
  });
});

const traces = loadTraces();

describe.skipIf(traces.length === 0)('shared traces', () => {
  it('every <unfinished ...> finds its resumed half', () => {
    let split = 0;
    for (const t of traces) {
      const kinds: Record<string, number> = {};
      for (const h of mergeLines(t.lines.map((l, i) => parseStraceLine(stripAnnotations(l), i + 1)))) {
        kinds[h.kind] = (kinds[h.kind] ?? 0) + 1;
        if (h.kind === 'exit' && h.call.split) {
          split++;
          expect(h.call.exit?.lineNo).toBeGreaterThan(h.call.entry.lineNo);
          expect(h.call.exitPid).toBe(h.call.pid);
        }
      }
      expect(kinds.unmatched ?? 0).toBe(0);
      expect(kinds.abandoned ?? 0).toBe(0);
      expect(kinds.entry).toBe(kinds.exit);
    }
    expect(split).toBe(350);
  });
});
