/**
 * Random fsops programs for the security properties: every call fsops knows, over a given set of
 * paths, fds and flag soups (flags valid and not).
 */
import fc from 'fast-check';

export const pick = <T>(xs: readonly T[]): fc.Arbitrary<T> => fc.constantFrom(...xs);

export const FDS = ['3', '4', '5', '6', '-1', '$', 'AT_FDCWD'];
export const OPEN_FLAGS = [
  'O_RDONLY', 'O_WRONLY', 'O_RDWR', 'O_WRONLY|O_CREAT', 'O_RDWR|O_CREAT|O_EXCL', 'O_WRONLY|O_CREAT|O_TRUNC', 'O_WRONLY|O_APPEND',
  'O_RDONLY|O_DIRECTORY', 'O_PATH', 'O_RDONLY|O_NOFOLLOW', 'O_PATH|O_NOFOLLOW', 'O_PATH|O_CREAT|O_EXCL', 'O_TMPFILE|O_WRONLY',
  'O_RDWR|O_TRUNC', 'O_PATH|O_DIRECTORY', 'O_WRONLY|O_CREAT|O_NOFOLLOW', '0x7fffffff', '-1',
];
const AT = ['0', 'AT_SYMLINK_NOFOLLOW', 'AT_EMPTY_PATH', 'AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH', 'AT_REMOVEDIR', 'AT_SYMLINK_FOLLOW', '0x800', '1', '0xffff'];

/**
 * One fsops op over `paths` (its words). `sockets`: Unix sockets bound, connected and sent to at
 * those paths too (hosts with sockets; the foreign hosts have none).
 */
export function opArb(paths: readonly string[], sockets = false): fc.Arbitrary<string[]> {
  const path = pick(paths);
  const fd = pick(FDS);
  const at = pick(AT);
  const ops = [
    fc.tuple(fc.constant('open'), path, pick(OPEN_FLAGS)),
    fc.tuple(fc.constant('openat'), fd, path, pick(OPEN_FLAGS)),
    fc.tuple(fc.constant('close'), pick(['3', '4', '5', '6'])),
    fc.tuple(fc.constant('read'), fd, pick(['0', '100'])),
    fc.tuple(fc.constant('write'), fd, pick(['x', 'payload\\n'])),
    fc.tuple(fc.constant('ftruncate'), fd, pick(['0', '3'])),
    fc.tuple(fc.constant('mkdir'), path),
    fc.tuple(fc.constant('mkdirat'), fd, path),
    fc.tuple(fc.constant('rmdir'), path),
    fc.tuple(fc.constant('unlink'), path),
    fc.tuple(fc.constant('unlinkat'), fd, path, pick(['0', 'AT_REMOVEDIR', '1'])),
    fc.tuple(fc.constant('rename'), path, path),
    fc.tuple(fc.constant('renameat2'), fd, path, fd, path, pick(['0', 'RENAME_NOREPLACE', 'RENAME_EXCHANGE', '8'])),
    fc.tuple(fc.constant('link'), path, path),
    fc.tuple(fc.constant('linkat'), fd, path, fd, path, at),
    fc.tuple(fc.constant('symlink'), pick(['a', 'd', '..', '../..', '/', 'd/x', ...paths]), path),
    fc.tuple(fc.constant('readlink'), path),
    fc.tuple(pick(['stat', 'lstat', 'xstat']), path),
    fc.tuple(fc.constant('fstat'), fd),
    fc.tuple(fc.constant('fstatat'), fd, path, at),
    fc.tuple(fc.constant('statx'), fd, path, at),
    fc.tuple(fc.constant('access'), path, pick(['F_OK', 'R_OK', 'W_OK', '8'])),
    fc.tuple(fc.constant('faccessat2'), fd, path, pick(['F_OK', 'W_OK']), at),
    fc.tuple(fc.constant('chmod'), path, pick(['0777', '0600', '06777'])),
    fc.tuple(fc.constant('fchmodat'), fd, path, pick(['0777', '06777'])),
    fc.tuple(fc.constant('fchmod'), fd, pick(['0777'])),
    fc.tuple(fc.constant('utimens'), fd, path, at),
    fc.tuple(fc.constant('chdir'), path),
    fc.tuple(fc.constant('fchdir'), fd),
    fc.tuple(pick(['ls', 'lstype', 'cat']), path),
    fc.tuple(fc.constant('getdents'), fd),
  ];
  if (sockets) ops.push(fc.tuple(pick(['sockbind', 'sockconnect', 'socksend']), path));
  return fc.oneof(...ops);
}

/**
 * A fork block: `fork N` and the ops its child runs, sometimes ending in `exit`. N is mostly the
 * block's length, sometimes more, so that a child also runs its parent's next ops (a fork
 * among them: a grandchild), or 0 (a child that runs nothing; its parent skips the block).
 */
function forkArb(op: fc.Arbitrary<string[]>): fc.Arbitrary<string[]> {
  const exit = fc.option(fc.tuple(fc.constant('exit'), pick(['0', '3', '255'])), { freq: 3, nil: undefined });
  return fc.tuple(fc.array(op, { minLength: 1, maxLength: 4 }), exit, pick([0, 0, 0, 0, 1, 3, -99])).map(([ops, end, extra]) => {
    const body = end ? [...ops, end] : ops;
    return ['fork', String(Math.max(0, body.length + extra)), ...body.flat()];
  });
}

/**
 * A program: up to `max` ops, or blocks. `processes`: some are fork blocks (forkArb), so that a
 * child works on the fds and cwd it inherited; most stay file work.
 */
export function programArb(paths: readonly string[], max = 24, sockets = false, processes = false): fc.Arbitrary<string[]> {
  const op = opArb(paths, sockets);
  const item = processes ? fc.oneof({ arbitrary: op, weight: 8 }, { arbitrary: forkArb(op), weight: 1 }) : op;
  return fc.array(item, { minLength: 1, maxLength: max }).map((ops) => ops.flat());
}
