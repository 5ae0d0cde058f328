/**
 * The host kernel's syscalls, reached through koffi (a foreign-function binding whose npm
 * package ships prebuilt binaries: nothing is compiled or downloaded at install). Node's fs API
 * has no openat, openat2, renameat2, getdents64 or lseek; these are what host operations
 * anchored on directory fds need (see ../anchors.ts).
 *
 * Every function returns the raw result: a value >= 0, or -errno. Paths are byte strings (one
 * char per byte, as the model keeps them) passed as NUL-terminated buffers. The numbers are
 * x86-64's; `loadSys` refuses other machines.
 */
import { bindSyscall, sysResult } from './syscall.js';

export interface Sys {
  openat(dirfd: number, path: string, flags: number, mode: number): number;
  /** openat2 with `struct open_how` {flags, mode, resolve}. */
  openat2(dirfd: number, path: string, flags: number, mode: number, resolve: number): number;
  close(fd: number): number;
  mkdirat(dirfd: number, path: string, mode: number): number;
  mknodat(dirfd: number, path: string, mode: number, dev: number): number;
  unlinkat(dirfd: number, path: string, flags: number): number;
  renameat2(olddirfd: number, oldpath: string, newdirfd: number, newpath: string, flags: number): number;
  linkat(olddirfd: number, oldpath: string, newdirfd: number, newpath: string, flags: number): number;
  symlinkat(target: string, dirfd: number, path: string): number;
  /** The symlink body into `buf`; its length. */
  readlinkat(dirfd: number, path: string, buf: Uint8Array): number;
  /** newfstatat into a 144-byte x86-64 `struct stat`. */
  fstatat(dirfd: number, path: string, buf: Uint8Array, flags: number): number;
  statx(dirfd: number, path: string, flags: number, mask: number, buf: Uint8Array): number;
  fchmodat(dirfd: number, path: string, mode: number): number;
  fchownat(dirfd: number, path: string, uid: number, gid: number, flags: number): number;
  /** utimensat with two `struct timespec` (32 bytes), or null for now. */
  utimensat(dirfd: number, path: string, times: Uint8Array | null, flags: number): number;
  faccessat2(dirfd: number, path: string, mode: number, flags: number): number;
  getdents64(fd: number, buf: Uint8Array): number;
  lseek(fd: number, offset: number, whence: number): number;
  ftruncate(fd: number, length: number): number;
  fcntl(fd: number, cmd: number, arg: number): number;
}

/** x86-64 syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl). */
const NR = {
  close: 3, lseek: 8, fcntl: 72, ftruncate: 77, getdents64: 217, openat: 257, mkdirat: 258, mknodat: 259,
  fchownat: 260, newfstatat: 262, unlinkat: 263, linkat: 265, symlinkat: 266, readlinkat: 267, fchmodat: 268,
  utimensat: 280, renameat2: 316, statx: 332, openat2: 437, faccessat2: 439,
} as const;

let loaded: Sys | undefined;

/** The host kernel's calls; throws on a machine that is not Linux x86-64. */
export function loadSys(): Sys {
  if (loaded) return loaded;
  const s = bindSyscall({
    i: 'long',
    ii: 'long, long',
    iii: 'long, long, long',
    ipii: 'long, const uint8_t *, long, long',
    ipi: 'long, const uint8_t *, long',
    ipiii: 'long, const uint8_t *, long, long, long',
    ipbi: 'long, const uint8_t *, _Inout_ uint8_t *, long',
    ipib: 'long, const uint8_t *, long, long, _Inout_ uint8_t *',
    ipbs: 'long, const uint8_t *, const uint8_t *, size_t',
    ipip: 'long, const uint8_t *, long, const uint8_t *, long',
    pip: 'const uint8_t *, long, const uint8_t *',
    ib: 'long, _Inout_ uint8_t *, long',
  });
  const r = sysResult;
  const how = Buffer.alloc(24);
  loaded = {
    openat: (d, p, f, m) => r(s.ipii(NR.openat, d, cstr(p), f, m)),
    openat2: (d, p, f, m, res) => {
      how.writeBigUInt64LE(BigInt(f >>> 0), 0);
      how.writeBigUInt64LE(BigInt(m >>> 0), 8);
      how.writeBigUInt64LE(BigInt(res >>> 0), 16);
      return r(s.ipbs(NR.openat2, d, cstr(p), how, 24));
    },
    close: (fd) => r(s.i(NR.close, fd)),
    mkdirat: (d, p, m) => r(s.ipi(NR.mkdirat, d, cstr(p), m)),
    mknodat: (d, p, m, dev) => r(s.ipii(NR.mknodat, d, cstr(p), m, dev)),
    unlinkat: (d, p, f) => r(s.ipi(NR.unlinkat, d, cstr(p), f)),
    renameat2: (od, op, nd, np, f) => r(s.ipip(NR.renameat2, od, cstr(op), nd, cstr(np), f)),
    linkat: (od, op, nd, np, f) => r(s.ipip(NR.linkat, od, cstr(op), nd, cstr(np), f)),
    symlinkat: (t, d, p) => r(s.pip(NR.symlinkat, cstr(t), d, cstr(p))),
    readlinkat: (d, p, buf) => r(s.ipbi(NR.readlinkat, d, cstr(p), buf, buf.length)),
    fstatat: (d, p, buf, f) => r(s.ipbi(NR.newfstatat, d, cstr(p), buf, f)),
    statx: (d, p, f, mask, buf) => r(s.ipib(NR.statx, d, cstr(p), f, mask, buf)),
    fchmodat: (d, p, m) => r(s.ipi(NR.fchmodat, d, cstr(p), m)),
    fchownat: (d, p, u, g, f) => r(s.ipiii(NR.fchownat, d, cstr(p), u, g, f)),
    utimensat: (d, p, t, f) => r(s.ipbi(NR.utimensat, d, cstr(p), t ?? NULL_TIMES, f)),
    faccessat2: (d, p, m, f) => r(s.ipii(NR.faccessat2, d, cstr(p), m, f)),
    getdents64: (fd, buf) => r(s.ib(NR.getdents64, fd, buf, buf.length)),
    lseek: (fd, off, wh) => r(s.iii(NR.lseek, fd, off, wh)),
    ftruncate: (fd, len) => r(s.ii(NR.ftruncate, fd, len)),
    fcntl: (fd, cmd, arg) => r(s.iii(NR.fcntl, fd, cmd, arg)),
  };
  return loaded;
}

/** utimensat's "both times now": both timespecs UTIME_NOW (a NULL pointer is not passable here). */
const NULL_TIMES = (() => {
  const b = Buffer.alloc(32);
  b.writeBigInt64LE(BigInt((1 << 30) - 1), 8);
  b.writeBigInt64LE(BigInt((1 << 30) - 1), 24);
  return b;
})();

/** A byte string as a NUL-terminated buffer (a path with a NUL in it is cut there, as C would). */
function cstr(p: string): Buffer {
  const b = Buffer.allocUnsafe(p.length + 1);
  b.write(p, 0, 'latin1');
  b[p.length] = 0;
  return b;
}
