/**
 * The import-type reader: hand-built modules (every import kind, limits flags, i64 params, void
 * results), clang-built WALI programs cross-checked against the engine, exact errors with
 * offsets, and fuzzing: random bytes, truncations and mutations of valid modules either parse or
 * throw ModuleFormatError, nothing else. Replay a fuzz failure with FDWARDEN_SEED=<seed>.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  ModuleFormatError,
  exportsMemory,
  importedMemory,
  readImportTypes,
  readModuleTypes,
  type ImportType,
  type ValType,
} from '../../../src/wali/module-types.js';
import { WA } from '../../../src/wali/wasm.js';
import { compileWali } from '../../wali/build.js';
import { SEED } from './wasm.js';

import { HEADER, exportSection, funcImport, functype, importSection, memImport, module_, section, str, typeSection, uleb, vec } from './encode.js';

/** The error a call throws; fails the test if it returns or throws something else. */
function formatError(f: () => unknown): ModuleFormatError {
  try {
    f();
  } catch (e) {
    if (e instanceof ModuleFormatError) return e;
    throw e;
  }
  throw new Error('expected a ModuleFormatError');
}

describe('hand-built modules', () => {
  test('an empty module has no imports', () => {
    expect(readImportTypes(module_())).toEqual([]);
  });

  test('function imports: i64 params, a void result, several modules, shared type indices', () => {
    const bytes = module_(
      typeSection(functype(['i32', 'i64', 'i32'], ['i64']), functype(['i32'], []), functype([], ['i32']), functype(['f32', 'f64', 'v128', 'externref', 'funcref'], ['f64', 'i32'])),
      importSection(
        funcImport('wali', 'SYS_lseek', 0),
        funcImport('wali', '__proc_exit', 1),
        funcImport('env', 'get', 2),
        funcImport('wasi_snapshot_preview1', 'fd_seek', 0),
        funcImport('wali', 'SYS_exit', 1),
        funcImport('x', 'multi', 3),
      ),
    );
    const got = readImportTypes(bytes);
    expect(got.map((i) => [i.module, i.name, i.kind, i.params, i.results, i.typeIndex])).toEqual([
      ['wali', 'SYS_lseek', 'function', ['i32', 'i64', 'i32'], ['i64'], 0],
      ['wali', '__proc_exit', 'function', ['i32'], [], 1],
      ['env', 'get', 'function', [], ['i32'], 2],
      ['wasi_snapshot_preview1', 'fd_seek', 'function', ['i32', 'i64', 'i32'], ['i64'], 0],
      ['wali', 'SYS_exit', 'function', ['i32'], [], 1],
      ['x', 'multi', 'function', ['f32', 'f64', 'v128', 'externref', 'funcref'], ['f64', 'i32'], 3],
    ]);
    // The engine reads the same names and kinds.
    expect(WA.Module.imports(new WA.Module(bytes)).map((i) => [i.module, i.name, i.kind])).toEqual(got.map((i) => [i.module, i.name, i.kind]));
  });

  test('memory imports: all eight limits flags', () => {
    const bytes = module_(
      importSection(
        memImport('a', 'plain', 0, 1),
        memImport('a', 'max', 1, 1, 2),
        memImport('a', 'shared', 3, 1, 16384),
        memImport('a', 'm64', 4, 2),
        memImport('a', 'm64max', 5, 2, 2 ** 40),
        memImport('a', 'm64shared', 7, 0, 2 ** 48),
      ),
    );
    expect(readImportTypes(bytes).map((i) => [i.name, i.memory])).toEqual([
      ['plain', { min: 1, shared: false, memory64: false }],
      ['max', { min: 1, max: 2, shared: false, memory64: false }],
      ['shared', { min: 1, max: 16384, shared: true, memory64: false }],
      ['m64', { min: 2, shared: false, memory64: true }],
      ['m64max', { min: 2, max: 2 ** 40, shared: false, memory64: true }],
      ['m64shared', { min: 0, max: 2 ** 48, shared: true, memory64: true }],
    ]);
    expect(importedMemory(bytes)?.name).toBe('plain');
    // flags 2 and 6: shared without a maximum.
    for (const flags of [2, 6]) expect(formatError(() => readImportTypes(module_(importSection(memImport('a', 'm', flags, 1))))).detail).toMatch(/shared memory needs a maximum/);
    expect(formatError(() => readImportTypes(module_(importSection(memImport('a', 'm', 8, 1))))).detail).toMatch(/flags 0x08/);
    expect(formatError(() => readImportTypes(module_(importSection(memImport('a', 'm', 1, 3, 2))))).detail).toMatch(/maximum 2 is below its minimum 3/);
  });

  test('a shared memory import instantiates in the engine as described', () => {
    const bytes = module_(importSection(memImport('env', 'memory', 3, 1, 4)));
    expect(readImportTypes(bytes)[0]).toEqual({ module: 'env', name: 'memory', kind: 'memory', memory: { min: 1, max: 4, shared: true, memory64: false } });
    expect(() => new WA.Instance(new WA.Module(bytes), { env: { memory: new WA.Memory({ initial: 1, maximum: 4, shared: true }) } })).not.toThrow();
  });

  test('table, global and tag imports', () => {
    const bytes = module_(
      typeSection(functype(['i32', 'i64'], [])),
      importSection(
        [...str('env'), ...str('table'), 0x01, 0x70, 0x01, ...uleb(1), ...uleb(10)],
        [...str('env'), ...str('ext'), 0x01, 0x6f, 0x00, ...uleb(0)],
        [...str('env'), ...str('t64'), 0x01, 0x70, 0x04, ...uleb(3)],
        [...str('env'), ...str('sp'), 0x03, 0x7f, 0x01],
        [...str('env'), ...str('k'), 0x03, 0x7e, 0x00],
        [...str('env'), ...str('exn'), 0x04, 0x00, ...uleb(0)],
      ),
    );
    const got = readImportTypes(bytes);
    expect(got.map((i) => [i.name, i.kind, i.table ?? i.global ?? i.params])).toEqual([
      ['table', 'table', { element: 'funcref', min: 1, max: 10, table64: false }],
      ['ext', 'table', { element: 'externref', min: 0, table64: false }],
      ['t64', 'table', { element: 'funcref', min: 3, table64: true }],
      ['sp', 'global', { type: 'i32', mutable: true }],
      ['k', 'global', { type: 'i64', mutable: false }],
      ['exn', 'tag', ['i32', 'i64']],
    ]);
    expect(got[5]?.results).toEqual([]);
  });

  test('exports, custom sections anywhere, other sections skipped by size', () => {
    const custom = section(0, [...str('name'), 1, 2, 3]);
    const bytes = module_(
      custom,
      typeSection(functype([], [])),
      custom,
      importSection(funcImport('wali', '__init', 0)),
      section(3, vec([uleb(0)])), // function section
      section(5, vec([[0x00, 0x01]])), // memory section: one memory, min 1
      exportSection([...str('memory'), 0x02, 0x00], [...str('_start'), 0x00, 0x01]),
      section(10, vec([[0x02, 0x00, 0x0b]])), // code: one empty body
      custom,
    );
    expect(WA.Module.exports(new WA.Module(bytes)).map((e) => e.name)).toEqual(['memory', '_start']);
    expect(readModuleTypes(bytes).exports).toEqual([
      { name: 'memory', kind: 'memory', index: 0 },
      { name: '_start', kind: 'function', index: 1 },
    ]);
    expect(exportsMemory(bytes)).toBe(true);
    expect(exportsMemory(bytes, 'mem')).toBe(false);
    expect(exportsMemory(module_())).toBe(false);
  });

  test('input backed by a SharedArrayBuffer', () => {
    const plain = module_(typeSection(functype(['i64'], ['i64'])), importSection(funcImport('wali', 'SYS_x', 0)));
    const shared = new Uint8Array(new SharedArrayBuffer(plain.length));
    shared.set(plain);
    expect(readImportTypes(shared)).toEqual(readImportTypes(plain));
  });

  test('a subarray view is read from its own start', () => {
    const inner = module_(typeSection(functype([], [])), importSection(funcImport('m', 'f', 0)));
    const outer = new Uint8Array(inner.length + 10);
    outer.set(inner, 5);
    expect(readImportTypes(outer.subarray(5, 5 + inner.length))[0]?.name).toBe('f');
  });
});

