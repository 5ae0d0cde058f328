/**
 * execve of another WALI module (Asyncify builds, run by the process tree: processes.ts). The
 * enforcer has resolved the path and judged it (the `exec` right); here, in do_execveat_common's
 * order: argv and envp are read (EFAULT, E2BIG), the object judged is opened from its anchored
 * directory without following (and checked to be it), execute permission is the host kernel's
 * (faccessat2 with AT_EACCESS on the opened fd: EACCES), a file that is not a regular file is
 * EACCES and one that is not a WALI module ENOEXEC. Only then the point of no return: the model
 * runs the exec (close-on-exec fds close, their host fds with them) and WaliExec unwinds the
 * guest's JS frames to the process, which starts the new module in place of the old one
 * (ProcessTree.exec). Past that point a failure ends the process (as Linux's SIGSEGV would).
 */
import { readSync } from 'node:fs';
import type { Entry } from '../enforce/enforcer.js';
import { readModuleTypes } from '../wali/module-types.js';
import { WA } from '../wali/wasm.js';
import { SYNTHETIC } from './anchors.js';
import type { HostCore } from './core.js';
import { identOfStat, kindOfStat } from './stat.js';
import { neg } from './errno.js';

const O_RDONLY_NOFOLLOW_CLOEXEC = 0o400000 | 0o2000000;
const AT_EMPTY_PATH = 0x1000;
const AT_EACCESS = 0x200;
const X_OK = 1;
/** MAX_ARG_STRLEN (32 pages) and the count limit Linux applies (MAX_ARG_STRINGS). */
const MAX_ARG_STRLEN = 32 * 4096;
const MAX_ARG_STRINGS = 0x7fffffff;
/** Linux's bound on argv + envp together (a quarter of an 8 MiB stack limit). */
const ARG_MAX = 2 * 1024 * 1024;
/** The largest module execve loads: the host holds it whole in memory (Linux maps an ELF instead). */
const MAX_MODULE = 256 * 1024 * 1024;

/** Thrown past the guest by a successful execve: the process runs `module` from its start. */
export class WaliExec extends Error {
  constructor(
    readonly bytes: Uint8Array,
    readonly args: string[],
    readonly env: Record<string, string>,
  ) {
    super('execve');
    this.name = 'WaliExec';
  }
}

/** A NULL-terminated array of 4-byte string pointers (argv, envp), as latin1 strings; -errno. */
function strings(h: HostCore, at: number, total: { bytes: number }): string[] | number {
  const out: string[] = [];
  if (at === 0) return out; // Linux takes a NULL argv or envp as empty
  const mem = h.mem;
  if (!mem) return neg('EFAULT');
  for (let i = 0; ; i++) {
    if (i >= MAX_ARG_STRINGS) return neg('E2BIG');
    const p = mem.readU32(at + i * 4);
    if (typeof p !== 'number') return neg('EFAULT');
    if (p === 0) return out;
    const s = mem.readCString(p, MAX_ARG_STRLEN);
    if (typeof s !== 'string') return s.errno === 'EFAULT' ? neg('EFAULT') : neg('E2BIG');
    total.bytes += s.length + 1 + 8;
    if (total.bytes > ARG_MAX) return neg('E2BIG');
    out.push(s);
  }
}

/** The file's bytes, read whole through its fd. */
function readAll(fd: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let off = 0;
  while (off < size) {
    const n = readSync(fd, out, off, size - off, off);
    if (n === 0) break;
    off += n;
  }
  return out.subarray(0, off);
}

/** Whether `bytes` is a module this host can run as a WALI program (else ENOEXEC, as for an unknown binary format). */
function isWaliProgram(bytes: Uint8Array): boolean {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) return false;
  try {
    if (!readModuleTypes(bytes).exports.some((x) => x.name === '_start' && x.kind === 'function')) return false;
    new WA.Module(bytes); // validates it (the process tree compiles what it runs)
    return true;
  } catch {
    return false;
  }
}

export function execve(h: HostCore, e: Entry | undefined, argvAt: number, envpAt: number): number {
  if (!e) return neg('EFAULT');
  if (!h.proc) return h.exit(e, neg('ENOSYS'));
  const total = { bytes: 0 };
  const args = strings(h, argvAt, total);
  if (typeof args === 'number') return h.exit(e, args);
  const envList = strings(h, envpAt, total);
  if (typeof envList === 'number') return h.exit(e, envList);
  const dentry = e.request?.checks[0]?.object.dentry;
  if (dentry === undefined) return h.exit(e, neg('ENOENT'));
  const at = h.object(dentry);
  if (at === SYNTHETIC) return h.exit(e, neg('EACCES')); // a synthetic directory
  if (typeof at === 'number') return h.exit(e, at);
  const fd = at.name === '' ? neg('EACCES') : h.sys.openat(at.fd, at.name, O_RDONLY_NOFOLLOW_CLOEXEC, 0);
  at.release();
  if (fd === -40) return h.exit(e, neg('ESTALE')); // a symlink where the model holds a file: another process changed it
  if (fd < 0) return h.exit(e, fd);
  let bytes: Uint8Array;
  try {
    const st = new Uint8Array(144);
    h.sys.fstatat(fd, '', st, AT_EMPTY_PATH);
    const want = h.node(dentry)?.ident;
    if (want !== undefined && identOfStat(st) !== want) return h.exit(e, neg('ESTALE'));
    if (kindOfStat(st) !== 'reg') return h.exit(e, neg('EACCES'));
    const x = h.sys.faccessat2(fd, '', X_OK, AT_EMPTY_PATH | AT_EACCESS);
    if (x < 0) return h.exit(e, x);
    const size = Number(new DataView(st.buffer).getBigInt64(48, true));
    if (size > MAX_MODULE) return h.exit(e, neg('ENOMEM'));
    bytes = readAll(fd, size);
  } finally {
    h.sys.close(fd);
  }
  if (!isWaliProgram(bytes)) return h.exit(e, neg('ENOEXEC'));
  const env: Record<string, string> = {};
  for (const kv of envList) {
    const i = kv.indexOf('=');
    if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  // The point of no return: the model runs the exec (close-on-exec fds close).
  const t = h.task;
  const ids = [...(h.kernel.s.tables.get(t.files)?.fds.values() ?? [])].map((x) => x.file);
  h.exit(e, 0);
  for (const id of ids) h.releaseIfGone(id);
  throw new WaliExec(bytes, args, env);
}
