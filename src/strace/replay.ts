/**
 * Replays an strace log through the model, line by line, and annotates every fd the way
 * strace -yy would: fds printed at syscall entry with the state before the call, fds printed at
 * exit and returned fds with the state after it. Annotations already in the log are stripped
 * first and never used. A line the parser cannot read is reported with its number and passed
 * through unchanged; the replay goes on.
 */
import { Kernel, type InheritedFd } from '../state/kernel.js';
import type { Call, Observed } from '../state/calls.js';
import type { Task } from '../state/types.js';
import type { View } from '../state/view.js';
import { cloneTask, exitTask } from '../state/sys/tasks.js';
import { stripAnnotations } from './annotations.js';
import { parseStraceLine, type CallLine, type ExitLine, type ResumedLine, type Result, type UnfinishedLine } from './line.js';
import { parseArgPieces, parseArgs, type Arg, type ArgsPiece } from './args.js';
import { condsHold, fdSpec, forEachFd, type SyscallFdSpec } from './fd-args.js';
import { changesState, decodeCall, decodes } from './decode.js';
import { isErrno } from '../linux/index.js';
import { cwdAnnotation, fdAnnotation } from './labels.js';

export interface ReplayOptions {
  view: View;
  /** Start directory of the first task; unknown when absent. */
  cwd?: string | undefined;
  /** fds the first task inherited; when given, every other fd starts closed. */
  inherit?: InheritedFd[] | undefined;
}

export interface Diagnostic {
  lineNo: number;
  message: string;
}

/** A syscall as the replay applied it, for consumers such as the policy auditor. */
export interface AppliedCall {
  lineNo: number;
  tid: number;
  name: string;
  call: Call | null;
  observed: Observed | undefined;
}

const CLONES = new Set(['clone', 'clone3', 'fork', 'vfork']);
const CLONE_PIDFD = 0x1000;
/** The pid used for logs without pid prefixes (strace without -f). */
const NO_PID = 1;

/** The first half of a call split by `<unfinished ...>`. */
interface Pending {
  name: string;
  /** The task that made the call (differs from the pid key after a non-leader's execve). */
  tid: number;
  piece: ArgsPiece;
  lineNo: number;
  /** For a close: the description the fd named at entry. */
  closeFile?: number;
}

type Inserts = [number, string][];

export class Replay {
  readonly kernel: Kernel;
  readonly diagnostics: Diagnostic[] = [];
  private readonly opts: ReplayOptions;
  private started = false;
  private readonly pending = new Map<number, Pending>();
  /** Split clone calls whose child may speak before the parent's result. */
  private readonly pendingClones: { pid: number; tid: number; flags: number }[] = [];
  onCall: ((c: AppliedCall) => void) | undefined;
  /** Called once the first task exists, with its inherited fds. */
  onStart: ((task: Task) => void) | undefined;
  /** Called before the model applies a call, for policy decisions. */
  onEnter: ((c: AppliedCall) => void) | undefined;

  constructor(opts: ReplayOptions) {
    this.opts = opts;
    this.kernel = new Kernel({ view: opts.view });
  }

  /** Annotates one line of the log (without its newline). */
  feed(raw: string, lineNo: number): string {
    const line = raw.indexOf('<') < 0 ? raw : stripAnnotations(raw);
    const p = parseStraceLine(line, lineNo);
    switch (p.kind) {
      case 'call': return this.whole(p, line);
      case 'unfinished': return this.unfinished(p, line);
      case 'resumed': return this.resumed(p, line);
      case 'exit':
        this.exitLine(p);
        return line;
      case 'malformed':
        this.diagnostics.push({ lineNo, message: `malformed line: ${p.reason}` });
        return line;
      default:
        return line;
    }
  }

  private whole(p: CallLine, line: string): string {
    const spec = fdSpec(p.name);
    if (!spec && !decodes(p.name)) return line;
    const task = this.task(p.pid);
    const args = parseArgs(p.argsText, p.argsAt);
    const ins: Inserts = [];
    if (spec) this.labelSlots(task, spec, args, 'entry', ins);
    this.apply(task, p.name, args, p.result, p.lineNo);
    if (spec) this.labelExit(task, spec, args, p.result, ins, false);
    return splice(line, ins);
  }

  private unfinished(p: UnfinishedLine, line: string): string {
    const key = p.pid ?? NO_PID;
    this.drop(key);
    const task = this.task(p.pid);
    const pend: Pending = { name: p.name, tid: task.tid, piece: { text: p.argsText, at: p.argsAt }, lineNo: p.lineNo };
    this.pending.set(key, pend);
    const spec = fdSpec(p.name);
    const clone = CLONES.has(p.name);
    if (!spec && !clone && p.name !== 'close') return line;
    const args = parseArgs(p.argsText, p.argsAt);
    if (clone) {
      const decoded = decodeCall(p.name, args);
      this.pendingClones.push({ pid: key, tid: task.tid, flags: decoded?.sys === 'clone' ? decoded.flags : 17 });
    } else if (p.name === 'close') {
      const e = this.kernel.s.tables.get(task.files)?.fds.get(Number(args[0]?.value));
      if (e) pend.closeFile = e.file;
    }
    if (!spec) return line;
    const ins: Inserts = [];
    this.labelSlots(task, spec, args, 'entry', ins);
    return splice(line, ins);
  }

