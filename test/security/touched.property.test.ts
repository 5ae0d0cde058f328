/**
 * The object the policy judged is the object the host touches, as a property. Random fsops
 * programs (every path call, with flag soups valid and not, some ops in forked children) run on
 * the Node host under a policy that allows, refuses and hides; every host system call (a
 * child's too: the same process) is recorded as the kernel will see it
 * (its directory fd read back through /proc/self/fd). Then:
 * - every name the host hands the kernel is one component relative to an fd it holds (or a
 *   beneath-only walk from a mount root), never a string relative to its cwd or `/`;
 * - everything the host names lies inside the guest's mount;
 * - what changes something or opens data (a create, a delete, a rename, a chmod, an open that
 *   is not O_PATH or a directory listing) happens only inside a call the policy allowed, and on
 *   the host image of a path that call's verdict judged.
 */
import { mkdirSync, readlinkSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, test } from 'vitest';
import { loadSys, type Sys } from '../../src/host/native/sys.js';
import { loadSysNet } from '../../src/host/native/sys-net.js';
import type { DecisionEvent } from '../../src/enforce/decisions.js';
import { policy } from '../unit/wali/guest.js';
import { fsops, stage, type Stage } from './harness.js';
import { programArb } from './ops.js';

const SEED = Number(process.env['FDWARDEN_SEED'] ?? 0x70c4_ed00);
const RUNS = Number(process.env['FDWARDEN_TOUCHED_RUNS'] ?? 120);
const POLICY = policy(`policy "p" abi 1
default deny errno EACCES
allow * under /w
deny write,truncate,create,mkdir,mknod,symlink,link,delete,rmdir,rename-from,rename-to,chmod,utime under /w/ro errno EPERM
deny * under /w/h errno ENOENT
`);
const PATHS = ['/w/a', '/w/ro', '/w/ro/x', '/w/ro/new', '/w/d', '/w/d/y', 'd/../a', '/w/h', '/w/h/z', '/w/lro', '/w/lro/x', 'lh', '/w/b', 'ro/..', '..', '/w/../w/a', '/outside/x'];
const O_PATH = 0o10000000;
const O_DIRECTORY = 0o200000;
const O_ACCMODE = 3;

interface HostOp { op: string; dirfd: number; name: string; flags: number; at: string }
let s: Stage;
afterEach(() => s?.cleanup());

/** Wraps every name-taking call of the host's Sys, recording what the kernel will resolve. */
function recordSys(sink: (o: HostOp) => void): () => void {
  const sys = loadSys() as unknown as Record<string, (...a: unknown[]) => number>;
  const saved: Record<string, (...a: unknown[]) => number> = {};
  const where = (dirfd: number, name: string): string => {
    // /proc/self/fd/N, or /proc/self/fd/N/NAME (a Unix socket bound in the directory fd N).
    const m = /^\/proc\/self\/fd\/(\d+)(\/.*)?$/.exec(name);
    if (dirfd === -100) return m ? readlinkSync(`/proc/self/fd/${m[1]}`) + (m[2] ?? '') : name;
    const base = readlinkSync(`/proc/self/fd/${dirfd}`);
    return name === '' || name === '.' ? base : `${base}/${name}`;
  };
  const spec: Record<string, (a: unknown[]) => [number, string, number][]> = {
    openat: (a) => [[a[0] as number, a[1] as string, a[2] as number]],
    openat2: (a) => [[a[0] as number, a[1] as string, a[2] as number]],
    mkdirat: (a) => [[a[0] as number, a[1] as string, 0]],
    mknodat: (a) => [[a[0] as number, a[1] as string, 0]],
    unlinkat: (a) => [[a[0] as number, a[1] as string, 0]],
    renameat2: (a) => [[a[0] as number, a[1] as string, 0], [a[2] as number, a[3] as string, 0]],
    linkat: (a) => [[a[0] as number, a[1] as string, 0], [a[2] as number, a[3] as string, 0]],
    symlinkat: (a) => [[a[1] as number, a[2] as string, 0]],
    fchmodat: (a) => [[a[0] as number, a[1] as string, 0]],
    fchownat: (a) => [[a[0] as number, a[1] as string, 0]],
    utimensat: (a) => [[a[0] as number, a[1] as string, 0]],
    fstatat: (a) => [[a[0] as number, a[1] as string, 0]],
    statx: (a) => [[a[0] as number, a[1] as string, 0]],
    readlinkat: (a) => [[a[0] as number, a[1] as string, 0]],
    faccessat2: (a) => [[a[0] as number, a[1] as string, 0]],
  };
  for (const [op, names] of Object.entries(spec)) {
    const real = sys[op]!;
    saved[op] = real;
    sys[op] = (...a: unknown[]) => {
      for (const [dirfd, name, flags] of names(a)) {
        let at: string;
        try { at = where(dirfd, name); } catch { at = `<fd ${dirfd} not open>/${name}`; }
        sink({ op, dirfd, name, flags, at });
      }
      return real(...a);
    };
  }
  // Socket addresses: the Unix path the host binds, connects or sends to (sock-addr.ts).
  const net = loadSysNet() as unknown as Record<string, (...a: unknown[]) => number>;
  const savedNet: Record<string, (...a: unknown[]) => number> = {};
  const unixPath = (b: unknown): string | undefined => {
    if (!(b instanceof Uint8Array) || b.length <= 2 || (b[0]! | (b[1]! << 8)) !== 1 || b[2] === 0) return undefined;
    const body = b.subarray(2);
    const nul = body.indexOf(0);
    return Buffer.from(nul < 0 ? body : body.subarray(0, nul)).toString('latin1');
  };
  for (const [op, addrArg] of [['bind', 1], ['connect', 1], ['sendmsg', 1]] as const) {
    const real = net[op]!;
    savedNet[op] = real;
    net[op] = (...a: unknown[]) => {
      const name = unixPath(a[addrArg]);
      if (name !== undefined) {
        let at: string;
        try { at = where(-100, name); } catch { at = `<not open>${name}`; }
        sink({ op, dirfd: -100, name, flags: 0, at });
      }
      return real(...a);
    };
  }
  return () => {
    Object.assign(sys as unknown as Sys, saved);
    Object.assign(net, savedNet);
  };
}

