/**
 * Runs programs on the real kernel through driver.c. The driver is compiled
 * once into test/kernel/.build/, named by a hash of its source and flags so
 * an edited driver is always rebuilt.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { constants as osConstants, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { K, type Dirfd, type FdObservation, type Observation, type Program, type Step } from './program.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const SOURCE = join(HERE, 'driver.c');
const BUILD_DIR = join(HERE, '.build');
const CC = process.env['CC'] ?? 'cc';
const CFLAGS = ['-O1', '-Wall', '-Werror'];

/** A program the driver could not run to the end (timeout, sandbox escape, ...). */
export class KernelRunError extends Error {
  constructor(
    message: string,
    /** Position of the program in the batch. */
    readonly programIndex: number,
    /** Observations reported before the failure. */
    readonly partial: Observation[],
  ) {
    super(message);
    this.name = 'KernelRunError';
  }

  /** The program went further above `@` than the sandbox allows: not a harness bug. */
  get climbedTooFar(): boolean {
    return this.message.includes('climbed too far above @');
  }
}

let builtDriver: string | undefined;

/** Path of the compiled driver, compiling it if this source has no binary yet. */
export function driverBinary(): string {
  if (builtDriver !== undefined) return builtDriver;
  const source = readFileSync(SOURCE);
  const hash = createHash('sha256').update(CC).update('\0').update(CFLAGS.join(' ')).update('\0').update(source);
  const binary = join(BUILD_DIR, `driver-${hash.digest('hex').slice(0, 16)}`);
  if (!existsSync(binary)) {
    mkdirSync(BUILD_DIR, { recursive: true });
    // Parallel test workers may compile at once; rename makes the result atomic.
    const temp = `${binary}.${process.pid}.tmp`;
    const cc = spawnSync(CC, [...CFLAGS, '-o', temp, SOURCE], { encoding: 'utf8' });
    if (cc.error !== undefined || cc.status !== 0) {
      rmSync(temp, { force: true });
      throw new Error(`compiling ${SOURCE} failed:\n${cc.error?.message ?? ''}${cc.stderr}`);
    }
    renameSync(temp, binary);
    // Builds of other source versions are only clutter now.
    for (const name of readdirSync(BUILD_DIR)) {
      if (/^driver-[0-9a-f]{16}$/.test(name) && join(BUILD_DIR, name) !== binary) rmSync(join(BUILD_DIR, name), { force: true });
    }
  }
  builtDriver = binary;
  return binary;
}

// ---------- serialisation (the driver's input format, see README.md) ----------