  private resumed(p: ResumedLine, line: string): string {
    const key = p.pid ?? NO_PID;
    const pend = this.pending.get(key);
    if (!pend || pend.name !== p.name) {
      this.diagnostics.push({ lineNo: p.lineNo, message: `<... ${p.name} resumed> with no unfinished ${p.name} call` });
      return line;
    }
    this.drop(key);
    const spec = fdSpec(p.name);
    if (!spec && !decodes(p.name)) return line;
    const task = this.kernel.task(pend.tid) ?? this.task(p.pid);
    const args = parseArgPieces(pend.piece, { text: p.argsText, at: p.argsAt });
    if (pend.closeFile === undefined || this.stillOpen(task, args, pend.closeFile)) {
      this.apply(task, p.name, args, p.result, p.lineNo);
    }
    if (!spec) return line;
    const ins: Inserts = [];
    this.labelExit(task, spec, args, p.result, ins, true);
    return splice(line, ins);
  }

  /** A split close whose number another thread reused before it returned already took effect. */
  private stillOpen(task: Task, args: readonly Arg[], file: number): boolean {
    return this.kernel.s.tables.get(task.files)?.fds.get(Number(args[0]?.value))?.file === file;
  }

  /** Forgets a pending call (and its pending clone) of this pid. */
  private drop(key: number): void {
    if (!this.pending.delete(key)) return;
    const i = this.pendingClones.findIndex((c) => c.pid === key);
    if (i >= 0) this.pendingClones.splice(i, 1);
  }

  private exitLine(p: ExitLine): void {
    const key = p.pid ?? NO_PID;
    if (p.how === 'superseded') {
      // strace prints the execve result under the leader's pid; the caller is still the thread.
      const moving = p.byPid === undefined ? undefined : this.pending.get(p.byPid);
      this.drop(key);
      if (moving && p.byPid !== undefined) {
        this.pending.delete(p.byPid);
        this.pending.set(key, moving);
      }
      return;
    }
    this.drop(key);
    const t = this.kernel.task(key);
    if (t) exitTask(this.kernel, t);
  }

  private task(pid: number | undefined): Task {
    const tid = pid ?? NO_PID;
    const k = this.kernel;
    const t = k.task(tid);
    if (t && !t.exited) return t;
    if (!this.started) {
      this.started = true;
      const first = k.spawn({ tid, cwd: this.opts.cwd, fds: this.opts.inherit ?? [], partialFds: this.opts.inherit === undefined });
      this.onStart?.(first);
      return first;
    }
    // A child speaking before its parent's clone returned: the clone has happened already.
    const pending = this.pendingClones[this.pendingClones.length - 1];
    if (pending) {
      const parent = k.task(pending.tid);
      if (parent) {
        this.pendingClones.pop();
        return cloneTask(k, parent, tid, pending.flags);
      }
    }
    return k.spawn({ tid, partialFds: true }); // a process the log never showed being created
  }

  private apply(task: Task, name: string, args: readonly Arg[], result: Result, lineNo: number): void {
    // Annotating only: calls that change nothing the model holds need no decoding at all.
    if (!this.onEnter && !decodes(name) && !FD_PASSING.has(name)) return;
    const decoded = decodeFdPassing(name, args) ?? decodeCall(name, args);
    if (!decoded && !this.onEnter) return;
    const observed = observe(name, args, result);
    // Observers see every call, before the model applies it (a policy decides here).
    this.onEnter?.({ lineNo, tid: task.tid, name, call: decoded, observed });
    if (!decoded || !changesState(decoded)) return;
    if (observed || decoded.sys === 'exit') this.kernel.syscall(task.tid, decoded, observed);
    if (decoded.sys === 'clone' && decoded.flags & CLONE_PIDFD && observed?.ok) this.pidfd(task, name, args, observed.ret);
    this.onCall?.({ lineNo, tid: task.tid, name, call: decoded, observed });
  }

  /** CLONE_PIDFD: the parent got a pidfd for the child, at the number strace shows. */
  private pidfd(task: Task, name: string, args: readonly Arg[], child: number | undefined): void {
    const at = name === 'clone3' ? args[0]?.changed?.field('pidfd') : args.find((a) => a.key === 'parent_tid');
    const fd = at?.items?.[0]?.value;
    if (typeof fd !== 'number' || child === undefined) return;
    this.kernel.syscall(task.tid, { sys: 'anon', kind: 'pidfd', cloexec: true, nonblock: false, name: `pid:${child}` }, { ok: true, ret: fd });
  }

