/**
 * The page's state in its URL: JSON, deflate-raw (CompressionStream), base64url, after `#s=`.
 * Nothing leaves the browser; a link restores the same policy, recording and run.
 *
 * A link is a stranger's input, so reading one is bounded: the fragment's length, the inflated
 * size (the stream is cut at the bound, never inflated whole), the tree's depth and entries, and
 * every field's type are checked; a link that fails a check is refused with its reason.
 */
import { LIMITS, validState, type SharedState } from './state-check.js';

export type { SharedState } from './state-check.js';
export { LIMITS } from './state-check.js';

async function compress(bytes: Uint8Array): Promise<Uint8Array> {
  const out = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(out).arrayBuffer());
}

class Refused extends Error {}

/** Inflates `bytes`, stopping (and cancelling the stream) as soon as the output passes `cap` bytes. */
async function inflateAtMost(bytes: Uint8Array, cap: number): Promise<Uint8Array> {
  const reader = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('deflate-raw')).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let r: ReadableStreamReadResult<Uint8Array>;
    try {
      r = await reader.read();
    } catch {
      throw new Refused('its state is not deflate-raw data');
    }
    if (r.done) break;
    total += r.value.length;
    if (total > cap) {
      void reader.cancel().catch(() => undefined);
      throw new Refused(`its state inflates to more than ${cap / (1 << 20)} MiB`);
    }
    chunks.push(r.value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function toBase64Url(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  // A length of 1 mod 4 is no whole byte; atob would refuse it too, with a less useful message.
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) throw new Refused('its state is not base64url');
  const s = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export async function encodeState(state: SharedState): Promise<string> {
  const json = new TextEncoder().encode(JSON.stringify(state));
  return 's=' + toBase64Url(await compress(json));
}

export type Decoded = { state: SharedState } | { error: string };

/**
 * The state in a URL fragment (`#s=...`): undefined when the fragment holds none, else the state
 * or the reason it was refused.
 */
export async function decodeState(hash: string): Promise<Decoded | undefined> {
  const h = hash.replace(/^#/, '');
  if (!h.startsWith('s=')) return undefined;
  const data = h.slice(2);
  try {
    if (data.length > LIMITS.fragment) throw new Refused(`its fragment is ${data.length} characters long, more than ${LIMITS.fragment}`);
    const bytes = await inflateAtMost(fromBase64Url(data), LIMITS.inflated);
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new Refused('its state is not UTF-8 text');
    }
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      throw new Refused('its state is not JSON');
    }
    const checked = validState(v);
    if (typeof checked === 'string') throw new Refused(checked);
    return { state: checked };
  } catch (e) {
    if (e instanceof Refused) return { error: e.message };
    return { error: `it could not be read (${e instanceof Error ? e.message : String(e)})` };
  }
}
