/**
 * `--var NAME=VALUE` arguments → the `vars` option. Giving a name several times makes a list
 * (`--var TMP=/tmp --var TMP=/var/tmp`), matching how `let` lists read.
 */
import { diag, fileSpan, type Diagnostic } from './diagnostics.js';
import { isVarName, overrideName } from './vars.js';

export interface VarArgs {
  vars: Record<string, string[]>;
  diagnostics: Diagnostic[];
}

export function varsFromArgs(args: readonly string[]): VarArgs {
  const vars: Record<string, string[]> = {};
  const diagnostics: Diagnostic[] = [];
  for (const arg of args) {
    const eq = arg.indexOf('=');
    const raw = eq < 0 ? arg : arg.slice(0, eq);
    const name = overrideName(raw);
    if (eq < 0 || !isVarName(name)) {
      diagnostics.push(diag('FW204', fileSpan('--var'), `invalid --var \`${arg}\``, 'write `--var NAME=VALUE`, NAME being letters, digits and `_`'));
      continue;
    }
    (vars[name] ??= []).push(arg.slice(eq + 1));
  }
  return { vars, diagnostics };
}
