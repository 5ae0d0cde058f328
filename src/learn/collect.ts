/**
 * Collecting what recorded programs did: each trace is replayed through the model exactly as
 * `audit` replays it (src/rules/auditor.ts), and every check of every call's request is kept per
 * (path, right), with the syscalls that used it and whether the recorded call failed.
 *
 * A call that failed in the recording is kept too: enforcement judges a call before it runs, so
 * a program probing a missing file (`stat` → ENOENT) would see EACCES under a policy that does
 * not grant the probe, and could behave differently.
 */
import { Replay, type ReplayOptions } from '../strace/replay.js';
import type { Arg } from '../strace/args.js';
import type { Kernel } from '../state/kernel.js';
import type { Task } from '../state/types.js';
import { requestFor } from '../rules/requests.js';
import { contradicted, learnRecorded, unexplained } from '../rules/recorded.js';
import { procSelf } from '../rules/judge.js';
import { bit, rightsIn, type Right } from '../rules/rights.js';

/** How one right was used on one path. */
export interface RightUse {
  ok: number;
  failed: number;
  /** Errnos of the failed calls. */
  errnos: Set<string>;
  syscalls: Set<string>;
}

/** Everything recorded about one path (absolute, symlinks resolved, own /proc as /proc/self). */
export interface PathUses {
  path: string;
  /** The union of rights needed (a mask). */
  rights: number;
  /** The object's type when it existed at a call, e.g. `reg` or `dir`. */
  type?: string;
  perRight: Map<Right, RightUse>;
}

/** A rename or link: the object's rights at `to` must not exceed those at `from` (judge.ts). */
export interface Refer {
  from: string;
  to: string;
  subtree: boolean;
}

/** A call the learned policy cannot allow whatever it grants (its object is unknown to the model). */
export interface Unlearnable {
  trace: string;
  lineNo: number;
  syscall: string;
  reason: string;
}

export interface Collected {
  uses: Map<string, PathUses>;
  refers: Refer[];
  /** Directories the recordings created (mkdir that succeeded). */
  createdDirs: Set<string>;
  /** Start directories of the traces. */
  cwds: Set<string>;
  unlearnable: Unlearnable[];
  /** Calls collected. */
  calls: number;
}

/**
 * An empty collection, to gather several traces into one policy.
 *
 * @example
 * const c = emptyCollected();
 * for (const t of traces) collectTrace(t, c);
 */
export function emptyCollected(): Collected {
  return { uses: new Map(), refers: [], createdDirs: new Set(), cwds: new Set(), unlearnable: [], calls: 0 };
}

function record(into: Collected, path: string, rights: number, syscall: string, errno: string | undefined, type: string | undefined): void {
  let u = into.uses.get(path);
  if (!u) into.uses.set(path, (u = { path, rights: 0, perRight: new Map() }));
  u.rights |= rights;
  if (type && type !== 'unknown' && !u.type) u.type = type;
  for (const r of rightsIn(rights)) {
    let ru = u.perRight.get(r);
    if (!ru) u.perRight.set(r, (ru = { ok: 0, failed: 0, errnos: new Set(), syscalls: new Set() }));
    ru.syscalls.add(syscall);
    if (errno === undefined) ru.ok++;
    else {
      ru.failed++;
      ru.errnos.add(errno);
    }
  }
}

export interface TraceInput {
  /** A name for messages (the file name). */
  name: string;
  lines: readonly string[];
  replay: ReplayOptions;
}

/**
 * Replays one trace and adds what it used to `into`.
 *
 * @example
 * const c = emptyCollected();
 * collectTrace({ name: 't', lines: readLog('t.strace'), replay: { view: liveView(), cwd: '/tmp/w' } }, c);
 * c.uses.get('/etc/passwd')?.rights; // bit('read') | bit('stat')
 */
