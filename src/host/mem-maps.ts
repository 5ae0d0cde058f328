/**
 * File mappings and the calls on mapped memory: mprotect, madvise, msync, mremap (mm/mprotect.c,
 * mm/madvise.c, mm/msync.c, mm/mremap.c: their argument checks in their order, ENOMEM for
 * unmapped ranges as the PageMap sees them).
 *
 * Linear memory cannot be the host's page cache, so a file mapping is a copy: the file's bytes
 * when mapped, each mapping holding a host fd of its own (it outlives the guest's fd, as the
 * kernel's file reference does). A MAP_SHARED mapping keeps the bytes it last synced; msync,
 * munmap, mremap and the guest's exit write back what differs (only up to the file's size: bytes
 * past the end of the file never reach it, as on Linux), MS_SYNC then fdatasync, MS_INVALIDATE
 * then reads the file again. Until then the file does not show the guest's stores, and the
 * mapping does not show later writes to the file.
 */
import { closeSync, fdatasyncSync, fstatSync, readSync, writeSync } from 'node:fs';
import type { HostCore } from './core.js';
import { errnoOf, neg } from './errno.js';
import type { PageMap } from './mem.js';
import { loadSysExtra } from './native/sys-extra.js';

const PAGE = 4096;
const F_DUPFD_CLOEXEC = 1030;
const PROT_READ = 1;
const PROT_WRITE = 2;
const PROT_EXEC = 4;
const PROT_SEM = 8;
const PROT_GROWSDOWN = 0x01000000;
const PROT_GROWSUP = 0x02000000;
const MS_ASYNC = 1;
const MS_INVALIDATE = 2;
const MS_SYNC = 4;
const MREMAP_MAYMOVE = 1;
const MREMAP_FIXED = 2;
const MREMAP_DONTUNMAP = 4;
const MADV_DONTNEED = 4;
const MADV_FREE = 8;
const MADV_REMOVE = 9;
const MADV_WIPEONFORK = 18;
const MADV_DONTNEED_LOCKED = 24;
const MADV_GUARD = [102, 103];

let known: Set<number> | undefined;
/**
 * Whether the host kernel knows an advice (it depends on its version and configuration: asked
 * once, with empty ranges), but for the guard-page ones, which linear memory cannot honour.
 */
function adviceKnown(advice: number): boolean {
  known ??= new Set(Array.from({ length: 128 }, (_, a) => a).filter((a) => !MADV_GUARD.includes(a) && loadSysExtra().madviseKnown(a)));
  return known.has(advice);
}

const pageUp = (n: number): number => Math.ceil(n / PAGE) * PAGE;

export interface FileMap {
  addr: number;
  len: number;
  /** A host fd of the mapping's own. */
  fd: number;
  off: number;
  shared: boolean;
  /** The description was open for writing: PROT_WRITE may be added to a shared mapping. */
  mayWrite: boolean;
  /** A shared mapping's bytes as last synced with the file. */
  base: Uint8Array | undefined;
}

export class FileMaps {
  private maps: FileMap[] = [];

  constructor(private readonly h: HostCore) {}

  private bytes(addr: number, len: number): Uint8Array {
    return new Uint8Array(this.h.memory!.buffer, addr, len);
  }

  /** Reads the file into [from, to) of a mapping (zeros past its end); the new synced bytes of a shared one. */
  private load(m: FileMap, from: number, to: number): void {
    const view = this.bytes(from, to - from);
    view.fill(0);
    let got = 0;
    while (got < view.length) {
      const n = readSync(m.fd, view, got, view.length - got, m.off + (from - m.addr) + got);
      if (n === 0) break;
      got += n;
    }
    if (m.base) m.base.set(view, from - m.addr);
  }

  /** A new mapping of `fd` at [addr, addr+len); its bytes are read now. 0 or -errno. */
  map(addr: number, len: number, fd: number, off: number, shared: boolean, mayWrite: boolean): number {
    const own = this.h.sys.fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (own < 0) return own;
    const m: FileMap = { addr, len: pageUp(len), fd: own, off, shared, mayWrite, base: shared ? new Uint8Array(pageUp(len)) : undefined };
    try {
      this.load(m, addr, addr + m.len);
    } catch (e) {
      closeSync(own);
      return neg(errnoOf(e));
    }
    this.maps.push(m);
    return 0;
  }

  private overlapping(addr: number, len: number): FileMap[] {
    return this.maps.filter((m) => m.addr < addr + len && addr < m.addr + m.len);
  }

