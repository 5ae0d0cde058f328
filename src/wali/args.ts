/**
 * A WALI guest's syscall arguments as the one decoding (src/syscalls/decode.ts) reads them:
 * i32 values as Numbers, i64 as BigInts, and structures copied out of guest memory with bounds
 * checks. Where Linux would fault on a bad pointer (copy_from_user), a `Fault` is thrown.
 */
import { AF_INET6, AF_UNIX } from '../linux/index.js';
import { inetLabel, isLoopback4, isLoopback6 } from '../rules/network.js';
import { Fault, type ArgReader, type SockAddr } from '../syscalls/reader.js';
import { toU32, type GuestMemory, type GuestWord } from './memory.js';

/** A timespec's tv_nsec as utimensat accepts it: in range, UTIME_NOW or UTIME_OMIT. */
const nsecValid = (ns: bigint): boolean => (ns >= 0n && ns < 1_000_000_000n) || ns === 0x3fffffffn || ns === 0x3ffffffen;

/** sizeof(struct sockaddr_un). */
const SOCKADDR_UN = 110;
/** sizeof(struct sockaddr_storage): the most move_addr_to_kernel copies. */
const SOCKADDR_STORAGE = 128;

/** An argument as the C int it is (an i64 from an older toolchain is truncated as C would). */
export function cInt(x: GuestWord | undefined): number {
  return typeof x === 'bigint' ? Number(BigInt.asIntN(32, x)) : (x ?? 0) | 0;
}

export class WaliArgs implements ArgReader {
  /** `mem` is undefined before the guest's memory is bound: any read of it faults. */
  constructor(readonly raw: readonly GuestWord[], private readonly memory: GuestMemory | undefined) {}

  private get mem(): GuestMemory {
    if (!this.memory) throw new Fault('EFAULT');
    return this.memory;
  }

  int(i: number): number {
    return cInt(this.raw[i]);
  }

  flags(i: number): number {
    return cInt(this.raw[i]);
  }

  long(i: number): number {
    const x = this.raw[i];
    return typeof x === 'bigint' ? Number(BigInt.asIntN(64, x)) : (x ?? 0);
  }

  isNull(i: number): boolean {
    return toU32(this.raw[i] ?? 0) === 0;
  }

  path(i: number): string {
    const s = this.mem.readCString(this.raw[i] ?? -1);
    if (typeof s !== 'string') throw new Fault(s.errno);
    return s;
  }

  pointedInt(i: number): number {
    const v = this.mem.readI32(this.raw[i] ?? -1);
    if (typeof v !== 'number') throw new Fault('EFAULT');
    return v;
  }

  openHow(i: number): { flags: number; mode: number; resolve: number } {
    const b = this.bytes(this.raw[i], 24);
    const v = new DataView(b.buffer, b.byteOffset, 24);
    return { flags: Number(v.getBigUint64(0, true)), mode: Number(v.getBigUint64(8, true)), resolve: Number(v.getBigUint64(16, true)) };
  }

  rlimitCur(i: number): number {
    const cur = this.mem.readU64(this.raw[i] ?? -1);
    if (typeof cur !== 'bigint') throw new Fault('EFAULT');
    return cur > 0x7fffffffn ? 0x7fffffff : Number(cur);
  }

  sockaddr(i: number, len: number): SockAddr | undefined {
    return this.sockaddrAt(this.raw[i], toU32(this.raw[len] ?? 0));
  }

  /**
   * struct msghdr on wasm32: msg_name (u32 pointer) then msg_namelen (an int: negative is EINVAL,
   * over 128 is cut to 128, as copy_msghdr_from_user does).
   */
  msgName(i: number): SockAddr | undefined {
    const b = this.bytes(this.raw[i], 8);
    const v = new DataView(b.buffer, b.byteOffset, 8);
    const name = v.getUint32(0, true);
    const len = v.getInt32(4, true);
    return name === 0 ? undefined : this.sockaddrAt(name, len < 0 ? 0x80000000 : Math.min(len, SOCKADDR_STORAGE));
  }

  timesValid(i: number): boolean {
    if (this.isNull(i)) return true;
    const b = this.bytes(this.raw[i], 32);
    const v = new DataView(b.buffer, b.byteOffset, 32);
    return nsecValid(v.getBigInt64(8, true)) && nsecValid(v.getBigInt64(24, true));
  }

  /** WALI has fork only: clone is not part of its ABI. */
  cloneFlags(): number {
    return this.int(0);
  }

  /**
   * A sockaddr of `len` bytes (the kernel copies exactly that much; too short is EINVAL there, not
   * a name; over 128 bytes EINVAL before anything is read). Non-Unix families are classed by the
   * address they carry: only a surely-loopback one is `loopback` (AF_UNSPEC reads as IPv4, as
   * an IPv4 socket reads it).
   */
  private sockaddrAt(ptr: GuestWord | undefined, len: number): SockAddr | undefined {
    if (len < 2) return undefined;
    if (len > SOCKADDR_STORAGE) return { family: -1, len };
    const b = this.bytes(ptr, len);
    const family = b[0]! | (b[1]! << 8);
    if (family !== AF_UNIX) {
      const v = new DataView(b.buffer, b.byteOffset, b.length);
      const port = b.length >= 4 ? v.getUint16(2, false) : 0;
      if (family === AF_INET6) {
        const a = b.subarray(8, 24);
        return { family, len, raw: b, inet: isLoopback6(a) ? 'loopback' : 'inet', ...(a.length === 16 ? { text: inetLabel('v6', a, port) } : {}) };
      }
      const a = b.subarray(4, 8);
      return { family, len, raw: b, inet: isLoopback4(a) ? 'loopback' : 'inet', ...(a.length === 4 ? { text: inetLabel('v4', a, port) } : {}) };
    }
    if (b.length <= 2) return { family, len, raw: b };
    const body = b.subarray(2, Math.min(b.length, SOCKADDR_UN));
    if (body[0] === 0) return { family, len, raw: b, abstract: true };
    const nul = body.indexOf(0);
    return { family, len, raw: b, path: String.fromCharCode(...(nul < 0 ? body : body.subarray(0, nul))) };
  }

  private bytes(ptr: GuestWord | undefined, len: number): Uint8Array {
    const b = this.mem.readBytes(ptr ?? -1, len);
    if (!(b instanceof Uint8Array)) throw new Fault('EFAULT');
    return b;
  }
}
