/** The fdwarden command line: a thin layer over the library; each command is a function. */
import { readFileSync } from 'node:fs';
import { EXIT_INPUT, EXIT_USAGE, inputProblem, UsageError } from './options.js';

const USAGE = `usage: fdwarden COMMAND [ARGS]
commands:
  annotate LOG [--cwd DIR] [--inherit FD=PATH]... [--fs live|empty|FILE.json]
      print an strace log with every fd annotated by the model (strace -yy style)
  check POLICY [--var NAME=VALUE]... [--json]
      report a policy's errors and warnings (exit 1 on errors; --json: ESLint's JSON format)
  test POLICY [--var NAME=VALUE]... [--cwd DIR] [--seed N] [--json]
      run the policy's inline test blocks and check its property blocks (exit 1 on a failure)
  audit --policy POLICY TRACE [--cwd DIR] [--inherit FD=PATH]... [--var NAME=VALUE]... [--json]
      replay a recorded program through the model and the policy; exit 3 when something was denied, 4 when an input cannot be used
  explain --policy POLICY (--trace TRACE --line N | 'syscall(args...)') [--cwd DIR] [--json]
      why a call is allowed or denied: resolution, rights, matching rules, the deciding one
  diff OLD NEW [--var NAME=VALUE]... [--json] [--max-pairs N]
      what changes between two policies: each right some path gains or loses, with a shortest witness path; exit 2 when they differ
  learn TRACE... [--cwd DIR | --index INDEX.tsv] [--inherit FD=PATH]... [--base POLICY] [--var NAME=VALUE]... [--threshold N] [--verify] [-o OUT]
      write the minimal policy that allows what recorded programs did; every generalisation is listed
  run --policy POLICY [--dir HOST=GUEST]... [--audit] [--timeout SECONDS] [--memory-limit SIZE] PROGRAM.wasm [ARGS...]
      run a WALI binary on Node under the policy; denied calls fail in the program; exit code is the program's (134 if it traps, 124 on timeout, 137 out of memory)
  lsp [--stdio]
      a language server for policy files on stdin/stdout: diagnostics as check gives them, hover, completion, definition, formatting
run 'fdwarden COMMAND --help' for a command's options; fdwarden --version prints the version.
exit status: 64 for a wrong command line (run: 1), 4 for an input that cannot be used (run: 1).`;

type Command = (argv: readonly string[]) => Promise<number>;

/**
 * Each command's module is loaded when it runs: `fdwarden run` (whose start-up is the program's)
 * loads no policy tooling, strace reader or learner it does not use.
 */
const COMMANDS: Record<string, (argv: readonly string[]) => Promise<Command>> = {
  annotate: async () => (await import('./annotate.js')).annotateCommand,
  check: async () => (await import('./policy-check.js')).checkCommand,
  test: async () => (await import('./policy-check.js')).testCommand,
  audit: async () => (await import('./policy-commands.js')).auditCommand,
  explain: async () => (await import('./policy-commands.js')).explainCommand,
  diff: async () => (await import('./diff.js')).diffCommand,
  learn: async () => (await import('./learn.js')).learnCommand,
  lsp: async () => (await import('../lsp/command.js')).lspCommand,
  run: async (argv) => {
    // The guest's thread starts first: its modules load while run.js and the policy compiler do.
    (await import('./run-supervisor.js')).prestartFor(argv);
    const { bundled } = await import('./bundles.js');
    return ((await import(bundled('run').href)) as typeof import('./run.js')).runCommand;
  },
};

/** Commands that print their own, longer --help. */
const SELF_HELP = new Set(['annotate', 'diff', 'learn', 'run']);

export async function main(argv: readonly string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (cmd === '--version' || cmd === '-V') {
    process.stdout.write(`fdwarden ${version()}\n`);
    return 0;
  }
  if (cmd === undefined) {
    process.stderr.write(USAGE + '\n');
    return EXIT_USAGE;
  }
  const load = COMMANDS[cmd];
  if (!load) {
    process.stderr.write(`fdwarden: unknown command '${cmd}'\n${USAGE}\n`);
    return EXIT_USAGE;
  }
  if ((rest[0] === '--help' || rest[0] === '-h') && !SELF_HELP.has(cmd)) {
    // The command's lines from the overall usage.
    const lines = USAGE.split('\n');
    const at = lines.findIndex((l) => l.startsWith(`  ${cmd} `));
    process.stdout.write(`usage: fdwarden ${lines[at]!.trim()}\n${lines[at + 1] ?? ''}\n`);
    return 0;
  }
  try {
    return await (await load(rest))(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`fdwarden ${cmd}: ${e.message}\n`);
      // run keeps its own table of statuses, where 1 is "could not run it".
      return cmd === 'run' ? 1 : EXIT_USAGE;
    }
    const input = inputProblem(e);
    if (input !== undefined) {
      process.stderr.write(`fdwarden ${cmd}: ${input}\n`);
      // run keeps its own table of statuses, where 1 is "could not run it".
      return cmd === 'run' ? 1 : EXIT_INPUT;
    }
    throw e;
  }
}

/** The package's version, from its package.json. */
function version(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}
