/**
 * For hosts that do not resolve paths as Linux does (an in-memory VFS that joins `..`
 * textually, a host that maps guest paths onto host paths with path.resolve): a path passes
 * only when its meaning does not depend on how it is resolved. The host's walk is simulated
 * over the model (text normalised, names looked up one by one, each symlink met replaced by
 * its body joined as text) and must reach the object Linux's walk reaches: a path that climbs
 * out of a symlink (`l/../x`), or goes through a symlink whose body climbs out of another
 * (`a -> deep/../../c`), does not. The model judges Linux's object; such a host would touch
 * the text's.
 */
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

/** What a resolution reaches, comparable: `d:<dentry>`, `n:<dir>/<name>` for an absent last name, `x` for a failure. */
function keyOf(o: ResolvedObject): string {
  if (o.unknown !== undefined || o.errno !== undefined) return 'x';
  if (o.dentry !== undefined) return `d:${o.dentry}`;
  return `n:${o.parent}/${o.name}`;
}

/** The names of an absolute path read as text: `.` dropped, `..` removes the name before it. */
function lexicalNames(abs: string): string[] {
  const out: string[] = [];
  for (const c of abs.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') out.pop();
    else out.push(c);
  }
  return out;
}
const MAX_LINKS = 40;

/**
 * The walk a host that reads paths as text makes, over the model's objects: the absolute text is
 * normalised (`..` removes the name before it), walked name by name, and a symlink met on the
 * way (or at the end, with `followFinal`) is replaced by its body, joined to the link's directory
 * as text and normalised again.
 */
function textWalk(k: Kernel, abs: string, followFinal: boolean): string {
  const s = k.s;
  let comps = lexicalNames(abs);
  let dir = s.rootDentry;
  let prefix: string[] = [];
  for (let i = 0, links = 0; i < comps.length;) {
    const name = comps[i]!;
    const last = i === comps.length - 1;
    const id = k.childOf(dir, name);
    if (id === 0) return last ? `n:${dir}/${name}` : 'x';
    // A name the policy hides is absent, as in Linux's walk (which the veil makes the same).
    if (last && k.veil?.(id)) return `n:${dir}/${name}`;
    const d = s.dentries.get(id)!;
    const inode = s.inodes.get(d.inode);
    if (inode?.kind === 'lnk' && (!last || followFinal)) {
      const body = inode.target;
      if (body === undefined || ++links > MAX_LINKS) return 'x';
      const joined = body.startsWith('/') ? body : `/${prefix.join('/')}/${body}`;
      comps = [...lexicalNames(joined), ...comps.slice(i + 1)];
      dir = s.rootDentry;
      prefix = [];
      i = 0;
      continue;
    }
    if (!last && inode?.kind !== 'dir') return 'x';
    dir = id;
    prefix.push(name);
    i++;
  }
  return `d:${dir}`;
}

/** Whether every path of `c`, read as text, names what Linux's walk names (its last symlink followed or not). */
export function plainReadingAgrees(k: Kernel, task: Task, c: Call): boolean {
  for (const a of pathArgs(c)) {
    if (a.path === '') continue; // AT_EMPTY_PATH: the fd itself, no text to read
    const start = a.path.startsWith('/') ? '/' : startOf(k, task, a.dirfd);
    if (start === undefined) return false;
    const abs = a.path.startsWith('/') ? a.path : `${start}/${a.path}`;
    // A trailing slash makes Linux follow a final symlink: the text walk does not, so they differ.
    const linux = resolveObject(k, task, a.dirfd, a.path, { follow: false, steps: false });
    if (keyOf(linux) !== textWalk(k, abs, false)) return false;
    // A final symlink a call may follow: the host follows its body its own way.
    if (linux.type === 'lnk' && keyOf(resolveObject(k, task, a.dirfd, a.path, { follow: true, steps: false })) !== textWalk(k, abs, true)) return false;
  }
  return true;
}
