/**
 * A synthesized /proc: the host's own /proc must never answer for a traced or sandboxed task.
 * `self` and `thread-self` are symlinks whose body depends on who resolves them; `fd/N`, `cwd`
 * and `root` are magic links that jump to an object rather than to a path string.
 * Entries that do not depend on a task (`/proc/filesystems`) are read through the view.
 */
import type { Dentry, ProcRole, State } from './types.js';
import { attach, dentry, newInode } from './namespace.js';

function isNumber(name: string): boolean {
  return name.length > 0 && name.length < 11 && /^[0-9]+$/.test(name) && name[0] !== '0';
}

function procEntry(s: State, dir: Dentry, name: string, kind: 'dir' | 'lnk' | 'reg', proc?: ProcRole): Dentry {
  const d = attach(s, dir, name, newInode(s, kind), true);
  if (proc) d.proc = proc;
  return d;
}

/** Whether a task or thread group with this id is alive, and which fds it has. */
export interface ProcTasks {
  hasTask(pid: number): boolean;
  hasFd(pid: number, fd: number): boolean | null;
}

/**
 * Looks up `name` in a procfs directory. Returns a dentry id, 0 for absent, or undefined to let
 * the caller ask the view (task-independent entries).
 */
export function procChild(s: State, tasks: ProcTasks, dir: Dentry, name: string): number | undefined {
  const role = dir.proc!;
  const cached = dir.children.get(name);
  switch (role.role) {
    case 'root': {
      if (name === 'self' || name === 'thread-self') {
        return cached || procEntry(s, dir, name, 'lnk', { role: 'self', thread: name === 'thread-self' }).id;
      }
      if (isNumber(name)) {
        const pid = Number(name);
        if (!tasks.hasTask(pid)) return 0;
        return cached || procEntry(s, dir, name, 'dir', { role: 'pid', pid }).id;
      }
      return undefined;
    }
    case 'pid': {
      if (cached) return cached;
      const pid = role.pid;
      if (name === 'fd') return procEntry(s, dir, name, 'dir', { role: 'fddir', pid }).id;
      if (name === 'cwd') return procEntry(s, dir, name, 'lnk', { role: 'cwd', pid }).id;
      if (name === 'root') return procEntry(s, dir, name, 'lnk', { role: 'root-link', pid }).id;
      if (name === 'task') return procEntry(s, dir, name, 'dir', { role: 'task-dir', pid }).id;
      if (name === 'exe') return procEntry(s, dir, name, 'lnk').id;
      return procEntry(s, dir, name, 'reg').id;
    }
    case 'fddir': {
      if (!isNumber(name) && name !== '0') return 0;
      const fd = Number(name);
      const has = tasks.hasFd(role.pid, fd);
      if (has === false) return 0;
      return cached || procEntry(s, dir, name, 'lnk', { role: 'fd', pid: role.pid, fd }).id;
    }
    case 'task-dir': {
      if (!isNumber(name)) return 0;
      const tid = Number(name);
      if (!tasks.hasTask(tid)) return 0;
      return cached || procEntry(s, dir, name, 'dir', { role: 'pid', pid: tid }).id;
    }
    default:
      return 0;
  }
}

/** The /proc directory dentry, created on first use under the root. */
export function procRoot(s: State, root: Dentry): number {
  const cached = root.children.get('proc');
  if (cached) return cached;
  const d = attach(s, root, 'proc', newInode(s, 'dir'), true);
  d.proc = { role: 'root' };
  d.mount = true;
  d.viewPath = '/proc';
  d.complete = false;
  return d.id;
}

export function isMagicLink(d: Dentry): boolean {
  const r = d.proc?.role;
  return r === 'fd' || r === 'cwd' || r === 'root-link';
}

export { dentry };
