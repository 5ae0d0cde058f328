/**
 * A dispatcher WALI host, as browser and worker embeddings are built: the guest runs in a worker
 * thread; every `SYS_*` import it calls posts (syscall number, arguments) to the main thread
 * through a SharedArrayBuffer and blocks in Atomics.wait; the main thread hands the call to ONE
 * central, asynchronous function `syscall(nr, ...args): Promise<bigint>`, writes the result back
 * and wakes the worker. The guest's memory is shared (a threaded build that imports it), so the
 * main thread reads guest paths and buffers while the worker sleeps.
 *
 * Behind `syscall` is an in-memory VFS (memfs.ts's MemFs and its calls, looked up by number in
 * the WALI table). Nothing here knows fdwarden's interposer: `runGuest` takes whatever function
 * it is given as the dispatcher, so an embedder passes the wrapped one.
 */
import { Worker } from 'node:worker_threads';
import { WA, type WasmModule } from '../../src/wali/wasm.js';
import { WALI_SYSCALLS } from '../../src/wali/table.js';
import { MemfsHost, type MemFs } from './memfs.js';

type Word = number | bigint;
/** The host's central dispatcher. */
export type Syscall = (nr: number, ...args: Word[]) => Promise<bigint | number>;

/** Syscall numbers by name, from the WALI table (x86-64 numbers). */
export const NR: Readonly<Record<string, number>> = Object.fromEntries([...WALI_SYSCALLS.values()].map((s) => [s.name, s.nr]));
const NAME = new Map<number, string>(Object.entries(NR).map(([n, nr]) => [nr, n]));
const EXIT_GROUP = NR['exit_group']!;
const EXIT = NR['exit']!;

/** A shared memory for the guest (its module imports `env.memory`): a fixed size, as such hosts allocate it. */
export function sharedMemory(): { buffer: SharedArrayBuffer } & object {
  return new WA.Memory({ initial: 64, maximum: 1024, shared: true }) as unknown as { buffer: SharedArrayBuffer };
}

/**
 * The main thread's side of the host: the VFS behind one dispatcher. `syscall` is asynchronous
 * (a VFS backed by an asynchronous store would await it); exit_group ends the guest.
 */
export class VfsDispatcherHost {
  private readonly calls: Record<string, (...a: Word[]) => bigint>;
  readonly vfs: MemfsHost;
  /** The guest's exit status, once it called exit_group. */
  exitCode: number | undefined;

  constructor(fs: MemFs, opts: { cwd: string; memory: { buffer: ArrayBuffer | SharedArrayBuffer } }) {
    this.vfs = new MemfsHost(fs, { args: [], cwd: opts.cwd });
    this.vfs.attach(opts.memory);
    this.calls = this.vfs.syscalls();
  }

  /** The central dispatcher: every call of the guest comes through here. */
  readonly syscall: Syscall = async (nr, ...args) => {
    await Promise.resolve(); // the VFS answers later (as an IndexedDB-backed one would)
    if (nr === EXIT_GROUP || nr === EXIT) {
      this.exitCode = Number(args[0] ?? 0) | 0;
      return 0n;
    }
    const name = NAME.get(nr);
    const f = name === undefined ? undefined : this.calls[name];
    return f ? f(...args) : -38n;
  };
}

