/**
 * For a diff witness, a syscall (in strace syntax, as `fdwarden explain` and `test` blocks read
 * it) that needs the right on the path, so the change can be checked by hand. Where no call
 * needs the right alone, the call also needs other rights; an explanation lists each right's
 * decision separately.
 */
import { escapeBytes } from '../strace/escapes.js';
import { latin1Bytes } from '../linux/bytes.js';
import { flagNames } from './diff-contexts.js';

/**
 * A path (a byte string, one character per byte) as a strace string literal.
 *
 * @example
 * straceString('/a "b"') // '"/a \\"b\\""'
 */
export function straceString(path: string): string {
  const bytes = latin1Bytes(path);
  return `"${escapeBytes(bytes)}"`;
}

/** Each right's call; `{P}` is the quoted path, `{F}` the open flags (with the witness's context's). */
const PROBES: Readonly<Record<string, string>> = {
  read: 'openat(AT_FDCWD, {P}, {F:O_RDONLY})',
  write: 'openat(AT_FDCWD, {P}, {F:O_WRONLY})',
  append: 'openat(AT_FDCWD, {P}, {F:O_WRONLY|O_APPEND})',
  truncate: 'truncate({P}, 0)',
  create: 'openat(AT_FDCWD, {P}, {F:O_RDONLY|O_CREAT|O_EXCL}, 0644)',
  mkdir: 'mkdirat(AT_FDCWD, {P}, 0755)',
  mknod: 'mknodat(AT_FDCWD, {P}, S_IFIFO|0644)',
  symlink: 'symlinkat("target", AT_FDCWD, {P})',
  link: 'linkat(AT_FDCWD, {P}, AT_FDCWD, {P}, 0)',
  delete: 'unlinkat(AT_FDCWD, {P}, 0)',
  rmdir: 'unlinkat(AT_FDCWD, {P}, AT_REMOVEDIR)',
  'rename-from': 'renameat2(AT_FDCWD, {P}, AT_FDCWD, {P}, RENAME_NOREPLACE)',
  'rename-to': 'renameat2(AT_FDCWD, {P}, AT_FDCWD, {P}, RENAME_NOREPLACE)',
  list: 'openat(AT_FDCWD, {P}, {F:O_RDONLY|O_DIRECTORY})',
  exec: 'execve({P}, [{P}], NULL)',
  stat: 'newfstatat(AT_FDCWD, {P}, 0x7ffc0000, 0)',
  chmod: 'fchmodat(AT_FDCWD, {P}, 0644)',
  chown: 'fchownat(AT_FDCWD, {P}, 0, 0, 0)',
  xattr: 'setxattr({P}, "user.x", "", 0, 0)',
  utime: 'utimensat(AT_FDCWD, {P}, NULL, 0)',
  chdir: 'chdir({P})',
};

/**
 * A call needing `right` on `path`, or undefined when no path-based call does (`ioctl`).
 * Open flags of the witness's context are added to the `openat` probes.
 *
 * @example
 * probeCall('write', '/srv/job/x') // 'openat(AT_FDCWD, "/srv/job/x", O_WRONLY)'
 */
export function probeCall(right: string, path: string, flags = 0): string | undefined {
  const probe = PROBES[right];
  if (probe === undefined) return undefined;
  const quoted = straceString(path);
  return probe.replace(/\{F:([^}]*)\}/, (_, base: string) => {
    const names = base.split('|');
    for (const f of flagNames(flags)) if (!names.includes(f)) names.push(f);
    return names.join('|');
  }).replaceAll('{P}', () => quoted);
}
