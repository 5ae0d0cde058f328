/**
 * The call of an `expect` line, read with the project's strace parser so a test names calls
 * exactly as a trace prints them. Only the shape is checked here (a known syscall, a closed
 * argument list, decodable strings); running the call needs the model and is not our job.
 */
import { parseArgs } from '../strace/args.js';
import { decodes } from '../strace/decode.js';
import { fdSpec, fdSpecNames } from '../strace/fd-args.js';
import { findClose, parseStraceLine } from '../strace/line.js';
import * as linux from '../linux/index.js';
import { didYouMean } from './suggest.js';
import { isIdentStart, isVarChar } from './lexer.js';

/** Path-taking calls the fd table does not list (it only knows calls that print fds). */
const PATH_CALLS = [
  'mkdir', 'mknod', 'unlink', 'rmdir', 'rename', 'link', 'symlink', 'chdir', 'chroot', 'execve',
  'stat', 'lstat', 'statfs', 'access', 'chmod', 'chown', 'lchown', 'truncate', 'utime', 'utimes',
  'getxattr', 'setxattr', 'listxattr', 'removexattr', 'lgetxattr', 'lsetxattr', 'llistxattr',
  'lremovexattr', 'readlink', 'fstatat64', 'fchmodat2', 'getcwd', 'umask',
];

let candidates: string[] | undefined;

export function isKnownSyscall(name: string): boolean {
  return decodes(name) || fdSpec(name) !== undefined || PATH_CALLS.includes(name);
}

function syscallNames(): string[] {
  candidates ??= [...new Set([...fdSpecNames(), ...PATH_CALLS])];
  return candidates;
}

/** End (exclusive) of a call `name(...)` starting at `from` in `line`, or -1 when unclosed. */
export function scanCall(line: string, from: number): number {
  let j = from;
  while (j < line.length && isVarChar(line.charCodeAt(j))) j++;
  if (j === from || line.charCodeAt(j) !== 40) return -1;
  const close = findClose(line, j + 1);
  return close < 0 ? -1 : close + 1;
}

/** Every symbolic name a call may be written with: the flag tables' names and the named constants. */
let symbols: Set<string> | undefined;
function knownSymbols(): Set<string> {
  if (symbols) return symbols;
  symbols = new Set(['NULL']);
  for (const [name, v] of Object.entries(linux)) {
    if (typeof v === 'number' && /^[A-Z][A-Z0-9_]*$/.test(name)) symbols.add(name);
    else if (v !== null && typeof v === 'object' && Object.isFrozen(v)) {
      for (const [k, x] of Object.entries(v)) if (typeof x === 'number') symbols.add(k);
    }
  }
  return symbols;
}

/** A flag word the decoder would not know (and so would drop), with its place in `text`. */
function unknownFlag(text: string): { word: string; at: number } | undefined {
  if (!/^[A-Za-z0-9_| ]+$/.test(text)) return undefined;
  const known = knownSymbols();
  // Words between `|`s; numbers (`0644`, `0x7ffd`) are values, not names.
  for (const m of text.matchAll(/[^| ]+/g)) {
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(m[0]) && !known.has(m[0])) return { word: m[0], at: m.index };
  }
  return undefined;
}

export interface CallProblem {
  code: 'FW104' | 'FW501' | 'FW502';
  message: string;
  help?: string;
  /** Offset and length of the offending part within the call text. */
  at: number;
  len: number;
}

export interface CallShape {
  name: string;
  argsText: string;
}

/** Check a call's text (`name(args)`, nothing after the `)`). */
export function checkCall(call: string): CallShape | CallProblem {
  if (!isIdentStart(call.charCodeAt(0))) {
    return { code: 'FW502', message: 'expected a call such as `openat(AT_FDCWD, "/a", O_RDONLY)`', at: 0, len: call.length };
  }
  const end = scanCall(call, 0);
  if (end < 0) return { code: 'FW502', message: 'unclosed argument list', help: 'a call must close its `(` on the same line', at: 0, len: call.length };
  if (end !== call.length) return { code: 'FW502', message: 'unexpected text after the call', at: end, len: call.length - end };
  const parsed = parseStraceLine(`${call} = 0`);
  if (parsed.kind !== 'call') {
    const reason = parsed.kind === 'malformed' ? parsed.reason : 'not a syscall';
    return { code: 'FW502', message: `malformed call: ${reason}`, at: 0, len: call.length };
  }
  const name = parsed.name;
  if (!isKnownSyscall(name)) {
    const p: CallProblem = { code: 'FW501', message: `unknown syscall \`${name}\``, at: 0, len: name.length };
    const help = didYouMean(name, syscallNames());
    if (help !== undefined) p.help = help;
    return p;
  }
  for (const a of parseArgs(parsed.argsText, parsed.argsAt)) {
    if (a.kind === 'string' && (a.str === undefined || !a.valueText.endsWith('"') || a.valueText.length < 2)) {
      return { code: 'FW502', message: 'unterminated string argument', at: a.at, len: a.end - a.at };
    }
    // A misspelt flag (`O_CRAET`) would be dropped and the test would check another call.
    const bad = a.kind === 'other' || a.kind === 'int' ? unknownFlag(a.valueText) : undefined;
    if (bad) {
      const at = a.valueAt + bad.at;
      const p: CallProblem = { code: 'FW104', message: `unknown flag \`${bad.word}\``, at, len: bad.word.length };
      const help = didYouMean(bad.word, [...knownSymbols()]);
      if (help !== undefined) p.help = help;
      return p;
    }
  }
  return { name, argsText: parsed.argsText };
}
