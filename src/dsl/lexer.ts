/**
 * A character cursor over policy text with line/column tracking. The parser pulls tokens
 * from it on demand, because one construct (an expect's call) is read raw, not as tokens.
 * Nothing here uses a RegExp: every scan is a single forward pass.
 */
import type { Span } from '../rules/ir.js';
import { diag, type Code, type Diagnostic } from './diagnostics.js';
import { decodeEscape, isBareStart, scanBare } from './strings.js';

export interface Mark {
  pos: number;
  line: number;
  col: number;
}

export interface Tok<T> {
  value: T;
  span: Span;
}

export function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

export function isIdentChar(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57) || c === 45;
}

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Variable names: like identifiers, without `-` (so `$A-b` reads as `$A` then `-b`). */
export function isVarChar(c: number): boolean {
  return isIdentStart(c) || isDigit(c);
}

export class Cursor {
  pos = 0;
  line = 1;
  private lineStart = 0;
  readonly diags: Diagnostic[] = [];
  /** End of the last token read: where a statement's span ends (before comments and blanks). */
  last: Mark = { pos: 0, line: 1, col: 1 };

  constructor(readonly text: string, readonly file: string) {}

  peek(k = 0): number {
    const i = this.pos + k;
    return i < this.text.length ? this.text.charCodeAt(i) : -1;
  }

  advance(): void {
    if (this.pos >= this.text.length) return;
    if (this.text.charCodeAt(this.pos) === 10) {
      this.line++;
      this.lineStart = this.pos + 1;
    }
    this.pos++;
  }

  /** Move to `to` (on the current line or further), keeping line numbers right. */
  advanceTo(to: number): void {
    while (this.pos < to) this.advance();
  }

  mark(): Mark {
    return { pos: this.pos, line: this.line, col: this.pos - this.lineStart + 1 };
  }

  /** The span from `from` to here, and remember here as the end of the last token. */
  tokenSpan(from: Mark): Span {
    this.last = this.mark();
    return this.span(from, this.last);
  }

  span(from: Mark, to: Mark = this.mark()): Span {
    return { file: this.file, line: from.line, col: from.col, endLine: to.line, endCol: to.col };
  }

  /** A span of `len` characters starting here, clipped to the current line. */
  spanAhead(len: number): Span {
    const m = this.mark();
    let end = this.pos;
    while (end < this.pos + len && end < this.text.length && this.text.charCodeAt(end) !== 10) end++;
    return { file: this.file, line: m.line, col: m.col, endLine: m.line, endCol: m.col + (end - this.pos) };
  }

  error(code: Code, span: Span, message: string, help?: string): void {
    this.diags.push(diag(code, span, message, help));
  }

  /** Skip spaces, tabs, carriage returns and a `#` comment; stop at a newline. */
  skipBlank(): void {
    for (;;) {
      const c = this.peek();
      if (c === 32 || c === 9 || c === 13) this.pos++;
      else if (c === 35) {
        while (this.pos < this.text.length && this.text.charCodeAt(this.pos) !== 10) this.pos++;
      } else return;
    }
  }

  /** Skip blanks, comments, newlines and `;` (between statements). */
  skipSeparators(): void {
    for (;;) {
      this.skipBlank();
      const c = this.peek();
      if (c === 10 || c === 59) this.advance();
      else return;
    }
  }

  /** Skip blanks and newlines (inside a `[...]` list). */
  skipBlankLines(): void {
    for (;;) {
      this.skipBlank();
      if (this.peek() === 10) this.advance();
      else return;
    }
  }

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  /** At a newline, `;`, `}` or the end of the text (after skipping blanks). */
  atStatementEnd(): boolean {
    this.skipBlank();
    const c = this.peek();
    return c === -1 || c === 10 || c === 59 || c === 125;
  }

  /** An identifier-like word (`allow`, `rename-from`, `O_TRUNC`), or undefined. */
  word(): Tok<string> | undefined {
    this.skipBlank();
    if (!isIdentStart(this.peek())) return undefined;
    const m = this.mark();
    let j = this.pos + 1;
    while (j < this.text.length && isIdentChar(this.text.charCodeAt(j))) j++;
    const value = this.text.slice(this.pos, j);
    this.pos = j;
    return { value, span: this.tokenSpan(m) };
  }

  /** The word that comes next, without consuming it. */
  peekWord(): string | undefined {
    this.skipBlank();
    if (!isIdentStart(this.peek())) return undefined;
    let j = this.pos + 1;
    while (j < this.text.length && isIdentChar(this.text.charCodeAt(j))) j++;
    return this.text.slice(this.pos, j);
  }

  /** A run of decimal digits, or undefined. */
  number(): Tok<number> | undefined {
    this.skipBlank();
    if (!isDigit(this.peek())) return undefined;
    const m = this.mark();
    let j = this.pos;
    while (j < this.text.length && isDigit(this.text.charCodeAt(j))) j++;
    const digits = this.text.slice(this.pos, j);
    this.pos = j;
    return { value: digits.length > 15 ? Number.POSITIVE_INFINITY : Number(digits), span: this.tokenSpan(m) };
  }

  /** The punctuation character `ch` if it comes next. */
  punct(ch: string): Tok<string> | undefined {
    this.skipBlank();
    if (this.peek() !== ch.charCodeAt(0)) return undefined;
    const m = this.mark();
    this.advance();
    return { value: ch, span: this.tokenSpan(m) };
  }

