/**
 * A link is a stranger's input: the whole page state comes from its fragment. These tests open
 * hostile links in chromium and check what the page guarantees: every string from the link, and
 * every string computed from one, is shown as text (no payload runs, no element is made from
 * it) under the page's Content-Security-Policy; a fragment that is too long, inflates past the
 * bound, or is not valid base64url / deflate / JSON / state is refused with a message on the page,
 * which starts from its defaults and keeps answering; a huge pasted log or a pathological policy
 * leaves the page responsive; the run pane does nothing until clicked, acts only inside its tree
 * under the policy, and its Stop button ends a guest that never ends.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { openPlayground, type Session } from './harness.js';
import { clangEnv, WALI_CFLAGS, WALI_CLANG } from '../../scripts/wali-clang.mjs';

// What the page's callbacks read (the project compiles without the DOM lib).
type Win = { __pwned?: string; __violations: string[]; __clicks?: number };
type El = { value: string; textContent: string | null; dataset: Record<string, string | undefined>; getAttribute(n: string): string | null };
declare const window: Win;
declare const document: {
  querySelectorAll(q: string): ArrayLike<El>;
  querySelector(q: string): (El & { addEventListener(t: string, f: () => void): void }) | null;
};

let s: Session;
let ctx: BrowserContext;
const tmp = mkdtempSync(join(tmpdir(), 'fdw-attack-'));

beforeAll(async () => {
  s = await openPlayground('link-attacks');
  // Before any script of the page: a record of CSP violations (a payload parsed as HTML would
  // try to run an inline handler and be reported; a page that needs more than its policy too).
  ctx = await s.browser.newContext({ viewport: { width: 1500, height: 1100 } });
  await ctx.addInitScript(() => {
    (window as unknown as Win).__violations = [];
    (globalThis as unknown as { addEventListener(t: string, f: (e: { violatedDirective: string; blockedURI: string; sample: string }) => void): void })
      .addEventListener('securitypolicyviolation', (e) => (window as unknown as Win).__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`));
  });
});
afterAll(async () => {
  await s?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** A link to the page holding `state` as the page encodes it: JSON, deflate-raw, base64url. */
function link(state: unknown, raw?: Buffer): string {
  const bytes = deflateRawSync(raw ?? Buffer.from(JSON.stringify(state)), { level: 9 });
  return `${s.url}#s=${bytes.toString('base64url')}`;
}

/** Opens `url` in a fresh page (the last one is closed), waiting for the page's first answer. */
let current: Page | undefined;
/** What the pages threw: nothing, after each test. */
const pageErrors: string[] = [];
afterEach(() => {
  expect(pageErrors.splice(0)).toEqual([]);
});
async function open(url: string, ready = '#counts:not(:empty)'): Promise<Page> {
  await current?.close();
  current = await ctx.newPage();
  current.on('pageerror', (e) => pageErrors.push(e.message));
  await current.goto(url);
  await current.waitForSelector(ready, { timeout: 60_000 });
  return current;
}

/** The page still handles a click: a listener on the share button hears one within `ms`. */
async function answers(page: Page, ms = 10_000): Promise<void> {
  await page.evaluate(() => {
    if (window.__clicks === undefined) document.querySelector('#share')!.addEventListener('click', () => { window.__clicks = (window.__clicks ?? 0) + 1; });
    window.__clicks = 0;
  }, undefined);
  await page.click('#share', { timeout: ms });
  await page.waitForFunction(() => window.__clicks === 1, undefined, { timeout: ms, polling: 50 });
}

const settled = (page: Page) => page.waitForSelector('body:not([data-pending])', { state: 'attached', timeout: 60_000 });

// ---- payloads ----
const PAYLOADS = (field: string) => [
  `<img src=x onerror="window.__pwned='${field}'">`,
  `<script>window.__pwned='${field}'</script>`,
  `javascript:window.__pwned='${field}'`,
  `"><svg onload="window.__pwned='${field}'">`,
];
/** One string holding the four payloads (for fields that take any text). */
const all = (field: string) => PAYLOADS(field).join(' ');
/** Payloads as one path component each (no `/`: the img payload's is kept, the script's closing tag loses it). */
const names = (field: string) => PAYLOADS(field).map((p) => p.replaceAll('/', ''));

