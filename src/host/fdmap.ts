/**
 * Open file descriptions on the host side. The model (src/state) owns the guest fd table and
 * each description's status flags; this map gives each model description (its `file` id) the
 * Node fd behind it and the things Node cannot keep for us: the file offset (Node has no lseek,
 * and dup'ed fds must share it) and a directory's listing position.
 */
import { closeSync, readFileSync } from 'node:fs';
import type { DirEntry } from './listing.js';

/** How reads and writes reach the host. */
export type HostKind =
  /** Regular files, block and seekable character devices: positional I/O at our own offset. */
  | 'seekable'
  /** A directory: reads fail EISDIR, getdents64 lists it through its fd. */
  | 'dir'
  /** Pipes, sockets, terminals, inherited stdio: plain read/write, lseek is ESPIPE. */
  | 'stream'
  /** A synthetic directory (`/`, ancestors of mount points): no host object at all. */
  | 'synthetic'
  /** An O_PATH descriptor: no I/O. */
  | 'path';

/**
 * What Linux's /proc/self/fdinfo says of a Node fd the host inherits (stdio): the file offset
 * and the status flags (octal there). Undefined where it cannot be read.
 */
export function fdinfo(nodeFd: number): { pos: number; flags: number } | undefined {
  try {
    const text = readFileSync(`/proc/self/fdinfo/${nodeFd}`, 'latin1');
    const pos = /^pos:\s*(\d+)/m.exec(text);
    const flags = /^flags:\s*([0-7]+)/m.exec(text);
    return pos && flags ? { pos: Number(pos[1]), flags: parseInt(flags[1]!, 8) } : undefined;
  } catch {
    return undefined;
  }
}

export interface HostFile {
  /** Node fd, or -1 when there is none (synthetic directories). */
  readonly nodeFd: number;
  readonly kind: HostKind;
  /** Whether this map opened nodeFd (stdio fds belong to the embedding process). */
  readonly owned: boolean;
  /** The host stdio fd index (0, 1, 2) this description stands for, if any. */
  readonly stdio?: number;
  /**
   * A stream whose object has positions (stdio on a file or device): pread/pwrite work, while
   * read/write keep using the offset shared with the embedding process (Node has no lseek).
   */
  readonly positional?: boolean;
  /** A socket the guest made (socket, socketpair, accept): the socket calls act on it. */
  readonly socket?: boolean;
  /** The file offset, shared by every guest fd on this description. */
  offset: number;
  /** A directory's listing, read at the first getdents64 after open or a rewind. */
  listing?: DirEntry[] | undefined;
}

/**
 * Model file id → HostFile. A Node fd is closed when the model drops the last reference to its
 * description (close, dup2/dup3 over it): callers report candidates with `releaseIfGone`.
 */
export class HostFiles {
  private readonly byFile = new Map<number, HostFile>();

  get(fileId: number): HostFile | undefined {
    return this.byFile.get(fileId);
  }

  set(fileId: number, f: HostFile): void {
    this.byFile.set(fileId, f);
  }

  /** The host file of any description on this model dentry (for objects reached without a path). */
  find(pred: (fileId: number, f: HostFile) => boolean): HostFile | undefined {
    for (const [id, f] of this.byFile) if (pred(id, f)) return f;
    return undefined;
  }

  /** Closes the Node fd of `fileId` when `alive` says the model no longer has the description. */
  releaseIfGone(fileId: number | undefined, alive: (fileId: number) => boolean): void {
    if (fileId === undefined || alive(fileId)) return;
    const f = this.byFile.get(fileId);
    if (!f) return;
    this.byFile.delete(fileId);
    closeQuietly(f);
  }

  /** Closes every Node fd this map opened (the guest has exited). */
  closeAll(): void {
    for (const f of this.byFile.values()) closeQuietly(f);
    this.byFile.clear();
  }
}

function closeQuietly(f: HostFile): void {
  if (!f.owned || f.nodeFd < 0) return;
  try {
    closeSync(f.nodeFd);
  } catch {
    // Linux close always releases the fd; an error (EIO on NFS) changes nothing for the guest.
  }
}
