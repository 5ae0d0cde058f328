/**
 * A pass-through WALI host, as WAMR-style embeddings are: the guest's paths, cwd and fds are the
 * machine's. Every `SYS_*` the guest calls runs the real system call (libc's variadic
 * `syscall(2)` through koffi) with the guest's path strings and buffers copied between guest
 * memory and host buffers. Nothing here knows fdwarden.
 *
 * Habits of such a host, kept on purpose:
 * - guest fds are the process's own fds (the first guest open gets whatever number the process
 *   has free); only guest fds 0-2 are mapped, onto the fds the embedder gives (capture files);
 * - `chdir` is the process's chdir: the guest's relative paths resolve against the process cwd.
 *   `start` moves the process to the guest's start directory and `dispose` moves it back;
 * - readv/writev gather into (scatter from) one host buffer and make one read/write.
 *
 * Linux x86-64 only (the syscall numbers are x86-64's, as WALI's are).
 */
import koffi from 'koffi';

/** The guest ended (`exit_group`); `code` is its status. */
export class GuestExit extends Error {
  constructor(readonly code: number) {
    super(`guest exited with ${code}`);
    this.name = 'GuestExit';
  }
}

interface Memory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}

type Word = number | bigint;
type Fn = (...a: Word[]) => bigint;

const AT_FDCWD = -100;
const EFAULT = -14n;
const ENAMETOOLONG = -36n;
const EINVAL = -22n;

/** x86-64 numbers of the calls this host makes. */
const NR = {
  read: 0, write: 1, open: 2, close: 3, stat: 4, fstat: 5, lstat: 6, lseek: 8, pread64: 17, pwrite64: 18,
  access: 21, dup: 32, dup2: 33, fcntl: 72, fsync: 74, fdatasync: 75, ftruncate: 77, getcwd: 79, chdir: 80,
  fchdir: 81, rename: 82, mkdir: 83, rmdir: 84, link: 86, unlink: 87, symlink: 88, readlink: 89, chmod: 90,
  fchmod: 91, getdents64: 217, openat: 257, mkdirat: 258, newfstatat: 262, unlinkat: 263, linkat: 265,
  symlinkat: 266, readlinkat: 267, fchmodat: 268, utimensat: 280, dup3: 292, renameat2: 316, statx: 332,
  faccessat2: 439,
} as const;

/** fcntl commands whose argument is a `struct flock` (32 bytes on x86-64). */
const FLOCK_CMDS = new Set([5, 6, 7, 36, 37, 38]);

let sys: ((nr: number, ...typed: unknown[]) => number | bigint) | undefined;

/** libc's `long syscall(long, ...)`; the raw result, -errno on failure. */
function syscall(nr: number, ...typed: unknown[]): bigint {
  if (!sys) {
    if (process.platform !== 'linux' || process.arch !== 'x64') throw new Error('the pass-through host runs on Linux x86-64');
    const f = koffi.load('libc.so.6').func('long syscall(long, ...)');
    sys = (n, ...t) => f(n, ...t) as number | bigint;
  }
  const r = BigInt(sys(nr, ...typed));
  return r === -1n ? BigInt(-koffi.errno()) : r;
}

const L = 'long';
const P = 'const uint8_t *';
const OUT = 'uint8_t *';

export interface PassthroughOptions {
  /** argv (byte strings); argv[0] is the program's name. */
  args: string[];
  /** The process fds behind guest fds 0, 1, 2 (default: the process's own 0, 1, 2). */
  stdio?: [number, number, number];
  /** The guest's start directory (the process chdirs there in `start`). */
  cwd?: string;
}

/** A pass-through host for one guest instance. */
export class PassthroughHost {
  private memory: Memory | undefined;
  private readonly args: Buffer[];
  private readonly stdio: number[];
  /** fds the guest's calls opened (closed by dispose if the guest left them open). */
  private readonly opened = new Set<number>();
  private savedCwd = -1;

