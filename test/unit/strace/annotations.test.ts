import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  normalizeAnnotation, pySplitLines, scanAnnotations, scoreAnnotations, stripAnnotations,
} from '../../../src/strace/annotations.js';
import { havePythonTool, loadTraces, runTool } from './traces.js';

/** [input, stripped, [note text, offset in stripped][]] — outputs recorded from the Python tool. */
const CASES: [string, string, [string, number][]][] = [
  ['openat(AT_FDCWD</tmp/x>, "a", O_RDONLY) = 3</tmp/x/a>', 'openat(AT_FDCWD, "a", O_RDONLY) = 3', [['/tmp/x', 15], ['/tmp/x/a', 35]]],
  ['ioctl(0</dev/null<char 1:3>>, TCGETS, 0x7ffd) = -1 ENOTTY', 'ioctl(0, TCGETS, 0x7ffd) = -1 ENOTTY', [['/dev/null<char 1:3>', 7]]],
  ['connect(5<UNIX-STREAM:[24828->24826,"/tmp/x/s.sock"]>, {sa_family=AF_UNIX}, 110) = 0',
    'connect(5, {sa_family=AF_UNIX}, 110) = 0', [['UNIX-STREAM:[24828->24826,"/tmp/x/s.sock"]', 9]]],
  ['read(7<TCP:[127.0.0.1:45678->127.0.0.1:51988]>, "", 1) = 0', 'read(7, "", 1) = 0', [['TCP:[127.0.0.1:45678->127.0.0.1:51988]', 6]]],
  ['sendto(6<UDPv6:[[::1]:39783->[::1]:53]>, "x", 1, 0, NULL, 0) = 1', 'sendto(6, "x", 1, 0, NULL, 0) = 1', [['UDPv6:[[::1]:39783->[::1]:53]', 8]]],
  ['close(3</etc/passwd->) = 0', 'close(3) = 0', [['/etc/passwd-', 7]]],
  ['close(9</a/b>(deleted)) = 0', 'close(9) = 0', [['/a/b(deleted)', 7]]],
  ['openat(AT_FDCWD</p (deleted)>, "x", O_RDONLY) = -1 ENOENT (No such file or directory)',
    'openat(AT_FDCWD, "x", O_RDONLY) = -1 ENOENT (No such file or directory)', [['/p (deleted)', 15]]],
  ['write(1</dev/pts/0>, "3<x> and \\"4<y>\\"", 14) = 14', 'write(1, "3<x> and \\"4<y>\\"", 14) = 14', [['/dev/pts/0', 7]]],
  ['a3<x> foo.3<x> -3<x> _3<x> (3<x>)', 'a3<x> foo.3<x> -3<x> _3<x> (3)', [['x', 29]]],
  ['dup(3<<x>) = 4<y>', 'dup(3<<x>) = 4', [['y', 14]]],
  ['close(3</x>) = 0 <0.000123>', 'close(3) = 0 <0.000123>', [['/x', 7]]],
  ['read(3</foo', 'read(3', [['/fo', 6]]],
  ['[pid 12<sh>] close(10<pipe:[123]>) = 0', '[pid 12] close(10) = 0', [['sh', 7], ['pipe:[123]', 17]]],
  ['fstat(12</a>b>, {...}) = 0', 'fstat(12b>, {...}) = 0', [['/a', 8]]],
  ['x 3<a<b<c>>> 4</d>', 'x 3 4', [['a<b<c>>', 3], ['/d', 5]]],
];

const NORM: [string, string][] = [
  ['/dev/null<char 1:3>', '/dev/null'],
  ['pipe:[123]', 'pipe:[]'],
  ['UNIX-STREAM:[24828->24826,"/tmp/x/s.sock"]', 'UNIX-STREAM:[,"/tmp/x/s.sock"]'],
  ['/tmp/x/w/d1/#2155829(deleted)', '/tmp/x/w/d1/# (deleted)'],
  ['/p (deleted)', '/p  (deleted)'],
  ['/memfd:m (deleted)(deleted)', '/memfd:m (deleted)'],
  ['TCP:[1.2.3.4:5->6.7.8.9:10]', 'TCP:[.2.3.4:5->6.7.8.9:10]'],
  ['a<b\n', 'a\n'],
  ['a<b\nc', 'a<b\nc'],
  ['/x/#12\n', '/x/#\n'],
];

