/**
 * fd annotations as strace -yy prints them, from the model's labels: `</path>`, a deleted
 * name as `</path>(deleted)` (but `AT_FDCWD</path (deleted)>`), devices as
 * `</dev/null<char 1:3>>`, and anonymous objects as `<pipe:[N]>`, `<UNIX-STREAM:[N]>`,
 * `<anon_inode:[eventfd]>`. Anonymous inode numbers are the model's own, not the kernel's.
 */
import type { FdLabel } from '../state/kernel.js';
import { escapeBytes } from './escapes.js';
import { latin1Bytes } from '../linux/bytes.js';

const PLAIN = /^[\x20-\x7e]*$/;

/** A path (byte string) escaped as strace does inside `<...>`. */
export function escapePath(path: string): string {
  if (PLAIN.test(path) && !/["\\<>]/.test(path)) return path;
  return escapeBytes(latin1Bytes(path), { escapeChars: '<>' });
}

function anonText(l: Extract<FdLabel, { kind: 'anon' }>): string {
  switch (l.type) {
    case 'pipe': return `pipe:[${l.inode}]`;
    case 'socket': {
      const proto = l.proto ?? 'socket';
      if (proto === 'socket') return `socket:[${l.inode}]`;
      let inner = String(l.inode);
      if (l.peer !== undefined) inner += `->${l.peer}`;
      if (l.addr !== undefined) inner += `,${l.addr}`;
      return `${proto}:[${inner}]`;
    }
    case 'anon_inode': return `anon_inode:${l.name ?? ''}`;
    case 'pid': return l.name ?? 'pid:';
    default: return `${l.type}:[${l.inode}]`;
  }
}

/** The annotation that follows an fd number, `<` and `>` included; '' when none. */
export function fdAnnotation(l: FdLabel | null | 'unknown'): string {
  if (l === null || l === 'unknown') return '';
  if (l.kind === 'anon') return `<${anonText(l)}>`;
  const dev = l.dev !== undefined ? `<${l.dev}>` : '';
  return `<${escapePath(l.path)}${dev}>${l.deleted ? '(deleted)' : ''}`;
}

/** The annotation after AT_FDCWD: the cwd, with the kernel's ` (deleted)` kept inside. */
export function cwdAnnotation(l: FdLabel | 'unknown'): string {
  if (l === 'unknown' || l.kind !== 'path') return '';
  return `<${escapePath(l.deleted ? `${l.path} (deleted)` : l.path)}>`;
}
