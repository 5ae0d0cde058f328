/**
 * The call of an `expect` line, read with the project's strace parser so a test names calls
 * exactly as a trace prints them. Only the shape is checked here (a known syscall, a closed
 * argument list, decodable strings); running the call needs the model and is not our job.
 */
import { parseArgs } from '../strace/args.js';
import { decodes } from '../strace/decode.js';
import { fdSpec, fdSpecNames } from '../strace/fd-args.js';
import { findClose, parseStraceLine } from '../strace/line.js';
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

export interface CallProblem {
  code: 'FW501' | 'FW502';
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
  }
  return { name, argsText: parsed.argsText };
}
