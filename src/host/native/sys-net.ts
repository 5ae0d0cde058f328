/**
 * The host kernel's socket calls, reached as ./sys-poll.ts reaches pipes and waits: koffi, raw
 * `syscall(2)`, x86-64 numbers, -errno results. The guest's fds and pointers never reach these
 * calls: src/host/sys-sockets.ts translates fds and copies every buffer, address and length out
 * of guest memory first. sendmsg/recvmsg build an x86-64 `struct msghdr` with one iovec in native
 * memory of their own (koffi.alloc), so no guest pointer is ever given to the kernel.
 */
import koffi from 'koffi';
import { bindSyscall, sysResult } from './syscall.js';

export interface SysNet {
  socket(domain: number, type: number, protocol: number): number;
  /** socketpair into an 8-byte `int[2]`. */
  socketpair(domain: number, type: number, protocol: number, sv: Uint8Array): number;
  bind(fd: number, addr: Uint8Array, len: number): number;
  connect(fd: number, addr: Uint8Array, len: number): number;
  listen(fd: number, backlog: number): number;
  /** accept4; `addr` and its 4-byte length `len` (in: capacity, out: the full size) or both null. */
  accept4(fd: number, addr: Uint8Array | null, len: Uint8Array | null, flags: number): number;
  getsockname(fd: number, addr: Uint8Array, len: Uint8Array): number;
  getpeername(fd: number, addr: Uint8Array, len: Uint8Array): number;
  /** getsockopt; `len` a 4-byte in/out length, `val` its buffer (null when the guest gave NULL). */
  getsockopt(fd: number, level: number, name: number, val: Uint8Array | null, len: Uint8Array): number;
  setsockopt(fd: number, level: number, name: number, val: Uint8Array | null, len: number): number;
  shutdown(fd: number, how: number): number;
  /** ioctl with an int argument (FIONREAD, SIOCOUTQ ...) written to `val` (4 bytes). */
  ioctlInt(fd: number, request: number, val: Uint8Array): number;
  /** sendmsg of `data` to `name` (null: the peer), no control data. */
  sendmsg(fd: number, name: Uint8Array | null, data: Uint8Array, flags: number): number;
  /**
   * recvmsg into `data` (its length is the capacity); the sender's address into `name` (its
   * length the capacity) when given. No control buffer: what would arrive there is dropped
   * (MSG_CTRUNC). Returns the kernel's result with msg_namelen and msg_flags.
   */
  recvmsg(fd: number, name: Uint8Array | null, data: Uint8Array, flags: number): { ret: number; namelen: number; flags: number };
}

/** x86-64 syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl). */
const NR = {
  ioctl: 16, socket: 41, connect: 42, sendmsg: 46, recvmsg: 47, shutdown: 48, bind: 49, listen: 50, getsockname: 51,
  getpeername: 52, socketpair: 53, setsockopt: 54, getsockopt: 55, accept4: 288,
} as const;

/** sizeof(struct msghdr) and sizeof(struct iovec) on x86-64. */
const MSGHDR = 56;
const IOVEC = 16;

let loaded: SysNet | undefined;

