/**
 * The `property` blocks of `fdwarden test`: each promise goes through the testing kit (proof on
 * the automaton, then sampled syscall programs). The kit is loaded only when a policy has
 * properties: it brings fast-check and the prover, which plain tests do not need.
 */
import type { CompiledPolicy, PolicyProperty } from '../dsl/index.js';
import { UsageError } from './options.js';

export interface PropertyTally {
  held: number;
  broken: number;
}

type Kit = typeof import('../testing/check.js');

async function loadKit(): Promise<Kit> {
  try {
    return await import('../testing/check.js');
  } catch (e) {
    const missing = e instanceof Error && /fast-check/.test(e.message);
    if (missing) throw new UsageError('property blocks are checked with fast-check; install it (npm install fast-check)');
    throw e;
  }
}

/** `--seed N`: a non-negative integer fast-check accepts. */
export function parseSeed(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(n) || n < 0 || n > 0xffffffff) {
    throw new UsageError(`--seed wants a whole number from 0 to 4294967295, not '${text}'`);
  }
  return n;
}

const indent = (text: string, by: string): string => text.replace(/^/gm, by);

/** The report lines of one property: PASS, or FAIL with each broken promise's findings. */
function checkOne(kit: Kit, compiled: CompiledPolicy, prop: PolicyProperty, vars: Record<string, string[]>, seed: number): { ok: boolean; lines: string[] } {
  const failures: string[] = [];
  for (const p of prop.promises) {
    const at = `${p.span.file}:${p.span.line}:${p.span.col}`;
    let message: string | undefined;
    try {
      const r = kit.checkPropertyBlock(compiled, { kind: p.kind, right: p.rightNames, pattern: p.pattern }, { vars, seed });
      if (!r.ok) message = r.message;
    } catch (e) {
      message = `cannot check: ${e instanceof Error ? e.message : String(e)}`;
    }
    if (message !== undefined) failures.push(indent(`${at}: ${message}`, '    '));
  }
  const head = `${failures.length ? 'FAIL' : 'PASS'} property ${JSON.stringify(prop.name)}`;
  return { ok: failures.length === 0, lines: [head, ...failures] };
}

/** Checks every property of the policy, printing as it goes. */
export async function runProperties(
  compiled: CompiledPolicy, vars: Record<string, string[]>, seed: number | undefined, out: (s: string) => void,
): Promise<PropertyTally> {
  const tally: PropertyTally = { held: 0, broken: 0 };
  if (compiled.properties.length === 0) return tally;
  const kit = await loadKit();
  for (const prop of compiled.properties) {
    const r = checkOne(kit, compiled, prop, vars, seed ?? kit.DEFAULT_SEED);
    for (const l of r.lines) out(l);
    if (r.ok) tally.held++;
    else tally.broken++;
  }
  return tally;
}

/** The summary's property part, e.g. `; 2 properties held, 1 broken` (empty without properties). */
export function propertySummary(t: PropertyTally): string {
  const n = t.held + t.broken;
  if (n === 0) return '';
  return `; ${t.held} ${t.held === 1 ? 'property' : 'properties'} held, ${t.broken} broken`;
}
