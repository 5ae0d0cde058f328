/**
 * A WALI host for tests whose "kernel" is a second, independent state model: each call it
 * receives is decoded and executed on its own Kernel (which computes Linux's result), so it
 * answers like a real host without touching the disk, and records every call that reached it.
 */
import { Kernel } from '../../../src/state/kernel.js';
import type { View } from '../../../src/state/view.js';
import { decodeWali } from '../../../src/wali/decode.js';
import { toU32, type GuestMemory, type GuestWord } from '../../../src/wali/memory.js';
import { ERRNO, type Errno } from '../../../src/linux/index.js';
import type { Imports } from '../../../src/wali/wasm.js';
import type { Engine } from '../../../src/rules/judge.js';
import { resolveObject } from '../../../src/state/inspect.js';
import { O_CREAT, O_EXCL, O_NOFOLLOW } from '../../../src/linux/index.js';
import { allRights } from '../../../src/rules/rights.js';

export interface HostCall {
  name: string;
  args: readonly GuestWord[];
  ret: bigint;
}

const neg = (errno: Errno): bigint => BigInt(-ERRNO[errno]);

export class ModelHost {
  readonly kernel: Kernel;
  readonly calls: HostCall[] = [];
  /** Called before a call runs (the test's oracle looks at the state the call will see). */
  onCall: ((name: string, args: readonly GuestWord[]) => void) | undefined;
  mem: GuestMemory | undefined;
  /** When set, a successful open records what this engine allows on the object (the oracle's grants). */
  engine: Engine | undefined;

  constructor(view: View, cwd: string) {
    this.kernel = new Kernel({ view });
    this.kernel.spawn({ tid: 1, cwd, fds: [] });
    for (const fd of [0, 1, 2]) {
      this.kernel.syscall(1, { sys: 'anon', kind: 'stdio', cloexec: false, nonblock: false }, { ok: true, ret: fd });
      const e = this.kernel.s.tables.get(this.kernel.task(1)!.files)!.fds.get(fd)!;
      this.kernel.s.files.get(e.file)!.granted = allRights();
    }
  }

  /** Import object with one function per name. */
  imports(names: readonly string[]): Imports {
    const wali: Imports[string] = {};
    for (const n of names) wali[`SYS_${n}`] = (...args: GuestWord[]) => this.run(n, args);
    return { wali };
  }

  private run(name: string, args: readonly GuestWord[]): bigint {
    this.onCall?.(name, args);
    const ret = this.exec(name, args);
    this.calls.push({ name, args, ret });
    return ret;
  }

  private exec(name: string, args: readonly GuestWord[]): bigint {
    const mem = this.mem!;
    const d = decodeWali(name, args, mem);
    switch (d.kind) {
      case 'fault': return neg(d.errno);
      case 'local': case 'unknown': return 0n;
      default: {
        const c = d.call;
        if (c.sys === 'usefd' || c.sys === 'mmap') {
          const out = this.kernel.syscall(1, c);
          return out.ok ? 0n : neg(out.errno ?? 'EIO');
        }
        const task = this.kernel.task(1)!;
        const opened = c.sys === 'openat' && this.engine
          ? resolveObject(this.kernel, task, c.dirfd, c.path, { follow: !(c.flags & O_NOFOLLOW) && (c.flags & (O_CREAT | O_EXCL)) !== (O_CREAT | O_EXCL), steps: false })
          : undefined;
        const out = this.kernel.syscall(1, c);
        if (!out.ok) return neg(out.errno ?? 'EIO');
        if (d.after && out.fds && out.fds.length === 2) {
          // pipe/socketpair: the two fds go to the guest's int[2].
          const ptr = toU32(name === 'socketpair' ? args[3] ?? -1 : args[0] ?? -1);
          if (mem.writeI32(ptr, out.fds[0]!) || mem.writeI32(ptr + 4, out.fds[1]!)) return neg('EFAULT');
        }
        if (this.engine && (opened || c.sys === 'pipe2')) {
          for (const fd of out.fds ?? [out.ret]) {
            const e = this.kernel.s.tables.get(task.files)?.fds.get(fd);
            const f = e && this.kernel.s.files.get(e.file);
            if (f) f.granted = opened?.path !== undefined ? this.engine.allowedMask(opened.path, opened.type ?? 'reg') : allRights();
          }
        }
        return BigInt(out.ret);
      }
    }
  }
}
