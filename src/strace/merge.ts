/**
 * Pair `name(args <unfinished ...>` with its later `<... name resumed>` line.
 *
 * Feed parsed lines in log order; the merger emits happenings in log order:
 * `entry` when a call's first line appears (state as the call began: fds
 * printed at entry describe the table *before* the call) and `exit` when its
 * result appears. A one-line call yields `entry` then `exit` at once. Each
 * `MergedCall` keeps the argument text of both physical lines with their
 * offsets, so a consumer can place annotations on either line
 * (`parseArgPieces(call.entry, call.exit)` gives spans tagged with the line).
 *
 * A tid runs one syscall at a time, so pending calls are keyed by pid. Special
 * cases: `+++ superseded by execve in pid N +++` moves N's pending execve to
 * the leader's pid (strace prints the resumed half under the leader); a
 * resumed line with nothing pending is reported as `unmatched`; a pending call
 * that can no longer complete is reported as `abandoned`. Never throws.
 */
import type { ArgsPiece } from './args.js';
import type {
  CallLine, ExitLine, MalformedLine, ResumedLine, Result, SignalLine, StraceLine, TextLine,
  UnfinishedLine,
} from './line.js';

/** Argument text of one physical line of a call. */
export interface CallPiece extends ArgsPiece {
  readonly lineNo: number;
}

export interface MergedCall {
  /** Same id on the `entry` and `exit` of one call. */
  readonly id: number;
  readonly pid: number | undefined;
  readonly name: string;
  /** Args on the line that started the call (a complete line or `<unfinished ...>`). */
  readonly entry: CallPiece;
  readonly entryLine: CallLine | UnfinishedLine;
  /** Args on the `<... resumed>` line; undefined for a one-line call and at `entry`. */
  readonly exit: CallPiece | undefined;
  readonly exitLine: CallLine | ResumedLine | undefined;
  /** Undefined until the call's exit. */
  readonly result: Result | undefined;
  /** Pid of the exit line (differs from `pid` after an execve by a non-leader thread). */
  readonly exitPid: number | undefined;
  readonly split: boolean;
}

export type AbandonReason =
  | 'replaced' // the same pid started another call
  | 'mismatch' // the same pid resumed a different call
  | 'process-exit' // +++ exited / killed +++
  | 'superseded' // the pid was taken over by an execve in another thread
  | 'end'; // the log ended

export type Happening =
  | { readonly kind: 'entry'; readonly call: MergedCall; readonly line: CallLine | UnfinishedLine }
  | { readonly kind: 'exit'; readonly call: MergedCall; readonly line: CallLine | ResumedLine }
  | { readonly kind: 'unmatched'; readonly line: ResumedLine }
  | {
    readonly kind: 'abandoned'; readonly call: MergedCall; readonly reason: AbandonReason;
    readonly line: StraceLine | undefined;
  }
  | { readonly kind: 'event'; readonly line: SignalLine | ExitLine | TextLine }
  | { readonly kind: 'malformed'; readonly line: MalformedLine };

const NO_PID = -1;

/** Build every MergedCall through one literal so they all share a shape (object spread is slow here). */
function makeCall(id: number, entryLine: CallLine | UnfinishedLine, exit: CallPiece | undefined,
  exitLine: CallLine | ResumedLine | undefined, split: boolean): MergedCall {
  return {
    id, pid: entryLine.pid, name: entryLine.name,
    entry: { text: entryLine.argsText, at: entryLine.argsAt, lineNo: entryLine.lineNo }, entryLine,
    exit, exitLine, result: exitLine?.result, exitPid: exitLine ? exitLine.pid : undefined, split,
  };
}

export class CallMerger {
  private readonly pendingByPid = new Map<number, MergedCall>();
  private nextId = 1;

  /** Calls waiting for their resumed half. */
  get pending(): number { return this.pendingByPid.size; }

  /** Process one line; happenings are appended to `out` (and returned). */
  push(line: StraceLine, out: Happening[] = []): Happening[] {
    try {
      this.step(line, out);
    } catch {
      // Unreachable for well-typed input; keep the stream alive regardless.
      out.push({ kind: 'malformed', line: { kind: 'malformed', lineNo: line.lineNo, pid: line.pid, reason: 'merge error' } });
    }
    return out;
  }

  /** Report every still-pending call as abandoned (call at end of log). */
  flush(out: Happening[] = []): Happening[] {
    for (const call of this.pendingByPid.values()) out.push({ kind: 'abandoned', call, reason: 'end', line: undefined });
    this.pendingByPid.clear();
    return out;
  }

  private abandon(key: number, reason: AbandonReason, line: StraceLine, out: Happening[]): void {
    const call = this.pendingByPid.get(key);
    if (!call) return;
    this.pendingByPid.delete(key);
    out.push({ kind: 'abandoned', call, reason, line });
  }

  private step(line: StraceLine, out: Happening[]): void {
    const key = line.pid ?? NO_PID;
    switch (line.kind) {
      case 'call': {
        if (this.pendingByPid.size) this.abandon(key, 'replaced', line, out);
        const id = this.nextId++;
        out.push({ kind: 'entry', call: makeCall(id, line, undefined, undefined, false), line });
        out.push({ kind: 'exit', call: makeCall(id, line, undefined, line, false), line });
        return;
      }
      case 'unfinished': {
        this.abandon(key, 'replaced', line, out);
        const call = makeCall(this.nextId++, line, undefined, undefined, true);
        this.pendingByPid.set(key, call);
        out.push({ kind: 'entry', call, line });
        return;
      }
      case 'resumed': {
        const pend = this.pendingByPid.get(key);
        if (pend && pend.name !== line.name) this.abandon(key, 'mismatch', line, out);
        else if (pend) {
          this.pendingByPid.delete(key);
          const exit = { text: line.argsText, at: line.argsAt, lineNo: line.lineNo };
          const call = makeCall(pend.id, pend.entryLine, exit, line, true);
          out.push({ kind: 'exit', call, line });
          return;
        }
        out.push({ kind: 'unmatched', line });
        return;
      }
      case 'exit': {
        if (line.how === 'superseded') {
          this.abandon(key, 'superseded', line, out);
          const moving = line.byPid === undefined ? undefined : this.pendingByPid.get(line.byPid);
          if (moving && line.byPid !== undefined) {
            this.pendingByPid.delete(line.byPid);
            this.pendingByPid.set(key, moving);
          }
        } else {
          this.abandon(key, 'process-exit', line, out);
        }
        out.push({ kind: 'event', line });
        return;
      }
      case 'malformed':
        out.push({ kind: 'malformed', line });
        return;
      default:
        out.push({ kind: 'event', line });
    }
  }
}

/** Merge a whole sequence of parsed lines, flushing at the end. */
export function* mergeLines(lines: Iterable<StraceLine>): Generator<Happening, void, undefined> {
  const m = new CallMerger();
  const buf: Happening[] = [];
  for (const line of lines) {
    m.push(line, buf);
    yield* buf;
    buf.length = 0;
  }
  yield* m.flush();
}
