/**
 * What one syscall may make the host allocate. readv and writev take up to 1024 segments that
 * may all cover the same guest bytes, and the host gathers them into one buffer of their total
 * size (up to 2 GiB): a guest with 2 MiB of memory made the host take 2 GiB in one writev. That
 * memory is outside the JS heap, so no heap limit sees it.
 *
 * `boundVectorIo` sits between the interposer and the host: a readv or writev whose segments
 * add up to more than the guest's memory is cut to the segments that fit (at least one). The
 * guest sees a short read or write, which Linux allows and callers retry (musl's stdio does);
 * segments within memory never add up to more than it unless they overlap.
 */
import { GuestMemory } from '../wali/memory.js';
import type { ImportValue, Imports, WasmInstance } from '../wali/wasm.js';
import { WALI_MODULE } from '../wali/table.js';

const IOV_MAX = 1024;
const IOVEC_SIZE = 8;
/** The host refuses a segment longer than this (EINVAL): such a call is left for it to refuse. */
const SEGMENT_MAX = 0x7fffffff;

/** The number of leading segments of the iovec array at `iov` whose lengths add up to at most `cap` (at least 1), or undefined to leave the call as it is. */
export function segmentsWithin(mem: GuestMemory, iov: number, count: number, cap: number): number | undefined {
  if (count < 1 || count > IOV_MAX) return undefined;
  const raw = mem.readBytes(iov, count * IOVEC_SIZE);
  if (!(raw instanceof Uint8Array)) return undefined;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  let total = 0;
  let fit: number | undefined;
  for (let i = 0; i < count; i++) {
    const len = view.getUint32(i * IOVEC_SIZE + 4, true);
    if (len > SEGMENT_MAX) return undefined;
    total += len;
    if (total > cap && fit === undefined) fit = Math.max(1, i);
  }
  return fit;
}

/** A guest word (i32 Number or i64 BigInt) as a signed 32-bit number. */
function int(x: unknown): number {
  return typeof x === 'bigint' ? Number(BigInt.asIntN(32, x)) : Number(x) | 0;
}

/**
 * `imports` with SYS_readv and SYS_writev cut to the guest's memory size per call; `attach`
 * binds guest memory after instantiation (until then calls pass unchanged).
 */
export function boundVectorIo(imports: Imports): { imports: Imports; attach(instance: WasmInstance): void } {
  let mem: GuestMemory | undefined;
  const wali = { ...(imports[WALI_MODULE] ?? {}) };
  for (const name of ['SYS_readv', 'SYS_writev']) {
    const call = wali[name];
    if (typeof call !== 'function') continue;
    const host = call as (...a: unknown[]) => unknown;
    wali[name] = ((fd: unknown, iov: unknown, count: unknown, ...rest: unknown[]) => {
      const fit = mem ? segmentsWithin(mem, int(iov) >>> 0, int(count), mem.byteLength) : undefined;
      const cut = fit === undefined ? count : typeof count === 'bigint' ? BigInt(fit) : fit;
      return host(fd, iov, cut, ...rest);
    }) as ImportValue;
  }
  return {
    imports: { ...imports, [WALI_MODULE]: wali },
    attach: (instance) => {
      mem = GuestMemory.fromInstance(instance);
    },
  };
}
