/**
 * The editor's `fdwarden.vars` (from initializationOptions or the `fdwarden` settings): either
 * `["NAME=VALUE", ...]` as on the command line (a repeated NAME makes a list) or
 * `{ "NAME": "value" | ["v1", ...] }`. Entries of another shape are reported and left out.
 */
import { varsFromArgs } from '../dsl/index.js';

export interface VarsSetting {
  vars: Record<string, string[]>;
  problems: string[];
}

export function readVars(value: unknown): VarsSetting {
  const out: VarsSetting = { vars: {}, problems: [] };
  if (value === undefined || value === null) return out;
  if (Array.isArray(value)) {
    const args = value.filter((v): v is string => typeof v === 'string');
    if (args.length !== value.length) out.problems.push('fdwarden.vars: entries of a list are "NAME=VALUE" strings');
    const r = varsFromArgs(args);
    out.vars = r.vars;
    for (const d of r.diagnostics) out.problems.push(`fdwarden.vars: ${d.message}`);
    return out;
  }
  if (typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (typeof v === 'string') out.vars[k] = [v];
      else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) out.vars[k] = v as string[];
      else out.problems.push(`fdwarden.vars: the value of ${k} is a string or a list of strings`);
    }
    return out;
  }
  out.problems.push('fdwarden.vars is a list of "NAME=VALUE" strings or an object');
  return out;
}
