/**
 * Linux is the oracle for the guest's sockets: test/host/c/sockets.c runs natively (raw
 * syscalls) and as wasm on the Node host, and every printed result must be the same: socketpair
 * data both ways, Unix path sockets bound, listened on, accepted and connected in a directory,
 * loopback TCP and UDP, sendmsg/recvmsg with iovecs (WALI's wasm32 msghdr), shutdown, socket
 * options, non-blocking accepts and connects, and the errors (EBADF, ENOTSOCK, EINVAL, EADDRINUSE,
 * ECONNREFUSED ...). Then what a policy without network leaves of them: every network call fails
 * inside the program with the policy's errno and nothing reaches the host.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compileC, runCaptured, tempDir } from './cc.js';
import { compileNative, kvLines, pairedDirs, programSource } from './native-compare.js';
import { rawCall } from './raw-call.js';
import { policy } from '../unit/wali/guest.js';
import { NodeWaliHost } from '../../src/host/index.js';
import { WA } from '../../src/wali/wasm.js';
import { funcImport, functype, importSection, module_, typeSection } from '../unit/wali/encode.js';
import { newMemory } from '../unit/wali/wasm.js';
import type { DecisionEvent } from '../../src/enforce/decisions.js';
import { decisionLine } from '../../src/enforce/decision-text.js';

const SOURCE = programSource('sockets');
const ALL = policy('policy "p" abi 1\ndefault allow\nnetwork allow *\n');
/** A root native run drops every capability: it is the unprivileged process the guest is. */
const NATIVE = process.getuid?.() === 0 ? ['setpriv', '--inh-caps=-all', '--ambient-caps=-all', '--bounding-set=-all', '--'] : [];

const dirs = pairedDirs((dir) => writeFileSync(join(dir, 'f'), 'abc'));

async function guest(group: string, p = ALL, onDecision?: (e: DecisionEvent) => void): Promise<{ guest: Record<string, string>; only: Record<string, string> }> {
  const r = await runCaptured(compileC(readFileSync(SOURCE, 'utf8')), { args: ['sockets', group], dirs: [{ host: dirs.guest, guest: '/work' }], policy: p, ...(onDecision ? { onDecision, decisions: 'denials' as const } : {}) });
  expect(r.status, r.stderr).toBe(0);
  return { guest: kvLines(r.stdout), only: kvLines(r.stdout, 'only-wasm:') };
}

async function both(group: string): Promise<{ guest: Record<string, string>; native: Record<string, string>; only: Record<string, string> }> {
  const g = await guest(group);
  // stdin a file, as the guest's (a pipe from Node would be a Unix socket: libuv makes them so).
  const stdin = openSync(join(dirs.native, 'f'), 'r');
  const cmd = [...NATIVE, compileNative('sockets'), group];
  const n = spawnSync(cmd[0]!, cmd.slice(1), { cwd: dirs.native, encoding: 'latin1', stdio: [stdin, 'pipe', 'pipe'] });
  closeSync(stdin);
  expect(n.status, n.stderr).toBe(0);
  return { ...g, native: kvLines(n.stdout) };
}

