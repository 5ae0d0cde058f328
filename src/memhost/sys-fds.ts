/**
 * open, openat, creat, and the descriptor calls the model decides alone (close, dup, dup2, dup3,
 * fcntl, the fd ioctls). The model plans an open in the kernel's order (flags, the walk,
 * may_open) and the policy judges where it lands; the host then commits exactly that plan and
 * gives a new inode its data (mode less the umask), or truncates the file the plan names.
 */
import type { Entry } from '../enforce/enforcer.js';
import { O_PATH, O_TRUNC } from '../linux/index.js';
import { isErr, neg } from '../wali/errno.js';
import { fdCallTable } from '../wali/fd-calls.js';
import type { MemCore, OpenFd } from './core.js';
import { nowNs } from './inodes.js';

function open(h: MemCore, e: Entry): number {
  const p = e.open!;
  const t = p.target;
  const ret = h.exit(e, p.fd);
  if (ret < 0) return ret;
  const o = h.openFd(ret);
  if (isErr(o)) return ret;
  // The clock is read only when something changes (most opens change nothing).
  if (t.kind !== 'existing') {
    const now = nowNs();
    const perm = (e.call as { mode: number }).mode & 0o7777 & ~h.kernel.umaskOf(h.tid);
    h.made(o.inode.id, t.dir, 'reg', perm, now);
    if (t.kind === 'create') h.touchDir(t.dir, now);
  } else if (p.flags & O_TRUNC && !(p.flags & O_PATH) && o.inode.kind === 'reg') {
    const d = h.data(o.inode);
    h.fs.inodes.resize(d, 0);
    d.mtimeNs = d.ctimeNs = nowNs();
  }
  return ret;
}

/** A close-like call: what it drops loses its host state. */
function closeLike(h: MemCore, fd: number, run: () => number): number {
  const before = h.fileAt(fd);
  const r = run();
  h.released(before);
  return r;
}

/** TIOCGWINSZ: stdout and stderr answer as a terminal of 80x24 (as the Node host's do): musl then line-buffers stdout, so output reaches the embedder as it is written. */
function winsize(o: OpenFd): [number, number] | undefined {
  return o.desc.stdio === 1 || o.desc.stdio === 2 ? [24, 80] : undefined;
}

/** FIONREAD: what stdin, a pipe or a file (past the offset) still holds. */
function readable(h: MemCore, o: OpenFd): number {
  if (o.desc.stdio === 0) return h.stdio.stdin.length - h.stdio.stdinAt;
  if (o.desc.pipe) return o.desc.pipe.size;
  if (o.inode.kind === 'reg' && o.desc.stdio === undefined) return Math.max(0, h.data(o.inode).size - o.desc.offset);
  return neg('ENOTTY');
}

/** open, openat, creat, close, dup, dup2, dup3, fcntl and ioctl, by syscall name. */
export function fdCalls(h: MemCore): Record<string, (e: Entry | undefined, ...a: unknown[]) => number> {
  const opener = (e: Entry | undefined): number => (e?.open ? open(h, e) : neg('EINVAL'));
  return {
    open: opener,
    openat: opener,
    creat: opener,
    ...fdCallTable(h, { closeLike: (fd, run) => closeLike(h, fd, run), winsize, readable: (o) => readable(h, o) }),
  };
}
