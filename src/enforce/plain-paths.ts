/**
 * For hosts that do not resolve paths as Linux does (an in-memory VFS that joins `..`
 * textually, a host that maps guest paths onto host paths with path.resolve): a path passes
 * only when its meaning does not depend on how it is resolved, i.e. read as plain text (`..`
 * removes the name before it, the start is the dirfd's or cwd's path) it names the same object
 * as Linux's walk does. A path that climbs out of a symlink (`l/../x`), or a symlink whose body
 * would read differently, does not. The model judges Linux's object; such a host would touch
 * the text's.
 */
import { posix } from 'node:path';
import type { Kernel } from '../state/kernel.js';
import type { Call } from '../state/calls.js';
import type { Task } from '../state/types.js';
import { resolveObject, type ResolvedObject } from '../state/inspect.js';
import { fsOf, tableOf } from '../state/files.js';
import { pathOf } from '../state/namespace.js';
import { AT_FDCWD } from '../linux/index.js';

interface PathArg {
  dirfd: number;
  path: string;
}

/** The (dirfd, path) pairs a call names (an AF_UNIX socket path is one too). */
function pathArgs(c: Call): PathArg[] {
  switch (c.sys) {
    case 'openat': case 'mkdirat': case 'mknodat': case 'unlinkat': case 'lookup': case 'execve':
      return [{ dirfd: c.dirfd, path: c.path }];
    case 'renameat2': case 'linkat':
      return [{ dirfd: c.olddirfd, path: c.oldpath }, { dirfd: c.newdirfd, path: c.newpath }];
    case 'symlinkat': return [{ dirfd: c.newdirfd, path: c.linkpath }];
    case 'chdir': case 'chroot': return [{ dirfd: AT_FDCWD, path: c.path }];
    case 'bind': case 'connect': case 'sendto':
      return c.addr?.path ? [{ dirfd: AT_FDCWD, path: c.addr.path }] : [];
    default: return [];
  }
}

/** The path a walk of (dirfd, relative path) starts at; undefined when the model cannot say. */
function startOf(k: Kernel, task: Task, dirfd: number): string | undefined {
  const s = k.s;
  if (dirfd === AT_FDCWD) {
    const cwd = fsOf(s, task).cwd;
    return cwd ? pathOf(s, cwd) : undefined;
  }
  const e = tableOf(s, task).fds.get(dirfd);
  const f = e && s.files.get(e.file);
  const d = f && s.dentries.get(f.dentry);
  return d && !d.dead && !f.unknown ? pathOf(s, f.dentry) : undefined;
}

function same(a: ResolvedObject, b: ResolvedObject): boolean {
  if (a.unknown !== undefined || b.unknown !== undefined) return false;
  if (a.errno !== undefined || b.errno !== undefined) return a.errno === b.errno;
  if (a.dentry !== undefined || b.dentry !== undefined) return a.dentry === b.dentry;
  return a.parent === b.parent && a.name === b.name;
}

const text = (start: string, path: string): string => {
  const p = posix.normalize(path.startsWith('/') ? path : `${start}/${path}`);
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
};

/** Whether every path of `c`, read as plain text, names what Linux's walk names. */
export function plainReadingAgrees(k: Kernel, task: Task, c: Call): boolean {
  for (const a of pathArgs(c)) {
    if (a.path === '') continue; // AT_EMPTY_PATH: the fd itself, no text to read
    const start = a.path.startsWith('/') ? '/' : startOf(k, task, a.dirfd);
    if (start === undefined) return false;
    let linux = resolveObject(k, task, a.dirfd, a.path, { follow: false, steps: false });
    let plain = text(start, a.path);
    // A trailing slash follows a final symlink in Linux: the text must not hide one.
    for (let hops = 0; ; hops++) {
      if (!same(linux, resolveObject(k, task, AT_FDCWD, plain, { follow: false, steps: false }))) return false;
      if (linux.type !== 'lnk' || linux.dentry === undefined) break;
      // A final symlink a host follows by itself: its body, read as text from the link's
      // directory, must name what Linux's walk of it names.
      if (hops >= 8) return false;
      const body = k.s.inodes.get(k.s.dentries.get(linux.dentry)!.inode)?.target;
      if (body === undefined) return false;
      const dir = posix.dirname(plain);
      linux = resolveObject(k, task, AT_FDCWD, body.startsWith('/') ? body : `${dir === '/' ? '' : dir}/${body}`, { follow: false, steps: false });
      plain = text(dir, body);
    }
  }
  return true;
}