describe('sockets answer as Linux', () => {
  it('socketpair: data both ways, FIONREAD, FIONBIO, SO_TYPE, SO_ERROR, shutdown, EOF, EPIPE, datagram truncation', async () => {
    const { guest: g, native } = await both('pair');
    expect(g).toEqual(native);
    expect(g).toMatchObject({ socketpair: '0', fds: '34', data_ok: '1', fionread: '3', getfl_nb: '2050', so_type: '1', read_eof: '0', send_after_shut: '-32', shut_bad: '-22', dgram_trunc: '2', pair_inet: '-95', pair_null: '-14' });
  });

  it('Unix path sockets in a directory: bind makes the node, listen, connect, accept4, names as bound, EADDRINUSE, ENOENT, ECONNREFUSED, datagrams', async () => {
    const { guest: g, native, only } = await both('unix');
    expect(g).toEqual(native);
    expect(only).toEqual({ bind_long: '-36' }); // ENAMETOOLONG: /proc/self/fd/N/ and a 100-byte name do not fit sun_path
    expect(g).toMatchObject({ bind: '0', bind_again: '-22', is_sock: '1', sockname_path: 'sock', peer_path: 'sock', connect: '0', accept: '5', bind_inuse: '-98', connect_noent: '-2', connect_file: '-111', connect_dir: '-111', accept_nb: '-11', dg_recvfrom: '2', dg_sendto_gone: '-2' });
    expect(readdirSync(dirs.guest).sort()).toEqual(['f']); // both names unlinked by the guest
  });

  it('loopback TCP: bind, getsockname, listen, connect, accept, peer names, MSG_PEEK, shutdown, non-blocking accept and connect, options, errors', async () => {
    const { guest: g, native, only } = await both('tcp');
    expect(g).toEqual(native);
    expect(only).toEqual({ so_attach_filter: '-92', so_zerocopy: '-92' });
    expect(g).toMatchObject({ reuseaddr_get: '1', port_set: '1', accept_ok: '1', peer_port: '1', accept_peer_port: '1', peek: '5', eof: '0', accept_nb: '-11', connect_nb: '1', connect_nb_error: '0', bind_inuse: '-98', bind_family: '-97', bind_long: '-22', refused: '-111', listen_udp: '-95', bad_opt: '-92' });
  });

  it('loopback UDP: sendto, recvfrom with the sender, MSG_DONTWAIT, a wrong family, connected sends, MSG_TRUNC', async () => {
    const { guest: g, native } = await both('udp');
    expect(g).toEqual(native);
    expect(g).toMatchObject({ sendto: '5', recvfrom: '5', from_port: '1', empty_nb: '-11', bad_dest: '-97', recvmsg_trunc: '2', recvmsg_flags: '32', peek_trunc: '6' });
  });

  it('sendmsg/recvmsg gather and scatter iovecs in WALI\'s msghdr; EMSGSIZE, EFAULT, EBADF, ENOTSOCK; control messages are refused', async () => {
    const { guest: g, native, only } = await both('msg');
    expect(g).toEqual(native);
    expect(g).toMatchObject({ sendmsg: '6', recvmsg: '6', recvmsg_data: '1', sendmsg_empty: '0', recvmsg_iovmax: '-90', recvmsg_efault: '-14' });
    expect(only).toEqual({ scm_rights: '-95' }); // EOPNOTSUPP: no fd crosses between host and guest
  });

  it('errors: ENOTSOCK on a file and on stdin (getpeername(0)), EBADF, EINVAL lengths and flags', async () => {
    const { guest: g, native } = await both('errors');
    expect(g).toEqual(native);
    expect(g).toMatchObject({ peername_stdin: '-88', bind_file: '-88', listen_file: '-88', sockname_badfd: '-9', sockname_neglen: '-22', accept4_flags: '-22' });
  });
});

describe('the guest is an unprivileged process, whatever the host process may do', () => {
  it('raw sockets, ports below the unprivileged start, privileged options: refused as Linux refuses a process without capabilities', async () => {
    const { guest: g, native } = await both('priv');
    expect(g).toEqual(native);
    expect(g).toMatchObject({ raw: '-1', raw6: '-1', packet_type: '-1', bind_80: '-13', bind_80_family: '-97', so_debug: '-13', so_mark: '-1', so_priority_7: '-1', tcp_repair: '-1', congestion_unknown: '-2', congestion_reno: '0' });
  });
});

describe('a policy without network', () => {
  let server: Server;
  let outside: { path: string; cleanup: () => void };
  let reached = 0;
  beforeEach(async () => {
    outside = tempDir('fdwarden-outside-');
    reached = 0;
    server = createServer(() => { reached++; });
    await new Promise<void>((ok) => server.listen(join(outside.path, 'sock'), ok));
    mkdirSync(join(dirs.guest, 'secret'));
    mkdirSync(join(outside.path, 'outside'));
    symlinkSync(join(outside.path, 'sock'), join(dirs.guest, 'out'));
  });
  afterEach(async () => {
    await new Promise<void>((ok) => server.close(() => ok()));
    outside.cleanup();
  });

  it('fails every network call inside the program with the policy\'s errno; denied directories and symlinks out of the mount reach nothing', async () => {
    const p = policy('policy "p" abi 1\ndefault deny errno EPERM\nallow * under /work\ndeny * under /work/secret errno EACCES\n');
    const log: string[] = [];
    const { guest: g } = await guest('deny', p, (e) => log.push(decisionLine(e, p)));
    // fdwarden run's log says what each refused socket would have reached, and that no statement allowed it.
    expect(log).toContain('deny EPERM socket network: a new IPv4 socket by default');
    expect(log).toContain('deny EPERM bind network: the abstract socket by default');
    expect(log).toContain('deny EPERM sendto network: the loopback address 127.0.0.1:9 by default');
    expect(g).toEqual({
      inet: '-1', inet6: '-1', pair_inet: '-1', unix: '1', abstract_bind: '-1', abstract_connect: '-1', autobind: '-1',
      secret_bind: '-13', secret_connect: '-13', escape_connect: '-2', dotdot_connect: '-2', ok_bind: '0', sendto_inet: '-1',
    });
    expect(reached).toBe(0);
    expect(readdirSync(join(dirs.guest, 'secret'))).toEqual([]);
    expect(readdirSync(dirs.guest).sort()).toEqual(['f', 'mine', 'out', 'secret']);
  });

  it('a deny statement gives its errno; loopback only is not every address', async () => {
    const p = policy('policy "p" abi 1\ndefault allow\nnetwork allow loopback\nnetwork deny abstract errno EPERM\n');
    const { guest: g } = await guest('deny', p);
    expect(g).toMatchObject({ inet: '3', abstract_bind: '-1', abstract_connect: '-1', autobind: '-1', sendto_inet: '-95' }); // loopback allowed: the host kernel answers (a Unix stream socket has no destination)
  });
});

