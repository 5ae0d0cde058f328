/**
 * The model's state as plain data keyed by ids, in gVisor's shape: inodes, dentries (names),
 * open file descriptions, fd tables, fs contexts and tasks. Objects refer to each other by id,
 * never by path string, so a path is always derived (see namespace.ts) and a rename of an
 * ancestor moves every fd and cwd below it. Plain data keeps one set of transition functions
 * usable both on the live state (hot path) and inside immer drafts (snapshots, patches).
 */
import type { Errno } from '../linux/index.js';

export type InodeKind = 'dir' | 'reg' | 'lnk' | 'fifo' | 'sock' | 'chr' | 'blk' | 'anon' | 'unknown';

export interface Inode {
  id: number;
  kind: InodeKind;
  /** Names pointing at this inode (hard links); an open file keeps it alive at 0. */
  nlink: number;
  /** Symlink body. */
  target?: string;
  /** Device numbers of a char/block device, when known (`1:3`). */
  rdev?: string;
  /** Open file descriptions sent with SCM_RIGHTS and not yet received on this socket, per message. */
  inflight?: number[][];
  /** An O_TMPFILE without O_EXCL: linkat may give it a name although nlink is 0. */
  linkable?: boolean;
  /** For anonymous objects: how /proc/PID/fd/N names them (`pipe`, `anon_inode:[eventfd]`, ...). */
  anon?: AnonLabel;
  /** Where the object lives, when a host told (`dev:ino`): what the host checks before acting on it. */
  ident?: string;
}

export interface AnonLabel {
  /** `pipe`, `socket`, `anon_inode`, `memfd` ... */
  type: string;
  /** strace -yy protocol label for sockets (`UNIX-STREAM`, `TCP`, ...). */
  proto?: string;
  /** Bound or peer address of a unix socket. */
  addr?: string;
  /** Peer inode of a connected socket pair. */
  peer?: number;
  /** Name suffix for `anon_inode:[eventfd]`-style labels or a memfd's name. */
  name?: string;
}

/** Where a dentry stands in /proc, when it is a synthesized procfs entry. */
export type ProcRole =
  | { role: 'root' }
  | { role: 'self'; thread: boolean }
  | { role: 'pid'; pid: number }
  | { role: 'fddir'; pid: number }
  | { role: 'fd'; pid: number; fd: number }
  | { role: 'cwd'; pid: number }
  | { role: 'root-link'; pid: number }
  | { role: 'task-dir'; pid: number };

export interface Dentry {
  id: number;
  /** Parent dentry id; the root is its own parent. */
  parent: number;
  name: string;
  inode: number;
  /** Name → child dentry id; 0 records a name known to be absent. */
  children: Map<string, number>;
  /** True when `children` is the whole truth (created by the model); otherwise the view is asked. */
  complete: boolean;
  /** Unlinked, removed or replaced: its path prints with ` (deleted)`. */
  dead: boolean;
  /** Learned from a successful call that the model could not resolve (never seen created). */
  learned?: boolean;
  /** Absent names cached from a live view since they were last forgotten (see namespace.lookupChild). */
  negatives?: number;
  /** Host path this directory was loaded from; its children not yet known are asked there. */
  viewPath?: string;
  /** The root of a mounted filesystem (crossing it is what RESOLVE_NO_XDEV and EXDEV are about). */
  mount?: boolean;
  /** On a mount root (or the model's root): the filesystem is mounted read-only (EROFS where Linux calls mnt_want_write). */
  readonly?: boolean;
  /** Not in any directory: stands for an anonymous object's inode. */
  anonymous?: boolean;
  proc?: ProcRole;
}

export interface OpenFile {
  id: number;
  /** The dentry the file was opened through; 0 for anonymous objects. */
  dentry: number;
  inode: number;
  /** f_flags as F_GETFL reports them (access mode + status flags). */
  flags: number;
  /** Dentry path unknown (opened relative to an unknown dirfd, or inherited unseen). */
  unknown?: boolean;
  /** Rights a policy allowed on the object when it was opened (fd-based calls are judged on these). */
  granted?: number;
  /** Synthetic inode number printed for an O_TMPFILE's `#INO` name. */
  refs: number;
}

export interface FdEntry {
  file: number;
  cloexec: boolean;
}

export interface FdTable {
  id: number;
  fds: Map<number, FdEntry>;
  /** When true, an fd absent from `fds` is unknown rather than closed (tracing began late). */
  partial: boolean;
  refs: number;
}

export interface FsContext {
  id: number;
  /** cwd dentry id, or 0 when unknown. */
  cwd: number;
  root: number;
  umask: number;
  refs: number;
}

export interface Task {
  tid: number;
  tgid: number;
  files: number;
  fs: number;
  exited: boolean;
}

export interface ThreadGroup {
  tgid: number;
  /** RLIMIT_NOFILE soft limit. */
  nofile: number;
  members: number[];
}

export interface State {
  nextId: number;
  /** Bumped whenever an existing name moves or dies, so derived paths can be cached safely. */
  nameGen: number;
  rootDentry: number;
  inodes: Map<number, Inode>;
  dentries: Map<number, Dentry>;
  files: Map<number, OpenFile>;
  tables: Map<number, FdTable>;
  fsContexts: Map<number, FsContext>;
  tasks: Map<number, Task>;
  groups: Map<number, ThreadGroup>;
}

/** A failed call carries Linux's errno name. */
export interface Failure {
  ok: false;
  errno: Errno;
}

/** The model cannot say (unknown dirfd, unknown cwd): never guessed. */
export interface Unknown {
  ok: false;
  errno?: undefined;
  unknown: string;
}

export function fail(errno: Errno): Failure {
  return { ok: false, errno };
}