/** No payload ran, no element came from one, and nothing broke the page's CSP. */
async function clean(page: Page): Promise<void> {
  expect(await page.evaluate(() => window.__pwned)).toBeUndefined();
  const made = await page.evaluate(() => [...(document.querySelectorAll('img, svg, script:not([src]), [onerror], [onload], [href^="javascript:" i], [src^="javascript:" i]') as unknown as El[])].map((e) => (e as unknown as { outerHTML: string }).outerHTML));
  expect(made).toEqual([]);
  expect(await page.evaluate(() => window.__violations)).toEqual([]);
}

describe('a link carrying HTML and script payloads in every field', () => {
  const DIR = `/w/${names('dir')[0]}`;
  const FILES = names('file');
  const policy = (extra = '') => [
    `# ${all('comment')}`,
    `policy "${all('name').replaceAll('"', "'")}" abi 1`,
    'default deny errno EACCES',
    `let $W = "/w"`,
    `allow read,stat,list under $W`,
    `deny read ${JSON.stringify(`${DIR}/${FILES[1]}`)} errno EPERM because "${all('because').replaceAll('"', "'")}"`,
    extra,
    '',
  ].join('\n');
  // A log touching each payload file (allowed, denied by the because rule, and a create, denied by default).
  const log = [
    `100 openat(AT_FDCWD, ${JSON.stringify(`${DIR}/${FILES[0]}`)}, O_RDONLY) = 3`,
    `100 openat(AT_FDCWD, ${JSON.stringify(`${DIR}/${FILES[1]}`)}, O_RDONLY) = 4`,
    `100 openat(AT_FDCWD, ${JSON.stringify(`${DIR}/${FILES[2]}`)}, O_WRONLY|O_CREAT, 0644) = 5`,
    `100 unlink(${JSON.stringify(`${DIR}/${FILES[3]}`)}) = 0`,
    `100 write(1, ${JSON.stringify(all('log'))}, 10) = 10`,
    '',
  ].join('\n');
  const tree: Record<string, unknown> = { w: { [names('dir')[0]!]: Object.fromEntries(FILES.map((f, i) => [f, `${all(`content${i}`)}\n`])) } };
  (tree['w'] as Record<string, unknown>)[names('link')[3]!] = ['symlink', all('target')];
  const state = {
    policy: policy(), file: `${names('file-name')[3]}.policy`, vars: `${all('vars')} W=/w`, trace: 'paste', pasted: log, fs: 'empty',
    cwd: all('cwd'),
    old: { policy: policy(`allow write ${JSON.stringify(`${DIR}/${FILES[2]}`)}`), file: `${names('old-file')[0]}.policy` },
    run: { args: `cat ${JSON.stringify(`${DIR}/${FILES[0]}`)} cat ${JSON.stringify(`${DIR}/${FILES[1]}`)} write 1 ${JSON.stringify(all('arg'))}`, cwd: '/w', fs: tree },
  };

  test('every pane shows the payloads as text and none runs', async () => {
    const page = await open(link(state), '#counts[data-syscalls]');
    await settled(page);
    await s.shot('payloads-loaded', page);
    // The state is the link's, shown literally.
    expect(await page.textContent('#policy-file')).toBe(state.file);
    expect(await page.$eval('#trace-cwd', (el) => (el as unknown as El).value)).toBe(state.cwd);
    expect(await page.$eval('#vars', (el) => (el as unknown as El).value)).toBe(state.vars.split(/\s+/).join('\n'));
    expect(await page.$eval('#trace-paste', (el) => (el as unknown as El).value)).toBe(log);
    expect(await page.textContent('#policy-editor .cm-content')).toContain(all('comment'));
    // A --var word that is not NAME=VALUE: the CLI's message, quoting it.
    expect(await page.textContent('#policy-problems')).toContain(PAYLOADS('vars')[0]!.split(' ')[0]);
    // Decisions on the payload paths, each line's text as logged.
    const rows = await page.$$eval('#results .line .t', (els) => els.map((e) => e.textContent));
    expect(rows).toEqual(log.trimEnd().split('\n'));
    const decided = await page.$$eval('#results [data-decision]', (els) => els.map((e) => (e as unknown as El).dataset['line']!));
    expect(decided.length).toBeGreaterThanOrEqual(3);
    for (const line of decided) {
      await page.click(`#results [data-line="${line}"]`);
      await page.waitForSelector(`#explanation[data-line="${line}"]`);
    }
    await page.click('#results [data-line="2"]');
    await page.waitForSelector('#explanation[data-line="2"]');
    const explanation = await page.textContent('#explanation');
    expect(explanation).toContain(`${DIR}/${FILES[1]}`);
    expect(explanation).toContain(all('because').replaceAll('"', "'"));

    // Tests, diff (its witnesses name payload paths), learn (its rules too).
    await page.click('#run-tests');
    await page.waitForSelector('#test-output[data-failed]', { timeout: 60_000 });
    await page.click('#diff-box summary');
    await page.click('#diff');
    await page.waitForFunction(() => (document.querySelector('#diff-output')!.textContent ?? '') !== '');
    // The old policy allowed a write the editor's does not: the lost right names its payload path.
    expect(await page.textContent('#diff-output')).toContain(FILES[2]);
    await page.click('#learn');
    await page.waitForFunction(() => (document.querySelector('#learn-output')!.textContent ?? '') !== '');
    expect(await page.textContent('#learn-output')).toContain(`allow read ${JSON.stringify(`${DIR}/${FILES[0]}`)}`);
    await page.click('#load-learned');
    await settled(page);

    // The run: file names, contents and arguments, and its decisions and output.
    for (const f of FILES) await page.click(`#run-tree a[data-path=${JSON.stringify(`${DIR}/${f}`)}]`);
    expect(await page.$eval('#run-file-body', (el) => (el as unknown as El).value)).toBe(`${all('content3')}\n`);
    const shownNames = await page.$$eval('#run-tree a', (els) => els.map((e) => e.textContent));
    for (const f of FILES) expect(shownNames).toContain(f);
    expect(await page.$eval('#run-args', (el) => (el as unknown as El).value)).toBe(state.run.args);
    await page.click('#run');
    await page.waitForSelector('#run-pane[data-status]', { timeout: 60_000 });
    const out = await page.textContent('#run-output');
    expect(out).toContain(JSON.stringify(`${all('content0')}\n`).slice(0, 30));
    await s.shot('payloads-after-every-pane', page);
    await clean(page);
  });

  test('a policy with an error echoes its payload in the diagnostics as text', async () => {
    const bad = { ...state, policy: `policy "p" abi 1\ndefault deny errno EACCES\nallow ${names('rule')[0]} /w\n`, file: `${names('bad-file')[0]}.policy` };
    const page = await open(link(bad));
    await page.waitForSelector('#policy-editor .cm-lintRange-error', { state: 'attached' });
    await page.click('#policy-editor .cm-content');
    await page.keyboard.press('Control+Shift+KeyM');
    await page.waitForSelector('#policy-editor .cm-panel-lint li');
    const listed = await page.$$eval('#policy-editor .cm-panel-lint li', (els) => els.map((e) => e.textContent ?? ''));
    expect(listed.join('\n')).toMatch(/FW\d+/);
    await page.click('#run-tests');
    await page.waitForFunction((name) => (document.querySelector('#test-output')!.textContent ?? '').includes(name), names('bad-file')[0]!);
    await s.shot('payload-diagnostics', page);
    await clean(page);
  });
});

