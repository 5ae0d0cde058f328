import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { argsOffset, findClose, parseStraceLine, type StraceLine } from '../../../src/strace/line.js';
import { stripAnnotations } from '../../../src/strace/annotations.js';
import { loadTraces } from './traces.js';

function call(line: string): Extract<StraceLine, { kind: 'call' }> {
  const p = parseStraceLine(line, 7);
  if (p.kind !== 'call') throw new Error(`not a call: ${JSON.stringify(p)}`);
  return p;
}

/** Spans point at the right text. */
function checkSpans(line: string, p: StraceLine): void {
  if (p.embedded) return;
  if ('nameAt' in p) expect(line.slice(p.nameAt, p.nameAt + p.name.length)).toBe(p.name);
  if ('argsText' in p) expect(line.slice(p.argsAt, p.argsAt + p.argsText.length)).toBe(p.argsText);
  if ('result' in p) expect(line.slice(p.result.at, p.result.at + p.result.text.length)).toBe(p.result.text);
}

describe('prefixes and timestamps', () => {
  it.each([
    ['28735 close(3) = 0', 28735],
    ['3392  close(3) = 0', 3392],
    ['[pid  1234] close(3) = 0', 1234],
    ['[pid 12345] close(3) = 0', 12345],
    ['close(3) = 0', undefined],
    ['12:34:56 close(3) = 0', undefined],
    ['12:34:56.123456 close(3) = 0', undefined],
    ['1700000000.123456 close(3) = 0', undefined],
    ['     0.000123 close(3) = 0', undefined],
    ['28735 12:34:56.123456 close(3) = 0', 28735],
    ['[pid  1234] 1700000000.123456 close(3) = 0', 1234],
  ])('%s', (line, pid) => {
    const p = call(line);
    expect(p.pid).toBe(pid);
    expect(p.name).toBe('close');
    expect(p.argsText).toBe('3');
    expect(p.lineNo).toBe(7);
    checkSpans(line, p);
  });
});

describe('results', () => {
  it('plain, negative, hex, unknown and errno results', () => {
    const padded = 'close(3)                          = 0';
    expect(call(padded).result).toEqual({ text: '0', at: padded.length - 1, value: 0, unknown: false, errno: undefined });
    const e = call('access("/etc/ld.so.preload", R_OK) = -1 ENOENT (No such file or directory)').result;
    expect(e).toMatchObject({ value: -1, errno: 'ENOENT', unknown: false, text: '-1 ENOENT (No such file or directory)' });
    const h = call('fcntl(3, F_GETFL) = 0x38800 (flags O_RDONLY|O_NONBLOCK|O_LARGEFILE|O_NOFOLLOW|O_DIRECTORY)').result;
    expect(h).toMatchObject({ value: 0x38800, errno: undefined });
    expect(call('exit_group(0)                     = ?').result).toMatchObject({ unknown: true, value: undefined, text: '?' });
    const r = call('read(0, 0x7ffd, 10) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)').result;
    expect(r).toMatchObject({ unknown: true, errno: 'ERESTARTSYS' });
    expect(call('brk(NULL) = 0x55b10b889000').result.value).toBe(0x55b10b889000);
    expect(call('poll([{fd=3, events=POLLIN}], 1, 0) = 0 (Timeout)').result).toMatchObject({ value: 0, text: '0 (Timeout)' });
  });

  it('drops a -T duration', () => {
    const line = 'openat(AT_FDCWD, "x", O_RDONLY) = 3 <0.000123>';
    const p = call(line);
    expect(p.result).toMatchObject({ text: '3', value: 3 });
    checkSpans(line, p);
    expect(call('read(3, "", 1) = -1 EAGAIN (Resource temporarily unavailable) <0.000010>').result.errno).toBe('EAGAIN');
  });
});

describe('argument lists', () => {
  it('finds the closing paren past strings, escapes, comments and nesting', () => {
    const line = 'execve("/bin/sh", ["sh", "-c", "echo \\")\\" (x"], 0x7ffc /* 3 vars ) */) = 0';
    expect(call(line).argsText).toBe('"/bin/sh", ["sh", "-c", "echo \\")\\" (x"], 0x7ffc /* 3 vars ) */');
    expect(call('wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 28767').argsText)
      .toBe('-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL');
    expect(call('getpid() = 5').argsText).toBe('');
    expect(findClose('a, "b)", (c)), d)', 0)).toBe(12);
    expect(findClose('no close "here)"', 0)).toBe(-1);
    expect(findClose('x /* never closed ) ', 0)).toBe(-1);
  });
});