describe('malformed modules throw ModuleFormatError with the offset', () => {
  const cases: [string, Uint8Array, RegExp, number][] = [
    ['empty input', new Uint8Array([]), /unexpected end of input/, 0],
    ['bad magic', new Uint8Array([0x00, 0x61, 0x73, 0x6e, 1, 0, 0, 0]), /bad magic/, 3],
    ['bad version', new Uint8Array([0x00, 0x61, 0x73, 0x6d, 2, 0, 0, 0]), /version/, 4],
    ['component binary', new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]), /version/, 4],
    ['truncated header', new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0]), /unexpected end of input/, 6],
    ['section past the end', module_([1, 5, 0]), /runs past the end/, 10],
    ['section with trailing bytes', module_(section(1, [0, 0x60])), /1 bytes after its contents/, 11],
    ['count larger than the section', module_(section(1, [3, 0x60, 0, 0]), section(0, str('c'))), /unexpected end of section/, 14],
    ['unknown section id', module_(section(14, [])), /unknown section id 14/, 8],
    ['repeated type section', module_(typeSection(), typeSection()), /out of order or repeated/, 11],
    ['import before type', module_(importSection(), typeSection()), /out of order/, 11],
    ['GC rec group', module_(section(1, [1, 0x4e, 1, 0x60, 0, 0])), /GC proposal's 'rec' form \(0x4e\)/, 11],
    ['GC struct', module_(section(1, [1, 0x5f, 0])), /'struct' form/, 11],
    ['GC sub final', module_(section(1, [1, 0x4f, 0, 0x60, 0, 0])), /'sub final' form/, 11],
    ['not a func type', module_(section(1, [1, 0x61, 0, 0])), /expected a function type \(0x60\), found 0x61/, 11],
    ['GC ref type param', module_(section(1, [1, 0x60, 1, 0x63, 0x70, 0])), /unknown or unsupported value type 0x63/, 13],
    ['type index out of range', module_(typeSection(functype([], [])), importSection(funcImport('m', 'f', 1))), /type index 1 is out of range \(1 types\)/, 22],
    ['function import without types', module_(importSection(funcImport('m', 'f', 0))), /out of range \(0 types\)/, 16],
    ['unknown import kind', module_(importSection([...str('m'), ...str('f'), 0x05])), /unknown import kind 0x05/, 15],
    ['tag with results', module_(typeSection(functype([], ['i32'])), importSection([...str('m'), ...str('t'), 0x04, 0x00, 0x00])), /no results/, 24],
    ['tag attribute', module_(typeSection(functype([], [])), importSection([...str('m'), ...str('t'), 0x04, 0x01, 0x00])), /tag attribute/, 22],
    ['global mutability', module_(importSection([...str('m'), ...str('g'), 0x03, 0x7f, 0x02])), /mutability/, 17],
    ['table of i32', module_(importSection([...str('m'), ...str('t'), 0x01, 0x7f, 0x00, 0x00])), /reference type/, 16],
    ['shared table', module_(importSection([...str('m'), ...str('t'), 0x01, 0x70, 0x03, 0x00, 0x01])), /table limits flags 0x03/, 17],
    ['name past the section', module_(section(2, [1, 5, 0x61]), section(0, str('c'))), /runs past the section/, 12],
    ['name past the input', module_(section(2, [1, 5, 0x61])), /runs past the input/, 12],
    ['invalid UTF-8 name', module_(importSection([1, 0xff, ...str('f'), 0x02, 0x00, 0x00])), /not valid UTF-8/, 12],
    ['overlong LEB128', module_(section(1, [0x80, 0x80, 0x80, 0x80, 0x80, 0x00])), /LEB128 integer too long/, 10],
    ['u32 LEB128 overflow', module_(section(1, [0xff, 0xff, 0xff, 0xff, 0x1f])), /out of range for u32/, 10],
    ['unterminated LEB128', module_([1, 0x80]), /unexpected end of input/, 10],
    ['u64 LEB128 overflow', module_(importSection(memImport('m', 'x', 4, 0).slice(0, -1).concat([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02]))), /out of range for u64/, 17],
    ['memory64 limit above 2^53', module_(importSection(memImport('m', 'x', 4, 0).slice(0, -1).concat(uleb(2n ** 60n)))), /does not fit in 53 bits/, 17],
    ['duplicate export', module_(exportSection([...str('a'), 0, 0], [...str('a'), 0, 0])), /duplicate export name 'a'/, 15],
  ];
  test.each(cases)('%s', (_, bytes, message, offset) => {
    const e = formatError(() => readImportTypes(bytes));
    expect(e.detail).toMatch(message);
    expect(e.offset).toBe(offset);
    expect(e.message).toContain(`at byte ${offset}`);
    expect(e.name).toBe('ModuleFormatError');
  });
});