describe('scanAnnotations (hand-written)', () => {
  it.each(CASES)('%s', (input, stripped, notes) => {
    const r = scanAnnotations(input);
    expect(r.stripped).toBe(stripped);
    expect(r.notes.map((n) => [n.text, n.at])).toEqual(notes);
    expect(stripAnnotations(input)).toBe(stripped);
  });

  it('leaves lines without "<" alone', () => {
    const l = 'brk(NULL) = 0x55b10b889000';
    expect(scanAnnotations(l)).toEqual({ stripped: l, notes: [] });
  });

  it('treats non-ASCII digits and letters like Python', () => {
    expect(stripAnnotations('é3<x> ٣<y> 𝟎<z>')).toBe('é3<x> ٣ 𝟎');
    expect(stripAnnotations('5<a-²b>c>')).toBe('5c>');
  });
});

describe('normalizeAnnotation', () => {
  it.each(NORM)('%j', (input, want) => {
    expect(normalizeAnnotation(input)).toBe(want);
  });
});

describe('scoreAnnotations', () => {
  it('scores matches, misses, unexpected and misaligned lines like the tool', () => {
    const truth = ['close(3</a>) = 0', 'dup(4</b>) = 5</b>', 'read(6<pipe:[1]>, "", 1) = 0', 'x', 'y'];
    const model = ['close(3</a>) = 0', 'dup(4</c>) = 5', 'read(6<pipe:[9]>, "", 1) = 0 ', 'x 7</q>'];
    const s = scoreAnnotations(truth, model);
    expect(s).toMatchObject({ total: 4, matched: 1, unexpected: 0, misaligned: 3, ok: false });
    expect(s.mismatches).toEqual([
      'line 2 fd#1: want </b> got </c>',
      'line 2 fd#2: want </b> got <>',
      'line 3: text differs',
      'line 4: text differs',
    ]);
    expect(s.percent).toBe(25);
    expect(scoreAnnotations(['a 1<x> 2'], ['a 1<x> 2<y>']).unexpected).toBe(1);
    expect(scoreAnnotations(['a'], ['a']).ok).toBe(true);
  });

  it('splits lines like Python splitlines', () => {
    expect(pySplitLines('a\r\nb\rc\n\nd\x0ce\n')).toEqual(['a', 'b', 'c', '', 'd', 'e']);
    expect(pySplitLines('')).toEqual([]);
    expect(pySplitLines('\n')).toEqual(['']);
  });
});

const traces = loadTraces();
const py = havePythonTool();

describe.skipIf(!py || traces.length === 0)('against strace-annotations.py', () => {
  it.each(traces.map((t) => [t.name, t] as const))('strips %s byte for byte', (_name, t) => {
    const text = fs.readFileSync(t.file, 'utf8');
    const pieces = text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
    const mine = pieces.map(stripAnnotations).join('');
    expect(mine).toBe(runTool(['strip', t.file]).stdout);
  });

  it('scores a perturbed copy of every trace identically', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fdw-score-'));
    try {
      for (const t of traces) {
        // Perturb: drop every 7th line's annotations, rename every 11th, shift one line.
        const model = t.lines.map((l, i) => (i % 7 === 3 ? stripAnnotations(l) : i % 11 === 5 ? l.replace(/<\//g, '</x') : l));
        if (model.length > 40) model.splice(40, 1);
        const tf = path.join(dir, 'truth'), mf = path.join(dir, 'model');
        fs.writeFileSync(tf, t.lines.join('\n') + '\n');
        fs.writeFileSync(mf, model.join('\n') + '\n');
        const out = runTool(['score', tf, mf]).stdout.trimEnd().split('\n');
        const s = scoreAnnotations(t.lines, model);
        const summary = out[out.length - 1] ?? '';
        expect(summary).toBe(`annotations ${s.total} matched ${s.matched} (${s.percent.toFixed(2)}%) misaligned-lines ${s.misaligned}`);
        expect(out.slice(0, s.mismatches.length)).toEqual(s.mismatches);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('agrees with the tool on random lines', () => {
    const unit = fc.constantFrom(
      '<', '>', '<', '>', '-', '[', ']', '"', '\\', ' ', ',', '(', ')', '3', '0', '12', 'AT_FDCWD', 'a', '_', '.',
      '(deleted)', 'é', '²', '٣', '𝟎', ':', '->', 'x',
    );
    const lines = fc.sample(fc.string({ unit, maxLength: 40 }), { numRuns: 3000, seed: 42 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fdw-fuzz-'));
    try {
      const f = path.join(dir, 'lines');
      fs.writeFileSync(f, lines.map((l) => l + '\n').join(''));
      const want = runTool(['strip', f]).stdout;
      expect(lines.map((l) => stripAnnotations(l + '\n')).join('')).toBe(want);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
