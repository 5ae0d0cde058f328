/**
 * Class 3: the request the policy judges is what the host runs. Each attack passes flags whose
 * names promise one thing while Linux does another: fchmodat and faccessat take no flags
 * argument (a fourth one is ignored: they always follow), O_PATH keeps only
 * O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC (so O_CREAT|O_EXCL cannot stop it following), and
 * statx(fd, NULL, AT_EMPTY_PATH) names the fd. One decoding (src/syscalls/decode.ts) serves the
 * judge and the host, and it follows Linux.
 */
import { chmodSync, closeSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { compileC, runCaptured } from '../host/cc.js';
import { loadSys } from '../../src/host/native/sys.js';
import { wrap } from '../../src/wali/interposer.js';
import { Guest, policy } from '../unit/wali/guest.js';
import { mappedView } from './foreign-host.js';
import { stage, type Stage } from './harness.js';
import { viewNamespace } from '../../src/wali/namespace.js';

const POLICY = policy(`policy "p" abi 1
default deny errno EACCES
allow * under /w
deny chmod /w/ro errno EPERM
deny * /w/hidden errno ENOENT
deny * /w/secret errno EACCES
`);

let s: Stage;
afterEach(() => s?.cleanup());

function tree(): void {
  s = stage();
  for (const f of ['ro', 'hidden', 'secret', 'ok']) writeFileSync(join(s.w, f), f);
  chmodSync(join(s.w, 'ro'), 0o444);
  symlinkSync('ro', join(s.w, 'lnk'));
  symlinkSync('hidden', join(s.w, 'hlnk'));
  symlinkSync('secret', join(s.w, 'slnk'));
}

const ATTACK = `#include "wali.h"
SYS(fchmodat) i64 sys_fchmodat4(int, const char *, unsigned, int);
SYS(faccessat) i64 sys_faccessat4(int, const char *, int, int);
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_EMPTY_PATH 0x1000
static char st[256];
void _start(void) {
  kv("fchmodat", sys_fchmodat4(AT_FDCWD, "lnk", 06777, AT_SYMLINK_NOFOLLOW));
  kv("faccessat", sys_faccessat4(AT_FDCWD, "hlnk", 0, AT_SYMLINK_NOFOLLOW));
  kv("opath", sys_openat(AT_FDCWD, "slnk", O_PATH | O_CREAT | O_EXCL, 0));
  i64 fd = sys_openat(AT_FDCWD, "ok", O_RDONLY, 0);
  kv("statx", sys_statx((int)fd, 0, AT_EMPTY_PATH, 0x7ff, st));
  kv("statx_ino", (i64)*(unsigned long long *)(st + 32));
  sys_exit_group(0);
}`;

describe('class 3: one decoding, as Linux reads the flags', () => {
  test('on the Node host: a fourth flag does not make fchmodat or faccessat stop at the link; O_PATH|O_CREAT|O_EXCL follows', async () => {
    tree();
    const r = await runCaptured(compileC(ATTACK), { args: ['a'], dirs: [{ host: s.w, guest: '/w' }], cwd: '/w', policy: POLICY });
    expect(r.kv).toMatchObject({
      fchmodat: '-1', // judged on /w/ro, where chmod is denied with EPERM
      faccessat: '-2', // followed to /w/hidden, which does not exist for the guest
      opath: '-13', // followed to /w/secret: EACCES
      statx: '0',
    });
    expect(statSync(join(s.w, 'ro')).mode & 0o7777).toBe(0o444);
    expect(Number(r.kv['statx_ino'])).toBe(statSync(join(s.w, 'ok')).ino); // the fd's object, nothing else
  });

  test('in front of a host that runs the raw call on the kernel: the object judged is the one Linux touches', () => {
    tree();
    const sys = loadSys();
    const g = new Guest();
    const map = (p: string): string => (p.startsWith('/w') ? s.w + p.slice(2) : p);
    const str = (p: number): string => {
      const u8 = new Uint8Array(g.memory.buffer);
      let e = p;
      while (u8[e] !== 0) e++;
      return Buffer.from(u8.subarray(p, e)).toString('latin1');
    };
    const reached: string[] = [];
    // Raw syscalls with the guest's own arguments: fchmodat has three, so a fourth never reaches Linux.
    const host = {
      wali: {
        SYS_fchmodat: (d: number, p: number, m: number) => (reached.push('fchmodat'), BigInt(sys.fchmodat(d, map(str(p)), m))),
        SYS_openat: (d: number, p: number, f: number, m: number) => (reached.push('openat'), BigInt(sys.openat(d, map(str(p)), f, m))),
      },
    };
    const imports = wrap(host, { policy: POLICY, namespace: viewNamespace(mappedView('/w', s.w), { cwd: '/w' }) });
    imports.attach(g.instance);
    const call = (name: string, ...a: number[]): number => Number((imports['wali']![`SYS_${name}`] as (...x: number[]) => bigint)(...a));
    expect(call('fchmodat', -100, g.str('/w/lnk'), 0o6777, 0x100)).toBe(-1);
    expect(call('openat', -100, g.str('/w/slnk'), 0o10000000 | 0o300, 0)).toBe(-13);
    expect(reached).toEqual([]);
    expect(statSync(join(s.w, 'ro')).mode & 0o7777).toBe(0o444);
    // Allowed, and Linux does the same thing the judge saw: the target gets the mode.
    expect(call('fchmodat', -100, g.str('/w/ok'), 0o600, 0x100)).toBe(0);
    expect(statSync(join(s.w, 'ok')).mode & 0o7777).toBe(0o600);
    const fd = call('openat', -100, g.str('/w/ok'), 0o10000000 | 0o300, 0);
    expect(fd).toBeGreaterThan(2);
    closeSync(fd);
  });
});
