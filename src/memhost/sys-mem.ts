/**
 * Memory calls of the in-memory host. Linear memory only grows, so an anonymous mmap hands out
 * whole wasm pages (64 KiB), zeroed, taken from pages an earlier munmap freed or else from
 * `memory.grow`; a file mapping is a copy of the file's bytes, and a shared one is written back to
 * the file (within its size) at msync, munmap and the end of the run. brk never moves, so musl's
 * malloc uses mmap. What is mapped is tracked per wasm page, not per 4 KiB page.
 */
import { O_ACCMODE, O_PATH } from '../linux/index.js';
import { i32, i64, isErr, neg, u32 } from '../wali/errno.js';
import { fixedArgs, LINUX_PAGE, MAP_ANONYMOUS, MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_PRIVATE, MAP_TYPE, mmapAccess, mmapArgs, munmapArgs } from '../wali/mmap-args.js';
import { WASM_PAGE } from '../wali/wasm.js';
import type { Inode } from '../state/types.js';
import type { MemCore } from './core.js';
import { nowNs } from './inodes.js';

const MREMAP_MAYMOVE = 1;
const MAPPED = 1;
const FREE = 2;

/** Which wasm pages mmap handed out (1) or has free (2); 0: the module's own memory. */
class Pages {
  private state = new Uint8Array(0);

  constructor(private readonly h: MemCore) {}

  private ensure(n: number): void {
    if (n <= this.state.length) return;
    const next = new Uint8Array(Math.max(n, this.state.length * 2));
    next.set(this.state);
    this.state = next;
  }

  /** `count` zeroed consecutive pages: freed ones first, else grown. The address, or -ENOMEM. */
  alloc(count: number): number {
    const mem = this.h.memory;
    if (!mem) return neg('ENOMEM');
    const total = Math.floor(mem.buffer.byteLength / WASM_PAGE);
    this.ensure(total);
    let at = -1;
    for (let p = 0, run = 0; p < total && at < 0; p++) {
      run = this.state[p] === FREE ? run + 1 : 0;
      if (run === count) at = p - count + 1;
    }
    if (at >= 0) new Uint8Array(mem.buffer, at * WASM_PAGE, count * WASM_PAGE).fill(0);
    else {
      try {
        at = mem.grow(count);
      } catch {
        return neg('ENOMEM');
      }
      this.ensure(at + count);
    }
    this.state.fill(MAPPED, at, at + count);
    return at * WASM_PAGE;
  }

  /** Frees the whole wasm pages inside [addr, addr+len) that mmap handed out. */
  free(addr: number, len: number): void {
    const first = Math.ceil(addr / WASM_PAGE);
    const end = Math.min(Math.floor((addr + len) / WASM_PAGE), this.state.length);
    for (let p = first; p < end; p++) if (this.state[p] === MAPPED) this.state[p] = FREE;
  }

  /** Whether Linux would find [addr, addr+len) mapped: inside memory, above the NULL page, no page munmap freed. */
  mapped(addr: number, len: number): boolean {
    const size = this.h.memory?.buffer.byteLength ?? 0;
    if (addr < LINUX_PAGE || addr + len > size) return false;
    for (let p = Math.floor(addr / WASM_PAGE); p * WASM_PAGE < addr + len; p++) if (this.state[p] === FREE) return false;
    return true;
  }

  /** Whether every page of [addr, addr+len) was handed out by mmap. */
  owns(addr: number, len: number): boolean {
    const first = Math.floor(addr / WASM_PAGE);
    const end = Math.ceil((addr + len) / WASM_PAGE);
    for (let p = first; p < end; p++) if (this.state[p] !== MAPPED) return false;
    return end > first;
  }
}

/** A shared file mapping: written back to its inode's bytes. */
interface Shared {
  addr: number;
  len: number;
  inode: Inode;
  off: number;
}

/** Writes the shared mappings overlapping [addr, addr+len) back to their files (within each file's size). */
function writeBack(h: MemCore, shared: Shared[], addr: number, len: number): void {
  const mem = h.memory;
  if (!mem) return;
  for (const m of shared) {
    if (m.addr >= addr + len || m.addr + m.len <= addr) continue;
    const d = h.data(m.inode);
    const n = Math.min(m.len, Math.max(0, d.size - m.off), mem.buffer.byteLength - m.addr);
    if (n <= 0) continue;
    h.fs.inodes.write(d, m.off, new Uint8Array(mem.buffer, m.addr, n).slice());
    d.mtimeNs = d.ctimeNs = nowNs();
  }
}

