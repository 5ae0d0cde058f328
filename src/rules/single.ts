/**
 * One syscall written as strace prints it (`unlinkat(AT_FDCWD, "/srv/x", 0)`), judged on its own:
 * for inline `test` blocks and `fdwarden explain 'call(...)'`. The paths it names are assumed to
 * sit in existing directories (the call is about them, not about a missing parent), and the
 * last component exists unless the call creates it.
 */
import { Kernel } from '../state/kernel.js';
import { emptyView } from '../state/view.js';
import type { Call } from '../state/calls.js';
import { parseArgs } from '../strace/args.js';
import { decodeCall } from '../strace/decode.js';
import { requestFor, FD_RIGHTS, type Request } from './requests.js';
import { judge, type Engine, type Verdict } from './judge.js';
import { bit } from './rights.js';
import { byteString } from '../linux/bytes.js';

export type SingleResult = { ok: true; verdict: Verdict } | { ok: false; error: string };

function pathsOf(c: Call): { dirfd: number; path: string }[] {
  switch (c.sys) {
    case 'openat': case 'mkdirat': case 'mknodat': case 'unlinkat': case 'lookup': case 'execve':
      return [{ dirfd: c.dirfd, path: c.path }];
    case 'renameat2': case 'linkat':
      return [{ dirfd: c.olddirfd, path: c.oldpath }, { dirfd: c.newdirfd, path: c.newpath }];
    case 'symlinkat': return [{ dirfd: c.newdirfd, path: c.linkpath }];
    case 'chdir': case 'chroot': return [{ dirfd: -100, path: c.path }];
    default: return [];
  }
}

/** Whether the call needs the object to exist (it reads, removes or renames it). */
function existing(c: Call): boolean {
  if (c.sys === 'openat') return !(c.flags & 0o100);
  return ['unlinkat', 'lookup', 'execve', 'chdir', 'chroot', 'renameat2', 'linkat'].includes(c.sys);
}


/**
 * Judges one call written as text (`argsText` and `cwd` as a user writes them: non-ASCII
 * characters are their UTF-8 bytes, as a program on Linux would pass them; `\xNN` escapes name
 * single bytes).
 */
export function judgeSingle(engine: Engine, name: string, argsText: string, cwdText = '/'): SingleResult {
  const args = parseArgs(byteString(argsText));
  const cwd = byteString(cwdText);
  const call = decodeCall(name, args);
  const k = new Kernel({ view: emptyView });
  const task = k.spawn({ tid: 1, cwd, fds: [] });
  if (!call) {
    if (FD_RIGHTS[name]) return { ok: false, error: `${name} works on an fd; write the open that makes it instead` };
    return { ok: false, error: `${name}: not a filesystem call fdwarden decides` };
  }
  const paths = pathsOf(call);
  paths.forEach(({ path }, i) => {
    const abs = path.startsWith('/') ? path : `${cwd.replace(/\/$/, '')}/${path}`;
    const dir = abs.replace(/\/+[^/]*\/*$/, '') || '/';
    k.learnDir(dir);
    const last = abs.slice(dir.length).replace(/^\/+|\/+$/g, '');
    // The first path of a call that reads, removes or renames exists; the rename/link target does not.
    if (last && i === 0 && existing(call) && !k.s.dentries.get(k.learnDir(dir))!.children.get(last)) {
      const wantsDir = call.sys === 'chdir' || call.sys === 'chroot' || (call.sys === 'unlinkat' && (call.flags & 0x200) !== 0);
      if (wantsDir) k.learnDir(abs);
      else {
        k.syscall(1, { sys: 'openat', dirfd: -100, path: abs, flags: 0o101, mode: 0o644 });
        k.syscall(1, { sys: 'close', fd: 0 });
      }
    }
  });
  const req: Request | null = requestFor(k, task, call);
  if (!req) return { ok: false, error: `${name}: needs no filesystem right` };
  return { ok: true, verdict: judge(engine, req) };
}

export { bit };
