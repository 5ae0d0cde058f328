/**
 * Syscalls as events: the typed form every source (strace logs, WALI guests, test programs)
 * is turned into. Numbers are x86-64 values; fds are plain numbers with AT_FDCWD = -100;
 * paths are byte strings (one char per byte).
 */
import type { AnonKind, Errno } from '../linux/index.js';
import type { SockAddr } from '../syscalls/reader.js';

export type Call =
  | { sys: 'openat'; dirfd: number; path: string; flags: number; mode: number; resolve?: number; openat2?: boolean }
  | { sys: 'mkdirat'; dirfd: number; path: string; mode: number }
  | { sys: 'mknodat'; dirfd: number; path: string; mode: number }
  | { sys: 'unlinkat'; dirfd: number; path: string; flags: number }
  | { sys: 'renameat2'; olddirfd: number; oldpath: string; newdirfd: number; newpath: string; flags: number }
  | { sys: 'linkat'; olddirfd: number; oldpath: string; newdirfd: number; newpath: string; flags: number }
  | { sys: 'symlinkat'; target: string; newdirfd: number; linkpath: string }
  /**
   * Lookup-only calls (stat family, access, readlink, chmod, utimens ...): no state change.
   * `argErr`: the errno Linux gives for the call's other arguments before it looks anything up.
   */
  | { sys: 'lookup'; name: string; dirfd: number; path: string; follow: boolean; emptyPath: boolean; argErr?: Errno }
  | { sys: 'close'; fd: number }
  | { sys: 'close_range'; first: number; last: number; flags: number }
  | { sys: 'dup'; fd: number }
  | { sys: 'dup2'; fd: number; newfd: number }
  | { sys: 'dup3'; fd: number; newfd: number; flags: number }
  | { sys: 'fcntl'; fd: number; cmd: number; arg: number }
  | { sys: 'ioctl'; fd: number; request: number; value?: number }
  | { sys: 'chdir'; path: string }
  | { sys: 'fchdir'; fd: number }
  | { sys: 'chroot'; path: string }
  | { sys: 'umask'; mask: number }
  | { sys: 'getcwd' }
  /** RLIMIT_NOFILE's new soft limit for the caller's thread group. */
  | { sys: 'nofile'; soft: number }
  | { sys: 'pipe2'; flags: number }
  | { sys: 'socket'; domain: number; type: number; protocol: number }
  | { sys: 'socketpair'; domain: number; type: number; protocol: number }
  | { sys: 'accept4'; fd: number; flags: number }
  /** A socket named by an address (`sendto`: a datagram sent to one); `unixPath` is how strace printed it. */
  | { sys: 'bind' | 'connect' | 'sendto'; fd: number; addr?: SockAddr; unixPath?: string }
  /** eventfd, epoll, signalfd, timerfd, inotify, fanotify, pidfd, memfd, userfaultfd ... */
  | { sys: 'anon'; kind: AnonKind; cloexec: boolean; nonblock: boolean; name?: string }
  /** fds sent with SCM_RIGHTS on socket `fd`: their descriptions travel to the peer socket. */
  | { sys: 'sendfds'; fd: number; fds: number[] }
  /** fds received with SCM_RIGHTS on socket `fd`, at the numbers the log shows. */
  | { sys: 'recvfds'; fd: number; fds: number[]; cloexec: boolean }
  | { sys: 'clone'; flags: number }
  | { sys: 'execve'; dirfd: number; path: string; flags: number }
  | { sys: 'exit'; group: boolean }
  /** fd-only calls (read, write, fstat, futimens ...): checked for a valid fd, nothing changes. */
  /** `argErr`: the errno Linux gives for the other arguments before it looks at the fd (a negative offset ...). */
  | { sys: 'usefd'; name: string; fd: number; argErr?: Errno }
  /** A file mapping (not MAP_ANONYMOUS): reads the file, or writes it when shared and writable. */
  | { sys: 'mmap'; fd: number; prot: number; flags: number }
  /** Signals: kill(pid) (0: the caller's group, -1: everyone, < -1: a group), tkill/tgkill(tid). */
  | { sys: 'kill'; pid: number; sig: number }
  | { sys: 'tkill'; tgid?: number; tid: number; sig: number }
  /** prlimit64 naming a pid (pid != 0); `nofile`: the new soft RLIMIT_NOFILE, applied when the pid is the caller's own process. */
  | { sys: 'prlimit'; pid: number; nofile?: number };

export type CallName = Call['sys'];

/** A call that failed: with Linux's errno, or unknown to the model (never guessed as an errno). */
export type Failed =
  | { ok: false; errno: Errno; unknown?: undefined }
  | { ok: false; errno?: undefined; unknown: string };

/** What a call returned: a value (fd, child tid, 0) or a failure. */
export type Outcome = { ok: true; ret: number; fds?: number[] } | Failed;

/** What a recorded or real call returned, when known; `ret` undefined means `= ?`. */
export type Observed = { ok: true; ret?: number; fds?: number[] } | { ok: false; errno: Errno };
