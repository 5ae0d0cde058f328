/**
 * A memory limit for a WebAssembly module, applied to its bytes before compiling: every memory
 * the module defines (memory section, id 5) gets a maximum of at most `maxPages`, so
 * `memory.grow` past the limit returns -1 inside the guest (and the host's mmap, which grows
 * memory, fails with ENOMEM) instead of taking the embedding process's memory.
 *
 * Only the memory section is rewritten: its limits are re-encoded and its size with them; every
 * other byte is copied unchanged. Imported memories are not touched here: their importer makes
 * them (`runWali` caps them with `cappedLimits`). Malformed input throws ModuleFormatError, so a
 * module this reader cannot follow is never run without its limit.
 */
import { ModuleFormatError } from './module-types.js';
import { WaliModuleError } from './wasm.js';

/** wasm32's largest memory: 65536 pages of 64 KiB (4 GiB). */
export const WASM32_MAX_PAGES = 65536;

const MEMORY_SECTION = 5;
const MIB_PAGES = 16;

/** The module needs more memory at start than the limit allows. */
export class MemoryLimitError extends WaliModuleError {
  constructor(
    readonly minPages: number,
    readonly limitPages: number,
  ) {
    super(`it needs ${minPages} pages (${mib(minPages)}) of memory at start, more than the limit of ${limitPages} pages (${mib(limitPages)})`);
    this.name = 'MemoryLimitError';
  }
}

function mib(pages: number): string {
  return `${Math.round((pages / MIB_PAGES) * 100) / 100} MiB`;
}

/**
 * A memory's limits under a limit of `limitPages`: the maximum lowered to the limit (or set to
 * it when there was none). Throws MemoryLimitError when the minimum alone exceeds the limit.
 */
export function cappedLimits(limits: { min: number; max?: number }, limitPages: number): { min: number; max: number } {
  if (limits.min > limitPages) throw new MemoryLimitError(limits.min, limitPages);
  return { min: limits.min, max: Math.min(limits.max ?? Infinity, limitPages) };
}

/** One memory of the memory section as it is encoded. */
export interface DefinedMemory {
  readonly flags: number;
  readonly min: number;
  readonly max?: number;
}

/** Unsigned LEB128, as few bytes as the value needs. */
export function encodeU(n: number): number[] {
  const out: number[] = [];
  let v = n;
  do {
    let b = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) b |= 0x80;
    out.push(b);
  } while (v > 0);
  return out;
}

/** A cursor over the module's bytes that never reads past `end`. */
class Cursor {
  constructor(
    private readonly bytes: Uint8Array,
    public pos: number,
    public end: number,
  ) {}

  byte(): number {
    if (this.pos >= this.end) throw new ModuleFormatError('unexpected end of input or section', this.pos);
    return this.bytes[this.pos++]!;
  }

  /** Unsigned LEB128 of at most `bits` bits; rejects overlong encodings and values past 2^53. */
  uleb(bits: 32 | 64, what: string): number {
    const start = this.pos;
    const maxBytes = Math.ceil(bits / 7);
    let result = 0;
    for (let i = 0; ; i++) {
      const b = this.byte();
      if (i === maxBytes - 1 && (b & 0x80 || b >> (bits - 7 * i) !== 0)) throw new ModuleFormatError(`${what}: LEB128 integer too long or out of range for u${bits}`, start);
      result += (b & 0x7f) * 2 ** (7 * i);
      if (!(b & 0x80)) break;
    }
    if (result > Number.MAX_SAFE_INTEGER) throw new ModuleFormatError(`${what}: value does not fit in 53 bits`, start);
    return result;
  }
}

interface Section {
  readonly id: number;
  /** Where the section starts (its id byte), where its body starts and ends. */
  readonly at: number;
  readonly body: number;
  readonly end: number;
}

function sections(bytes: Uint8Array): Section[] {
  const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  header.forEach((b, i) => {
    if (bytes[i] !== b) throw new ModuleFormatError(i < 4 ? 'not a WebAssembly module (bad magic number)' : 'unsupported binary version (only version 1 is read)', i);
  });
  const c = new Cursor(bytes, header.length, bytes.length);
  const out: Section[] = [];
  while (c.pos < bytes.length) {
    const at = c.pos;
    const id = c.byte();
    const size = c.uleb(32, `section ${id} size`);
    if (size > bytes.length - c.pos) throw new ModuleFormatError(`section ${id} of ${size} bytes runs past the end of the input`, c.pos);
    out.push({ id, at, body: c.pos, end: c.pos + size });
    c.pos += size;
  }
  if (out.filter((s) => s.id === MEMORY_SECTION).length > 1) throw new ModuleFormatError('more than one memory section', out.filter((s) => s.id === MEMORY_SECTION)[1]!.at);
  return out;
}

function readMemories(bytes: Uint8Array, s: Section): DefinedMemory[] {
  const c = new Cursor(bytes, s.body, s.end);
  const count = c.uleb(32, 'memory count');
  const out: DefinedMemory[] = [];
  for (let i = 0; i < count; i++) {
    const at = c.pos;
    const flags = c.byte();
    // bit 0: has a maximum, bit 1: shared, bit 2: 64-bit (memory64).
    if (flags > 7) throw new ModuleFormatError(`memory ${i}: limits flags 0x${flags.toString(16)} are not in 0..7`, at);
    const bits = flags & 4 ? 64 : 32;
    const min = c.uleb(bits, `memory ${i} minimum`);
    out.push(flags & 1 ? { flags, min, max: c.uleb(bits, `memory ${i} maximum`) } : { flags, min });
  }
  if (c.pos !== s.end) throw new ModuleFormatError(`the memory section has ${s.end - c.pos} bytes after its memories`, c.pos);
  return out;
}

/** The memories the module defines (not the imported ones), as encoded. */
export function definedMemories(bytes: Uint8Array): DefinedMemory[] {
  const s = sections(bytes).find((x) => x.id === MEMORY_SECTION);
  return s ? readMemories(bytes, s) : [];
}

/**
 * The module with every defined memory's maximum at most `maxPages` (a memory without a
 * maximum gets one). The input itself when nothing needed lowering. Throws MemoryLimitError
 * when a memory's minimum exceeds `maxPages`, ModuleFormatError on malformed input.
 */
export function limitMemory(bytes: Uint8Array, maxPages: number): Uint8Array {
  if (!Number.isInteger(maxPages) || maxPages < 0) throw new RangeError(`limitMemory: maxPages must be a whole number of pages, not ${maxPages}`);
  const s = sections(bytes).find((x) => x.id === MEMORY_SECTION);
  if (!s) return bytes;
  const memories = readMemories(bytes, s);
  const capped = memories.map((m) => ({ m, limits: cappedLimits(m, maxPages) }));
  if (capped.every(({ m, limits }) => m.max === limits.max)) return bytes;
  const body = [...encodeU(memories.length)];
  for (const { m, limits } of capped) body.push(m.flags | 1, ...encodeU(limits.min), ...encodeU(limits.max));
  const section = [MEMORY_SECTION, ...encodeU(body.length), ...body];
  const out = new Uint8Array(bytes.length - (s.end - s.at) + section.length);
  out.set(bytes.subarray(0, s.at), 0);
  out.set(section, s.at);
  out.set(bytes.subarray(s.end), s.at + section.length);
  return out;
}
