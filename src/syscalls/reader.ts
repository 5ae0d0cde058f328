/**
 * How a syscall's arguments are read, whatever they come from: a WALI guest's raw wasm values
 * and memory, or the text strace printed. The one decoding of each call (decode.ts) asks these
 * questions; each source answers them its own way.
 */

/** A socket address as the call names it. */
export interface SockAddr {
  /** sa_family (AF_UNIX, AF_INET ...). */
  readonly family: number;
  /** AF_UNIX with a filesystem name: the path (byte string, resolved like any path). */
  readonly path?: string;
  /** AF_UNIX in the abstract namespace (sun_path starting with NUL): no filesystem object. */
  readonly abstract?: boolean;
  /** The address as strace prints it (`"/run/x"`, `@"name"`), kept for fd labels. */
  readonly label?: string;
  /**
   * Any family but AF_UNIX: what the address reaches, `loopback` only when it is surely a
   * loopback address (AF_INET 127/8, AF_INET6 ::1 or ::ffff:127/104), else `inet`.
   */
  readonly inet?: 'loopback' | 'inet';
  /** How the address reads for people (`127.0.0.1:80`, `[::1]:80`), when it is an inet one. */
  readonly text?: string;
  /** The length the call gave; over sizeof(struct sockaddr_storage) (128) the kernel refuses it. */
  readonly len?: number;
  /** The address's bytes as read for the decision (a WALI guest's): what a host passes on, never read again. */
  readonly raw?: Uint8Array;
}

export interface ArgReader {
  /** Argument `i` as the C int it is (fds, commands, modes; an i64 is truncated as C would). */
  int(i: number): number;
  /** A flag set: numeric from a guest, symbolic names (`O_RDONLY|O_CLOEXEC`) from strace. */
  flags(i: number, table: Readonly<Record<string, number>>): number;
  /** A 64-bit argument as a Number (offsets, lengths; exact up to 2^53). */
  long(i: number): number;
  /** Whether a pointer argument is NULL. */
  isNull(i: number): boolean;
  /**
   * The NUL-terminated path argument `i` (a byte string); undefined when the source cannot
   * give it (strace printed NULL or an address). A guest's bad pointer throws a `Fault`.
   */
  path(i: number): string | undefined;
  /** The int a pointer argument points to (FIONBIO's argument), if readable. */
  pointedInt(i: number): number | undefined;
  /** openat2's `struct open_how` at argument `i`. */
  openHow(i: number): { flags: number; mode: number; resolve: number } | undefined;
  /** `rlim_cur` of the `struct rlimit` at argument `i` (RLIM_INFINITY as 2^20), if readable. */
  rlimitCur(i: number): number | undefined;
  /** The `struct sockaddr` at argument `i` with its length in argument `len`. */
  sockaddr(i: number, len: number): SockAddr | undefined;
  /** The destination (`msg_name`) of the `struct msghdr` at argument `i`, if it has one. */
  msgName(i: number): SockAddr | undefined;
  /** Whether utimensat's two timespecs at argument `i` are valid (nsec in range, UTIME_NOW, UTIME_OMIT); true for NULL; undefined when unknown. */
  timesValid(i: number): boolean | undefined;
  /** clone's flags (clone3: the flags field of its `struct clone_args`). */
  cloneFlags(name: string): number;
}

/** A guest pointer the kernel would fault on: the call returns -errno without running. */
export class Fault extends Error {
  constructor(readonly errno: 'EFAULT' | 'ENAMETOOLONG') {
    super(errno);
    this.name = 'Fault';
  }
}
