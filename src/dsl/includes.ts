/**
 * `include "file"`: a textual union. Included files are read through a loader callback (so
 * tests need no files), relative to the including file; each file is taken once, and an
 * include that leads back to a file still being read is a cycle.
 */
import type { Span } from '../rules/ir.js';
import type { Item, PolicyAst } from './ast.js';
import { diag, type Diagnostic } from './diagnostics.js';
import { parse } from './parser.js';

/** Text of a file by its resolved name, or undefined when there is none (may also throw). */
export type Loader = (file: string) => string | undefined;

/** Parsed files by resolved name, filled as includes are read. */
export interface IncludeCache {
  files: Map<string, PolicyAst>;
  sources: Map<string, string>;
  load?: Loader;
}

/** `path` relative to the directory of `from` (absolute paths stay), normalised. */
export function resolveInclude(from: string, path: string): string {
  const base = path.startsWith('/') ? '' : from.slice(0, from.lastIndexOf('/') + 1);
  const joined = base + path;
  const out: string[] = [];
  for (const seg of joined.split('/')) {
    if (seg === '.' || (seg === '' && out.length > 0)) continue;
    const last = out[out.length - 1];
    if (seg === '..' && last === '' && out.length === 1) continue; // `/..` is `/`
    if (seg === '..' && last !== undefined && last !== '..') out.pop();
    else out.push(seg);
  }
  return out.join('/') || '.';
}

function fetch(cache: IncludeCache, file: string, at: Span, diags: Diagnostic[]): PolicyAst | undefined {
  const known = cache.files.get(file);
  if (known) return known;
  if (!cache.load) {
    diags.push(diag('FW401', at, `cannot include \`${file}\`: no loader was given`, 'pass `load` to read included files'));
    return undefined;
  }
  let text: string | undefined;
  try {
    text = cache.load(file);
  } catch (e) {
    diags.push(diag('FW401', at, `cannot include \`${file}\`: ${e instanceof Error ? e.message : String(e)}`));
    return undefined;
  }
  if (text === undefined) {
    diags.push(diag('FW401', at, `cannot include \`${file}\`: not found`));
    return undefined;
  }
  const r = parse(text, file);
  diags.push(...r.diagnostics);
  cache.files.set(file, r.ast);
  cache.sources.set(file, text);
  return r.ast;
}

const MAX_DEPTH = 64;

export interface WalkHooks {
  /** Each included file, when first reached (not the root). */
  unit?: (file: string, ast: PolicyAst, includedAt: Span) => void;
  /** Each item other than `include`, in document order with includes spliced in. */
  item?: (item: Item, file: string) => void;
}

/** Visit the root and everything it includes; returns the include problems found. */
export function walkPolicy(root: PolicyAst, rootFile: string, cache: IncludeCache, hooks: WalkHooks): Diagnostic[] {
  const diags: Diagnostic[] = [];
  const done = new Set<string>([rootFile]);
  const stack: string[] = [rootFile];
  const visit = (ast: PolicyAst, file: string): void => {
    for (const it of ast.items) {
      if (it.kind !== 'include') {
        hooks.item?.(it, file);
        continue;
      }
      const target = resolveInclude(file, it.path);
      const at = it.span ?? { file, line: 1, col: 1, endLine: 1, endCol: 1 };
      if (stack.includes(target)) {
        const chain = [...stack.slice(stack.indexOf(target)), target].join(' → ');
        diags.push(diag('FW402', at, `include cycle: ${chain}`, 'remove one of the includes'));
        continue;
      }
      if (done.has(target)) continue;
      if (stack.length > MAX_DEPTH) {
        diags.push(diag('FW401', at, `cannot include \`${target}\`: includes nested more than ${MAX_DEPTH} deep`));
        continue;
      }
      done.add(target);
      const sub = fetch(cache, target, at, diags);
      if (!sub) continue;
      hooks.unit?.(target, sub, at);
      stack.push(target);
      visit(sub, target);
      stack.pop();
    }
  };
  visit(root, rootFile);
  return diags;
}