/** The host's socket calls; throws on a machine that is not Linux x86-64. */
export function loadSysNet(): SysNet {
  if (loaded) return loaded;
  const s = bindSyscall({
    i: 'long',
    ii: 'long, long',
    iii: 'long, long, long',
    iiib: 'long, long, long, _Inout_ uint8_t *',
    iib: 'long, long, _Inout_ uint8_t *',
    ibi: 'long, _Inout_ uint8_t *, long',
    ibb: 'long, _Inout_ uint8_t *, _Inout_ uint8_t *',
    ibbi: 'long, _Inout_ uint8_t *, _Inout_ uint8_t *, long',
    iiibb: 'long, long, long, _Inout_ uint8_t *, _Inout_ uint8_t *',
    iiibi: 'long, long, long, _Inout_ uint8_t *, long',
    iai: 'long, void *, long',
  });
  const r = sysResult;
  /** Native memory for one msghdr call: the header, one iovec, the name, the data. */
  const arena = (nameLen: number, dataLen: number): { ptr: unknown; base: bigint; view: DataView; bytes: Uint8Array } => {
    const size = MSGHDR + IOVEC + nameLen + dataLen;
    const ptr = koffi.alloc('uint8_t', Math.max(1, size));
    const ab = koffi.view(ptr, Math.max(1, size));
    return { ptr, base: BigInt(koffi.address(ptr) as bigint), view: new DataView(ab), bytes: new Uint8Array(ab) };
  };
  /** Fills the msghdr at the arena's start; returns where the name and the data are. */
  const header = (a: ReturnType<typeof arena>, nameLen: number, dataLen: number): { nameAt: number; dataAt: number } => {
    const iovAt = MSGHDR;
    const nameAt = iovAt + IOVEC;
    const dataAt = nameAt + nameLen;
    a.bytes.fill(0, 0, MSGHDR + IOVEC);
    a.view.setBigUint64(0, nameLen > 0 ? a.base + BigInt(nameAt) : 0n, true); // msg_name
    a.view.setUint32(8, nameLen, true); // msg_namelen
    a.view.setBigUint64(16, a.base + BigInt(iovAt), true); // msg_iov
    a.view.setBigUint64(24, 1n, true); // msg_iovlen
    a.view.setBigUint64(iovAt, a.base + BigInt(dataAt), true); // iov_base
    a.view.setBigUint64(iovAt + 8, BigInt(dataLen), true); // iov_len
    return { nameAt, dataAt };
  };
  loaded = {
    socket: (d, t, p) => r(s.iii(NR.socket, d, t, p)),
    socketpair: (d, t, p, sv) => r(s.iiib(NR.socketpair, d, t, p, sv)),
    bind: (fd, a, len) => r(s.ibi(NR.bind, fd, a, len)),
    connect: (fd, a, len) => r(s.ibi(NR.connect, fd, a, len)),
    listen: (fd, backlog) => r(s.ii(NR.listen, fd, backlog)),
    accept4: (fd, a, len, flags) => r(s.ibbi(NR.accept4, fd, a, len, flags)),
    getsockname: (fd, a, len) => r(s.ibb(NR.getsockname, fd, a, len)),
    getpeername: (fd, a, len) => r(s.ibb(NR.getpeername, fd, a, len)),
    getsockopt: (fd, level, name, val, len) => r(s.iiibb(NR.getsockopt, fd, level, name, val, len)),
    setsockopt: (fd, level, name, val, len) => r(s.iiibi(NR.setsockopt, fd, level, name, val, len)),
    shutdown: (fd, how) => r(s.ii(NR.shutdown, fd, how)),
    ioctlInt: (fd, req, val) => r(s.iib(NR.ioctl, fd, req, val)),
    sendmsg: (fd, name, data, flags) => {
      const nameLen = name?.length ?? 0;
      const a = arena(nameLen, data.length);
      try {
        const { nameAt, dataAt } = header(a, nameLen, data.length);
        if (name) a.bytes.set(name, nameAt);
        a.bytes.set(data, dataAt);
        return r(s.iai(NR.sendmsg, fd, a.ptr, flags));
      } finally {
        koffi.free(a.ptr);
      }
    },
    recvmsg: (fd, name, data, flags) => {
      const nameLen = name?.length ?? 0;
      const a = arena(nameLen, data.length);
      try {
        const { nameAt, dataAt } = header(a, nameLen, data.length);
        const ret = r(s.iai(NR.recvmsg, fd, a.ptr, flags));
        const got = { ret, namelen: a.view.getUint32(8, true), flags: a.view.getInt32(48, true) };
        if (ret >= 0) {
          data.set(a.bytes.subarray(dataAt, dataAt + Math.min(ret, data.length)));
          if (name) name.set(a.bytes.subarray(nameAt, nameAt + Math.min(got.namelen, nameLen)));
        }
        return got;
      } finally {
        koffi.free(a.ptr);
      }
    },
  };
  return loaded;
}
