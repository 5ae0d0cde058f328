/**
 * Linux is the oracle for the Node WALI host too: random fsops programs (test/wali/programs/
 * fsops.c) run once natively on the kernel (the same C source over a syscall shim) and once as
 * wasm on the Node host, alone or behind the interposer with a policy allowing everything under
 * the mount. Every op's printed result (return value or -errno, bytes read, stat mode and size,
 * directory listings) and the directory tree left behind must be the same.
 *
 * Absolute paths under /w name the native program's directory, and its output is read with
 * that directory as /w; symlink bodies are relative (lstat reports a body's length, which an
 * absolute body would change). Left out by design (the host README's decisions):
 * RENAME_EXCHANGE/WHITEOUT, linkat with AT_EMPTY_PATH, paths out of the mount and changes to
 * the mount point itself (the guest's namespace is its mounts under a read-only `/`, the
 * native program's is the machine's), lseek and ftruncate on stdio or copies of it (a file
 * behind stdio shares its offset with the embedding process, and Node cannot move that offset:
 * such a seek is ESPIPE), changing the metadata of stdio's objects (fchmod, futimens: the
 * embedding process's files, EPERM to the guest), and stat of stdio (stdout's size counts the
 * echoed words, longer natively where paths are absolute).
 * Replay a failure with FDWARDEN_SEED=<seed>; FDWARDEN_HOST_RUNS sets the number of programs.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, lstatSync, openSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import { compileWali } from '../wali/build.js';
import { compileNative } from '../host/native/build.js';
import { runCaptured } from '../host/cc.js';
import { policy } from '../unit/wali/guest.js';

const SEED = Number(process.env['FDWARDEN_SEED'] ?? 0x0b5e_11e5);
const RUNS = Number(process.env['FDWARDEN_HOST_RUNS'] ?? 150);
const ALLOW_ALL = policy('policy "all" abi 1\ndefault deny errno EACCES\nallow * under /w\n');

// Absolute paths start at the mount, /w in the guest and the directory itself natively. The
// mount point is named only as `/w/.`: removing or renaming /w itself is EROFS in the guest,
// whose `/` is read-only, while the native directory's parent is writable.
const PATHS = ['a', 'b', 'c', 'd', 'd/x', 'd/y', 'e', 'e/f', 'l', 'dl', 'dl/x', 'dangling', 'loop', 'nope/x', 'd/../a', '.', 'a/', 'd/', 'e/', 'l/', '',
  '/w/a', '/w/d/x', '/w/d/', '/w/nope', '/w/l', '/w/.', '/w/al'];
const FDS = ['3', '4', '5', '6', '-1', '100', '$', '$1', '$2', 'AT_FDCWD'];
const OPEN_FLAGS = [
  'O_RDONLY', 'O_WRONLY', 'O_RDWR', 'O_WRONLY|O_CREAT', 'O_RDWR|O_CREAT|O_EXCL', 'O_WRONLY|O_CREAT|O_TRUNC', 'O_WRONLY|O_APPEND',
  'O_RDONLY|O_DIRECTORY', 'O_PATH', 'O_RDONLY|O_NOFOLLOW', 'O_PATH|O_NOFOLLOW', 'O_WRONLY|O_CREAT|O_DIRECTORY', 'O_RDONLY|O_CLOEXEC',
  'O_RDWR|O_TRUNC', 'O_TMPFILE|O_WRONLY', 'O_RDWR|O_CREAT|O_APPEND', 'O_WRONLY|O_NONBLOCK',
];
const TEXTS = ['abc', 'hello\\n', 'x'];
const COUNTS = ['0', '1', '5', '100'];
const OFFSETS = ['0', '2', '10', '-1'];
const FCNTLS: [string, string][] = [
  ['F_GETFD', '0'], ['F_SETFD', 'FD_CLOEXEC'], ['F_SETFD', '0'], ['F_GETFL', '0'], ['F_SETFL', 'O_APPEND'], ['F_SETFL', 'O_NONBLOCK'],
  ['F_SETFL', '0'], ['F_DUPFD', '5'], ['F_DUPFD_CLOEXEC', '0'], ['99', '0'],
];

/** fds that are never stdio: stdio's offset is shared with the embedding process, which Node cannot move. */
const OWN_FDS = ['3', '4', '5', '6', '-1', '100'];
const pick = <T>(xs: readonly T[]): fc.Arbitrary<T> => fc.constantFrom(...xs);
const path = pick(PATHS);
const fd = pick(FDS);
/** One op: its words as fsops takes them. */
const opArb: fc.Arbitrary<string[]> = fc.oneof(
  fc.tuple(fc.constant('open'), path, pick(OPEN_FLAGS)),
  fc.tuple(fc.constant('openat'), fd, path, pick(OPEN_FLAGS)),
  fc.tuple(fc.constant('close'), pick(OWN_FDS)), // stdio stays where the output is read
  fc.tuple(fc.constant('read'), fd, pick(COUNTS)),
  fc.tuple(fc.constant('pread'), fd, pick(COUNTS), pick(OFFSETS)),
  fc.tuple(fc.constant('write'), fd, pick(TEXTS)),
  fc.tuple(fc.constant('pwrite'), pick(OWN_FDS), pick(TEXTS), pick(OFFSETS)), // not into stdout, whose lines differ in length
  fc.tuple(fc.constant('lseek'), pick(OWN_FDS), pick(OFFSETS), pick(['SEEK_SET', 'SEEK_CUR', 'SEEK_END', '3', '4', '5'])),
  fc.tuple(fc.constant('ftruncate'), pick(OWN_FDS), pick(['0', '3', '10', '-1'])),
  // Copies of stdio would reach lseek/ftruncate through other numbers, and a file dup'ed onto
  // stdout would get the echoed words, which differ in length: own fds only, both ways.
  fc.tuple(fc.constant('dup'), pick(OWN_FDS)),
  fc.tuple(fc.constant('dup2'), pick(OWN_FDS), pick(OWN_FDS)),
  fc.tuple(fc.constant('dup3'), pick(OWN_FDS), pick(OWN_FDS), pick(['0', 'O_CLOEXEC', '1'])),
  pick(FCNTLS).chain(([cmd, arg]) => fc.tuple(fc.constant('fcntl'), cmd.startsWith('F_DUPFD') ? pick(OWN_FDS) : fd, fc.constant(cmd), fc.constant(arg))),
  fc.tuple(fc.constant('mkdir'), path),
  fc.tuple(fc.constant('mkdirat'), fd, path),
  fc.tuple(fc.constant('rmdir'), path),
  fc.tuple(fc.constant('unlink'), path),
  fc.tuple(fc.constant('unlinkat'), fd, path, pick(['0', 'AT_REMOVEDIR', '1'])),
  fc.tuple(fc.constant('rename'), path, path),
  fc.tuple(fc.constant('renameat2'), fd, path, fd, path, pick(['0', 'RENAME_NOREPLACE'])),
  fc.tuple(fc.constant('link'), path, path),
  fc.tuple(fc.constant('linkat'), fd, path, fd, path, pick(['0', 'AT_SYMLINK_FOLLOW'])),
  // Relative bodies only: an absolute one is longer natively, and lstat reports a link's length.
  fc.tuple(fc.constant('symlink'), pick(['a', 'd', 'nope', 'l', 'x/y', 'd/x']), path),
  fc.tuple(fc.constant('symlinkat'), pick(['a', 'd', 'nope']), fd, path),
  fc.tuple(fc.constant('readlink'), path),
  fc.tuple(fc.constant('stat'), path),
  fc.tuple(fc.constant('lstat'), path),
  // stdout's size counts the echoed words, which are longer natively where paths are absolute.
  fc.tuple(fc.constant('fstat'), pick(OWN_FDS)),
  fc.tuple(fc.constant('fstatat'), pick([...OWN_FDS, 'AT_FDCWD']), path, pick(['0', 'AT_SYMLINK_NOFOLLOW', 'AT_EMPTY_PATH'])),
  fc.tuple(fc.constant('access'), path, pick(['F_OK', 'R_OK', 'W_OK|X_OK', '8'])),
  fc.tuple(fc.constant('chmod'), path, pick(['0755', '0700', '0600', '0644'])),
  fc.tuple(fc.constant('chdir'), path),
  fc.tuple(fc.constant('fchdir'), fd),
  fc.tuple(fc.constant('getdents'), fd),
  fc.constant<string[]>(['getcwd']),
  fc.tuple(pick(['ls', 'lstype']), path),
  fc.tuple(fc.constant('cat'), path),
  fc.tuple(fc.constant('readv'), fd, pick(COUNTS), pick(COUNTS)),
  fc.tuple(fc.constant('writev'), fd, pick(TEXTS), pick(TEXTS)),
  fc.tuple(pick(['fsync', 'fdatasync']), fd),
  fc.tuple(fc.constant('fchmod'), pick(OWN_FDS), pick(['0755', '0700', '0600', '0644'])),
  fc.tuple(fc.constant('fchmodat'), fd, path, pick(['0755', '0600'])),
  fc.tuple(fc.constant('faccessat2'), fd, path, pick(['F_OK', 'R_OK', 'W_OK', '8']), pick(['0', 'AT_SYMLINK_NOFOLLOW', 'AT_EMPTY_PATH', '0x200', '1'])),
  fc.tuple(fc.constant('utimens'), pick([...OWN_FDS, 'AT_FDCWD']), path, pick(['0', 'AT_SYMLINK_NOFOLLOW', 'AT_EMPTY_PATH', '1'])),
  fc.tuple(fc.constant('xstat'), path),
  fc.tuple(fc.constant('statx'), pick([...OWN_FDS, 'AT_FDCWD']), path, pick(['0', 'AT_SYMLINK_NOFOLLOW', 'AT_EMPTY_PATH', '0x4000'])),
);

