/**
 * The playground in a real browser (Debian's chromium), each step checked against the CLI on the
 * same inputs: diagnostics against `fdwarden check --json`, counts against `fdwarden audit
 * --json`, explanations against `fdwarden explain --line N`, the test button against `fdwarden
 * test`, diff against `fdwarden diff`, learn against `fdwarden learn`; then a shared link opened
 * in a fresh context restores the same state. One browser and one page for the whole file.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cli, editorText, loadedPlayground, ROOT, typeInto, type Session } from './harness.js';

// The page's DOM, as far as these tests read it inside page callbacks (the project compiles without the DOM lib).
type El = { dataset: Record<string, string | undefined>; value: string; textContent: string | null; getAttribute(n: string): string | null };
declare const document: { querySelector(selector: string): El | null };

let s: Session;
const tmp = mkdtempSync(join(tmpdir(), 'fdw-browser-'));

beforeAll(async () => {
  s = await loadedPlayground('playground');
});
afterAll(async () => {
  await s?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const POLICY = 'examples/policies/workdir.policy';
const SNAPSHOT = 'examples/traces/system.json';
const workOf = (id: string) => `/tmp/fdw-rec/${id}`;

/** Waits until the page has audited its latest state. */
async function settled(page = s.page): Promise<void> {
  await page.waitForSelector('body:not([data-pending])', { state: 'attached' });
}

/** Picks a shipped recording and waits for its decisions. */
async function pickTrace(id: string): Promise<void> {
  await s.page.selectOption('#trace-select', id);
  await settled();
}

function auditJson(id: string) {
  const r = cli(['audit', '--policy', POLICY, '--var', `WORK=${workOf(id)}`, '--cwd', workOf(id), '--fs', SNAPSHOT, `examples/traces/${id}.strace`, '--json']);
  expect([0, 3], r.stderr).toContain(r.status);
  return JSON.parse(r.stdout) as Record<string, number> & { denials: { lines: number[] }[] };
}

