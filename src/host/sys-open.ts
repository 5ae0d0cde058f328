/**
 * open, openat and creat. The model plans the open (build_open_flags, the walk, open_last_lookups,
 * may_open: `Kernel.predictOpen`, in the kernel's order) and the policy judges where it lands;
 * the host then opens exactly that target, one name relative to its directory's anchored fd,
 * never following a symlink, and checks the object it got is the one the model holds.
 */
import { fchmodSync } from 'node:fs';
import { isatty } from 'node:tty';
import type { Entry } from '../enforce/enforcer.js';
import type { OpenTarget } from '../state/sys/open.js';
import {
  O_ACCMODE, O_APPEND, O_CLOEXEC, O_CREAT, O_DIRECT, O_EXCL, O_NOCTTY, O_NOFOLLOW, O_PATH, O_TRUNC, __O_TMPFILE,
} from '../linux/index.js';
import type { HostCore } from './core.js';
import type { HostFile, HostKind } from './fdmap.js';
import { SYNTHETIC, STALE } from './anchors.js';
import { identOfStat, kindOfStat } from './stat.js';
import { neg } from './errno.js';

/**
 * The flags the host opens with: the guest's validated flags (x86-64 values are this host's),
 * never following the last component (the model followed what was to be followed), never
 * acquiring a tty, close-on-exec. O_APPEND is emulated (F_SETFL can change it); O_DIRECT is not passed.
 */
function hostFlags(f: number): number {
  return (f & ~(O_APPEND | O_DIRECT | O_CREAT | O_EXCL | O_CLOEXEC)) | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC;
}

/** How a host fd is read and written: files and non-tty devices are seekable. */
function hostKind(st: Uint8Array, fd: number, flags: number): HostKind {
  if (flags & O_PATH) return 'path';
  switch (kindOfStat(st)) {
    case 'dir': return 'dir';
    case 'reg': case 'blk': return 'seekable';
    case 'chr': return isatty(fd) ? 'stream' : 'seekable';
    default: return 'stream';
  }
}

/** The model's kind of what an open target is (a new name is a regular file). */
function expectedKind(h: HostCore, t: OpenTarget): string {
  return t.kind === 'existing' ? h.node(t.dentry)?.kind ?? 'unknown' : t.kind === 'tmpfile' ? 'reg' : 'reg';
}

function doOpen(h: HostCore, e: Entry): number {
  const p = e.open!;
  const t = p.target;
  const flags = hostFlags(p.flags);
  const umask = h.kernel.umaskOf(h.tid);
  const mode = ((e.call as { mode: number }).mode & 0o7777) & ~umask;
  let fd: number;
  let forgetOnMismatch: number | undefined;
  if (t.kind === 'existing') {
    const n = h.node(t.dentry);
    if (n?.kind === 'dir') {
      const a = h.dir(t.dentry);
      if (a === SYNTHETIC) return openSynthetic(h, e);
      if (typeof a === 'number') return a === STALE ? a : h.exit(e, a);
      fd = h.sys.openat(a.fd, '.', flags, 0);
      a.release();
    } else {
      const at = h.object(t.dentry);
      if (at === SYNTHETIC) return openSynthetic(h, e);
      if (typeof at === 'number') return at === STALE ? at : h.exit(e, at);
      fd = at.name === '' ? -2 : h.sys.openat(at.fd, at.name, flags, 0);
      at.release();
      // A symlink (or nothing) where the model holds another object: another process changed it.
      if (fd === -40 || fd === -2) return forget(h, t.dentry);
    }
    forgetOnMismatch = t.dentry;
  } else {
    const a = h.dir(t.dir);
    if (a === SYNTHETIC) return h.exit(e, neg('EROFS'));
    if (typeof a === 'number') return a === STALE ? a : h.exit(e, a);
    if (t.kind === 'tmpfile') fd = h.sys.openat(a.fd, '.', flags, mode);
    else {
      // The model knows the name is absent: create exactly it, never open what is there.
      fd = h.sys.openat(a.fd, t.name, flags | O_CREAT | O_EXCL, mode);
      if (fd === -17) {
        a.release();
        return existsOnDisk(h, e, t);
      }
    }
    a.release();
  }
  if (fd < 0) return h.exit(e, fd);
  const st = new Uint8Array(144);
  h.sys.fstatat(fd, '', st, 0x1000);
  const want = forgetOnMismatch === undefined ? undefined : h.node(forgetOnMismatch);
  const kind = expectedKind(h, t);
  if (want && ((kind !== 'unknown' && kindOfStat(st) !== kind) || (want.ident !== undefined && identOfStat(st) !== want.ident))) {
    h.sys.close(fd);
    return forget(h, forgetOnMismatch!);
  }
  // The host process's own umask applied too: a new file gets exactly the guest's mode & ~umask.
  if (t.kind !== 'existing' && !(p.flags & O_PATH)) fchmodSync(fd, mode);
  const ret = h.exit(e, p.fd);
  if (t.kind === 'create') {
    const made = h.kernel.childOf(t.dir, t.name);
    if (made) h.kernel.setIdent(made, identOfStat(st));
  }
  install(h, ret, { nodeFd: fd, kind: hostKind(st, fd, p.flags), owned: true, offset: 0 });
  return ret;
}

/** The model's object is not on the disk any more: forget it and decide the call again. */
function forget(h: HostCore, dentry: number): number {
  h.kernel.forget(dentry);
  return STALE;
}

/**
 * O_CREAT of a name the model holds absent, but the disk has: a hidden name (absent to the guest:
 * the answer of a hidden name, ENOENT), or one another process made (decided again on it).
 */
function existsOnDisk(h: HostCore, e: Entry, t: Extract<OpenTarget, { kind: 'create' }>): number {
  const there = h.kernel.childOf(t.dir, t.name);
  if (there !== 0 && h.kernel.veil?.(there)) return h.exit(e, neg('ENOENT'));
  // The model's absent name is stale: ask the disk again.
  h.kernel.forgetName(t.dir, t.name);
  return STALE;
}

function install(h: HostCore, fd: number, f: HostFile): void {
  const id = h.fileIdAt(fd);
  if (id !== undefined) h.files.set(id, f);
}

/** `/` and ancestors of mount points: directories that can only be read (listed) or used as dirfds. */
function openSynthetic(h: HostCore, e: Entry): number {
  const p = e.open!;
  const flags = p.flags;
  if (!(flags & O_PATH)) {
    if (flags & __O_TMPFILE) return h.exit(e, neg('EROFS'));
    if (flags & O_CREAT) return h.exit(e, neg('EISDIR'));
    if ((flags & O_ACCMODE) !== 0 || flags & O_TRUNC) return h.exit(e, neg('EISDIR'));
  }
  const ret = h.exit(e, p.fd);
  install(h, ret, { nodeFd: -1, kind: flags & O_PATH ? 'path' : 'synthetic', owned: false, offset: 0 });
  return ret;
}

/** The SYS_open, SYS_openat and SYS_creat implementations, by syscall name. */
export function openCalls(h: HostCore): Record<string, (e: Entry | undefined) => number> {
  const open = (e: Entry | undefined): number => (e?.open ? doOpen(h, e) : neg('EINVAL'));
  return { open, openat: open, creat: open };
}
