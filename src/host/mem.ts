/**
 * Memory calls for a wasm guest: linear memory only grows, so anonymous mmap hands out whole
 * wasm pages (64 KiB, hence page-aligned for any Linux page size), zeroed, taken from pages an
 * earlier munmap gave back or else from `memory.grow`. A file mapping is a copy of the file's
 * bytes (a shared one is written back: mem-maps.ts). brk always fails, so musl's malloc falls
 * back to mmap.
 */
import { O_ACCMODE, O_PATH } from '../linux/index.js';
import { fdCallRights, grantCovers } from '../rules/requests.js';
import { fixedArgs, LINUX_PAGE, MAP_ANONYMOUS, MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_PRIVATE, MAP_TYPE, mmapAccess, mmapArgs, munmapArgs, PROT_WRITE } from '../wali/mmap-args.js';
import { WASM_PAGE } from '../wali/wasm.js';
import type { HostCore } from './core.js';
import { i32, i64, isErr, neg, u32 } from './errno.js';
import { FileMaps, madvise, mprotect, mremap, msync } from './mem-maps.js';

const LINUX_PER_WASM = WASM_PAGE / LINUX_PAGE;

/**
 * Which memory is mapped. Per wasm page: handed out by mmap (1), free for reuse (2), or memory
 * mmap never had (0: the module's own data and stack, pages the guest grew itself). Per Linux
 * page, what Linux would call unmapped: the NULL page, what munmap took, and the tail of a wasm
 * page beyond the mapping mmap made in it. mprotect, madvise, msync and mremap answer ENOMEM
 * (EFAULT for mremap) on unmapped ranges from this.
 */
export class PageMap {
  private state = new Uint8Array(0);
  private gone = new Uint8Array(0);
  /** The file mappings (shared ones are written back at msync, munmap and exit). */
  readonly files: FileMaps;

  constructor(private readonly h: HostCore) {
    this.files = new FileMaps(h);
  }

  /**
   * A fork child's map of its copy of the memory: the same pages mapped and free. Its file
   * mappings are plain memory there (a shared one is not written back by the child).
   */
  copyFor(h: HostCore): PageMap {
    const m = new PageMap(h);
    m.state = this.state.slice();
    m.gone = this.gone.slice();
    return m;
  }

  private ensure(pages: number): void {
    if (pages <= this.state.length) return;
    const next = new Uint8Array(Math.max(pages, this.state.length * 2));
    next.set(this.state);
    this.state = next;
    const gone = new Uint8Array(next.length * LINUX_PER_WASM);
    gone.set(this.gone);
    this.gone = gone;
  }

  /** Marks [addr, addr+len) mapped (a mapping made there), in pages mmap owns. */
  private take(addr: number, len: number): void {
    const first = Math.floor(addr / LINUX_PAGE);
    const end = Math.ceil((addr + len) / LINUX_PAGE);
    this.ensure(Math.ceil(end / LINUX_PER_WASM));
    this.gone.fill(0, first, end);
    for (let p = Math.floor(first / LINUX_PER_WASM); p * LINUX_PER_WASM < end; p++) this.state[p] = 1;
  }

  /** `count` consecutive zeroed wasm pages for a mapping of `len` bytes: reused when possible, else grown. Address or -ENOMEM. */
  alloc(count: number, len = count * WASM_PAGE): number {
    const mem = this.h.memory;
    if (!mem) return neg('ENOMEM');
    const total = Math.floor(mem.buffer.byteLength / WASM_PAGE);
    this.ensure(total);
    let at = -1;
    let run = 0;
    for (let p = 0; p < total && at < 0; p++) {
      run = this.state[p] === 2 ? run + 1 : 0;
      if (run === count) at = p - count + 1;
    }
    if (at >= 0) {
      new Uint8Array(mem.buffer, at * WASM_PAGE, count * WASM_PAGE).fill(0);
    } else {
      try {
        at = mem.grow(count);
      } catch {
        this.h.kernel.lifecycle?.({ type: 'limit', what: `memory: ${count} more wasm pages refused at ${total} (the guest's memory limit)` });
        return neg('ENOMEM');
      }
      this.ensure(at + count);
    }
    // The wasm pages are the mapping's; past its length they are unmapped, as on Linux.
    this.gone.fill(1, at * LINUX_PER_WASM, (at + count) * LINUX_PER_WASM);
    this.take(at * WASM_PAGE, len);
    return at * WASM_PAGE;
  }

  /** Unmaps [addr, addr+len); a wasm page mmap handed out is free again once all of it is unmapped. */
  free(addr: number, len: number): void {
    const first = Math.floor(addr / LINUX_PAGE);
    const end = Math.ceil((addr + len) / LINUX_PAGE);
    const limit = Math.min(end, this.gone.length);
    this.gone.fill(1, Math.min(first, limit), limit);
    for (let p = Math.floor(first / LINUX_PER_WASM); p * LINUX_PER_WASM < limit; p++) {
      if (this.state[p] !== 1) continue;
      const lin = this.gone.subarray(p * LINUX_PER_WASM, (p + 1) * LINUX_PER_WASM);
      if (lin.every((g) => g === 1)) this.state[p] = 2;
    }
  }

  /** True when every page of [addr, addr+len) was handed out by mmap. */
  owns(addr: number, len: number): boolean {
    const first = Math.floor(addr / WASM_PAGE);
    const end = Math.ceil((addr + len) / WASM_PAGE);
    for (let p = first; p < end; p++) if (this.state[p] !== 1) return false;
    return end > first;
  }

