/** The committed spec/wali files are exactly what the generator makes of the shared WALI table. */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const script = `${root}scripts/gen-wali-table.mjs`;
const input = fileURLToPath(new URL('../shared/wali/wali-syscalls.json', pathToFileURL(root)));

interface Generator {
  generate(inputPath: string): Record<string, string>;
  normalise(rawText: string): { syscalls: { name: string }[]; generator: string };
  format(table: unknown): string;
}

async function load(): Promise<Generator> {
  return (await import(pathToFileURL(script).href)) as Generator;
}

describe('gen-wali-table', () => {
  test.skipIf(!existsSync(input))('reproduces spec/wali/ from the shared WALI table', async () => {
    const out = (await load()).generate(input);
    expect(Object.keys(out).sort()).toEqual(['spec/wali/LICENSE-WALI', 'spec/wali/syscalls.json']);
    for (const [rel, text] of Object.entries(out)) expect(readFileSync(`${root}${rel}`, 'utf8'), rel).toBe(text);
  });

  test('the committed table is sorted, names its generator, and round-trips through format', async () => {
    const gen = await load();
    const text = readFileSync(`${root}spec/wali/syscalls.json`, 'utf8');
    const table = JSON.parse(text) as { generator: string; syscalls: { name: string }[]; aux: { name: string }[] };
    expect(table.generator).toBe('scripts/gen-wali-table.mjs');
    const names = table.syscalls.map((s) => s.name);
    expect(names).toEqual([...names].sort());
    expect(gen.format(table)).toBe(text);
  });

  test('rejects malformed input instead of writing a broken table', async () => {
    const gen = await load();
    expect(() => gen.normalise('{"syscalls": [], "aux": 1}')).toThrow(/gen-wali-table/);
    const dup = { syscalls: [{ name: 'a', nr: 1, implemented: false }, { name: 'a', nr: 2, implemented: false }], aux: [] };
    expect(() => gen.normalise(JSON.stringify(dup))).toThrow(/duplicate syscall a/);
    const badWasm = { syscalls: [{ name: 'a', nr: 1, implemented: true, args: [{ name: 'x', ctype: 'int', wasm: 'f32' }] }], aux: [] };
    expect(() => gen.normalise(JSON.stringify(badWasm))).toThrow(/bad arg/);
  });

  test('normalises C type spelling and is deterministic', async () => {
    const gen = await load();
    const raw = {
      syscalls: [
        { name: 'b', nr: 2, implemented: true, aliases: ['z', 'y'], args: [{ name: 'p', ctype: ' struct  stat *', wasm: 'i32' }] },
        { name: 'a', nr: 1, implemented: false, aliases: [], args: [] },
      ],
      aux: [],
    };
    const t = gen.normalise(JSON.stringify(raw));
    expect(t.syscalls.map((s) => s.name)).toEqual(['a', 'b']);
    expect(JSON.stringify(t.syscalls[1])).toContain('"ctype":"struct stat*"');
    expect(JSON.stringify(t.syscalls[1])).toContain('"aliases":["y","z"]');
    expect(gen.format(gen.normalise(JSON.stringify(raw)))).toBe(gen.format(t));
  });
});