// ---- refused links ----
const REFUSED = /^This link's state was not loaded: .*The page starts from its defaults\.$/;

/** The page refused the link with a message matching `why`, started from its defaults, and answers. */
async function refused(page: Page, why: RegExp): Promise<void> {
  await page.waitForSelector('#counts[data-syscalls]', { timeout: 60_000 });
  const msg = await page.textContent('#link-error');
  expect(msg).toMatch(REFUSED);
  expect(msg).toMatch(why);
  expect(await page.$eval('#trace-select', (el) => (el as unknown as El).value)).toBe('deleted-files');
  expect(await page.textContent('#policy-file')).toBe('examples/policies/workdir.policy');
  await answers(page);
}

describe('a link the page refuses', () => {
  test('a decompression bomb (a 0.8 MB fragment inflating to 600 MiB) is stopped at the bound', async () => {
    // The JSON starts well and never ends: 600 MiB of one policy string (deflate's best ratio is about 1000:1).
    const raw = deflateRawSync(Buffer.concat([Buffer.from('{"policy":"'), Buffer.alloc(600 << 20, 0x61)]), { level: 9 });
    const url = `${s.url}#s=${raw.toString('base64url')}`;
    expect(url.length).toBeLessThan(1 << 20);
    const page = await open(url);
    await refused(page, /inflates to more than \d+ MiB/);
    await s.shot('bomb-refused', page);
  });

  test('a fragment longer than the bound is refused before it is decoded', async () => {
    const page = await open(`${s.url}#s=${'A'.repeat(1_500_000)}`);
    await refused(page, /characters long, more than/);
  });

  test.each([
    ['not base64url', '#s=a*b', /not base64url/],
    ['a base64 length no bytes have', '#s=abcde', /not base64url/],
    ['not deflate-raw', `#s=${Buffer.from('plainly not deflated').toString('base64url')}`, /not deflate-raw/],
    ['not JSON', `#s=${deflateRawSync(Buffer.from('{"policy": ')).toString('base64url')}`, /not JSON/],
    ['not UTF-8', `#s=${deflateRawSync(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])).toString('base64url')}`, /not (UTF-8|JSON)/],
  ])('a fragment %s', async (_name, hash, why) => {
    const page = await open(`${s.url}${hash}`);
    await refused(page, why);
  });

  test.each([
    ['the state is an array', [], /not an object/],
    ['policy is a number', { policy: 5, file: 'a.policy', vars: '', trace: 'deleted-files', cwd: '/' }, /policy/],
    ['pasted is an object', { policy: '', file: 'a.policy', vars: '', trace: 'paste', pasted: { a: 1 }, cwd: '/' }, /pasted/],
    ['old.policy is a number', { policy: '', file: 'a.policy', vars: '', trace: 'deleted-files', cwd: '/', old: { policy: 7, file: 'o' } }, /old/],
    ['fs is neither empty nor system', { policy: '', file: 'a.policy', vars: '', trace: 'paste', fs: '../x', cwd: '/' }, /fs/],
    ['run.args is a list', { policy: '', file: 'a.policy', vars: '', trace: 'deleted-files', cwd: '/', run: { args: ['ls'] } }, /run/],
    ['a tree entry is null', { policy: '', file: 'a.policy', vars: '', trace: 'deleted-files', cwd: '/', run: { args: '', fs: { a: null } } }, /run\.fs/],
    ['a tree entry is a number', { policy: '', file: 'a.policy', vars: '', trace: 'deleted-files', cwd: '/', run: { args: '', fs: { a: 5 } } }, /run\.fs/],
    ['a tree name has a slash', { policy: '', file: 'a.policy', vars: '', trace: 'deleted-files', cwd: '/', run: { args: '', fs: { 'a/../b': 'x' } } }, /run\.fs/],
    ['a file\'s base64 is not base64', { policy: '', file: 'a.policy', vars: '', trace: 'deleted-files', cwd: '/', run: { args: '', fs: { a: ['base64', 'x'] } } }, /run\.fs .*: \/a: its base64 is not base64/],
    ['a tree name is ..', { policy: '', file: 'a.policy', vars: '', trace: 'deleted-files', cwd: '/', run: { args: '', fs: { '..': { x: 'y' } } } }, /run\.fs/],
  ])('a state where %s', async (_name, st, why) => {
    const page = await open(link(st));
    await refused(page, why);
  });

  test('a tree nested 100000 directories deep', async () => {
    const n = 100_000;
    const json = `{"policy":"","file":"a.policy","vars":"","trace":"deleted-files","cwd":"/","run":{"args":"","fs":${'{"d":'.repeat(n)}"x"${'}'.repeat(n)}}}`;
    const page = await open(link(undefined, Buffer.from(json)));
    await refused(page, /run\.fs/);
    await s.shot('deep-tree-refused', page);
  });
});

