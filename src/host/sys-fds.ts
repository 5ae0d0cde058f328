/**
 * Descriptor calls the model decides alone: close, dup, dup2, dup3, fcntl and the fd ioctls.
 * The guest fd table is the model's, so these are exact even where Node has no such call;
 * the host only closes a Node fd when the model drops the last reference to its description.
 */
import { fstatSync } from 'node:fs';
import { isatty } from 'node:tty';
import type { Entry } from '../enforce/enforcer.js';
import { fdCallTable, FIONREAD } from '../wali/fd-calls.js';
import type { HostCore, OpenFd } from './core.js';
import { neg } from './errno.js';
import { loadSysNet } from './native/sys-net.js';

/** A close-like call: the host fd behind a description the model dropped is closed. */
function closeLike(h: HostCore, fd: number, run: () => number): number {
  const before = h.fileIdAt(fd);
  const r = run();
  h.releaseIfGone(before);
  return r;
}

/**
 * TIOCGWINSZ: stdout/stderr always answer: musl line-buffers stdout only on a terminal, and the
 * guest's libc returns from main without flushing a fully buffered stdout.
 */
function winsize(o: OpenFd): [number, number] | undefined {
  const host = o.host;
  const stdio = host?.stdio;
  const tty = host && host.nodeFd >= 0 && isatty(host.nodeFd);
  if (!(tty || stdio === 1 || stdio === 2)) return undefined;
  const cols = (tty && stdio !== undefined && process.stdout.columns) || 80;
  const rows = (tty && stdio !== undefined && process.stdout.rows) || 24;
  return [rows, cols];
}

/** FIONREAD on the host: a socket's queued bytes (SIOCINQ), a seekable file's bytes past the offset. */
function readable(o: OpenFd): number {
  const host = o.host;
  if (host?.socket) {
    const v = new Uint8Array(4);
    const r = loadSysNet().ioctlInt(host.nodeFd, FIONREAD, v);
    return r < 0 ? r : new DataView(v.buffer).getInt32(0, true);
  }
  if (host?.kind !== 'seekable') return neg('ENOTTY');
  try {
    return Math.max(0, fstatSync(host.nodeFd).size - host.offset);
  } catch {
    return 0;
  }
}

/** close, dup, dup2, dup3, fcntl and ioctl, by syscall name: the model decides the fd table. */
export function fdCalls(h: HostCore): Record<string, (e: Entry | undefined, ...a: unknown[]) => number> {
  return fdCallTable(h, { closeLike: (fd, run) => closeLike(h, fd, run), winsize, readable });
}