describe('split calls', () => {
  it('unfinished', () => {
    const line = '28735 rt_sigprocmask(SIG_SETMASK, [],  <unfinished ...>';
    const p = parseStraceLine(line, 1);
    expect(p).toMatchObject({ kind: 'unfinished', pid: 28735, name: 'rt_sigprocmask', argsText: 'SIG_SETMASK, [], ' });
    checkSpans(line, p);
    expect(parseStraceLine('28735 getpid( <unfinished ...>')).toMatchObject({ kind: 'unfinished', argsText: '' });
    expect(parseStraceLine('1 set_robust_list(0x7f97, 24 <unfinished ...>')).toMatchObject({ argsText: '0x7f97, 24' });
    expect(parseStraceLine('read(0, ^C <detached ...>')).toMatchObject({ kind: 'unfinished', argsText: '0, ^C' });
    expect(parseStraceLine('7512 execve("/bin/true", ["true"], 0x7ffd /* 3 vars */ <pid changed to 7511 ...>'))
      .toMatchObject({ kind: 'unfinished', pid: 7512, name: 'execve' });
    expect(parseStraceLine('1 name_to_handle_at(AT_FDCWD, "x", {handle_bytes=128 <unfinished ...>'))
      .toMatchObject({ kind: 'unfinished', argsText: 'AT_FDCWD, "x", {handle_bytes=128' });
  });

  it('resumed', () => {
    const line = '28735 <... rt_sigprocmask resumed>NULL, 8) = 0';
    const p = parseStraceLine(line);
    expect(p).toMatchObject({ kind: 'resumed', pid: 28735, name: 'rt_sigprocmask', argsText: 'NULL, 8', result: { value: 0 } });
    checkSpans(line, p);
    expect(parseStraceLine('3392  <... vfork resumed>)              = 3393')).toMatchObject({ kind: 'resumed', argsText: '', result: { value: 3393 } });
    expect(parseStraceLine('1 <... name_to_handle_at resumed> => 8, handle_type=1}, [3], 0) = 0'))
      .toMatchObject({ kind: 'resumed', argsText: ' => 8, handle_type=1}, [3], 0' });
    expect(parseStraceLine('[pid 5] <... read resumed>0x7ff, 10) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)'))
      .toMatchObject({ kind: 'resumed', result: { unknown: true, errno: 'ERESTARTSYS' } });
  });

  it('a call the tracee never returned from', () => {
    const p = call('[pid 9] futex(0x7f, FUTEX_WAIT, 0, NULL <unfinished ...>) = ?');
    expect(p.argsText).toBe('0x7f, FUTEX_WAIT, 0, NULL');
    expect(p.result.unknown).toBe(true);
  });
});