describe('a hostile guest on sockets', () => {
  // Random arguments to every socket call, pointers among valid structures, garbage and the edge
  // of memory. Every socket is made non-blocking and every transfer asks MSG_DONTWAIT, so no call
  // can wait; the policy allows loopback and abstract names only, so nothing leaves the machine.
  const NAMES = ['socket', 'socketpair', 'bind', 'connect', 'listen', 'accept4', 'getsockname', 'getpeername', 'getsockopt', 'setsockopt',
    'shutdown', 'sendto', 'recvfrom', 'sendmsg', 'recvmsg', 'ioctl', 'close'] as const;
  const UN = 1024; // sockaddr_un "s"
  const ABSTRACT = 1152; // sockaddr_un "\0x"
  const IN4 = 1280; // 127.0.0.1:0
  const MSG = 1408; // a msghdr: name IN4 (16), one iovec at 1536 over 64 bytes at 2048
  const ptr = fc.constantFrom(0, UN, ABSTRACT, IN4, MSG, 1536, 2048, 4096, 65530, 0xfffffff0, 0x7fffff00);
  const int = fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.constantFrom(-1, 0, 1, 2, 3, 4, 5, 6, 10, 16, 110, 128, 129, 1024, 1025, 0xfffffff0));
  const word = fc.oneof(int, ptr);
  const callArb = fc.oneof(...NAMES.map((name) => fc.tuple(fc.constant(name), fc.array(word, { minLength: 6, maxLength: 6 }))));
  const hostFds = (): number => readdirSync('/proc/self/fd').length;
  const P = policy('policy "p" abi 1\ndefault allow\nnetwork allow loopback,abstract\n');

  it('never throws, always answers a raw result, and leaves no host fd behind', async () => {
    const module = await WA.compile(module_(typeSection(functype([], ['i64'])), importSection(...NAMES.map((n) => funcImport('wali', `SYS_${n}`, 0)))));
    const devnull = openSync('/dev/null', 'r+');
    try {
      await fc.assert(fc.asyncProperty(fc.array(callArb, { minLength: 1, maxLength: 40 }), async (calls) => {
        const before = hostFds();
        const host = new NodeWaliHost({ args: ['hostile'], dirs: [{ host: dirs.guest, guest: '/work' }], stdio: [devnull, devnull, devnull], policy: P });
        const memory = newMemory(false, 1, 1);
        const imports = host.getImportObject(module);
        host.attach({ exports: { memory } });
        const u8 = new Uint8Array(memory.buffer);
        const v = new DataView(memory.buffer);
        try {
          for (const [name, a] of calls) {
            u8.fill(0, UN, 2112);
            v.setUint16(UN, 1, true);
            u8[UN + 2] = 0x73;
            v.setUint16(ABSTRACT, 1, true);
            u8[ABSTRACT + 3] = 0x78;
            v.setUint16(IN4, 2, true);
            u8.set([127, 0, 0, 1], IN4 + 4);
            v.setUint32(MSG, IN4, true);
            v.setUint32(MSG + 4, 16, true);
            v.setUint32(MSG + 8, 1536, true);
            v.setUint32(MSG + 12, 1, true);
            v.setUint32(1536, 2048, true);
            v.setUint32(1540, 64, true);
            const args = [...a];
            if (name === 'socket' || name === 'socketpair') args[1] = (args[1]! & ~0xf0) | 0o4000;
            if (name === 'accept4') args[3] = args[3]! | 0o4000;
            if (name === 'sendto' || name === 'recvfrom' || name === 'sendmsg' || name === 'recvmsg') args[name.endsWith('msg') ? 2 : 3] = args[name.endsWith('msg') ? 2 : 3]! | 0x40;
            if (name === 'ioctl') args[1] = [0x541b, 0x5421, 0x5413, args[1]!][Math.abs(args[1]!) % 4]!; // FIONREAD, FIONBIO, TIOCGWINSZ, any
            if (rawCall(imports, name, args) === undefined) break;
          }
        } finally {
          host.close();
        }
        expect(hostFds()).toBe(before);
      }), { seed: 0x50c_4e75, numRuns: 200 });
    } finally {
      closeSync(devnull);
    }
  });
});
