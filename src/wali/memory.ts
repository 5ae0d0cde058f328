/**
 * Bounds-checked access to a WALI guest's linear memory.
 *
 * The memory is exported by the module, so this is bound after instantiation. Nothing here
 * throws on a guest-supplied pointer or length: every failure is a value ({ errno: 'EFAULT' }),
 * returned exactly when the access would touch a byte outside memory.
 *
 * Pointers and lengths arrive as wasm i32 (a signed Number) or i64 (a BigInt). A Number in
 * [-2^31, 2^32) is read as the u32 wasm would use (`>>> 0`); a BigInt must be in [0, 2^32).
 * Anything else (NaN, fractions, other magnitudes) cannot be a wasm32 address: EFAULT.
 *
 * Views are cached. An access that does not fit the cached view re-reads `memory.buffer`:
 * shared memory grows in place (the old SharedArrayBuffer keeps its old length), and a plain
 * ArrayBuffer is detached on grow (its views' length drops to 0), so both land on that path.
 */

/**
 * The part of a WebAssembly.Memory used here. Structural, because the project's type libraries
 * (ES2023 + node) declare no WebAssembly namespace; a real Memory satisfies it.
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}

export interface MemFault {
  readonly errno: 'EFAULT';
}
export interface NameTooLong {
  readonly errno: 'ENAMETOOLONG';
}
export const EFAULT: MemFault = Object.freeze({ errno: 'EFAULT' });
export const ENAMETOOLONG: NameTooLong = Object.freeze({ errno: 'ENAMETOOLONG' });

/** A guest address or length as a wasm import receives it. */
export type GuestWord = number | bigint;

/** Linux PATH_MAX: a path must end (NUL included) within this many bytes. */
export const PATH_MAX = 4096;

const U32_LIMIT = 2 ** 32;

/** The u32 a wasm32 address or size stands for, or -1 when it cannot be one. */
export function toU32(x: GuestWord): number {
  if (typeof x === 'bigint') return x >= 0n && x < 4294967296n ? Number(x) : -1;
  if (typeof x !== 'number' || !Number.isInteger(x) || x < -(2 ** 31) || x >= U32_LIMIT) return -1;
  return x >>> 0;
}

const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer;

/** A view of memory with Node's latin1 decoding where Buffer exists (it is native); a plain view elsewhere. */
function asBytes(buf: ArrayBuffer | SharedArrayBuffer): Uint8Array {
  return NodeBuffer ? NodeBuffer.from(buf) : new Uint8Array(buf);
}

/** The first `n` bytes of `b` as a byte string (one char per byte). */
function latin1(b: Uint8Array, n: number): string {
  if (NodeBuffer && b instanceof NodeBuffer) return b.toString('latin1', 0, n);
  let out = '';
  for (let i = 0; i < n; i += 8192) out += String.fromCharCode(...b.subarray(i, Math.min(n, i + 8192)));
  return out;
}

export class GuestMemory {
  readonly memory: WasmMemory;
  private u8: Uint8Array;
  private dv: DataView;
  /** The same bytes as a Buffer where Node's Buffer exists (native latin1 decoding); in a web page, the Uint8Array. */
  private buf: Uint8Array;

  /** Whether the memory is shared (a memory never changes between the two). */
  private readonly shared: boolean;

  constructor(memory: WasmMemory) {
    this.memory = memory;
    this.shared = typeof SharedArrayBuffer === 'function' && memory.buffer instanceof SharedArrayBuffer;
    this.u8 = new Uint8Array(memory.buffer);
    this.dv = new DataView(memory.buffer);
    this.buf = asBytes(memory.buffer);
  }

