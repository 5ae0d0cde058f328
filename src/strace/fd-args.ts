/**
 * Where strace 6.1 prints fd annotations, per syscall name (x86-64).
 *
 * Checked against strace's decoders (file named per entry, `src/` in
 * strace/strace). `printfd` annotates a valid fd with its path (an invalid or
 * closed one prints as a bare number); `print_dirfd` additionally prints
 * AT_FDCWD with the cwd; `RVAL_FD` annotates the return value. `when` says
 * whether strace prints the value at syscall entry (the annotation then
 * describes the fd table *before* the call, and the text sits on the
 * `<unfinished ...>` line of a split call) or at exit (after the call, on the
 * `<... resumed>` line).
 *
 * Not covered: ioctl/bpf/seccomp/io_uring_register request-specific fds,
 * and the eventfd/signalfd details of newer `--decode-fds` modes. Syscalls
 * added after 6.1 (cachestat, fchmodat2, F_DUPFD_QUERY) are left out.
 */
import type { Arg } from './args.js';

export type FdRole =
  | 'fd' // printfd: an fd of the calling process
  | 'dirfd' // print_dirfd: an fd, or AT_FDCWD annotated with the cwd
  | 'remote-fd'; // printfd_pid: an fd of another process (pidfd_getfd, kcmp)

export type FdWhen = 'entry' | 'exit';

/** A condition on another top-level argument's printed text. */
export interface FdCond {
  readonly arg: number;
  /** `is`: the value is one of `names`; `has`/`lacks`: one of `names` is / none is among its `|` flags. */
  readonly test: 'is' | 'has' | 'lacks';
  readonly names: readonly string[];
}

export interface FdSlot {
  /** Top-level argument index as printed; -1 when found by `key`. */
  readonly index: number;
  /** Argument printed as `key=value` (clone's `parent_tid=`). */
  readonly key?: string;
  /**
   * Steps into the argument: `[]` every element, `[ ]` every word of a
   * space-separated bit set (`[0 4]`), `[k=V]` every struct element
   * whose member k is V, `=>` the value after strace's ` => ` change marker,
   * anything else a struct member. Empty: the argument itself.
   */
  readonly path: readonly string[];
  readonly role: FdRole;
  readonly when: FdWhen;
  /** All must hold. */
  readonly conds: readonly FdCond[];
  readonly note?: string;
}

export interface SyscallFdSpec {
  readonly name: string;
  readonly slots: readonly FdSlot[];
  /** RVAL_FD: the return value is printed as an annotated fd (when `returnConds` hold). */
  readonly returnsFd: boolean;
  readonly returnConds: readonly FdCond[];
  /** strace source file of the decoder. */
  readonly source: string;
}

interface SlotOpts {
  readonly path?: readonly string[];
  readonly when?: FdWhen;
  readonly conds?: readonly FdCond[];
  readonly role?: FdRole;
  readonly key?: string;
  readonly note?: string;
}

function slot(index: number, role: FdRole, o: SlotOpts = {}): FdSlot {
  const s: FdSlot = { index, role: o.role ?? role, path: o.path ?? [], when: o.when ?? 'entry', conds: o.conds ?? [] };
  return { ...s, ...(o.key !== undefined ? { key: o.key } : {}), ...(o.note !== undefined ? { note: o.note } : {}) };
}
const fd = (index: number, o?: SlotOpts): FdSlot => slot(index, 'fd', o);
const dirfd = (index: number, o?: SlotOpts): FdSlot => slot(index, 'dirfd', o);
const is = (arg: number, ...names: string[]): FdCond => ({ arg, test: 'is', names });
const has = (arg: number, ...names: string[]): FdCond => ({ arg, test: 'has', names });
const lacks = (arg: number, ...names: string[]): FdCond => ({ arg, test: 'lacks', names });

/** Return value is an fd (optionally only when `conds` hold). */
const RET = { returnsFd: true as const, conds: [] as FdCond[] };
const retIf = (...conds: FdCond[]): { returnsFd: true; conds: FdCond[] } => ({ returnsFd: true, conds });

const TABLE = new Map<string, SyscallFdSpec>();

function def(source: string, names: readonly string[], slots: readonly FdSlot[],
  ret?: { returnsFd: true; conds: readonly FdCond[] }): void {
  for (const name of names) {
    TABLE.set(name, { name, slots, returnsFd: ret !== undefined, returnConds: ret?.conds ?? [], source });
  }
}

const SCM_RIGHTS_PATH = ['msg_control', '[cmsg_type=SCM_RIGHTS]', 'cmsg_data', '[]'];