describe('clang-built WALI programs', () => {
  test.each(['dupclose', 'fsops', 'loop', 'renamecwd', 'rmrf'])('%s: the reader agrees with the engine', (name) => {
    const bytes = new Uint8Array(readFileSync(compileWali(name)));
    const imports = readImportTypes(bytes);
    const mod = new WA.Module(bytes);
    expect(imports.map((i) => [i.module, i.name, i.kind])).toEqual(WA.Module.imports(mod).map((i) => [i.module, i.name, i.kind]));
    expect(readModuleTypes(bytes).exports.map((e) => [e.name, e.kind])).toEqual(WA.Module.exports(mod).map((e) => [e.name, e.kind]));
  });

  test('known WALI signatures come out with their i64 positions', () => {
    const imports = new Map<string, ImportType>(readImportTypes(new Uint8Array(readFileSync(compileWali('fsops')))).map((i) => [i.name, i]));
    const sig = (n: string): [readonly ValType[] | undefined, readonly ValType[] | undefined] => [imports.get(n)?.params, imports.get(n)?.results];
    expect(sig('SYS_lseek')).toEqual([['i32', 'i64', 'i32'], ['i64']]);
    expect(sig('SYS_pread64')).toEqual([['i32', 'i32', 'i32', 'i64'], ['i64']]);
    expect(sig('SYS_fcntl')).toEqual([['i32', 'i32', 'i64'], ['i64']]);
    expect(sig('SYS_openat')).toEqual([['i32', 'i32', 'i32', 'i32'], ['i64']]);
    expect(sig('SYS_getcwd')).toEqual([['i32', 'i32'], ['i64']]);
    expect(sig('__cl_get_argc')).toEqual([[], ['i32']]);
    expect(sig('__cl_copy_argv')).toEqual([['i32', 'i32'], ['i32']]);
  });
});

