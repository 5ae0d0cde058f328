/**
 * The fd annotations strace prints under `-y`/`-yy` (`3</tmp/x>`,
 * `AT_FDCWD</cwd>`, `0</dev/null<char 1:3>>`, `5<TCP:[1.2.3.4:5->6.7.8.9:10]>`,
 * `9</gone>(deleted)`): strip them, list them, normalise and score them.
 *
 * This is a port of /work/shared/tools/strace-annotations.py (`scan_at`,
 * `norm`, `score`) and must stay byte-for-byte identical to it: the replay
 * scores are computed with that tool. Offsets are UTF-16 code units, which
 * equal the tool's code-point offsets for the ASCII text strace prints.
 * Character classes follow the tool's Python `str` semantics (`\w`, `\d`,
 * `isalnum`, `isdigit`) via Unicode properties.
 */

/** Python `c.isalnum() or c in '_.-'`: a character that forbids an fd annotation right after it. */
const WORDISH = /[\p{L}\p{N}_.-]/u;
/** Python `\d` on `str`: Unicode category Nd. */
const DECIMAL = /\p{Nd}/u;
/** Python `str.isdigit()` beyond Nd: Numeric_Type=Digit (superscripts, circled digits, ...). */
const EXTRA_DIGIT_RANGES: readonly (readonly [number, number])[] = [
  [0xb2, 0xb3], [0xb9, 0xb9], [0x1369, 0x1371], [0x19da, 0x19da], [0x2070, 0x2070],
  [0x2074, 0x2079], [0x2080, 0x2089], [0x2460, 0x2468], [0x2474, 0x247c], [0x2488, 0x2490],
  [0x24ea, 0x24ea], [0x24f5, 0x24fd], [0x24ff, 0x24ff], [0x2776, 0x277e], [0x2780, 0x2788],
  [0x278a, 0x2792], [0x10a40, 0x10a43], [0x10e60, 0x10e68], [0x11052, 0x1105a], [0x1f100, 0x1f10a],
];

function isWordish(cp: number): boolean {
  if (cp < 0x80) {
    return (cp >= 48 && cp <= 57) || (cp >= 65 && cp <= 90) || (cp >= 97 && cp <= 122) ||
      cp === 95 || cp === 46 || cp === 45;
  }
  return WORDISH.test(String.fromCodePoint(cp));
}

function isDecimal(cp: number): boolean {
  if (cp < 0x80) return cp >= 48 && cp <= 57;
  return DECIMAL.test(String.fromCodePoint(cp));
}

function isPyDigit(cp: number): boolean {
  if (cp < 0x80) return cp >= 48 && cp <= 57;
  if (isDecimal(cp)) return true;
  for (const [a, b] of EXTRA_DIGIT_RANGES) if (cp >= a && cp <= b) return true;
  return false;
}

/** Code point that ends just before `i` (a surrogate pair counts as one). */
function cpBefore(s: string, i: number): number {
  const lo = s.charCodeAt(i - 1);
  if (lo >= 0xdc00 && lo <= 0xdfff && i >= 2) {
    const hi = s.charCodeAt(i - 2);
    if (hi >= 0xd800 && hi <= 0xdbff) return ((hi - 0xd800) << 10) + (lo - 0xdc00) + 0x10000;
  }
  return lo;
}

const AT_FDCWD_LT = 'AT_FDCWD<';
const DELETED = '(deleted)';

/** End of the fd token (`AT_FDCWD` or decimal digits) that starts at `i` and is followed by a single `<`; -1 if none. */
function fdTokenEnd(line: string, i: number): number {
  const n = line.length;
  let e: number;
  if (line.startsWith(AT_FDCWD_LT, i)) {
    e = i + 8;
  } else {
    e = i;
    while (e < n) {
      const c = line.charCodeAt(e);
      if (c >= 48 && c <= 57) { e++; continue; }
      if (c < 0x80) break;
      const cp = line.codePointAt(e) ?? c;
      if (!isDecimal(cp)) break;
      e += cp > 0xffff ? 2 : 1;
    }
    if (e === i || line.charCodeAt(e) !== 60) return -1;
  }
  return line.charCodeAt(e + 1) === 60 ? -1 : e;
}

/** The `->` of a socket peer (`UNIX-STREAM:[1->2]`, `TCP:[a:1->[b]:2]`) is not a closing `>`. */
function peerArrow(line: string, j: number): boolean {
  if (line.charCodeAt(j - 1) !== 45 || j + 1 >= line.length) return false;
  const c = line.charCodeAt(j + 1);
  if (c === 91) return true;
  return isPyDigit(c < 0x80 ? c : (line.codePointAt(j + 1) ?? c));
}

export interface Note {
  /** Annotation text without the brackets; a trailing `(deleted)` marker is kept. */
  readonly text: string;
  /** Offset in the stripped line just after the fd value it belongs to. */
  readonly at: number;
}

export interface ScanResult {
  readonly stripped: string;
  readonly notes: readonly Note[];
}

const NO_NOTES: readonly Note[] = Object.freeze([]);

