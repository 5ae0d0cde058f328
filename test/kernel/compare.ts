/**
 * Step-by-step comparison of two runs of one program, and readable printing
 * of programs (as C-like syscall lines) and observations for failure reports.
 */
import { flattenProgram, K, setupLength, type Dirfd, type FdObservation, type Observation, type Program, type Step } from './program.js';

type FlagNames = readonly (readonly [name: string, bits: number])[];

const OPEN_FLAGS: FlagNames = [
  // O_TMPFILE first: it includes the O_DIRECTORY bit.
  ['O_TMPFILE', K.O_TMPFILE],
  ...(['O_CREAT', 'O_EXCL', 'O_NOCTTY', 'O_TRUNC', 'O_APPEND', 'O_NONBLOCK', 'O_DSYNC', 'O_DIRECT', 'O_LARGEFILE', 'O_DIRECTORY', 'O_NOFOLLOW', 'O_NOATIME', 'O_CLOEXEC', 'O_PATH'] as const).map(
    (name) => [name, K[name]] as const,
  ),
];
const AT_FLAGS: FlagNames = (['AT_SYMLINK_NOFOLLOW', 'AT_REMOVEDIR', 'AT_SYMLINK_FOLLOW', 'AT_EMPTY_PATH'] as const).map((n) => [n, K[n]] as const);
const RENAME_FLAGS: FlagNames = (['RENAME_NOREPLACE', 'RENAME_EXCHANGE', 'RENAME_WHITEOUT'] as const).map((n) => [n, K[n]] as const);
const RESOLVE_FLAGS: FlagNames = (['RESOLVE_NO_XDEV', 'RESOLVE_NO_MAGICLINKS', 'RESOLVE_NO_SYMLINKS', 'RESOLVE_BENEATH', 'RESOLVE_IN_ROOT', 'RESOLVE_CACHED'] as const).map(
  (n) => [n, K[n]] as const,
);
const CLOSE_RANGE_FLAGS: FlagNames = (['CLOSE_RANGE_UNSHARE', 'CLOSE_RANGE_CLOEXEC'] as const).map((n) => [n, K[n]] as const);
const FCNTL_CMDS = new Map<number, string>((['F_DUPFD', 'F_GETFD', 'F_SETFD', 'F_GETFL', 'F_SETFL', 'F_DUPFD_CLOEXEC'] as const).map((n) => [K[n], n]));

/** `A|B|0x40`, or `0` when nothing is set. */
function flagText(value: number, names: FlagNames, prefix: string[] = []): string {
  const parts = [...prefix];
  let rest = value;
  for (const [name, bits] of names) {
    if (bits !== 0 && (rest & bits) === bits) {
      parts.push(name);
      rest &= ~bits;
    }
  }
  if (rest !== 0) parts.push(`0x${(rest >>> 0).toString(16)}`);
  return parts.length > 0 ? parts.join('|') : '0';
}

export function openFlagText(flags: number): string {
  const acc = ['O_RDONLY', 'O_WRONLY', 'O_RDWR', 'O_ACCMODE'][flags & K.O_ACCMODE] ?? '?';
  return flagText(flags & ~K.O_ACCMODE, OPEN_FLAGS, [acc]);
}

const q = (s: string): string => JSON.stringify(s);
const oct = (mode: number): string => `0${mode.toString(8)}`;
const dfd = (d: Dirfd): string => (d === 'AT_FDCWD' || d === K.AT_FDCWD ? 'AT_FDCWD' : String(d));
const uint = (n: number): string => (n === K.UINT_MAX ? '~0U' : String(n));

/** One step as a C-like call (a fork prints only its head). */
export function formatStep(step: Step): string {
  switch (step.op) {
    case 'openat':
      return `openat(${dfd(step.dirfd)}, ${q(step.path)}, ${openFlagText(step.flags)}, ${oct(step.mode)})`;
    case 'openat2':
      return `openat2(${dfd(step.dirfd)}, ${q(step.path)}, {flags=${openFlagText(step.flags)}, mode=${oct(step.mode)}, resolve=${flagText(step.resolve, RESOLVE_FLAGS)}})`;
    case 'mkdirat':
      return `mkdirat(${dfd(step.dirfd)}, ${q(step.path)}, ${oct(step.mode)})`;
    case 'unlinkat':
      return `unlinkat(${dfd(step.dirfd)}, ${q(step.path)}, ${flagText(step.flags, AT_FLAGS)})`;
    case 'renameat2':
      return `renameat2(${dfd(step.olddirfd)}, ${q(step.oldpath)}, ${dfd(step.newdirfd)}, ${q(step.newpath)}, ${flagText(step.flags, RENAME_FLAGS)})`;
    case 'linkat':
      return `linkat(${dfd(step.olddirfd)}, ${q(step.oldpath)}, ${dfd(step.newdirfd)}, ${q(step.newpath)}, ${flagText(step.flags, AT_FLAGS)})`;
    case 'symlinkat':
      return `symlinkat(${q(step.target)}, ${dfd(step.newdirfd)}, ${q(step.linkpath)})`;
    case 'close':
    case 'dup':
    case 'fchdir':
      return `${step.op}(${step.fd})`;
    case 'dup2':
      return `dup2(${step.fd}, ${step.newfd})`;
    case 'dup3':
      return `dup3(${step.fd}, ${step.newfd}, ${openFlagText(step.flags).replace(/^O_RDONLY\|?/, '') || '0'})`;
    case 'fcntl': {
      const cmd = FCNTL_CMDS.get(step.cmd) ?? String(step.cmd);
      const arg = step.cmd === K.F_SETFL ? openFlagText(step.arg) : step.cmd === K.F_SETFD && step.arg === K.FD_CLOEXEC ? 'FD_CLOEXEC' : String(step.arg);
      return `fcntl(${step.fd}, ${cmd}, ${arg})`;
    }
    case 'close_range':
      return `close_range(${uint(step.first)}, ${uint(step.last)}, ${flagText(step.flags, CLOSE_RANGE_FLAGS)})`;
    case 'chdir':
      return `chdir(${q(step.path)})`;
    case 'pipe2':
      return `pipe2(fds, ${openFlagText(step.flags).replace(/^O_RDONLY\|?/, '') || '0'})`;
    case 'fork':
      return `fork()  /* child: ${step.child.length} step${step.child.length === 1 ? '' : 's'} */`;
  }
}

