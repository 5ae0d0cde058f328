/**
 * Parse one strace line (annotations already stripped) into a `StraceLine`.
 *
 * Grammar handled, in order: an optional pid prefix (`1234  ` from `-f -o`,
 * `[pid  1234] ` on stderr), an optional `-t`/`-tt`/`-ttt`/`-r` timestamp,
 * then one of
 *   `name(args) = result`            complete call
 *   `name(args <unfinished ...>`     entry half of an interrupted call
 *   `<... name resumed>args) = res`  exit half
 *   `--- SIGCHLD {...} ---`          signal
 *   `+++ exited with 0 +++`          process end
 *   `strace: Process N attached`     and other strace messages.
 * A `-T` duration (` <0.000123>`) after the result is dropped. A `strace:
 * Process N attached` message spliced into a line is cut out and the rest
 * parsed; offsets still point into the original line.
 *
 * The parser never throws: anything it cannot read becomes `malformed`.
 */
import { skipQuoted } from './escapes.js';

/**
 * A log's lines as the CLI reads a file: split at `\n`, a last line without one kept, nothing
 * after a final `\n`. The text is the model's byte string (one char per byte, read as latin1).
 */
export function logLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export interface Result {
  /** Everything after `= ` (without a `-T` duration). */
  readonly text: string;
  readonly at: number;
  /** Decimal or `0x` hex value; undefined for `?`. Values beyond 2^53 are rounded. */
  readonly value: number | undefined;
  /** `= ?` (no return: exit, exec by a sibling, restart). */
  readonly unknown: boolean;
  /** `ENOENT` in `-1 ENOENT (...)`, `ERESTARTSYS` in `? ERESTARTSYS (...)`. */
  readonly errno: string | undefined;
}

/** A `strace: ...` message found inside a line (at `at` of the original line) and cut out before parsing. */
export interface Embedded { readonly text: string; readonly at: number }

interface Base {
  readonly lineNo: number;
  readonly pid: number | undefined;
  /** Present only when a message was cut out of the line (see `argsOffset`). */
  readonly embedded?: readonly Embedded[];
}

export interface CallLine extends Base {
  readonly kind: 'call'; readonly name: string; readonly nameAt: number;
  readonly argsText: string; readonly argsAt: number; readonly complete: true; readonly result: Result;
}
export interface UnfinishedLine extends Base {
  readonly kind: 'unfinished'; readonly name: string; readonly nameAt: number;
  readonly argsText: string; readonly argsAt: number;
}
export interface ResumedLine extends Base {
  readonly kind: 'resumed'; readonly name: string; readonly argsText: string; readonly argsAt: number;
  readonly result: Result;
}
export interface SignalLine extends Base { readonly kind: 'signal'; readonly signal: string }
export interface ExitLine extends Base {
  readonly kind: 'exit'; readonly how: 'exited' | 'killed' | 'superseded';
  readonly code?: number; readonly signal?: string; readonly byPid?: number;
}
export interface TextLine extends Base { readonly kind: 'attach' | 'other'; readonly text: string }
export interface MalformedLine extends Base { readonly kind: 'malformed'; readonly reason: string }

export type StraceLine =
  | CallLine | UnfinishedLine | ResumedLine | SignalLine | ExitLine | TextLine | MalformedLine;

const UNFINISHED = '<unfinished ...>';
const DETACHED = '<detached ...>';
const EMBEDDED_RE = /strace: Process \d+ (?:attached|detached)(?: \(waiting for parent\))?/g;

/** Parse one line. `lineNo` is only copied into the result. */
export function parseStraceLine(line: string, lineNo = 0): StraceLine {
  try {
    if (line.indexOf('strace: ') > 0) return parseWithEmbedded(line, lineNo);
    return parseBody(line, lineNo);
  } catch {
    return { kind: 'malformed', lineNo, pid: undefined, reason: 'internal parser error' };
  }
}

/** Cleaned-text position → original-line position; an end position stays before a cut. */
function toOriginal(emb: readonly Embedded[], p: number, isEnd: boolean): number {
  let shift = 0;
  for (const e of emb) {
    const cut = e.at - shift;
    if (isEnd ? p > cut : p >= cut) shift += e.text.length;
    else break;
  }
  return p + shift;
}

