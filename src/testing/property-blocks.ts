/**
 * A policy's `property` blocks checked, as `fdwarden test` reports them: each promise proved on
 * the automaton, then sampled syscall programs; a block passes when all its promises hold, and a
 * broken one is reported with its witness and shrunk program in strace form. Node-free (the CLI
 * and the playground share it): included files are read through `load`.
 */
import type { CompiledPolicy, Loader, PolicyProperty } from '../dsl/index.js';
import { checkLoaded } from './check-loaded.js';
import { loadCompiled } from './policy-loaded.js';
import type { PropertyTally } from './property-tally.js';

export { DEFAULT_SEED } from './check-loaded.js';

export { propertySummary, type PropertyTally } from './property-tally.js';

const indent = (text: string, by: string): string => text.replace(/^/gm, by);

/** The report lines of one property: PASS, or FAIL with each broken promise's findings. */
function checkOne(compiled: CompiledPolicy, prop: PolicyProperty, vars: Record<string, string[]>, seed: number, load: Loader | undefined): { ok: boolean; lines: string[] } {
  const loaded = loadCompiled(compiled, { vars, ...(load !== undefined ? { load } : {}) });
  const failures: string[] = [];
  for (const p of prop.promises) {
    const at = `${p.span.file}:${p.span.line}:${p.span.col}`;
    let message: string | undefined;
    try {
      const r = checkLoaded(loaded, p.kind, { right: p.rightNames, path: p.pattern }, { vars, seed });
      if (!r.ok) message = r.message;
    } catch (e) {
      message = `cannot check: ${e instanceof Error ? e.message : String(e)}`;
    }
    if (message !== undefined) failures.push(indent(`${at}: ${message}`, '    '));
  }
  const head = `${failures.length ? 'FAIL' : 'PASS'} property ${JSON.stringify(prop.name)}`;
  return { ok: failures.length === 0, lines: [head, ...failures] };
}

/** Checks every property of the policy, printing each one's lines as it is checked. */
export function checkPropertyBlocks(
  compiled: CompiledPolicy, vars: Record<string, string[]>, seed: number, out: (s: string) => void, load?: Loader,
): PropertyTally {
  const tally: PropertyTally = { held: 0, broken: 0 };
  for (const prop of compiled.properties) {
    const r = checkOne(compiled, prop, vars, seed, load);
    for (const l of r.lines) out(l);
    if (r.ok) tally.held++;
    else tally.broken++;
  }
  return tally;
}
