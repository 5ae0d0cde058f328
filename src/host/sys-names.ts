/**
 * Calls that change names: mkdir(at), unlink(at)/rmdir, rename(at/at2), link(at), symlink(at).
 * The enforcer has already asked the model for Linux's answer in the kernel's order (including
 * EROFS in the synthetic directories, where Linux calls mnt_want_write) and judged the objects;
 * here the host runs the call on exactly those objects, each one name relative to its parent's
 * anchored directory fd, and the model follows the real result. A host answer that contradicts
 * the model (a name another process made or removed) makes the model ask the disk again.
 */
import type { Entry } from '../enforce/enforcer.js';
import { judgedObjects } from '../wali/host-table.js';
import type { ResolvedObject } from '../state/inspect.js';
import { O_CLOEXEC, O_DIRECTORY, O_NOFOLLOW, O_PATH, RENAME_WHITEOUT } from '../linux/index.js';
import type { HostCore, HostObject } from './core.js';
import { SYNTHETIC, STALE } from './anchors.js';
import { neg } from './errno.js';

type Placed = Exclude<HostObject, number | typeof SYNTHETIC>;

/** Host errnos that say the model's picture of these names was out of date. */
const STALE_NAMES = new Set([-2, -17, -20, -21, -39]);


/** Places every object the call names; a synthetic one is read-only, anything else is returned as is. */
function placeAll(h: HostCore, os: readonly ResolvedObject[]): Placed[] | number {
  const out: Placed[] = [];
  for (const o of os) {
    const p = h.place(o);
    if (typeof p === 'object') {
      out.push(p);
      continue;
    }
    for (const q of out) q.release();
    return p === SYNTHETIC ? neg('EROFS') : p;
  }
  return out;
}

/**
 * Runs the host operation on the placed objects and gives the model the real result. `made`
 * names the object a successful call created (its identity is read before the anchors go and
 * recorded once the model holds the new name).
 */
function run(h: HostCore, e: Entry, op: (at: Placed[]) => number, made?: { object: ResolvedObject; index: number }): number {
  const os = judgedObjects(e);
  const at = placeAll(h, os);
  if (typeof at === 'number') return at === STALE ? at : h.exit(e, at);
  let r: number;
  let ident: string | undefined;
  try {
    r = op(at);
    if (r >= 0 && made) ident = h.identAt(at[made.index]!);
  } finally {
    for (const p of at) p.release();
  }
  if (r < 0 && STALE_NAMES.has(r)) for (const o of os) forgetObject(h, o);
  const ret = h.exit(e, r < 0 ? r : 0);
  if (ident && made) {
    const o = made.object;
    const id = o.parent !== undefined && o.name !== undefined ? h.kernel.childOf(o.parent, o.name) : 0;
    if (id) h.kernel.setIdent(id, ident);
  }
  return ret;
}

function forgetObject(h: HostCore, o: ResolvedObject): void {
  if (o.exists && o.dentry !== undefined) h.kernel.forget(o.dentry);
  else if (o.parent !== undefined && o.name !== undefined) h.kernel.forgetName(o.parent, o.name);
}

function mkdirat(h: HostCore, e: Entry): number {
  const mode = ((e.call as { mode: number }).mode & 0o1777) & ~h.kernel.umaskOf(h.tid);
  const o = judgedObjects(e)[0]!;
  return run(h, e, ([at]) => {
    const r = h.sys.mkdirat(at!.fd, at!.name, mode);
    if (r < 0) return r;
    // The host process's umask applied too: set exactly the guest's mode, on the new directory
    // itself (opened without following, so nothing else can be reached).
    const fd = h.sys.openat(at!.fd, at!.name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
    if (fd >= 0) {
      h.sys.fchmodat(-100, `/proc/self/fd/${fd}`, mode);
      h.sys.close(fd);
    }
    return 0;
  }, { object: o, index: 0 });
}

function unlinkat(h: HostCore, e: Entry): number {
  const flags = (e.call as { flags: number }).flags;
  return run(h, e, ([at]) => h.sys.unlinkat(at!.fd, at!.name, flags));
}

function renameat2(h: HostCore, e: Entry): number {
  const flags = (e.call as { flags: number }).flags >>> 0;
  // A whiteout needs CAP_MKNOD, which the guest does not have.
  if (flags & RENAME_WHITEOUT) return h.exit(e, neg('EPERM'));
  return run(h, e, ([from, to]) => h.sys.renameat2(from!.fd, from!.name, to!.fd, to!.name, flags));
}

function linkat(h: HostCore, e: Entry): number {
  const from = judgedObjects(e)[0];
  // A link to an fd's object (AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH: an unprivileged caller gets ENOENT.
  if (!from || (e.call as { oldpath: string }).oldpath === '') return h.exit(e, neg('ENOENT'));
  // The model followed what AT_SYMLINK_FOLLOW asked: the host links the object it names, unfollowed.
  return run(h, e, ([old, to]) => (old!.name === '' ? neg('ENOENT') : h.sys.linkat(old!.fd, old!.name, to!.fd, to!.name, 0)));
}

function symlinkat(h: HostCore, e: Entry): number {
  const target = (e.call as { target: string }).target;
  const o = judgedObjects(e)[0]!;
  // The body is stored verbatim; the model interprets it inside the guest namespace.
  return run(h, e, ([at]) => h.sys.symlinkat(target, at!.fd, at!.name), { object: o, index: 0 });
}

/** mkdir, unlink, rmdir, rename, link and symlink with their *at forms, by syscall name. */
export function nameCalls(h: HostCore): Record<string, (e: Entry | undefined) => number> {
  const judged = (f: (h: HostCore, e: Entry) => number) => (e: Entry | undefined): number => (e ? f(h, e) : neg('EINVAL'));
  return {
    mkdir: judged(mkdirat), mkdirat: judged(mkdirat),
    unlink: judged(unlinkat), rmdir: judged(unlinkat), unlinkat: judged(unlinkat),
    rename: judged(renameat2), renameat: judged(renameat2), renameat2: judged(renameat2),
    link: judged(linkat), linkat: judged(linkat),
    symlink: judged(symlinkat), symlinkat: judged(symlinkat),
  };
}