  /** Writes back what the guest changed in [addr, addr+len) of shared mappings; fdatasync with `sync`. 0 or -errno. */
  flush(addr: number, len: number, sync = false): number {
    for (const m of this.overlapping(addr, len)) {
      if (!m.base) continue;
      try {
        const size = fstatSync(m.fd).size;
        const from = Math.max(addr, m.addr) - m.addr;
        const to = Math.min(Math.min(addr + len, m.addr + m.len) - m.addr, Math.max(0, size - m.off));
        const now = this.bytes(m.addr, m.len);
        for (let i = from; i < to; ) {
          if (now[i] === m.base[i]) {
            i++;
            continue;
          }
          let j = i;
          while (j < to && now[j] !== m.base[j]) j++;
          writeSync(m.fd, now, i, j - i, m.off + i);
          m.base.set(now.subarray(i, j), i);
          i = j;
        }
        if (sync) fdatasyncSync(m.fd);
      } catch (e) {
        return neg(errnoOf(e));
      }
    }
    return 0;
  }

  /** Reads the files again into [addr, addr+len) (private mappings after DONTNEED, any after MS_INVALIDATE). */
  reload(addr: number, len: number, which: 'private' | 'all'): number {
    for (const m of this.overlapping(addr, len)) {
      if (which === 'private' && m.shared) continue;
      try {
        this.load(m, Math.max(addr, m.addr), Math.min(addr + len, m.addr + m.len));
      } catch (e) {
        return neg(errnoOf(e));
      }
    }
    return 0;
  }

  /** The part [from, to) of a mapping as a mapping of its own (with its own fd), or undefined if empty. */
  private piece(m: FileMap, from: number, to: number): FileMap | undefined {
    if (to <= from) return undefined;
    const fd = this.h.sys.fcntl(m.fd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) return undefined;
    return { ...m, addr: from, len: to - from, fd, off: m.off + (from - m.addr), base: m.base?.slice(from - m.addr, to - m.addr) };
  }

  /** Unmaps [addr, addr+len): shared bytes are written back first; what is left of a mapping stays mapped. */
  unmap(addr: number, len: number): void {
    this.flush(addr, len);
    for (const m of this.overlapping(addr, len)) {
      this.maps.splice(this.maps.indexOf(m), 1);
      for (const p of [this.piece(m, m.addr, addr), this.piece(m, addr + len, m.addr + m.len)]) if (p) this.maps.push(p);
      closeSync(m.fd);
    }
  }

  /** The file mapping [addr, addr+len) lies in, if any. */
  at(addr: number): FileMap | undefined {
    return this.maps.find((m) => m.addr <= addr && addr < m.addr + m.len);
  }

  /** Moves [addr, addr+len) of mapping `m` to `to` (mremap): the rest of `m` stays where it was. */
  move(m: FileMap, addr: number, len: number, to: number): void {
    const moved = this.piece(m, addr, addr + len);
    this.unmap(addr, len);
    if (moved) this.maps.push({ ...moved, addr: to });
  }

  /** Extends mapping `m` in place to end at `end`, reading the file into the new part. */
  grow(m: FileMap, end: number): number {
    const old = m.addr + m.len;
    m.len = end - m.addr;
    if (m.base) {
      const base = new Uint8Array(m.len);
      base.set(m.base);
      m.base = base;
    }
    try {
      this.load(m, old, end);
      return 0;
    } catch (e) {
      return neg(errnoOf(e));
    }
  }

  /** Whether PROT_WRITE may be given to [addr, addr+len): a shared mapping needs a description open for writing. */
  mayWrite(addr: number, len: number): boolean {
    return this.overlapping(addr, len).every((m) => !m.shared || m.mayWrite);
  }

  isFile(addr: number, len: number): boolean {
    return this.overlapping(addr, len).length > 0;
  }

  /** The guest is gone: every shared mapping is written back, every fd closed. */
  closeAll(): void {
    for (const m of this.maps) {
      this.flush(m.addr, m.len);
      closeSync(m.fd);
    }
    this.maps = [];
  }
}

/** The common start of mprotect, madvise and msync: an aligned start, the length in whole pages. */
function range(addr: number, len: number): { end: number } | number {
  if (addr % PAGE !== 0) return neg('EINVAL');
  return { end: addr + pageUp(len) };
}

export function mprotect(pages: PageMap, addr: number, len: number, prot: number): number {
  const grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
  if (grows === (PROT_GROWSDOWN | PROT_GROWSUP)) return neg('EINVAL');
  const r = range(addr, len);
  if (typeof r === 'number') return r;
  if (len === 0) return 0;
  if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM | grows)) return neg('EINVAL');
  if (!pages.mapped(addr, r.end - addr)) return neg('ENOMEM');
  if (grows) return neg('EINVAL'); // no mapping here grows down or up
  // Linear memory is always writable; what Linux refuses is still refused.
  if (prot & PROT_WRITE && !pages.files.mayWrite(addr, r.end - addr)) return neg('EACCES');
  return 0;
}

