/**
 * What the commands read: an input that cannot be used (missing, a directory, a snapshot that is
 * not one, a log with no syscall) is one line naming it and exit 4, never a JS stack or exit 0;
 * a `--var` no policy uses is an error with a did-you-mean; a relative --cwd starts where
 * fdwarden runs.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../temp-dirs.js';
import { startDir, parseInherit, requireSyscall } from '../../../src/cli/inputs.js';
import { cli } from './capture.js';

const ROOT = join(import.meta.dirname, '../../..');
const POLICY = join(ROOT, 'examples/policies/workdir.policy');
const TRACES = join(ROOT, 'test/fixtures/traces');
const TRACE = join(TRACES, 'deleted-files.strace');

const dir = tempDir('fdw-inputs-');
const junk = join(dir, 'junk.strace');
writeFileSync(junk, 'hello world\nnot strace either\n');
const empty = join(dir, 'empty.strace');
writeFileSync(empty, '');
const badJson = join(dir, 'bad.json');
writeFileSync(badJson, '{bad');
const notSnapshot = join(dir, 'list.json');
writeFileSync(notSnapshot, '["/etc"]');

/** One line on stderr, no stack, the status given. */
function oneLine(r: { status: number; stderr: string; stdout: string }, status: number, text: string | RegExp): void {
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr).toMatch(text);
  expect(r.status).toBe(status);
}

describe('inputs that cannot be used: one line naming them, exit 4', () => {
  it('a log in which no line is a syscall (audit, explain --trace, learn)', async () => {
    oneLine(await cli('audit', '--policy', POLICY, junk), 4, `fdwarden audit: ${junk}: no line is a syscall (2 lines, none an strace line)`);
    oneLine(await cli('audit', '--policy', POLICY, empty), 4, 'no line is a syscall (the file is empty)');
    oneLine(await cli('explain', '--policy', POLICY, '--trace', junk, '--line', '1'), 4, 'no line is a syscall');
    oneLine(await cli('learn', junk, '--cwd', '/'), 4, 'no line is a syscall');
  });

  it('a log is searched to its last line, one without a newline counted', () => {
    const tail = join(dir, 'tail.strace');
    writeFileSync(tail, 'hello\nworld\nopenat(AT_FDCWD, "/etc/passwd", O_RDONLY) = 3');
    expect(() => requireSyscall(tail)).not.toThrow();
    const unended = join(dir, 'unended.strace');
    writeFileSync(unended, 'hello\nworld\nagain');
    expect(() => requireSyscall(unended)).toThrow(`${unended}: no line is a syscall (3 lines, none an strace line)`);
  });

  it('a directory where a file is expected: policy, trace, snapshot, the files of diff', async () => {
    oneLine(await cli('audit', '--policy', dir, TRACE), 4, `cannot read ${dir}: it is a directory, not a file`);
    oneLine(await cli('audit', '--policy', POLICY, dir), 4, `cannot read ${dir}: it is a directory`);
    oneLine(await cli('annotate', TRACE, '--fs', dir), 4, `--fs: cannot read ${dir}: it is a directory`);
    oneLine(await cli('check', dir), 4, `cannot read ${dir}`);
    oneLine(await cli('diff', POLICY, dir), 4, `cannot read ${dir}`);
  });

  it('a missing file', async () => {
    oneLine(await cli('audit', '--policy', POLICY, join(dir, 'nope.strace')), 4, `cannot read ${join(dir, 'nope.strace')}: no such file or directory`);
    oneLine(await cli('annotate', join(dir, 'nope.strace')), 4, 'no such file or directory');
  });

  it('a snapshot that is not JSON, or not a snapshot', async () => {
    oneLine(await cli('audit', '--policy', POLICY, '--cwd', '/', '--fs', badJson, TRACE), 4, `--fs ${badJson}: not valid JSON`);
    oneLine(await cli('annotate', TRACE, '--fs', notSnapshot), 4, `--fs ${notSnapshot}: not a snapshot`);
    const badEntry = join(dir, 'entry.json');
    writeFileSync(badEntry, '{"entries": {"/l": {"kind": "lnk"}}}');
    oneLine(await cli('annotate', TRACE, '--fs', badEntry), 4, 'entry "/l" is not an absolute path with a kind');
  });

  it('run keeps its own table: a policy it cannot read is status 1', async () => {
    oneLine(await cli('run', '--policy', dir, 'x.wasm'), 1, `fdwarden run: cannot read ${dir}: it is a directory`);
  });
});

