/**
 * `fdwarden/wali` stays light: what it loads (its static import graph, type-only imports
 * excluded) has no CLI, Node host, learning, diffing, auditing, testing kit, lifecycle statechart,
 * immer snapshots, strace replay or third-party package; and each of its exports is the very
 * object `fdwarden` exports. `npm run bench` measures the import times.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import * as full from '../../../src/index.js';
import * as light from '../../../src/wali-entry.js';

const SRC = join(import.meta.dirname, '../../../src');
const ROOT = join(SRC, '..');

/** Static value imports and re-exports of a TypeScript module (`import type` and all-`type` lists excluded). */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"]([^'"]+)['"]/g)) {
    if (m[1]) continue;
    const list = m[2]!.trim();
    if (list.startsWith('{') && list.slice(1, -1).split(',').map((s) => s.trim()).filter(Boolean).every((s) => s.startsWith('type '))) continue;
    out.push(m[3]!);
  }
  for (const m of text.matchAll(/(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)) out.push(m[1]!);
  return out;
}

/** Every module the entry loads (relative to src/) and every package it imports. */
function graph(entry: string): { modules: Set<string>; packages: Set<string> } {
  const modules = new Set<string>();
  const packages = new Set<string>();
  const walk = (file: string): void => {
    const rel = relative(SRC, file);
    if (modules.has(rel)) return;
    modules.add(rel);
    for (const spec of imports(file)) {
      if (spec.startsWith('.')) walk(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else packages.add(spec);
    }
  };
  walk(join(SRC, entry));
  return { modules, packages };
}

describe('fdwarden/wali', () => {
  test('is a subpath export of the package, built from src/wali-entry.ts', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, { types: string; default: string }> };
    expect(pkg.exports['./wali']).toEqual({ types: './dist/wali-entry.d.ts', default: './dist/wali-entry.js' });
  });

  test('loads no CLI, host, learning, diffing, auditing, testing kit, statechart, snapshots, strace replay or package', () => {
    const { modules, packages } = graph('wali-entry.ts');
    const heavy = [...modules].filter((m) =>
      /^(cli|host|learn|testing)\//.test(m)
      || /^rules\/(diff|auditor|single|reference)/.test(m)
      || /^state\/(lifecycle|snapshot)\./.test(m)
      || /^strace\/(replay|annotate|annotations|labels)\./.test(m));
    expect(heavy).toEqual([]);
    expect([...packages].filter((p) => !p.startsWith('node:'))).toEqual([]);
    // It does load the interposer, the policy language and the model.
    for (const m of ['wali/interposer.ts', 'wali/namespace.ts', 'wali/dispatcher.ts', 'dsl/index.ts', 'enforce/enforcer.ts', 'state/kernel.ts']) expect(modules).toContain(m);
    // The whole package loads far more.
    expect(graph('index.ts').modules.size).toBeGreaterThan(modules.size + 30);
  });

  test('exports the same objects as fdwarden', () => {
    const f = full as Record<string, unknown>;
    for (const [name, value] of Object.entries(light)) expect(f[name], name).toBe(value);
    for (const name of ['wrap', 'WaliInterposer', 'machineNamespace', 'wrapDispatcher', 'compilePolicyText', 'compilePolicyJson', 'fileLoader', 'renderDiagnostics', 'Enforcer', 'emptyView', 'liveView', 'snapshotView', 'Kernel', 'ERRNO']) {
      expect(light, name).toHaveProperty(name);
    }
  });
});
