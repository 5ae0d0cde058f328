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

/** A byte string's bytes (what `Buffer.from(s, 'latin1')` gives, in any JavaScript runtime). */
export function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** Bytes as a byte string, one char per byte. */
export function latin1String(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 0x2000) out += String.fromCharCode(...bytes.subarray(i, i + 0x2000));
  return out;
}