// ---- heavy but valid links ----
describe('a link that asks for much work', () => {
  test('a pasted log of 20000 lines is audited without freezing the page, with its progress shown', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 20_000; i++) lines.push(`100 openat(AT_FDCWD, "/srv/job/f${i}", O_RDONLY) = -1 ENOENT (No such file or directory)`);
    const url = link({ policy: readFileSync(join(import.meta.dirname, '..', '..', 'examples', 'policies', 'workdir.policy'), 'utf8'), file: 'examples/policies/workdir.policy', vars: 'WORK=/srv/job', trace: 'paste', pasted: `${lines.join('\n')}\n`, fs: 'empty', cwd: '/' });
    const page = await open(url, '#counts:not(:empty)');
    // While it audits, the page answers clicks and says how far it is.
    await answers(page);
    expect(await page.textContent('#counts')).toMatch(/^(auditing|showing) line \d+ of 20000…$/);
    await page.waitForSelector('#counts[data-syscalls="20000"]', { timeout: 120_000 });
    expect(await page.locator('#results .line').count()).toBe(20_000);
    await s.shot('long-log', page);
    await answers(page);
  });

  test('a policy whose globs explode gets the compiler\'s budget diagnostic and the page answers', async () => {
    const braces = Array.from({ length: 12 }, (_, i) => `{a${i},b${i},c${i},d${i}}`).join('');
    const policyText = `policy "bomb" abi 1\ndefault deny errno EACCES\nallow read /w/${braces}\n`;
    const page = await open(link({ policy: policyText, file: 'bomb.policy', vars: '', trace: 'deleted-files', cwd: '/' }));
    await page.waitForSelector('#policy-editor .cm-lintRange-error', { state: 'attached', timeout: 60_000 });
    expect(await page.textContent('#counts')).toMatch(/errors/);
    await page.click('#policy-editor .cm-content');
    await page.keyboard.press('Control+Shift+KeyM');
    await page.waitForSelector('#policy-editor .cm-panel-lint li');
    expect(await page.textContent('#policy-editor .cm-panel-lint')).toMatch(/FW306: braces expand this pattern to more than \d+ patterns/);
    await answers(page);
    await s.shot('glob-bomb', page);
  });
});