export function collectTrace(t: TraceInput, into: Collected = emptyCollected()): Collected {
  const replay = new Replay(t.replay);
  if (t.replay.cwd) into.cwds.add(t.replay.cwd);
  // The path each open file description was opened at: what an fd's later uses are judged on.
  const openedAt = new Map<number, string>();
  let opened: string | undefined;
  let mkdir: string | undefined;
  const fileOf = (task: Task, fd: number) => replay.kernel.s.tables.get(task.files)?.fds.get(fd)?.file;

  replay.onStart = (task) => {
    for (const [fd, e] of replay.kernel.s.tables.get(task.files)?.fds ?? []) {
      const label = replay.kernel.describeFd(task.tid, fd);
      if (label && label !== 'unknown' && label.kind === 'path') openedAt.set(e.file, procSelf(label.path, task));
    }
  };
  replay.onEnter = (c) => {
    opened = mkdir = undefined;
    const task = replay.kernel.task(c.tid);
    if (!task) return;
    let req = c.call ? requestFor(replay.kernel, task, c.call) : null;
    if (c.call && c.observed?.ok && contradicted(req, c.call)) {
      // As audit does: what a recorded success reached is learned first (src/rules/recorded.ts).
      learnRecorded(replay.kernel, task, c.call);
      req = requestFor(replay.kernel, task, c.call);
      if (req && contradicted(req, c.call)) req = unexplained(req);
    }
    if (!req) return;
    into.calls++;
    const errno = c.observed && !c.observed.ok ? c.observed.errno : undefined;
    for (const ch of req.checks) {
      const o = ch.object;
      if (o.anonymous) continue;
      if (ch.role === 'network') {
        // No path to generalise: a `network` statement, which the author chooses, would allow it.
        into.unlearnable.push({ trace: t.name, lineNo: c.lineNo, syscall: c.name, reason: `reaches ${ch.network?.what ?? 'the network'} (a \`network allow ${ch.network?.classes[0] ?? 'inet'}\` statement would allow it)` });
        continue;
      }
      if (ch.role === 'outside') {
        // Beyond the guest: no rule of the language allows it, so nothing to learn.
        into.unlearnable.push({ trace: t.name, lineNo: c.lineNo, syscall: c.name, reason: `reaches ${ch.outside?.what ?? 'beyond the guest'}` });
        continue;
      }
      if (o.path === undefined && o.unknown !== undefined) {
        // Decided by the policy's `unknown` setting, which stays deny: no grant can allow it.
        into.unlearnable.push({ trace: t.name, lineNo: c.lineNo, syscall: c.name, reason: o.unknown });
        continue;
      }
      if (ch.role === 'fd') {
        const file = ch.fd === undefined ? undefined : fileOf(task, ch.fd);
        const at = file === undefined ? undefined : openedAt.get(file);
        if (at === undefined) into.unlearnable.push({ trace: t.name, lineNo: c.lineNo, syscall: c.name, reason: `fd ${ch.fd} was opened where the model could not follow it` });
        else record(into, at, ch.rights, c.name, errno, undefined);
        continue;
      }
      if (o.path === undefined) continue; // unresolvable in the kernel too: the call fails, nothing to grant
      record(into, procSelf(o.path, req.caller), ch.rights, c.name, errno, o.exists ? o.type : undefined);
    }
    const r = req.refer;
    if (r && r.from.path !== undefined && r.to.path !== undefined && r.from.mount === r.to.mount) {
      into.refers.push({ from: r.from.path, to: r.to.path, subtree: r.subtree });
    }
    const obj = req.checks[0]?.object;
    if (c.call?.sys === 'openat' && obj?.path !== undefined) opened = procSelf(obj.path, task);
    if (c.call?.sys === 'mkdirat' && obj?.path !== undefined) mkdir = obj.path;
  };
  replay.onCall = (c) => {
    if (!c.observed?.ok) return;
    if (mkdir !== undefined) into.createdDirs.add(mkdir);
    const task = replay.kernel.task(c.tid);
    if (opened === undefined || c.observed.ret === undefined || !task) return;
    const file = fileOf(task, c.observed.ret);
    if (file !== undefined) openedAt.set(file, opened);
  };
  for (let i = 0; i < t.lines.length; i++) replay.feed(t.lines[i]!, i + 1);
  return into;
}
