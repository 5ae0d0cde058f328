/**
 * `fdwarden learn TRACE...`: writes the minimal policy that allows what the recorded programs
 * did (src/learn), lists every generalisation on stderr, and can audit the traces again under it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { renderDiagnostics } from '../dsl/index.js';
import { fileLoader } from '../dsl/load-fs.js';
import { engineFor } from '../rules/engine.js';
import { describeGeneralisation, learn, verifyLearned, type TraceInput } from '../learn/index.js';
import { checkVarsUsed, loadPolicy, parseVars } from './load-policy.js';
import { InputError, one, parseOptions, UsageError } from './options.js';
import { absoluteArg, parseInherit, readTrace, startDir, viewFor } from './inputs.js';

export const LEARN_USAGE = `usage: fdwarden learn TRACE... [--cwd DIR] [--index INDEX.tsv] [--inherit FD=PATH]... [--fs live|empty|FILE.json]
                      [--base POLICY] [--var NAME=VALUE]... [--threshold N] [--verify] [-o OUT]
  Writes a policy that allows what the recorded programs did, and little more: every
  generalisation is listed in the policy's first comments and on stderr.
  --cwd DIR          start directory of every trace (as for audit)
  --index FILE       per-trace start directories, lines "NAME<TAB>cwd=DIR" (NAME: the trace's
                     file name without .strace); it wins over --cwd for the traces it names
  --inherit FD=PATH  an fd the traces inherited (repeatable; default 0-2 on /dev/null)
  --base POLICY      include POLICY (it may not set default/unknown) and leave out what it allows
  --var NAME=VALUE   a variable of the base policy (repeatable)
  --threshold N      distinct written paths below a directory that make it "under DIR" (default 3)
  --verify           audit the traces again under the learned policy; exit 3 on any denial
  -o OUT             write the policy to OUT, and system reads to OUT-system.policy beside it
                     (OUT without .policy; default: the policy on stdout, system reads inline)`;

/** The file beside OUT that holds its system reads: one per output, so that learning another never changes it. */
export function systemFileFor(out: string): string {
  return `${basename(out).replace(/\.policy$/, '')}-system.policy`;
}
const err = (s: string): void => { process.stderr.write(s.endsWith('\n') ? s : s + '\n'); };

/** `NAME<TAB>cwd=DIR...` lines, as test/fixtures/traces/INDEX.tsv and the shared traces' INDEX.tsv. */
export function readIndex(file: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [name, ...fields] = line.split('\t');
    const cwd = fields.find((f) => f.startsWith('cwd='))?.slice(4);
    if (name && cwd) out.set(name.replace(/\.strace$/, ''), absoluteArg(cwd));
  }
  if (out.size === 0) throw new InputError(`--index ${file}: no line NAME<TAB>cwd=DIR`);
  return out;
}

/** `-o OUT` is the one short option; the rest is parsed as every command's options. */
function splitOut(argv: readonly string[]): { out: string | undefined; rest: string[] } {
  const rest: string[] = [];
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '-o' || argv[i] === '--out') {
      if (out !== undefined) throw new UsageError('-o given twice');
      out = argv[++i];
      if (out === undefined) throw new UsageError('-o needs a file name');
    } else rest.push(argv[i]!);
  }
  return { out, rest };
}

/**
 * The `learn` command; exit 0, 1 on errors, 3 when `--verify` found denials.
 *
 * @example
 * await learnCommand(['rm-rf.strace', '--index', 'INDEX.tsv', '-o', 'out/rm-rf.policy', '--verify']);
 */
