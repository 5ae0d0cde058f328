/**
 * Tasks and their fs context: chdir/fchdir/chroot/umask/getcwd, clone by its flags, execve
 * (a non-leader thread takes over the leader's tid; the table is unshared and close-on-exec fds
 * vanish with no syscall to show it), exit and exit_group.
 */
import type { Kernel } from '../kernel.js';
import type { Observed, Outcome } from '../calls.js';
import type { Task } from '../types.js';
import { E, unknownErr } from '../errors.js';
import { canLookup, dentry, isAncestor, pathOf } from '../namespace.js';
import { closeFd, copyFs, copyTable, dropFs, dropTable, fdEntry, fsOf, tableOf, unshareTable } from '../files.js';
import { resolvePath } from '../resolve.js';
import { ok, run } from './run.js';
import { CLONE_FILES, CLONE_FS, CLONE_NEWNS, CLONE_THREAD } from '../../linux/index.js';

export function chdir(k: Kernel, task: Task, c: { path: string; root?: boolean }, obs: Observed | undefined): Outcome {
  return run(k, obs, (learn) => {
    if (c.path === '') return E('ENOENT');
    const r = resolvePath(k, task, -100, c.path, { follow: true, mustDir: true, learn });
    if (typeof r !== 'number') return r;
    return () => {
      const fs = fsOf(k.s, task);
      if (c.root) fs.root = r;
      else fs.cwd = r;
      return ok(0);
    };
  }, () => {
    // It worked, but the model cannot tell where to: the cwd (or root) is now unknown.
    if (!c.root) fsOf(k.s, task).cwd = 0;
    return ok(0);
  });
}

export function fchdir(k: Kernel, task: Task, c: { fd: number }, obs: Observed | undefined): Outcome {
  return run(k, obs, () => {
    const d = k.fdDentry(task, c.fd >>> 0);
    if (typeof d !== 'number') return d;
    if (d === 0) return E('EBADF');
    if (!canLookup(k.s, d)) return E('ENOTDIR');
    return () => {
      fsOf(k.s, task).cwd = d;
      return ok(0);
    };
  }, () => {
    fsOf(k.s, task).cwd = 0;
    return ok(0);
  });
}

export function umask(k: Kernel, task: Task, c: { mask: number }, obs: Observed | undefined): Outcome {
  const fs = fsOf(k.s, task);
  const old = fs.umask;
  fs.umask = c.mask & 0o777;
  return obs?.ok && obs.ret !== undefined ? ok(obs.ret) : ok(old);
}

/** getcwd: ENOENT for a removed cwd; the length of the path plus its NUL otherwise. */
export function getcwd(k: Kernel, task: Task, obs: Observed | undefined): Outcome {
  return run(k, obs, () => {
    const fs = fsOf(k.s, task);
    if (fs.cwd === 0) return unknownErr(`the cwd of task ${task.tid} is unknown`);
    const d = dentry(k.s, fs.cwd);
    if (d.dead) return E('ENOENT');
    let path = pathOf(k.s, fs.cwd);
    if (!isAncestor(k.s, fs.root, fs.cwd)) path = `(unreachable)${path}`;
    else if (fs.root !== k.s.rootDentry) {
      const root = pathOf(k.s, fs.root);
      path = path.slice(root.length) || '/';
    }
    return () => ok(path.length + 1);
  }, (ret) => ok(ret ?? 0));
}

/** The tid a simulated clone gets: the next after the highest in use, as pid allocation goes. */
function nextTid(k: Kernel): number {
  let max = 1;
  for (const tid of k.s.tasks.keys()) if (tid > max) max = tid;
  return max + 1;
}

/** fork, vfork, clone and clone3 by their flags. `child` is the new tid (observed or simulated). */
export function clone(k: Kernel, task: Task, c: { flags: number }, obs: Observed | undefined): Outcome {
  return run(k, obs, () => (ret) => {
    const tid = ret ?? nextTid(k);
    if (tid > 0 && !k.s.tasks.get(tid)?.exited && k.s.tasks.has(tid)) return ok(tid); // seen already
    if (tid > 0) cloneTask(k, task, tid, c.flags);
    return ok(tid);
  }, (ret) => ok(ret ?? 0));
}

