/**
 * Hermetic audits: with `--fs empty` (or a snapshot) the view knows none of the system's names,
 * so what a recorded success reached must be learned from the recording itself, judged by the
 * policy, and its fd granted its rights. Recorded failures and objects reached through unknown
 * fds or unknown pids stay unknown (fail closed).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compilePolicyText } from '../../src/dsl/index.js';
import { fileLoader } from '../../src/dsl/load-fs.js';
import { audit } from '../../src/rules/auditor.js';
import { engineFor } from '../../src/rules/engine.js';
import { explain } from '../../src/rules/explain.js';
import { emptyView } from '../../src/state/view.js';
import { loadSnapshotView } from '../../src/state/live-view.js';
import { readLog } from '../../src/cli/inputs.js';

const ROOT = join(import.meta.dirname, '../..');
const SHARED = join(ROOT, '../shared/traces');

function engine(text: string) {
  const c = compilePolicyText(text, { file: 'p.policy' });
  if (!c.ok) throw new Error(JSON.stringify(c.diagnostics));
  return engineFor(c.policy);
}

const STDIO = [0, 1, 2].map((fd) => ({ fd, path: '/dev/null' }));
const run = (lines: string[], policy: string, inherit: typeof STDIO | undefined = STDIO) => audit(lines, engine(policy), { view: emptyView, cwd: '/', inherit });

const LOG = [
  '100 openat(AT_FDCWD, "/opt/a/b/c", O_RDONLY) = 3',
  '100 read(3, "x", 1) = 1',
  '100 openat(AT_FDCWD, "/opt/a/b/d", O_RDONLY|O_DIRECTORY) = 4',
  '100 getdents64(4, 0x1000 /* 2 entries */, 32768) = 48',
  '100 newfstatat(AT_FDCWD, "/opt/q/r", {st_mode=S_IFREG|0644, st_size=0, ...}, 0) = 0',
  '100 openat(AT_FDCWD, "/proc/filesystems", O_RDONLY|O_CLOEXEC) = 5',
  '100 read(5, "nodev\\tsysfs\\n", 1024) = 12',
  '100 openat(AT_FDCWD, "/opt/z/y", O_RDONLY) = -1 ENOENT (No such file or directory)',
];

describe('audit with an empty view learns what recorded successes reached', () => {
  it('fds opened on names the view lacks get their rights: nothing denied, nothing unknown', () => {
    const r = run(LOG, 'policy "p" abi 1\ndefault deny errno EACCES\nallow read,list,stat under /opt\nallow read /proc/filesystems\n');
    expect(r.denials.map((d) => d.lineNo)).toEqual([]);
    expect(r.summary).toMatchObject({ syscalls: 8, denied: 0, unknown: 0 });
    expect(r.diagnostics).toEqual([]);
  });

  it('the policy decides every such call (a deny-all policy denies them), on the object the call proves', () => {
    const r = run(LOG, 'policy "p" abi 1\ndefault deny errno EACCES\n');
    const p = engine('policy "p" abi 1\ndefault deny errno EACCES\n').policy;
    const seen = r.denials.map((d) => {
      const c = explain(p, d.verdict).checks[0]!;
      return [d.lineNo, d.syscall, c.path, c.exists, c.type ?? null, c.unknown ?? null];
    });
    expect(seen).toEqual([
      [1, 'openat', '/opt/a/b/c', true, 'unknown', null],
      [2, 'read', '/opt/a/b/c', true, 'unknown', null],
      [3, 'openat', '/opt/a/b/d', true, 'dir', null],
      [4, 'getdents64', '/opt/a/b/d', true, 'dir', null],
      [5, 'newfstatat', '/opt/q/r', true, 'unknown', null],
      [6, 'openat', '/proc/filesystems', true, 'unknown', null],
      [7, 'read', '/proc/filesystems', true, 'unknown', null],
    ]);
    // The recorded failure is the kernel's refusal (a missing parent): not a denial, nothing learned.
    expect(r.judged.get(8)?.verdict.cause).toBe('kernel');
  });

  it("a success through an unknown fd, or on another process's /proc entry, stays unknown", () => {
    const r = run([
      '100 openat(7, "x", O_RDONLY) = 3',
      '100 read(3, "x", 1) = 1',
      '100 openat(AT_FDCWD, "/proc/4242/status", O_RDONLY) = 4',
      '100 read(4, "x", 1) = 1',
    ], 'policy "p" abi 1\ndefault allow\nunknown deny errno EACCES\n', undefined); // fds not declared are unknown
    expect(r.denials.map((d) => [d.lineNo, d.verdict.cause])).toEqual([[1, 'unknown'], [2, 'unknown'], [3, 'unknown'], [4, 'unknown']]);
  });
});

