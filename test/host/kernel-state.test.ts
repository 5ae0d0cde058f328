/**
 * Linux is the oracle for the guest's process state and its calls on memory and filesystems:
 * test/host/c/kernel-state.c runs natively (raw syscalls, as an unprivileged process: run as root,
 * it drops every capability with setpriv, keeping uid 0) and as wasm on the Node host, in copies
 * of the same directory; every printed result must be the same, and so must the file the
 * program changed through shared mappings. Facts the host keeps apart from the native process
 * by design (its `/` is synthetic) are checked on the host alone.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileC, runCaptured } from './cc.js';
import { compileNative, kvLines, pairedDirs, programSource } from './native-compare.js';

const SOURCE = programSource('kernel-state');
const ROOT = process.getuid?.() === 0;
const SETPRIV = spawnSync('setpriv', ['--version']).status === 0;
/** A root native run must drop its capabilities to be the unprivileged process the guest is. */
const NATIVE = ROOT ? (SETPRIV ? ['setpriv', '--inh-caps=-all', '--ambient-caps=-all', '--bounding-set=-all', '--'] : undefined) : [];

function seed(dir: string): void {
  writeFileSync(join(dir, 'f'), 'abcdefgh');
  mkdirSync(join(dir, 'd'));
}

const dirs = pairedDirs(seed);

async function both(group: string): Promise<{ guest: string[]; native: string[]; only: Record<string, string> }> {
  const r = await runCaptured(compileC(readFileSync(SOURCE, 'utf8')), { args: ['kernel-state', group], dirs: [{ host: dirs.guest, guest: '/work' }] });
  expect(r.status, r.stderr).toBe(0);
  const prefix = NATIVE ?? [];
  const n = spawnSync(prefix[0] ?? compileNative('kernel-state'), [...prefix.slice(1), ...(prefix.length ? [compileNative('kernel-state')] : []), group], { cwd: dirs.native, encoding: 'latin1' });
  expect(n.status, n.stderr).toBe(0);
  const lines = (s: string): string[] => s.split('\n').filter((l) => l !== '' && !l.startsWith('only-wasm:'));
  return { guest: lines(r.stdout), native: lines(n.stdout), only: kvLines(r.stdout, 'only-wasm:') };
}

describe.skipIf(NATIVE === undefined)('the guest answers as Linux answers an unprivileged process', () => {
  it('ids, groups, parent, process group and session', async () => {
    const { guest, native } = await both('ids');
    expect(guest).toEqual(native);
    // What the comparison rests on: the set*id calls between ids the process has succeed, others are EPERM.
    expect(guest).toEqual(expect.arrayContaining(['setuid_self=0', 'setuid_other=-1', 'setuid_minus1=-22', 'setgroups_none=-1', 'setsid_is_pid=1', 'setsid_again=-1']));
  });

  it('resource limits are the guest\'s own; RLIMIT_NOFILE sizes its fd table; usage, sysinfo and affinity are real', async () => {
    const { guest, native } = await both('limits');
    expect(guest).toEqual(native);
    expect(guest).toEqual(expect.arrayContaining(['fds_under_five=2', 'open_past_limit=-24', 'open_sixth=5', 'open_seventh=-24', 'setrlimit_raise_max=-1']));
  });

  it('leaves the Node process\'s own limits alone', async () => {
    const before = readFileSync('/proc/self/limits', 'latin1');
    await both('limits');
    expect(readFileSync('/proc/self/limits', 'latin1')).toBe(before);
  });

  it('prctl, the alternate signal stack and interval timers', async () => {
    const { guest, native } = await both('task');
    expect(guest).toEqual(native);
    expect(guest).toEqual(expect.arrayContaining(['name_back=1', 'altstack_back=1', 'altstack_small=-12', 'old_remaining=1', 'alarm_second=5']));
  });

  it('futex on one thread', async () => {
    const { guest, native } = await both('futex');
    expect(guest).toEqual(native);
    expect(guest).toEqual(expect.arrayContaining(['wait_mismatch=-11', 'wait_timeout=-110', 'wake=0', 'lock_pi_again=-35', 'trylock_pi_nobody=-3']));
  });

  it('statfs, fstatfs, flock, fadvise and chroot', async () => {
    const { guest, native, only } = await both('fs');
    expect(guest).toEqual(native);
    expect(guest).toEqual(expect.arrayContaining(['statfs_missing=-2', 'flock_bad_fd=-9', 'fadvise_bad=-22', 'chroot_dot=-1', 'chroot_file=-20']));
    expect(only).toEqual({ statfs_root: '0', statfs_root_ramfs: '1' });
  });

  it('mprotect, madvise, msync and mremap; shared file mappings reach the file', async () => {
    const { guest, native } = await both('mem');
    expect(guest).toEqual(native);
    expect(guest).toEqual(expect.arrayContaining(['mprotect_null=-12', 'mremap_shrink_in_place=1', 'mremap_grow_kept=89', 'file_byte1=66', 'mprotect_shared_ro_fd=-13']));
    expect(readFileSync(join(dirs.guest, 'f'), 'latin1')).toBe('aBCDEfgh');
    expect(readFileSync(join(dirs.guest, 'f'), 'latin1')).toBe(readFileSync(join(dirs.native, 'f'), 'latin1'));
  });
});

describe('the guest cannot reach the host process', () => {
  it('chroot is judged on its path: a hidden directory is absent, a refused one gets the rule\'s errno', async () => {
    rmSync(join(dirs.guest, 'd'), { recursive: true });
    mkdirSync(join(dirs.guest, 'secret'));
    mkdirSync(join(dirs.guest, 'ro'));
    const { policy } = await import('../unit/wali/guest.js');
    const p = policy('policy "p" abi 1\ndefault allow\ndeny * under /work/secret errno ENOENT\ndeny chdir /work/ro errno EACCES\n');
    const src = `#include "wali.h"
SYS(chroot) i64 sys_chroot(const char *);
SYS(statfs) i64 sys_statfs(const char *, void *);
void _start(void) {
  char b[120];
  kv("secret", sys_chroot("/work/secret"));
  kv("ro", sys_chroot("/work/ro"));
  kv("work", sys_chroot("/work"));
  kv("statfs_secret", sys_statfs("/work/secret", b));
  sys_exit_group(0);
}`;
    const r = await runCaptured(compileC(src), { args: ['t'], dirs: [{ host: dirs.guest, guest: '/work' }], policy: p });
    expect(r.kv).toEqual({ secret: '-2', ro: '-13', work: '-1', statfs_secret: '-2' });
  });
});
