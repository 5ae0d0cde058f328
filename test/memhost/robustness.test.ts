/**
 * Bad input to the in-memory host: bytes that are not WebAssembly, a module that is not a WALI
 * program, a guest that traps, and every syscall it implements called with wild pointers and
 * values. The embedder always gets a result (an ending and a message), the guest a raw result
 * (-4095..-1 at worst) or its end; nothing else is thrown, and the filesystem stays readable.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { MemoryFs, MemoryWaliHost, runInMemory } from '../../src/memhost/index.js';
import { WaliExit, WaliTrap } from '../../src/wali/endings.js';
import { WA, type WasmInstance } from '../../src/wali/wasm.js';
import { ALLOW_ALL, runMem, seeded } from './harness.js';

const leb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};
const str = (s: string): number[] => [...leb(s.length), ...new TextEncoder().encode(s)];
const section = (id: number, body: number[]): number[] => [id, ...leb(body.length), ...body];

/** A module importing `wali.<name>` for each name (type () -> ()), exporting a one-page memory, and `_start` when asked. */
function moduleImporting(names: readonly string[], start?: 'unreachable' | 'call-first'): Uint8Array {
  const types = section(1, [1, 0x60, 0, 0]);
  const imports = section(2, [...leb(names.length), ...names.flatMap((n) => [...str('wali'), ...str(n), 0, 0])]);
  const funcs = start ? section(3, [1, 0]) : [];
  const memory = section(5, [1, 0, 1]);
  const exports = section(7, [...leb(start ? 2 : 1), ...str('memory'), 2, 0, ...(start ? [...str('_start'), 0, ...leb(names.length)] : [])]);
  const body = start === 'unreachable' ? [0, 0x00, 0x0b] : [0, 0x10, 0, 0x0b];
  const code = start ? section(10, [1, ...leb(body.length), ...body]) : [];
  return new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...types, ...imports, ...funcs, ...memory, ...exports, ...code]);
}

/** A host for `names` on `fs`, attached to an instance: each call made as the guest would make it. */
function callsOn(names: readonly string[], fs = new MemoryFs()): { host: MemoryWaliHost; call: (name: string, ...a: number[]) => number; buffer: ArrayBuffer } {
  const module = new WA.Module(moduleImporting(names));
  const host = new MemoryWaliHost(module, { policy: ALLOW_ALL, fs });
  const imports = host.imports();
  const instance = new WA.Instance(module, imports) as WasmInstance;
  host.attach(instance);
  const call = (name: string, ...a: number[]): number => Number((imports['wali']![`SYS_${name}`] as (...x: number[]) => bigint)(...a));
  return { host, call, buffer: (instance.exports['memory'] as { buffer: ArrayBuffer }).buffer };
}

