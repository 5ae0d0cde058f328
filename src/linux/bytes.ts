/**
 * Paths are bytes: the model holds them as byte strings (one char per byte, 0-255). Text a user
 * writes (a policy, a command line, a test call, host options) is UTF-8, as a program on Linux
 * would pass it.
 */

/** UTF-8 text as the model's byte string; ASCII is returned as it is. */
export function byteString(text: string): string {
  if (!/[^\x00-\x7f]/.test(text)) return text;
  let out = '';
  for (const b of new TextEncoder().encode(text)) out += String.fromCharCode(b);
  return out;
}