function toCleaned(emb: readonly Embedded[], o: number): number {
  let shift = 0;
  for (const e of emb) {
    if (o >= e.at + e.text.length) shift += e.text.length;
    else if (o >= e.at) return e.at - shift;
    else break;
  }
  return o - shift;
}

/**
 * Offset in the original line of position `k` of `argsText` (`isEnd` for an
 * exclusive end, e.g. where an fd annotation goes). Plain `argsAt + k` unless
 * a spliced `strace:` message was cut out of the line (`embedded`).
 */
export function argsOffset(parsed: CallLine | UnfinishedLine | ResumedLine, k: number, isEnd = false): number {
  const emb = parsed.embedded;
  if (!emb) return parsed.argsAt + k;
  return toOriginal(emb, toCleaned(emb, parsed.argsAt) + k, isEnd);
}

function parseWithEmbedded(line: string, lineNo: number): StraceLine {
  const found: Embedded[] = [];
  let cleaned = '';
  let last = 0;
  EMBEDDED_RE.lastIndex = 0;
  for (let m = EMBEDDED_RE.exec(line); m; m = EMBEDDED_RE.exec(line)) {
    if (m.index === 0 || insideQuotes(line, m.index)) continue;
    cleaned += line.slice(last, m.index);
    found.push({ text: m[0], at: m.index });
    last = m.index + m[0].length;
  }
  if (found.length === 0) return parseBody(line, lineNo);
  cleaned += line.slice(last);
  const parsed = parseBody(cleaned, lineNo);
  // A message alone after a pid prefix is the message itself.
  if (parsed.kind === 'other' && parsed.text === '' && found.length === 1) {
    return messageLine(found[0]?.text ?? '', lineNo, parsed.pid);
  }
  const remapped = remap(parsed, (p) => toOriginal(found, p, false));
  return { ...remapped, embedded: found };
}

function insideQuotes(line: string, pos: number): boolean {
  let i = line.indexOf('"');
  while (i >= 0 && i < pos) {
    const close = skipQuoted(line, i);
    if (close > pos) return true;
    i = line.indexOf('"', close);
  }
  return false;
}

function remap(p: StraceLine, map: (n: number) => number): StraceLine {
  switch (p.kind) {
    case 'call':
      return { ...p, nameAt: map(p.nameAt), argsAt: map(p.argsAt), result: { ...p.result, at: map(p.result.at) } };
    case 'unfinished':
      return { ...p, nameAt: map(p.nameAt), argsAt: map(p.argsAt) };
    case 'resumed':
      return { ...p, argsAt: map(p.argsAt), result: { ...p.result, at: map(p.result.at) } };
    default:
      return p;
  }
}

function isDigit(c: number): boolean { return c >= 48 && c <= 57; }

/** Parse prefix, timestamp and body of a line with no embedded messages. */
function parseBody(line: string, lineNo: number): StraceLine {
  const n = line.length;
  let i = 0;
  let pid: number | undefined;
  if (line.startsWith('[pid ', 0)) {
    let j = 5;
    while (line.charCodeAt(j) === 32) j++;
    const d = j;
    while (isDigit(line.charCodeAt(j))) j++;
    if (j > d && line.charCodeAt(j) === 93) {
      pid = Number(line.slice(d, j));
      i = j + 1;
      while (line.charCodeAt(i) === 32) i++;
    }
  } else if (isDigit(line.charCodeAt(0))) {
    let j = 1;
    while (isDigit(line.charCodeAt(j))) j++;
    if (line.charCodeAt(j) === 32) {
      pid = Number(line.slice(0, j));
      i = j + 1;
      while (line.charCodeAt(i) === 32) i++;
    }
  }
  i = skipTimestamp(line, i, pid === undefined);
  if (i >= n) {
    return { kind: 'other', lineNo, pid, text: '' };
  }
  const c = line.charCodeAt(i);
  if (c === 45 && line.startsWith('--- ', i)) return parseSignal(line, i, lineNo, pid);
  if (c === 43 && line.startsWith('+++ ', i)) return parseExit(line, i, lineNo, pid);
  if (c === 60 && line.startsWith('<... ', i)) return parseResumed(line, i, lineNo, pid);
  if (c === 115 && line.startsWith('strace: ', i)) return messageLine(line.slice(i), lineNo, pid);
  if (c === 91 && line.startsWith('[ Process ', i)) return { kind: 'other', lineNo, pid, text: line.slice(i) };
  return parseCall(line, i, lineNo, pid);
}

