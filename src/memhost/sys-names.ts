/**
 * Calls that change names: mkdir(at), unlink(at)/rmdir, rename(at, at2), link(at), symlink(at).
 * The enforcer asked the model for Linux's answer in the kernel's order and judged the objects;
 * the model's kernel is this host's, so the model applies the call itself (`exit` without a
 * result) and the host gives what it made its data (mode less the umask, times), updates the
 * directories' times, and forgets the bytes of inodes nothing holds any more.
 */
import type { Entry } from '../enforce/enforcer.js';
import { judgedObjects } from '../wali/host-table.js';
import { RENAME_WHITEOUT } from '../linux/index.js';
import { neg } from '../wali/errno.js';
import type { MemCore } from './core.js';
import { nowNs } from './inodes.js';


/** Runs the call in the model; `made` gives the new object its data. */
function run(h: MemCore, e: Entry, made?: (id: number, dir: number, time: bigint) => void): number {
  const os = judgedObjects(e);
  const s = h.kernel.s;
  const inodes = os.flatMap((o) => (o.dentry !== undefined ? [s.dentries.get(o.dentry)?.inode ?? 0] : []));
  const ret = h.exit(e);
  if (ret < 0) return ret;
  const now = nowNs();
  for (const o of os) {
    // The directories that gained or lost a name, and the objects whose links changed.
    h.touchDir(o.parent ?? (o.dentry !== undefined ? s.dentries.get(o.dentry)?.parent : undefined), now);
    if (o.dentry !== undefined) {
      const inode = s.inodes.get(s.dentries.get(o.dentry)?.inode ?? 0);
      if (inode) h.data(inode).ctimeNs = now;
    }
  }
  const first = os[0];
  if (made && first?.parent !== undefined && first.name !== undefined) {
    const id = h.kernel.childOf(first.parent, first.name);
    const inode = id ? s.inodes.get(s.dentries.get(id)!.inode) : undefined;
    if (inode) made(inode.id, first.parent, now);
  }
  h.fs.collect(inodes);
  return ret;
}

function mkdirat(h: MemCore, e: Entry): number {
  const perm = (e.call as { mode: number }).mode & 0o1777 & ~h.kernel.umaskOf(h.tid);
  return run(h, e, (id, dir, now) => h.made(id, dir, 'dir', perm, now));
}

function renameat2(h: MemCore, e: Entry): number {
  // A whiteout is a character device 0:0 left at the old name (overlayfs's): not a kind this filesystem holds.
  if ((e.call as { flags: number }).flags & RENAME_WHITEOUT) return h.exit(e, neg('EINVAL'));
  return run(h, e);
}

function symlinkat(h: MemCore, e: Entry): number {
  return run(h, e, (id, dir, now) => h.made(id, dir, 'lnk', 0o777, now));
}

/** mkdir, unlink, rmdir, rename, link and symlink with their *at forms, by syscall name. */
export function nameCalls(h: MemCore): Record<string, (e: Entry | undefined) => number> {
  const judged = (f: (h: MemCore, e: Entry) => number) => (e: Entry | undefined): number => (e ? f(h, e) : neg('EINVAL'));
  const plain = judged((hh, e) => run(hh, e));
  return {
    mkdir: judged(mkdirat), mkdirat: judged(mkdirat),
    unlink: plain, rmdir: plain, unlinkat: plain,
    rename: judged(renameat2), renameat: judged(renameat2), renameat2: judged(renameat2),
    link: plain, linkat: plain,
    symlink: judged(symlinkat), symlinkat: judged(symlinkat),
  };
}
