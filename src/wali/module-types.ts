/**
 * A small, strict reader of a WebAssembly binary's import and export sections.
 *
 * The JS API (`WebAssembly.Module.imports`) names imports but gives no types, and WALI binaries
 * from different toolchains import the same syscall with different signatures (`SYS_fcntl`
 * `(iii)` or `(iiI)`), so a host must read the types from the module itself: which parameters
 * arrive as BigInt, and whether a result is expected at all.
 *
 * Only the type (1), import (2) and export (7) sections are decoded; every other section is
 * skipped by its size. Malformed input throws ModuleFormatError with the byte offset; the reader
 * never reads past the end of the input and every loop consumes at least one byte per turn.
 */

export type ValType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128' | 'funcref' | 'externref';
export type ExternKind = 'function' | 'table' | 'memory' | 'global' | 'tag';

export interface Limits {
  readonly min: number;
  /** Absent when the limits have no maximum. */
  readonly max?: number;
}

export interface MemoryType extends Limits {
  readonly shared: boolean;
  /** memory64 proposal: addresses are i64 and the limits are u64. */
  readonly memory64: boolean;
}

export interface TableType extends Limits {
  readonly element: 'funcref' | 'externref';
  /** table64 (memory64 proposal): indices are i64. */
  readonly table64: boolean;
}

export interface GlobalType {
  readonly type: ValType;
  readonly mutable: boolean;
}

export interface ImportType {
  readonly module: string;
  readonly name: string;
  readonly kind: ExternKind;
  /** function and tag imports: the signature's parameters. */
  readonly params?: readonly ValType[];
  /** function and tag imports: the signature's results (empty for a void function). */
  readonly results?: readonly ValType[];
  /** function and tag imports: the index into the type section. */
  readonly typeIndex?: number;
  readonly table?: TableType;
  readonly memory?: MemoryType;
  readonly global?: GlobalType;
}

export interface ExportType {
  readonly name: string;
  readonly kind: ExternKind;
  /** Index in the kind's index space (imports first, then definitions). */
  readonly index: number;
}

export interface FuncType {
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
}

export interface ModuleTypes {
  readonly types: readonly FuncType[];
  readonly imports: readonly ImportType[];
  readonly exports: readonly ExportType[];
}

/** The input is not a WebAssembly binary this reader accepts. `offset` is where it went wrong. */
export class ModuleFormatError extends Error {
  constructor(
    readonly detail: string,
    readonly offset: number,
  ) {
    super(`malformed wasm module at byte ${offset}: ${detail}`);
    this.name = 'ModuleFormatError';
  }
}

const MAGIC = [0x00, 0x61, 0x73, 0x6d] as const;
const VERSION = [0x01, 0x00, 0x00, 0x00] as const;

const VALTYPES: Readonly<Record<number, ValType>> = {
  0x7f: 'i32',
  0x7e: 'i64',
  0x7d: 'f32',
  0x7c: 'f64',
  0x7b: 'v128',
  0x70: 'funcref',
  0x6f: 'externref',
};

/** Type-section forms of the GC proposal, named for the error message. */
const GC_FORMS: Readonly<Record<number, string>> = {
  0x4e: 'rec',
  0x50: 'sub',
  0x4f: 'sub final',
  0x5e: 'array',
  0x5f: 'struct',
};

const KINDS: readonly ExternKind[] = ['function', 'table', 'memory', 'global', 'tag'];

/**
 * The position of each known section id in the required order; custom sections (0) may appear
 * anywhere. Tag (13) sits between memory and global, data count (12) before code.
 */
const SECTION_RANK: Readonly<Record<number, number>> = { 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11, 10: 12, 11: 13 };

// fatal: a name that is not valid UTF-8 makes the module invalid.
const UTF8 = new TextDecoder('utf-8', { fatal: true });

class Reader {
  pos: number;

  constructor(
    private readonly bytes: Uint8Array,
    start: number,
    /** Reads stop here: the end of the input or of the current section. */
    public end: number,
  ) {
    this.pos = start;
  }

  fail(detail: string, at = this.pos): never {
    throw new ModuleFormatError(detail, at);
  }

  byte(): number {
    if (this.pos >= this.end) this.fail(this.end === this.bytes.length ? 'unexpected end of input' : 'unexpected end of section');
    return this.bytes[this.pos++]!;
  }