  constructor(private readonly opts: PassthroughOptions) {
    this.args = opts.args.map((a) => Buffer.from(a, 'latin1'));
    this.stdio = [...(opts.stdio ?? [0, 1, 2])];
  }

  /** The import object: `wali.SYS_*` for the calls this host implements, plus argv. */
  imports(): { wali: Record<string, (...a: Word[]) => unknown> } {
    const wali: Record<string, (...a: Word[]) => unknown> = {
      __cl_get_argc: () => this.args.length,
      __cl_get_argv_len: (i) => this.args[Number(i) >>> 0]?.length ?? 0,
      __cl_copy_argv: (buf, i) => {
        const a = this.args[Number(i) >>> 0];
        if (!a) return -1;
        return this.put(u32(buf), Buffer.concat([a, Buffer.from([0])])) ? 0 : -1;
      },
    };
    for (const [name, f] of Object.entries(this.calls())) wali[`SYS_${name}`] = f;
    return { wali };
  }

  /** Binds the guest's memory (exported by the module). */
  attach(instance: { exports: Record<string, unknown> }): void {
    this.memory = instance.exports['memory'] as Memory;
  }

  /** Runs `_start` in the guest's start directory; the exit status. */
  start(instance: { exports: Record<string, unknown> }): number {
    if (!this.memory) this.attach(instance);
    if (this.opts.cwd !== undefined) {
      this.savedCwd = Number(syscall(NR.open, P, cstrOf('.'), L, 0o10200000 /* O_PATH|O_DIRECTORY */, L, 0));
      const r = syscall(NR.chdir, P, cstrOf(this.opts.cwd));
      if (r < 0n) throw new Error(`chdir ${this.opts.cwd}: ${r}`);
    }
    try {
      (instance.exports['_start'] as () => void)();
      return 0;
    } catch (e) {
      if (e instanceof GuestExit) return e.code;
      throw e;
    }
  }

  /** Closes what the guest left open and moves the process back to where it was. */
  dispose(): void {
    for (const fd of this.opened) syscall(NR.close, L, fd);
    this.opened.clear();
    if (this.savedCwd >= 0) {
      syscall(NR.fchdir, L, this.savedCwd);
      syscall(NR.close, L, this.savedCwd);
      this.savedCwd = -1;
    }
  }

  // ---- guest memory ----
  private u8(): Uint8Array {
    if (!this.memory) throw new Error('pass-through host: attach(instance) first');
    return new Uint8Array(this.memory.buffer);
  }

  /** A NUL-terminated copy of the guest string at `p` (null for a NULL pointer), or an error. */
  private path(p: Word): Buffer | null | bigint {
    const at = u32(p);
    if (at === 0) return null;
    const m = this.u8();
    if (at >= m.length) return EFAULT;
    const end = m.indexOf(0, at);
    if (end < 0) return EFAULT;
    if (end - at >= 4096) return ENAMETOOLONG;
    const b = Buffer.alloc(end - at + 1);
    b.set(m.subarray(at, end));
    return b;
  }

  /** A copy of guest bytes [p, p+n), or null when outside memory. */
  private get(p: Word, n: number): Buffer | null {
    const at = u32(p);
    const m = this.u8();
    if (at + n > m.length) return null;
    return Buffer.from(m.slice(at, at + n));
  }

  /** Copies bytes into guest memory at p; false when outside it. */
  private put(p: number, b: Uint8Array): boolean {
    const m = this.u8();
    if (p + b.length > m.length) return false;
    m.set(b, p);
    return true;
  }

  /** The process fd behind a guest fd. */
  private fd(g: Word): number {
    const n = Number(g) | 0;
    return n >= 0 && n <= 2 ? this.stdio[n]! : n;
  }

  private dirfd(g: Word): number {
    const n = Number(g) | 0;
    return n === AT_FDCWD ? AT_FDCWD : this.fd(n);
  }

