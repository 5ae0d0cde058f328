/**
 * `fdwarden run`: a real WALI binary on the Node WALI host, every syscall decided by a policy.
 * Denied calls fail inside the program with the deciding rule's errno and never reach the disk;
 * the exit code is the program's.
 */
import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { engineFor } from '../rules/engine.js';
import { explain, renderExplanation } from '../rules/explain.js';
import type { IrPolicy } from '../rules/ir.js';
import { bit, rightsIn } from '../rules/rights.js';
import { ENV_GUEST_DIR, HostSetupError, runWali, WaliTrap } from '../host/index.js';
import type { DecisionEvent } from '../enforce/decisions.js';
import { WA, WaliModuleError } from '../wali/wasm.js';
import { loadPolicy, parseVars, sourceLine, type LoadedPolicy } from './load-policy.js';
import { parseOptions, one, UsageError } from './options.js';

export const RUN_USAGE = `usage: fdwarden run --policy POLICY [--var NAME=VALUE]... [--dir HOST=GUEST]... [--cwd GUEST_DIR]
                    [--env NAME=VALUE]... [--audit | --quiet] PROGRAM.wasm [ARGS...]
  --dir HOST=GUEST   the guest sees host directory HOST at GUEST (repeatable; default: the current
                     directory at its own path). Nothing outside the mounts exists for the guest.
  --cwd GUEST_DIR    the guest's start directory (default: the first mount's guest path)
  --audit            log every decision to stderr (default: denials only; --quiet: nothing)
The exit code is the program's.`;

