/**
 * mmap's and munmap's argument checks, in the kernel's order, as every WALI host makes them
 * (do_mmap, then the file's access checks, then MAP_FIXED over memory the host cannot give):
 * what differs between hosts is only where the bytes come from. Node-free.
 */
import type { Errno } from '../linux/index.js';

export const PROT_WRITE = 2;
const MAP_SHARED = 1;
export const MAP_PRIVATE = 2;
const MAP_SHARED_VALIDATE = 3;
export const MAP_TYPE = 0xf;
export const MAP_FIXED = 0x10;
export const MAP_ANONYMOUS = 0x20;
export const MAP_FIXED_NOREPLACE = 0x100000;
export const LINUX_PAGE = 4096;

/** The length, offset and mapping type: EINVAL for an empty length, an unaligned or negative offset, or an unknown type. */
export function mmapArgs(len: number, off: number, flags: number): Errno | undefined {
  const type = flags & MAP_TYPE;
  if (len === 0 || off < 0 || off % LINUX_PAGE !== 0) return 'EINVAL';
  if (type !== MAP_SHARED && type !== MAP_PRIVATE && type !== MAP_SHARED_VALIDATE) return 'EINVAL';
  return undefined;
}

/** A file mapping's access (the fd already open, not O_PATH, mappable): EACCES for a write-only fd, or a writable shared mapping of an fd not open read-write. */
export function mmapAccess(accmode: number, flags: number, prot: number): Errno | undefined {
  if (accmode === 1) return 'EACCES';
  if ((flags & MAP_TYPE) !== MAP_PRIVATE && prot & PROT_WRITE && accmode !== 2) return 'EACCES';
  return undefined;
}

/**
 * MAP_FIXED and MAP_FIXED_NOREPLACE: only over memory mmap itself handed out (`owned`), since
 * anything else is the module's own data. EINVAL unaligned; NOREPLACE finds something there
 * (EEXIST); FIXED over the module's memory is ENOMEM.
 */
export function fixedArgs(addr: number, flags: number, owned: boolean): Errno | undefined {
  if (addr % LINUX_PAGE !== 0) return 'EINVAL';
  if (flags & MAP_FIXED_NOREPLACE) return 'EEXIST';
  return owned ? undefined : 'ENOMEM';
}

/** munmap: EINVAL for an unaligned address or an empty length. */
export function munmapArgs(addr: number, len: number): Errno | undefined {
  return addr % LINUX_PAGE !== 0 || len === 0 ? 'EINVAL' : undefined;
}
