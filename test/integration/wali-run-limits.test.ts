/**
 * `fdwarden run` against a hostile guest: whatever the guest does (recurse without end, import a
 * syscall with the wrong result type, throw a wasm exception, spin, block on input, grow memory,
 * make the host remember names without end), the run ends with its documented status and one
 * line on stderr, never a JS stack; `--timeout` and `--memory-limit` bound it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { tempDir } from '../temp-dirs.js';
import { compileWali } from '../wali/build.js';
import { exportSection, funcImport, functype, importSection, module_, section, str, typeSection, uleb, vec } from '../unit/wali/encode.js';
import type { ValType } from '../../src/wali/module-types.js';

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'fdwarden.js');
let hog: string;
let fsops: string;
let d: string;
let pol: string;

beforeAll(() => {
  hog = compileWali('hog');
  fsops = compileWali('fsops');
  d = tempDir('fdwarden-limits-');
  mkdirSync(join(d, 'w'));
  pol = join(d, 'p.policy');
  writeFileSync(pol, 'policy "t" abi 1\ndefault deny errno EACCES\nallow * under /w\n');
});

interface Result {
  code: number | null;
  out: string;
  err: string;
}

function run(args: string[], env: Record<string, string> = {}): Result {
  const r = spawnSync(process.execPath, [CLI, 'run', '--policy', pol, '--dir', `${join(d, 'w')}=/w`, ...args], {
    encoding: 'latin1',
    env: { ...process.env, ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** stderr is exactly one line, `fdwarden run: ...`, matching `shape`, and no JS stack frame. */
function expectOneLine(r: Result, shape: RegExp): void {
  expect(r.err).toMatch(/^fdwarden run: [^\n]*\n$/);
  expect(r.err).toMatch(shape);
  expect(r.err).not.toMatch(/^\s+at /m);
}

/** A module that exports memory and a `_start` whose body is `code`, after `imports` (functions of the given types). */
function guestModule(imports: { module: string; name: string; params: ValType[]; results: ValType[] }[], code: number[], extra: { tag?: boolean; start?: boolean } = {}): Uint8Array {
  const types = [...imports.map((i) => functype(i.params, i.results)), functype([], [])];
  const startType = types.length - 1;
  const startFunc = imports.length;
  return module_(
    typeSection(...types),
    importSection(...imports.map((i, k) => funcImport(i.module, i.name, k))),
    section(3, vec([uleb(startType)])),
    section(5, vec([[0x00, 1]])),
    ...(extra.tag ? [section(13, vec([[0x00, ...uleb(startType)]]))] : []),
    exportSection([...str('memory'), 0x02, 0], [...str('_start'), 0x00, ...uleb(startFunc)]),
    ...(extra.start ? [section(8, uleb(startFunc))] : []),
    section(10, vec([[...uleb(code.length + 2), 0x00, ...code, 0x0b]])),
  );
}

const CALL = (f: number): number[] => [0x10, ...uleb(f)];
const DROP = 0x1a;

function writeModule(name: string, bytes: Uint8Array): string {
  const f = join(d, name);
  writeFileSync(f, bytes);
  return f;
}