describe('types a recording proves', () => {
  const POLICY = 'policy "p" abi 1\ndefault deny errno EACCES\nallow read,stat under /opt when type file\nallow list,stat under /opt when type dir\n';

  it('O_DIRECTORY, and a listing that succeeded, make a learned object a directory: `when type dir` rules apply', () => {
    const r = run([
      '100 openat(AT_FDCWD, "/opt/a", O_RDONLY|O_DIRECTORY) = 3',
      '100 getdents64(3, 0x1000 /* 2 entries */, 32768) = 48',
      '100 openat(AT_FDCWD, "/opt/b", O_RDONLY|O_CLOEXEC) = 4',
      '100 getdents64(4, 0x1000 /* 2 entries */, 32768) = 48',
    ], POLICY);
    // The open of /opt/b told nothing of its type: `when type` fails there (fail closed); its listing proves a directory.
    expect(r.denials.map((d) => [d.lineNo, d.syscall])).toEqual([[3, 'openat']]);
  });

  it('an object whose type no call proves satisfies no `when type` rule', () => {
    const r = run(['100 openat(AT_FDCWD, "/opt/f", O_RDONLY) = 3', '100 read(3, "x", 1) = 1'], POLICY);
    expect(r.denials.map((d) => [d.lineNo, d.syscall])).toEqual([[1, 'openat'], [2, 'read']]);
  });
});

describe('empty paths in a recording', () => {
  it('a recorded ENOENT on "" is the kernel refusing, a recorded success on "" is unknown: never allowed with no rule consulted', () => {
    const r = run([
      '100 openat(AT_FDCWD, "", O_RDONLY) = -1 ENOENT (No such file or directory)',
      '100 openat(AT_FDCWD, "", O_RDONLY) = 3',
      '100 read(3, "x", 1) = 1',
      '100 newfstatat(3, "", {st_mode=S_IFREG|0644, st_size=1, ...}, AT_EMPTY_PATH) = 0',
    ], 'policy "p" abi 1\ndefault allow\nunknown deny errno EACCES\n');
    expect(r.judged.get(1)?.verdict).toMatchObject({ allowed: false, cause: 'kernel', errno: 'ENOENT' });
    expect(r.denials.map((d) => [d.lineNo, d.verdict.cause])).toEqual([[2, 'unknown'], [3, 'unknown'], [4, 'unknown']]);
  });
});

describe('hermetic audits of real recordings under the shipped workdir policy', () => {
  // The project's fixtures come with the snapshot recorded with them (its /dev/fd is a symlink
  // into /proc); the shared recordings come with none and are replayed over an empty view.
  const FIXTURES = join(ROOT, 'test/fixtures/traces');
  const sets = [
    { dir: FIXTURES, view: loadSnapshotView(join(FIXTURES, 'system.json')), skip: ['escape-workdir', 'pipes-sockets'] },
    { dir: SHARED, view: emptyView, skip: [] as string[] },
  ];
  const policy = readFileSync(join(ROOT, 'examples/policies/workdir.policy'), 'utf8');
  for (const { dir, view, skip } of sets) {
    if (!existsSync(join(dir, 'INDEX.tsv'))) continue;
    for (const line of readFileSync(join(dir, 'INDEX.tsv'), 'utf8').trim().split('\n')) {
      const [name, cwdField] = line.split('\t');
      if (skip.includes(name!)) continue;
      const cwd = cwdField!.replace(/^cwd=/, '');
      it(`${name} (${view.name}): nothing denied, nothing unknown`, () => {
        const c = compilePolicyText(policy, { file: join(ROOT, 'examples/policies/workdir.policy'), vars: { WORK: [cwd], HOME: ['/tmp/fdw-rec'] }, load: fileLoader() });
        if (!c.ok) throw new Error('workdir.policy does not compile');
        const r = audit(readLog(join(dir, `${name}.strace`)), engineFor(c.policy), { view, cwd, inherit: STDIO });
        expect(r.denials.map((d) => `${d.lineNo} ${d.syscall}`)).toEqual([]);
        expect(r.summary.unknown).toBe(0);
      });
    }
  }
});