export async function learnCommand(argv: readonly string[]): Promise<number> {
  const { out, rest } = splitOut(argv);
  const p = parseOptions(rest, {
    cwd: { value: true }, index: { value: true }, inherit: { value: true, repeat: true }, fs: { value: true },
    base: { value: true }, var: { value: true, repeat: true }, threshold: { value: true }, verify: {}, help: {},
  });
  if (p.flags.has('help')) {
    process.stdout.write(LEARN_USAGE + '\n');
    return 0;
  }
  if (p.positional.length === 0) throw new UsageError(`needs at least one TRACE\n${LEARN_USAGE}`);
  const threshold = Number(one(p, 'threshold') ?? 3);
  if (!Number.isInteger(threshold) || threshold < 1) throw new UsageError('--threshold wants a whole number >= 1');
  if (out !== undefined && /-system\.policy$/.test(out)) throw new UsageError(`-o ${out}: names ending in -system.policy are kept for the system reads of another output`);
  if (p.options.has('var') && !p.options.has('base')) throw new UsageError('--var sets variables of the --base policy; there is no --base');

  const index = one(p, 'index');
  const cwds = index ? readIndex(index) : new Map<string, string>();
  const inheritSpecs = p.options.get('inherit');
  const inherit = inheritSpecs ? parseInherit(inheritSpecs) : [0, 1, 2].map((fd) => ({ fd, path: '/dev/null' }));
  const view = viewFor(one(p, 'fs'));
  const traces: TraceInput[] = p.positional.map((file) => {
    const cwd = cwds.get(basename(file).replace(/\.strace$/, '')) ?? startDir(one(p, 'cwd'));
    if (cwd === undefined) err(`fdwarden learn: ${file}: no start directory (--cwd or --index): calls relative to it stay unknown`);
    return { name: file, lines: readTrace(file), replay: { view, cwd, inherit } };
  });

  const file = resolve(out ?? 'learned.policy');
  const vars = parseVars(p.options.get('var'));
  let base: { engine: ReturnType<typeof engineFor>; include: string } | undefined;
  const baseFile = one(p, 'base');
  if (baseFile !== undefined) {
    const loaded = loadPolicy(baseFile, vars);
    if (loaded.report) err(loaded.report);
    if (!loaded.compiled.ok) return 1;
    checkVarsUsed(vars, loaded.compiled);
    if (loaded.compiled.ast.default || loaded.compiled.ast.unknown) {
      throw new UsageError(`--base ${baseFile} sets default or unknown, so it cannot be included; move those lines out (as examples/policies/workdir-system.policy does)`);
    }
    // Relative when the base sits near the output file, so that the pair can be moved together;
    // absolute on stdout, which may be saved anywhere.
    const rel = relative(dirname(file), resolve(baseFile));
    base = { engine: engineFor(loaded.compiled.policy), include: out === undefined || rel.startsWith('../..') ? resolve(baseFile) : rel };
  }

  const r = learn(traces, {
    file, threshold, load: fileLoader(), vars,
    ...(out !== undefined ? { systemInclude: systemFileFor(out) } : {}),
    ...(base ? { base } : {}),
  });
  for (const u of r.collected.unlearnable) err(`fdwarden learn: ${u.trace}:${u.lineNo}: ${u.syscall}: no grant can allow it (${u.reason})`);
  for (const g of r.proposal.generalisations) err(`fdwarden learn: generalised: ${describeGeneralisation(g)}`);
  if (r.compiled.diagnostics.length) err(renderDiagnostics(r.compiled.diagnostics, r.compiled.sources));
  if (!r.compiled.ok) return 1;
  const system = r.proposal.rules.filter((x) => x.system).length;
  err(`fdwarden learn: ${traces.length} trace${traces.length === 1 ? '' : 's'}, ${r.collected.calls} calls, ${r.collected.uses.size} paths: ` +
    `${r.proposal.rules.length} rules${r.system !== undefined ? ` (${system} in ${out === undefined ? '' : systemFileFor(out)})` : ''}, ${r.proposal.generalisations.length} generalisations`);

  if (out === undefined) process.stdout.write(r.main);
  else {
    writeFileSync(out, r.main);
    if (r.system !== undefined) {
      const sys = join(dirname(out), systemFileFor(out));
      writeFileSync(sys, r.system);
      err(`fdwarden learn: wrote ${out}, and its system reads to ${sys} (included by it)`);
    } else err(`fdwarden learn: wrote ${out}`);
  }
  if (!p.flags.has('verify')) return 0;
  let denied = 0;
  for (const v of verifyLearned(traces, r.compiled)) {
    denied += v.denials.length;
    err(`fdwarden learn: verify ${v.trace}: ${v.syscalls} syscalls decided, ${v.denials.length} denied`);
    for (const d of v.denials) err(`  line ${d.lineNo}: ${d.syscall} denied ${d.verdict.errno ?? ''}`);
  }
  return denied > 0 ? 3 : 0;
}
