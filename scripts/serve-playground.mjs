#!/usr/bin/env node
// Serves playground/dist/ on localhost (a static server, nothing else: the page computes
// everything itself) and prints its URL. `--port N` (default 8080; 0 picks a free one).
// Also used by the build (time to first decision) and the browser tests.
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');
export const DIST = join(ROOT, 'playground', 'dist');
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.map': 'application/json', '.wasm': 'application/wasm', '.policy': 'text/plain; charset=utf-8', '.strace': 'text/plain',
};

/**
 * The page's Content-Security-Policy (index.html's <meta>, its one source) as a header too, so
 * that it also covers the workers (a worker takes its policy from its own response, never from
 * the page's <meta>); they compile the run pane's program, hence 'wasm-unsafe-eval'. The page is
 * under both.
 */
export function headerPolicy(dir = DIST) {
  const m = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(readFileSync(join(dir, 'index.html'), 'utf8'));
  if (!m) throw new Error(`${join(dir, 'index.html')} has no Content-Security-Policy`);
  return m[1].replace("script-src 'self'", "script-src 'self' 'wasm-unsafe-eval'");
}

/** Serves `dir` on 127.0.0.1:`port`; resolves to its URL and a close function. */
export function serve(dir = DIST, port = 0) {
  const csp = headerPolicy(dir);
  const server = createServer((req, res) => {
    // Any page the browser visits can send requests here: a malformed one is answered, never thrown.
    let path;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      res.writeHead(400).end('bad request');
      return;
    }
    const file = normalize(join(dir, path.endsWith('/') ? `${path}index.html` : path));
    if (path.includes('\0') || (file !== dir && !file.startsWith(dir + sep)) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store', 'content-security-policy': csp });
    createReadStream(file).on('error', () => res.destroy()).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: p } = server.address();
      resolve({ url: `http://127.0.0.1:${p}/`, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

/** Loads the built page in headless chromium; ms from navigation start to the page's first-decision mark. */
export async function measureFirstDecision(dir = DIST) {
  const { chromium } = await import('playwright-core');
  const s = await serve(dir, 0);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    await page.goto(s.url);
    await page.waitForFunction(() => performance.getEntriesByName('fdwarden:first-decision').length > 0, undefined, { timeout: 60_000 });
    return await page.evaluate(() => performance.getEntriesByName('fdwarden:first-decision')[0].startTime);
  } finally {
    await browser.close();
    await s.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === normalize(process.argv[1])) {
  const i = process.argv.indexOf('--port');
  const port = i > 0 ? Number(process.argv[i + 1]) : 8080;
  if (!existsSync(join(DIST, 'index.html'))) {
    console.error('serve-playground: playground/dist is not built (npm run build:playground)');
    process.exit(1);
  }
  const s = await serve(DIST, port);
  console.log(`fdwarden playground: ${s.url}`);
}