  /** Maps [addr, addr+len) again over pages mmap owns (MAP_FIXED). */
  remap(addr: number, len: number): void {
    this.take(addr, len);
  }

  /** Whether Linux would find every page of [addr, addr+len) mapped. */
  mapped(addr: number, len: number): boolean {
    const size = this.h.memory?.buffer.byteLength ?? 0;
    const end = Math.ceil((addr + len) / LINUX_PAGE);
    if (addr < LINUX_PAGE || end * LINUX_PAGE > size) return false;
    for (let p = Math.floor(addr / LINUX_PAGE); p < end; p++) if (this.gone[p] === 1) return false;
    return true;
  }

  /**
   * Whether [addr, addr+len) can join the mapping before it (mremap growing in place): unmapped
   * pages inside wasm pages mmap owns or has free, or memory past the end, which can grow.
   */
  canExtend(addr: number, len: number): boolean {
    const size = this.h.memory?.buffer.byteLength ?? 0;
    const end = Math.ceil((addr + len) / LINUX_PAGE);
    for (let p = Math.floor(addr / LINUX_PAGE); p < end; p++) {
      if (p * LINUX_PAGE >= size) return true;
      const w = this.state[Math.floor(p / LINUX_PER_WASM)];
      if (this.gone[p] !== 1 || (w !== 1 && w !== 2)) return false;
    }
    return true;
  }

  /** Takes what canExtend allowed: grows memory when the range runs past its end; the new bytes are zero. */
  extend(addr: number, len: number): boolean {
    const mem = this.h.memory;
    if (!mem) return false;
    const size = mem.buffer.byteLength;
    if (addr + len > size) {
      try {
        mem.grow(Math.ceil((addr + len - size) / WASM_PAGE));
      } catch {
        return false;
      }
      this.ensure(mem.buffer.byteLength / WASM_PAGE);
      this.gone.fill(1, size / LINUX_PAGE, mem.buffer.byteLength / LINUX_PAGE);
    }
    new Uint8Array(mem.buffer, addr, len).fill(0);
    this.take(addr, len);
    return true;
  }
}

function mmap(h: HostCore, pages: PageMap, addr: number, len: number, prot: number, flags: number, fd: number, off: number): number {
  const bad = mmapArgs(len, off, flags);
  if (bad) return neg(bad);
  const anon = (flags & MAP_ANONYMOUS) !== 0;
  let src: { nodeFd: number; shared: boolean; mayWrite: boolean } | undefined;
  if (!anon) {
    const o = h.openFd(fd);
    if (isErr(o)) return neg(o.errno);
    if (o.file.flags & O_PATH || !o.host) return neg('EBADF');
    if (o.host.kind !== 'seekable') return neg('ENODEV');
    const acc = o.file.flags & O_ACCMODE;
    const denied = mmapAccess(acc, flags, prot);
    if (denied) return neg(denied);
    const shared = (flags & MAP_TYPE) !== MAP_PRIVATE;
    // PROT_WRITE may come later (mprotect) only where writing the file was judged: now, or at open.
    const granted = o.file.granted !== undefined && grantCovers(o.file.granted, fdCallRights('write', 0));
    src = { nodeFd: o.host.nodeFd, shared, mayWrite: acc === 2 && ((prot & PROT_WRITE) !== 0 || granted) };
  }
  let at: number;
  if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
    const fixed = fixedArgs(addr, flags, pages.owns(addr, len));
    if (fixed) return neg(fixed);
    at = addr;
    // What was mapped there is unmapped first (a shared file mapping writes back).
    pages.files.unmap(at, len);
    pages.remap(at, len);
    new Uint8Array(h.memory!.buffer, at, Math.ceil(len / LINUX_PAGE) * LINUX_PAGE).fill(0);
  } else {
    at = pages.alloc(Math.ceil(len / WASM_PAGE), len);
    if (at < 0) return at;
  }
  if (src) {
    const r = pages.files.map(at, len, src.nodeFd, off, src.shared, src.mayWrite);
    if (r < 0) {
      pages.free(at, len);
      return r;
    }
  }
  return at;
}

function munmap(pages: PageMap, addr: number, len: number): number {
  const bad = munmapArgs(addr, len);
  if (bad) return neg(bad);
  pages.files.unmap(addr, len);
  pages.free(addr, len);
  return 0;
}

/** mmap, munmap, mprotect, madvise, msync, mremap and brk, by syscall name. */
export function memCalls(h: HostCore, pages: PageMap): Record<string, (...a: unknown[]) => number> {
  const unmap = (a: number, l: number): number => munmap(pages, a, l);
  // The guest is gone: shared file mappings are written back.
  h.atExit.push(() => pages.files.closeAll());
  return {
    mmap: (a, l, p, f, fd, off) => mmap(h, pages, u32(a), u32(l), i32(p), i32(f), i32(fd), i64(off)),
    munmap: (a, l) => unmap(u32(a), u32(l)),
    mprotect: (a, l, p) => mprotect(pages, u32(a), u32(l), i32(p)),
    madvise: (a, l, adv) => madvise(h, pages, u32(a), u32(l), i32(adv)),
    msync: (a, l, f) => msync(pages, u32(a), u32(l), i32(f)),
    mremap: (a, ol, nl, f, na) => mremap(h, pages, unmap, u32(a), u32(ol), u32(nl), i32(f), u32(na)),
    // brk at 0 that never moves: musl's malloc then uses mmap.
    brk: () => 0,
  };
}
