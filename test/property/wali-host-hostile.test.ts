/**
 * Hostile guests against the Node WALI host itself, alone and behind the interposer on its model:
 * random names, pointers, lengths, fds, flags and i64s on a real directory never make either
 * throw (exit excepted), every call returns a result or a raw -errno, and nothing outside the
 * guest's mount changes, however the guest aims at it (`..`, absolute paths, a symlink out).
 */
import { mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { NodeWaliHost } from '../../src/host/index.js';
import { WALI_SYSCALLS } from '../../src/wali/table.js';
import { WA, type WasmModule } from '../../src/wali/wasm.js';
import { funcImport, functype, importSection, module_, typeSection } from '../unit/wali/encode.js';
import { policy } from '../unit/wali/guest.js';
import { newMemory } from '../unit/wali/wasm.js';
import { rawCall } from '../host/raw-call.js';

const SEED = Number(process.env['FDWARDEN_SEED'] ?? 0x5eed_4057);
const RUNS = Number(process.env['FDWARDEN_HOSTILE_RUNS'] ?? 300);
// Sleeps and waits would block for random durations (a FUTEX_WAIT without a timeout forever, as
// on Linux), and a read or write on a pipe or eventfd the guest made can wait forever: the
// polling calls and those objects have their own bounded hostile property
// (test/host/fd-objects.test.ts). Everything else runs; sockets are made non-blocking and F_SETFL
// keeps them so (below), so no accept or recv waits (test/host/sockets.test.ts has their own property).
const BLOCKING = new Set(['pause', 'futex', 'poll', 'ppoll', 'select', 'pselect6', 'epoll_wait', 'epoll_pwait', 'epoll_pwait2', 'pipe', 'pipe2', 'eventfd', 'eventfd2']);
/** socket and socketpair's type argument gets SOCK_NONBLOCK. */
const NONBLOCKING_TYPE = new Set(['socket', 'socketpair']);
const NAMES = [...WALI_SYSCALLS.keys()].filter((n) => !n.includes('sleep') && !BLOCKING.has(n));
const PATHS = ['/w/a', 'a', '/w', '..', '../outside/secret', '/outside', 'esc', 'esc/secret', 'd/', '/w/d/x', '/', '/.wali/env', ''];
/** Calls that take a path first or second: their successes show the fuzz reaches the filesystem. */
const PATH_CALLS = new Set(['open', 'openat', 'creat', 'mkdir', 'mkdirat', 'unlink', 'unlinkat', 'rmdir', 'rename', 'renameat', 'renameat2', 'link', 'linkat', 'symlink', 'symlinkat', 'stat', 'lstat', 'newfstatat', 'statx', 'access', 'faccessat', 'faccessat2', 'readlink', 'readlinkat', 'chmod', 'fchmodat', 'chdir', 'truncate', 'utimensat']);
const POLICY = policy(`policy "h" abi 1
default deny errno EACCES
allow * under /w
allow read,stat,list under /
`);

/** A module importing every SYS_* name (the host builds its import object from a module's imports). */
function everyImport(): Promise<WasmModule> {
  const bytes = module_(typeSection(functype([], ['i64'])), importSection(...NAMES.map((n) => funcImport('wali', `SYS_${n}`, 0))));
  return WA.compile(bytes);
}

/** Where each of PATHS is written in guest memory (NUL-terminated, from 1024 on). */
const PATH_AT: number[] = [];
for (let at = 1024, i = 0; i < PATHS.length; at += PATHS[i]!.length + 1, i++) PATH_AT.push(at);

const i32 = fc.oneof(
  { weight: 2, arbitrary: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) },
  { weight: 3, arbitrary: fc.constantFrom(0, -1, -100, -100, 0, 1, 2, 3, 4, 5, 65535, 65536, 131071, 2 ** 31 - 1, -(2 ** 31), 0o100, 0o1101, 0o200000, 0o10000000, 0x1000, 0x200, 0x100) },
  { weight: 3, arbitrary: fc.constantFrom(...PATH_AT) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 0o777 }) }, // modes, small flags, fds, lengths
);
const i64 = fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.constantFrom(0n, -1n, 1n, 4096n, 1n << 32n, 1n << 40n));
/** What the host implements: most calls go there, the rest to names it answers -ENOSYS. */
const IMPLEMENTED = new NodeWaliHost({ args: ['probe'], dirs: [] }).implemented.filter((n) => NAMES.includes(n));
const nameArb = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...IMPLEMENTED) }, { weight: 1, arbitrary: fc.constantFrom(...NAMES) });
const callArb = fc.record({ name: nameArb, args: fc.array(fc.oneof({ weight: 4, arbitrary: i32 }, { weight: 1, arbitrary: i64 }), { maxLength: 6 }) });