describe('fdwarden run: a guest that breaks the engine ends as a trap, in one line', () => {
  test('deep recursion: stack overflow, status 134, the wasm function named', () => {
    expect(run([hog, 'recurse', '1000'])).toEqual({ code: 0, out: 'recurse = 1000\n', err: '' });
    const r = run([hog, 'recurse', '100000000']);
    expect(r.code).toBe(134);
    expectOneLine(r, /^fdwarden run: \S+hog\.wasm trapped: stack overflow \(in down \(wasm:\/\/wasm\/[0-9a-f]+:wasm-function\[\d+\]:0x[0-9a-f]+\)\)\n$/);
  });

  test.each([
    ['SYS_getpid', 'f64', /Cannot convert a BigInt value to a number/],
    ['SYS_getpid', 'i32', /Cannot convert a BigInt value to a number/],
    ['__cl_get_argc', 'i64', /Cannot convert \d+ to a BigInt/],
  ] as const)('wali.%s imported with result %s: a type mismatch at the boundary, status 134', (name, result, message) => {
    const wasm = writeModule(`${name}-${result}.wasm`, guestModule([{ module: 'wali', name, params: [], results: [result] }], [...CALL(0), DROP]));
    const r = run([wasm]);
    expect(r.code).toBe(134);
    expectOneLine(r, /^fdwarden run: \S+\.wasm trapped: type mismatch at an import: /);
    expect(r.err).toMatch(message);
    expect(r.err).toMatch(/\(in wasm:\/\/wasm\/[0-9a-f]+:wasm-function\[1\]:0x[0-9a-f]+\)\n$/);
  });

  test('an uncaught wasm exception: status 134', () => {
    const wasm = writeModule('throw.wasm', guestModule([], [0x08, 0x00], { tag: true }));
    const r = run([wasm]);
    expect(r.code).toBe(134);
    expectOneLine(r, /^fdwarden run: \S+throw\.wasm trapped: uncaught wasm exception\n$/);
  });

  test('a start function runs at instantiation: its exit is the status, its trap a trap', () => {
    const exit = guestModule([{ module: 'wali', name: 'SYS_exit_group', params: ['i32'], results: ['i64'] }], [0x41, 7, ...CALL(0), DROP], { start: true });
    expect(run([writeModule('start-exit.wasm', exit)])).toEqual({ code: 7, out: '', err: '' });
    const trap = guestModule([], [0x00], { start: true });
    const r = run([writeModule('start-trap.wasm', trap)]);
    expect(r.code).toBe(134);
    expectOneLine(r, /^fdwarden run: \S+start-trap\.wasm trapped: unreachable \(in .*wasm-function\[0\].*\)\n$/);
  });
});

describe('fdwarden run --timeout', () => {
  test('a guest spinning in wasm without syscalls is stopped: status 124, one line', () => {
    const r = run(['--timeout', '1', hog, 'spin']);
    expect(r.code).toBe(124);
    expect(r.out).toBe('');
    expectOneLine(r, /^fdwarden run: \S+hog\.wasm timed out after 1 s\n$/);
  });

  test('a sleeping guest is stopped too; one that ends in time keeps its status and output', () => {
    const r = run(['--timeout=0.5', hog, 'sleep', '1000']);
    expect(r.code).toBe(124);
    expectOneLine(r, /timed out after 0\.5 s\n$/);
    expect(run(['--timeout', '60', fsops, 'getcwd', 'exit', '7'])).toEqual({ code: 7, out: 'getcwd = 3 "/w"\n', err: '' });
  });

  test('a guest blocked reading an input that never comes is stopped (a blocking host call cannot hold fdwarden)', async () => {
    const child = spawn(process.execPath, [CLI, 'run', '--policy', pol, '--dir', `${join(d, 'w')}=/w`, '--timeout', '1', fsops, 'read', '0', '10'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString('latin1')));
    child.stderr.on('data', (b: Buffer) => (err += b.toString('latin1')));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    const closed = new Promise((resolve) => child.on('close', resolve));
    // stdin stays open and empty until the run has ended.
    const code = await exited;
    child.stdin.end();
    await closed;
    expect([code, out]).toEqual([124, '']);
    expectOneLine({ code, out, err }, /^fdwarden run: \S+fsops\.wasm timed out after 1 s\n$/);
  });

  test('bad values are usage errors', () => {
    for (const bad of ['0', '-1', 'soon', '1e3', '9999999']) {
      const r = run(['--timeout', bad, fsops, 'getcwd']);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^fdwarden run: --timeout (takes a positive number of seconds|is at most 2147483 seconds)/);
    }
  });
});

