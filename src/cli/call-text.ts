/**
 * A call given on the command line (`fdwarden explain 'openat(AT_FDCWD, "/x", O_RDONLY)'`),
 * checked as a policy's `test` calls are (src/dsl/syscall.ts): an unknown syscall, a malformed
 * argument list or a flag word no table knows (`O_CRAET`, which the decoder would drop, judging
 * another call) is an error with a did-you-mean, never a silent guess. A path holding a NUL byte
 * is refused too: no program can pass one (Linux reads a path up to its first NUL).
 */
import { checkCall } from '../dsl/syscall.js';
import { diag, type Code } from '../dsl/diagnostics.js';
import { renderDiagnostic } from '../dsl/render.js';
import { parseArgs } from '../strace/args.js';
import { parseStraceLine } from '../strace/line.js';
import { UsageError } from './options.js';

const FILE = '<call>';

function refuse(code: Code, call: string, at: number, len: number, message: string, help?: string): never {
  const span = { file: FILE, line: 1, col: at + 1, endLine: 1, endCol: at + 1 + Math.max(1, len) };
  throw new UsageError(renderDiagnostic(diag(code, span, message, help), call));
}

/** The call's name and argument text, from `name(args)` or a whole strace line (`pid name(args) = 3`). */
export function callFromText(text: string): { name: string; argsText: string } {
  const t = text.trim();
  let parsed = parseStraceLine(t);
  // strace lines carry a result; a bare call is accepted too.
  if (parsed.kind !== 'call' && parsed.kind !== 'unfinished') parsed = parseStraceLine(`${t} = 0`);
  if (parsed.kind !== 'call' && parsed.kind !== 'unfinished') {
    throw new UsageError(`cannot read '${text}' as a syscall (write it as strace does: unlinkat(AT_FDCWD, "/x", 0))`);
  }
  const call = `${parsed.name}(${parsed.argsText})`;
  const shape = checkCall(call);
  if ('code' in shape) refuse(shape.code, call, shape.at, shape.len, shape.message, shape.help);
  const open = parsed.name.length + 1;
  for (const a of parseArgs(parsed.argsText)) {
    const nul = a.kind === 'string' ? a.str?.indexOf(0) ?? -1 : -1;
    if (nul >= 0) {
      refuse('FW502', call, open + a.at, a.end - a.at, 'a path cannot contain a NUL byte',
        'Linux reads a path only up to its first NUL: write the path the program passed');
    }
  }
  return { name: parsed.name, argsText: parsed.argsText };
}
