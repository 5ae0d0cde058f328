/**
 * Each entry of the package loads only what its use needs (its static import graph, type-only
 * imports excluded): the core runs without Node's built-ins, `fdwarden/wali` without the CLI,
 * the Node host, learning, auditing or the testing kit; and a name two entries export is the
 * very same object. `npm run bench` measures the import times.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import * as core from '../../src/index.js';
import * as wali from '../../src/wali-entry.js';
import * as host from '../../src/host-entry.js';
import * as strace from '../../src/strace-entry.js';
import * as testing from '../../src/testing/index.js';
import * as browser from '../../src/browser-entry.js';

const SRC = join(import.meta.dirname, '../../src');
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

const ENTRIES = { '.': 'index.ts', './wali': 'wali-entry.ts', './host': 'host-entry.ts', './strace': 'strace-entry.ts', './testing': 'testing/index.ts', './browser': 'browser-entry.ts' } as const;

describe('entry points', () => {
  test('each is a subpath export of the package, built from its src file; package.json is exported', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    for (const [sub, file] of Object.entries(ENTRIES)) {
      const js = `./dist/${file.replace(/\.ts$/, '.js')}`;
      expect(pkg.exports[sub], sub).toEqual({ types: js.replace(/\.js$/, '.d.ts'), default: js });
    }
    expect(pkg.exports['./package.json']).toBe('./package.json');
    expect(Object.keys(pkg.exports).sort()).toEqual([...Object.keys(ENTRIES), './package.json'].sort());
  });

  test('the core loads no Node built-in, no third-party package but immer and xstate, and no adapter', () => {
    const { modules, packages } = graph('index.ts');
    expect([...packages].sort()).toEqual(['immer', 'xstate']);
    expect([...modules].filter((m) => /^(cli|host|wali|strace\/(replay|annotate)|learn|testing)\b/.test(m) || m.endsWith('-entry.ts'))).toEqual([]);
    for (const m of ['dsl/index.ts', 'rules/engine.ts', 'enforce/enforcer.ts', 'state/kernel.ts']) expect(modules).toContain(m);
  });

  test('fdwarden/wali loads no CLI, host, learning, diffing, auditing, testing kit, statechart, snapshots, strace replay or package', () => {
    const { modules, packages } = graph('wali-entry.ts');
    const heavy = [...modules].filter((m) =>
      /^(cli|host|learn|testing)\//.test(m)
      || /^rules\/(diff|auditor|single|reference)/.test(m)
      || /^state\/(lifecycle|snapshot)\./.test(m)
      || /^strace\/(replay|annotate|annotations|labels)\./.test(m));
    expect(heavy).toEqual([]);
    expect([...packages].filter((p) => !p.startsWith('node:'))).toEqual([]);
    for (const m of ['wali/interposer.ts', 'wali/namespace.ts', 'wali/dispatcher.ts', 'dsl/index.ts', 'enforce/enforcer.ts', 'state/kernel.ts']) expect(modules).toContain(m);
  });

  test('fdwarden/browser loads no Node built-in and no Node-only module (it runs in a web page)', () => {
    const { modules, packages } = graph('browser-entry.ts');
    expect([...packages].filter((p) => p.startsWith('node:') || p === 'koffi' || p === 'binaryen')).toEqual([]);
    // The testing kit's node-free part checks property blocks; its loaders of files stay out.
    expect([...modules].filter((m) => /^(cli|host)\//.test(m) || ['testing/index.ts', 'testing/check.ts', 'testing/policy-input.ts'].includes(m) || m === 'state/live-view.ts' || m === 'dsl/load-fs.ts')).toEqual([]);
  });

  test('fdwarden/host and fdwarden/strace load no CLI, testing kit or the other adapter', () => {
    const h = graph('host-entry.ts').modules;
    expect([...h].filter((m) => /^(cli|testing|learn|strace)\//.test(m))).toEqual([]);
    const s = graph('strace-entry.ts').modules;
    expect([...s].filter((m) => /^(cli|testing|host|wali)\//.test(m))).toEqual([]);
  });

  test('a name exported by two entries is the same object', () => {
    const all: Record<string, Record<string, unknown>> = { core, wali, host, strace, testing, browser };
    const seen = new Map<string, unknown>();
    for (const mod of Object.values(all)) {
      for (const [name, value] of Object.entries(mod)) {
        if (seen.has(name)) expect(value, name).toBe(seen.get(name));
        else seen.set(name, value);
      }
    }
    for (const name of ['wrap', 'WaliInterposer', 'machineNamespace', 'wrapDispatcher', 'compilePolicyText', 'fileLoader', 'Enforcer', 'emptyView', 'liveView', 'Kernel', 'ERRNO']) expect(wali, name).toHaveProperty(name);
    for (const name of ['O_RDONLY', 'O_CREAT', 'AT_FDCWD', 'AT_REMOVEDIR', 'RENAME_EXCHANGE', 'judgeSingle', 'explain', 'Kernel']) expect(core, name).toHaveProperty(name);
    expect(core).not.toHaveProperty('wrap');
    expect(core).not.toHaveProperty('runWali');
    expect(host).toHaveProperty('runWali');
    expect(strace).toHaveProperty('audit');
  });

  test('the core stays small: no automaton internals, one CompiledPolicy', () => {
    expect(Object.keys(core).length).toBeLessThan(60);
    for (const internal of ['DState', 'LazyDfa', 'NfaNode', 'applyWithPatches', 'freezeState', 'requestFor', 'judge', 'sandboxMachine']) expect(core).not.toHaveProperty(internal);
  });
});
