/**
 * Annotating a whole log in memory: the library form of `fdwarden annotate`, also used by the
 * tests and the benchmark.
 */
import { Replay, type Diagnostic, type ReplayOptions } from './replay.js';

export interface Annotated {
  lines: string[];
  diagnostics: Diagnostic[];
}

export function annotateLines(lines: readonly string[], opts: ReplayOptions): Annotated {
  const replay = new Replay(opts);
  const out: string[] = new Array(lines.length);
  for (let i = 0; i < lines.length; i++) out[i] = replay.feed(lines[i]!, i + 1);
  return { lines: out, diagnostics: replay.diagnostics };
}