describe('playground', () => {
  test('a policy typed with two errors shows both diagnostics at the lines and codes `fdwarden check --json` gives', async () => {
    const text = [
      'policy "typed" abi 1',
      'default deny errno EACCES',
      'allow raed under /srv',
      'allow read /srv/data',
      'deny write /etc errno EAGIAN',
      '',
    ].join('\n');
    await typeInto(s.page, '#policy-editor', text);
    await s.page.locator('#policy-editor .cm-lintRange-error').nth(1).waitFor({ state: 'attached' });
    // Lines of the underlined spans, in document order.
    const lines = await s.page.$$eval('#policy-editor .cm-lintRange-error', (els) => els.map((e) => {
      const line = e.closest('.cm-line')!;
      return [...line.parentElement!.children].filter((c) => c.classList.contains('cm-line')).indexOf(line) + 1;
    }));
    // The diagnostics panel (Ctrl-Shift-M) lists each with its code, message and help.
    await s.page.click('#policy-editor .cm-content');
    await s.page.keyboard.press('Control+Shift+KeyM');
    await s.page.waitForSelector('#policy-editor .cm-panel-lint li');
    const listed = await s.page.$$eval('#policy-editor .cm-panel-lint li', (els) => els.map((e) => e.textContent ?? ''));
    await s.shot('two-errors');

    writeFileSync(join(tmp, 'typed.policy'), text);
    const r = cli(['check', join(tmp, 'typed.policy'), '--json']);
    expect(r.status).toBe(1);
    const messages = (JSON.parse(r.stdout) as { messages: { ruleId: string; line: number; message: string; help?: string; severity: number }[] }[])[0]!.messages.filter((m) => m.severity === 2);
    expect(messages.map((m) => [m.line, m.ruleId])).toEqual([[3, 'FW102'], [5, 'FW103']]);
    expect(lines).toEqual(messages.map((m) => m.line));
    expect(listed.length).toBe(messages.length);
    messages.forEach((m, i) => {
      expect(listed[i]).toContain(`${m.ruleId}: ${m.message}`);
      if (m.help) expect(listed[i]).toContain(`help: ${m.help}`);
    });
    expect(listed.join('\n')).toMatch(/did you mean/);
    expect(await s.page.textContent('#counts')).toMatch(/errors/);
    await s.page.keyboard.press('Escape');
  });

  test('auditing each shipped recording shows the counts of `fdwarden audit --json`', async () => {
    await s.page.selectOption('#policy-select', POLICY);
    await settled();
    for (const id of ['deleted-files', 'escape-workdir']) {
      await pickTrace(id);
      const shown = await s.page.$eval('#counts', (el) => ({ ...(el as unknown as El).dataset }));
      const want = auditJson(id);
      for (const k of ['syscalls', 'allowed', 'denied', 'deniedButFailedAnyway', 'unknown']) expect(Number(shown[k]), `${id} ${k}`).toBe(want[k]);
      // Each denial the CLI reports is a denied line of the results, and no other line is.
      const denied = await s.page.$$eval('#results [data-decision=denied]', (els) => els.map((e) => Number((e as unknown as El).dataset['line'])));
      expect(denied.length).toBe(want['denied']);
      expect(denied.sort((a, b) => a - b)).toEqual(want.denials.flatMap((d) => d.lines).sort((a, b) => a - b));
      await s.shot(`audit-${id}`);
    }
    // "only denials" leaves exactly the denied lines visible.
    await s.page.check('#denied-only');
    expect(await s.page.locator('#results .line:visible').count()).toBe(auditJson('escape-workdir')['denied']);
    await s.shot('denials-only');
    await s.page.uncheck('#denied-only');
  });

  test('a --var the policy does not use is reported as `fdwarden audit` reports it', async () => {
    const before = await s.page.$eval('#vars', (el) => (el as unknown as El).value);
    await s.page.fill('#vars', `${before}\nWROK=/tmp/x`);
    await settled();
    const shown = await s.page.textContent('#policy-problems');
    const r = cli(['audit', '--policy', POLICY, '--var', 'WROK=/tmp/x', 'examples/traces/escape-workdir.strace']);
    expect(r.status).toBe(64);
    const message = r.stderr.trim().replace(/^fdwarden audit: /, '');
    expect(message).toMatch(/did you mean `--var WORK`/);
    expect(shown).toContain(message);
    await s.page.fill('#vars', before);
    await settled();
    expect(await s.page.textContent('#policy-problems')).toBe('');
  });

  test('clicking a denial shows the explanation `fdwarden explain --line N` prints', async () => {
    const id = 'escape-workdir';
    const denied = await s.page.$$eval('#results [data-decision=denied]', (els) => els.map((e) => Number((e as unknown as El).dataset['line'])));
    expect(denied.length).toBeGreaterThan(0);
    for (const line of denied) {
      await s.page.click(`#results [data-line="${line}"]`);
      await s.page.waitForSelector(`#explanation[data-line="${line}"]`);
      const shown = await s.page.textContent('#explanation');
      const r = cli(['explain', '--policy', POLICY, '--var', `WORK=${workOf(id)}`, '--cwd', workOf(id), '--fs', SNAPSHOT, '--trace', `examples/traces/${id}.strace`, '--line', String(line)]);
      expect(r.status, r.stderr).toBe(3);
      expect(shown, `line ${line}`).toBe(r.stdout.trimEnd());
      expect(shown).toMatch(/would allow it: /);
    }
    // A line without a decision (brk) says so, as explain does.
    await s.page.click('#results [data-line="2"]');
    await s.page.waitForSelector('#explanation[data-line="2"]');
    const none = cli(['explain', '--policy', POLICY, '--var', `WORK=${workOf(id)}`, '--cwd', workOf(id), '--fs', SNAPSHOT, '--trace', `examples/traces/${id}.strace`, '--line', '2']);
    expect(none.status).toBe(0);
    expect(await s.page.textContent('#explanation')).toBe(none.stdout.trimEnd());
    await s.shot('explanation');
  });

  test('the test button reports what `fdwarden test` prints', async () => {
    await s.page.click('#run-tests');
    await s.page.waitForSelector('#test-output[data-failed]', { timeout: 60_000 });
    const shown = await s.page.textContent('#test-output');
    const r = cli(['test', POLICY, '--var', `WORK=${workOf('escape-workdir')}`]);
    expect(shown).toBe(r.stdout.trimEnd());
    expect(shown).toMatch(/passed, \d+ failed; \d+ propert/);
    await s.shot('tests');

    // A failing expectation and a broken property: the counterexample comes as strace lines.
    const text = [
      'policy "p" abi 1', 'default deny errno EACCES', 'allow * under /work', 'allow read /etc/passwd',
      'test "t" {', '  expect allow openat(AT_FDCWD, "/work/a", O_RDONLY)', '  expect deny EACCES openat(AT_FDCWD, "/etc/passwd", O_RDONLY)', '}',
      'property "etc unread" {', '  never read under /etc', '}', '',
    ].join('\n');
    await typeInto(s.page, '#policy-editor', text);
    await s.page.$eval('#test-output', (el) => { delete (el as unknown as El).dataset['failed']; });
    await s.page.click('#run-tests');
    await s.page.waitForSelector('#test-output[data-failed]', { timeout: 60_000 });
    const failing = await s.page.textContent('#test-output');
    const file = join(tmp, 'failing.policy');
    writeFileSync(file, text);
    const f = cli(['test', file]);
    expect(f.status).toBe(1);
    expect(failing).toBe(f.stdout.trimEnd().replaceAll(file, POLICY));
    expect(failing).toMatch(/counterexample: .*\n\s+openat\(AT_FDCWD, "[^"]*passwd", O_RDONLY\) = 3 +<-- breaks the promise/);
    expect(failing).toMatch(/1 passed, 1 failed; 0 properties held, 1 broken$/);
    await s.shot('tests-failing');
  });

  test('diff of a saved copy against the editor prints what `fdwarden diff` prints', async () => {
    await s.page.click('#diff-box summary');
    await s.page.selectOption('#policy-select', 'examples/policies/diff/v2.policy');
    await s.page.selectOption('#old-select', 'examples/policies/diff/v1.policy');
    await s.page.click('#diff');
    await s.page.waitForSelector('#diff-output[data-label]');
    const shown = await s.page.textContent('#diff-output');
    const work = `WORK=${workOf('escape-workdir')}`;
    const r = cli(['diff', 'examples/policies/diff/v1.policy', 'examples/policies/diff/v2.policy', '--var', work]);
    expect(r.status).toBe(2);
    expect(shown).toBe(r.stdout.trimEnd());
    expect(shown).toMatch(/^(narrowing|widening|both): /);
    await s.shot('diff');
  });

  test('learn proposes the policy `fdwarden learn` writes, and loads it into the editor', async () => {
    const id = 'deleted-files';
    await pickTrace(id);
    await s.page.click('#learn');
    await s.page.waitForSelector('#load-learned:not([disabled])');
    const shown = await s.page.textContent('#learn-output');
    const r = cli(['learn', `examples/traces/${id}.strace`, '--cwd', workOf(id), '--fs', SNAPSHOT]);
    expect(r.status, r.stderr).toBe(0);
    expect(shown).toBe(r.stdout);
    await s.page.click('#load-learned');
    expect(await editorText(s.page, '#policy-editor')).toBe(r.stdout);
    // The learned policy allows everything the recording did.
    await s.page.waitForFunction(() => document.querySelector('#counts')?.getAttribute('data-denied') === '0');
    await s.shot('learned');
  });

  test('a pasted log is audited as `fdwarden audit` audits the file, on an empty view or the snapshot', async () => {
    const id = 'escape-workdir';
    await s.page.selectOption('#policy-select', POLICY);
    await s.page.selectOption('#trace-select', 'paste');
    await s.page.fill('#trace-paste', readFileSync(join(ROOT, 'examples', 'traces', `${id}.strace`), 'utf8'));
    await s.page.fill('#trace-cwd', workOf(id));
    await s.page.fill('#vars', `WORK=${workOf(id)}`);
    for (const fs of ['empty', 'system'] as const) {
      await s.page.selectOption('#trace-fs', fs);
      await settled();
      const shown = await s.page.$eval('#counts', (el) => ({ ...(el as unknown as El).dataset }));
      const r = cli(['audit', '--policy', POLICY, '--var', `WORK=${workOf(id)}`, '--cwd', workOf(id), '--fs', fs === 'empty' ? 'empty' : SNAPSHOT, `examples/traces/${id}.strace`, '--json']);
      const want = JSON.parse(r.stdout) as Record<string, number>;
      for (const k of ['syscalls', 'allowed', 'denied', 'deniedButFailedAnyway', 'unknown']) expect(Number(shown[k]), `${fs} ${k}`).toBe(want[k]);
      // The view shows in explanations: /etc/ld.so.cache is a regular file only in the snapshot.
      await s.page.click('#results [data-line="5"]');
      await s.page.waitForSelector('#explanation[data-line="5"]');
      const e = cli(['explain', '--policy', POLICY, '--var', `WORK=${workOf(id)}`, '--cwd', workOf(id), '--fs', fs === 'empty' ? 'empty' : SNAPSHOT, '--trace', `examples/traces/${id}.strace`, '--line', '5']);
      expect(await s.page.textContent('#explanation')).toBe(e.stdout.trimEnd());
      expect(e.stdout).toContain(fs === 'empty' ? 'object /etc/ld.so.cache [unknown]' : 'object /etc/ld.so.cache [reg]');
      await s.shot(`pasted-${fs}`);
    }
  });

  test('a shared URL restores the policy, the recording and the results in a fresh context', async () => {
    await s.page.selectOption('#policy-select', POLICY);
    await pickTrace('escape-workdir');
    await s.page.click('#policy-editor .cm-content');
    await s.page.keyboard.press('Control+End');
    await s.page.keyboard.insertText('\n# shared from the playground\n');
    await settled();
    const text = await editorText(s.page, '#policy-editor');
    await s.page.$eval('#status', (el) => { el.textContent = ''; });
    await s.page.click('#share');
    await s.page.waitForFunction(() => /link/.test(document.querySelector('#status')!.textContent ?? ''));
    const url = s.page.url();
    expect(url).toMatch(/#s=[A-Za-z0-9_-]+$/);
    const counts = await s.page.textContent('#counts');
    const results = await s.page.$$eval('#results [data-decision]', (els) => els.map((e) => `${(e as unknown as El).dataset['line']} ${(e as unknown as El).dataset['decision']}`));

    const fresh = await s.browser.newContext({ viewport: { width: 1500, height: 1100 } });
    const page = await fresh.newPage();
    await page.goto(url);
    await page.waitForSelector('#counts[data-syscalls]');
    await settled(page);
    expect(await editorText(page, '#policy-editor')).toBe(text);
    expect(await page.$eval('#trace-select', (el) => (el as unknown as El).value)).toBe('escape-workdir');
    expect(await page.$eval('#vars', (el) => (el as unknown as El).value)).toBe(`WORK=${workOf('escape-workdir')}`);
    expect(await page.textContent('#counts')).toBe(counts);
    expect(await page.$$eval('#results [data-decision]', (els) => els.map((e) => `${(e as unknown as El).dataset['line']} ${(e as unknown as El).dataset['decision']}`))).toEqual(results);
    await s.shot('shared-url-restored', page);
    await fresh.close();
  });
});
