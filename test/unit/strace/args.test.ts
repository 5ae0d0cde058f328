import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseArgPieces, parseArgs, parseFlags, type Arg } from '../../../src/strace/args.js';
import { AT_FLAGS, CLONE_FLAGS, O_FLAGS, SIGNALS } from '../../../src/linux/index.js';
import { decodeEscapes, escapeBytes } from '../../../src/strace/escapes.js';
import { parseStraceLine } from '../../../src/strace/line.js';
import { stripAnnotations } from '../../../src/strace/annotations.js';
import { loadTraces } from './traces.js';

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Touch every lazy property of a tree; returns the node count. */
function walk(a: Arg, depth = 0): number {
  void a.value; void a.str; void a.truncated; void a.comment; void a.negated; void a.valueText;
  let n = 1;
  if (depth < 6) {
    for (const it of a.items ?? []) n += walk(it, depth + 1);
    const c = a.changed;
    if (c) n += walk(c, depth + 1);
  }
  return n;
}

describe('parseArgs', () => {
  it('splits at depth 0 with spans', () => {
    const text = 'AT_FDCWD, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC';
    const args = parseArgs(text, 100);
    expect(args.map((a) => [a.kind, a.text, a.at, a.end])).toEqual([
      ['other', 'AT_FDCWD', 100, 108],
      ['string', '"/etc/ld.so.cache"', 110, 128],
      ['other', 'O_RDONLY|O_CLOEXEC', 130, 148],
    ]);
    expect(args[1]?.str).toEqual(ascii('/etc/ld.so.cache'));
    expect(parseArgs('')).toEqual([]);
    expect(parseArgs('SIG_SETMASK, [], ').map((a) => a.text)).toEqual(['SIG_SETMASK', '[]']);
  });

  it('numbers: decimal, negative, hex, octal mode, beyond 2^53', () => {
    const [a, b, c, d, e, f] = parseArgs('832, -1, 0x7f82a4d71000, 0777, 0, 0xffffffffff600000');
    expect([a?.value, b?.value, c?.value, d?.value, e?.value]).toEqual([832, -1, 0x7f82a4d71000, 0o777, 0]);
    expect(f?.value).toBe(0xffffffffff600000n);
    expect(parseArgs('NULL')[0]?.value).toBeUndefined();
  });

  it('strings: escapes and truncation', () => {
    const [s, t, h] = parseArgs('"\\177ELF\\2\\0\\08\\t\\n\\"\\\\\\v\\f\\r", "abc"..., "\\x41\\xff"');
    expect(s?.str).toEqual(bytes(0o177, 69, 76, 70, 2, 0, 0, 56, 9, 10, 34, 92, 11, 12, 13));
    expect(s?.truncated).toBe(false);
    expect(t?.kind).toBe('string');
    expect(t?.truncated).toBe(true);
    expect(t?.str).toEqual(ascii('abc'));
    expect(h?.str).toEqual(bytes(0x41, 0xff));
  });

  it('structs, arrays, keys and nesting', () => {
    const [st] = parseArgs('{st_mode=S_IFREG|0644, st_size=35919, ...}');
    expect(st?.kind).toBe('struct');
    expect(st?.items?.map((i) => [i.key, i.kind, i.valueText])).toEqual([
      ['st_mode', 'other', 'S_IFREG|0644'], ['st_size', 'int', '35919'], [undefined, 'other', '...'],
    ]);
    expect(st?.field('st_size')?.value).toBe(35919);
    const [poll] = parseArgs('[{fd=3, events=POLLIN}, {fd=4, events=POLLOUT}], 2, 0', 5);
    const fds = poll?.items?.map((i) => i.field('fd'));
    expect(fds?.map((f) => [f?.value, f?.at, f?.end, f?.valueAt])).toEqual([[3, 7, 11, 10], [4, 30, 34, 33]]);
    const [argv] = parseArgs('["sh", "-c", "echo a, b"]');
    expect(argv?.items?.map((i) => i.str)).toEqual([ascii('sh'), ascii('-c'), ascii('echo a, b')]);
    const [mask] = parseArgs('~[KILL STOP RTMIN RT_1]');
    expect([mask?.kind, mask?.negated, mask?.items?.[0]?.text]).toEqual(['array', true, 'KILL STOP RTMIN RT_1']);
    const clone = parseArgs('child_stack=NULL, flags=CLONE_VM|SIGCHLD');
    expect(clone.map((a) => [a.key, a.valueText])).toEqual([['child_stack', 'NULL'], ['flags', 'CLONE_VM|SIGCHLD']]);
    const [w] = parseArgs('[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]');
    expect(w?.items?.[0]?.items?.[0]?.key).toBeUndefined();
  });

  it('comments and change markers', () => {
    const [env] = parseArgs('0x7ffce7494ce8 /* 3 vars */');
    expect([env?.kind, env?.value, env?.comment, env?.valueText]).toEqual(['int', 0x7ffce7494ce8, '3 vars', '0x7ffce7494ce8']);
    const [len] = parseArgs('[16 => 8]');
    expect([len?.items?.[0]?.value, len?.items?.[0]?.changed?.value]).toEqual([16, 8]);
    const [c3] = parseArgs('{flags=CLONE_PIDFD, pidfd=0x7ffd} => {pidfd=[3]}, 88');
    expect(c3?.kind).toBe('struct');
    expect(c3?.changed?.field('pidfd')?.items?.[0]?.value).toBe(3);
    expect(c3?.field('flags')?.valueText).toBe('CLONE_PIDFD');
  });
});