  /** A new fd from the kernel becomes the guest's. */
  private newFd(r: bigint): bigint {
    if (r >= 0n) this.opened.add(Number(r));
    return r;
  }

  /** A call returning bytes into a guest buffer of n bytes at p. */
  private into(p: Word, n: Word, f: (b: Buffer) => bigint): bigint {
    const len = u32(n);
    if (u32(p) + len > this.u8().length) return EFAULT;
    const b = Buffer.alloc(len);
    const r = f(b);
    if (r > 0n) this.put(u32(p), b.subarray(0, Number(r)));
    return r;
  }

  // ---- the calls ----
  private calls(): Record<string, Fn> {
    /** Path-taking calls: the path copied out of guest memory first. */
    const withPath = (p: Word, f: (b: Buffer | null) => bigint): bigint => {
      const b = this.path(p);
      return typeof b === 'bigint' ? b : f(b);
    };
    const withPaths = (p: Word, q: Word, f: (a: Buffer | null, b: Buffer | null) => bigint): bigint =>
      withPath(p, (a) => withPath(q, (b) => f(a, b)));
    const stat = (size: number, p: Word, f: (b: Buffer) => bigint): bigint => {
      const b = Buffer.alloc(size);
      const r = f(b);
      if (r >= 0n && !this.put(u32(p), b)) return EFAULT;
      return r;
    };
    /** The guest's iovec array (wasm32: {u32 base, u32 len}), or the errno. */
    const iovecs = (iov: Word, cnt: Word): { ptr: number; len: number }[] | bigint => {
      const n = Number(cnt) | 0;
      if (n < 0 || n > 1024) return EINVAL;
      const raw = this.get(iov, n * 8);
      if (!raw) return EFAULT;
      return Array.from({ length: n }, (_, i) => ({ ptr: raw.readUInt32LE(i * 8), len: raw.readUInt32LE(i * 8 + 4) }));
    };
    return {
      read: (fd, buf, n) => this.into(buf, n, (b) => syscall(NR.read, L, this.fd(fd), OUT, b, L, b.length)),
      pread64: (fd, buf, n, off) => this.into(buf, n, (b) => syscall(NR.pread64, L, this.fd(fd), OUT, b, L, b.length, 'int64_t', BigInt(off))),
      write: (fd, buf, n) => {
        const b = this.get(buf, u32(n));
        return b ? syscall(NR.write, L, this.fd(fd), P, b, L, b.length) : EFAULT;
      },
      pwrite64: (fd, buf, n, off) => {
        const b = this.get(buf, u32(n));
        return b ? syscall(NR.pwrite64, L, this.fd(fd), P, b, L, b.length, 'int64_t', BigInt(off)) : EFAULT;
      },
      readv: (fd, iov, cnt) => {
        const v = iovecs(iov, cnt);
        if (typeof v === 'bigint') return v;
        const total = v.reduce((s, x) => s + x.len, 0);
        const b = Buffer.alloc(total);
        const r = syscall(NR.read, L, this.fd(fd), OUT, b, L, total);
        if (r <= 0n) return r;
        let off = 0;
        for (const x of v) {
          if (off >= Number(r)) break;
          const part = b.subarray(off, Math.min(Number(r), off + x.len));
          if (!this.put(x.ptr, part)) return EFAULT;
          off += x.len;
        }
        return r;
      },
      writev: (fd, iov, cnt) => {
        const v = iovecs(iov, cnt);
        if (typeof v === 'bigint') return v;
        const parts: Buffer[] = [];
        for (const x of v) {
          const p = this.get(x.ptr, x.len);
          if (!p) return EFAULT;
          parts.push(p);
        }
        const b = Buffer.concat(parts);
        return syscall(NR.write, L, this.fd(fd), P, b, L, b.length);
      },
      lseek: (fd, off, wh) => syscall(NR.lseek, L, this.fd(fd), 'int64_t', BigInt(off), L, Number(wh)),
      open: (p, flags, mode) => withPath(p, (b) => this.newFd(syscall(NR.open, P, b, L, Number(flags), L, Number(mode)))),
      openat: (d, p, flags, mode) => withPath(p, (b) => this.newFd(syscall(NR.openat, L, this.dirfd(d), P, b, L, Number(flags), L, Number(mode)))),
      // This host offers no sockets: none can be made, so an open fd is not one.
      socket: () => -97n,
      bind: (fd) => (syscall(NR.fcntl, L, this.fd(fd), L, 1) < 0n ? -9n : -88n),
      connect: (fd) => (syscall(NR.fcntl, L, this.fd(fd), L, 1) < 0n ? -9n : -88n),
      sendto: (fd) => (syscall(NR.fcntl, L, this.fd(fd), L, 1) < 0n ? -9n : -88n),
      // The guest is one instance in this process: no fork, and the process's own children are not
      // the guest's, so wait4 never passes through (it checks as kernel_wait4, then finds no child).
      fork: () => -38n,
      wait4: (pid, _st, options) => (BigInt.asUintN(32, BigInt(options)) & ~0xe000000bn ? -22n : (Number(pid) | 0) === -0x80000000 ? -3n : -10n),
      close: (fd) => {
        const r = syscall(NR.close, L, this.fd(fd));
        if (r === 0n) this.opened.delete(this.fd(fd));
        return r;
      },
      dup: (fd) => this.newFd(syscall(NR.dup, L, this.fd(fd))),
      dup2: (fd, nfd) => {
        const r = syscall(NR.dup2, L, this.fd(fd), L, this.fd(nfd));
        if (r >= 0n && (Number(nfd) | 0) > 2) this.opened.add(Number(r));
        return r >= 0n ? BigInt(Number(nfd) | 0) : r;
      },
      dup3: (fd, nfd, flags) => {
        const r = syscall(NR.dup3, L, this.fd(fd), L, this.fd(nfd), L, Number(flags));
        if (r >= 0n && (Number(nfd) | 0) > 2) this.opened.add(Number(r));
        return r >= 0n ? BigInt(Number(nfd) | 0) : r;
      },
      fcntl: (fd, cmd, arg) => {
        const c = Number(cmd) | 0;
        if (FLOCK_CMDS.has(c)) {
          const lk = this.get(arg, 32);
          if (!lk) return EFAULT;
          const r = syscall(NR.fcntl, L, this.fd(fd), L, c, OUT, lk);
          if (r >= 0n) this.put(u32(arg), lk);
          return r;
        }
        const r = syscall(NR.fcntl, L, this.fd(fd), L, c, L, BigInt.asIntN(64, BigInt(arg)));
        return c === 0 || c === 1030 ? this.newFd(r) : r;
      },
      ftruncate: (fd, len) => syscall(NR.ftruncate, L, this.fd(fd), 'int64_t', BigInt(len)),
      fsync: (fd) => syscall(NR.fsync, L, this.fd(fd)),
      fdatasync: (fd) => syscall(NR.fdatasync, L, this.fd(fd)),
      fchmod: (fd, mode) => syscall(NR.fchmod, L, this.fd(fd), L, Number(mode)),
      fchdir: (fd) => syscall(NR.fchdir, L, this.fd(fd)),
      fstat: (fd, buf) => stat(144, buf, (b) => syscall(NR.fstat, L, this.fd(fd), OUT, b)),
      getdents64: (fd, dirp, n) => this.into(dirp, n, (b) => syscall(NR.getdents64, L, this.fd(fd), OUT, b, L, b.length)),
      mkdir: (p, mode) => withPath(p, (b) => syscall(NR.mkdir, P, b, L, Number(mode))),
      mkdirat: (d, p, mode) => withPath(p, (b) => syscall(NR.mkdirat, L, this.dirfd(d), P, b, L, Number(mode))),
      rmdir: (p) => withPath(p, (b) => syscall(NR.rmdir, P, b)),
      unlink: (p) => withPath(p, (b) => syscall(NR.unlink, P, b)),
      unlinkat: (d, p, flags) => withPath(p, (b) => syscall(NR.unlinkat, L, this.dirfd(d), P, b, L, Number(flags))),
      rename: (p, q) => withPaths(p, q, (a, b) => syscall(NR.rename, P, a, P, b)),
      renameat2: (d, p, e, q, flags) => withPaths(p, q, (a, b) => syscall(NR.renameat2, L, this.dirfd(d), P, a, L, this.dirfd(e), P, b, L, Number(flags))),
      link: (p, q) => withPaths(p, q, (a, b) => syscall(NR.link, P, a, P, b)),
      linkat: (d, p, e, q, flags) => withPaths(p, q, (a, b) => syscall(NR.linkat, L, this.dirfd(d), P, a, L, this.dirfd(e), P, b, L, Number(flags))),
      symlink: (t, p) => withPaths(t, p, (a, b) => syscall(NR.symlink, P, a, P, b)),
      symlinkat: (t, d, p) => withPaths(t, p, (a, b) => syscall(NR.symlinkat, P, a, L, this.dirfd(d), P, b)),
      readlink: (p, buf, n) => withPath(p, (b) => this.into(buf, n, (out) => syscall(NR.readlink, P, b, OUT, out, L, out.length))),
      stat: (p, buf) => withPath(p, (b) => stat(144, buf, (out) => syscall(NR.stat, P, b, OUT, out))),
      lstat: (p, buf) => withPath(p, (b) => stat(144, buf, (out) => syscall(NR.lstat, P, b, OUT, out))),
      newfstatat: (d, p, buf, flags) => withPath(p, (b) => stat(144, buf, (out) => syscall(NR.newfstatat, L, this.dirfd(d), P, b, OUT, out, L, Number(flags)))),
      statx: (d, p, flags, mask, buf) => withPath(p, (b) => stat(256, buf, (out) => syscall(NR.statx, L, this.dirfd(d), P, b, L, Number(flags), L, Number(mask) >>> 0, OUT, out))),
      access: (p, mode) => withPath(p, (b) => syscall(NR.access, P, b, L, Number(mode))),
      faccessat2: (d, p, mode, flags) => withPath(p, (b) => syscall(NR.faccessat2, L, this.dirfd(d), P, b, L, Number(mode), L, Number(flags))),
      chmod: (p, mode) => withPath(p, (b) => syscall(NR.chmod, P, b, L, Number(mode))),
      fchmodat: (d, p, mode, flags) => withPath(p, (b) => syscall(NR.fchmodat, L, this.dirfd(d), P, b, L, Number(mode), L, Number(flags))),
      utimensat: (d, p, times, flags) => withPath(p, (b) => {
        const t = u32(times) === 0 ? null : this.get(times, 32);
        if (u32(times) !== 0 && !t) return EFAULT;
        return syscall(NR.utimensat, L, this.dirfd(d), P, b, P, t, L, Number(flags));
      }),
      chdir: (p) => withPath(p, (b) => syscall(NR.chdir, P, b)),
      getcwd: (buf, n) => this.into(buf, n, (b) => syscall(NR.getcwd, OUT, b, L, b.length)),
      exit_group: (code) => {
        throw new GuestExit(Number(code) | 0);
      },
    };
  }
}

const u32 = (x: Word): number => Number(BigInt.asUintN(32, BigInt(x)));
const cstrOf = (s: string): Buffer => Buffer.from(s + '\0', 'latin1');

/** The syscall names this host implements (for tests: the guest's imports must all be here). */
export const PASSTHROUGH_CALLS: readonly string[] = Object.keys(new PassthroughHost({ args: [] })['calls']());
