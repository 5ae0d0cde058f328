/**
 * Every `--var NAME` must name a variable some loaded policy file writes (`let $NAME`, `$NAME`,
 * `${NAME}`): a misspelt name would otherwise be ignored and the policy's own default used.
 */
import type { CompiledPolicy } from './index.js';
import { didYouMean } from './suggest.js';
import { overrideName } from './vars.js';

/** The first `--var` name no loaded file writes, as a message with a did-you-mean; undefined when all are used. */
export function unusedVar(vars: Record<string, readonly string[]>, ...compiled: CompiledPolicy[]): string | undefined {
  const names = new Set<string>();
  for (const c of compiled) {
    for (const text of c.sources.values()) for (const m of text.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) names.add(m[1]!);
  }
  for (const raw of Object.keys(vars)) {
    const name = overrideName(raw);
    if (names.has(name)) continue;
    const near = didYouMean(name, names);
    const files = compiled.map((c) => [...c.sources.keys()][0]).join(' or ');
    return `--var ${name}: no variable $${name} in ${files}${near ? ` (${near.replace('`', '`--var ')})` : ''}`;
  }
  return undefined;
}