/** Every file below `dir` with its content (symlinks as their target), for before/after comparison. */
function picture(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const p = join(e.parentPath, e.name);
    out[p.slice(dir.length)] = e.isFile() ? readFileSync(p, 'latin1') : e.isDirectory() ? '<dir>' : '<other>';
  }
  return out;
}

describe('hostile WALI guest on the Node host', () => {
  test('random calls never throw (exit excepted), always return a result or a raw errno, and touch nothing outside the mount', async () => {
    const module = await everyImport();
    const devnull = openSync('/dev/null', 'r+');
    try {
      const succeeded = new Set<string>();
      await fc.assert(
        fc.asyncProperty(fc.array(callArb, { minLength: 1, maxLength: 40 }), fc.boolean(), async (calls, interposed) => {
          const root = mkdtempSync(join(tmpdir(), 'fdwarden-hostile-'));
          try {
            mkdirSync(join(root, 'w', 'd'), { recursive: true });
            mkdirSync(join(root, 'outside'));
            writeFileSync(join(root, 'w', 'a'), 'inside');
            writeFileSync(join(root, 'outside', 'secret'), 'secret');
            symlinkSync('../outside', join(root, 'w', 'esc'));
            const before = picture(join(root, 'outside'));
            const host = new NodeWaliHost({
              args: ['hostile'], env: { K: 'v' }, dirs: [{ host: join(root, 'w'), guest: '/w' }], cwd: '/w', stdio: [devnull, devnull, devnull],
              ...(interposed ? { policy: POLICY } : {}),
            });
            try {
              const memory = newMemory(false, 2, 64);
              const instance = { exports: { memory } };
              const imports = host.getImportObject(module);
              host.attach(instance);
              // Valid paths sit at the start of memory so that small pointers often hit them.
              const u8 = new Uint8Array(memory.buffer);
              PATHS.forEach((p, k) => {
                for (let i = 0; i < p.length; i++) u8[PATH_AT[k]! + i] = p.charCodeAt(i);
                u8[PATH_AT[k]! + p.length] = 0;
              });
              for (const c of calls) {
                // Sockets stay non-blocking: made so, and F_SETFL (cmd 4) never clears it.
                const nb = NONBLOCKING_TYPE.has(c.name) ? 1 : c.name === 'fcntl' && Number(c.args[1]) === 4 ? 2 : -1;
                const args = nb >= 0 && c.args.length > nb ? c.args.map((a, i) => (i === nb ? (typeof a === 'bigint' ? a | 0o4000n : a | 0o4000) : a)) : c.args;
                const ret = rawCall(imports, c.name, args);
                if (ret === undefined) break;
                if (ret >= 0n && PATH_CALLS.has(c.name)) succeeded.add(c.name);
              }
            } finally {
              host.close();
            }
            expect(picture(join(root, 'outside'))).toEqual(before);
          } finally {
            rmSync(root, { recursive: true, force: true });
          }
        }),
        { seed: SEED, numRuns: RUNS, verbose: 1 },
      );
      // Not vacuous: calls on names get through to the disk, and not only one kind of them.
      console.log(`hostile host: path calls that succeeded: ${[...succeeded].sort().join(' ')}`);
      expect(succeeded.size).toBeGreaterThanOrEqual(6);
    } finally {
      closeSync(devnull);
    }
  }, 120_000);
});
