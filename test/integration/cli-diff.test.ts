/**
 * `fdwarden diff` on the example policies in examples/policies/diff/, and every witness it prints
 * confirmed by the compiled CLI's `fdwarden explain` under both policies (the built binary, so
 * `npm run build` first; `npm test` does).
 */
import { spawnSync } from 'node:child_process';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const CLI = join(ROOT, 'bin/fdwarden.js');
/** As a user in the project directory names them (vitest runs there; relative keeps it working elsewhere). */
const V1 = relative(process.cwd(), join(ROOT, 'examples/policies/diff/v1.policy'));
const V2 = relative(process.cwd(), join(ROOT, 'examples/policies/diff/v2.policy'));

/** Runs `fdwarden diff` as a user would. */
async function diff(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const r = spawnSync(process.execPath, [CLI, 'diff', ...args], { encoding: 'utf8', cwd: process.cwd() });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** `fdwarden explain --json` of one call: the decision of `right` on `path`. */
function explainRight(policy: string, vars: string[], call: string, path: string, right: string): string {
  const r = spawnSync(process.execPath, [CLI, 'explain', '--policy', policy, ...vars.flatMap((v) => ['--var', v]), '--json', call], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  const e = JSON.parse(r.stdout) as { checks: { path: string; perRight: { right: string; effect: string }[] }[] };
  const d = e.checks.filter((c) => c.path === path).flatMap((c) => c.perRight).find((x) => x.right === right);
  expect(d, `${right} on ${path} in ${call}`).toBeDefined();
  return d!.effect;
}

interface JsonChange { right: string; path: string; call?: string; explain?: string }

describe('fdwarden diff', () => {

  it('labels the change, lists each right with a witness and an explain line, exits 2', async () => {
    const r = await diff([V1, V2]);
    expect(r.status).toBe(2);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]!.startsWith(`both: ${V1} → ${V2}: 3 rights gained, 2 rights lost`)).toBe(true);
    expect(lines).toContain(`+ read  /root/.cache/pip  (gained: allowed by ${V2}:15, denied in old by default (EACCES))`);
    expect(lines).toContain(`- delete  /srv/job/.git  (lost: denied by ${V2}:9 (EROFS), allowed in old by ${V1}:8)`);
    expect(lines).toContain(`    fdwarden explain --policy ${V2} 'unlinkat(AT_FDCWD, "/srv/job/.git", 0)'`);
  });

  it('every witness it prints is confirmed by fdwarden explain under both policies', async () => {
    const vars = ['WORK=/tmp/fdw diff'];
    const r = await diff([V1, V2, '--var', vars[0]!, '--json']);
    expect(r.status).toBe(2);
    const j = JSON.parse(r.stdout) as { label: string; gained: JsonChange[]; lost: JsonChange[] };
    expect(j.label).toBe('both');
    expect(j.gained.map((c) => `${c.right} ${c.path}`)).toEqual(['read /root/.cache/pip', 'list /root/.cache/pip', 'stat /root/.cache/pip']);
    expect(j.lost.map((c) => `${c.right} ${c.path}`)).toEqual(['write /tmp/fdw diff/.git', 'delete /tmp/fdw diff/.git']);
    for (const [changes, before, after] of [[j.gained, 'deny', 'allow'], [j.lost, 'allow', 'deny']] as const) {
      for (const c of changes) {
        expect(c.explain).toContain(`--var 'WORK=/tmp/fdw diff'`);
        expect(explainRight(V1, vars, c.call!, c.path, c.right), `${c.right} ${c.path} under v1`).toBe(before);
        expect(explainRight(V2, vars, c.call!, c.path, c.right), `${c.right} ${c.path} under v2`).toBe(after);
      }
    }
  });

  it('exits 0 on equivalent policies and 1 when the bound is too small', async () => {
    const same = await diff([V1, V1]);
    expect(same.status).toBe(0);
    expect(same.stdout).toMatch(/^equivalent: .*: same decisions everywhere/);
    const bounded = await diff([V1, V2, '--max-pairs', '3']);
    expect(bounded.status).toBe(1);
    expect(bounded.stderr).toMatch(/exceeded 3 state pairs/);
    const usage = await diff([V1]);
    expect(usage.status).toBe(64);
    expect(usage.stderr).toMatch(/two policies/);
  });
});