/** Skip `HH:MM:SS[.frac] ` or `secs.frac ` (and, without a pid, the padding of `-r`). */
function skipTimestamp(line: string, i: number, allowPad: boolean): number {
  let j = i;
  if (allowPad) while (line.charCodeAt(j) === 32) j++;
  const d = j;
  while (isDigit(line.charCodeAt(j))) j++;
  if (j === d) return i;
  if (line.charCodeAt(j) === 58) { // HH:MM:SS
    j++;
    while (isDigit(line.charCodeAt(j)) || line.charCodeAt(j) === 58) j++;
  }
  if (line.charCodeAt(j) === 46) {
    j++;
    while (isDigit(line.charCodeAt(j))) j++;
  }
  if (line.charCodeAt(j) !== 32 || j === d) return i;
  while (line.charCodeAt(j) === 32) j++;
  return j;
}

function messageLine(text: string, lineNo: number, pid: number | undefined): StraceLine {
  const m = /^strace: Process (\d+) attached/.exec(text);
  if (m) return { kind: 'attach', lineNo, pid: Number(m[1]), text };
  return { kind: 'other', lineNo, pid, text };
}

function parseSignal(line: string, i: number, lineNo: number, pid: number | undefined): StraceLine {
  const body = line.slice(i + 4);
  const m = /\bSIG[A-Z0-9+_-]*/.exec(body);
  const signal = m ? m[0] : (body.split(' ')[0] ?? '');
  return { kind: 'signal', lineNo, pid, signal };
}

function parseExit(line: string, i: number, lineNo: number, pid: number | undefined): StraceLine {
  const body = line.slice(i + 4);
  let m = /^exited with (-?\d+)/.exec(body);
  if (m) return { kind: 'exit', lineNo, pid, how: 'exited', code: Number(m[1]) };
  m = /^killed by (SIG[A-Z0-9+_-]*|\d+)/.exec(body);
  if (m) return { kind: 'exit', lineNo, pid, how: 'killed', signal: m[1] ?? '' };
  m = /^superseded by execve in pid (\d+)/.exec(body);
  if (m) return { kind: 'exit', lineNo, pid, how: 'superseded', byPid: Number(m[1]) };
  return { kind: 'malformed', lineNo, pid, reason: 'unknown +++ message' };
}

function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || isDigit(c) || c === 95 || c === 63;
}

function parseCall(line: string, i: number, lineNo: number, pid: number | undefined): StraceLine {
  const n = line.length;
  let j = i;
  while (j < n && isNameChar(line.charCodeAt(j))) j++;
  if (j === i || line.charCodeAt(j) !== 40) {
    return { kind: 'malformed', lineNo, pid, reason: 'expected a syscall name and "("' };
  }
  const name = line.slice(i, j);
  const argsAt = j + 1;
  const tail = trailingMarker(line);
  if (tail >= argsAt) {
    const end = line.charCodeAt(tail - 1) === 32 && tail - 1 >= argsAt ? tail - 1 : tail;
    return { kind: 'unfinished', lineNo, pid, name, nameAt: i, argsText: line.slice(argsAt, end), argsAt };
  }
  const close = findClose(line, argsAt);
  if (close < 0) return { kind: 'malformed', lineNo, pid, reason: 'unterminated argument list' };
  let argsText = line.slice(argsAt, close);
  // `name(args <unfinished ...>) = ?`: the tracee died inside the call.
  if (argsText.endsWith(UNFINISHED)) {
    const cut = argsText.length - UNFINISHED.length;
    argsText = argsText.slice(0, argsText.charCodeAt(cut - 1) === 32 ? cut - 1 : cut);
  }
  const result = parseResult(line, close + 1);
  if (!result) return { kind: 'malformed', lineNo, pid, reason: 'missing " = result"' };
  return { kind: 'call', lineNo, pid, name, nameAt: i, argsText, argsAt, complete: true, result };
}

const PID_CHANGED_RE = /<pid changed to \d+ \.\.\.>\s*$/;

/**
 * Start of a trailing `<unfinished ...>`, `<detached ...>` or `<pid changed
 * to N ...>` (an execve in a non-leader thread) marker, or -1.
 */