/** The same starting tree in each root: a file, directories, symlinks (good, dangling, looping). */
function seed(root: string): void {
  mkdirSync(join(root, 'd'), { recursive: true });
  mkdirSync(join(root, 'e'));
  writeFileSync(join(root, 'a'), 'hello');
  writeFileSync(join(root, 'd', 'x'), 'x');
  symlinkSync('a', join(root, 'l'));
  symlinkSync('d', join(root, 'dl'));
  symlinkSync('nope', join(root, 'dangling'));
  symlinkSync('loop', join(root, 'loop'));
}

/** Every entry below root: type, permission bits, content or link target (`native`: its root read as /w). */
function picture(root: string, native?: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const st = lstatSync(p);
      const rel = p.slice(root.length);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isSymbolicLink()) out[rel] = `-> ${native ? asGuestPath(readlinkSync(p), native) : readlinkSync(p)}`;
      else if (st.isDirectory()) {
        out[rel] = `dir ${mode}`;
        chmodSync(p, st.mode | 0o700); // the walk (and the clean-up) must get in
        walk(p);
      } else out[rel] = `file ${mode} ${JSON.stringify(readFileSync(p, 'latin1'))}`;
    }
  };
  walk(root);
  return out;
}

/**
 * The native program with stdio as the host gives the guest (runCaptured): stdin an empty file,
 * stdout and stderr files, so that fstat, read and write on fds 0-2 see the same objects.
 */
