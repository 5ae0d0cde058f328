/**
 * Socket addresses between the guest and the host. A Unix socket's path is never passed as the
 * guest wrote it: the host binds `/proc/self/fd/<anchored dir fd>/<name>` (the directory the
 * model resolved and the policy judged, one name in it) and connects or sends to
 * `/proc/self/fd/<O_PATH fd>` of the socket node itself, opened without following and checked
 * to be the object the model holds. Any other address is the guest's bytes, copied once.
 * Addresses the host kernel gives back (getsockname, getpeername, accept, recvfrom) name the
 * guest's own sockets by the guest's path again.
 */
import type { Entry } from '../enforce/enforcer.js';
import { AF_UNIX } from '../linux/index.js';
import type { HostCore } from './core.js';
import { SYNTHETIC, STALE } from './anchors.js';
import { neg } from './errno.js';
import { openNode } from './host-objects.js';

/** sizeof(struct sockaddr_storage): the most any address takes. */
export const SOCKADDR_MAX = 128;
/** sun_path's size: a host name longer than 107 bytes (and its NUL) cannot be bound. */
const SUN_PATH = 108;

/** An address ready for the host: its bytes, and what to release once the call is done. */
export interface HostAddr {
  bytes: Uint8Array;
  release(): void;
  /** For a bind to a Unix path: where the new node is, to chmod it and record its identity. */
  made?: { fd: number; name: string };
}

const NOTHING = (): void => undefined;

/** Host names of guest-bound Unix sockets → the guest's sun_path bytes (for addresses given back). */
export class UnixNames {
  private readonly byHost = new Map<string, Uint8Array>();

  remember(host: string, guest: Uint8Array): void {
    if (this.byHost.size > 4096) this.byHost.clear(); // bounded: a guest binding forever
    this.byHost.set(host, guest);
  }

  /** The address as the guest should see it (a host name of its own socket → its guest path). */
  toGuest(addr: Uint8Array, len: number): { bytes: Uint8Array; len: number } {
    if (len <= 2 || (addr[0]! | (addr[1]! << 8)) !== AF_UNIX || addr[2] === 0) return { bytes: addr, len };
    const body = addr.subarray(2, len);
    const nul = body.indexOf(0);
    const host = Buffer.from(nul < 0 ? body : body.subarray(0, nul)).toString('latin1');
    const guest = this.byHost.get(host);
    if (!guest) return { bytes: addr, len };
    const out = new Uint8Array(Math.max(len, 2 + guest.length + 1));
    out[0] = AF_UNIX;
    out.set(guest, 2);
    return { bytes: out, len: 2 + guest.length + 1 };
  }
}

/** A sockaddr_un for a host path (NUL-terminated, as the kernel counts it), or ENAMETOOLONG. */
function sun(path: string): Uint8Array | number {
  if (path.length >= SUN_PATH) return neg('ENAMETOOLONG');
  const out = new Uint8Array(2 + path.length + 1);
  out[0] = AF_UNIX;
  out.set(Buffer.from(path, 'latin1'), 2);
  return out;
}

/** The address bytes the enforcer's decision read (bind, connect, sendto, sendmsg with a destination). */
export function judgedBytes(e: Entry | undefined): Uint8Array | undefined {
  const c = e?.call;
  return c && (c.sys === 'bind' || c.sys === 'connect' || c.sys === 'sendto') ? c.addr?.raw : undefined;
}

/** Whether guest address bytes name a Unix socket by a filesystem path. */
export function isUnixPath(b: Uint8Array): boolean {
  return b.length > 2 && (b[0]! | (b[1]! << 8)) === AF_UNIX && b[2] !== 0;
}

/**
 * The host address for a guest's bind, connect or send to `bytes`. A Unix path must be the
 * object the enforcer judged (`e`): without that judgement nothing reaches the host (EACCES).
 * Returns -errno, or STALE when the disk is not what the model holds.
 */
export function hostAddr(h: HostCore, e: Entry | undefined, bytes: Uint8Array, bind: boolean): HostAddr | number {
  if (!isUnixPath(bytes)) return { bytes, release: NOTHING };
  const check = e?.request?.checks[0];
  const obj = check && check.role !== 'network' && check.role !== 'outside' && check.role !== 'fd' ? check.object : undefined;
  if (!obj) return neg('EACCES');
  if (bind) {
    const at = h.place(obj);
    if (at === SYNTHETIC) return neg('EROFS');
    if (typeof at === 'number') return at;
    const a = sun(`/proc/self/fd/${at.fd}/${at.name}`);
    if (typeof a === 'number') {
      at.release();
      return a;
    }
    return { bytes: a, release: () => at.release(), made: { fd: at.fd, name: at.name } };
  }
  if (!obj.exists || obj.dentry === undefined) return neg(obj.errno ? obj.errno : 'ENOENT');
  const at = h.object(obj.dentry);
  if (at === SYNTHETIC) return neg('ECONNREFUSED'); // a directory: no socket there
  if (typeof at === 'number') return at;
  try {
    // A mount root is its own anchor: the kernel refuses it as no socket (ECONNREFUSED).
    if (at.name === '') return { bytes: sun(`/proc/self/fd/${at.fd}`) as Uint8Array, release: NOTHING };
    const fd = openNode(h, at, obj.dentry);
    if (fd === 'changed') return STALE;
    if (fd < 0) return fd;
    return { bytes: sun(`/proc/self/fd/${fd}`) as Uint8Array, release: () => h.sys.close(fd) };
  } finally {
    at.release();
  }
}

/** Writes an address the kernel gave back to the guest as move_addr_to_user does: min(len, given), then the full length. */
export function putAddr(h: HostCore, names: UnixNames, addr: Uint8Array, klen: number, ptr: number, lenPtr: number): number {
  const mem = h.mem;
  if (!mem) return neg('EFAULT');
  const given = lenPtr === 0 ? undefined : mem.readI32(lenPtr);
  if (typeof given !== 'number') return neg('EFAULT');
  if (given < 0) return neg('EINVAL');
  const g = names.toGuest(addr, klen);
  const n = Math.min(given, g.len);
  if (n > 0 && (ptr === 0 || mem.writeBytes(ptr, g.bytes.subarray(0, n)))) return neg('EFAULT');
  return mem.writeI32(lenPtr, g.len) ? neg('EFAULT') : 0;
}