/** Whether a host op only looks (metadata, an anchor, a directory listing the model reads). */
function looks(o: HostOp): boolean {
  if (['fstatat', 'statx', 'readlinkat', 'faccessat2', 'openat2'].includes(o.op)) return true;
  return o.op === 'openat' && ((o.flags & O_PATH) !== 0 || ((o.flags & O_DIRECTORY) !== 0 && (o.flags & O_ACCMODE) === 0 && (o.flags & 0o1100) === 0));
}

describe('the object the policy judged is the object the host touches', () => {
  test('random programs: host calls are anchored, inside the mount, and change only what was judged', async () => {
    let touched = 0;
    let forked = 0;
    try {
      await fc.assert(
        fc.asyncProperty(programArb(PATHS, 24, true, true), async (words) => {
          s?.cleanup();
          s = stage();
          mkdirSync(join(s.w, 'ro'));
          mkdirSync(join(s.w, 'd'));
          mkdirSync(join(s.w, 'h'));
          writeFileSync(join(s.w, 'a'), 'a');
          writeFileSync(join(s.w, 'ro', 'x'), 'x');
          writeFileSync(join(s.w, 'h', 'z'), 'z');
          symlinkSync('ro', join(s.w, 'lro'));
          symlinkSync('h/z', join(s.w, 'lh'));
          const hostW = realpathSync(s.w);
          const guestOf = (p: string): string | undefined =>
            p === hostW ? '/w' : p.startsWith(`${hostW}/`) ? `/w${p.slice(hostW.length)}` : undefined;

          let current: DecisionEvent | undefined;
          let started = false;
          const bad: string[] = [];
          const stop = recordSys((o) => {
            // The host's set-up (the mount roots and their parents, the stdio fds) looks before the guest runs.
            if (!started && looks(o)) return;
            const dirfdOk = o.dirfd >= 0 || o.name.startsWith('/proc/self/fd/');
            const nameOk = o.op === 'openat2' || (!o.name.includes('/') && o.name !== '..') || o.name.startsWith('/proc/self/fd/');
            if (!dirfdOk || !nameOk) bad.push(`unanchored: ${o.op}(${o.dirfd}, "${o.name}")`);
            const guest = guestOf(o.at.replace(/ \(deleted\)$/, ''));
            // A look at an fd itself (fstat of the stdio the guest was given) names no path.
            if (guest === undefined && !(looks(o) && o.name === '')) bad.push(`outside the mount: ${o.op} ${o.at}`);
            if (looks(o)) return;
            if (!current?.allowed) {
              bad.push(`${o.op} ${o.at} outside any allowed call (${current ? `${current.syscall} refused` : 'no call'})`);
              return;
            }
            const req = current.verdict?.request;
            // A link's source is judged by the escalation check (its rights at the new name), not by a right of its own.
            const judged = new Set([...(req?.checks ?? []).map((c) => c.object.path), req?.refer?.from.path, req?.refer?.to.path]);
            if (guest !== undefined && !judged.has(guest)) bad.push(`${current.syscall}: ${o.op} on ${guest}, judged ${[...judged].filter(Boolean).join(', ')}`);
            touched++;
          });
          try {
            const r = await fsops(words, {
              dirs: [{ host: s.w, guest: '/w' }], cwd: '/w', policy: POLICY,
              onDecision: (e) => { current = e; started = true; },
              trace: () => { current = undefined; started = true; },
            });
            if (/^child: /m.test(r.stdout)) forked++;
          } finally {
            stop();
          }
          if (bad.length) throw new Error(bad.join("\n"));
        }),
        { seed: SEED, numRuns: RUNS, includeErrorInReport: true },
      );
    } catch (e) {
      throw new Error(`seed ${SEED} (set FDWARDEN_SEED to replay): ${e instanceof Error ? e.message : String(e)}`);
    }
    expect(touched).toBeGreaterThan(RUNS / 4); // the programs really changed things
    expect(forked).toBeGreaterThan(RUNS / 4); // forked children ran ops under the same spy
  }, 300_000);
});