describe('bad modules end the run with a message, never an exception', () => {
  test('bytes that are not WebAssembly', async () => {
    const r = await runInMemory(new TextEncoder().encode('#!/bin/sh\necho hi\n'), { policy: ALLOW_ALL, fs: new MemoryFs() });
    expect(r.ending).toBe('invalid');
    expect(r.status).toBe(1);
    expect(r.message).toMatch(/not a WebAssembly module/);
  });

  test('a module with no memory and no _start', async () => {
    const r = await runInMemory(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]), { policy: ALLOW_ALL, fs: new MemoryFs() });
    expect(r.ending).toBe('invalid');
    expect(r.message).toMatch(/exports no memory/);
  });

  test('a module with memory but no _start', async () => {
    const r = await runInMemory(moduleImporting([]), { policy: ALLOW_ALL, fs: new MemoryFs() });
    expect(r).toMatchObject({ ending: 'invalid', status: 1, message: 'the module exports no _start' });
  });

  test('a call to an import from another module than wali traps', async () => {
    const bytes = moduleImporting(['SYS_getpid'], 'call-first');
    // Rename the import's module: `wali` becomes `waly`.
    const at = bytes.indexOf(0x77, 8);
    bytes[at + 3] = 0x79;
    const r = await runInMemory(bytes, { policy: ALLOW_ALL, fs: new MemoryFs() });
    expect(r.ending).toBe('trap');
    expect(r.status).toBe(134);
    expect(r.message).toMatch(/unresolved import waly.SYS_getpid/);
  });

  test('a guest that traps (unreachable) ends as a trap, and what it wrote stays written', async () => {
    const r = await runMem(['open', 'a', 'O_WRONLY|O_CREAT', 'write', '$', 'kept', 'trap']);
    expect(r.ending).toBe('trap');
    expect(r.status).toBe(134);
    expect(r.message).toMatch(/RuntimeError: unreachable/);
    expect(r.out).toBe('open a O_WRONLY|O_CREAT = 3\nwrite $ kept = 4\n');
    expect(new TextDecoder().decode(r.fs.readFile('/w/a'))).toBe('kept');
    // The guest's task and fds are gone from the filesystem's model.
    expect(r.fs.kernel.s.tasks.size).toBe(0);
  });

  test('a cwd that does not exist, and a policy with errors, are reported', async () => {
    const r = await runMem(['getcwd'], { cwd: '/nowhere' });
    expect(r).toMatchObject({ ending: 'invalid', status: 1 });
    expect(r.message).toMatch(/guest cwd \/nowhere: ENOENT/);
  });
});

const WILD: (number | bigint)[] = [0, 1, -1, -100, 3, 4096, 65535, 65536, 0x7fffffff, -0x80000000, 0xffffffff, 2 ** 32, 0n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 0xffffffffn, 65530n];

describe('every implemented syscall with wild arguments answers -errno or ends the guest', () => {
  test('property (fixed seed)', () => {
    const probe = new MemoryWaliHost(new WA.Module(moduleImporting([])), { policy: ALLOW_ALL, fs: new MemoryFs() });
    const names = probe.implemented;
    probe.finish();
    expect(names.length).toBeGreaterThan(60);
    const seed = Number(process.env['FDWARDEN_SEED'] ?? 0xbad1);
    fc.assert(fc.property(fc.array(fc.tuple(fc.constantFrom(...names), fc.array(fc.oneof(fc.constantFrom(...WILD), fc.integer({ min: 0, max: 70000 })), { minLength: 6, maxLength: 6 })), { minLength: 1, maxLength: 12 }), (calls) => {
      const fs = MemoryFs.fromJson({ w: { f: 'data\n', d: {}, l: ['symlink', 'f'] } });
      const module = new WA.Module(moduleImporting(names.map((n) => `SYS_${n}`)));
      const errors: string[] = [];
      const host = new MemoryWaliHost(module, { policy: ALLOW_ALL, fs, cwd: '/w', onHostError: (name, e) => errors.push(`${name}: ${String(e)}`) });
      const imports = host.imports();
      const instance = new WA.Instance(module, imports) as WasmInstance;
      host.attach(instance);
      for (const [name, args] of calls) {
        let ret: unknown;
        try {
          ret = (imports['wali']![`SYS_${name}`] as (...a: unknown[]) => unknown)(...args);
        } catch (e) {
          if (e instanceof WaliExit || e instanceof WaliTrap) break;
          throw new Error(`SYS_${name}(${args.join(', ')}) threw ${String(e)}`);
        }
        expect(typeof ret, `SYS_${name}(${args.join(', ')})`).toBe('bigint');
        if ((ret as bigint) < 0n) expect(ret as bigint, `SYS_${name}(${args.join(', ')})`).toBeGreaterThanOrEqual(-4095n);
      }
      host.finish();
      expect(errors).toEqual([]);
      expect(() => fs.toJson()).not.toThrow();
      expect(fs.kernel.s.tasks.size).toBe(0);
    }), seeded(seed, Number(process.env['FDWARDEN_MEMHOST_RUNS'] ?? 300), true));
  });
});

