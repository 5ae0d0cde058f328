/**
 * Checking and normalising one expanded glob. Segments are what `/` separates; `*`, `?` and
 * classes live inside one segment, `**` is a whole segment. Normalising collapses `//`, drops
 * `.` segments and a trailing `/`; `..` is refused, since a pattern cannot know what it would
 * resolve to.
 */
import { classEnd } from './classes.js';
import { byteString } from '../linux/bytes.js';
import type { TextProblem } from './vars.js';

/** Check one segment's classes and stars; `off` is its offset in the whole pattern. */
function checkSegment(seg: string, off: number, problems: TextProblem[]): boolean {
  if (seg === '**') return true;
  let i = 0;
  while (i < seg.length) {
    const c = seg.charCodeAt(i);
    if (c === 0x5b) {
      const e = classEnd(seg, i);
      if (e < 0) {
        problems.push({ code: 'FW307', message: 'this `[` is never closed', help: 'a class ends with `]` within one segment; write `[[]` for a literal `[`', at: off + i, len: 1 });
        return false;
      }
      if (!checkClass(seg, i, e, off, problems)) return false;
      i = e;
      continue;
    }
    if (c === 0x2a && seg.charCodeAt(i + 1) === 0x2a) {
      let j = i;
      while (seg.charCodeAt(j) === 0x2a) j++;
      problems.push({ code: 'FW301', message: '`**` must be a whole segment', help: 'use `*` within a segment, or `/**/` for any number of directories', at: off + i, len: j - i });
      return false;
    }
    i++;
  }
  return true;
}

/** Ranges must go upwards; members are single bytes, so only ASCII may appear. */
function checkClass(seg: string, open: number, end: number, off: number, problems: TextProblem[]): boolean {
  let j = open + 1;
  if (seg.charCodeAt(j) === 0x21 || seg.charCodeAt(j) === 0x5e) j++;
  const close = end - 1;
  const nonAscii = (k: number): boolean => {
    if (seg.charCodeAt(k) <= 0x7f) return false;
    problems.push({ code: 'FW307', message: 'a class matches one byte, so it can only hold ASCII characters', help: 'list the alternatives with `{a,b}` instead', at: off + k, len: 1 });
    return true;
  };
  while (j < close) {
    if (nonAscii(j)) return false;
    // `a-z` is a range unless the `-` is the last member.
    if (seg.charCodeAt(j + 1) === 0x2d && j + 2 < close) {
      if (nonAscii(j + 2)) return false;
      if (seg.charCodeAt(j + 2) < seg.charCodeAt(j)) {
        problems.push({ code: 'FW307', message: `the range \`${seg.slice(j, j + 3)}\` is reversed`, help: `write \`${seg.charAt(j + 2)}-${seg.charAt(j)}\``, at: off + j, len: 3 });
        return false;
      }
      j += 3;
      continue;
    }
    j++;
  }
  return true;
}

/**
 * The normalised form of an absolute glob, or null with a problem. Offsets in problems are
 * positions in `text`.
 */
export function normalizeGlob(text: string, problems: TextProblem[]): string | null {
  const nul = text.indexOf('\0');
  if (nul >= 0) {
    problems.push({ code: 'FW304', message: 'a pattern cannot contain NUL', at: nul, len: 1 });
    return null;
  }
  if (text.charCodeAt(0) !== 0x2f) {
    problems.push({ code: 'FW302', message: `pattern \`${text}\` is not absolute`, help: 'patterns start with `/` once variables are expanded', at: 0, len: text.length });
    return null;
  }
  const kept: string[] = [];
  let off = 0;
  for (const seg of text.split('/')) {
    if (seg === '..') {
      problems.push({ code: 'FW303', message: '`..` is not allowed in a pattern', help: 'write the path without `..`', at: off, len: 2 });
      return null;
    }
    if (seg !== '' && seg !== '.') {
      if (!checkSegment(seg, off, problems)) return null;
      kept.push(seg);
    }
    off += seg.length + 1;
  }
  return `/${kept.join('/')}`;
}

/** A checked glob in the IR's form: bytes as the model holds paths (one character per UTF-8 byte). */
export function toIrGlob(glob: string): string {
  return byteString(glob);
}
