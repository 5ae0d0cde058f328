/**
 * A model path (bytes, one character per byte) written as a policy pattern that matches exactly
 * that path: glob metacharacters in classes, UTF-8 decoded (patterns are matched as their UTF-8
 * bytes), quoted when it cannot be bare.
 */
import { canBeBare, quote } from '../dsl/strings.js';
import { latin1Bytes } from '../linux/bytes.js';

const META = /[*?[\]{}$]/g;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export interface PatternText {
  text: string;
  /** Bytes that are not UTF-8 stand as `?` (any one byte): the pattern matches a little more. */
  widened: boolean;
}

/**
 * The pattern for one literal path.
 *
 * @example
 * literalPattern('/tmp/a b*').text; // '"/tmp/a b[*]"'
 * literalPattern('/etc/passwd').text; // '/etc/passwd'
 */
export function literalPattern(path: string): PatternText {
  const bytes = latin1Bytes(path);
  let text: string;
  let widened = false;
  try {
    text = utf8.decode(bytes).replace(META, (m) => `[${m}]`);
  } catch {
    // Not UTF-8: ASCII stays literal, any other byte is matched by `?`.
    widened = true;
    text = [...path].map((c) => (c.charCodeAt(0) < 0x80 ? c.replace(META, (m) => `[${m}]`) : '?')).join('');
  }
  return { text: canBeBare(text) ? text : quote(text), widened };
}

/** A path as strace prints a string argument (for `expect` lines): printable ASCII only, else undefined. */
export function straceString(path: string): string | undefined {
  return /^[\x21-\x7e]+$/.test(path) && !/["\\]/.test(path) ? `"${path}"` : undefined;
}
