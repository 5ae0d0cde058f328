/**
 * What a recorded success proves, before it is judged: the names the call walked exist. An audit
 * judges each call at entry, on the model's state; when the view lacks a name the call
 * succeeded on (a hermetic `--fs empty` or snapshot view, or a host without the recording's
 * per-container directories), the model learns it first, so that the policy decides on the
 * object the program really reached (its type from the call: O_DIRECTORY, chdir, rmdir => dir)
 * and the fd it opened obtains its rights. Only successes teach: a recorded failure, and a name
 * reached from an unknown fd or cwd, stay as they are (fail closed).
 */
import type { Kernel } from '../state/kernel.js';
import type { Call } from '../state/calls.js';
import type { Task } from '../state/types.js';
import type { Request } from './requests.js';
import { procSelf, type Engine } from './judge.js';
import { dentry, inodeOf } from '../state/namespace.js';
import { AT_REMOVEDIR, AT_SYMLINK_FOLLOW, O_CREAT, O_DIRECTORY, O_NOFOLLOW, __O_TMPFILE } from '../linux/index.js';

interface Named {
  dirfd: number;
  path: string;
  /** The call needs the name itself to exist (else only its directory). */
  existing: boolean;
  dir: boolean;
  follow: boolean;
}

function namesOf(c: Call): Named[] {
  switch (c.sys) {
    case 'openat': {
      const tmp = (c.flags & __O_TMPFILE) === __O_TMPFILE;
      const existing = tmp || !(c.flags & O_CREAT);
      return [{ dirfd: c.dirfd, path: c.path, existing, dir: tmp || (c.flags & O_DIRECTORY) !== 0, follow: !(c.flags & O_NOFOLLOW) }];
    }
    case 'lookup': return [{ dirfd: c.dirfd, path: c.path, existing: true, dir: false, follow: c.follow }];
    case 'execve': return [{ dirfd: c.dirfd, path: c.path, existing: true, dir: false, follow: true }];
    case 'chdir': case 'chroot': return [{ dirfd: -100, path: c.path, existing: true, dir: true, follow: true }];
    case 'unlinkat': return [{ dirfd: c.dirfd, path: c.path, existing: true, dir: (c.flags & AT_REMOVEDIR) !== 0, follow: false }];
    case 'mkdirat': case 'mknodat': return [{ dirfd: c.dirfd, path: c.path, existing: false, dir: false, follow: false }];
    case 'symlinkat': return [{ dirfd: c.newdirfd, path: c.linkpath, existing: false, dir: false, follow: false }];
    case 'renameat2': case 'linkat': return [
      { dirfd: c.olddirfd, path: c.oldpath, existing: true, dir: false, follow: c.sys === 'linkat' && (c.flags & AT_SYMLINK_FOLLOW) !== 0 },
      { dirfd: c.newdirfd, path: c.newpath, existing: false, dir: false, follow: false },
    ];
    default: return [];
  }
}

/**
 * Whether the recorded success of `call` contradicts the model: a path of it does not resolve,
 * or the object it needs to exist (what it opens, looks up, runs, enters, removes or renames)
 * is absent. A name the call creates is absent by right, and costs no second judgement.
 */
export function contradicted(req: Request | null, call: Call): boolean {
  if (!req) return false;
  const mustExist = namesOf(call)[0]?.existing === true;
  return req.checks.some((ch, i) => ch.role !== 'fd' && ch.role !== 'network' && ch.role !== 'outside' && ch.object.unknown === undefined &&
    (ch.object.errno !== undefined || (i === 0 && mustExist && !ch.object.exists)));
}

/**
 * The request with every object the model still cannot resolve marked unknown: the recording
 * says the call succeeded, so the kernel's refusal the model predicts is wrong, and what the
 * call reached cannot be named (another process's /proc entry ...). The policy's `unknown` decides.
 */
export function unexplained(req: Request): Request {
  return {
    ...req,
    checks: req.checks.map((ch) => ch.role === 'fd' || ch.object.errno === undefined || ch.object.unknown !== undefined ? ch
      : { ...ch, object: { ...ch.object, path: undefined, unknown: `a recorded success the model cannot explain (${ch.object.errno})` } }),
  };
}

/** The directory part of a path (`a/b` -> `a/`, `/x` -> `/`, `b` -> ''). */
function dirOf(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  const at = trimmed.lastIndexOf('/');
  return at < 0 ? '' : trimmed.slice(0, at + 1) || '/';
}

/**
 * Teaches the model the names a recorded success of `call` implies: each path's directory, and
 * the object itself when the call needs it to exist (a directory when the call says so).
 */
export function learnRecorded(k: Kernel, task: Task, call: Call): void {
  for (const n of namesOf(call)) {
    if (n.path === '') continue;
    const target = !n.existing ? dirOf(n.path) : n.dir && !n.path.endsWith('/') ? n.path + '/' : n.path;
    if (target === '') continue;
    // A lookup recorded as a success learns every missing name on its way (sys/run.ts).
    k.syscall(task.tid, { sys: 'lookup', name: 'learn', dirfd: n.dirfd, path: target, follow: n.existing ? n.follow : true, emptyPath: false }, { ok: true, ret: 0 });
  }
}

/**
 * A listing that succeeded proves its fd names a directory: an object learned from a recorded
 * success without knowing its type (opened without O_DIRECTORY) becomes one, and its fd obtains
 * what the policy allows on a directory there (`when type dir` rules included), as it would have
 * at open had the model known.
 */
export function learnListed(k: Kernel, engine: Engine, task: Task, call: Call): void {
  if (call.sys !== 'usefd' || (call.name !== 'getdents64' && call.name !== 'getdents')) return;
  const e = k.s.tables.get(task.files)?.fds.get(call.fd);
  const f = e && k.s.files.get(e.file);
  if (!f || f.unknown) return;
  const d = dentry(k.s, f.dentry);
  const inode = inodeOf(k.s, d);
  if (!d.learned || inode.kind !== 'unknown') return;
  inode.kind = 'dir';
  const label = k.describeFd(task.tid, call.fd);
  if (label && label !== 'unknown' && label.kind === 'path') f.granted = engine.allowedMask(procSelf(label.path, task), 'dir');
}
