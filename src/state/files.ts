/**
 * fd tables and open file descriptions, with Linux's allocation rule: the lowest free number at
 * or above the minimum, below RLIMIT_NOFILE (fs/file.c alloc_fd). A table may be shared
 * (CLONE_FILES); a description is shared by dup, fork and SCM_RIGHTS, and holds the status
 * flags; the only per-fd flag is close-on-exec.
 */
import type { FdEntry, FdTable, FsContext, OpenFile, State, Task } from './types.js';
import { E, type Err } from './errors.js';

export function newFile(s: State, dentryId: number, inode: number, flags: number): OpenFile {
  const f: OpenFile = { id: s.nextId++, dentry: dentryId, inode, flags, refs: 0 };
  s.files.set(f.id, f);
  return f;
}

export function newTable(s: State, partial: boolean): FdTable {
  const t: FdTable = { id: s.nextId++, fds: new Map(), partial, refs: 1 };
  s.tables.set(t.id, t);
  return t;
}

export function tableOf(s: State, task: Task): FdTable {
  return s.tables.get(task.files)!;
}

export function fsOf(s: State, task: Task): FsContext {
  return s.fsContexts.get(task.fs)!;
}

export function nofileOf(s: State, task: Task): number {
  return s.groups.get(task.tgid)?.nofile ?? 1024;
}

/** The fd's entry; undefined when closed; 'unknown' when the table is partial and lacks it. */
export function fdEntry(s: State, task: Task, fd: number): FdEntry | undefined | 'unknown' {
  const t = tableOf(s, task);
  const e = t.fds.get(fd);
  if (e) return e;
  return t.partial && fd >= 0 && fd < 1 << 20 ? 'unknown' : undefined;
}

/** Lowest free fd ≥ min below the limit (alloc_fd); EMFILE when none. */
export function lowestFree(s: State, task: Task, min: number): number | Err {
  const t = tableOf(s, task);
  const limit = nofileOf(s, task);
  let fd = min;
  while (t.fds.has(fd)) fd++;
  return fd < limit ? fd : E('EMFILE');
}

/**
 * The fd a new object will get: -1 when replaying (the real fd comes with the result), else the
 * lowest free one (or EMFILE, which the kernel reports before looking at any path).
 */
export function reserveFd(s: State, task: Task, replay: boolean, min = 0): number | Err {
  return replay ? -1 : lowestFree(s, task, min);
}

/** Installs a file at fd, closing whatever was there (fd_install / do_dup2). */
export function install(s: State, task: Task, fd: number, fileId: number, cloexec: boolean): void {
  const t = tableOf(s, task);
  const old = t.fds.get(fd);
  if (old) release(s, old.file);
  const f = s.files.get(fileId)!;
  f.refs++;
  t.fds.set(fd, { file: fileId, cloexec });
}

export function closeFd(s: State, task: Task, fd: number): void {
  const t = tableOf(s, task);
  const e = t.fds.get(fd);
  if (!e) return;
  t.fds.delete(fd);
  release(s, e.file);
}

export function release(s: State, fileId: number): void {
  const f = s.files.get(fileId);
  if (f && --f.refs <= 0) s.files.delete(fileId);
}

/** A private copy of a table sharing every description (dup_fd, for fork and unshare). */
export function copyTable(s: State, from: FdTable): FdTable {
  const t = newTable(s, from.partial);
  for (const [fd, e] of from.fds) {
    t.fds.set(fd, { file: e.file, cloexec: e.cloexec });
    s.files.get(e.file)!.refs++;
  }
  return t;
}

export function dropTable(s: State, tableId: number): void {
  const t = s.tables.get(tableId);
  if (!t || --t.refs > 0) return;
  for (const e of t.fds.values()) release(s, e.file);
  s.tables.delete(tableId);
}

export function copyFs(s: State, from: FsContext): FsContext {
  const c: FsContext = { id: s.nextId++, cwd: from.cwd, root: from.root, umask: from.umask, refs: 1 };
  s.fsContexts.set(c.id, c);
  return c;
}

export function dropFs(s: State, fsId: number): void {
  const c = s.fsContexts.get(fsId);
  if (c && --c.refs <= 0) s.fsContexts.delete(fsId);
}

/** Gives the task a table of its own when it shares one (unshare_files). */
export function unshareTable(s: State, task: Task): FdTable {
  const t = tableOf(s, task);
  if (t.refs <= 1) return t;
  t.refs--;
  const copy = copyTable(s, t);
  task.files = copy.id;
  return copy;
}
