/**
 * Quoted strings: their escapes, and which text may be written bare. Shared by the lexer and
 * the printer so that printing then parsing gives back the same text.
 */

/** Whether `c` may sit in a bare pattern (the printer quotes anything else). */
function bareChar(c: number): boolean {
  return c > 0x20 && c !== 0x7f && c !== 0x22 && c !== 0x3b; // no space/control, `"`, `;`
}

/**
 * End of a bare pattern starting at `i`: it runs to whitespace, `;` or `"`, or to a `}` that
 * closes no `{` of its own (so `tier 1 { allow read /a/{b,c} }` reads as meant).
 */
export function scanBare(text: string, i: number): number {
  let depth = 0;
  let j = i;
  while (j < text.length) {
    const c = text.charCodeAt(j);
    if (!bareChar(c)) break;
    if (c === 0x7b) depth++;
    else if (c === 0x7d) {
      if (depth === 0) break;
      depth--;
    }
    j++;
  }
  return j;
}

function isLoneSurrogate(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff) {
    const d = text.charCodeAt(i + 1);
    return !(d >= 0xdc00 && d <= 0xdfff);
  }
  if (c >= 0xdc00 && c <= 0xdfff) {
    const p = text.charCodeAt(i - 1);
    return !(p >= 0xd800 && p <= 0xdbff);
  }
  return false;
}

/**
 * `/`, `$` or `{`: where a pattern may start unquoted. `{` is never a block's opening brace
 * where a pattern can stand (blocks open after a name or number), so a brace group may lead.
 */
export function isBareStart(c: number): boolean {
  return c === 0x2f || c === 0x24 || c === 0x7b;
}

/** Whether a pattern can be printed without quotes and read back unchanged. */
export function canBeBare(text: string): boolean {
  if (!isBareStart(text.charCodeAt(0))) return false;
  if (scanBare(text, 0) !== text.length) return false;
  for (let i = 0; i < text.length; i++) if (isLoneSurrogate(text, i)) return false;
  return true;
}

function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}

/** `"..."` with every character that needs it escaped. */
export function quote(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x0d) out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += `\\x${hex2(c)}`;
    else if (isLoneSurrogate(text, i)) out += `\\u{${c.toString(16).toUpperCase()}}`;
    else out += text.charAt(i);
  }
  return out + '"';
}

export interface EscapeResult {
  /** The decoded text, or undefined when the escape is invalid. */
  text: string | undefined;
  /** Index just past the escape. */
  end: number;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

/** Decode the escape whose backslash is at `i`. */
export function decodeEscape(text: string, i: number): EscapeResult {
  const c = text.charCodeAt(i + 1);
  switch (c) {
    case 0x22: return { text: '"', end: i + 2 };
    case 0x5c: return { text: '\\', end: i + 2 };
    case 0x6e: return { text: '\n', end: i + 2 };
    case 0x74: return { text: '\t', end: i + 2 };
    case 0x72: return { text: '\r', end: i + 2 };
    case 0x78: { // \xHH, ASCII only: other bytes are written as characters (UTF-8)
      const h = hexValue(text.charCodeAt(i + 2));
      const l = hexValue(text.charCodeAt(i + 3));
      if (h < 0 || l < 0 || h > 7) return { text: undefined, end: Math.min(text.length, i + 2) };
      return { text: String.fromCharCode(h * 16 + l), end: i + 4 };
    }
    case 0x75: { // \u{H...}
      if (text.charCodeAt(i + 2) !== 0x7b) return { text: undefined, end: i + 2 };
      let j = i + 3;
      let v = 0;
      while (j < text.length && j < i + 10 && hexValue(text.charCodeAt(j)) >= 0) {
        v = v * 16 + hexValue(text.charCodeAt(j));
        j++;
      }
      if (j === i + 3 || text.charCodeAt(j) !== 0x7d || v > 0x10ffff) return { text: undefined, end: j };
      return { text: String.fromCodePoint(v), end: j + 1 };
    }
    default: // the bad escape is the backslash and the character after it, if on the same line
      return { text: undefined, end: Number.isNaN(c) || c === 0x0a ? i + 1 : i + 2 };
  }
}