  /** Unsigned LEB128 of at most `bits` bits (32 or 64), as a Number; rejects overlong encodings. */
  uleb(bits: 32 | 64, what: string): number {
    const start = this.pos;
    const maxBytes = Math.ceil(bits / 7);
    let result = 0;
    for (let i = 0; ; i++) {
      const b = this.byte();
      if (i === maxBytes - 1) {
        // The last byte may use only the bits that still fit, and must end the number.
        const usable = bits - 7 * i;
        if (b & 0x80 || b >> usable !== 0) this.fail(`${what}: LEB128 integer too long or out of range for u${bits}`, start);
      }
      // Float arithmetic is exact up to 2^53; anything larger stays >= 2^53 and is rejected below.
      result += (b & 0x7f) * 2 ** (7 * i);
      if (!(b & 0x80)) break;
    }
    if (result > Number.MAX_SAFE_INTEGER) this.fail(`${what}: value does not fit in 53 bits`, start);
    return result;
  }

  u32(what: string): number {
    return this.uleb(32, what);
  }

  name(what: string): string {
    const len = this.u32(`${what} length`);
    const start = this.pos;
    if (len > this.end - start) this.fail(`${what} of ${len} bytes runs past the ${this.end === this.bytes.length ? 'input' : 'section'}`, start);
    this.pos += len;
    try {
      // slice copies: TextDecoder refuses views of a SharedArrayBuffer.
      return UTF8.decode(this.bytes.slice(start, start + len));
    } catch {
      this.fail(`${what} is not valid UTF-8`, start);
    }
  }

  valType(what: string): ValType {
    const at = this.pos;
    const b = this.byte();
    const t = VALTYPES[b];
    if (t === undefined) this.fail(`${what}: unknown or unsupported value type 0x${hex(b)}`, at);
    return t;
  }
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0');
}

function readFuncTypes(r: Reader): FuncType[] {
  const count = r.u32('type count');
  const types: FuncType[] = [];
  for (let i = 0; i < count; i++) {
    const at = r.pos;
    const form = r.byte();
    if (form !== 0x60) {
      const gc = GC_FORMS[form];
      r.fail(gc ? `type ${i} uses the GC proposal's '${gc}' form (0x${hex(form)}), which is not supported` : `type ${i}: expected a function type (0x60), found 0x${hex(form)}`, at);
    }
    const params = readValTypes(r, `type ${i} parameter`);
    const results = readValTypes(r, `type ${i} result`);
    types.push(Object.freeze({ params, results }));
  }
  return types;
}

function readValTypes(r: Reader, what: string): readonly ValType[] {
  const n = r.u32(`${what} count`);
  const out: ValType[] = [];
  for (let i = 0; i < n; i++) out.push(r.valType(what));
  return Object.freeze(out);
}

function readLimitsBody(r: Reader, flags: number, has64: boolean, what: string): Limits {
  const bits = has64 ? 64 : 32;
  const min = r.uleb(bits, `${what} minimum`);
  if (!(flags & 1)) return { min };
  const atMax = r.pos;
  const max = r.uleb(bits, `${what} maximum`);
  if (max < min) r.fail(`${what} maximum ${max} is below its minimum ${min}`, atMax);
  return { min, max };
}

function readMemoryType(r: Reader): MemoryType {
  const at = r.pos;
  const flags = r.byte();
  // bit 0: has a maximum, bit 1: shared (threads), bit 2: 64-bit (memory64).
  if (flags > 7) r.fail(`memory limits flags 0x${hex(flags)} are not in 0..7`, at);
  const shared = (flags & 2) !== 0;
  const memory64 = (flags & 4) !== 0;
  if (shared && !(flags & 1)) r.fail('a shared memory needs a maximum', at);
  return Object.freeze({ ...readLimitsBody(r, flags, memory64, 'memory'), shared, memory64 });
}

function readTableType(r: Reader): TableType {
  const at = r.pos;
  const element = r.valType('table element');
  if (element !== 'funcref' && element !== 'externref') r.fail(`table element type must be a reference type, found ${element}`, at);
  const flagsAt = r.pos;
  const flags = r.byte();
  // Tables cannot be shared: only bit 0 (maximum) and bit 2 (table64) may be set.
  if (flags & ~5) r.fail(`table limits flags 0x${hex(flags)} are not 0, 1, 4 or 5`, flagsAt);
  const table64 = (flags & 4) !== 0;
  return Object.freeze({ element, ...readLimitsBody(r, flags, table64, 'table'), table64 });
}

function readGlobalType(r: Reader): GlobalType {
  const type = r.valType('global');
  const at = r.pos;
  const m = r.byte();
  if (m > 1) r.fail(`global mutability must be 0 or 1, found 0x${hex(m)}`, at);
  return Object.freeze({ type, mutable: m === 1 });
}

function funcTypeAt(r: Reader, types: readonly FuncType[], what: string): { typeIndex: number; t: FuncType } {
  const at = r.pos;
  const typeIndex = r.u32(`${what} type index`);
  const t = types[typeIndex];
  if (t === undefined) r.fail(`${what} type index ${typeIndex} is out of range (${types.length} types)`, at);
  return { typeIndex, t };
}

