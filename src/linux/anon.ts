/**
 * Objects an fd can name that live in no directory: what creates them, and how
 * /proc/PID/fd/N prints them (fs/anon_inodes.c names, fs/eventfd.c, fs/eventpoll.c ...).
 */

/** The anonymous objects made by `eventfd`, `epoll_create`, `memfd_create` ... (pipes and sockets have their own calls). */
export type AnonKind =
  | 'eventfd' | 'epoll' | 'signalfd' | 'timerfd' | 'inotify' | 'fanotify' | 'pidfd' | 'userfaultfd'
  | 'perf_event' | 'io_uring' | 'bpf' | 'memfd'
  /** A descriptor the process started with whose object is outside the model (a terminal, a pipe). */
  | 'stdio';

/** How /proc/PID/fd/N names an anon_inode object of each kind. */
export const ANON_LABELS: Readonly<Record<Exclude<AnonKind, 'memfd' | 'stdio'>, string>> = {
  eventfd: '[eventfd]', epoll: '[eventpoll]', signalfd: '[signalfd]', timerfd: '[timerfd]',
  inotify: 'inotify', fanotify: '[fanotify]', pidfd: '[pidfd]', userfaultfd: '[userfaultfd]',
  perf_event: '[perf_event]', io_uring: '[io_uring]', bpf: 'bpf-prog',
};