// --- files and descriptors ---
def('desc.c', ['close'], [fd(0)]);
def('linux/dummy.h (sys_fchdir/fsync/fdatasync/syncfs = sys_close)', ['fchdir', 'fsync', 'fdatasync', 'syncfs'], [fd(0)]);
def('close_range.c (PRINT_VAL_U: plain numbers, no TD flag)', ['close_range'], []);
def('dup.c', ['dup'], [fd(0)], RET);
def('dup.c', ['dup2', 'dup3'], [fd(0), fd(1)], RET);
def('fcntl.c', ['fcntl'], [fd(0)], retIf(is(1, 'F_DUPFD', 'F_DUPFD_CLOEXEC')));
def('open.c', ['open', 'creat'], [], RET);
def('open.c', ['openat', 'openat2'], [dirfd(0)], RET);
def('file_handle.c', ['name_to_handle_at'], [dirfd(0)]);
def('file_handle.c', ['open_by_handle_at'], [fd(0)], RET);
def('io.c (fd at entry, buffer at exit)', ['read', 'readv', 'pread64', 'preadv', 'preadv2'], [fd(0)]);
def('io.c', ['write', 'writev', 'pwrite64', 'pwritev', 'pwritev2', 'vmsplice'], [fd(0)]);
def('io.c', ['tee'], [fd(0), fd(1)]);
def('io.c', ['splice'], [fd(0), fd(2)]);
def('copy_file_range.c', ['copy_file_range'], [fd(0), fd(2)]);
def('sendfile.c', ['sendfile'], [fd(0), fd(1)]);
def('mem.c', ['mmap'], [fd(4)]);
def('lseek.c', ['lseek'], [fd(0)]);
def('readahead.c', ['readahead'], [fd(0)]);
def('fadvise.c', ['fadvise64'], [fd(0)]);
def('fallocate.c', ['fallocate'], [fd(0)]);
def('truncate.c', ['ftruncate'], [fd(0)]);
def('flock.c', ['flock'], [fd(0)]);
def('sync_file_range.c', ['sync_file_range'], [fd(0)]);
def('xgetdents.c (fd at entry, entries at exit)', ['getdents', 'getdents64'], [fd(0)]);
def('ioctl.c', ['ioctl'], [fd(0)]);
def('stat.c', ['fstat'], [fd(0)]);
def('stat.c', ['newfstatat'], [dirfd(0)]);
def('statx.c', ['statx'], [dirfd(0)]);
def('fstatfs.c', ['fstatfs'], [fd(0)]);
def('xattr.c', ['fgetxattr', 'fsetxattr', 'flistxattr', 'fremovexattr'], [fd(0)]);
def('chmod.c', ['fchmod'], [fd(0)]);
def('chmod.c (mkdirat = sys_fchmodat in linux/dummy.h)', ['fchmodat', 'mkdirat'], [dirfd(0)]);
def('chown.c', ['fchown'], [fd(0)]);
def('fchownat.c', ['fchownat'], [dirfd(0)]);
def('access.c', ['faccessat', 'faccessat2'], [dirfd(0)]);
def('mknod.c', ['mknodat'], [dirfd(0)]);
def('utimes.c', ['futimesat', 'utimensat'], [dirfd(0)]);
def('link.c', ['linkat'], [dirfd(0), dirfd(2)]);
def('link.c', ['unlinkat'], [dirfd(0)]);
def('link.c', ['symlinkat'], [dirfd(1)]);
def('renameat.c', ['renameat', 'renameat2'], [dirfd(0), dirfd(2)]);
def('readlink.c', ['readlinkat'], [dirfd(0)]);
def('execve.c', ['execveat'], [dirfd(0)]);

// --- mount API ---
def('open_tree.c', ['open_tree'], [dirfd(0)], RET);
def('move_mount.c', ['move_mount'], [dirfd(0), dirfd(2)]);
def('fsopen.c', ['fsopen'], [], RET);
def('fsconfig.c', ['fsconfig'], [
  fd(0),
  fd(4, { conds: [is(1, 'FSCONFIG_SET_FD')] }),
  dirfd(4, { conds: [is(1, 'FSCONFIG_SET_PATH', 'FSCONFIG_SET_PATH_EMPTY')] }),
]);
def('fsmount.c', ['fsmount'], [fd(0)], RET);
def('fspick.c', ['fspick'], [dirfd(0)], RET);
def('mount_setattr.c', ['mount_setattr'], [
  dirfd(0),
  fd(3, { path: ['userns_fd'], note: 'only when attr_set/attr_clr has MOUNT_ATTR_IDMAP' }),
]);

