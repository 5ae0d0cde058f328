/**
 * `fdwarden run`: a real WALI binary on the Node WALI host, every syscall decided by a policy.
 * Denied calls fail inside the program with the deciding rule's errno and never reach the disk;
 * the exit code is the program's.
 */
import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { checkVarsUsed, loadPolicy, parseVars, type LoadedPolicy } from './load-policy.js';
import { parseOptions, one, UsageError } from './options.js';
import { runWithDeadline } from './run-deadline.js';
import { EXIT, report } from './run-endings.js';
import { parseLimits } from './run-limits.js';
import { superviseGuest } from './run-supervisor.js';

export const RUN_USAGE = `usage: fdwarden run --policy POLICY [--var NAME=VALUE]... [--dir HOST=GUEST]... [--cwd GUEST_DIR]
                    [--env NAME=VALUE]... [--audit | --quiet] [--timeout SECONDS] [--memory-limit SIZE]
                    PROGRAM.wasm [ARGS...]
  --dir HOST=GUEST   the guest sees host directory HOST at GUEST (repeatable; default: the current
                     directory at its own path). Nothing outside the mounts exists for the guest.
  --cwd GUEST_DIR    the guest's start directory (default: the first mount's guest path)
  --audit            log every decision to stderr (default: denials only; --quiet: nothing)
  --timeout SECONDS  stop the program after SECONDS of wall-clock time (fractions allowed), whatever it is doing
  --memory-limit SIZE  at most SIZE of linear memory (512K, 256M, 1G ...): memory.grow past it returns -1
                     and mmap fails with ENOMEM; the host's JS heap for the guest gets SIZE too (64M at least)
A module that imports fork, vfork, setjmp/longjmp or execve is first rewritten by binaryen's Asyncify (cached
under $FDWARDEN_CACHE_DIR, else ~/.cache/fdwarden): each forked child then runs to its end before its
parent resumes (at most 64 processes; then fork fails with EAGAIN), execve runs another WALI module,
and longjmp returns to its setjmp.
Exit status: the program's, or one of these with the reason on stderr (one line, whatever the guest did):
  1      fdwarden could not run it: usage, policy, mounts, not a runnable module, an internal error
  124    --timeout ran out
  134    it trapped: abort, unreachable, a bad memory access, stack overflow, a type mismatch at an import
  137    the host's memory for the guest ran out
  128+N  the guest was killed by signal N: one its own processes sent, or with --timeout one from outside`;

const SPEC = {
  policy: { value: true }, var: { value: true, repeat: true }, dir: { value: true, repeat: true }, cwd: { value: true },
  env: { value: true, repeat: true }, audit: {}, quiet: {}, help: {},
  timeout: { value: true }, 'memory-limit': { value: true },
} as const;

/** Splits fdwarden's own options from PROGRAM and its arguments (which may look like options). */
function splitArgv(argv: readonly string[]): { own: string[]; program: string | undefined; args: string[] } {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return { own: argv.slice(0, i), program: argv[i + 1], args: argv.slice(i + 2) };
    if (!a.startsWith('--')) return { own: argv.slice(0, i), program: a, args: argv.slice(i + 1) };
    const name = a.slice(2).split('=')[0]!;
    const spec = (SPEC as Record<string, { value?: boolean }>)[name];
    if (spec?.value && !a.includes('=')) i++;
  }
  return { own: [...argv], program: undefined, args: [] };
}

function parsePairs(list: readonly string[] | undefined, what: string): [string, string][] {
  return (list ?? []).map((s) => {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new UsageError(`${what} needs NAME=VALUE, got '${s}'`);
    return [s.slice(0, eq), s.slice(eq + 1)];
  });
}

export async function runCommand(argv: readonly string[]): Promise<number> {
  const { own, program, args } = splitArgv(argv);
  const p = parseOptions(own, SPEC);
  if (p.flags.has('help')) {
    process.stdout.write(RUN_USAGE + '\n');
    return 0;
  }
  if (!program) throw new UsageError(`needs a PROGRAM.wasm\n${RUN_USAGE}`);
  const policyFile = one(p, 'policy');
  if (!policyFile) throw new UsageError('needs a policy file (--policy POLICY)');
  const env = Object.fromEntries(parsePairs(p.options.get('env'), '--env'));
  const dirs = parsePairs(p.options.get('dir'), '--dir').map(([host, guest]) => {
    if (!guest.startsWith('/')) throw new UsageError(`--dir ${host}=${guest}: the guest path must be absolute`);
    return { host: resolvePath(host), guest };
  });
  if (dirs.length === 0) dirs.push({ host: process.cwd(), guest: process.cwd() });
  const cwd = one(p, 'cwd');
  if (cwd !== undefined && !cwd.startsWith('/')) throw new UsageError(`--cwd ${cwd}: give the guest directory as an absolute path`);
  const audit = p.flags.has('audit');
  const quiet = p.flags.has('quiet');
  const limits = parseLimits(one(p, 'timeout'), one(p, 'memory-limit'));
  const stderr = (text: string): void => void process.stderr.write(text);
  if (limits.timeoutSeconds !== undefined) {
    // The same command without --timeout, in a process that can be killed whatever the guest does.
    return report(await runWithDeadline([...withoutOption(own, 'timeout'), '--', program, ...args], limits.timeoutSeconds, program), stderr);
  }

  const vars = parseVars(p.options.get('var'));
  const loaded: LoadedPolicy = loadPolicy(policyFile, vars);
  if (loaded.report) stderr(loaded.report.endsWith('\n') ? loaded.report : loaded.report + '\n');
  if (!loaded.compiled.ok) return EXIT.error;
  checkVarsUsed(vars, loaded.compiled);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(program);
  } catch (e) {
    throw new UsageError(`cannot read ${program}: ${(e as Error).message}`);
  }
  const ending = await superviseGuest({
    program, bytes, args, env, dirs, ...(cwd !== undefined ? { cwd } : {}),
    policy: loaded.compiled.policy,
    sources: loaded.compiled.sources,
    log: quiet ? 'none' : audit ? 'all' : 'denials',
    ...(limits.maxMemoryPages !== undefined ? { maxMemoryPages: limits.maxMemoryPages } : {}),
  }, limits.heapMib);
  return report(ending, stderr);
}

/** fdwarden's own options without `--NAME VALUE` or `--NAME=VALUE` (another option's value stays, whatever it reads). */
function withoutOption(own: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < own.length; i++) {
    const a = own[i]!;
    const takesValue = (SPEC as Record<string, { value?: boolean }>)[a.slice(2)]?.value === true;
    const group = takesValue && a.startsWith('--') ? own.slice(i, i + 2) : [a];
    i += group.length - 1;
    if (a !== `--${name}` && !a.startsWith(`--${name}=`)) out.push(...group);
  }
  return out;
}

/** The exit status of a program that trapped (abort, unreachable, a bad memory access, stack overflow ...): as if killed by SIGABRT. */
export const TRAP_STATUS = EXIT.trap;