  /** A `"..."` string, decoded; reports bad escapes and a missing closing quote. */
  string(): Tok<string> | undefined {
    this.skipBlank();
    if (this.peek() !== 34) return undefined;
    const m = this.mark();
    const t = this.text;
    let j = this.pos + 1;
    let out = '';
    let from = j;
    for (;;) {
      const c = j < t.length ? t.charCodeAt(j) : -1;
      if (c === -1 || c === 10) {
        out += t.slice(from, j);
        this.pos = j;
        this.error('FW002', this.span(m), 'unterminated string', 'close it with `"` on the same line');
        return { value: out, span: this.tokenSpan(m) };
      }
      if (c === 34) break;
      if (c === 92) {
        out += t.slice(from, j);
        const e = decodeEscape(t, j);
        if (e.text === undefined) {
          const bad = { file: this.file, line: m.line, col: m.col + (j - m.pos), endLine: m.line, endCol: m.col + (e.end - m.pos) };
          this.error('FW009', bad, `invalid escape \`${t.slice(j, e.end)}\``,
            'escapes are \\" \\\\ \\n \\t \\r \\xHH (ASCII) and \\u{HEX}');
        } else out += e.text;
        j = Math.max(e.end, j + 1);
        from = j;
        continue;
      }
      j++;
    }
    out += t.slice(from, j);
    this.pos = j + 1;
    return { value: out, span: this.tokenSpan(m) };
  }

  /** A bare pattern (`/srv/**`, `$TMP/*.{c,h}`, `{$OUT,/tmp}/*`), or undefined when none starts here. */
  bare(): Tok<string> | undefined {
    this.skipBlank();
    if (!isBareStart(this.peek())) return undefined;
    const m = this.mark();
    const end = scanBare(this.text, this.pos);
    const value = this.text.slice(this.pos, end);
    this.pos = end;
    return { value, span: this.tokenSpan(m) };
  }

  /** `$NAME` (the name without `$`), or undefined. */
  varName(): Tok<string> | undefined {
    this.skipBlank();
    if (this.peek() !== 36 || !isIdentStart(this.peek(1))) return undefined;
    const m = this.mark();
    let j = this.pos + 2;
    while (j < this.text.length && isVarChar(this.text.charCodeAt(j))) j++;
    const value = this.text.slice(this.pos + 1, j);
    this.pos = j;
    return { value, span: this.tokenSpan(m) };
  }

  /** What comes next, for "expected X, found Y" messages. */
  describeNext(): string {
    this.skipBlank();
    const c = this.peek();
    if (c === -1) return 'end of file';
    if (c === 10) return 'end of line';
    if (isIdentStart(c)) {
      let j = this.pos + 1;
      while (j < this.text.length && j < this.pos + 40 && isIdentChar(this.text.charCodeAt(j))) j++;
      return `\`${this.text.slice(this.pos, j)}\``;
    }
    return `\`${String.fromCodePoint(this.text.codePointAt(this.pos) ?? c)}\``;
  }

  /** Length of the token that starts here (for error spans), at least 1 unless at a line end. */
  nextTokenLength(): number {
    this.skipBlank();
    const c = this.peek();
    if (c === -1 || c === 10) return 0;
    if (isIdentStart(c)) {
      let j = this.pos + 1;
      while (j < this.text.length && isIdentChar(this.text.charCodeAt(j))) j++;
      return j - this.pos;
    }
    if (c === 47 || c === 36) return scanBare(this.text, this.pos) - this.pos || 1;
    return c >= 0xd800 && c <= 0xdbff ? 2 : 1;
  }

  /**
   * Skip to the end of the current statement after an error: past strings, stopping before a
   * newline, `;` or a `}` that closes an outer block. A block the bad statement opened (a
   * free-standing `{`) is skipped whole, so its lines do not each report again.
   */
  recover(): void {
    let depth = 0;
    for (;;) {
      const c = this.peek();
      if (c === -1) return;
      if (depth === 0 && (c === 10 || c === 59 || c === 125)) return;
      if (c === 34) {
        this.skipStringRaw();
        continue;
      }
      if (c === 35 && (this.pos === 0 || isBlank(this.text.charCodeAt(this.pos - 1)) || this.text.charCodeAt(this.pos - 1) === 10)) {
        this.skipBlank();
        continue;
      }
      if (c === 123 && this.standsAlone()) depth++;
      else if (c === 125 && depth > 0) depth--;
      this.advance();
    }
  }

  /** A `{` or `}` with blanks (or a line edge) on both sides: block punctuation, not a glob's. */
  private standsAlone(): boolean {
    const before = this.pos === 0 ? 10 : this.text.charCodeAt(this.pos - 1);
    const after = this.peek(1);
    return (isBlank(before) || before === 10) && (after === -1 || after === 10 || after === 35 || isBlank(after));
  }

  private skipStringRaw(): void {
    this.pos++;
    while (this.pos < this.text.length) {
      const d = this.text.charCodeAt(this.pos);
      if (d === 10) return;
      this.pos++;
      if (d === 92 && this.peek() !== 10) this.pos++;
      else if (d === 34) return;
    }
  }
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 13;
}