export function madvise(h: HostCore, pages: PageMap, addr: number, len: number, advice: number): number {
  if (!adviceKnown(advice)) return neg('EINVAL');
  const r = range(addr, len);
  if (typeof r === 'number') return r;
  if (r.end === addr) return 0;
  if (advice === 100 || advice === 101) return neg('EPERM'); // MADV_HWPOISON, MADV_SOFT_OFFLINE: CAP_SYS_ADMIN
  if (!pages.mapped(addr, r.end - addr)) return neg('ENOMEM');
  const file = pages.files.isFile(addr, r.end - addr);
  if (advice === MADV_FREE || advice === MADV_WIPEONFORK) return file ? neg('EINVAL') : 0;
  if (advice === MADV_REMOVE) {
    const m = pages.files.at(addr);
    if (!m) return neg('EINVAL');
    if (!m.shared || !m.mayWrite) return neg('EACCES');
    // Freeing the file's backing store reads back as zeros: written through at once.
    new Uint8Array(h.memory!.buffer, addr, r.end - addr).fill(0);
    return pages.files.flush(addr, r.end - addr);
  }
  if (advice === MADV_DONTNEED || advice === MADV_DONTNEED_LOCKED) {
    // Private anonymous pages read back as zeros, private file pages as the file; shared ones
    // keep what the page cache (here, memory) holds. The module's own memory is left alone.
    for (let p = addr; p < r.end; p += PAGE) if (pages.owns(p, PAGE) && !pages.files.at(p)) new Uint8Array(h.memory!.buffer, p, PAGE).fill(0);
    return pages.files.reload(addr, r.end - addr, 'private');
  }
  return 0;
}

export function msync(pages: PageMap, addr: number, len: number, flags: number): number {
  if (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) return neg('EINVAL');
  const r = range(addr, len);
  if (typeof r === 'number') return r;
  if (flags & MS_ASYNC && flags & MS_SYNC) return neg('EINVAL');
  if (r.end === addr) return 0;
  const n = r.end - addr;
  const wrote = pages.files.flush(addr, n, (flags & MS_SYNC) !== 0);
  if (wrote < 0) return wrote;
  if (flags & MS_INVALIDATE) {
    const read = pages.files.reload(addr, n, 'all');
    if (read < 0) return read;
  }
  return pages.mapped(addr, n) ? 0 : neg('ENOMEM');
}

/**
 * mremap: shrinking unmaps the tail; growing extends in place when the pages after are free,
 * else moves with MREMAP_MAYMOVE (a copy; a file mapping moves with its file), else ENOMEM.
 * MREMAP_FIXED moves only onto pages mmap handed out (as MAP_FIXED does).
 */
export function mremap(h: HostCore, pages: PageMap, munmap: (a: number, l: number) => number, addr: number, oldLen: number, newLen: number, flags: number, to: number): number {
  if (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)) return neg('EINVAL');
  if (flags & MREMAP_FIXED && !(flags & MREMAP_MAYMOVE)) return neg('EINVAL');
  if (flags & MREMAP_DONTUNMAP && (!(flags & MREMAP_MAYMOVE) || oldLen !== newLen)) return neg('EINVAL');
  if (addr % PAGE !== 0) return neg('EINVAL');
  const oldL = pageUp(oldLen);
  const newL = pageUp(newLen);
  if (newL === 0) return neg('EINVAL');
  if (!pages.mapped(addr, PAGE)) return neg('EFAULT');
  const file = pages.files.at(addr);
  if (oldL === 0 && !file?.shared) return neg('EINVAL');
  const fixed = (flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)) !== 0;
  if (!fixed && oldL >= newL) {
    if (oldL > newL) munmap(addr + newL, oldL - newL);
    return addr;
  }
  if (!pages.mapped(addr, oldL)) return neg('EFAULT');
  if (file && addr + oldL > file.addr + file.len) return neg('EFAULT');
  if (!fixed && pages.canExtend(addr + oldL, newL - oldL)) {
    if (!pages.extend(addr + oldL, newL - oldL)) return neg('ENOMEM');
    // A file mapping that ends here grows with its file; anonymous memory grows zeroed.
    const grown = file && file.addr + file.len === addr + oldL ? pages.files.grow(file, addr + newL) : 0;
    return grown < 0 ? grown : addr;
  }
  if (!(flags & MREMAP_MAYMOVE)) return neg('ENOMEM');
  let at: number;
  if (flags & MREMAP_FIXED) {
    if (to % PAGE !== 0 || (addr + oldL > to && to + newL > addr)) return neg('EINVAL');
    if (!pages.owns(to, newL)) return neg('ENOMEM');
    munmap(to, newL);
    pages.remap(to, newL);
    at = to;
  } else {
    at = pages.alloc(Math.ceil(newL / 65536), newL);
    if (at < 0) return at;
  }
  const mem = new Uint8Array(h.memory!.buffer);
  mem.copyWithin(at, addr, addr + Math.min(oldL, newL));
  mem.fill(0, at + Math.min(oldL, newL), at + newL);
  if (file) {
    pages.files.move(file, addr, oldL, at);
    const moved = pages.files.at(at);
    if (moved && newL > oldL) pages.files.grow(moved, at + newL);
  }
  if (flags & MREMAP_DONTUNMAP) mem.fill(0, addr, addr + oldL);
  else munmap(addr, oldL);
  return at;
}