function mmap(h: MemCore, pages: Pages, shared: Shared[], addr: number, len: number, prot: number, flags: number, fd: number, off: number): number {
  const bad = mmapArgs(len, off, flags);
  if (bad) return neg(bad);
  const type = flags & MAP_TYPE;
  let bytes: Uint8Array | undefined;
  let file: Inode | undefined;
  if (!(flags & MAP_ANONYMOUS)) {
    const o = h.openFd(fd);
    if (isErr(o)) return neg(o.errno);
    if (o.file.flags & O_PATH) return neg('EBADF');
    if (o.desc.stdio !== undefined || o.inode.kind !== 'reg') return neg('ENODEV');
    const acc = o.file.flags & O_ACCMODE;
    const denied = mmapAccess(acc, flags, prot);
    if (denied) return neg(denied);
    bytes = h.fs.inodes.read(h.data(o.inode), off, len);
    if (type !== MAP_PRIVATE && acc === 2) file = o.inode;
  }
  let at: number;
  if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
    const fixed = fixedArgs(addr, flags, pages.owns(addr, len));
    if (fixed) return neg(fixed);
    at = addr;
    new Uint8Array(h.memory!.buffer, at, Math.min(Math.ceil(len / LINUX_PAGE) * LINUX_PAGE, h.memory!.buffer.byteLength - at)).fill(0);
  } else {
    at = pages.alloc(Math.ceil(len / WASM_PAGE));
    if (at < 0) return at;
  }
  if (bytes && bytes.length > 0) new Uint8Array(h.memory!.buffer).set(bytes, at);
  if (file) shared.push({ addr: at, len, inode: file, off });
  return at;
}

function mremap(h: MemCore, pages: Pages, addr: number, oldLen: number, newLen: number, flags: number): number {
  if (addr % LINUX_PAGE !== 0 || newLen === 0 || flags & ~3) return neg('EINVAL');
  if (!pages.owns(addr, Math.max(oldLen, 1))) return neg('EFAULT');
  const cap = Math.ceil(oldLen / WASM_PAGE) * WASM_PAGE;
  if (newLen <= cap) return addr;
  if (!(flags & MREMAP_MAYMOVE)) return neg('ENOMEM');
  const at = pages.alloc(Math.ceil(newLen / WASM_PAGE));
  if (at < 0) return at;
  const buf = new Uint8Array(h.memory!.buffer);
  buf.copyWithin(at, addr, addr + oldLen);
  pages.free(addr, cap);
  return at;
}

/** The advice values Linux knows (MADV_HWPOISON and MADV_SOFT_OFFLINE need CAP_SYS_ADMIN and are refused). */
const ADVICE = new Set([0, 1, 2, 3, 4, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
const MADV_DONTNEED = 4;
const PROT_KNOWN = 7 | 0x01000000 | 0x02000000;

/** mmap, munmap, mprotect, madvise, msync, mremap and brk, by syscall name. */
export function memCalls(h: MemCore): Record<string, (e: unknown, ...a: unknown[]) => number> {
  const pages = new Pages(h);
  const shared: Shared[] = [];
  h.atExit.push(() => writeBack(h, shared, 0, 2 ** 32));
  const aligned = (a: unknown): boolean => u32(a) % LINUX_PAGE === 0;
  return {
    mmap: (_e, a, l, p, f, fd, off) => mmap(h, pages, shared, u32(a), u32(l), i32(p), i32(f), i32(fd), i64(off)),
    munmap: (_e, a, l) => {
      const bad = munmapArgs(u32(a), u32(l));
      if (bad) return neg(bad);
      writeBack(h, shared, u32(a), u32(l));
      for (let i = shared.length - 1; i >= 0; i--) if (shared[i]!.addr >= u32(a) && shared[i]!.addr < u32(a) + u32(l)) shared.splice(i, 1);
      pages.free(u32(a), Math.ceil(u32(l) / WASM_PAGE) * WASM_PAGE);
      return 0;
    },
    mprotect: (_e, a, l, p) => {
      if (!aligned(a) || i32(p) & ~PROT_KNOWN) return neg('EINVAL');
      return u32(l) === 0 || pages.mapped(u32(a), u32(l)) ? 0 : neg('ENOMEM');
    },
    madvise: (_e, a, l, adv) => {
      if (!aligned(a) || !ADVICE.has(i32(adv))) return neg('EINVAL');
      if (u32(l) === 0) return 0;
      if (!pages.mapped(u32(a), u32(l))) return neg('ENOMEM');
      // Private anonymous memory reads as zeros after MADV_DONTNEED.
      if (i32(adv) === MADV_DONTNEED && pages.owns(u32(a), u32(l)) && !shared.some((m) => m.addr < u32(a) + u32(l) && m.addr + m.len > u32(a))) {
        new Uint8Array(h.memory!.buffer, u32(a), Math.min(Math.ceil(u32(l) / LINUX_PAGE) * LINUX_PAGE, h.memory!.buffer.byteLength - u32(a))).fill(0);
      }
      return 0;
    },
    msync: (_e, a, l, f) => {
      const flags = i32(f);
      if (!aligned(a) || flags & ~7 || (flags & 1 && flags & 4)) return neg('EINVAL');
      if (u32(l) === 0) return 0;
      if (!pages.mapped(u32(a), u32(l))) return neg('ENOMEM');
      writeBack(h, shared, u32(a), u32(l));
      return 0;
    },
    mremap: (_e, a, ol, nl, f) => mremap(h, pages, u32(a), u32(ol), u32(nl), i32(f)),
    // brk at 0 that never moves: musl's malloc then uses mmap.
    brk: () => 0,
  };
}
