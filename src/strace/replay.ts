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
import { parseStraceLine, type Result, type StraceLine } from './line.js';
import { CallMerger, type Happening, type MergedCall } from './merge.js';
import { parseArgPieces, parseArgs, type Arg } from './args.js';
import { condsHold, fdSpec, locateFds } from './fd-args.js';
import { decodeCall } from './decode.js';
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
/** The pid used for logs without pid prefixes (strace without -f). */
const NO_PID = 1;

export class Replay {
  readonly kernel: Kernel;
  readonly diagnostics: Diagnostic[] = [];
  private readonly merger = new CallMerger();
  private readonly opts: ReplayOptions;
  private started = false;
  /** Split clone calls whose child may speak before the parent's result. */
  private readonly pendingClones: { call: number; tid: number; flags: number }[] = [];
  /** The file an unfinished close referred to at entry (to detect its number being reused). */
  private readonly closing = new Map<number, number>();
  private readonly buf: Happening[] = [];
  onCall: ((c: AppliedCall) => void) | undefined;

  constructor(opts: ReplayOptions) {
    this.opts = opts;
    this.kernel = new Kernel({ view: opts.view });
  }

  /** Annotates one line of the log (without its newline). */
  feed(raw: string, lineNo: number): string {
    const line = stripAnnotations(raw);
    const parsed = parseStraceLine(line, lineNo);
    if (parsed.kind === 'malformed') {
      this.diagnostics.push({ lineNo, message: `malformed line: ${parsed.reason}` });
      return line;
    }
    const inserts: [number, string][] = [];
    const hs = this.merger.push(parsed, this.buf);
    for (const h of hs) this.happen(h, inserts);
    hs.length = 0;
    if (inserts.length === 0) return line;
    inserts.sort((a, b) => a[0] - b[0]);
    let out = '';
    let at = 0;
    for (const [pos, text] of inserts) {
      out += line.slice(at, pos) + text;
      at = pos;
    }
    return out + line.slice(at);
  }

  private happen(h: Happening, inserts: [number, string][]): void {
    switch (h.kind) {
      case 'entry': return this.entry(h.call, inserts);
      case 'exit': return this.exit(h.call, inserts);
      case 'unmatched':
        this.diagnostics.push({ lineNo: h.line.lineNo, message: `<... ${h.line.name} resumed> with no unfinished call` });
        return;
      case 'abandoned':
        this.dropPendingClone(h.call.id);
        return;
      case 'event': return this.event(h.line);
      default: return;
    }
  }

  private task(pid: number | undefined): Task {
    const tid = pid ?? NO_PID;
    const k = this.kernel;
    const t = k.task(tid);
    if (t && !t.exited) return t;
    if (!this.started) {
      this.started = true;
      return k.spawn({ tid, cwd: this.opts.cwd, fds: this.opts.inherit ?? [], partialFds: this.opts.inherit === undefined });
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

  private entry(call: MergedCall, inserts: [number, string][]): void {
    const task = this.task(call.pid);
    const spec = fdSpec(call.name);
    const args = parseArgs(call.entry.text, call.entry.at);
    if (spec) {
      for (const { arg, slot } of locateFds(spec, args, 'entry')) {
        const text = this.label(task, arg, slot.role === 'dirfd');
        if (text) inserts.push([arg.valueEnd, text]);
      }
    }
    if (call.split) {
      if (CLONES.has(call.name)) {
        const decoded = decodeCall(call.name, args);
        this.pendingClones.push({ call: call.id, tid: task.tid, flags: decoded?.sys === 'clone' ? decoded.flags : 17 });
      } else if (call.name === 'close') {
        const fd = Number(args[0]?.value);
        const e = this.kernel.s.tables.get(task.files)?.fds.get(fd);
        if (e) this.closing.set(call.id, e.file);
      }
    }
  }

  private exit(call: MergedCall, inserts: [number, string][]): void {
    const task = this.task(call.pid);
    const result = call.result!;
    const args = call.exit ? parseArgPieces(call.entry, call.exit) : parseArgs(call.entry.text, call.entry.at);
    if (CLONES.has(call.name)) this.dropPendingClone(call.id);
    const decoded = decodeCall(call.name, args) ?? decodeRecvFds(call.name, args);
    const observed = observe(call.name, args, result);
    if (decoded && (observed || decoded.sys === 'exit') && !this.raced(call, task)) {
      this.kernel.syscall(task.tid, decoded, observed);
    }
    this.onCall?.({ lineNo: call.exitLine?.lineNo ?? call.entry.lineNo, tid: task.tid, name: call.name, call: decoded, observed });
    const now = this.kernel.task(task.tid) && !task.exited ? task : this.kernel.task(task.tgid) ?? task;
    const spec = fdSpec(call.name);
    if (!spec) return;
    for (const { arg, slot } of locateFds(spec, args)) {
      // Entry slots on a one-line call were annotated at entry; exit slots (and anything on a
      // resumed line) describe the state after the call.
      if (slot.when === 'entry' && !(call.split && arg.part === 1)) continue;
      const text = this.label(now, arg, slot.role === 'dirfd');
      if (text) inserts.push([arg.valueEnd, text]);
    }
    if (spec.returnsFd && result.value !== undefined && result.errno === undefined && condsHold(spec.returnConds, args)) {
      const text = fdAnnotation(this.kernel.describeFd(now.tid, result.value));
      if (text) inserts.push([result.at + String(result.text).search(/\s|$/), text]);
    }
  }

  /** A split close whose fd number was reused by another thread before the close returned. */
  private raced(call: MergedCall, task: Task): boolean {
    const file = this.closing.get(call.id);
    if (file === undefined) return false;
    this.closing.delete(call.id);
    const fd = Number(parseArgs(call.entry.text)[0]?.value);
    return this.kernel.s.tables.get(task.files)?.fds.get(fd)?.file !== file;
  }

  private dropPendingClone(id: number): void {
    const i = this.pendingClones.findIndex((p) => p.call === id);
    if (i >= 0) this.pendingClones.splice(i, 1);
  }

  private event(line: StraceLine): void {
    if (line.kind === 'exit' && line.how !== 'superseded') {
      const t = this.kernel.task(line.pid ?? NO_PID);
      if (t) exitTask(this.kernel, t);
    }
  }

  private label(task: Task, arg: Arg, dirfd: boolean): string {
    const text = arg.valueText;
    if (dirfd && text === 'AT_FDCWD') return cwdAnnotation(this.kernel.describeCwd(task.tid));
    const v = arg.value;
    if (typeof v !== 'number' || v < 0) return '';
    return fdAnnotation(this.kernel.describeFd(task.tid, v));
  }
}

/** What the log says the call returned; undefined for `= ?` without an errno. */
function observe(name: string, args: readonly Arg[], r: Result): Observed | undefined {
  if (r.errno !== undefined) return { ok: false, errno: r.errno };
  if (r.unknown || r.value === undefined) return undefined;
  if (name === 'pipe' || name === 'pipe2' || name === 'socketpair') {
    const arr = args[name === 'socketpair' ? 3 : 0];
    const fds = (arr?.items ?? []).map((a) => Number(a.value));
    return { ok: true, ret: r.value, fds };
  }
  return { ok: true, ret: r.value };
}

/** fds passed with SCM_RIGHTS in sendmsg/recvmsg. */
function decodeRecvFds(name: string, args: readonly Arg[]): Call | null {
  if (name !== 'recvmsg' && name !== 'sendmsg') return null;
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
