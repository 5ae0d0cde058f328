/**
 * Calls printed as strace prints them, so a counterexample reads like a recording and can be
 * pasted into `fdwarden explain`. Only the calls the kit generates are covered.
 */
import type { Call, Outcome } from '../state/calls.js';
import { escapeBytes } from '../strace/escapes.js';
import { latin1Bytes } from '../linux/bytes.js';
import {
  AT_REMOVEDIR, AT_SYMLINK_FOLLOW, O_APPEND, O_CLOEXEC, O_CREAT, O_DIRECTORY, O_EXCL, O_NOFOLLOW, O_PATH, O_TRUNC,
  RENAME_EXCHANGE, RENAME_NOREPLACE,
} from '../linux/index.js';

/**
 * A byte-string path as a quoted strace string.
 *
 * @example
 * quote('/a "b"'); // '"/a \\"b\\""'
 */
export function quote(path: string): string {
  return `"${escapeBytes(latin1Bytes(path))}"`;
}

const dirfd = (fd: number): string => (fd === -100 ? 'AT_FDCWD' : String(fd));

const OPEN_FLAGS: [number, string][] = [
  [O_CREAT, 'O_CREAT'], [O_EXCL, 'O_EXCL'], [O_TRUNC, 'O_TRUNC'], [O_APPEND, 'O_APPEND'], [O_DIRECTORY, 'O_DIRECTORY'],
  [O_NOFOLLOW, 'O_NOFOLLOW'], [O_CLOEXEC, 'O_CLOEXEC'], [O_PATH, 'O_PATH'],
];

/**
 * Open flags as strace names them (`O_WRONLY|O_CREAT|O_TRUNC`).
 *
 * @example
 * openFlags(0o1101); // 'O_WRONLY|O_CREAT|O_TRUNC'
 */
export function openFlags(flags: number): string {
  const names = [['O_RDONLY', 'O_WRONLY', 'O_RDWR', '3'][flags & 3]!];
  let rest = flags & ~3;
  for (const [f, n] of OPEN_FLAGS) {
    if (rest & f) {
      names.push(n);
      rest &= ~f;
    }
  }
  if (rest) names.push(`0${rest.toString(8)}`);
  return names.join('|');
}

function bits(flags: number, table: [number, string][]): string {
  const names = table.filter(([f]) => flags & f).map(([, n]) => n);
  return names.length ? names.join('|') : '0';
}

const FD_ARGS: Record<string, string> = {
  read: ', "", 4096', write: ', "x", 1', getdents64: ', 0x7ffd /* entries */, 32768', fstat: ', {...}', ftruncate: ', 0',
};

/**
 * The call part of a line: `openat(AT_FDCWD, "/x", O_RDONLY)`.
 *
 * @example
 * formatCall({ sys: 'unlinkat', dirfd: -100, path: 'x', flags: 0 }); // 'unlinkat(AT_FDCWD, "x", 0)'
 */
export function formatCall(c: Call): string {
  switch (c.sys) {
    case 'openat': {
      const mode = c.flags & O_CREAT ? `, 0${c.mode.toString(8)}` : '';
      return `openat(${dirfd(c.dirfd)}, ${quote(c.path)}, ${openFlags(c.flags)}${mode})`;
    }
    case 'mkdirat': return `mkdirat(${dirfd(c.dirfd)}, ${quote(c.path)}, 0${c.mode.toString(8)})`;
    case 'symlinkat': return `symlinkat(${quote(c.target)}, ${dirfd(c.newdirfd)}, ${quote(c.linkpath)})`;
    case 'unlinkat': return `unlinkat(${dirfd(c.dirfd)}, ${quote(c.path)}, ${bits(c.flags, [[AT_REMOVEDIR, 'AT_REMOVEDIR']])})`;
    case 'linkat':
      return `linkat(${dirfd(c.olddirfd)}, ${quote(c.oldpath)}, ${dirfd(c.newdirfd)}, ${quote(c.newpath)}, ${bits(c.flags, [[AT_SYMLINK_FOLLOW, 'AT_SYMLINK_FOLLOW']])})`;
    case 'renameat2':
      return `renameat2(${dirfd(c.olddirfd)}, ${quote(c.oldpath)}, ${dirfd(c.newdirfd)}, ${quote(c.newpath)}, ${bits(c.flags, [[RENAME_NOREPLACE, 'RENAME_NOREPLACE'], [RENAME_EXCHANGE, 'RENAME_EXCHANGE']])})`;
    case 'lookup': return `${c.name}(${dirfd(c.dirfd)}, ${quote(c.path)}, {...}, 0)`;
    case 'chdir': return `chdir(${quote(c.path)})`;
    case 'fchdir': return `fchdir(${c.fd})`;
    case 'dup': return `dup(${c.fd})`;
    case 'close': return `close(${c.fd})`;
    case 'usefd': return `${c.name}(${c.fd}${FD_ARGS[c.name] ?? ''})`;
    default: return `${c.sys}(...)`;
  }
}

/**
 * A whole strace line: the call and its result; `denied` marks a refusal by the policy.
 *
 * @example
 * formatLine({ sys: 'dup', fd: 3 }, { ok: true, ret: 4 }); // 'dup(3) = 4'
 */
export function formatLine(c: Call, out: Outcome, denied = false): string {
  if (out.ok) return `${formatCall(c)} = ${out.ret}`;
  return `${formatCall(c)} = -1 ${out.errno}${denied ? ' (denied by policy)' : ''}`;
}
