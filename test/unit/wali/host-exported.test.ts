/**
 * The four `SYS_*` names real WALI hosts export beyond the spec's implemented calls (`alarm`,
 * `getdents`, `utime`, `fstatat`): each has its Linux meaning in the one decoding and its Linux
 * signature in the WALI table, and a policy decides it like its modern counterpart. wrap() judges
 * all four, and cuts hidden names out of getdents' records as out of getdents64's.
 */
import { describe, expect, test } from 'vitest';
import { Kernel } from '../../../src/state/kernel.js';
import { snapshotView } from '../../../src/state/view.js';
import { Enforcer } from '../../../src/enforce/enforcer.js';
import { engineFor } from '../../../src/rules/engine.js';
import { decodable, decodeWali } from '../../../src/wali/decode.js';
import { GuestMemory, type GuestWord } from '../../../src/wali/memory.js';
import { WALI_SYSCALLS, isFdOnly, syscallInfo, type ArgInfo } from '../../../src/wali/table.js';
import { DIRENT_LAYOUTS, LINUX_DIRENT, filterDirents } from '../../../src/wali/dirents.js';
import { wrap } from '../../../src/wali/interposer.js';
import { viewNamespace } from '../../../src/wali/namespace.js';
import { Guest, policy } from './guest.js';
import { ModelHost } from './model-host.js';

const AT_FDCWD = -100;
const AT_SYMLINK_NOFOLLOW = 0x100;
const O_DIRECTORY = 0o200000;

const POLICY = policy(`policy "legacy" abi 1
default deny errno EACCES
allow stat,list,read under /srv
allow utime /srv/t
allow stat,read under /opt
deny * /srv/hidden errno ENOENT
`);

const view = () =>
  snapshotView({
    entries: {
      '/srv/a': { kind: 'reg' },
      '/srv/t': { kind: 'reg' },
      '/srv/hidden': { kind: 'reg' },
      '/srv/d/x': { kind: 'reg' },
      '/srv/lt': { kind: 'lnk', target: 't' },
      '/srv/la': { kind: 'lnk', target: 'a' },
      '/etc/passwd': { kind: 'reg' },
      '/opt/d/y': { kind: 'reg' },
    },
  });

function setup() {
  const g = new Guest();
  const mem = new GuestMemory(g.memory);
  const kernel = new Kernel({ view: view() });
  const task = kernel.spawn({ tid: 1, cwd: '/srv', fds: [] });
  const enforcer = new Enforcer(kernel, engineFor(POLICY), { veil: true });
  const decode = (name: string, ...args: GuestWord[]) => decodeWali(name, args, mem);
  /** The enforcer's answer at entry: `allowed`, the refusal's errno, or what the decode said. */
  const decide = (name: string, ...args: GuestWord[]): string => {
    const d = decode(name, ...args);
    if (d.kind !== 'call') return d.kind;
    const e = enforcer.enter(task, d.call);
    return e.refused ? e.refused.errno : 'allowed';
  };
  /** An open the host performed as fd `fd`: judged at entry, followed at exit (the fd obtains its rights). */
  const opened = (path: string, flags: number, fd: number): void => {
    const d = decode('openat', AT_FDCWD, g.str(path), flags, 0);
    if (d.kind !== 'call') throw new Error(`openat ${path}: ${d.kind}`);
    const e = enforcer.enter(task, d.call);
    if (e.refused) throw new Error(`openat ${path}: ${e.refused.errno}`);
    enforcer.exit(e, { ok: true, ret: fd });
  };
  return { g, decode, decide, opened };
}