  /** The guest memory of an instance (its `memory` export), if it has one. */
  static fromInstance(instance: { readonly exports: Readonly<Record<string, unknown>> }): GuestMemory | undefined {
    const m = instance.exports['memory'];
    if (typeof m !== 'object' || m === null) return undefined;
    const buf: unknown = (m as { buffer?: unknown }).buffer;
    const ok = buf instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && buf instanceof SharedArrayBuffer);
    return ok ? new GuestMemory(m as WasmMemory) : undefined;
  }

  /**
   * The current size of memory in bytes. A plain buffer still attached is current (grow detaches
   * it): no re-read of `memory.buffer` on the per-call path. Shared memory grows in place: re-read.
   */
  get byteLength(): number {
    if (this.u8.byteLength === 0 || this.shared) this.refresh();
    return this.u8.byteLength;
  }

  private refresh(): void {
    const buf = this.memory.buffer;
    if (buf.byteLength !== this.u8.byteLength || buf !== this.u8.buffer) {
      this.u8 = new Uint8Array(buf);
      this.dv = new DataView(buf);
      this.buf = asBytes(buf);
    }
  }

  /** The start of [ptr, ptr+len) when it lies inside memory, else -1. Refreshes views if needed. */
  private range(ptr: GuestWord, len: GuestWord): number {
    const p = toU32(ptr);
    const n = toU32(len);
    if (p < 0 || n < 0) return -1;
    if (p + n <= this.u8.byteLength) return p;
    this.refresh();
    return p + n <= this.u8.byteLength ? p : -1;
  }

  /**
   * A copy of `len` bytes at `ptr`. Copying matters: another guest thread can change shared
   * memory between a policy check and its use.
   */
  readBytes(ptr: GuestWord, len: GuestWord): Uint8Array | MemFault {
    const p = this.range(ptr, len);
    return p < 0 ? EFAULT : this.u8.slice(p, p + toU32(len));
  }

  /** Copies `bytes` to `ptr`; undefined on success. */
  writeBytes(ptr: GuestWord, bytes: Uint8Array): MemFault | undefined {
    const p = this.range(ptr, bytes.length);
    if (p < 0) return EFAULT;
    this.u8.set(bytes, p);
    return undefined;
  }

  /**
   * The NUL-terminated string at `ptr` as latin1 (one char per byte, NUL excluded).
   * EFAULT when a byte before the NUL lies outside memory; ENAMETOOLONG when the first `max`
   * bytes (NUL included, PATH_MAX by default) are all inside memory and none is NUL.
   */
  readCString(ptr: GuestWord, max: number = PATH_MAX): string | MemFault | NameTooLong {
    const limit = max >= 1 ? Math.floor(max) : 1;
    const p = this.range(ptr, 1);
    if (p < 0) return EFAULT;
    let window = this.buf.subarray(p, p + limit);
    let nul = window.indexOf(0);
    if (nul < 0 && window.length < limit) {
      // The string runs to the end of the cached view: memory may have grown since.
      this.refresh();
      window = this.buf.subarray(p, p + limit);
      nul = window.indexOf(0);
    }
    if (nul >= 0) return latin1(window, nul);
    return window.length < limit ? EFAULT : ENAMETOOLONG;
  }

  readU32(ptr: GuestWord): number | MemFault {
    const p = this.range(ptr, 4);
    return p < 0 ? EFAULT : this.dv.getUint32(p, true);
  }

  readI32(ptr: GuestWord): number | MemFault {
    const p = this.range(ptr, 4);
    return p < 0 ? EFAULT : this.dv.getInt32(p, true);
  }

  readI64(ptr: GuestWord): bigint | MemFault {
    const p = this.range(ptr, 8);
    return p < 0 ? EFAULT : this.dv.getBigInt64(p, true);
  }

  readU64(ptr: GuestWord): bigint | MemFault {
    const p = this.range(ptr, 8);
    return p < 0 ? EFAULT : this.dv.getBigUint64(p, true);
  }

  /** Stores the low 32 bits of `value`; undefined on success. */
  writeU32(ptr: GuestWord, value: number): MemFault | undefined {
    const p = this.range(ptr, 4);
    if (p < 0) return EFAULT;
    this.dv.setUint32(p, value, true);
    return undefined;
  }

  writeI32(ptr: GuestWord, value: number): MemFault | undefined {
    const p = this.range(ptr, 4);
    if (p < 0) return EFAULT;
    this.dv.setInt32(p, value, true);
    return undefined;
  }

  /** Stores `value` modulo 2^64; undefined on success. */
  writeI64(ptr: GuestWord, value: bigint): MemFault | undefined {
    const p = this.range(ptr, 8);
    if (p < 0) return EFAULT;
    this.dv.setBigInt64(p, BigInt.asIntN(64, value), true);
    return undefined;
  }
}
