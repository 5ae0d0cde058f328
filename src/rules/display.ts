/**
 * Explanations as the CLI prints them (text and --json): the model's paths are bytes, shown as
 * their UTF-8 text when valid and escaped when not (src/strace/escapes.ts displayBytes), so
 * `/tmp/é.txt` prints as itself and never as mojibake.
 */
import type { Explanation } from './explain.js';
import { displayBytes } from '../strace/escapes.js';

export function displayExplanation(e: Explanation): Explanation {
  const out: Explanation = {
    ...e,
    checks: e.checks.map((c) => ({
      ...c,
      path: c.path === undefined ? undefined : displayBytes(c.path),
      steps: c.steps.map(displayBytes),
      ...(c.unknown !== undefined ? { unknown: displayBytes(c.unknown) } : {}),
      ...(c.refused !== undefined ? { refused: displayBytes(c.refused) } : {}),
    })),
  };
  if (e.fix !== undefined) out.fix = displayBytes(e.fix);
  if (e.escalation !== undefined) out.escalation = displayBytes(e.escalation);
  return out;
}

/** Per-right path counts with the paths shown as text. */
export function displayPaths<T>(perRight: Record<string, Record<string, T>>): Record<string, Record<string, T>> {
  const out: Record<string, Record<string, T>> = {};
  for (const [right, paths] of Object.entries(perRight)) {
    const shown: Record<string, T> = {};
    for (const [p, v] of Object.entries(paths)) shown[displayBytes(p)] = v;
    out[right] = shown;
  }
  return out;
}
