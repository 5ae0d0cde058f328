/**
 * The browser tests' harness: the playground built when its sources are newer than the build,
 * served on an ephemeral localhost port, Debian's chromium driven by playwright-core (nothing is
 * downloaded), a screenshot per step under test/browser/screenshots/, and the CLI run on the
 * same inputs the page is given, for comparison.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const ROOT = join(import.meta.dirname, '..', '..');
const DIST = join(ROOT, 'playground', 'dist');
export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function newest(dir: string): number {
  let t = 0;
  for (const f of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, f.name);
    t = Math.max(t, f.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Builds playground/dist/ unless it is newer than the page's sources and the library's dist/. */
export function ensureBuilt(): void {
  // Test files run in parallel: one builds while the others wait, then find the build fresh.
  const lock = join(ROOT, 'playground', '.build-lock');
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock left by a killed run is taken over after two minutes.
      const held = statSync(lock, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > 120_000) rmSync(lock, { recursive: true, force: true });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    const app = join(DIST, 'app.js');
    const sources = Math.max(
      newest(join(ROOT, 'playground', 'src')), newest(join(ROOT, 'playground', 'public')), newest(join(ROOT, 'dist')),
      statSync(join(ROOT, 'scripts', 'build-playground.mjs')).mtimeMs,
    );
    if (existsSync(app) && statSync(app).mtimeMs > sources) return;
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-playground.mjs'), '--no-measure', '--quiet'], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`building the playground failed:\n${r.stdout}${r.stderr}`);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface Session {
  browser: Browser;
  page: Page;
  url: string;
  close(): Promise<void>;
  /** Saves a screenshot of the page as STEP.png in this file's directory and prints its path. */
  shot(step: string, page?: Page): Promise<void>;
}

/** A built, served playground and one browser for a test file. */
export async function openPlayground(name: string): Promise<Session> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: the browser tests drive Debian's chromium (apt-get install chromium); nothing is downloaded`);
  }
  ensureBuilt();
  const { serve } = (await import(join(ROOT, 'scripts', 'serve-playground.mjs'))) as { serve(dir?: string, port?: number): Promise<{ url: string; close(): Promise<void> }> };
  const server = await serve(DIST, 0);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport: { width: 1500, height: 1100 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const dir = join(ROOT, 'test', 'browser', 'screenshots', name);
  // This run's screenshots only: numbered in the order the steps ran.
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  let n = 0;
  return {
    browser, page, url: server.url,
    async close() {
      await browser.close();
      await server.close();
      if (errors.length) throw new Error(`the page threw: ${errors.join('; ')}`);
    },
    async shot(step, p = page) {
      const file = join(dir, `${String(++n).padStart(2, '0')}-${step}.png`);
      await p.screenshot({ path: file, fullPage: true });
      console.log(`screenshot: ${relative(ROOT, file)}`);
    },
  };
}

/** openPlayground, then the page loaded and its first recording audited (the counts shown). */
export async function loadedPlayground(name: string): Promise<Session> {
  const s = await openPlayground(name);
  try {
    await s.page.goto(s.url);
    await s.page.waitForSelector('#counts[data-syscalls]');
  } catch (e) {
    await s.close().catch(() => {});
    throw e;
  }
  return s;
}

/** `fdwarden ARGS...` from the repository's root (dist/, as built by npm test): status and output. */
export function cli(args: readonly string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'fdwarden.js'), ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Replaces the text of the CodeMirror editor inside `selector` as typed input. */
export async function typeInto(page: Page, selector: string, text: string): Promise<void> {
  await page.click(`${selector} .cm-content`);
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

/** The text of the CodeMirror editor inside `selector` (through the view CodeMirror keeps on its DOM, as EditorView.findFromDOM finds it). */
export function editorText(page: Page, selector: string): Promise<string> {
  return page.$eval(`${selector} .cm-content`, (el) => {
    type Doc = { state: { doc: { toString(): string } } };
    const tile = (el as unknown as { cmTile?: { root?: { view?: Doc } } }).cmTile;
    const view = tile?.root?.view;
    if (!view) throw new Error('no CodeMirror view on .cm-content');
    return view.state.doc.toString();
  });
}
