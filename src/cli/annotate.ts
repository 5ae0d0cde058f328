/**
 * `fdwarden annotate LOG [--cwd DIR] [--inherit FD=PATH]... [--fs live|empty|FILE.json]`:
 * prints LOG with every fd annotated by the model, in strace -yy style.
 */
import { writeSync } from 'node:fs';
import { Replay } from '../strace/replay.js';
import { one, parseOptions, UsageError } from './options.js';
import { parseInherit, readLog, startDir, viewFor } from './inputs.js';

export const ANNOTATE_USAGE = `usage: fdwarden annotate LOG [--cwd DIR] [--inherit FD=PATH]... [--fs live|empty|SNAPSHOT.json]
  Prints LOG (an strace -f log, with or without -y/-yy) with every fd argument and fd return
  value annotated by fdwarden's model. Annotations already in LOG are removed first.
  --cwd DIR          the first process's start directory (default: unknown; a relative DIR
                     starts at the directory fdwarden runs in)
  --inherit FD=PATH  an fd the first process inherited (repeatable); with any, other fds start closed
  --fs live          names the log did not create are read from this host (default)
  --fs empty         nothing exists but what the log creates
  --fs FILE.json     a snapshot: {"entries": {"/path": {"kind": "dir"|"reg"|"lnk", "target": "..."}}}`;

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
    cwd: startDir(one(p, 'cwd')),
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
