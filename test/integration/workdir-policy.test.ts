/**
 * The shipped examples/policies/workdir.policy on what ordinary programs do with `/` and the
 * directories above $WORK: ls /, a shell's /* glob, cd / and back, ls -la, du, find, realpath,
 * Python's os.listdir("/") and os.chdir (test/fixtures/traces/root-walk.strace), and the shared
 * recordings of coreutils, tar, make, bash and Python. Nothing they do there is denied; listing
 * an ancestor of $WORK or reading beside it still is.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compilePolicyText } from '../../src/dsl/index.js';
import { fileLoader } from '../../src/dsl/load-fs.js';
import { audit } from '../../src/rules/auditor.js';
import { engineFor } from '../../src/rules/engine.js';
import { judgeSingle } from '../../src/rules/single.js';
import { emptyView, type View } from '../../src/state/view.js';
import { loadSnapshotView } from '../../src/state/live-view.js';
import { readLog } from '../../src/cli/inputs.js';

const ROOT = join(import.meta.dirname, '../..');
const FILE = join(ROOT, 'examples/policies/workdir.policy');
const FIXTURES = join(ROOT, 'test/fixtures/traces');
const SHARED = join(ROOT, '../shared/traces');
const STDIO = [0, 1, 2].map((fd) => ({ fd, path: '/dev/null' }));

/** Every directory strictly between / and `dir`. */
function above(dir: string): string[] {
  const out: string[] = [];
  for (let d = dirname(dir); d !== '/'; d = dirname(d)) out.unshift(d);
  return out;
}

function engine(work: string, text = readFileSync(FILE, 'utf8')) {
  const c = compilePolicyText(text, { file: FILE, load: fileLoader(), vars: { WORK: [work], ABOVE: above(work), HOME: ['/tmp/fdw-rec'] } });
  expect(c.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return engineFor(c.policy);
}

function denials(trace: string, cwd: string, view: View, text?: string) {
  const r = audit(readLog(trace), engine(cwd, text), { view, cwd, inherit: STDIO });
  return r.denials.map((d) => ({ line: d.lineNo, syscall: d.syscall, path: d.verdict.checks[0]?.check.object.path, fix: d.verdict.checks[0]?.decisions.filter((x) => x.effect === 'deny').map((x) => x.right) }));
}

describe('workdir.policy on / and the directories above $WORK', () => {
  const trace = join(FIXTURES, 'root-walk.strace');
  const cwd = '/tmp/fdw-rec/root-walk';
  const view = loadSnapshotView(join(FIXTURES, 'system.json'));

  it('root-walk (ls /, /* glob, cd /, ls -la, du, find, realpath, Python listdir and chdir): nothing denied', () => {
    expect(denials(trace, cwd, view)).toEqual([]);
  });

  it('the recording does need what the policy grants on /: without that line, listing and entering / are denied', () => {
    const text = readFileSync(FILE, 'utf8').replace(/^allow stat,list,chdir \/\n/m, '');
    const left = denials(trace, cwd, view, text);
    expect(new Set(left.map((d) => `${d.syscall} ${d.path}`))).toEqual(new Set(['openat /', 'getdents64 /', 'chdir /']));
    expect(left.length).toBeGreaterThanOrEqual(6);
  });

  it('an ancestor of $WORK may be looked at and entered, never listed; nothing beside $WORK is read', () => {
    const e = engine('/tmp/fdw-rec/root-walk');
    const judge = (name: string, args: string) => {
      const r = judgeSingle(e, name, args);
      if (!r.ok) throw new Error(r.error);
      return r.verdict.allowed;
    };
    expect(judge('chdir', '"/tmp/fdw-rec"')).toBe(true);
    expect(judge('newfstatat', 'AT_FDCWD, "/tmp/fdw-rec", {st_mode=S_IFDIR|0755, st_size=4096, ...}, AT_SYMLINK_NOFOLLOW')).toBe(true);
    expect(judge('openat', 'AT_FDCWD, "/tmp/fdw-rec", O_RDONLY|O_DIRECTORY')).toBe(false);
    expect(judge('openat', 'AT_FDCWD, "/tmp/fdw-rec/other-job/notes.txt", O_RDONLY')).toBe(false);
    expect(judge('chdir', '"/root"')).toBe(false);
    expect(judge('openat', 'AT_FDCWD, "/", O_RDONLY|O_DIRECTORY')).toBe(true);
  });
});

describe.skipIf(!existsSync(join(SHARED, 'INDEX.tsv')))('workdir.policy on the shared recordings (start directories from INDEX.tsv)', () => {
  const index = existsSync(join(SHARED, 'INDEX.tsv')) ? readFileSync(join(SHARED, 'INDEX.tsv'), 'utf8').trim().split('\n') : [];
  for (const line of index) {
    const [name, field] = line.split('\t');
    const cwd = field!.replace(/^cwd=/, '');
    it(`${name}: nothing denied`, () => {
      expect(denials(join(SHARED, `${name}.strace`), cwd, emptyView)).toEqual([]);
    });
  }
});