describe('usage errors (exit 64)', () => {
  it('explain --line past the end of the log', async () => {
    const r = await cli('explain', '--policy', POLICY, '--trace', TRACE, '--line', '99999');
    oneLine(r, 64, /has 366 lines/);
  });

  it('a --var no policy uses, with a did-you-mean; a used one is fine', async () => {
    oneLine(await cli('check', POLICY, '--var', 'WROK=/x'), 64, /--var WROK: no variable \$WROK in .*workdir\.policy \(did you mean `--var WORK`\?\)/);
    oneLine(await cli('audit', '--policy', POLICY, '--var', 'WROK=/x', TRACE), 64, /--var WROK/);
    oneLine(await cli('diff', POLICY, POLICY, '--var', 'HOEM=/x'), 64, /did you mean `--var HOME`/);
    expect((await cli('check', POLICY, '--var', 'WORK=/x', '--var', 'HOME=/home/u')).status).toBe(0);
    oneLine(await cli('learn', TRACE, '--cwd', '/', '--var', 'WORK=/x'), 64, /there is no --base/);
  });
});

describe('paths on the command line', () => {
  it('a relative --cwd or --inherit path starts at the directory fdwarden runs in', () => {
    expect(startDir('.')).toBe(process.cwd());
    expect(startDir('a/b')).toBe(join(process.cwd(), 'a/b'));
    expect(startDir('/srv/w')).toBe('/srv/w');
    expect(startDir(undefined)).toBeUndefined();
    expect(parseInherit(['3=x.txt'])).toEqual([{ fd: 3, path: join(process.cwd(), 'x.txt') }]);
  });

  it('non-ASCII text becomes its UTF-8 bytes, as the recording holds them', () => {
    expect(startDir('/tmp/é')).toBe('/tmp/\xc3\xa9');
  });
});

describe('learn -o', () => {
  it('each output gets its own system file, so learning a second policy leaves the first one whole', async () => {
    const out = join(dir, 'learned');
    mkdirSync(out);
    const a = join(out, 'wal.policy');
    const b = join(out, 'git.policy');
    const fs = ['--index', join(TRACES, 'INDEX.tsv'), '--fs', join(TRACES, 'system.json')];
    const first = await cli('learn', join(TRACES, 'sqlite-wal.strace'), ...fs, '-o', a);
    expect(first.status).toBe(0);
    expect(first.stderr).toContain(`wrote ${a}, and its system reads to ${join(out, 'wal-system.policy')} (included by it)`);
    const before = readFileSync(join(out, 'wal-system.policy'), 'utf8');
    expect(readFileSync(a, 'utf8')).toContain('include "wal-system.policy"');
    expect((await cli('learn', join(TRACES, 'git-repo.strace'), ...fs, '-o', b)).status).toBe(0);
    expect(readFileSync(b, 'utf8')).toContain('include "git-system.policy"');
    expect(readFileSync(join(out, 'wal-system.policy'), 'utf8')).toBe(before);
    expect((await cli('check', a)).status).toBe(0);
    oneLine(await cli('learn', join(TRACES, 'sqlite-wal.strace'), ...fs, '-o', join(out, 'x-system.policy')), 64, /kept for the system reads/);
  });

  it('on stdout, the base is included by its absolute path (the output may be saved anywhere)', async () => {
    const base = 'examples/policies/workdir-system.policy';
    const r = await cli('learn', join(TRACES, 'sqlite-wal.strace'), '--index', join(TRACES, 'INDEX.tsv'), '--fs', join(TRACES, 'system.json'), '--base', join(ROOT, base));
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`include "${join(ROOT, base)}"`);
    const saved = join(dir, 'elsewhere.policy');
    writeFileSync(saved, r.stdout);
    expect((await cli('check', saved)).status).toBe(0);
  });
});