/** `name:role` per argument, as table.test.ts writes signatures. */
const sig = (name: string): string =>
  syscallInfo(name)!.args.map((a: ArgInfo) => `${a.name}:${a.role}${a.base !== undefined ? `@${a.base}` : ''}${a.lenArg !== undefined ? `#${a.lenArg}` : ''}`).join(' ');

describe('the WALI table knows the four names hosts export, by their Linux signatures', () => {
  test.each([
    ['alarm', 37, 'seconds:int'],
    ['getdents', 78, 'fd:fd dirp:ptr#2 count:int'],
    ['utime', 132, 'filename:path@cwd times:ptr'],
    ['fstatat', 262, 'dirfd:dirfd pathname:path@0 statbuf:ptr flags:flags'],
  ])('%s (nr %i): %s', (name, nr, expected) => {
    const s = syscallInfo(`SYS_${name}`)!;
    expect(s).toBe(WALI_SYSCALLS.get(name));
    expect(s).toMatchObject({ name, nr, implemented: true, hostOnly: true, importName: `SYS_${name}` });
    expect(sig(name)).toBe(expected);
    expect(s.args.every((a) => a.wasm === 'i32')).toBe(true);
  });

  test('fstatat is newfstatat under its libc name; getdents is fd-only like getdents64; the spec calls are unchanged', () => {
    expect(syscallInfo('fstatat')!.args).toEqual(syscallInfo('newfstatat')!.args);
    expect(syscallInfo('newfstatat')).toMatchObject({ implemented: true, hostOnly: false, aliases: ['fstatat'] });
    expect(isFdOnly('getdents')).toBe(true);
    expect(isFdOnly('utime')).toBe(false);
    expect([...WALI_SYSCALLS.values()].filter((s) => s.implemented && !s.hostOnly)).toHaveLength(140);
    expect(syscallInfo('truncate')).toMatchObject({ implemented: false, hostOnly: false, args: [] });
  });
});

describe('each decodes to its Linux meaning', () => {
  test('fstatat is the same lookup as newfstatat, flags included', () => {
    const { g, decode } = setup();
    const p = g.str('/srv/la');
    const buf = g.alloc(144);
    expect(decode('fstatat', AT_FDCWD, p, buf, 0)).toEqual({ kind: 'call', call: { sys: 'lookup', name: 'fstatat', dirfd: AT_FDCWD, path: '/srv/la', follow: true, emptyPath: false } });
    expect(decode('fstatat', 3, p, buf, AT_SYMLINK_NOFOLLOW)).toEqual({ kind: 'call', call: { sys: 'lookup', name: 'fstatat', dirfd: 3, path: '/srv/la', follow: false, emptyPath: false } });
    const modern = decode('newfstatat', 3, p, buf, AT_SYMLINK_NOFOLLOW);
    expect(modern.kind === 'call' && { ...modern.call, name: 'fstatat' }).toEqual({ sys: 'lookup', name: 'fstatat', dirfd: 3, path: '/srv/la', follow: false, emptyPath: false });
    // A flag newfstatat refuses is refused here too (EINVAL before the lookup), and a bad pointer faults.
    expect(decode('fstatat', AT_FDCWD, p, buf, 0x4)).toMatchObject({ kind: 'call', call: { argErr: 'EINVAL' } });
    expect(decode('fstatat', AT_FDCWD, 0x7fffffff, buf, 0)).toEqual({ kind: 'fault', errno: 'EFAULT' });
  });

  test('utime(path, times) is a lookup of the path from the cwd that follows a final symlink', () => {
    const { g, decode } = setup();
    expect(decode('utime', g.str('lt'), 0)).toEqual({ kind: 'call', call: { sys: 'lookup', name: 'utime', dirfd: AT_FDCWD, path: 'lt', follow: true, emptyPath: false } });
    expect(decode('utime', -1, 0)).toEqual({ kind: 'fault', errno: 'EFAULT' });
  });

  test('getdents is a call on its fd; alarm is process-local', () => {
    const { g, decode } = setup();
    expect(decode('getdents', 3, g.alloc(512), 512)).toEqual({ kind: 'call', call: { sys: 'usefd', name: 'getdents', fd: 3 } });
    expect(decode('alarm', 5)).toEqual({ kind: 'local' });
  });
});

describe('a policy decides them', () => {
  test('fstatat needs stat on the object it resolves to, like newfstatat; a hidden name is absent', () => {
    const { g, decide } = setup();
    for (const name of ['fstatat', 'newfstatat']) {
      expect(decide(name, AT_FDCWD, g.str('a'), g.alloc(144), 0)).toBe('allowed');
      expect(decide(name, AT_FDCWD, g.str('/etc/passwd'), g.alloc(144), 0)).toBe('EACCES');
      expect(decide(name, AT_FDCWD, g.str('hidden'), g.alloc(144), 0)).toBe('ENOENT');
      expect(decide(name, AT_FDCWD, g.str('nothing'), g.alloc(144), 0)).toBe('ENOENT');
    }
  });

  test('utime needs `utime` on the symlink\'s target', () => {
    const { g, decide } = setup();
    expect(decide('utime', g.str('/srv/t'), 0)).toBe('allowed');
    expect(decide('utime', g.str('lt'), 0)).toBe('allowed'); // lt -> t
    expect(decide('utime', g.str('la'), 0)).toBe('EACCES'); // la -> a: stat, list and read only
    expect(decide('utime', g.str('a'), 0)).toBe('EACCES');
    expect(decide('utime', g.str('hidden'), 0)).toBe('ENOENT');
  });

  test('getdents needs `list` on its fd, obtained at open; an fd the model does not know is EBADF', () => {
    const { g, decide, opened } = setup();
    opened('/srv/d', O_DIRECTORY, 3);
    opened('/opt/d/y', 0, 4); // stat and read there, no list
    expect(decide('getdents', 3, g.alloc(512), 512)).toBe('allowed');
    expect(decide('getdents', 4, g.alloc(512), 512)).toBe('EACCES');
    expect(decide('getdents', 9, g.alloc(512), 512)).toBe('EBADF');
    expect(decide('getdents64', 3, g.alloc(512), 512)).toBe('allowed');
  });

  test('alarm passes unjudged', () => {
    const { decide } = setup();
    expect(decide('alarm', 1)).toBe('local');
  });
});

describe('getdents records (struct linux_dirent): hidden names are cut out like getdents64\'s', () => {
  /** x86-64 struct linux_dirent records: u64 ino, u64 off, u16 reclen, name, NUL, padding, d_type last. */
  function records(names: readonly string[]): Uint8Array {
    const parts = names.map((n, i) => {
      const reclen = (18 + n.length + 2 + 7) & ~7;
      const b = new Uint8Array(reclen);
      const v = new DataView(b.buffer);
      v.setBigUint64(0, BigInt(100 + i), true);
      v.setBigUint64(8, BigInt(i + 1), true);
      v.setUint16(16, reclen, true);
      b.set(Buffer.from(n, 'latin1'), 18);
      b[reclen - 1] = n === 'd' ? 4 : 8; // DT_DIR, DT_REG
      return b;
    });
    const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0) + 16);
    let at = 0;
    for (const p of parts) out.set(p, (at += p.length) - p.length);
    return out;
  }
  const names = (buf: Uint8Array, used: number): string[] => {
    const out: string[] = [];
    const v = new DataView(buf.buffer, buf.byteOffset);
    for (let at = 0; at < used;) {
      const reclen = v.getUint16(at + 16, true);
      let end = at + 18;
      while (buf[end] !== 0) end++;
      out.push(`${Buffer.from(buf.subarray(at + 18, end)).toString('latin1')}/${buf[at + reclen - 1]}`);
      at += reclen;
    }
    return out;
  };

  test('kept records are compacted with their d_type; the layout is chosen by the call', () => {
    expect(DIRENT_LAYOUTS['getdents']).toBe(LINUX_DIRENT);
    const all = ['.', '..', 'hidden', 'a-rather-long-name', 'd', 'hidden2'];
    const buf = records(all);
    const used = buf.length - 16;
    const kept = filterDirents(buf, used, (n) => !n.startsWith('hidden'), DIRENT_LAYOUTS['getdents']);
    expect(names(buf, kept)).toEqual(['./8', '../8', 'a-rather-long-name/8', 'd/4']);
    // A truncated record at the end is malformed: nothing past it is kept.
    const cut = records(['a', 'b']);
    expect(filterDirents(cut, 24 + 10, () => true, LINUX_DIRENT)).toBe(24);
  });
});