// --- polling and events ---
def('poll.c (revents in the result are plain numbers)', ['poll', 'ppoll'], [fd(0, { path: ['[]', 'fd'] })]);
def('desc.c (decode_select: fd sets are bit sets; the result is plain)', ['select', 'pselect6'],
  [fd(1, { path: ['[ ]'] }), fd(2, { path: ['[ ]'] }), fd(3, { path: ['[ ]'] })]);
def('epoll.c', ['epoll_create', 'epoll_create1'], [], RET);
def('epoll.c', ['epoll_ctl'], [fd(0), fd(2)]);
def('epoll.c (epfd at entry, events at exit)', ['epoll_wait', 'epoll_pwait', 'epoll_pwait2'], [fd(0)]);
def('eventfd.c', ['eventfd', 'eventfd2'], [], RET);
def('signalfd.c', ['signalfd', 'signalfd4'], [fd(0)], RET);
def('time.c', ['timerfd_create'], [], RET);
def('time.c', ['timerfd_settime', 'timerfd_gettime'], [fd(0)]);
def('inotify.c', ['inotify_init', 'inotify_init1'], [], RET);
def('inotify.c', ['inotify_add_watch', 'inotify_rm_watch'], [fd(0)]);
def('fanotify.c', ['fanotify_init'], [], RET);
def('fanotify.c (FAN_NOFD prints as a name)', ['fanotify_mark'], [fd(0), dirfd(3)]);
def('memfd_create.c', ['memfd_create'], [], RET);
def('memfd_secret.c', ['memfd_secret'], [], RET);
def('userfaultfd.c', ['userfaultfd'], [], RET);
def('perf.c (all arguments printed at exit)', ['perf_event_open'], [fd(3, { when: 'exit' })], RET);
def('io_uring.c', ['io_uring_setup'], [fd(1, { path: ['wq_fd'], note: 'present with IORING_SETUP_ATTACH_WQ' })], RET);
def('io_uring.c', ['io_uring_enter'], [fd(0)]);
def('io_uring.c (opcode-specific fd arrays in arg 2 not listed)', ['io_uring_register'], [fd(0)]);
def('mq.c', ['mq_open'], [], RET);
def('mq.c', ['mq_timedsend', 'mq_timedreceive', 'mq_notify', 'mq_getsetattr'], [fd(0)]);

// --- sockets ---
def('net.c', ['socket'], [], RET);
def('net.c (sv printed at exit)', ['socketpair'], [fd(3, { path: ['[]'], when: 'exit' })]);
def('net.c (pipefd printed at exit)', ['pipe', 'pipe2'], [fd(0, { path: ['[]'], when: 'exit' })]);
def('net.c', ['accept', 'accept4'], [fd(0)], RET);
def('net.c', ['getsockname', 'getpeername', 'sendto', 'recvfrom', 'setsockopt', 'getsockopt'], [fd(0)]);
def('bind.c (connect = sys_bind in linux/dummy.h)', ['bind', 'connect'], [fd(0)]);
def('listen.c', ['listen'], [fd(0)]);
def('net.c', ['shutdown'], [fd(0)]);
def('msghdr.c', ['sendmsg'], [fd(0), fd(1, { path: SCM_RIGHTS_PATH })]);
def('msghdr.c (msghdr printed at exit)', ['recvmsg'], [fd(0), fd(1, { path: SCM_RIGHTS_PATH, when: 'exit' })]);
def('mmsghdr.c (vector printed at exit)', ['sendmmsg', 'recvmmsg'],
  [fd(0), fd(1, { path: ['[]', 'msg_hdr', ...SCM_RIGHTS_PATH], when: 'exit' })]);

// --- processes ---
def('clone.c (CLONE_PIDFD without CLONE_PARENT_SETTID: printnum_fd at exit)', ['clone'], [
  fd(-1, { key: 'parent_tid', path: ['[]'], when: 'exit', conds: [has(1, 'CLONE_PIDFD'), lacks(1, 'CLONE_PARENT_SETTID')] }),
]);
def('clone.c (pidfd in the struct printed after " => " at exit)', ['clone3'],
  [fd(0, { path: ['=>', 'pidfd', '[]'], when: 'exit' })]);