function trailingMarker(line: string): number {
  let e = line.length;
  while (e > 0 && line.charCodeAt(e - 1) === 32) e--;
  if (line.charCodeAt(e - 1) !== 62) return -1;
  if (line.startsWith(UNFINISHED, e - UNFINISHED.length)) return e - UNFINISHED.length;
  if (line.startsWith(DETACHED, e - DETACHED.length)) return e - DETACHED.length;
  if (line.charCodeAt(e - 2) === 46) {
    const m = PID_CHANGED_RE.exec(line);
    if (m) return m.index;
  }
  return -1;
}

function parseResumed(line: string, i: number, lineNo: number, pid: number | undefined): StraceLine {
  const nameAt = i + 5;
  const r = line.indexOf(' resumed>', nameAt);
  if (r < 0) return { kind: 'malformed', lineNo, pid, reason: 'expected "<... name resumed>"' };
  const name = line.slice(nameAt, r);
  const argsAt = r + 9;
  const close = findClose(line, argsAt);
  if (close < 0) return { kind: 'malformed', lineNo, pid, reason: 'unterminated resumed arguments' };
  const result = parseResult(line, close + 1);
  if (!result) return { kind: 'malformed', lineNo, pid, reason: 'missing " = result"' };
  return { kind: 'resumed', lineNo, pid, name, argsText: line.slice(argsAt, close), argsAt, result };
}

/**
 * Index of the `)` that closes an argument list starting at `from`, skipping
 * quoted strings, `/* comments *\/` and nested (), [], {}; -1 if none. A
 * stray `]`/`}` at depth 0 (a struct opened on the `<unfinished ...>` half)
 * is ignored.
 */
export function findClose(text: string, from: number): number {
  const n = text.length;
  let depth = 0;
  let i = from;
  while (i < n) {
    const c = text.charCodeAt(i);
    switch (c) {
      case 34: i = skipQuoted(text, i); continue;
      case 47:
        if (text.charCodeAt(i + 1) === 42) {
          const e = text.indexOf('*/', i + 2);
          if (e < 0) return -1;
          i = e + 2;
          continue;
        }
        break;
      case 40: case 91: case 123: depth++; break;
      case 41:
        if (depth === 0) return i;
        depth--;
        break;
      case 93: case 125: if (depth > 0) depth--; break;
    }
    i++;
  }
  return -1;
}

const DURATION_RE = / <\d+(?:\.\d+)?>\s*$/;

function parseResult(line: string, from: number): Result | undefined {
  let i = from;
  while (line.charCodeAt(i) === 32) i++;
  if (line.charCodeAt(i) !== 61) return undefined;
  i++;
  if (line.charCodeAt(i) === 32) i++;
  let end = line.length;
  if (line.charCodeAt(end - 1) === 62 || line.charCodeAt(end - 1) === 32) {
    const m = DURATION_RE.exec(line);
    if (m && m.index >= i) end = m.index;
  }
  while (end > i && line.charCodeAt(end - 1) === 32) end--;
  const text = line.slice(i, end);
  if (text === '') return undefined;
  return decodeResult(text, i);
}

function decodeResult(text: string, at: number): Result {
  if (text.charCodeAt(0) === 63) { // '?'
    const m = /^\? (E[A-Z0-9_]+)/.exec(text);
    return { text, at, value: undefined, unknown: true, errno: m ? m[1] : undefined };
  }
  let e = 0;
  if (text.charCodeAt(0) === 45) e = 1;
  let value: number | undefined;
  if (text.charCodeAt(e) === 48 && (text.charCodeAt(e + 1) | 0x20) === 120) {
    let k = e + 2;
    while (k < text.length && /[0-9a-fA-F]/.test(text.charAt(k))) k++;
    if (k > e + 2) value = parseInt(text.slice(e + 2, k), 16) * (e ? -1 : 1);
  } else {
    let k = e;
    while (isDigit(text.charCodeAt(k))) k++;
    if (k > e) value = Number(text.slice(0, k));
  }
  let errno: string | undefined;
  if (value !== undefined && value < 0) {
    const m = /^-\d+ (E[A-Z0-9_?]+)/.exec(text);
    if (m) errno = m[1];
  }
  return { text, at, value, unknown: false, errno };
}
