/**
 * Variables in `expect` calls: inside a call's quoted strings, `$NAME` or `${NAME}` is the
 * variable's value, so a test follows `--var` like the rules do. A `$` that does not start a
 * name is itself (strace strings may hold one); `\x24` writes a `$` before a name. A variable
 * used there must have exactly one value: a call names one path.
 */
import { readRef, type TextProblem, type VarEnv } from './vars.js';

/** The call with its strings' variables replaced, or the problems (positions in `call`). */
export function expandCallVars(call: string, env: VarEnv): { call: string } | { problems: TextProblem[] } {
  const problems: TextProblem[] = [];
  let out = '';
  let inString = false;
  for (let i = 0; i < call.length; ) {
    const c = call.charCodeAt(i);
    if (inString && c === 0x5c /* \ */) {
      out += call.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (c === 0x22 /* " */) inString = !inString;
    const read = inString && c === 0x24 ? readRef(call, i) : undefined;
    // A `$` that starts no name is itself here (strace strings may hold one).
    const ref = typeof read === 'object' ? read : undefined;
    if (!ref) {
      out += call.charAt(i);
      i++;
      continue;
    }
    const inner: TextProblem[] = [];
    const values = env.expand(call.slice(i, ref.end), inner);
    for (const p of inner) problems.push({ ...p, at: i + p.at, len: p.len });
    if (values !== null && values.length !== 1) {
      problems.push({
        code: 'FW506', message: `\`$${ref.name}\` has ${values.length} values; a call in a test names one path`,
        help: `define a variable with one value for the test, or write the path out`, at: i, len: ref.end - i,
      });
    } else if (values !== null) out += escapeForString(values[0]!);
    i = ref.end;
  }
  return problems.length > 0 ? { problems } : { call: out };
}

/** A value as strace string text: quotes and backslashes escaped. */
function escapeForString(v: string): string {
  return v.replace(/[\\"]/g, (m) => `\\${m}`);
}
