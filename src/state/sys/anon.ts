/**
 * Anonymous objects: pipes, sockets, eventfd/epoll/signalfd/timerfd/inotify/pidfd/memfd ...
 * Each is an inode outside the tree with the label /proc/PID/fd/N shows for it; their fds are
 * allocated like any other (lowest free, all-or-nothing for pairs).
 */
import type { Kernel } from '../kernel.js';
import type { Call, Observed, Outcome } from '../calls.js';
import type { Task } from '../types.js';
import { E } from '../errors.js';
import { fdEntry, install, lowestFree, newFile, reserveFd, tableOf } from '../files.js';
import { inodeOf, dentry } from '../namespace.js';
import { ok, run } from './run.js';
import { bindPlan } from './names.js';
import {
  ANON_LABELS,
  AF_INET, AF_INET6, AF_NETLINK, AF_UNIX, O_CLOEXEC, O_DIRECT, O_EXCL, O_LARGEFILE, O_NONBLOCK, O_PATH, O_RDONLY, O_RDWR, O_WRONLY,
  SOCK_DGRAM, SOCK_RAW, SOCK_STREAM,
} from '../../linux/index.js';

/** pipe2's accepted flags; O_EXCL doubles as O_NOTIFICATION_PIPE. */
const PIPE_FLAGS = O_CLOEXEC | O_NONBLOCK | O_DIRECT | O_EXCL;

/** Allocates `n` fds (observed, or lowest free one after another); all or nothing. */
function allocMany(k: Kernel, task: Task, n: number, observed: number[] | undefined): number[] | null {
  if (observed && observed.length === n) return observed;
  const t = tableOf(k.s, task);
  const out: number[] = [];
  let min = 0;
  for (let i = 0; i < n; i++) {
    const fd = lowestFree(k.s, task, min);
    if (typeof fd !== 'number') return null;
    out.push(fd);
    min = fd + 1;
    while (t.fds.has(min)) min++;
  }
  return out;
}

export function pipe2(k: Kernel, task: Task, c: { flags: number }, obs: Observed | undefined): Outcome {
  return run(k, obs, () => {
    if (c.flags & ~PIPE_FLAGS) return E('EINVAL');
    if (!obs && !allocMany(k, task, 2, undefined)) return E('EMFILE');
    return (_ret, fds) => {
      const pair = allocMany(k, task, 2, fds)!;
      const d = k.anon('fifo', { type: 'pipe' });
      const nb = c.flags & O_NONBLOCK;
      const r = newFile(k.s, d.id, d.inode, O_RDONLY | nb);
      const w = newFile(k.s, d.id, d.inode, O_WRONLY | (c.flags & (O_NONBLOCK | O_DIRECT)));
      const cloexec = (c.flags & O_CLOEXEC) !== 0;
      install(k.s, task, pair[0]!, r.id, cloexec);
      install(k.s, task, pair[1]!, w.id, cloexec);
      return { ok: true, ret: 0, fds: pair };
    };
  }, () => ok(0));
}

function sockProto(domain: number, type: number): string {
  const t = type & 0xf;
  // The kernel's proto names (struct proto .name), which strace -yy prints: unix datagram and
  // seqpacket sockets share the "UNIX" proto.
  if (domain === AF_UNIX) return t === SOCK_STREAM ? 'UNIX-STREAM' : 'UNIX';
  const v6 = domain === AF_INET6 ? 'v6' : '';
  if (domain === AF_INET || domain === AF_INET6) return t === SOCK_STREAM ? `TCP${v6}` : t === SOCK_DGRAM ? `UDP${v6}` : t === SOCK_RAW ? `RAW${v6}` : `socket`;
  if (domain === AF_NETLINK) return 'NETLINK';
  return 'socket';
}

