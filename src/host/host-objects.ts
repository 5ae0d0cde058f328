/**
 * The host objects the guest's descriptors and addresses reach, opened or installed the one way:
 * a judged node opened by its name from its directory's anchored fd and checked to be the node
 * the model holds, and a new host object (pipe end, eventfd, epoll, socket) given the guest fd
 * the model numbered.
 */
import { lowestFree } from '../state/files.js';
import { O_CLOEXEC, O_NOFOLLOW, O_PATH } from '../linux/index.js';
import type { HostCore } from './core.js';
import { neg } from './errno.js';
import { identOfStat, kindOfStat } from './stat.js';

const AT_EMPTY_PATH = 0x1000;

/**
 * Name `at.name` in anchored directory `at.fd` opened O_PATH without following, if it is node
 * `dentry` as the model holds it (its kind, its identity): the host fd, or the host's -errno.
 * 'changed' when another node stands there: the disk changed under the model, which forgets the
 * name so that the call is decided again (STALE).
 */
export function openNode(h: HostCore, at: { fd: number; name: string }, dentry: number): number | 'changed' {
  const fd = h.sys.openat(at.fd, at.name, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0);
  if (fd < 0) return fd;
  const n = h.node(dentry);
  const st = new Uint8Array(144);
  const same = h.sys.fstatat(fd, '', st, AT_EMPTY_PATH) === 0 && (!n || ((n.kind === 'unknown' || kindOfStat(st) === n.kind) && (n.ident === undefined || identOfStat(st) === n.ident)));
  if (same) return fd;
  h.sys.close(fd);
  h.kernel.forget(dentry);
  return 'changed';
}

/** The model's next free guest fd at or above `min`, or -errno (EMFILE). */
export function nextFree(h: HostCore, min: number): number {
  const fd = lowestFree(h.kernel.s, h.task, min);
  return typeof fd === 'number' ? fd : neg(fd.errno ?? 'EMFILE');
}

/** A new host object becomes guest fd `guestFd` of the model's table (closed if the model has no file there). */
export function mapHostObject(h: HostCore, guestFd: number, hostFd: number, socket = false): void {
  const id = h.fileIdAt(guestFd);
  if (id === undefined) {
    h.sys.close(hostFd);
    return;
  }
  h.files.set(id, { nodeFd: hostFd, kind: 'stream', owned: true, offset: 0, ...(socket ? { socket: true } : {}) });
}