describe('pipes and poll', () => {
  test('bytes go through in order, end of file once the writer is closed, EAGAIN where Linux would block, SIGPIPE without a reader; poll sees each state', () => {
    const names = ['SYS_pipe2', 'SYS_write', 'SYS_read', 'SYS_close', 'SYS_lseek', 'SYS_fstat', 'SYS_rt_sigaction', 'SYS_poll'];
    const { host, call, buffer } = callsOn(names);
    const mem = new Uint8Array(buffer);
    expect(call('pipe2', 0, 0)).toBe(-14);
    expect(call('pipe2', 1024, 0x7fffffff)).toBe(-22);
    expect(call('pipe2', 1024, 0)).toBe(0);
    const [r, w] = [...new Int32Array(mem.buffer, 1024, 2)];
    expect([r, w]).toEqual([3, 4]);
    const pollfd = (fd: number, events: number): void => {
      new DataView(mem.buffer).setInt32(3072, fd, true);
      new DataView(mem.buffer).setUint32(3076, events, true);
    };
    const revents = (): number => new DataView(mem.buffer).getUint16(3078, true);
    pollfd(r!, 1);
    expect(call('poll', 3072, 1, 0)).toBe(0); // empty: not readable
    pollfd(w!, 4);
    expect([call('poll', 3072, 1, 0), revents()]).toEqual([1, 4]);
    mem.set(new TextEncoder().encode('abcdef'), 2048);
    expect(call('write', w!, 2048, 6)).toBe(6);
    pollfd(r!, 1);
    expect([call('poll', 3072, 1, -1), revents()]).toEqual([1, 1]);
    expect(call('read', w!, 4096, 1)).toBe(-9);
    expect(call('read', r!, 4096, 4)).toBe(4);
    expect(new TextDecoder().decode(mem.subarray(4096, 4100))).toBe('abcd');
    expect(call('lseek', r!, 0, 0)).toBe(-29);
    expect(call('fstat', r!, 8192)).toBe(0);
    expect(new DataView(mem.buffer).getUint32(8192 + 24, true)).toBe(0o10600);
    expect(call('read', r!, 4096, 100)).toBe(2);
    expect(call('read', r!, 4096, 100)).toBe(-11); // empty, a writer open: Linux would block for ever
    pollfd(r!, 1);
    // Nothing can ever make it ready: an endless wait ends the run instead of hanging it.
    expect(() => call('poll', 3072, 1, -1)).toThrow(/poll would wait for ever/);
    expect(call('close', w!)).toBe(0);
    expect([call('poll', 3072, 1, 0), revents()]).toEqual([1, 0x10]); // POLLHUP: no writer left
    expect(call('read', r!, 4096, 100)).toBe(0);
    expect(call('pipe2', 1024, 0)).toBe(0);
    const [r2, w2] = [...new Int32Array(mem.buffer, 1024, 2)];
    expect(call('close', r2!)).toBe(0);
    let ended: unknown;
    try {
      call('write', w2!, 2048, 1);
    } catch (e) {
      ended = e;
    }
    expect(ended).toBeInstanceOf(WaliExit);
    expect((ended as WaliExit).code).toBe(128 + 13);
    host.finish();
  });

  test('eventfd: a counter read whole (or by one with EFD_SEMAPHORE), EAGAIN at zero, EINVAL for short buffers and bad flags', () => {
    const names = ['SYS_eventfd2', 'SYS_write', 'SYS_read', 'SYS_fstat', 'SYS_poll'];
    const { host, call, buffer } = callsOn(names);
    const view = new DataView(buffer);
    expect(call('eventfd2', 0, 0x10)).toBe(-22);
    const fd = call('eventfd2', 10, 0o4000);
    expect(fd).toBe(3);
    expect(call('read', fd, 1024, 4)).toBe(-22);
    expect(call('read', fd, 1024, 8)).toBe(8);
    expect(view.getBigUint64(1024, true)).toBe(10n);
    expect(call('read', fd, 1024, 8)).toBe(-11);
    view.setBigUint64(2048, 3n, true);
    expect(call('write', fd, 2048, 8)).toBe(8);
    view.setInt32(3072, fd, true);
    view.setUint32(3076, 1 | 4, true);
    expect([call('poll', 3072, 1, 0), view.getUint16(3078, true)]).toEqual([1, 5]);
    expect(call('fstat', fd, 4096)).toBe(0);
    expect(view.getUint32(4096 + 24, true)).toBe(0o600);
    const sem = call('eventfd2', 2, 1);
    expect(call('read', sem, 1024, 8)).toBe(8);
    expect(view.getBigUint64(1024, true)).toBe(1n);
    expect(call('read', sem, 1024, 8)).toBe(8);
    expect(call('read', sem, 1024, 8)).toBe(-11);
    host.finish();
  });

  test('epoll: registrations by fd, level-triggered readiness, oneshot, loops refused, files not watchable', () => {
    const names = ['SYS_epoll_create1', 'SYS_epoll_ctl', 'SYS_epoll_wait', 'SYS_pipe2', 'SYS_write', 'SYS_close', 'SYS_openat'];
    const { host, call, buffer } = callsOn(names, MemoryFs.fromJson({ f: 'x' }));
    const view = new DataView(buffer);
    const event = (events: number, data: bigint): number => {
      view.setUint32(512, events, true);
      view.setBigUint64(516, data, true);
      return 512;
    };
    expect(call('epoll_create1', 1)).toBe(-22);
    const ep = call('epoll_create1', 0o2000000);
    expect(call('pipe2', 1024, 0)).toBe(0);
    const [r, w] = [view.getInt32(1024, true), view.getInt32(1028, true)];
    expect(call('epoll_ctl', ep, 1, r, event(1, 7n))).toBe(0);
    expect(call('epoll_ctl', ep, 1, r, event(1, 7n))).toBe(-17);
    expect(call('epoll_ctl', ep, 2, w, 0)).toBe(-2);
    expect(call('epoll_ctl', ep, 1, ep, event(1, 0n))).toBe(-22);
    expect(call('epoll_ctl', ep, 9, r, event(1, 0n))).toBe(-22);
    view.setUint8(2048, 0x66);
    const f = call('openat', -100, 2048, 0, 0); // "f"
    expect(f).toBeGreaterThan(0);
    expect(call('epoll_ctl', ep, 1, f, event(1, 0n))).toBe(-1);
    expect(call('epoll_wait', ep, 4096, 8, 0)).toBe(0);
    expect(call('epoll_wait', ep, 4096, 0, 0)).toBe(-22);
    expect(call('write', w, 2048, 1)).toBe(1);
    expect(call('epoll_wait', ep, 4096, 8, -1)).toBe(1);
    expect([view.getUint32(4096, true), view.getBigUint64(4100, true)]).toEqual([1, 7n]);
    expect(call('epoll_wait', ep, 4096, 8, 0)).toBe(1); // level-triggered: still ready
    expect(call('epoll_ctl', ep, 3, r, event(1 | (1 << 30), 8n))).toBe(0);
    expect(call('epoll_wait', ep, 4096, 8, 0)).toBe(1);
    expect(call('epoll_wait', ep, 4096, 8, 0)).toBe(0); // oneshot: disarmed
    const inner = call('epoll_create1', 0);
    expect(call('epoll_ctl', inner, 1, ep, event(1, 0n))).toBe(0);
    expect(call('epoll_ctl', ep, 1, inner, event(1, 0n))).toBe(-40);
    expect(() => call('epoll_wait', inner, 4096, 8, -1)).toThrow(/epoll_wait would wait for ever/);
    host.finish();
  });
});