/** Bytes outside printable non-space ASCII, and '%', are %-escaped. */
function encodeString(s: string): string {
  let out = '=';
  for (const byte of Buffer.from(s, 'utf8')) {
    out += byte > 0x20 && byte < 0x7f && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

function num(n: number): string {
  if (!Number.isSafeInteger(n)) throw new Error(`not an integer: ${n}`);
  return String(n);
}

function dirfd(d: Dirfd): string {
  return num(d === 'AT_FDCWD' ? K.AT_FDCWD : d);
}

function serializeStep(step: Step, out: string[]): void {
  const s = encodeString;
  switch (step.op) {
    case 'openat': out.push(`openat ${dirfd(step.dirfd)} ${s(step.path)} ${num(step.flags)} ${num(step.mode)}`); return;
    case 'openat2':
      out.push(`openat2 ${dirfd(step.dirfd)} ${s(step.path)} ${num(step.flags)} ${num(step.mode)} ${num(step.resolve)}`);
      return;
    case 'mkdirat': out.push(`mkdirat ${dirfd(step.dirfd)} ${s(step.path)} ${num(step.mode)}`); return;
    case 'unlinkat': out.push(`unlinkat ${dirfd(step.dirfd)} ${s(step.path)} ${num(step.flags)}`); return;
    case 'renameat2':
    case 'linkat':
      out.push(`${step.op} ${dirfd(step.olddirfd)} ${s(step.oldpath)} ${dirfd(step.newdirfd)} ${s(step.newpath)} ${num(step.flags)}`);
      return;
    case 'symlinkat': out.push(`symlinkat ${s(step.target)} ${dirfd(step.newdirfd)} ${s(step.linkpath)}`); return;
    case 'close':
    case 'dup':
    case 'fchdir': out.push(`${step.op} ${num(step.fd)}`); return;
    case 'dup2': out.push(`dup2 ${num(step.fd)} ${num(step.newfd)}`); return;
    case 'dup3': out.push(`dup3 ${num(step.fd)} ${num(step.newfd)} ${num(step.flags)}`); return;
    case 'fcntl': out.push(`fcntl ${num(step.fd)} ${num(step.cmd)} ${num(step.arg)}`); return;
    case 'close_range': out.push(`close_range ${num(step.first)} ${num(step.last)} ${num(step.flags)}`); return;
    case 'chdir': out.push(`chdir ${s(step.path)}`); return;
    case 'pipe2': out.push(`pipe2 ${num(step.flags)}`); return;
    case 'fork':
      out.push('fork');
      for (const child of step.child) serializeStep(child, out);
      out.push('endfork');
      return;
  }
}

/** The driver input for a batch of programs. */
export function serializePrograms(programs: readonly Program[]): string {
  const out = ['fdwarden 1'];
  for (const p of programs) {
    out.push(`program ${num(p.nofile)}`, 'setup');
    for (const step of p.setup) serializeStep(step, out);
    out.push('main');
    for (const step of p.steps) serializeStep(step, out);
    out.push('end');
  }
  return `${out.join('\n')}\n`;
}

// ---------- parsing the driver's report ----------

const ERRNO_NAMES = (() => {
  const names = new Map<number, string>();
  // Aliases sharing a number: report the conventional Linux name.
  for (const preferred of ['EAGAIN', 'EDEADLK', 'EOPNOTSUPP']) {
    const n = (osConstants.errno as Record<string, number>)[preferred];
    if (n !== undefined) names.set(n, preferred);
  }
  for (const [name, n] of Object.entries(osConstants.errno)) if (!names.has(n)) names.set(n, name);
  return names;
})();

export function errnoName(n: number): string {
  return ERRNO_NAMES.get(n) ?? `E#${n}`;
}

function decode(token: string): string {
  return Buffer.from(token.replace(/%([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
}

/** Drops what differs between identical runs: inode numbers of pipes and O_TMPFILE files. */
export function normaliseLink(link: string): string {
  // Pids differ from run to run (and between the kernel and the model): /proc/1234 → /proc/PID.
  return link.replace(/^([a-z_]+):\[\d+\]$/, '$1:[]').replace(/\/#\d+( \(deleted\))?$/, '/#$1')
    .replace(/^\/proc\/\d+(?=\/|$| )/, '/proc/PID');
}

interface RawResult {
  observations: Observation[];
  error: string | null;
}

/** Parses the driver's stdout into per-program results, in input order. */
export function parseDriverOutput(text: string): RawResult[] {
  const results: RawResult[] = [];
  let current: RawResult | undefined;
  let last: Observation | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line === '') continue;
    const bad = (): never => {
      throw new Error(`driver output line ${i + 1} unexpected: ${JSON.stringify(line)}`);
    };
    const parts = line.split(' ');
    const tag = parts[0];
    if (tag === 'program') {
      current = { observations: [], error: null };
      results.push(current);
      last = undefined;
      continue;
    }
    if (current === undefined) bad();
    const cur = current as RawResult;
    if (tag === 'o' && parts.length === 6) {
      const [, step, ret, err, cwd] = parts as [string, string, string, string, string];
      last = {
        step: Number(step),
        ret: Number(ret),
        errno: err === '0' ? null : errnoName(Number(err)),
        fds: [],
        cwd: cwd.startsWith('!') ? { errno: errnoName(Number(cwd.slice(1))) } : normaliseLink(decode(cwd.slice(1))),
      };
      cur.observations.push(last);
    } else if (tag === 'f' && parts.length === 5 && last !== undefined) {
      const [, fd, fdflags, flags, link] = parts as [string, string, string, string, string];
      const entry: FdObservation = { fd: Number(fd), link: normaliseLink(decode(link.slice(1))), cloexec: (Number(fdflags) & K.FD_CLOEXEC) !== 0, flags: Number(flags) };
      last.fds.push(entry);
    } else if (tag === 'x') {
      cur.error = decode(parts.slice(1).join(' '));
    } else if (tag === 'done') {
      if (parts[1] === 'error') cur.error ??= 'driver reported an error without a reason';
      else if (parts[1] !== 'ok') bad();
      current = undefined;
    } else {
      bad();
    }
  }
  if (current !== undefined) throw new Error('driver output ended in the middle of a program');
  for (const r of results) r.observations.sort((a, b) => a.step - b.step);
  return results;
}

// ---------- running ----------

/** Runs many programs in one driver process; throws KernelRunError on the first failure. */
export function runOnKernelBatch(programs: readonly Program[]): Observation[][] {
  if (programs.length === 0) return [];
  const child = spawnSync(driverBinary(), ['-', tmpdir()], {
    input: serializePrograms(programs),
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    // Each program has its own 10 s alarm in the driver; this is a last resort.
    timeout: 30_000 + 12_000 * programs.length,
  });
  if (child.error !== undefined) throw new Error(`running the driver failed: ${child.error.message}`);
  if (child.status !== 0) throw new Error(`driver exited with ${child.status ?? child.signal}: ${child.stderr.trim()}`);
  const results = parseDriverOutput(child.stdout);
  if (results.length !== programs.length) {
    throw new Error(`driver reported ${results.length} programs, expected ${programs.length}`);
  }
  return results.map((r, i) => {
    if (r.error !== null) throw new KernelRunError(`program ${i}: ${r.error}`, i, r.observations);
    return r.observations;
  });
}

/** Runs one program in a fresh sandbox and returns one observation per step. */
export function runOnKernel(program: Program): Observation[] {
  const [obs] = runOnKernelBatch([program]);
  return obs ?? [];
}