/** Strip every fd annotation from one line and list them (the tool's `scan_at`). */
export function scanAnnotations(line: string): ScanResult {
  if (line.indexOf('<') < 0) return { stripped: line, notes: NO_NOTES };
  const n = line.length;
  const parts: string[] = [];
  const notes: Note[] = [];
  let copyFrom = 0; // start of the not-yet-emitted run of the input
  let outLen = 0; // length of everything emitted so far
  let i = 0;
  while (i < n) {
    const c = line.charCodeAt(i);
    if (c === 34) { // a quoted string is copied verbatim
      let j = i + 1;
      while (j < n && line.charCodeAt(j) !== 34) j += line.charCodeAt(j) === 92 ? 2 : 1;
      i = j + 1;
      continue;
    }
    if ((c === 65 || (c >= 48 && c <= 57) || c >= 0x80) && (i === 0 || !isWordish(cpBefore(line, i)))) {
      const e = fdTokenEnd(line, i);
      if (e >= 0) {
        const start = e + 1;
        let j = start;
        let depth = 1;
        while (j < n && depth) {
          const d = line.charCodeAt(j);
          if (d === 60) depth++;
          else if (d === 62 && !peerArrow(line, j)) depth--;
          j++;
        }
        // Like Python's line[start:j-1]: drop the closing '>' (or, if unterminated, the last character).
        let textEnd = j - 1;
        if (depth && j === n && textEnd > start && cpBefore(line, n) > 0xffff) textEnd--;
        let text = textEnd > start ? line.slice(start, textEnd) : '';
        if (line.startsWith(DELETED, j)) { text += DELETED; j += DELETED.length; }
        parts.push(line.slice(copyFrom, e));
        outLen += e - copyFrom;
        notes.push({ text, at: outLen });
        copyFrom = j;
        i = j;
        continue;
      }
    }
    i++;
  }
  if (notes.length === 0) return { stripped: line, notes: NO_NOTES };
  parts.push(line.slice(copyFrom));
  return { stripped: parts.join(''), notes };
}

/** The line with every fd annotation removed (the tool's `scan(line)[0]`). */
export function stripAnnotations(line: string): string {
  return line.indexOf('<') < 0 ? line : scanAnnotations(line).stripped;
}

/**
 * The tool's `norm`: drop what no model can know (nested `<char 1:3>` detail,
 * inode numbers of pipes/sockets, the O_TMPFILE inode) and unify the two
 * spellings of a deleted entry into `/p (deleted)`.
 */
export function normalizeAnnotation(text: string): string {
  let deleted = text.endsWith(DELETED);
  if (deleted) text = text.slice(0, -DELETED.length);
  // Python `<.*$`: `.` stops at '\n', `$` also matches before a final '\n'.
  text = text.replace(/<[^\n]*(?=\n?$)/, '');
  if (text.endsWith(' (deleted)')) { text = text.slice(0, -' (deleted)'.length); deleted = true; }
  text = text.replace(/:\[\p{Nd}+(?:->\p{Nd}+)?/gu, ':[');
  text = text.replace(/\/#\p{Nd}+(?=\n?$)/u, '/#');
  return deleted ? text + ' (deleted)' : text;
}

export interface Score {
  /** Annotations in the truth. */
  readonly total: number;
  readonly matched: number;
  /** Annotations the model put where the truth has none. */
  readonly unexpected: number;
  /** Truth lines whose stripped text differs (or is missing), plus extra model lines. */
  readonly misaligned: number;
  /** The first 12 problems, worded exactly like the tool's report. */
  readonly mismatches: readonly string[];
  /** The tool's percentage: matched / (total + unexpected), never 100 unless perfect. */
  readonly percent: number;
  /** The tool's exit status 0. */
  readonly ok: boolean;
}

/** Compare a model's annotated lines with strace's (the tool's `score`). */
export function scoreAnnotations(truthLines: readonly string[], modelLines: readonly string[]): Score {
  let total = 0, matched = 0, misaligned = 0, unexpected = 0;
  const shown: string[] = [];
  const show = (s: string): void => { if (shown.length < 12) shown.push(s); };
  for (let k = 0; k < truthLines.length; k++) {
    const t = scanAnnotations(truthLines[k] ?? '');
    total += t.notes.length;
    if (k >= modelLines.length) { misaligned++; continue; }
    const m = scanAnnotations(modelLines[k] ?? '');
    if (m.stripped !== t.stripped) {
      misaligned++;
      show(`line ${k + 1}: text differs`);
      continue;
    }
    const got = new Map<number, string>();
    for (const note of m.notes) got.set(note.at, note.text);
    t.notes.forEach((note, a) => {
      const mt = got.get(note.at);
      got.delete(note.at);
      if (mt !== undefined && normalizeAnnotation(note.text) === normalizeAnnotation(mt)) matched++;
      else show(`line ${k + 1} fd#${a + 1}: want <${normalizeAnnotation(note.text)}> got <${mt === undefined ? '' : normalizeAnnotation(mt)}>`);
    });
    for (const [pos, mt] of got) {
      unexpected++;
      show(`line ${k + 1} col ${pos}: unexpected <${normalizeAnnotation(mt)}>`);
    }
  }
  misaligned += Math.max(0, modelLines.length - truthLines.length);
  const denom = total + unexpected;
  let percent = denom ? (100 * matched) / denom : 100;
  if (matched < denom) percent = Math.min(percent, 99.99);
  return {
    total, matched, unexpected, misaligned, mismatches: shown, percent,
    ok: matched === total && misaligned === 0 && unexpected === 0,
  };
}

/** Python `str.splitlines()`: the same line boundaries the tool's score mode uses. */
export function pySplitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/);
  if (/(?:\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029])$/.test(text)) lines.pop();
  return lines;
}
