/**
 * The policy's `property` blocks, checked as `fdwarden test` checks them (same seed, same report
 * lines: a broken promise comes with its witness and a shrunk program as strace lines).
 */
import type { CompiledPolicy } from 'fdwarden';
import { checkPropertyBlocks, DEFAULT_SEED, propertySummary } from 'fdwarden/browser';

export async function runProperties(c: CompiledPolicy, vars: Record<string, string[]>, out: (line: string) => void, load?: (f: string) => string | undefined): Promise<{ held: number; broken: number; summary: string }> {
  const t = checkPropertyBlocks(c, vars, DEFAULT_SEED, out, load);
  return { ...t, summary: propertySummary(t) };
}