function sockFile(k: Kernel, proto: string, type: number, peer?: number): number {
  const d = k.anon('sock', { type: 'socket', proto });
  if (peer !== undefined) inodeOf(k.s, d).anon!.peer = peer;
  return newFile(k.s, d.id, d.inode, O_RDWR | (type & O_NONBLOCK)).id;
}

/** NPROTO and SOCK_MAX: __sock_create refuses a family or type beyond them before any hook. */
const NPROTO = 46;
const SOCK_MAX = 11;

export function socket(k: Kernel, task: Task, c: Extract<Call, { sys: 'socket' }>, obs: Observed | undefined): Outcome {
  return run(k, obs, () => {
    if (c.type & ~(0xf | O_CLOEXEC | O_NONBLOCK)) return E('EINVAL');
    if (c.domain < 0 || c.domain >= NPROTO) return E('EAFNOSUPPORT');
    if ((c.type & 0xf) >= SOCK_MAX) return E('EINVAL');
    const fd = reserveFd(k.s, task, obs !== undefined);
    if (typeof fd !== 'number') return fd;
    return (ret) => {
      const num = ret ?? fd;
      install(k.s, task, num, sockFile(k, sockProto(c.domain, c.type), c.type), (c.type & O_CLOEXEC) !== 0);
      return ok(num);
    };
  }, () => ok(0));
}

export function socketpair(k: Kernel, task: Task, c: Extract<Call, { sys: 'socketpair' }>, obs: Observed | undefined): Outcome {
  return run(k, obs, () => (_ret, fds) => {
    const pair = allocMany(k, task, 2, fds);
    if (!pair) return { ok: false, errno: 'EMFILE' };
    const proto = sockProto(c.domain, c.type);
    const a = sockFile(k, proto, c.type);
    const b = sockFile(k, proto, c.type);
    const ia = inodeOf(k.s, dentry(k.s, k.s.files.get(a)!.dentry));
    const ib = inodeOf(k.s, dentry(k.s, k.s.files.get(b)!.dentry));
    ia.anon!.peer = ib.id;
    ib.anon!.peer = ia.id;
    const cloexec = (c.type & O_CLOEXEC) !== 0;
    install(k.s, task, pair[0]!, a, cloexec);
    install(k.s, task, pair[1]!, b, cloexec);
    return { ok: true, ret: 0, fds: pair };
  }, () => ok(0));
}

/** The socket inode behind an fd, when the model knows it. */
function socketInode(k: Kernel, task: Task, fd: number) {
  const e = fdEntry(k.s, task, fd);
  if (!e || e === 'unknown') return undefined;
  const f = k.s.files.get(e.file)!;
  if (f.unknown || f.dentry === 0) return undefined;
  const inode = inodeOf(k.s, dentry(k.s, f.dentry));
  return inode.anon?.type === 'socket' ? inode : undefined;
}

export function accept4(k: Kernel, task: Task, c: { fd: number; flags: number }, obs: Observed | undefined): Outcome {
  return run(k, obs, () => (ret) => {
    if (ret === undefined) return ok(0); // a simulated accept has no peer to accept
    const listener = socketInode(k, task, c.fd);
    const proto = listener?.anon?.proto ?? 'socket';
    const f = sockFile(k, proto, c.flags);
    if (listener?.anon?.addr !== undefined) inodeOf(k.s, dentry(k.s, k.s.files.get(f)!.dentry)).anon!.addr = listener.anon.addr;
    install(k.s, task, ret, f, (c.flags & O_CLOEXEC) !== 0);
    return ok(ret);
  }, () => ok(0));
}

/**
 * bind, connect, sendto with an address: the kernel finds the socket (EBADF, ENOTSOCK) and
 * copies the address (over sizeof(struct sockaddr_storage): EINVAL) before any security hook.
 */