describe('other lines', () => {
  it('signals and exits', () => {
    expect(parseStraceLine('3392  --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=3393} ---'))
      .toEqual({ kind: 'signal', lineNo: 0, pid: 3392, signal: 'SIGCHLD' });
    expect(parseStraceLine('--- stopped by SIGTSTP ---')).toMatchObject({ kind: 'signal', signal: 'SIGTSTP' });
    expect(parseStraceLine('3393  +++ exited with 0 +++')).toMatchObject({ kind: 'exit', how: 'exited', code: 0, pid: 3393 });
    expect(parseStraceLine('[pid 4] +++ killed by SIGKILL +++')).toMatchObject({ kind: 'exit', how: 'killed', signal: 'SIGKILL' });
    expect(parseStraceLine('+++ killed by SIGSEGV (core dumped) +++')).toMatchObject({ how: 'killed', signal: 'SIGSEGV' });
    expect(parseStraceLine('7511  +++ superseded by execve in pid 7512 +++'))
      .toMatchObject({ kind: 'exit', how: 'superseded', byPid: 7512, pid: 7511 });
  });

  it('strace messages', () => {
    expect(parseStraceLine('strace: Process 1235 attached')).toMatchObject({ kind: 'attach', pid: 1235 });
    expect(parseStraceLine('strace: Process 1235 detached')).toMatchObject({ kind: 'other' });
    expect(parseStraceLine('[ Process PID=8 runs in 32 bit mode. ]')).toMatchObject({ kind: 'other' });
    expect(parseStraceLine('')).toMatchObject({ kind: 'other', text: '' });
  });

  it('cuts a spliced attach message out and keeps offsets in the original line', () => {
    const line = '[pid  1234] openat(AT_FDCWD, "a", strace: Process 1235 attached\nO_RDONLY) = 3';
    const p = parseStraceLine(line.replace('\n', ''));
    expect(p).toMatchObject({ kind: 'call', name: 'openat', argsText: 'AT_FDCWD, "a", O_RDONLY', result: { value: 3 } });
    if (p.kind !== 'call') return;
    const orig = line.replace('\n', '');
    expect(p.embedded).toEqual([{ text: 'strace: Process 1235 attached', at: 34 }]);
    expect(orig.slice(p.result.at)).toBe('3');
    expect(orig.slice(argsOffset(p, 15), argsOffset(p, 23, true))).toBe('O_RDONLY');
    expect(orig.slice(argsOffset(p, 10), argsOffset(p, 13, true))).toBe('"a"');
    expect(argsOffset(p, 15, true)).toBe(34);
    const early = parseStraceLine('[pid 1] strace: Process 2 attachedclose(3) = 0');
    expect(early).toMatchObject({ kind: 'call', argsText: '3', argsAt: 40, embedded: [{ at: 8 }] });
    if (early.kind === 'call') expect(argsOffset(early, 0)).toBe(40);
    expect(parseStraceLine('write(1, "strace: Process 5 attached", 26) = 26'))
      .toMatchObject({ kind: 'call', argsText: '1, "strace: Process 5 attached", 26' });
    expect(parseStraceLine('[pid 5] strace: Process 6 attached')).toMatchObject({ kind: 'attach', pid: 6 });
  });

  it('malformed', () => {
    expect(parseStraceLine('hello world').kind).toBe('malformed');
    expect(parseStraceLine('close(3').kind).toBe('malformed');
    expect(parseStraceLine('close(3)').kind).toBe('malformed');
    expect(parseStraceLine('<... close').kind).toBe('malformed');
    expect(parseStraceLine('+++ what +++').kind).toBe('malformed');
  });
});

const traces = loadTraces();

describe('recorded traces', () => {
  it.each(traces.map((t) => [t.name, t] as const))('%s parses without malformed lines', (_n, t) => {
    const bad: string[] = [];
    t.lines.forEach((raw, i) => {
      const line = stripAnnotations(raw);
      const p = parseStraceLine(line, i + 1);
      if (p.kind === 'malformed' || p.kind === 'other') bad.push(`${i + 1}: ${raw}`);
      checkSpans(line, p);
      expect(p.pid).toBeTypeOf('number');
    });
    expect(bad).toEqual([]);
  });
});

const KINDS = new Set(['call', 'unfinished', 'resumed', 'signal', 'exit', 'attach', 'other', 'malformed']);

describe('never throws', () => {
  it('on random strings', () => {
    const unit = fc.constantFrom('(', ')', '[', ']', '{', '}', '"', '\\', '<', '>', ' ', '=', ',', '-', '+', '?', '.', ':',
      '/*', '*/', '<... ', ' resumed>', '<unfinished ...>', 'strace: Process 1 attached', '--- ', '+++ ', '[pid ', 'a', '1', 'x');
    fc.assert(fc.property(fc.oneof(fc.string(), fc.string({ unit, maxLength: 60 })), (s) => {
      const p = parseStraceLine(s);
      expect(KINDS.has(p.kind)).toBe(true);
      expect(p.kind === 'malformed' && p.reason === 'internal parser error').toBe(false);
      checkSpans(s, p);
    }), { numRuns: 5000 });
  });

  it.skipIf(traces.length === 0)('on mutated real lines', () => {
    const real = traces.flatMap((t) => t.lines.slice(0, 300)).map(stripAnnotations);
    fc.assert(fc.property(fc.constantFrom(...real), fc.nat(), fc.nat(), fc.string({ maxLength: 5 }), (line, a, b, ins) => {
      const i = a % (line.length + 1);
      const j = Math.min(line.length, i + (b % 8));
      const mutated = line.slice(0, i) + ins + line.slice(j);
      const p = parseStraceLine(mutated);
      expect(KINDS.has(p.kind)).toBe(true);
      expect(p.kind === 'malformed' && p.reason === 'internal parser error').toBe(false);
      checkSpans(mutated, p);
    }), { numRuns: 5000 });
  });
});
