/**
 * `fdwarden diff OLD NEW [--var NAME=VALUE]... [--json] [--max-pairs N] [--max-work N]`: what
 * changes between two policies, per right, with a shortest witness path each and a ready
 * `fdwarden explain` line. Exit 0 when they decide alike, 2 when they differ (like diff(1)), 1 on
 * errors, a comparison stopped at its bounds included (one line on stderr says which).
 */
import { diffPolicies, type ErrnoChange, type PolicyDiff, type RightChange } from '../rules/diff.js';
import { probeCall } from '../rules/diff-probe.js';
import { differs, jsonOf, renderDiff, shellLine } from '../rules/diff-report.js';
import { checkVarsUsed, loadPolicy, parseVars } from './load-policy.js';
import { one, parseOptions, UsageError } from './options.js';

export const DIFF_USAGE = `usage: fdwarden diff OLD NEW [--var NAME=VALUE]... [--json] [--max-pairs N] [--max-work N]
  Compares two policies for every path, every right, every file type and open-flag combination
  their conditions name, and prints each right some path gains (+) or loses (-) with a shortest
  such path, how each policy decides it, and an \`fdwarden explain\` command that shows it.
  Denials whose errno changes are listed with ~, changed default/unknown settings at the end.
  --var NAME=VALUE   a policy variable, for both policies (repeatable)
  --json             one JSON object instead of text
  --max-pairs N      bound on explored automaton state pairs (default 200000); past it, exit 1
  --max-work N       bound on the comparison's work in steps (default 2000000 plus 1000 per
                     automaton node of the two policies); past it, exit 1
Exit status: 0 when the policies decide alike, 2 when they differ, 1 on errors, including a
comparison stopped at one of its bounds (patterns that count segments below a \`**\`, such as
\`/**/x/*/*/*\`, can make the automata too large to compare).`;

const out = (s: string): void => { process.stdout.write(s.endsWith('\n') ? s : s + '\n'); };
const err = (s: string): void => { if (s) process.stderr.write(s.endsWith('\n') ? s : s + '\n'); };

/**
 * Runs `fdwarden diff`; returns the exit status.
 *
 * @example
 * await diffCommand(['v1.policy', 'v2.policy', '--var', 'WORK=/srv/job']); // 2 when they differ
 */
export async function diffCommand(argv: readonly string[]): Promise<number> {
  const p = parseOptions(argv, { var: { value: true, repeat: true }, json: {}, 'max-pairs': { value: true }, 'max-work': { value: true }, help: {} });
  if (p.flags.has('help')) {
    out(DIFF_USAGE);
    return 0;
  }
  if (p.positional.length !== 2) throw new UsageError(`diff takes two policies, OLD and NEW\n${DIFF_USAGE}`);
  const [oldFile, newFile] = p.positional as [string, string];
  const maxPairs = positive(p, 'max-pairs');
  const maxWork = positive(p, 'max-work');
  const varSpecs = p.options.get('var') ?? [];
  const vars = parseVars(varSpecs);
  const o = loadPolicy(oldFile, vars);
  const n = loadPolicy(newFile, vars);
  err(o.report);
  err(n.report);
  if (!o.compiled.ok || !n.compiled.ok) return 1;
  checkVarsUsed(vars, o.compiled, n.compiled);

  let d: PolicyDiff;
  try {
    d = diffPolicies(o.compiled.policy, n.compiled.policy, { ...(maxPairs !== undefined ? { maxPairs } : {}), ...(maxWork !== undefined ? { maxWork } : {}) });
  } catch (e) {
    if (e instanceof RangeError) {
      err(`fdwarden diff: undecided: ${e.message}; the policies are too large to compare within the bound (see --max-pairs, --max-work)`);
      return 1;
    }
    throw e;
  }
  const explainLine = (c: RightChange | ErrnoChange): string | undefined => {
    const call = probeCall(c.right, c.path, c.context.flags);
    return call === undefined ? undefined : shellLine(['fdwarden', 'explain', '--policy', newFile, ...varSpecs.flatMap((v) => ['--var', v]), call]);
  };
  out(p.flags.has('json') ? JSON.stringify(jsonOf(d, oldFile, newFile, explainLine)) : renderDiff(d, oldFile, newFile, explainLine).join('\n'));
  return differs(d) ? 2 : 0;
}

/** A `--name N` option as a positive integer, or undefined when absent. */
function positive(p: ReturnType<typeof parseOptions>, name: string): number | undefined {
  const text = one(p, name);
  const n = text === undefined ? undefined : Number(text);
  if (n !== undefined && !(Number.isInteger(n) && n > 0)) throw new UsageError(`--${name} wants a positive integer, got '${text}'`);
  return n;
}