// ---- the run pane ----
describe('the run pane from a link', () => {
  const WORK = '/srv/job';
  const tree = {
    etc: { passwd: 'root:x:0:0\n', shadow: 'root:*:1\n' },
    srv: { job: { 'in.txt': 'job input\n', up: ['symlink', '..'], etc: ['symlink', '/etc'], here: ['symlink', '/proc/self/fd'] }, other: { 'keep.txt': 'another job\n' } },
  };
  // Restrictive: the work dir and nothing else.
  const JOB_ONLY = 'policy "job only" abi 1\ndefault deny errno EACCES\nunknown deny errno EACCES\nlet $WORK = "/nowhere"\nallow * under $WORK\n';
  const runState = (args: string) => ({
    policy: JOB_ONLY, file: 'job-only.policy',
    vars: `WORK=${WORK}`, trace: 'deleted-files', cwd: WORK, run: { args, cwd: WORK, fs: tree },
  });

  test('nothing runs until Run is clicked', async () => {
    const page = await open(link(runState('write 1 ran')));
    await settled(page);
    await page.waitForTimeout(1500);
    expect(await page.getAttribute('#run-pane', 'data-status')).toBeNull();
    expect(await page.textContent('#run-output')).toBe('');
    expect(await page.textContent('#run-status')).toBe('');
  });

  test('paths out of the writable dir through .., symlinks and /proc/self/fd leave the tree outside unchanged', async () => {
    const ops = [
      'open /srv/job/in.txt O_RDONLY',
      'unlink /srv/job/../other/keep.txt', 'unlink /srv/job/up/other/keep.txt', 'unlink /srv/job/etc/passwd',
      'open /srv/job/etc/shadow O_WRONLY|O_TRUNC', 'rename /srv/job/in.txt /srv/job/etc/passwd', 'rename /srv/job/up/other/keep.txt /srv/job/stolen',
      'symlink /etc/shadow /srv/job/s', 'cat /srv/job/s', 'link /etc/passwd /srv/job/hard', 'open /proc/self/fd/3/../../etc/passwd O_WRONLY|O_TRUNC',
      'openat 3 ../other/keep.txt O_WRONLY|O_TRUNC', 'mkdir /srv/job/up/new', 'write 3 x',
      'open /srv/job/here/3 O_RDONLY', 'cat /srv/job/here/3', 'chdir /srv/job/up', 'unlink other/keep.txt', 'open ../etc/shadow O_RDWR',
    ].join(' ');
    const page = await open(link(runState(ops)));
    await settled(page);
    await page.click('#run');
    await page.waitForSelector('#run-pane[data-status]', { timeout: 60_000 });
    await s.shot('escape-attempts', page);
    const out = (await page.textContent('#run-output')) ?? '';
    const paths = JSON.parse((await page.getAttribute('#run-tree', 'data-paths')) ?? '[]') as string[];
    const outside = paths.filter((p) => p === `${WORK}/` || !p.startsWith(`${WORK}/`));
    expect(outside).toEqual(['/etc/', '/etc/passwd', '/etc/shadow', '/srv/', '/srv/job/', '/srv/other/', '/srv/other/keep.txt']);
    for (const [path, text] of [['/etc/passwd', tree.etc.passwd], ['/etc/shadow', tree.etc.shadow], ['/srv/other/keep.txt', tree.srv.other['keep.txt']]] as const) {
      await page.click(`#run-tree a[data-path="${path}"]`);
      expect(await page.$eval('#run-file-body', (el) => (el as unknown as El).value), path).toBe(text);
    }
    // Every attempt out of the work dir failed in the program.
    for (const op of ['unlink /srv/job/../other/keep.txt', 'unlink /srv/job/up/other/keep.txt', 'unlink /srv/job/etc/passwd', 'cat /srv/job/s']) {
      expect(out).toMatch(new RegExp(`${op.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} = -\\d+`));
    }
    expect(out).not.toContain('"root:*:1');
  });
});

