/**
 * Memory calls for a wasm guest: linear memory only grows, so anonymous mmap hands out whole
 * wasm pages (64 KiB, hence page-aligned for any Linux page size), zeroed, taken from pages an
 * earlier munmap gave back or else from `memory.grow`. A file mapping is a MAP_PRIVATE copy of
 * the file's bytes. brk always fails, so musl's malloc falls back to mmap.
 */
import { readSync } from 'node:fs';
import { O_ACCMODE, O_PATH } from '../linux/index.js';
import { WASM_PAGE } from '../wali/wasm.js';
import type { HostCore } from './core.js';
import { errnoOf, i32, i64, isErr, neg, u32 } from './errno.js';

const PROT_WRITE = 2;
const MAP_SHARED = 1;
const MAP_PRIVATE = 2;
const MAP_SHARED_VALIDATE = 3;
const MAP_TYPE = 0xf;
const MAP_FIXED = 0x10;
const MAP_ANONYMOUS = 0x20;
const MAP_FIXED_NOREPLACE = 0x100000;
const LINUX_PAGE = 4096;

/** Which wasm pages mmap handed out (1) or has free for reuse (2); 0 is memory mmap never had. */
export class PageMap {
  private state = new Uint8Array(0);

  constructor(private readonly h: HostCore) {}

  private ensure(pages: number): void {
    if (pages <= this.state.length) return;
    const next = new Uint8Array(Math.max(pages, this.state.length * 2));
    next.set(this.state);
    this.state = next;
  }

  /** `count` consecutive zeroed pages: reused when possible, else grown. Address or -ENOMEM. */
  alloc(count: number): number {
    const mem = this.h.memory;
    if (!mem) return neg('ENOMEM');
    const total = Math.floor(mem.buffer.byteLength / WASM_PAGE);
    this.ensure(total);
    let run = 0;
    for (let p = 0; p < total; p++) {
      run = this.state[p] === 2 ? run + 1 : 0;
      if (run === count) {
        const first = p - count + 1;
        this.state.fill(1, first, p + 1);
        new Uint8Array(mem.buffer, first * WASM_PAGE, count * WASM_PAGE).fill(0);
        return first * WASM_PAGE;
      }
    }
    let old: number;
    try {
      old = mem.grow(count);
    } catch {
      return neg('ENOMEM');
    }
    this.ensure(old + count);
    this.state.fill(1, old, old + count);
    return old * WASM_PAGE;
  }

  /** Gives back the pages of [addr, addr+len) that mmap handed out and that lie wholly inside. */
  free(addr: number, len: number): void {
    const first = Math.ceil(addr / WASM_PAGE);
    const end = Math.floor((addr + len) / WASM_PAGE);
    for (let p = first; p < end && p < this.state.length; p++) if (this.state[p] === 1) this.state[p] = 2;
  }

  /** True when every page of [addr, addr+len) was handed out by mmap. */
  owns(addr: number, len: number): boolean {
    const first = Math.floor(addr / WASM_PAGE);
    const end = Math.ceil((addr + len) / WASM_PAGE);
    for (let p = first; p < end; p++) if (this.state[p] !== 1) return false;
    return end > first;
  }
}

function mmap(h: HostCore, pages: PageMap, addr: number, len: number, prot: number, flags: number, fd: number, off: number): number {
  const type = flags & MAP_TYPE;
  if (len === 0 || off < 0 || off % LINUX_PAGE !== 0) return neg('EINVAL');
  if (type !== MAP_SHARED && type !== MAP_PRIVATE && type !== MAP_SHARED_VALIDATE) return neg('EINVAL');
  const anon = (flags & MAP_ANONYMOUS) !== 0;
  let src: { nodeFd: number } | undefined;
  if (!anon) {
    const o = h.openFd(fd);
    if (isErr(o)) return neg(o.errno);
    if (o.file.flags & O_PATH || !o.host) return neg('EBADF');
    if (o.host.kind !== 'seekable') return neg('ENODEV');
    const acc = o.file.flags & O_ACCMODE;
    if (acc === 1) return neg('EACCES');
    // A shared writable mapping would need the host's page cache: a copy cannot share it.
    if (type !== MAP_PRIVATE && prot & PROT_WRITE) return acc === 2 ? neg('ENODEV') : neg('EACCES');
    src = o.host;
  }
  let at: number;
  if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
    // Only over memory mmap itself handed out; anything else is the guest's own data.
    if (addr % LINUX_PAGE !== 0) return neg('EINVAL');
    if (!pages.owns(addr, len)) return neg(flags & MAP_FIXED_NOREPLACE ? 'EEXIST' : 'ENOMEM');
    if (flags & MAP_FIXED_NOREPLACE) return neg('EEXIST');
    at = addr;
    new Uint8Array(h.memory!.buffer, at, len).fill(0);
  } else {
    at = pages.alloc(Math.ceil(len / WASM_PAGE));
    if (at < 0) return at;
  }
  if (src) {
    try {
      const buf = new Uint8Array(len);
      let got = 0;
      while (got < len) {
        const n = readSync(src.nodeFd, buf, got, len - got, off + got);
        if (n === 0) break;
        got += n;
      }
      h.mem!.writeBytes(at, buf.subarray(0, got));
    } catch (e) {
      pages.free(at, Math.ceil(len / WASM_PAGE) * WASM_PAGE);
      return neg(errnoOf(e));
    }
  }
  return at;
}

function munmap(pages: PageMap, addr: number, len: number): number {
  if (addr % LINUX_PAGE !== 0 || len === 0) return neg('EINVAL');
  pages.free(addr, len);
  return 0;
}

/** mmap, munmap, mprotect, madvise, msync, mremap and brk, by syscall name. */
export function memCalls(h: HostCore, pages: PageMap): Record<string, (...a: unknown[]) => number> {
  return {
    mmap: (a, l, p, f, fd, off) => mmap(h, pages, u32(a), u32(l), i32(p), i32(f), i32(fd), i64(off)),
    munmap: (a, l) => munmap(pages, u32(a), u32(l)),
    mprotect: () => 0,
    madvise: () => 0,
    msync: () => 0,
    // Growing a mapping in place or moving it is not possible here; musl copies on ENOMEM.
    mremap: () => neg('ENOMEM'),
    // brk at 0 that never moves: musl's malloc then uses mmap.
    brk: () => 0,
  };
}