const SPEC = {
  policy: { value: true }, var: { value: true, repeat: true }, dir: { value: true, repeat: true }, cwd: { value: true },
  env: { value: true, repeat: true }, audit: {}, quiet: {}, help: {},
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

/** One decision as an audit line: effect, call, objects with the rights they needed, deciding rules. */
export function decisionLine(e: DecisionEvent, policy: IrPolicy): string {
  const head = e.allowed ? 'allow' : `deny ${e.errno ?? ''}`.trimEnd();
  if (!e.verdict) return `${head} ${e.syscall} (${e.reason})`;
  const objs = e.verdict.checks.map((c) => {
    const rules = [...new Set(c.decisions.map((d) => d.rule).filter((r): r is number => r !== undefined))]
      .map((id) => policy.rules.find((r) => r.id === id)?.span).filter((s) => s !== undefined).map((s) => `${s.file}:${s.line}`);
    const by = rules.length ? ` by ${rules.join(', ')}`
      : c.unknown ? ` (unknown: ${c.unknown})`
      : c.check.role === 'fd' ? ' by the rights the fd obtained at open'
      : c.decisions.length ? ' by default' : '';
    const target = c.check.object.path ?? (c.check.fd !== undefined ? `fd ${c.check.fd}` : '(unknown)');
    return `${target} [${rightsIn(c.check.rights, policy.abi).join(',')}]${by}`;
  });
  const esc = e.verdict.escalation ? ` (would gain rights at the new name: ${e.verdict.escalation.witness})` : '';
  return `${head} ${e.syscall} ${objs.join('; ')}${esc}`;
}

/**
 * The guest's libc reads its environment from the file the host hands it (`__get_init_envfile`),
 * a host mechanism the user's policy cannot know about: reading that one file is allowed above
 * every tier of the policy.
 */
function withEnvFile(policy: IrPolicy, hasEnv: boolean): IrPolicy {
  if (!hasEnv) return policy;
  const top = Math.max(0, ...policy.rules.map((r) => r.tier)) + 1;
  const id = Math.max(-1, ...policy.rules.map((r) => r.id)) + 1;
  const span = { file: '(fdwarden run: the guest environment file)', line: 1, col: 1, endLine: 1, endCol: 1 };
  const rule = { id, effect: 'allow' as const, tier: top, rights: bit('read') | bit('stat'), patterns: [`${ENV_GUEST_DIR}/env`], except: [], span };
  return { ...policy, rules: [...policy.rules, rule] };
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
  const loaded: LoadedPolicy = loadPolicy(policyFile, parseVars(p.options.get('var')));
  if (loaded.report) process.stderr.write(loaded.report.endsWith('\n') ? loaded.report : loaded.report + '\n');
  if (!loaded.compiled.ok) return 1;
  const env = Object.fromEntries(parsePairs(p.options.get('env'), '--env'));
  const policy = withEnvFile(loaded.compiled.policy, Object.keys(env).length > 0);
  const engine = engineFor(policy);

  const dirs = parsePairs(p.options.get('dir'), '--dir').map(([host, guest]) => {
    if (!guest.startsWith('/')) throw new UsageError(`--dir ${host}=${guest}: the guest path must be absolute`);
    return { host: resolvePath(host), guest };
  });
  if (dirs.length === 0) dirs.push({ host: process.cwd(), guest: process.cwd() });
  const cwd = one(p, 'cwd');
  if (cwd !== undefined && !cwd.startsWith('/')) throw new UsageError(`--cwd ${cwd}: give the guest directory as an absolute path`);
  const audit = p.flags.has('audit');
  const quiet = p.flags.has('quiet');

  const onDecision = (e: DecisionEvent): void => {
    if (quiet || (e.allowed && !audit)) return;
    let line = `fdwarden: ${decisionLine(e, policy)}\n`;
    if (!e.allowed && !audit) {
      const ex = e.verdict ? explain(policy, e.verdict) : undefined;
      if (ex?.fix) line += `  would be allowed by: ${ex.fix}\n`;
    } else if (!e.allowed && e.verdict) {
      line += renderExplanation(explain(policy, e.verdict), (s) => sourceLine(loaded.compiled, s)).replace(/^/gm, '    ') + '\n';
    }
    process.stderr.write(line);
  };

  let bytes: Uint8Array;
  try {
    bytes = readFileSync(program);
  } catch (e) {
    throw new UsageError(`cannot read ${program}: ${(e as Error).message}`);
  }
  const running = runWali(bytes, {
    args: [program, ...args],
    env,
    dirs,
    ...(cwd !== undefined ? { cwd } : {}),
    // The host decides every call with the policy itself: what it runs is what was judged.
    policy: engine,
    ...(quiet ? {} : { onDecision, decisions: audit ? 'all' as const : 'denials' as const }),
  });
  try {
    return await running;
  } catch (e) {
    if (isTrap(e)) {
      process.stderr.write(`fdwarden run: ${program} trapped: ${trapLine(e)}\n`);
      return TRAP_STATUS;
    }
    if (e instanceof HostSetupError) {
      process.stderr.write(`fdwarden run: ${e.message}\n`);
      return 1;
    }
    if (notRunnable(e)) {
      process.stderr.write(`fdwarden run: ${program} is not a WALI program this host can run: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

/** The exit status of a program that trapped (abort, unreachable, a bad memory access, longjmp): as if killed by SIGABRT. */
export const TRAP_STATUS = 134;

/** A WebAssembly trap (RuntimeError) or the host's own (WaliTrap): the program's failure, not ours. */
function isTrap(e: unknown): e is Error {
  return e instanceof WaliTrap || e instanceof WA.RuntimeError;
}

/** Bytes that are not wasm, imports that cannot be linked, a module without memory or _start. */
function notRunnable(e: unknown): e is Error {
  return e instanceof WaliModuleError || e instanceof WA.CompileError || e instanceof WA.LinkError;
}

/** The trap's message and the wasm function it happened in. */
function trapLine(e: Error): string {
  const frame = (e.stack ?? '').split('\n').find((l) => l.includes('wasm-function'));
  return frame ? `${e.message} (${frame.trim().replace(/^at /, 'in ')})` : e.message;
}