describe('a state too large for a link', () => {
  test('is kept out of the address bar, and Copy share link says so', async () => {
    const page = await open(s.url, '#counts[data-syscalls]');
    const before = page.url();
    // 1.5 MB that deflate cannot shrink below the fragment's bound.
    // (Fixed: SHA-256 in counter mode.)
    const noise = Buffer.concat(Array.from({ length: 34_375 }, (_, i) => createHash('sha256').update(String(i)).digest())).toString('base64');
    await page.fill('#run-file-path', '/tmp/noise.txt');
    await page.fill('#run-file-body', noise);
    await page.click('#run-file-save');
    await page.click('#share');
    await page.waitForFunction(() => /too large for a link/.test(document.querySelector('#status')!.textContent ?? ''));
    expect(page.url()).toBe(before);
    await answers(page);
  });
});

describe('Stop', () => {
  test('ends a guest that never ends; the page answers and the tree is as before', async () => {
    // A WALI module that spins forever, served in place of fsops.wasm: a test-only substitution
    // (the page's program comes from its build's manifest; a link cannot name another).
    const src = join(tmp, 'spin.c');
    writeFileSync(src, 'volatile unsigned long n;\nvoid _start(void) { for (;;) n++; }\n');
    const wasm = join(tmp, 'spin.wasm');
    const cc = spawnSync(WALI_CLANG, [...WALI_CFLAGS, '-o', wasm, src], { encoding: 'utf8', env: clangEnv() });
    expect(cc.status, cc.stderr).toBe(0);
    const page = await open(s.url, '#counts[data-syscalls]');
    await page.route('**/assets/fsops.wasm', (r) => r.fulfill({ body: readFileSync(wasm), contentType: 'application/wasm' }));
    const before = await page.getAttribute('#run-tree', 'data-paths');
    await page.click('#run');
    await page.waitForFunction(() => document.querySelector('#run-status')!.textContent === 'running…');
    await page.waitForTimeout(1000);
    expect(await page.getAttribute('#run-pane', 'data-status')).toBeNull();
    await answers(page);
    await page.click('#run-stop');
    await page.waitForSelector('#run-pane[data-status="stopped"]');
    expect(await page.textContent('#run-status')).toMatch(/stopped/);
    expect(await page.getAttribute('#run-tree', 'data-paths')).toBe(before);
    expect(await page.$eval('#run-stop', (el) => (el as unknown as { disabled: boolean }).disabled)).toBe(true);
    await s.shot('stopped', page);
    // Stop while the program is still being fetched: the run never starts, nothing throws.
    let release = (): void => undefined;
    const held = new Promise<void>((r) => { release = r; });
    await page.unroute('**/assets/fsops.wasm');
    await page.route('**/assets/fsops.wasm', async (r) => {
      await held;
      await r.fulfill({ body: readFileSync(wasm), contentType: 'application/wasm' }).catch(() => undefined);
    });
    await page.click('#run');
    await page.waitForFunction(() => document.querySelector('#run-status')!.textContent === 'running…');
    await page.click('#run-stop');
    await page.waitForSelector('#run-pane[data-status="stopped"]');
    release();
    // It stays stopped: no late message from the ended worker changes the pane.
    await page.waitForTimeout(500);
    expect(await page.getAttribute('#run-pane', 'data-status')).toBe('stopped');
    await answers(page);
  });
});

describe('the witnesses can fail', () => {
  test('a payload parsed as HTML is seen: an element made from it, and the CSP violation of its handler', async () => {
    const page = await open(s.url);
    await page.evaluate((html) => { (document.querySelector('#status') as unknown as { innerHTML: string }).innerHTML = html; }, PAYLOADS('witness')[0]!);
    await page.waitForFunction(() => window.__violations.length > 0, undefined, { timeout: 10_000 });
    await expect(clean(page)).rejects.toThrow();
    // The page's CSP, not luck, kept the handler from running.
    expect(await page.evaluate(() => window.__pwned)).toBeUndefined();
  });
});
