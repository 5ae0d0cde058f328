/**
 * The pass-through host's test bench: a stage on disk (a work directory, a read-only one and a
 * canary directory beside them), a run of fsops on the host behind `wrap()`, and a spy under the
 * interposer that records what each call reaching the host acts on, resolved as the kernel will
 * resolve it at that moment (its own walk over lstat/readlink, from the cwd and fds the process
 * really has: /proc/self/cwd, /proc/self/fd).
 */
import { closeSync, lstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { wrap, machineNamespace, type DecisionEvent, type IrPolicy } from '../../src/wali-entry.js';
import { WA } from '../../src/wali/wasm.js';
import { PassthroughHost } from './passthrough.js';
import { fsopsModule, Spy, type Resolver, type Touch } from './common.js';

type Word = number | bigint;

export interface PassRun {
  status: number;
  stdout: string;
  stderr: string;
  denials: DecisionEvent[];
  touches: Touch[];
  mismatches: string[];
}

/** A scratch directory for capture files, made once per test file. */
let captureDir: string | undefined;

/** Removes the capture directory (afterAll). */
export function removeCaptures(): void {
  if (captureDir) rmSync(captureDir, { recursive: true, force: true });
  captureDir = undefined;
}

/** Runs fsops with `words` on the pass-through host behind wrap(), in `cwd`. */
export function runPassthrough(words: string[], opts: { policy: IrPolicy; cwd: string; spy?: boolean }): PassRun {
  captureDir ??= mkdtempSync(join(tmpdir(), 'fdwarden-pass-capture-'));
  const outPath = join(captureDir, 'out');
  const errPath = join(captureDir, 'err');
  const out = openSync(outPath, 'w+');
  const err = openSync(errPath, 'w+');
  const inp = openSync('/dev/null', 'r');
  const host = new PassthroughHost({ args: ['fsops', ...words], stdio: [inp, out, err], cwd: opts.cwd });
  let status: number;
  let spy: Spy;
  try {
    const hostImports = host.imports();
    let memory: { buffer: ArrayBuffer | SharedArrayBuffer } | undefined;
    spy = new Spy(opts.spy ? kernelResolver([inp, out, err], () => memory) : undefined);
    if (opts.spy) spyOn(hostImports.wali, spy);
    // The embedder's line: the host's imports, the policy, and the namespace the host gives.
    const imports = wrap(hostImports, { policy: opts.policy, namespace: machineNamespace({ cwd: opts.cwd }), decisions: opts.spy ? 'all' : 'denials', onDecision: spy.onDecision });
    const instance = new WA.Instance(fsopsModule(), imports);
    imports.attach(instance);
    memory = instance.exports['memory'] as typeof memory;
    host.attach(instance as { exports: Record<string, unknown> });
    status = host.start(instance as { exports: Record<string, unknown> });
  } finally {
    host.dispose();
    closeSync(inp);
    closeSync(out);
    closeSync(err);
  }
  return { status, stdout: readFileSync(outPath, 'latin1'), stderr: readFileSync(errPath, 'latin1'), denials: spy.denials, touches: spy.touches, mismatches: spy.mismatches };
}

// ---- the stage ----

export interface DiskStage {
  root: string;
  w: string;
  ro: string;
  outside: string;
  /** Empties the stage (the root stays, so paths in programs and outputs are the same run to run). */
  reset(): void;
  cleanup(): void;
}

/** A root with `w/` (the guest's), `ro/` (read-only for it) and `outside/` (the canary). */
export function diskStage(prefix = 'fdwarden-pass-'): DiskStage {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const s: DiskStage = {
    root,
    w: join(root, 'w'),
    ro: join(root, 'ro'),
    outside: join(root, 'outside'),
    reset() {
      for (const d of ['w', 'ro', 'outside']) rmSync(join(root, d), { recursive: true, force: true });
      for (const d of ['w', 'ro', 'outside']) mkdirSync(join(root, d));
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
  s.reset();
  return s;
}

// ---- the kernel's view of a call, for the spy ----

const lkind = (p: string): 'dir' | 'lnk' | 'other' | null => {
  try {
    const st = lstatSync(p);
    return st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'lnk' : 'other';
  } catch {
    return null;
  }
};

/**
 * Where Linux's walk of `path` from directory `base` ends: the object's absolute path (a name not
 * there yet is its parent's path plus the name), or null when the walk fails before the last name.
 */
export function kernelResolve(base: string, path: string, follow: boolean): string | null {
  if (path === '') return null;
  const todo = path.split('/').filter((c) => c !== '');
  const trailing = path.endsWith('/');
  let cur = path.startsWith('/') ? '/' : base;
  for (let hops = 0; todo.length > 0;) {
    const name = todo.shift()!;
    const last = todo.length === 0;
    if (name === '.') continue;
    if (name === '..') {
      cur = posix.dirname(cur);
      continue;
    }
    const cand = cur === '/' ? `/${name}` : `${cur}/${name}`;
    const k = lkind(cand);
    if (k === null) return last ? cand : null;
    if (k === 'lnk' && (!last || follow || trailing)) {
      if (++hops > 40) return null;
      const body = readlinkSync(cand, 'latin1');
      todo.unshift(...body.split('/').filter((c) => c !== ''));
      if (body.startsWith('/')) cur = '/';
      continue;
    }
    if (!last && k !== 'dir') return null;
    cur = cand;
  }
  return cur;
}

/** The path of a process fd's object (`(deleted)` cut off), or null when it is not open. */
function fdPath(fd: number): string | null {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`, 'latin1').replace(/ \(deleted\)$/, '');
  } catch {
    return null;
  }
}

const AT_FDCWD = -100;

/** How the kernel resolves a call's names and fds right now (guest fds 0-2 are the capture fds `stdio`). */
function kernelResolver(stdio: number[], memory: () => { buffer: ArrayBuffer | SharedArrayBuffer } | undefined): Resolver {
  const hostFd = (g: number): number => (g >= 0 && g <= 2 ? stdio[g]! : g);
  const r: Resolver = {
    str(p) {
      const m = memory();
      const mem = m && new Uint8Array(m.buffer);
      const at = Number(BigInt.asUintN(32, BigInt(p)));
      if (!mem || at === 0 || at >= mem.length) return null;
      const end = mem.indexOf(0, at);
      return end < 0 ? null : Buffer.from(mem.subarray(at, end)).toString('latin1');
    },
    fd: (fd) => (fd === AT_FDCWD ? readlinkSync('/proc/self/cwd', 'latin1') : fdPath(hostFd(fd))),
    obj(dirfd, path, follow) {
      const base = path.startsWith('/') ? '/' : r.fd(dirfd);
      const o = base === null ? null : kernelResolve(base, path, follow);
      return o === null ? null : { path: o, exists: lkind(o) !== null };
    },
  };
  return r;
}

/** Puts the spy under the interposer: each host function tells it first. */
function spyOn(wali: Record<string, (...a: Word[]) => unknown>, spy: Spy): void {
  for (const [field, f] of Object.entries(wali)) {
    if (!field.startsWith('SYS_')) continue;
    const name = field.slice(4);
    wali[field] = (...a: Word[]) => {
      spy.hostCall(name, a);
      return f(...a);
    };
  }
}
