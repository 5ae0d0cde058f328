/**
 * `npm run playground`'s server listens on localhost, where any page the browser visits can send
 * it requests: it serves the built page's files and nothing else, and a malformed request is
 * answered, never the end of the server (before, `/%E0%A4%A` threw out of the handler and
 * stopped it).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../temp-dirs.js';

const ROOT = join(import.meta.dirname, '../..');
const root = tempDir('fdw-serve-');
const dist = join(root, 'dist');
let server: { url: string; close(): Promise<void> };

beforeAll(async () => {
  mkdirSync(dist);
  writeFileSync(join(dist, 'index.html'), `<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self'">page`);
  writeFileSync(join(root, 'secret.txt'), 'outside the build');
  const { serve } = (await import(join(ROOT, 'scripts', 'serve-playground.mjs'))) as { serve(dir: string, port: number): Promise<typeof server> };
  server = await serve(dist, 0);
});
afterAll(async () => server.close());

/** Status and body of a raw request path (sent as written: no client-side normalising). */
async function get(path: string): Promise<[number, string]> {
  const { request } = await import('node:http');
  const u = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve([res.statusCode!, body]));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the playground server', () => {
  it('serves the page with its Content-Security-Policy (wasm compilation allowed for the worker)', async () => {
    expect(await get('/')).toEqual([200, expect.stringContaining('page')]);
    const r = await fetch(server.url);
    expect(r.headers.get('content-security-policy')).toBe("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'");
  });

  it('answers malformed requests and stays up', async () => {
    // A path that does not decode is the client's error; a NUL names no file. Neither is a 500.
    for (const p of ['/%E0%A4%A', '/%', '/%zz']) expect((await get(p))[0], p).toBe(400);
    expect((await get('/a%00b'))[0]).toBe(404);
    expect((await get('/index.html'))[0]).toBe(200);
  });

  it('never serves a file outside the build', async () => {
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/..%5csecret.txt', '//../secret.txt']) {
      const [status, body] = await get(p);
      expect(status, p).toBe(404);
      expect(body).not.toContain('outside the build');
    }
  });
});
