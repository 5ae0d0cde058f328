/**
 * The page's state in its URL: JSON, deflate-raw (CompressionStream), base64url, after `#s=`.
 * Nothing leaves the browser; a link restores the same policy, recording and run.
 */

export interface SharedState {
  /** Policy text and the file name it is compiled as. */
  policy: string;
  file: string;
  vars: string;
  /** A shipped recording's id, or `paste` with the pasted text. */
  trace: string;
  pasted?: string;
  /** The view a pasted log is replayed on: nothing (`empty`) or the recordings' snapshot (`system`). */
  fs?: 'empty' | 'system';
  cwd: string;
  /** The saved copy a diff compares with. */
  old?: { policy: string; file: string };
  run?: { args: string; cwd?: string; fs?: unknown };
}

async function pipe(bytes: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const out = new Blob([bytes as BlobPart]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(out).arrayBuffer());
}

function toBase64Url(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  const s = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export async function encodeState(state: SharedState): Promise<string> {
  const json = new TextEncoder().encode(JSON.stringify(state));
  return 's=' + toBase64Url(await pipe(json, new CompressionStream('deflate-raw')));
}

/** The state in a URL fragment (`#s=...`), or undefined when there is none or it cannot be read. */
export async function decodeState(hash: string): Promise<SharedState | undefined> {
  const m = /^#?s=([A-Za-z0-9_-]+)$/.exec(hash);
  if (!m) return undefined;
  try {
    const json = await pipe(fromBase64Url(m[1]!), new DecompressionStream('deflate-raw'));
    const v = JSON.parse(new TextDecoder().decode(json)) as SharedState;
    if (typeof v.policy !== 'string' || typeof v.file !== 'string' || typeof v.trace !== 'string') return undefined;
    return { ...v, vars: typeof v.vars === 'string' ? v.vars : '', cwd: typeof v.cwd === 'string' ? v.cwd : '' };
  } catch {
    return undefined;
  }
}