/**
 * The program, one numbered line per flat step; `mark` gets an arrow. With
 * `upToMark`, steps after the mark are only counted: fast-check shrinks
 * arrays from the front, so they often survive shrinking without mattering.
 */
export function formatProgram(program: Program, mark?: number, upToMark = false): string {
  const lines = [`/* RLIMIT_NOFILE ${program.nofile} */`];
  const flat = flattenProgram(program);
  let phase = '';
  for (const f of flat) {
    if (upToMark && mark !== undefined && f.index > mark) {
      lines.push(`/* ${flat.length - f.index} later step${flat.length - f.index === 1 ? '' : 's'} not shown */`);
      break;
    }
    if (f.phase !== phase) {
      phase = f.phase;
      lines.push(`/* ${phase} */`);
    }
    const arrow = f.index === mark ? '>>' : '  ';
    lines.push(`${arrow}${String(f.index).padStart(3)}: ${'    '.repeat(f.depth)}${formatStep(f.step)}`);
  }
  return lines.join('\n');
}

function fdText(f: FdObservation): string {
  return `${f.fd} -> ${f.link}  ${openFlagText(f.flags)}${f.cloexec ? '  cloexec' : ''}`;
}

const cwdText = (c: Observation['cwd']): string => (typeof c === 'string' ? c : `<${c.errno}>`);

export function formatObservation(o: Observation | undefined): string {
  if (o === undefined) return '  (no observation)';
  const result = o.errno === null ? `ret ${o.ret}` : `ret ${o.ret} errno ${o.errno}`;
  const fds = o.fds.length === 0 ? ['  fds: none'] : o.fds.map((f) => `  fd ${fdText(f)}`);
  return [`  ${result}`, `  cwd ${cwdText(o.cwd)}`, ...fds].join('\n');
}

/** Human-readable list of what differs; empty when equal. */
export function observationDiff(kernel: Observation, model: Observation): string[] {
  const diffs: string[] = [];
  if (kernel.ret !== model.ret || kernel.errno !== model.errno) {
    diffs.push(`result: kernel ${kernel.ret}/${kernel.errno ?? 'ok'}, model ${model.ret}/${model.errno ?? 'ok'}`);
  }
  if (cwdText(kernel.cwd) !== cwdText(model.cwd)) diffs.push(`cwd: kernel ${cwdText(kernel.cwd)}, model ${cwdText(model.cwd)}`);
  const byFd = (fds: readonly FdObservation[]): Map<number, FdObservation> => new Map(fds.map((f) => [f.fd, f]));
  const k = byFd(kernel.fds);
  const m = byFd(model.fds);
  for (const fd of [...new Set([...k.keys(), ...m.keys()])].sort((a, b) => a - b)) {
    const kf = k.get(fd);
    const mf = m.get(fd);
    if (kf === undefined || mf === undefined) {
      diffs.push(kf === undefined ? `fd ${fd}: only the model has it` : `fd ${fd}: only the kernel has it`);
    } else if (fdText(kf) !== fdText(mf)) {
      diffs.push(`fd ${fd}: kernel ${fdText(kf)}; model ${fdText(mf)}`);
    }
  }
  return diffs;
}

/**
 * The first compared step (setup excluded) where the runs differ, as a report
 * for a test failure; null when every main step matches.
 */
export function firstDivergence(program: Program, kernelObs: readonly Observation[], modelObs: readonly Observation[]): string | null {
  const start = setupLength(program);
  const total = flattenProgram(program).length;
  const index = (obs: readonly Observation[]): Map<number, Observation> => new Map(obs.map((o) => [o.step, o]));
  const k = index(kernelObs);
  const m = index(modelObs);
  for (let step = start; step < total; step++) {
    const ko = k.get(step);
    const mo = m.get(step);
    const diffs = ko === undefined || mo === undefined ? [`${ko === undefined ? 'kernel' : 'model'} has no observation for this step`] : observationDiff(ko, mo);
    if (diffs.length > 0) return report(program, step, diffs, ko, mo);
  }
  const extra = [...m.keys()].find((s) => s >= total || s < 0);
  if (extra !== undefined) return `model reported step ${extra}, but the program has ${total} steps\n\n${formatProgram(program)}`;
  return null;
}

function report(program: Program, step: number, diffs: string[], ko: Observation | undefined, mo: Observation | undefined): string {
  const flat = flattenProgram(program)[step];
  const where = flat === undefined ? '' : `${flat.depth > 0 ? ' (in fork child)' : ''}: ${formatStep(flat.step)}`;
  return [
    `kernel and model diverge at step ${step}${where}`,
    ...diffs.map((d) => `  - ${d}`),
    '',
    'kernel:',
    formatObservation(ko),
    'model:',
    formatObservation(mo),
    '',
    'program:',
    formatProgram(program, step, true),
  ].join('\n');
}
