/**
 * The playground's run pane in chromium: fsops.wasm (test/wali/programs/fsops.c) runs on the
 * in-memory host in a worker under the editor's policy. A denied delete fails in the program with
 * the policy's errno and leaves the in-memory file in place; an allowed one removes it; a file
 * added in the tree is what the program reads; the run's arguments and tree travel in a shared URL.
 * Each run is compared with `fdwarden run` (the Node host, itself checked against Linux) on a
 * directory holding the same tree: the same output, the same denials, the same files after it.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cli, loadedPlayground, ROOT, type Session } from './harness.js';

type El = { value: string; dataset: Record<string, string | undefined> };

let s: Session;

beforeAll(async () => {
  s = await loadedPlayground('run-pane');
});
afterAll(async () => {
  await s?.close();
});

const WORK = '/tmp/fdw-rec/deleted-files';

/** Runs fsops with these arguments; its output, status, decisions and the tree's paths after it. */
async function run(args: string) {
  await s.page.fill('#run-args', args);
  await s.page.$eval('#run-pane', (el) => { delete (el as unknown as El).dataset['status']; });
  await s.page.click('#run');
  await s.page.waitForSelector('#run-pane[data-status]', { timeout: 60_000 });
  return {
    status: Number(await s.page.getAttribute('#run-pane', 'data-status')),
    output: (await s.page.textContent('#run-output')) ?? '',
    denied: await s.page.$$eval('#run-decisions .denied summary', (els) => els.map((e) => e.textContent ?? '')),
    paths: JSON.parse((await s.page.getAttribute('#run-tree', 'data-paths')) ?? '[]') as string[],
  };
}

/** `fdwarden run` of the same program, policy and arguments on a directory holding `files`; its output and the files after it. */
function nodeRun(files: Record<string, string>, args: string) {
  const root = mkdtempSync(join(tmpdir(), 'fdw-run-pane-'));
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    const r = cli(['run', '--policy', 'examples/policies/workdir.policy', '--var', `WORK=${WORK}`, '--dir', `${root}=/`, '--cwd', '/',
      join(ROOT, 'playground', 'dist', 'assets', 'fsops.wasm'), ...args.split(' ')]);
    const paths: string[] = [];
    const walk = (d: string): void => {
      for (const f of readdirSync(join(root, d))) {
        const p = `${d}/${f}`;
        if (statSync(join(root, p)).isDirectory()) {
          paths.push(`${p}/`);
          walk(p);
        } else paths.push(p);
      }
    };
    walk('');
    return { ...r, paths: paths.sort() };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** The text of a file of the tree, as the pane's file editor shows it. */
async function fileText(path: string): Promise<string> {
  await s.page.click(`#run-tree a[data-path="${path}"]`);
  return s.page.$eval('#run-file-body', (el) => (el as unknown as El).value);
}

describe('run pane', () => {
  test('a denied delete fails with the policy errno and leaves the in-memory file in place', async () => {
    const before = await fileText('/etc/passwd');
    const r = await run('unlink /etc/passwd cat /etc/passwd');
    await s.shot('denied-delete');
    expect(r.status).toBe(0);
    expect(r.output).toContain('unlink /etc/passwd = -13\n'); // EACCES, the workdir policy's default
    expect(r.denied).toEqual(['deny EACCES unlink /etc/passwd [delete] by default']);
    // The explanation of the denial is shown with it.
    expect(await s.page.textContent('#run-decisions .denied pre')).toMatch(/^unlink(at)?: denied with EACCES[\s\S]*would allow it: allow delete \/etc\/passwd/);
    expect(r.paths).toContain('/etc/passwd');
    expect(await fileText('/etc/passwd')).toBe(before);
    expect(r.output).toContain(`cat /etc/passwd = ${new TextEncoder().encode(before).length} ${JSON.stringify(before)}`);
    const n = nodeRun({ '/etc/passwd': before, [`${WORK}/notes.txt`]: await fileText(`${WORK}/notes.txt`) }, 'unlink /etc/passwd cat /etc/passwd');
    expect(n.status).toBe(r.status);
    expect(n.stdout).toBe(r.output);
    expect(n.stderr).toContain(`fdwarden: ${r.denied[0]}\n`);
    expect(n.paths).toEqual(r.paths);
  });

  test('an allowed delete under $WORK removes the file; a file added in the tree is what the program reads', async () => {
    await s.page.fill('#run-file-path', `${WORK}/added.txt`);
    await s.page.fill('#run-file-body', 'added in the page\n');
    await s.page.click('#run-file-save');
    const r = await run(`cat ${WORK}/added.txt unlink ${WORK}/notes.txt`);
    await s.shot('allowed-delete');
    expect(r.status).toBe(0);
    expect(r.output).toContain(`cat ${WORK}/added.txt = 18 "added in the page\\n"\n`);
    expect(r.output).toContain(`unlink ${WORK}/notes.txt = 0\n`);
    expect(r.denied).toEqual([]);
    expect(r.paths).not.toContain(`${WORK}/notes.txt`);
    expect(r.paths).toContain(`${WORK}/added.txt`);
    const n = nodeRun({ '/etc/passwd': await fileText('/etc/passwd'), [`${WORK}/notes.txt`]: 'written by a test\n', [`${WORK}/added.txt`]: 'added in the page\n' }, `cat ${WORK}/added.txt unlink ${WORK}/notes.txt`);
    expect(n.status).toBe(r.status);
    expect(n.stdout).toBe(r.output);
    expect(n.stderr).not.toMatch(/^fdwarden: deny /m);
    expect(n.paths).toEqual(r.paths);
  });

  test('the run arguments and the tree are restored from a shared URL', async () => {
    await s.page.fill('#run-args', `ls ${WORK}`);
    await s.page.dispatchEvent('#run-args', 'input');
    await s.page.$eval('#status', (el) => { (el as unknown as { textContent: string }).textContent = ''; });
    await s.page.click('#share');
    await s.page.waitForFunction(() => /link/.test((globalThis as unknown as { document: { querySelector(q: string): { textContent: string } } }).document.querySelector('#status').textContent));
    const paths = await s.page.getAttribute('#run-tree', 'data-paths');
    // The page's tree is not the one a fresh page starts with (the file added above), so a link that lost it would show.
    expect(JSON.parse(paths ?? '[]')).toContain(`${WORK}/added.txt`);
    const fresh = await s.browser.newContext();
    const page = await fresh.newPage();
    await page.goto(s.page.url());
    await page.waitForSelector('#counts[data-syscalls]');
    expect(await page.$eval('#run-args', (el) => (el as unknown as El).value)).toBe(`ls ${WORK}`);
    expect(await page.getAttribute('#run-tree', 'data-paths')).toBe(paths);
    await s.shot('shared-run', page);
    await fresh.close();
  });
});