function runNative(words: string[], cwd: string, base: string): { stdout: string; status: number | null } {
  const io = join(base, 'native-io');
  mkdirSync(io);
  writeFileSync(join(io, 'in'), '');
  const fds = [openSync(join(io, 'in'), 'r'), openSync(join(io, 'out'), 'w'), openSync(join(io, 'err'), 'w')];
  try {
    const r = spawnSync(nativeFsops, words, { cwd, stdio: fds });
    return { stdout: readFileSync(join(io, 'out'), 'latin1'), status: r.status };
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}

/** A guest absolute path as the native program names it: /w is its directory. */
function nativePath(word: string, root: string): string {
  return word === '/w' || word.startsWith('/w/') ? root + word.slice(2) : word;
}

/** The native root read as /w, in a path. */
function asGuestPath(text: string, root: string): string {
  return text.split(root + '/').join('/w/').split(root).join('/w');
}

/**
 * A native output line as the guest prints it: the root is /w there. getcwd and readlink return
 * a length (getcwd's counts the NUL), which changes with the path.
 */
function asGuest(line: string, root: string): string {
  const out = asGuestPath(line, root);
  const m = /^(getcwd|readlink \S*) = (\d+) "(.*)"$/.exec(out);
  if (!m || out === line) return out;
  return `${m[1]} = ${m[3]!.length + (m[1] === 'getcwd' ? 1 : 0)} "${m[3]}"`;
}

let nativeFsops: string;
let wasm: Uint8Array;
beforeAll(() => {
  nativeFsops = compileNative('fsops');
  wasm = new Uint8Array(readFileSync(compileWali('fsops')));
});

describe('the Node WALI host against Linux (fsops natively vs as wasm)', () => {
  test('the same programs print the same results and leave the same trees', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 16 }), fc.boolean(), async (ops, interposed) => {
        const base = mkdtempSync(join(tmpdir(), 'fdwarden-host-vs-linux-'));
        try {
          const linux = join(base, 'linux');
          const guest = join(base, 'guest');
          mkdirSync(linux);
          mkdirSync(guest);
          seed(linux);
          seed(guest);
          // `$K` must name an op that already ran (fsops stops at the first word it cannot
          // read, and which word that is depends on the compiler's argument evaluation order),
          // and not a getcwd (its result is the length of a path that differs between the two).
          const usable = (k: number, i: number): boolean => k >= 1 && k <= i && ops[k - 1]![0] !== 'getcwd';
          const words = ops.flatMap((op, i) => op.map((w) => {
            if (w === '$') return usable(i, i) ? w : '3';
            return /^\$\d+$/.test(w) && !usable(Number(w.slice(1)), i) ? '3' : w;
          }));
          const native = runNative(words.map((w) => nativePath(w, linux)), linux, base);
          const hosted = await runCaptured(wasm, {
            args: ['fsops', ...words],
            dirs: [{ host: guest, guest: '/w' }],
            cwd: '/w',
            // Under a policy (judged at every call) or the host's default, which allows everything.
            ...(interposed ? { policy: ALLOW_ALL } : {}),
          });
          expect(hosted.stdout.split('\n')).toEqual(native.stdout.split('\n').map((l) => asGuest(l, linux)));
          expect(hosted.status).toBe(native.status);
          expect(picture(guest)).toEqual(picture(linux, linux));
        } finally {
          rmSync(base, { recursive: true, force: true });
        }
      }),
      { seed: SEED, numRuns: RUNS, verbose: 1 },
    );
  }, 300_000);
});