describe('parseArgPieces', () => {
  it('joins the halves of a split call and tags each span with its line', () => {
    const args = parseArgPieces({ text: 'SIG_SETMASK, [], ', at: 21 }, { text: 'NULL, 8', at: 30 });
    expect(args.map((a) => [a.text, a.part, a.at, a.end])).toEqual([
      ['SIG_SETMASK', 0, 21, 32], ['[]', 0, 34, 36], ['NULL', 1, 30, 34], ['8', 1, 36, 37],
    ]);
    const h = parseArgPieces({ text: 'AT_FDCWD, "x", {handle_bytes=128', at: 25 },
      { text: ' => 8, handle_type=1}, [3], 0', at: 40 });
    const s = h[2];
    expect([s?.kind, s?.part, s?.endPart, s?.at, s?.end]).toEqual(['struct', 0, 1, 40, 61]);
    const hb = s?.field('handle_bytes');
    expect([hb?.value, hb?.valueEnd, hb?.valueEndPart, hb?.changed?.value, hb?.changed?.part]).toEqual([128, 57, 0, 8, 1]);
    const three = h[3]?.items?.[0];
    expect([three?.part, three?.at, three?.end]).toEqual([1, 64, 65]);
    expect(parseArgPieces({ text: '', at: 5 }, { text: '', at: 9 })).toEqual([]);
  });
});

describe('parseFlags', () => {
  it('ORs names and numbers', () => {
    expect(parseFlags('O_RDONLY|O_CLOEXEC', O_FLAGS)).toEqual({ value: 0o2000000, unknown: [] });
    expect(parseFlags('O_WRONLY|O_CREAT|O_TRUNC|0x100000', O_FLAGS).value).toBe(0o1 | 0o100 | 0o1000 | 0x100000);
    expect(parseFlags('O_RDWR|O_SYNC|O_DSYNC', O_FLAGS).value).toBe(0o4010002);
    expect(parseFlags('AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH', AT_FLAGS).value).toBe(0x1100);
    expect(parseFlags('CLONE_INTO_CGROUP|CLONE_VM|SIGCHLD', [CLONE_FLAGS, SIGNALS]).value).toBe(0x200000000 + 0x100 + 17);
    expect(parseFlags('O_BOGUS|1<<MAP_HUGE_SHIFT|constructor', O_FLAGS))
      .toEqual({ value: 0, unknown: ['O_BOGUS', '1<<MAP_HUGE_SHIFT', 'constructor'] });
    expect(parseFlags('0', O_FLAGS).value).toBe(0);
  });
});

describe('escapes', () => {
  it('round-trips bytes with strace octal rules', () => {
    const b = bytes(0, 0x38, 1, 0x7f, 0x3c, 0x31, 0x3e, 0x2e, 0xff, 34, 92, 10);
    const e = escapeBytes(b, { escapeChars: '<>' });
    expect(e).toBe('\\0' + '8' + '\\1\\177\\0741\\76.\\377\\"\\\\\\n');
    expect(decodeEscapes(e)).toEqual(b);
    expect(escapeBytes(bytes(1, 0x41), { hex: 'non-printable' })).toBe('\\x01A');
    expect(escapeBytes(bytes(0x41), { hex: 'all' })).toBe('\\x41');
  });

  it('decodes arbitrary escaped bytes back', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
      expect(decodeEscapes(escapeBytes(b))).toEqual(b);
      expect(decodeEscapes(escapeBytes(b, { hex: 'non-printable' }))).toEqual(b);
    }), { numRuns: 2000 });
  });
});

const traces = loadTraces();

describe('recorded traces', () => {
  it('every argument list parses and every span slices to its text', () => {
    let nodes = 0;
    for (const t of traces) {
      t.lines.forEach((raw) => {
        const line = stripAnnotations(raw);
        const p = parseStraceLine(line);
        if (p.kind !== 'call' && p.kind !== 'unfinished' && p.kind !== 'resumed') return;
        for (const a of parseArgs(p.argsText, p.argsAt)) {
          expect(line.slice(a.at, a.end)).toBe(a.text);
          expect(line.slice(a.valueAt, a.valueEnd)).toBe(a.valueText);
          nodes += walk(a);
        }
      });
    }
    expect(nodes).toBeGreaterThan(30_000);
  });

  it('paths decode to bytes', () => {
    const line = '28735 openat(AT_FDCWD, "/lib/x86_64-linux-gnu/libc.so.6", O_RDONLY|O_CLOEXEC) = 3';
    const p = parseStraceLine(line);
    if (p.kind !== 'call') throw new Error('call expected');
    expect(parseArgs(p.argsText, p.argsAt)[1]?.str).toEqual(ascii('/lib/x86_64-linux-gnu/libc.so.6'));
  });
});

describe('never throws', () => {
  it('on random argument text', () => {
    const unit = fc.constantFrom('{', '}', '[', ']', '(', ')', '"', '\\', ',', ' ', '=', '=>', ' => ', '/*', '*/', '~',
      'x', '1', '0x', '...', '-', '|', 'a=', '\\0');
    fc.assert(fc.property(fc.string({ unit, maxLength: 50 }), fc.string({ unit, maxLength: 20 }), (s, t) => {
      for (const a of parseArgs(s)) walk(a);
      for (const a of parseArgPieces({ text: s, at: 3 }, { text: t, at: 9 })) walk(a);
    }), { numRuns: 3000 });
  });
});