describe('fuzz: parse or ModuleFormatError, never anything else', () => {
  const RUNS = 2000;

  function check<T>(arb: fc.Arbitrary<T>, body: (x: T) => void): void {
    try {
      fc.assert(fc.property(arb, body), { seed: SEED, numRuns: RUNS });
    } catch (e) {
      throw new Error(`seed ${SEED} (set FDWARDEN_SEED to replay): ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  function parsesOrRejects(bytes: Uint8Array): void {
    try {
      readModuleTypes(bytes);
    } catch (e) {
      if (!(e instanceof ModuleFormatError)) throw e;
      if (!(e.offset >= 0 && e.offset <= bytes.length)) throw new Error(`offset ${e.offset} outside the input (${bytes.length} bytes)`);
    }
  }

  const valid = [
    new Uint8Array(readFileSync(compileWali('fsops'))),
    new Uint8Array(readFileSync(compileWali('rmrf'))),
    module_(
      typeSection(functype(['i32', 'i64'], ['i64']), functype([], [])),
      importSection(funcImport('wali', 'SYS_a', 0), memImport('env', 'memory', 7, 1, 10), [...str('e'), ...str('t'), 0x01, 0x70, 0x05, 1, 2], [...str('e'), ...str('x'), 0x04, 0x00, 0x01]),
      exportSection([...str('f'), 0, 0]),
    ),
  ];

  test('random bytes, raw and behind a valid header', () => {
    check(fc.tuple(fc.boolean(), fc.uint8Array({ maxLength: 300 })), ([withHeader, tail]) => {
      parsesOrRejects(withHeader ? new Uint8Array([...HEADER, ...tail]) : tail);
    });
  });

  test('every truncation of a valid module (sampled)', () => {
    check(fc.tuple(fc.nat(valid.length - 1), fc.double({ min: 0, max: 1, noNaN: true })), ([k, frac]) => {
      const m = valid[k]!;
      parsesOrRejects(m.subarray(0, Math.floor(frac * m.length)));
    });
    // Exhaustively for the small hand-built one: a cut parses only at a section boundary.
    const small = valid[2]!;
    const boundaries = new Set<number>();
    for (let at = HEADER.length; at <= small.length; at += 2 + small[at + 1]!) boundaries.add(at); // sizes < 128 here
    expect(boundaries.has(small.length)).toBe(true);
    for (let n = 0; n <= small.length; n++) {
      if (boundaries.has(n)) expect(() => readModuleTypes(small.subarray(0, n))).not.toThrow();
      else expect(() => readModuleTypes(small.subarray(0, n))).toThrow(ModuleFormatError);
    }
  });

  test('byte mutations of valid modules', () => {
    const mutation = fc.record({
      k: fc.nat(valid.length - 1),
      edits: fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
      // Mutations land near the front, where the type and import sections are.
      front: fc.boolean(),
    });
    check(mutation, ({ k, edits, front }) => {
      const m = new Uint8Array(valid[k]!);
      const span = front ? Math.min(m.length, 600) : m.length;
      for (const [at, v] of edits) m[Math.floor(at * span) % m.length] = v;
      parsesOrRejects(m);
    });
  });

  test('generated valid modules round-trip', () => {
    const valType = fc.constantFrom<ValType>('i32', 'i64', 'f32', 'f64', 'v128', 'funcref', 'externref');
    const sigArb = fc.record({ params: fc.array(valType, { maxLength: 6 }), results: fc.array(valType, { maxLength: 2 }) });
    const nameArb = fc.string({ maxLength: 12, unit: 'grapheme' });
    check(fc.record({ types: fc.array(sigArb, { minLength: 1, maxLength: 5 }), imports: fc.array(fc.tuple(nameArb, nameArb, fc.nat()), { maxLength: 8 }) }), ({ types, imports }) => {
      const bytes = module_(
        typeSection(...types.map((t) => functype(t.params, t.results))),
        importSection(...imports.map(([m, n, t]) => funcImport(m, n, t % types.length))),
      );
      const got = readImportTypes(bytes);
      expect(got.map((i) => [i.module, i.name, i.params, i.results])).toEqual(
        imports.map(([m, n, t]) => [m, n, types[t % types.length]!.params, types[t % types.length]!.results]),
      );
    });
  });
});
