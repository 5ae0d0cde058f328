/**
 * Foreign JS WALI hosts for the red team: hosts that know nothing of fdwarden, with the habits
 * real embeddings have. `lexicalHost` maps guest paths onto a directory lexically (`a/../b` is
 * `b`, whatever `a` is) and hands out Node's own fds as guest fds; it aborts when asked to close
 * an fd it did not open, as an embedding whose fds are the process's own would suffer.
 */
import { closeSync, lstatSync, openSync, readdirSync, readlinkSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { View, ViewEntry } from '../../src/state/view.js';
import { kindOfMode } from '../../src/state/view.js';
import type { Imports } from '../../src/wali/wasm.js';
import type { Guest } from '../unit/wali/guest.js';

export interface HostCall {
  name: string;
  args: unknown[];
}

/** The guest namespace `/data` → `dir` as the model's View. */
export function mappedView(guestRoot: string, dir: string): View {
  const host = (p: string): string | null => (p === guestRoot ? dir : p.startsWith(guestRoot + '/') ? join(dir, p.slice(guestRoot.length)) : null);
  return {
    name: 'mapped',
    lookup(p) {
      if (guestRoot.startsWith(p === '/' ? '/' : p + '/') || p === '/') return { kind: 'dir' };
      const h = host(p);
      if (h === null) return null;
      try {
        const st = lstatSync(Buffer.from(h, 'latin1'));
        const e: ViewEntry = { kind: kindOfMode(st.mode) };
        if (e.kind === 'lnk') e.target = readlinkSync(Buffer.from(h, 'latin1'), 'latin1');
        return e;
      } catch {
        return null;
      }
    },
    list(p) {
      const h = host(p);
      try {
        return h === null ? null : readdirSync(Buffer.from(h, 'latin1'), { encoding: 'latin1' });
      } catch {
        return null;
      }
    },
  };
}

const neg = (e: unknown): bigint => {
  const code = (e as { code?: string }).code;
  const n: Record<string, number> = { ENOENT: 2, EBADF: 9, EACCES: 13, EEXIST: 17, ENOTDIR: 20, EISDIR: 21, EINVAL: 22 };
  return BigInt(-(n[code ?? ''] ?? 5));
};

/** A host that resolves guest paths lexically under `dir` (for guest root `guestRoot`) and uses Node's fds. */
export function lexicalHost(g: Guest, guestRoot: string, dir: string): { imports: Imports; calls: HostCall[]; opened: Set<number> } {
  const calls: HostCall[] = [];
  const opened = new Set<number>();
  const str = (p: number): string => {
    const u8 = new Uint8Array(g.memory.buffer);
    let e = p;
    while (u8[e] !== 0) e++;
    return Buffer.from(u8.subarray(p, e)).toString('latin1');
  };
  // `..` is taken away by the string, not by the filesystem: the habit that makes fail-open dangerous.
  const map = (p: string): string => join(dir, posix.normalize(p).slice(guestRoot.length));
  const wrapCall = (name: string, f: (...a: number[]) => bigint) => (...a: (number | bigint)[]): bigint => {
    calls.push({ name, args: a });
    try {
      return f(...a.map(Number));
    } catch (e) {
      return neg(e);
    }
  };
  const wali = {
    SYS_openat: wrapCall('openat', (_d, p, flags) => {
      const fd = openSync(map(str(p)), flags);
      opened.add(fd);
      return BigInt(fd);
    }),
    SYS_unlinkat: wrapCall('unlinkat', (_d, p) => {
      unlinkSync(map(str(p)));
      return 0n;
    }),
    SYS_close: wrapCall('close', (fd) => {
      if (!opened.has(fd)) throw new Error(`host abort: the guest closed fd ${fd}, which is not the guest's`);
      opened.delete(fd);
      closeSync(fd);
      return 0n;
    }),
    SYS_read: wrapCall('read', (fd, buf, n) => BigInt(readSync(fd, new Uint8Array(g.memory.buffer, buf, n)))),
    SYS_write: wrapCall('write', (fd, buf, n) => BigInt(writeSync(fd, new Uint8Array(g.memory.buffer, buf, n)))),
  };
  return { imports: { wali }, calls, opened };
}