/** Creates the child of a clone; also used when a child's lines come before its parent's result. */
export function cloneTask(k: Kernel, parent: Task, tid: number, flags: number): Task {
  const s = k.s;
  const old = s.tasks.get(tid);
  if (old) forget(k, old);
  let files = parent.files;
  if (flags & CLONE_FILES) s.tables.get(files)!.refs++;
  else files = copyTable(s, tableOf(s, parent)).id;
  let fs = parent.fs;
  if (flags & CLONE_FS && !(flags & CLONE_NEWNS)) s.fsContexts.get(fs)!.refs++;
  else fs = copyFs(s, fsOf(s, parent)).id;
  const thread = (flags & CLONE_THREAD) !== 0;
  const child: Task = { tid, tgid: thread ? parent.tgid : tid, files, fs, exited: false };
  s.tasks.set(tid, child);
  const group = s.groups.get(parent.tgid);
  if (thread && group) group.members.push(tid);
  else s.groups.set(tid, { tgid: tid, nofile: group?.nofile ?? 1024, members: [tid] });
  k.lifecycle?.({ type: 'task.spawn', tid, tgid: child.tgid, parent: parent.tid });
  return child;
}

function forget(k: Kernel, t: Task): void {
  if (!t.exited) {
    dropTable(k.s, t.files);
    dropFs(k.s, t.fs);
  }
  k.s.tasks.delete(t.tid);
}

/**
 * execve/execveat success: the other threads die, a non-leader takes the leader's tid, the fd
 * table is unshared and close-on-exec fds are closed. Returns the task as it is afterwards.
 */
export function execTakeover(k: Kernel, task: Task): Task {
  const s = k.s;
  const group = s.groups.get(task.tgid);
  for (const tid of group?.members ?? []) {
    const t = s.tasks.get(tid);
    if (t && t !== task && !t.exited) exitTask(k, t);
  }
  if (task.tid !== task.tgid) {
    const leader = s.tasks.get(task.tgid);
    if (leader) s.tasks.delete(leader.tid);
    s.tasks.delete(task.tid);
    task.tid = task.tgid;
    s.tasks.set(task.tid, task);
  }
  if (group) group.members = [task.tid];
  const t = unshareTable(s, task);
  for (const [fd, e] of [...t.fds]) if (e.cloexec) closeFd(s, task, fd);
  k.lifecycle?.({ type: 'task.exec', tid: task.tid });
  return task;
}

export function execve(k: Kernel, task: Task, c: { dirfd: number; path: string; flags: number }, obs: Observed | undefined): Outcome {
  return run(k, obs, (learn) => {
    const r = resolvePath(k, task, c.dirfd, c.path, { follow: true, emptyPath: (c.flags & 0x1000) !== 0, learn });
    if (typeof r !== 'number') return r;
    if (canLookup(k.s, r) && !learn) return E('EACCES');
    return () => {
      execTakeover(k, task);
      return ok(0);
    };
  }, () => {
    execTakeover(k, task);
    return ok(0);
  });
}

export function exitTask(k: Kernel, t: Task): void {
  if (t.exited) return;
  t.exited = true;
  dropTable(k.s, t.files);
  dropFs(k.s, t.fs);
  k.lifecycle?.({ type: 'task.exit', tid: t.tid });
}

export function exit(k: Kernel, task: Task, c: { group: boolean }): Outcome {
  if (c.group) {
    for (const tid of k.s.groups.get(task.tgid)?.members ?? [task.tid]) {
      const t = k.s.tasks.get(tid);
      if (t) exitTask(k, t);
    }
  } else exitTask(k, task);
  return ok(0);
}

export { fdEntry };
