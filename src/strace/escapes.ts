/**
 * strace's C-style string escapes, both directions.
 *
 * strace prints data and paths with `\n \t \v \f \r \" \\`, octal escapes of
 * one to three digits (`\0`, `\177`, three digits whenever the next byte is an
 * octal digit) and, under `-x`/`-xx`, `\xHH`. Decoding yields raw bytes because
 * Linux paths are byte strings, not text.
 */
import { latin1Bytes } from '../linux/bytes.js';

const HEX = '0123456789abcdef';

/** Index just past the closing quote of the string opening at `text[open]` (`text.length` if unterminated). */
export function skipQuoted(text: string, open: number): number {
  // indexOf finds candidates natively; a quote preceded by an odd run of backslashes is escaped.
  let i = open + 1;
  for (;;) {
    const q = text.indexOf('"', i);
    if (q < 0) return text.length;
    let b = q - 1;
    while (b > open && text.charCodeAt(b) === 92) b--;
    if ((q - 1 - b) % 2 === 0) return q + 1;
    i = q + 1;
  }
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * Decode `text[start, end)` — the inside of a quoted string, without the
 * quotes — into bytes. Characters outside ASCII (strace never prints them
 * unescaped, but hand-written input may) are encoded as UTF-8. An escape
 * strace never produces is kept as the escaped character.
 */
export function decodeEscapes(text: string, start = 0, end = text.length): Uint8Array {
  const out = new Uint8Array(Math.max(0, end - start) * 3);
  let o = 0;
  let i = start;
  while (i < end) {
    let c = text.charCodeAt(i);
    if (c !== 92) {
      if (c < 0x80) {
        out[o++] = c;
        i++;
        continue;
      }
      const cp = text.codePointAt(i) ?? c;
      i += cp > 0xffff ? 2 : 1;
      o = putUtf8(out, o, cp >= 0xd800 && cp <= 0xdfff ? 0xfffd : cp);
      continue;
    }
    i++;
    if (i >= end) {
      out[o++] = 92; // lone trailing backslash: keep it
      break;
    }
    c = text.charCodeAt(i);
    switch (c) {
      case 110: out[o++] = 10; i++; continue; // n
      case 116: out[o++] = 9; i++; continue; // t
      case 118: out[o++] = 11; i++; continue; // v
      case 102: out[o++] = 12; i++; continue; // f
      case 114: out[o++] = 13; i++; continue; // r
      case 120: { // x: one or two hex digits
        let v = -1;
        let k = i + 1;
        for (; k < end && k < i + 3; k++) {
          const h = hexVal(text.charCodeAt(k));
          if (h < 0) break;
          v = (v < 0 ? 0 : v * 16) + h;
        }
        if (v < 0) { out[o++] = 120; i++; continue; }
        out[o++] = v;
        i = k;
        continue;
      }
      default:
        if (c >= 48 && c <= 55) {
          let v = 0;
          let k = i;
          for (; k < end && k < i + 3; k++) {
            const d = text.charCodeAt(k);
            if (d < 48 || d > 55) break;
            v = v * 8 + (d - 48);
          }
          out[o++] = v & 0xff;
          i = k;
          continue;
        }
        // `\"`, `\\` and anything unexpected: the character itself.
        if (c < 0x80) { out[o++] = c; i++; continue; }
        continue; // non-ASCII after a backslash: let the main loop encode it
    }
  }
  return out.subarray(0, o);
}

function putUtf8(out: Uint8Array, o: number, cp: number): number {
  if (cp < 0x800) {
    out[o++] = 0xc0 | (cp >> 6);
  } else if (cp < 0x10000) {
    out[o++] = 0xe0 | (cp >> 12);
    out[o++] = 0x80 | ((cp >> 6) & 0x3f);
  } else {
    out[o++] = 0xf0 | (cp >> 18);
    out[o++] = 0x80 | ((cp >> 12) & 0x3f);
    out[o++] = 0x80 | ((cp >> 6) & 0x3f);
  }
  out[o++] = 0x80 | (cp & 0x3f);
  return o;
}

/** Decode a whole quoted string token (`"..."`, optionally followed by `...`). */
export function decodeQuoted(token: string): Uint8Array {
  const n = token.length;
  if (token.charCodeAt(0) !== 34) return decodeEscapes(token);
  let i = 1;
  while (i < n) {
    const c = token.charCodeAt(i);
    if (c === 34) return decodeEscapes(token, 1, i);
    i += c === 92 ? 2 : 1;
  }
  return decodeEscapes(token, 1, n);
}

export interface EscapeOptions {
  /** Extra printable characters to escape (strace uses `"<>"` inside fd annotations). */
  readonly escapeChars?: string;
  /** `'none'` (default), `'non-printable'` for `-x`, `'all'` for `-xx`. */
  readonly hex?: 'none' | 'non-printable' | 'all';
}

/** Render bytes the way strace's `string_quote` does, without the surrounding quotes. */
export function escapeBytes(bytes: Uint8Array, opts: EscapeOptions = {}): string {
  const extra = opts.escapeChars ?? '';
  const hex = opts.hex ?? 'none';
  let s = '';
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i] ?? 0;
    if (hex === 'all') { s += '\\x' + HEX[c >> 4] + HEX[c & 15]; continue; }
    switch (c) {
      case 34: s += '\\"'; continue;
      case 92: s += '\\\\'; continue;
      case 12: s += '\\f'; continue;
      case 10: s += '\\n'; continue;
      case 13: s += '\\r'; continue;
      case 9: s += '\\t'; continue;
      case 11: s += '\\v'; continue;
    }
    if (c >= 0x20 && c < 0x7f && extra.indexOf(String.fromCharCode(c)) < 0) {
      s += String.fromCharCode(c);
      continue;
    }
    if (hex === 'non-printable') { s += '\\x' + HEX[c >> 4] + HEX[c & 15]; continue; }
    const next = bytes[i + 1];
    s += '\\';
    // A following octal digit forces the full three digits so the escape stays unambiguous.
    if (next !== undefined && next >= 48 && next <= 55) {
      s += String(c >> 6) + String((c >> 3) & 7);
    } else if (c >> 3 !== 0) {
      if (c >> 6 !== 0) s += String(c >> 6);
      s += String((c >> 3) & 7);
    }
    s += String(c & 7);
  }
  return s;
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A byte string (one char per byte, as the model holds paths) for a person to read: its UTF-8
 * text when the bytes are valid UTF-8 without control characters (`/tmp/é.txt`), else strace's
 * escapes with `\xNN` for every byte outside printable ASCII (`/tmp/\xff.txt`), so that no two
 * names print alike. Text holding a char above 0xff is not a byte string and is returned as is.
 */
export function displayBytes(s: string): string {
  if (/^[\x20-\x5b\x5d-\x7e]*$/.test(s)) return s;
  if (/[^\x00-\xff]/.test(s)) return s;
  const bytes = latin1Bytes(s);
  if (!/[\x00-\x1f\x7f\\]/.test(s)) {
    try {
      const text = STRICT_UTF8.decode(bytes);
      if (!/[\x80-\x9f]/.test(text)) return text;
    } catch {
      // not UTF-8: escaped below
    }
  }
  return escapeBytes(bytes, { hex: 'non-printable' }).replace(/\\"/g, '"');
}
