/**
 * `fdwarden annotate LOG [--cwd DIR] [--inherit FD=PATH]... [--fs live|empty|FILE.json]`:
 * prints LOG with every fd annotated by the model, in strace -yy style.
 */
import { readFileSync, writeSync } from 'node:fs';
import { Replay } from '../strace/replay.js';
import type { InheritedFd } from '../state/kernel.js';
import { emptyView, type View } from '../state/view.js';
import { liveView, loadSnapshotView } from '../state/live-view.js';
import { one, parseOptions, UsageError } from './options.js';

export const ANNOTATE_USAGE = `usage: fdwarden annotate LOG [--cwd DIR] [--inherit FD=PATH]... [--fs live|empty|SNAPSHOT.json]
  Prints LOG (an strace -f log, with or without -y/-yy) with every fd argument and fd return
  value annotated by fdwarden's model. Annotations already in LOG are removed first.
  --cwd DIR          the first process's start directory (default: unknown)
  --inherit FD=PATH  an fd the first process inherited (repeatable); with any, other fds start closed
  --fs live          names the log did not create are read from this host (default)
  --fs empty         nothing exists but what the log creates
  --fs FILE.json     a snapshot: {"entries": {"/path": {"kind": "dir"|"reg"|"lnk", "target": "..."}}}`;

export function viewFor(fs: string | undefined): View {
  if (fs === undefined || fs === 'live') return liveView();
  if (fs === 'empty') return emptyView;
  return loadSnapshotView(fs);
}

export function parseInherit(specs: readonly string[]): InheritedFd[] {
  return specs.map((s) => {
    const m = /^(\d+)=(.+)$/.exec(s);
    if (!m) throw new UsageError(`--inherit wants FD=PATH, got '${s}' (e.g. --inherit 0=/dev/null)`);
    return { fd: Number(m[1]), path: m[2]! };
  });
}

/** Reads a log as bytes-in-a-string (latin1), so any byte survives the round trip. */
export function readLog(file: string): string[] {
  const text = readFileSync(file === '-' ? 0 : file, 'latin1');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export async function annotateCommand(argv: readonly string[]): Promise<number> {
  const p = parseOptions(argv, { cwd: { value: true }, inherit: { value: true, repeat: true }, fs: { value: true }, help: {} });
  if (p.flags.has('help')) {
    process.stdout.write(ANNOTATE_USAGE + '\n');
    return 0;
  }
  if (p.positional.length !== 1) throw new UsageError(`annotate takes one LOG\n${ANNOTATE_USAGE}`);
  const file = p.positional[0]!;
  const lines = readLog(file);
  const inheritSpecs = p.options.get('inherit');
  const replay = new Replay({
    view: viewFor(one(p, 'fs')),
    cwd: one(p, 'cwd'),
    inherit: inheritSpecs ? parseInherit(inheritSpecs) : undefined,
  });
  // Written in chunks: a whole log joined at once costs memory and collector time.
  const CHUNK = 4096;
  for (let i = 0; i < lines.length; i += CHUNK) {
    let text = '';
    const end = Math.min(lines.length, i + CHUNK);
    for (let j = i; j < end; j++) text += replay.feed(lines[j]!, j + 1) + '\n';
    try {
      writeSync(1, Buffer.from(text, 'latin1'));
    } catch (e) {
      if ((e as { code?: string }).code === 'EPIPE') return 0; // the reader went away
      throw e;
    }
  }
  for (const d of replay.diagnostics) process.stderr.write(`fdwarden: ${file}:${d.lineNo}: ${d.message}\n`);
  return 0;
}
