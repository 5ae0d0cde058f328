/**
 * Syscalls as events: the typed form every source (strace logs, WALI guests, test programs)
 * is turned into. Numbers are x86-64 values; fds are plain numbers with AT_FDCWD = -100;
 * paths are byte strings (one char per byte).
 */
import type { AnonKind, Errno } from '../linux/index.js';

export type Call =
  | { sys: 'openat'; dirfd: number; path: string; flags: number; mode: number; resolve?: number; openat2?: boolean }
  | { sys: 'mkdirat'; dirfd: number; path: string; mode: number }
  | { sys: 'mknodat'; dirfd: number; path: string; mode: number }
  | { sys: 'unlinkat'; dirfd: number; path: string; flags: number }
  | { sys: 'renameat2'; olddirfd: number; oldpath: string; newdirfd: number; newpath: string; flags: number }
  | { sys: 'linkat'; olddirfd: number; oldpath: string; newdirfd: number; newpath: string; flags: number }
  | { sys: 'symlinkat'; target: string; newdirfd: number; linkpath: string }
  /** Lookup-only calls (stat family, access, readlink, chmod, utimens ...): no state change. */
  | { sys: 'lookup'; name: string; dirfd: number; path: string; follow: boolean; emptyPath: boolean }
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
  | { sys: 'bind' | 'connect'; fd: number; unixPath?: string }
  /** eventfd, epoll, signalfd, timerfd, inotify, fanotify, pidfd, memfd, userfaultfd ... */
  | { sys: 'anon'; kind: AnonKind; cloexec: boolean; nonblock: boolean; name?: string }
  /** fds sent with SCM_RIGHTS on socket `fd`: their descriptions travel to the peer socket. */
  | { sys: 'sendfds'; fd: number; fds: number[] }
  /** fds received with SCM_RIGHTS on socket `fd`, at the numbers the log shows. */
  | { sys: 'recvfds'; fd: number; fds: number[]; cloexec: boolean }
  | { sys: 'clone'; flags: number }
  | { sys: 'execve'; dirfd: number; path: string; flags: number }
  | { sys: 'exit'; group: boolean }
  /** fd-only calls (read, write, fstat, mmap ...): checked for a valid fd, nothing changes. */
  | { sys: 'usefd'; name: string; fd: number };

export type CallName = Call['sys'];

/** A call that failed: with Linux's errno, or unknown to the model (never guessed as an errno). */
export type Failed =
  | { ok: false; errno: Errno; unknown?: undefined }
  | { ok: false; errno?: undefined; unknown: string };

/** What a call returned: a value (fd, child tid, 0) or a failure. */
export type Outcome = { ok: true; ret: number; fds?: number[] } | Failed;

/** What a recorded or real call returned, when known; `ret` undefined means `= ?`. */
export type Observed = { ok: true; ret?: number; fds?: number[] } | { ok: false; errno: Errno };