describe('through wrap(): judged, not -ENOSYS', () => {
  test('an allowed call reaches the host, a denied one gets the rule\'s errno without reaching it', () => {
    const g = new Guest();
    const host = new ModelHost(view(), '/srv');
    const lines: string[] = [];
    const imports = wrap(host.imports(['openat', 'fstatat', 'utime', 'getdents', 'alarm']), { policy: POLICY, namespace: viewNamespace(view(), { cwd: '/srv' }), log: (l) => lines.push(l) });
    imports.attach(g.instance);
    host.mem = new GuestMemory(g.memory);
    const sys = (name: string, ...args: GuestWord[]): number => Number((imports['wali']![`SYS_${name}`] as (...a: GuestWord[]) => bigint)(...args));
    const reached = (): string[] => host.calls.map((c) => c.name);
    expect(sys('fstatat', AT_FDCWD, g.str('a'), g.alloc(144), 0)).toBe(0);
    expect(sys('fstatat', AT_FDCWD, g.str('/etc/passwd'), g.alloc(144), 0)).toBe(-13);
    expect(sys('fstatat', AT_FDCWD, g.str('hidden'), g.alloc(144), 0)).toBe(-2);
    expect(sys('utime', g.str('lt'), 0)).toBe(0);
    expect(sys('utime', g.str('la'), 0)).toBe(-13);
    expect(sys('alarm', 1)).toBe(0);
    expect(reached()).toEqual(['fstatat', 'utime', 'alarm']);
    // None of them is named as a SYS_* name answered with -ENOSYS.
    expect(lines.join('\n')).not.toMatch(/SYS_(fstatat|utime|alarm)\b/);
  });

  test('getdents listings through wrap() leave out the names the policy hides, as getdents64\'s do', () => {
    expect(decodable('getdents')).toBe(true);
    // A host that lists /srv as the kernel would, in struct linux_dirent records.
    const listing = ['.', '..', 'a', 'hidden', 't', 'd'];
    for (const unknownSyscalls of ['deny', 'allow'] as const) {
      const g = new Guest();
      const host = new ModelHost(view(), '/srv');
      const hostImports = host.imports(['openat']);
      let served = false;
      hostImports['wali']!['SYS_getdents'] = (_fd: GuestWord, dirp: GuestWord, count: GuestWord) => {
        if (served) return 0n;
        served = true;
        const recs = listingRecords(listing);
        new Uint8Array(g.memory.buffer).set(recs.subarray(0, Math.min(recs.length, Number(count))), Number(dirp));
        return BigInt(recs.length);
      };
      const imports = wrap(hostImports, { policy: POLICY, namespace: viewNamespace(view(), { cwd: '/srv' }), unknownSyscalls, log: () => {} });
      imports.attach(g.instance);
      host.mem = new GuestMemory(g.memory);
      const sys = (name: string, ...args: GuestWord[]): number => Number((imports['wali']![`SYS_${name}`] as (...a: GuestWord[]) => bigint)(...args));
      const d = sys('openat', AT_FDCWD, g.str('/srv'), O_DIRECTORY, 0);
      expect(d).toBeGreaterThanOrEqual(3);
      const buf = g.alloc(512);
      const n = sys('getdents', d, buf, 512);
      expect(n).toBeGreaterThan(0);
      const seen: string[] = [];
      const v = new DataView(g.memory.buffer);
      const u8 = new Uint8Array(g.memory.buffer);
      for (let at = buf; at < buf + n;) {
        const reclen = v.getUint16(at + 16, true);
        let end = at + 18;
        while (u8[end] !== 0) end++;
        seen.push(Buffer.from(u8.subarray(at + 18, end)).toString('latin1'));
        at += reclen;
      }
      expect(seen).toEqual(['.', '..', 'a', 't', 'd']);
    }
  });
});

/** x86-64 struct linux_dirent records for `names`, back to back. */
function listingRecords(names: readonly string[]): Uint8Array {
  const parts = names.map((n, i) => {
    const reclen = (18 + n.length + 2 + 7) & ~7;
    const b = new Uint8Array(reclen);
    const v = new DataView(b.buffer);
    v.setBigUint64(0, BigInt(100 + i), true);
    v.setBigUint64(8, BigInt(i + 1), true);
    v.setUint16(16, reclen, true);
    b.set(Buffer.from(n, 'latin1'), 18);
    b[reclen - 1] = 8;
    return b;
  });
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, (at += p.length) - p.length);
  return out;
}
