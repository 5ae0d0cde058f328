/**
 * What the commands read besides policies: strace logs, the view (`--fs`), the start directory
 * and inherited fds. Paths given on the command line are text and become the model's byte
 * strings as UTF-8 (as a program on Linux would pass them); a relative `--cwd` or `--inherit`
 * path is taken from the directory fdwarden runs in. An input that cannot be used is an
 * InputError: one line naming the file, exit 4.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { InheritedFd } from '../state/kernel.js';
import { emptyView, snapshotView, type SnapshotJson, type View } from '../state/view.js';
import { liveView } from '../state/live-view.js';
import { logLines, parseStraceLine } from '../strace/line.js';
import { byteString } from '../linux/bytes.js';
import { InputError, readableFile, UsageError } from './options.js';
import { forEachLine } from './read-lines.js';


/** An absolute path for a path option: relative ones start at the directory fdwarden runs in. */
export function absoluteArg(text: string): string {
  return byteString(text.startsWith('/') ? text : resolve(process.cwd(), text));
}

/** `--cwd DIR` as the model's start directory (undefined: unknown). */
export function startDir(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (text === '') throw new UsageError('--cwd needs a directory');
  return absoluteArg(text);
}

const KINDS = new Set(['dir', 'reg', 'lnk', 'chr', 'blk', 'fifo', 'sock']);

function snapshotFile(file: string): View {
  readableFile(file, '--fs: ');
  const text = readFileSync(file, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InputError(`--fs ${file}: not valid JSON (${(e as Error).message})`);
  }
  const entries = (json as { entries?: unknown } | null)?.entries;
  if (!entries || typeof entries !== 'object' || Array.isArray(entries)) {
    throw new InputError(`--fs ${file}: not a snapshot: it needs {"entries": {"/path": {"kind": "dir"}, ...}}`);
  }
  for (const [path, e] of Object.entries(entries as Record<string, unknown>)) {
    const kind = (e as { kind?: unknown } | null)?.kind;
    if (!path.startsWith('/') || typeof kind !== 'string' || !KINDS.has(kind) || (kind === 'lnk' && typeof (e as { target?: unknown }).target !== 'string')) {
      throw new InputError(`--fs ${file}: entry ${JSON.stringify(path)} is not an absolute path with a kind (${[...KINDS].join('|')}; a lnk with its target)`);
    }
  }
  return snapshotView(json as SnapshotJson);
}

/** `--fs live|empty|FILE.json`. */
export function viewFor(fs: string | undefined): View {
  if (fs === undefined || fs === 'live') return liveView();
  if (fs === 'empty') return emptyView;
  return snapshotFile(fs);
}

export function parseInherit(specs: readonly string[]): InheritedFd[] {
  return specs.map((s) => {
    const m = /^(\d+)=(.+)$/.exec(s);
    if (!m) throw new UsageError(`--inherit wants FD=PATH, got '${s}' (e.g. --inherit 0=/dev/null)`);
    return { fd: Number(m[1]), path: absoluteArg(m[2]!) };
  });
}

/** Reads a log as bytes-in-a-string (latin1), so any byte survives the round trip. */
export function readLog(file: string): string[] {
  readableFile(file);
  return logLines(readFileSync(file === '-' ? 0 : file, 'latin1'));
}

function isSyscall(line: string): boolean {
  const k = parseStraceLine(line).kind;
  return k === 'call' || k === 'unfinished' || k === 'resumed';
}

function noSyscall(file: string, lines: number): InputError {
  return new InputError(`${file}: no line is a syscall (${lines === 0 ? 'the file is empty' : `${lines} lines, none an strace line`}): is it an strace log?`);
}

/** A log that is to be judged, read whole: at least one of its lines must be a syscall. */
export function readTrace(file: string): string[] {
  const lines = readLog(file);
  if (!lines.some(isSyscall)) throw noSyscall(file, lines.length);
  return lines;
}

/**
 * Checks that a log to be judged holds a syscall, reading only as far as the first one (a log
 * of any length is then streamed by its reader). Not for stdin, which can be read once.
 */
export function requireSyscall(file: string): void {
  readableFile(file);
  if (file === '-') return;
  let found = false;
  const lines = forEachLine(file, (l) => !(found = isSyscall(l)), false);
  if (!found) throw noSyscall(file, lines);
}
