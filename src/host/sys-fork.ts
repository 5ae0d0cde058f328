/**
 * Processes as the guest sees them: fork/vfork (Asyncify builds: processes.ts), wait4, and
 * kill/tkill/tgkill within the guest's own processes. The policy has already refused a signal to
 * any process the model does not hold as the guest's (`outside`); here Linux's own checks and
 * the signal's effect.
 */
import type { Entry } from '../enforce/enforcer.js';
import type { HostCore } from './core.js';
import type { GuestProcess } from './processes.js';
import { WaliExit } from './sys-process.js';
import { execve } from './sys-exec.js';
import { i32, neg, u32 } from './errno.js';

const NSIG = 64;
const WNOHANG = 1;
const WUNTRACED = 2;
const WCONTINUED = 8;
const __WNOTHREAD = 0x20000000;
const __WALL = 0x40000000;
const __WCLONE = 0x80000000;
const WAIT_OPTIONS = WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WALL | __WCLONE;
const INT_MIN = -0x80000000;
/** struct rusage on x86-64: two timevals and fourteen longs. */
const RUSAGE_SIZE = 144;

/**
 * fork: a pid is taken (EAGAIN when the tree is full), the model clones the task (the child's fd
 * table a copy, descriptions shared, cwd copied), and the caller's stack unwinds so the tree can
 * copy it (processes.ts). Without an Asyncify build there is no way to copy the stack: ENOSYS.
 */
function fork(h: HostCore, e: Entry | undefined): number {
  const p = h.proc;
  if (!p || !p.canUnwind) return h.exit(e, neg('ENOSYS'));
  if (p.frameRegion() === undefined) return h.exit(e, neg('ENOMEM'));
  const pid = p.tree.reservePid(p);
  if (pid < 0) {
    const why = pid === neg('EAGAIN') ? 'fork refused (EAGAIN), the guest has as many processes as it may' : 'fork refused (ENOMEM), a copy of its memory would take its processes past their memory budget';
    h.kernel.lifecycle?.({ type: 'limit', what: `processes: ${why}` });
    return h.exit(e, pid);
  }
  const r = h.exit(e, pid);
  if (r === pid) p.unwind({ kind: 'fork', pid });
  return r;
}

/**
 * wait4 as kernel_wait4 checks it: options (EINVAL), INT_MIN (ESRCH), then the children that
 * match (ECHILD when none). Children run to their end before their parent resumes, so a child
 * that matches has always ended: it is reaped, its status written (exit code << 8, or the
 * signal), rusage zeroed.
 */
function wait4(h: HostCore, pid: number, statusAt: number, options: number, rusageAt: number): number {
  if ((options >>> 0) & ~WAIT_OPTIONS) return neg('EINVAL');
  if (pid === INT_MIN) return neg('ESRCH');
  const p = h.proc;
  // fork children are not clone children: __WCLONE alone waits for none of them.
  const kinds = !((options >>> 0) & __WCLONE) || (options & __WALL) !== 0;
  // The children stay in their parent's process group (pid 0); another group holds none of them.
  const match = (c: GuestProcess): boolean => kinds && (pid > 0 ? c.pid === pid : pid === -1 || pid === 0);
  const children = p ? [...p.children].filter(match) : [];
  if (children.length === 0) return neg('ECHILD');
  const z = children.find((c) => c.status !== undefined);
  if (!z) return options & WNOHANG ? 0 : neg('ECHILD');
  p!.tree.reap(p!, z);
  const mem = h.mem;
  if (statusAt !== 0 && (!mem || mem.writeI32(statusAt, z.status!))) return neg('EFAULT');
  if (rusageAt !== 0 && (!mem || mem.writeBytes(rusageAt, new Uint8Array(RUSAGE_SIZE)))) return neg('EFAULT');
  return z.pid;
}

/**
 * A signal to guest process `pid`: EINVAL for a bad signal, 0 checks existence; an ended child
 * (a zombie) feels nothing; otherwise the signal acts as its disposition says (core.ts
 * SignalAction). The caller ends at once; a parent suspended in fork ends when it would resume.
 */
function signal(h: HostCore, pid: number, sig: number): number {
  const target = h.proc ? (h.proc.tree.find(pid) ?? null) : pid === h.tid ? undefined : null;
  if (target === null) return neg('ESRCH');
  if (sig < 0 || sig > NSIG) return neg('EINVAL');
  if (sig === 0) return 0;
  const core = target ? target.host.hostCore : h;
  if (target?.status !== undefined) return 0;
  if (core.signalAction(sig) !== 'terminate') return 0;
  if (core === h) throw WaliExit.signalled(sig);
  target!.doomed ??= sig;
  return 0;
}

/** Judged implementations: fork needs the model to follow; wait4 and signals act on the tree. */
export function forkCalls(h: HostCore): Record<string, (e: Entry | undefined, ...a: unknown[]) => number> {
  return {
    fork: (e) => fork(h, e),
    vfork: (e) => fork(h, e),
    execve: (e, _path, argv, envp) => execve(h, e, u32(argv), u32(envp)),
    wait4: (_e, pid, status, options, rusage) => wait4(h, i32(pid), u32(status), i32(options), u32(rusage)),
    kill: (_e, pid, sig) => signal(h, i32(pid), i32(sig)),
    tkill: (_e, tid, sig) => signal(h, i32(tid), i32(sig)),
    tgkill: (_e, tgid, tid, sig) => (i32(tgid) !== i32(tid) ? neg('ESRCH') : signal(h, i32(tid), i32(sig))),
  };
}