describe('fdwarden run --memory-limit', () => {
  test('memory.grow past the limit returns -1 inside the guest; the program goes on', () => {
    const r = run(['--memory-limit', '4M', hog, 'grow', '16']);
    expect([r.code, r.err]).toEqual([0, '']);
    const pages = Number(/^grow = -1 pages=(\d+)\n$/.exec(r.out)?.[1]);
    expect(pages).toBeGreaterThan(0);
    expect(pages).toBeLessThanOrEqual(64);
    expect(pages + 16).toBeGreaterThan(64);
  });

  test('mmap past the limit fails with ENOMEM inside the guest', () => {
    const r = run(['--memory-limit', '4M', hog, 'mmap', '1000000']);
    expect([r.code, r.err]).toEqual([0, '']);
    const bytes = Number(/^mmap = -12 bytes=(\d+)\n$/.exec(r.out)?.[1]);
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThanOrEqual(4 * 1024 * 1024);
  });

  test('with --audit, the sandbox says it reached its limit, then that it stopped', () => {
    const r = run(['--audit', '--memory-limit', '4M', hog, 'mmap', '1000000']);
    expect(r.code).toBe(0);
    const states = r.err.split('\n').filter((l) => l.startsWith('fdwarden: sandbox '));
    expect(states[0]).toMatch(/^fdwarden: sandbox limited: memory: \d+ more wasm pages refused at \d+ \(the guest's memory limit\)$/);
    expect(states.at(-1)).toBe('fdwarden: sandbox stopped: every task exited');
    expect(states.length).toBe(2);
  });

  test.each(['shared', 'imported-shared'] as const)('%s memory (declared maximum 64 MiB) is held to the limit too', (variant) => {
    const r = run(['--memory-limit', '4M', compileWali('hog', variant), 'grow', '16']);
    expect([r.code, r.err]).toEqual([0, '']);
    expect(Number(/^grow = -1 pages=(\d+)\n$/.exec(r.out)?.[1])).toBeLessThanOrEqual(64);
  });

  test('a module that needs more memory at start than the limit is not run: one line, status 1', () => {
    const r = run(['--memory-limit', '1M', hog, 'grow', '1']);
    expect([r.code, r.out]).toEqual([1, '']);
    expectOneLine(r, /^fdwarden run: \S+hog\.wasm is not a WALI program this host can run: it needs \d+ pages \([\d.]+ MiB\) of memory at start, more than the limit of 16 pages \(1 MiB\)\n$/);
  });

  test('probing names that do not exist costs the host bounded memory: 300,000 of them under a 64 MiB heap', () => {
    const r = run(['--quiet', '--cwd', '/w', '--memory-limit', '2M', hog, 'names', '300000']);
    expect([r.code, r.out, r.err]).toEqual([0, 'names = 300000\n', '']);
  });

  test('a guest that makes the host hold names without end hits the host heap limit: status 137, one line', () => {
    const r = run(['--quiet', '--cwd', '/w', '--memory-limit', '2M', hog, 'files', '100000000']);
    expect(r.code).toBe(137);
    expect(r.out).toBe('');
    expectOneLine(r, /^fdwarden run: \S+hog\.wasm ran out of memory: the host's JS heap for the guest reached its limit of 64 MiB\n$/);
  });

  test('a writev of 1024 segments over the same bytes is cut to the guest\'s memory: a short write, not a gigabyte of host memory', () => {
    // Gathered whole, these segments would make the host allocate 1024 x 1 MB, twice (and a
    // regression here overflows maxBuffer rather than the disk).
    const r = spawnSync(process.execPath, [CLI, 'run', '--policy', pol, '--memory-limit', '2M', hog, 'writev', '1000000'], { encoding: 'latin1', maxBuffer: 4 << 20 });
    expect([r.error, r.status, r.stderr]).toEqual([undefined, 0, '']);
    // A short write of at most the guest's memory (2 MiB): the bytes, then the count hog printed.
    const m = /writev = (\d+)\n$/.exec(r.stdout);
    const n = Number(m?.[1]);
    expect(n).toBeGreaterThanOrEqual(1000000);
    expect(n).toBeLessThanOrEqual(2 << 20);
    expect(r.stdout.length).toBe(n + m![0].length);
  });

  test('bad sizes are usage errors', () => {
    for (const [bad, why] of [['lots', /takes a size like/], ['1000', /at least one 64K page/], ['5G', /at most 4G/]] as const) {
      const r = run(['--memory-limit', bad, fsops, 'getcwd']);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(why);
    }
  });
});

test('no temporary directory of the host outlives a run, even one that was killed', () => {
  const tmp = tempDir('fdwarden-tmp-');
  const env = { TMPDIR: tmp };
  expect(run(['--env', 'A=b', fsops, 'cat', '/.wali/env'], env).out).toBe('cat /.wali/env = 4 "A=b\\n"\n');
  expect(run(['--env', 'A=b', '--timeout', '0.5', hog, 'spin'], env).code).toBe(124);
  expect(run(['--env', 'A=b', '--quiet', '--cwd', '/w', '--memory-limit', '2M', hog, 'files', '100000000'], env).code).toBe(137);
  expect(readdirSync(tmp)).toEqual([]);
});
