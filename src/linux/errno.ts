/**
 * Linux errno numbers (asm-generic/errno-base.h, asm-generic/errno.h) and the typed name every
 * layer uses for a failure: `Errno` is one of these names, never a free string.
 */

/** Linux errno numbers by name, as the kernel's headers define them for every architecture WALI targets. */
export const ERRNO = {
  EPERM: 1, ENOENT: 2, ESRCH: 3, EINTR: 4, EIO: 5, ENXIO: 6, E2BIG: 7, ENOEXEC: 8, EBADF: 9,
  ECHILD: 10, EAGAIN: 11, ENOMEM: 12, EACCES: 13, EFAULT: 14, ENOTBLK: 15, EBUSY: 16, EEXIST: 17,
  EXDEV: 18, ENODEV: 19, ENOTDIR: 20, EISDIR: 21, EINVAL: 22, ENFILE: 23, EMFILE: 24, ENOTTY: 25,
  ETXTBSY: 26, EFBIG: 27, ENOSPC: 28, ESPIPE: 29, EROFS: 30, EMLINK: 31, EPIPE: 32, EDOM: 33,
  ERANGE: 34, EDEADLK: 35, ENAMETOOLONG: 36, ENOLCK: 37, ENOSYS: 38, ENOTEMPTY: 39, ELOOP: 40,
  ENOMSG: 42, EIDRM: 43, ENODATA: 61, ETIME: 62, EOVERFLOW: 75, EBADFD: 77, EILSEQ: 84,
  ENOTSOCK: 88, EDESTADDRREQ: 89, EMSGSIZE: 90, EPROTOTYPE: 91, ENOPROTOOPT: 92,
  EPROTONOSUPPORT: 93, ESOCKTNOSUPPORT: 94, EOPNOTSUPP: 95, EAFNOSUPPORT: 97, EADDRINUSE: 98,
  EADDRNOTAVAIL: 99, ENETUNREACH: 101, ECONNABORTED: 103, ECONNRESET: 104, ENOBUFS: 105,
  EISCONN: 106, ENOTCONN: 107, ETIMEDOUT: 110, ECONNREFUSED: 111, EALREADY: 114,
  EINPROGRESS: 115, ESTALE: 116, EDQUOT: 122, ECANCELED: 125, EOWNERDEAD: 130,
  ERESTARTSYS: 512, ERESTARTNOINTR: 513, ERESTARTNOHAND: 514, ENOIOCTLCMD: 515,
  ERESTART_RESTARTBLOCK: 516,
} as const satisfies Record<string, number>;

/** A Linux errno by name (`ENOENT`). */
export type Errno = keyof typeof ERRNO;

/** Whether a string names a Linux errno (for input from users, logs and hosts). */
export function isErrno(name: string): name is Errno {
  return Object.hasOwn(ERRNO, name);
}

/** The number of an errno (`ENOENT` → 2). */
export function errnoNumber(name: Errno): number {
  return ERRNO[name];
}

/** `-errno` as a raw syscall returns it. */
export function negErrno(name: Errno): number {
  return -ERRNO[name];
}

const ERRNO_NAME = new Map<number, Errno>(Object.entries(ERRNO).map(([k, v]) => [v, k as Errno]));

/** The errno with this number, if Linux names it. */
export function errnoOfNumber(n: number): Errno | undefined {
  return ERRNO_NAME.get(n);
}

/** The symbolic name of an errno number (`2` → `ENOENT`), or `E<n>` when unnamed. */
export function errnoName(n: number): string {
  return ERRNO_NAME.get(n) ?? `E${n}`;
}
