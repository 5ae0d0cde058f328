/**
 * What the in-memory host's syscall groups share: the filesystem (whose model is the guest's
 * kernel: its fd table, cwd and namespace), the enforcer in front of it, guest memory, the
 * per-description state the model does not hold (offsets, directory listings, stdio), and the
 * model's `exit` after each judged call. A group never resolves a path: it acts on the objects
 * the enforcer judged (`Entry`), by their model ids.
 */
import type { Inode, OpenFile, Task } from '../state/types.js';
import { fdEntry } from '../state/files.js';
import type { Enforcer, Entry } from '../enforce/enforcer.js';
import type { GuestMemory } from '../wali/memory.js';
import { followExit } from '../wali/host-table.js';
import type { WasmMemoryObject } from '../wali/wasm.js';
import type { Result } from '../wali/errno.js';
import type { WaliExit } from '../wali/endings.js';
import type { MemoryFs } from './fs.js';
import type { InodeData } from './inodes.js';
import type { PipeBuffer } from './pipes.js';
import type { EventCounter } from './eventfd.js';
import type { EpollSet } from './epoll.js';

/** One directory entry as getdents64 gives it. */
export interface Dirent {
  name: Uint8Array;
  ino: bigint;
  type: number;
}

/** The host's side of an open file description. */
export interface Desc {
  /** The file offset (a directory's: the index of its next entry). */
  offset: number;
  /** A description standing for the embedder's stdin (0), stdout (1) or stderr (2). */
  stdio?: 0 | 1 | 2;
  /** A directory's entries, read at the first getdents64 after open or a rewind. */
  listing?: Dirent[];
  /** A pipe end's buffer (shared by both ends). */
  pipe?: PipeBuffer;
  /** An eventfd's counter. */
  event?: EventCounter;
  /** An epoll instance's registrations. */
  epoll?: EpollSet;
}

/** A guest fd as the model and the host see it. */
export interface OpenFd {
  readonly fd: number;
  readonly fileId: number;
  readonly file: OpenFile;
  readonly inode: Inode;
  readonly desc: Desc;
}

/** Where the guest's stdio goes. */
export interface Stdio {
  stdin: Uint8Array;
  stdinAt: number;
  out(fd: 1 | 2, bytes: Uint8Array): void;
}

export class MemCore {
  mem: GuestMemory | undefined;
  memory: WasmMemoryObject | undefined;
  /** How the process ended, once it has (wasm's catch_all may catch the exception that carries it). */
  ended: WaliExit | undefined;
  readonly descs = new Map<number, Desc>();
  /** Run once when the guest is gone, before its fds close (shared file mappings write back). */
  readonly atExit: (() => void)[] = [];
  /** Signal dispositions (WALI's 32-byte struct sigaction by signal) and the blocked mask. */
  readonly signals = { acts: new Map<number, Uint8Array>(), mask: { value: 0n } };

  constructor(readonly fs: MemoryFs, readonly enforcer: Enforcer, readonly tid: number, readonly stdio: Stdio) {}

  get kernel() {
    return this.fs.kernel;
  }

  get task(): Task {
    return this.kernel.task(this.tid)!;
  }

  /**
   * The model follows a judged call: with `ret` the host's result (a value or -errno), without
   * it the model computes Linux's answer itself (its kernel is the host's). What the guest gets.
   */
  exit(e: Entry | undefined, ret?: number): number {
    return followExit(this.enforcer, e, ret);
  }

  /** The open fd, or EBADF. */
  openFd(fd: number): Result<OpenFd> {
    const e = fdEntry(this.kernel.s, this.task, fd >>> 0);
    if (e === undefined || e === 'unknown') return { errno: 'EBADF' };
    const file = this.kernel.s.files.get(e.file);
    const inode = file && this.kernel.s.inodes.get(file.inode);
    if (!file || !inode) return { errno: 'EBADF' };
    let desc = this.descs.get(e.file);
    if (!desc) this.descs.set(e.file, (desc = { offset: 0 }));
    return { fd: fd >>> 0, fileId: e.file, file, inode, desc };
  }

  /** The description at fd and its inode, if open (to release them after a close-like call). */
  fileAt(fd: number): { fileId: number; inode: number } | undefined {
    const e = fdEntry(this.kernel.s, this.task, fd >>> 0);
    const f = e === undefined || e === 'unknown' ? undefined : this.kernel.s.files.get(e.file);
    return f && { fileId: f.id, inode: f.inode };
  }

  /** After a close-like call: a description the model dropped loses its state, and its inode its data when nothing holds it. */
  released(before: { fileId: number; inode: number } | undefined): void {
    if (!before || this.kernel.s.files.has(before.fileId)) return;
    this.descs.delete(before.fileId);
    this.fs.collect([before.inode]);
  }

  /** An inode's data (made on first use). */
  data(inode: Inode): InodeData {
    return this.fs.dataOf(inode);
  }

  /**
   * A new inode in directory `dir`: its data, owned by the caller (root), with the directory's
   * group and, for a directory, its set-group-ID bit when the directory has it (inode_init_owner).
   */
  made(id: number, dir: number | undefined, kind: 'dir' | 'reg' | 'lnk', perm: number, time: bigint): InodeData {
    const d = this.fs.inodes.init(id, kind, perm, time);
    const parent = dir === undefined ? undefined : this.kernel.s.dentries.get(dir);
    const p = parent && this.kernel.s.inodes.get(parent.inode);
    const pd = p && this.data(p);
    if (pd && pd.mode & 0o2000) {
      d.gid = pd.gid;
      if (kind === 'dir') d.mode |= 0o2000;
    }
    return d;
  }

  /** Marks a directory changed (an entry made or removed in it). */
  touchDir(dentryId: number | undefined, time: bigint): void {
    if (dentryId === undefined) return;
    const d = this.kernel.s.dentries.get(dentryId);
    const inode = d && this.kernel.s.inodes.get(d.inode);
    if (!inode) return;
    const data = this.data(inode);
    data.mtimeNs = data.ctimeNs = time;
  }
}