  private labelSlots(task: Task, spec: SyscallFdSpec, args: readonly Arg[], when: 'entry' | 'exit', ins: Inserts): void {
    forEachFd(spec, args, when, (arg, slot) => {
      const text = this.label(task, arg, slot.role === 'dirfd');
      if (text) ins.push([arg.valueEnd, text]);
    });
  }

  /** Exit-time annotations: exit slots, anything on a resumed line, and a returned fd. */
  private labelExit(task0: Task, spec: SyscallFdSpec, args: readonly Arg[], result: Result, ins: Inserts, split: boolean): void {
    // After a non-leader's execve the caller now has the leader's tid.
    const task = this.kernel.task(task0.tid) === task0 ? task0 : this.kernel.task(task0.tgid) ?? task0;
    forEachFd(spec, args, undefined, (arg, slot) => {
      if (slot.when === 'entry' && !(split && arg.part === 1)) return;
      const text = this.label(task, arg, slot.role === 'dirfd');
      if (text) ins.push([arg.valueEnd, text]);
    });
    if (spec.returnsFd && result.value !== undefined && result.errno === undefined && condsHold(spec.returnConds, args)) {
      const text = this.fdText(task, result.value);
      if (text) ins.push([result.at + String(result.text).search(/\s|$/), text]);
    }
  }

  private label(task: Task, arg: Arg, dirfd: boolean): string {
    const text = arg.valueText;
    if (dirfd && text === 'AT_FDCWD') {
      const cwd = this.kernel.s.fsContexts.get(task.fs)?.cwd ?? 0;
      return cwd === 0 ? '' : this.cached(cwd, true);
    }
    const v = arg.value;
    if (typeof v !== 'number' || v < 0) return '';
    return this.fdText(task, v);
  }

  private fdText(task: Task, fd: number): string {
    const e = this.kernel.s.tables.get(task.files)?.fds.get(fd);
    if (!e) return '';
    const f = this.kernel.s.files.get(e.file);
    return !f || f.unknown ? '' : this.cached(f.dentry, false);
  }

  /** Rendered annotations per dentry, valid until a name anywhere moves or dies. */
  private readonly texts = new Map<number, string>();
  private readonly cwdTexts = new Map<number, string>();
  private gen = -1;

  private cached(dentry: number, cwd: boolean): string {
    const s = this.kernel.s;
    if (this.gen !== s.nameGen) {
      this.texts.clear();
      this.cwdTexts.clear();
      this.gen = s.nameGen;
    }
    const map = cwd ? this.cwdTexts : this.texts;
    let text = map.get(dentry);
    if (text === undefined) {
      const l = this.kernel.describeDentry(dentry);
      text = cwd ? cwdAnnotation(l) : fdAnnotation(l);
      // Sockets change their label when bound or connected, without any name changing.
      if (l.kind === 'path') map.set(dentry, text);
    }
    return text;
  }
}

/** Inserts annotation texts at their offsets. */
function splice(line: string, ins: Inserts): string {
  if (ins.length === 0) return line;
  if (ins.length > 1) ins.sort((a, b) => a[0] - b[0]);
  let out = '';
  let at = 0;
  for (const [pos, text] of ins) {
    out += line.slice(at, pos) + text;
    at = pos;
  }
  return out + line.slice(at);
}

/** What the log says the call returned; undefined for `= ?` without an errno. */
function observe(name: string, args: readonly Arg[], r: Result): Observed | undefined {
  // A name this build does not know (a newer kernel's) still says the call failed.
  if (r.errno !== undefined) return { ok: false, errno: isErrno(r.errno) ? r.errno : 'EIO' };
  if (r.unknown || r.value === undefined) return undefined;
  if (name === 'pipe' || name === 'pipe2' || name === 'socketpair') {
    const arr = args[name === 'socketpair' ? 3 : 0];
    const fds = (arr?.items ?? []).map((a) => Number(a.value));
    return { ok: true, ret: r.value, fds };
  }
  return { ok: true, ret: r.value };
}

/** fds passed with SCM_RIGHTS in sendmsg/recvmsg. */
const FD_PASSING = new Set(['recvmsg', 'sendmsg']);

function decodeFdPassing(name: string, args: readonly Arg[]): Call | null {
  if (!FD_PASSING.has(name)) return null;
  const fds: number[] = [];
  for (const c of args[1]?.field('msg_control')?.items ?? []) {
    if (c.field('cmsg_type')?.valueText !== 'SCM_RIGHTS') continue;
    for (const d of c.field('cmsg_data')?.items ?? []) if (typeof d.value === 'number') fds.push(d.value);
  }
  if (fds.length === 0) return null;
  const fd = Number(args[0]?.value);
  if (name === 'sendmsg') return { sys: 'sendfds', fd, fds };
  return { sys: 'recvfds', fd, fds, cloexec: (args[2]?.valueText ?? '').includes('MSG_CMSG_CLOEXEC') };
}