// Control block: i32[0] state (0 idle, 1 call posted, 2 answered, 3 guest done, 4 guest failed),
// i32[1] nr, i32[2] argc, i32[3] which args are i64 (bit k), i32[4] exit status;
// i64 slots from byte 24: six arguments, then the result.
const WORKER = `
const { workerData } = require('node:worker_threads');
const { module, memory, args, numbers, control } = workerData;
const i32 = new Int32Array(control, 0, 6);
const words = new BigInt64Array(control, 24, 7);
function call(nr, a) {
  i32[1] = nr; i32[2] = a.length;
  let mask = 0;
  for (let k = 0; k < a.length; k++) { if (typeof a[k] === 'bigint') mask |= 1 << k; words[k] = BigInt(a[k]); }
  i32[3] = mask;
  Atomics.store(i32, 0, 1);
  Atomics.notify(i32, 0);
  while (Atomics.load(i32, 0) === 1) Atomics.wait(i32, 0, 1);
  return words[6];
}
class Exit { constructor(code) { this.code = code; } }
const argv = args.map((a) => Buffer.from(a, 'latin1'));
const wali = {
  __cl_get_argc: () => argv.length,
  __cl_get_argv_len: (i) => (argv[i >>> 0] ? argv[i >>> 0].length : 0),
  __cl_copy_argv: (buf, i) => {
    const a = argv[i >>> 0];
    if (!a) return -1;
    new Uint8Array(memory.buffer).set([...a, 0], buf >>> 0);
    return 0;
  },
};
for (const imp of WebAssembly.Module.imports(module)) {
  if (imp.module !== 'wali' || !imp.name.startsWith('SYS_')) continue;
  const nr = numbers[imp.name.slice(4)];
  wali[imp.name] = nr === undefined ? () => -38n : (...a) => {
    const r = call(nr, a);
    if (nr === numbers.exit_group || nr === numbers.exit) throw new Exit(Number(a[0]) | 0);
    return r;
  };
}
let state = 3;
try {
  const instance = new WebAssembly.Instance(module, { wali, env: { memory } });
  try { instance.exports._start(); i32[4] = 0; } catch (e) { if (!(e instanceof Exit)) throw e; i32[4] = e.code; }
} catch (e) {
  state = 4;
  require('node:worker_threads').parentPort.postMessage(String(e && e.stack || e));
}
Atomics.store(i32, 0, state);
Atomics.notify(i32, 0);
`;

interface AtomicsAsync {
  waitAsync(a: Int32Array, index: number, value: number): { async: boolean; value: Promise<string> | string };
}

/**
 * Runs the guest (a module importing a shared `env.memory`) in a worker thread; each of its
 * calls is answered by `syscall` on this thread. Resolves to its exit status.
 */
export async function runGuest(opts: { module: WasmModule; memory: object; args: string[]; syscall: Syscall }): Promise<number> {
  const control = new SharedArrayBuffer(96);
  const i32 = new Int32Array(control, 0, 6);
  const words = new BigInt64Array(control, 24, 7);
  const worker = new Worker(WORKER, { eval: true, workerData: { module: opts.module, memory: opts.memory, args: opts.args, numbers: NR, control } });
  let failure = '';
  worker.on('message', (m: string) => (failure = m));
  let errored: Error | undefined;
  worker.on('error', (e) => (errored = e));
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  try {
    for (;;) {
      const state = Atomics.load(i32, 0);
      if (state === 1) {
        const argc = i32[2]!;
        const mask = i32[3]!;
        const args: Word[] = [];
        for (let k = 0; k < argc; k++) args.push(mask & (1 << k) ? words[k]! : Number(words[k]!));
        let r: bigint | number;
        try {
          r = await opts.syscall(i32[1]!, ...args);
        } catch (e) {
          // A host that throws ends the guest: answer -EIO rather than leave the worker waiting forever.
          errored ??= e instanceof Error ? e : new Error(String(e));
          r = -5n;
        }
        words[6] = BigInt(r);
        Atomics.store(i32, 0, 2);
        Atomics.notify(i32, 0);
        continue;
      }
      if (state === 3) return i32[4]!;
      if (state === 4) {
        await exited;
        throw new Error(`the guest failed in its worker: ${failure}`);
      }
      if (errored) throw errored;
      const w = (Atomics as unknown as AtomicsAsync).waitAsync(i32, 0, state);
      if (w.async) await Promise.race([w.value, exited]);
    }
  } finally {
    await worker.terminate();
  }
}