export function bindConnect(
  k: Kernel, task: Task, c: { sys: 'bind' | 'connect' | 'sendto'; fd: number; unixPath?: string; addr?: { len?: number; family: number; path?: string } }, obs: Observed | undefined,
): Outcome {
  return run(k, obs, (learn) => {
    const e = fdEntry(k.s, task, c.fd);
    if (e === undefined) return E('EBADF');
    if (e !== 'unknown') {
      const f = k.s.files.get(e.file);
      if (f && f.flags & O_PATH) return E('EBADF');
      if (f && !f.unknown && f.dentry !== 0 && !socketInode(k, task, c.fd)) return E('ENOTSOCK');
    }
    if ((c.addr?.len ?? 0) > 128) return E('EINVAL');
    const inode = socketInode(k, task, c.fd);
    const unix = inode?.anon?.proto?.startsWith('UNIX') === true;
    const path = c.addr?.family === AF_UNIX ? c.addr.path : undefined;
    const made = c.sys === 'bind' && unix && path ? bindPlan(k, task, path, learn) : undefined;
    if (made !== undefined && typeof made !== 'function') return made;
    return () => {
      made?.(0);
      if (inode && c.sys === 'bind' && c.unixPath !== undefined) inode.anon!.addr = c.unixPath;
      return ok(0);
    };
  }, () => ok(0));
}


export function anonFd(k: Kernel, task: Task, c: Extract<Call, { sys: 'anon' }>, obs: Observed | undefined): Outcome {
  return run(k, obs, () => {
    const fd = reserveFd(k.s, task, obs !== undefined);
    if (typeof fd !== 'number') return fd;
    return (ret) => {
      const num = ret ?? fd;
      const memfd = c.kind === 'memfd';
      const d = memfd
        ? k.anon('reg', { type: 'memfd', name: c.name ?? '' })
        : k.anon('anon', { type: c.kind === 'pidfd' && c.name ? 'pid' : 'anon_inode', name: c.kind === 'pidfd' && c.name ? c.name : (ANON_LABELS as Record<string, string>)[c.kind] ?? `[${c.kind}]` });
      const flags = memfd ? O_RDWR | O_LARGEFILE : O_RDWR | (c.nonblock ? O_NONBLOCK : 0);
      install(k.s, task, num, newFile(k.s, d.id, d.inode, flags).id, c.cloexec);
      return ok(num);
    };
  }, () => ok(0));
}

/** SCM_RIGHTS send: the descriptions (not the numbers) go in flight to the peer socket. */
export function sendFds(k: Kernel, task: Task, c: { fd: number; fds: number[] }, obs: Observed | undefined): Outcome {
  if (obs && !obs.ok) return { ok: false, errno: obs.errno };
  const sock = socketInode(k, task, c.fd);
  const peer = sock?.anon?.peer !== undefined ? k.s.inodes.get(sock.anon.peer) : undefined;
  if (!peer) return ok(obs?.ok ? obs.ret ?? 0 : 0);
  const files: number[] = [];
  for (const fd of c.fds) {
    const e = fdEntry(k.s, task, fd);
    let id: number;
    if (e && e !== 'unknown') id = e.file;
    else {
      const f = newFile(k.s, 0, 0, 0);
      f.unknown = true;
      id = f.id;
    }
    k.s.files.get(id)!.refs++;
    files.push(id);
  }
  (peer.inflight ??= []).push(files);
  return ok(obs?.ok ? obs.ret ?? 0 : 0);
}

/** SCM_RIGHTS receive: installs the descriptions in flight on this socket, else unknown files. */
export function recvFds(k: Kernel, task: Task, c: { fd: number; fds: number[]; cloexec: boolean }): Outcome {
  const sock = socketInode(k, task, c.fd);
  const files = sock?.inflight?.shift() ?? [];
  c.fds.forEach((fd, i) => {
    let id = files[i];
    if (id === undefined) {
      const f = newFile(k.s, 0, 0, 0);
      f.unknown = true;
      id = f.id;
    } else k.s.files.get(id)!.refs--; // the reference held in flight passes to the new fd
    install(k.s, task, fd, id, c.cloexec);
  });
  return ok(0);
}
