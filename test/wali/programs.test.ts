/**
 * The WALI test programs speak the real ABI: each compiles, imports only from module `wali`,
 * and every import has the signature of spec/wali/syscalls.json (SYS_* calls) or of the aux
 * table (__cl_* ...). The import section is read with src/wali/module-types.ts and cross-checked
 * against the engine's own WebAssembly.Module.imports.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { exportsMemory, readModuleTypes, type ValType } from '../../src/wali/module-types.js';
import { WALI_AUX_IMPORTS, WALI_MODULE, WALI_SYSCALL_PREFIX, syscallInfo } from '../../src/wali/table.js';
import { WA } from '../../src/wali/wasm.js';
import { compileWali, programNames } from './build.js';

const EXPECTED_PROGRAMS = ['dupclose', 'fsops', 'hog', 'loop', 'renamecwd', 'rmrf'];

/** The syscalls each program must import: proof that it exercises what it is for. */
const MUST_IMPORT: Readonly<Record<string, readonly string[]>> = {
  rmrf: ['openat', 'getdents64', 'unlinkat', 'close', 'newfstatat', 'exit_group'],
  renamecwd: ['mkdir', 'chdir', 'renameat2', 'openat', 'write', 'close', 'getcwd'],
  dupclose: ['openat', 'dup', 'dup2', 'dup3', 'fcntl', 'write', 'read', 'lseek', 'close'],
  fsops: ['open', 'openat', 'read', 'pread64', 'write', 'lseek', 'getdents64', 'renameat2', 'symlinkat', 'linkat', 'newfstatat', 'getcwd', 'fchdir', 'ftruncate'],
  loop: ['openat', 'pread64', 'lseek', 'read', 'fstat', 'close', 'newfstatat'],
  hog: ['mmap', 'nanosleep', 'newfstatat', 'write', 'writev'],
};

const sig = (params: readonly ValType[] | readonly string[], results: readonly ValType[] | readonly string[]): string =>
  `(${params.join(' ')}) -> (${results.join(' ')})`;

test('every program is listed here', () => {
  expect(programNames()).toEqual(EXPECTED_PROGRAMS);
});

describe.each(EXPECTED_PROGRAMS)('%s', (name) => {
  test('compiles and imports only WALI calls with the spec signatures', () => {
    const bytes = new Uint8Array(readFileSync(compileWali(name)));
    const { imports, exports } = readModuleTypes(bytes);

    // The reader agrees with the engine on names and kinds.
    const engine = WA.Module.imports(new WA.Module(bytes));
    expect(imports.map((i) => [i.module, i.name, i.kind])).toEqual(engine.map((i) => [i.module, i.name, i.kind]));

    const problems: string[] = [];
    for (const imp of imports) {
      const where = `${imp.module}.${imp.name}`;
      if (imp.module !== WALI_MODULE || imp.kind !== 'function') {
        problems.push(`${where}: a ${imp.kind} import outside the WALI function set`);
        continue;
      }
      const got = sig(imp.params ?? [], imp.results ?? []);
      if (imp.name.startsWith(WALI_SYSCALL_PREFIX)) {
        const info = syscallInfo(imp.name);
        if (info === undefined || !info.implemented) {
          problems.push(`${where}: not an implemented WALI syscall`);
          continue;
        }
        const want = sig(info.args.map((a) => a.wasm), ['i64']);
        if (got !== want) problems.push(`${where}: ${got}, spec says ${want}`);
      } else {
        const aux = WALI_AUX_IMPORTS.get(imp.name);
        if (aux === undefined) {
          problems.push(`${where}: not a WALI aux import`);
          continue;
        }
        const want = sig(aux.args.map((a) => a.wasm), aux.result === null ? [] : [aux.result]);
        if (got !== want) problems.push(`${where}: ${got}, spec says ${want}`);
      }
    }
    expect(problems).toEqual([]);

    const names = new Set(imports.map((i) => i.name));
    for (const call of MUST_IMPORT[name] ?? []) expect(names, `${name} imports SYS_${call}`).toContain(`SYS_${call}`);
    for (const aux of ['__cl_get_argc', '__cl_get_argv_len', '__cl_copy_argv']) expect(names).toContain(aux);

    expect(exportsMemory(bytes)).toBe(true);
    expect(exports.find((e) => e.name === '_start')?.kind).toBe('function');
  });
});

test('a binary is rebuilt into a cache keyed by its source', () => {
  const a = compileWali('loop');
  expect(compileWali('loop')).toBe(a);
  expect(a).toMatch(/fdwarden-wali-[0-9a-f]{16}[/\\]loop\.wasm$/);
  expect(() => compileWali('../etc/passwd')).toThrow(/bad program name/);
  expect(() => compileWali('no-such-program')).toThrow(/no program/);
});