def('clone.c', ['setns'], [fd(0)]);
def('pidfd_open.c', ['pidfd_open'], [], RET);
def('pidfd_getfd.c', ['pidfd_getfd'], [fd(0), slot(1, 'remote-fd')], RET);
def('signal.c', ['pidfd_send_signal'], [fd(0)]);
def('mem.c', ['process_madvise', 'process_mrelease'], [fd(0)]);
def('kcmp.c (fds of pid1/pid2)', ['kcmp'], [
  slot(3, 'remote-fd', { conds: [is(2, 'KCMP_FILE', 'KCMP_EPOLL_TFD')] }),
  slot(4, 'remote-fd', { conds: [is(2, 'KCMP_FILE')] }),
  slot(4, 'remote-fd', { path: ['efd'], conds: [is(2, 'KCMP_EPOLL_TFD')] }),
  slot(4, 'remote-fd', { path: ['tfd'], conds: [is(2, 'KCMP_EPOLL_TFD')] }),
]);
def('landlock.c', ['landlock_create_ruleset'], [], retIf(lacks(2, 'LANDLOCK_CREATE_RULESET_VERSION')));
def('landlock.c', ['landlock_add_rule'],
  [fd(0), fd(2, { path: ['parent_fd'], conds: [is(1, 'LANDLOCK_RULE_PATH_BENEATH')] })]);
def('landlock.c', ['landlock_restrict_self'], [fd(0)]);
def('quota.c', ['quotactl_fd'], [fd(0)]);
def('bjm.c', ['finit_module'], [fd(0)]);
def('kexec.c', ['kexec_file_load'], [fd(0), fd(1)]);

/** The fd layout of a syscall, or undefined when strace prints no fds for it. O(1). */
export function fdSpec(name: string): SyscallFdSpec | undefined {
  return TABLE.get(name);
}

/** Every syscall in the table. */
export function fdSpecNames(): string[] {
  return [...TABLE.keys()];
}

function condHolds(c: FdCond, args: readonly Arg[]): boolean {
  const a = args[c.arg];
  if (!a) return false;
  const v = a.valueText;
  if (c.test === 'is') return c.names.includes(v);
  const flags = v.split('|');
  const any = c.names.some((n) => flags.includes(n));
  return c.test === 'has' ? any : !any;
}

/** Whether every condition holds for these parsed top-level arguments. */
export function condsHold(conds: readonly FdCond[], args: readonly Arg[]): boolean {
  for (const c of conds) if (!condHolds(c, args)) return false;
  return true;
}

function walk(nodes: readonly Arg[], step: string): Arg[] {
  const out: Arg[] = [];
  for (const n of nodes) {
    if (step === '=>') {
      const c = n.changed;
      if (c) out.push(c);
    } else if (step === '[]') {
      for (const it of n.items ?? []) out.push(it);
    } else if (step === '[ ]') {
      for (const it of n.items ?? []) out.push(...it.words());
    } else if (step.startsWith('[') && step.endsWith(']')) {
      const eq = step.indexOf('=');
      const k = step.slice(1, eq);
      const want = step.slice(eq + 1, -1);
      for (const it of n.items ?? []) if (it.field(k)?.valueText === want) out.push(it);
    } else {
      const f = n.field(step);
      if (f) out.push(f);
    }
  }
  return out;
}

export interface LocatedFd {
  readonly slot: FdSlot;
  /** The printed fd value; `arg.end` is where strace puts its annotation. */
  readonly arg: Arg;
}

/**
 * Calls `visit` for each printed fd value of a call's parsed arguments, in slot order; `when`
 * filters by print time and slots whose conditions fail are skipped. No allocation for the
 * common slot (a plain top-level argument).
 */
export function forEachFd(spec: SyscallFdSpec, args: readonly Arg[], when: FdWhen | undefined, visit: (arg: Arg, slot: FdSlot) => void): void {
  for (const s of spec.slots) {
    if (when && s.when !== when) continue;
    if (s.conds.length > 0 && !condsHold(s.conds, args)) continue;
    const root = s.key !== undefined ? args.find((a) => a.key === s.key) : args[s.index];
    if (!root) continue;
    if (s.path.length === 0) {
      visit(root, s);
      continue;
    }
    let nodes: Arg[] = [root];
    for (const step of s.path) nodes = walk(nodes, step);
    for (const arg of nodes) visit(arg, s);
  }
}

/** The printed fd values of a call's parsed arguments, in slot order (see forEachFd). */
export function locateFds(spec: SyscallFdSpec, args: readonly Arg[], when?: FdWhen): LocatedFd[] {
  const out: LocatedFd[] = [];
  forEachFd(spec, args, when, (arg, slot) => out.push({ slot, arg }));
  return out;
}