function readImports(r: Reader, types: readonly FuncType[]): ImportType[] {
  const count = r.u32('import count');
  const imports: ImportType[] = [];
  for (let i = 0; i < count; i++) {
    const module = r.name(`import ${i} module name`);
    const name = r.name(`import ${i} field name`);
    const at = r.pos;
    const k = r.byte();
    const kind = KINDS[k];
    if (kind === undefined) r.fail(`import ${module}.${name}: unknown import kind 0x${hex(k)}`, at);
    let entry: ImportType;
    switch (kind) {
      case 'function': {
        const { typeIndex, t } = funcTypeAt(r, types, `import ${module}.${name}`);
        entry = { module, name, kind, params: t.params, results: t.results, typeIndex };
        break;
      }
      case 'table':
        entry = { module, name, kind, table: readTableType(r) };
        break;
      case 'memory':
        entry = { module, name, kind, memory: readMemoryType(r) };
        break;
      case 'global':
        entry = { module, name, kind, global: readGlobalType(r) };
        break;
      case 'tag': {
        const attrAt = r.pos;
        const attr = r.byte();
        if (attr !== 0) r.fail(`import ${module}.${name}: tag attribute must be 0 (exception), found 0x${hex(attr)}`, attrAt);
        const typeAt = r.pos;
        const { typeIndex, t } = funcTypeAt(r, types, `import ${module}.${name}`);
        if (t.results.length !== 0) r.fail(`import ${module}.${name}: a tag's type must have no results`, typeAt);
        entry = { module, name, kind, params: t.params, results: t.results, typeIndex };
        break;
      }
    }
    imports.push(Object.freeze(entry));
  }
  return imports;
}

function readExports(r: Reader): ExportType[] {
  const count = r.u32('export count');
  const exports: ExportType[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < count; i++) {
    const nameAt = r.pos;
    const name = r.name(`export ${i} name`);
    if (seen.has(name)) r.fail(`duplicate export name '${name}'`, nameAt);
    seen.add(name);
    const at = r.pos;
    const k = r.byte();
    const kind = KINDS[k];
    if (kind === undefined) r.fail(`export '${name}': unknown export kind 0x${hex(k)}`, at);
    exports.push(Object.freeze({ name, kind, index: r.u32(`export '${name}' index`) }));
  }
  return exports;
}

/** Reads the header, the function types, the imports and the exports of a module. */
export function readModuleTypes(bytes: Uint8Array): ModuleTypes {
  const r: Reader = new Reader(bytes, 0, bytes.length);
  for (const [i, b] of MAGIC.entries()) if (r.byte() !== b) r.fail('not a WebAssembly module (bad magic number)', i);
  for (const [i, b] of VERSION.entries()) if (r.byte() !== b) r.fail('unsupported binary version (only version 1 is read)', 4 + i);

  let types: FuncType[] = [];
  let imports: ImportType[] = [];
  let exports: ExportType[] = [];
  let lastRank = 0;
  while (r.pos < bytes.length) {
    const idAt = r.pos;
    const id = r.byte();
    const size = r.u32(`section ${id} size`);
    const start = r.pos;
    if (size > bytes.length - start) r.fail(`section ${id} of ${size} bytes runs past the end of the input (${bytes.length - start} left)`, start);
    const end = start + size;
    if (id !== 0) {
      const rank = SECTION_RANK[id];
      if (rank === undefined) r.fail(`unknown section id ${id}`, idAt);
      if (rank <= lastRank) r.fail(`section ${id} is out of order or repeated`, idAt);
      lastRank = rank;
    }
    const s: Reader = new Reader(bytes, start, end);
    if (id === 0) {
      s.name('custom section name');
      s.pos = end;
    } else if (id === 1) types = readFuncTypes(s);
    else if (id === 2) imports = readImports(s, types);
    else if (id === 7) exports = readExports(s);
    else s.pos = end;
    if (s.pos !== end) s.fail(`section ${id} has ${end - s.pos} bytes after its contents (declared size ${size})`);
    r.pos = end;
  }
  return Object.freeze({ types: Object.freeze(types), imports: Object.freeze(imports), exports: Object.freeze(exports) });
}

/** Every import of the module in order, with its type. Throws ModuleFormatError. */
export function readImportTypes(bytes: Uint8Array): ImportType[] {
  return [...readModuleTypes(bytes).imports];
}

/** The export named `name` (default "memory") if it exists and is a memory. */
export function exportsMemory(bytes: Uint8Array, name = 'memory'): boolean {
  return readModuleTypes(bytes).exports.some((e) => e.kind === 'memory' && e.name === name);
}

/** The module's imported memory, if it imports one (threaded builds import it to share it). */
export function importedMemory(bytes: Uint8Array): ImportType | undefined {
  return readModuleTypes(bytes).imports.find((i) => i.kind === 'memory');
}
