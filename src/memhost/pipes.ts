/**
 * Pipes of the in-memory host: pipe and pipe2 make a pair of descriptions the model numbers
 * (lowest free, after its own EINVAL and EMFILE), over one buffer of 64 KiB (Linux's default pipe
 * size). The guest runs alone and synchronously, so nothing can fill or drain a pipe while it
 * waits: a read of an empty pipe with a writer, and a write to a full one, answer EAGAIN at once
 * (as if O_NONBLOCK) where Linux would block for ever. A write with no reader is EPIPE, after
 * SIGPIPE ends the process when its disposition would.
 */
import type { Entry } from '../enforce/enforcer.js';
import { O_ACCMODE, O_WRONLY } from '../linux/index.js';
import { neg, u32 } from '../wali/errno.js';
import { WaliExit } from '../wali/endings.js';
import type { MemCore, OpenFd } from './core.js';

/** Linux's default pipe capacity (16 pages). */
const CAPACITY = 65536;
const SIGPIPE = 13;
const SIG_DFL = 0;

/** The bytes in a pipe, oldest first. */
export interface PipeBuffer {
  chunks: Uint8Array[];
  size: number;
}

/** Whether a description of the pipe's inode is open for writing (read) or reading (write). */
function peer(h: MemCore, o: OpenFd, writers: boolean): boolean {
  for (const f of h.kernel.s.files.values()) {
    if (f.inode !== o.inode.id) continue;
    if (((f.flags & O_ACCMODE) === O_WRONLY) === writers) return true;
  }
  return false;
}

/** Up to `n` bytes out of the pipe behind a read end: data, 0 at end of file, or -EAGAIN. */
export function pipeRead(h: MemCore, o: OpenFd, n: number): Uint8Array | number {
  const p = o.desc.pipe!;
  if (p.size === 0) return peer(h, o, true) ? neg('EAGAIN') : new Uint8Array(0);
  const out = new Uint8Array(Math.min(n, p.size));
  let at = 0;
  while (at < out.length) {
    const c = p.chunks[0]!;
    const take = Math.min(c.length, out.length - at);
    out.set(c.subarray(0, take), at);
    at += take;
    if (take === c.length) p.chunks.shift();
    else p.chunks[0] = c.subarray(take);
  }
  p.size -= out.length;
  return out;
}

/** Writes into the pipe behind a write end: the count (what fits), -EAGAIN when full, -EPIPE without a reader. */
export function pipeWrite(h: MemCore, o: OpenFd, data: Uint8Array): number {
  const p = o.desc.pipe!;
  if (data.length === 0) return 0;
  if (!peer(h, o, false)) {
    const act = h.signals.acts.get(SIGPIPE);
    const handler = act ? new DataView(act.buffer, act.byteOffset, act.byteLength).getUint32(0, true) : SIG_DFL;
    const blocked = (h.signals.mask.value & (1n << BigInt(SIGPIPE - 1))) !== 0n;
    if (handler === SIG_DFL && !blocked) throw WaliExit.signalled(SIGPIPE);
    return neg('EPIPE');
  }
  const room = CAPACITY - p.size;
  if (room === 0) return neg('EAGAIN');
  const n = Math.min(room, data.length);
  p.chunks.push(data.slice(0, n));
  p.size += n;
  return n;
}

/** pipe and pipe2: the model numbers the pair; both descriptions share one buffer. */
export function pipeCalls(h: MemCore): Record<string, (e: Entry | undefined, ...a: unknown[]) => number> {
  const pipe2 = (e: Entry | undefined, ptr: unknown): number => {
    if (!e) return neg('EINVAL');
    const mem = h.mem;
    const at = u32(ptr);
    // Linux copies the fds out after making them, and undoes them on a fault: nothing is installed.
    if (!mem || at === 0 || at + 8 > mem.byteLength) return h.exit(e, neg('EFAULT'));
    const out = h.enforcer.exit(e);
    if (!out.ok) return neg(out.errno ?? 'EIO');
    const [r, w] = out.fds ?? [];
    const buffer: PipeBuffer = { chunks: [], size: 0 };
    for (const fd of [r, w]) {
      const o = fd === undefined ? undefined : h.openFd(fd);
      if (o && !('errno' in o)) o.desc.pipe = buffer;
    }
    const b = new Uint8Array(8);
    new DataView(b.buffer).setInt32(0, r ?? -1, true);
    new DataView(b.buffer).setInt32(4, w ?? -1, true);
    mem.writeBytes(at, b);
    return 0;
  };
  return { pipe: pipe2, pipe2 };
}
