/**
 * The parts of the WebAssembly JS API that WALI code uses, typed by hand: the project's type
 * libraries (ES2023 + node) declare no WebAssembly namespace. Real WebAssembly objects satisfy
 * these interfaces structurally.
 */

/** What an import can be: a host function, a memory, a global, a table. */
export type ImportValue = ((...args: never[]) => unknown) | object | number | bigint;

/** An import object: module name → field name → value. */
export type Imports = Record<string, Record<string, ImportValue>>;

export interface ModuleImportDescriptor {
  readonly module: string;
  readonly name: string;
  readonly kind: 'function' | 'table' | 'memory' | 'global' | 'tag';
}

export interface ModuleExportDescriptor {
  readonly name: string;
  readonly kind: 'function' | 'table' | 'memory' | 'global' | 'tag';
}

/** A compiled module (opaque here). */
export interface WasmModule {
  readonly __wasmModule?: never;
}

export interface WasmMemoryObject {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}

export interface WasmInstance {
  readonly exports: Readonly<Record<string, unknown>>;
}

interface WebAssemblyApi {
  Module: {
    new (bytes: Uint8Array): WasmModule;
    imports(m: WasmModule): ModuleImportDescriptor[];
    exports(m: WasmModule): ModuleExportDescriptor[];
  };
  Instance: new (m: WasmModule, imports: Imports) => WasmInstance;
  compile(bytes: Uint8Array): Promise<WasmModule>;
  instantiate(m: WasmModule, imports: Imports): Promise<WasmInstance>;
  Memory: new (d: { initial: number; maximum?: number; shared?: boolean }) => WasmMemoryObject;
  /** A trap in the guest (unreachable, a bad memory access ...). */
  RuntimeError: new () => Error;
  /** Bytes that are not a valid module. */
  CompileError: new () => Error;
  /** Imports that do not fit the module's. */
  LinkError: new () => Error;
}

/** The global WebAssembly object, typed. */
export const WA: WebAssemblyApi = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

/** The page size of linear memory. */
export const WASM_PAGE = 65536;

/** A module that cannot run as a WALI program (no memory, no `_start`, a 64-bit memory ...). */
export class WaliModuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WaliModuleError';
  }
}
