/**
 * Class 6: a hostile guest gets an errno or a documented ending, never an internal stack trace,
 * and can be bounded in time and memory. (Every ending in detail: test/integration/wali-run-limits.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { compileWali } from '../wali/build.js';
import { exportSection, funcImport, functype, importSection, module_, section, str, typeSection, uleb, vec } from '../unit/wali/encode.js';

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'fdwarden.js');
let d: string;
let hog: string;
let pol: string;

beforeAll(() => {
  d = mkdtempSync(join(tmpdir(), 'fdwarden-red-run-'));
  hog = compileWali('hog');
  pol = join(d, 'p.policy');
  writeFileSync(pol, 'policy "p" abi 1\ndefault deny errno EACCES\n');
});
afterAll(() => rmSync(d, { recursive: true, force: true }));

function run(args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, 'run', '--policy', pol, '--dir', `${d}=/w`, ...args], { encoding: 'latin1', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A module whose _start calls `wali.SYS_getpid` imported with the wrong result type (f64). */
function wrongImport(): string {
  const f = join(d, 'wrong.wasm');
  writeFileSync(f, module_(
    typeSection(functype([], ['f64']), functype([], [])),
    importSection(funcImport('wali', 'SYS_getpid', 0)),
    section(3, vec([uleb(1)])),
    section(5, vec([[0x00, 1]])),
    exportSection([...str('memory'), 0x02, 0], [...str('_start'), 0x00, ...uleb(1)]),
    section(10, vec([[...uleb(5), 0x00, 0x10, ...uleb(0), 0x1a, 0x0b]])),
  ));
  return f;
}

describe('class 6: a guest cannot crash or hold fdwarden run', () => {
  test('stack overflow and a mistyped import are traps: one line, status 134, no JS stack', () => {
    for (const r of [run([hog, 'recurse', '100000000']), run([wrongImport()])]) {
      expect(r.code).toBe(134);
      expect(r.err.split('\n').filter(Boolean)).toHaveLength(1);
      expect(r.err).toMatch(/trapped: /);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
  });

  test('--timeout stops a loop without syscalls (124); --memory-limit makes memory.grow fail inside the guest', () => {
    const spin = run(['--timeout', '0.5', hog, 'spin']);
    expect(spin.code).toBe(124);
    expect(spin.err).toMatch(/^fdwarden run: \S+ timed out after 0\.5 s\n$/);
    const grow = run(['--memory-limit', '4M', hog, 'grow', '16']);
    expect(grow.code).toBe(0);
    expect(grow.out).toMatch(/^grow = -1 pages=\d+\n$/);
    expect(Number(/pages=(\d+)/.exec(grow.out)![1])).toBeLessThanOrEqual(64);
  });
});
