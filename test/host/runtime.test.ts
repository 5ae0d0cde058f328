import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileC, runC, tempDir } from './cc.js';
import { NodeWaliHost, runWali, WaliExit } from '../../src/host/index.js';
import { WA, type Imports } from '../../src/wali/wasm.js';

let work: { path: string; cleanup: () => void };
beforeEach(() => {
  work = tempDir();
});
afterEach(() => work.cleanup());

const dirs = () => [{ host: work.path, guest: '/work' }];

describe('memory', () => {
  it('anonymous mmap grows memory page-aligned and zeroed; a private file map copies the bytes', async () => {
    writeFileSync(join(work.path, 'm'), 'mapped!');
    const r = await runC(`#include "wali.h"
void _start(void) {
  kv("brk", sys_brk(0));
  i64 a = sys_mmap(0, 100000, 3, 0x22, -1, 0);
  kv("aligned", a > 0 && (a & 0xffff) == 0);
  unsigned char *p = (unsigned char *)(long)a;
  int zero = 1;
  for (int i = 0; i < 100000; i++) if (p[i]) zero = 0;
  kv("zeroed", zero);
  p[5] = 7;
  kv("munmap", sys_munmap(p, 131072));
  i64 b = sys_mmap(0, 65536, 3, 0x22, -1, 0);
  kv("reused", b == a);
  kv("rezeroed", ((unsigned char *)(long)b)[5]);
  i64 fd = sys_open("m", O_RDONLY, 0);
  i64 f = sys_mmap(0, 7, 1, 2, fd, 0);
  ks("file", (const char *)(long)f, 7);
  kv("shared_rw", sys_mmap(0, 7, 3, 1, fd, 0));
  kv("badlen", sys_mmap(0, 0, 3, 0x22, -1, 0));
  kv("unaligned_off", sys_mmap(0, 7, 1, 2, fd, 3));
  sys_exit_group(0);
}`, { args: ['t'], dirs: dirs() });
    expect(r.kv).toMatchObject({
      brk: '0', aligned: '1', zeroed: '1', munmap: '0', reused: '1', rezeroed: '0', file: 'mapped!', shared_rw: '-13',
      badlen: '-22', unaligned_off: '-22',
    });
  });
});

describe('startup imports', () => {
  it('passes argv through __cl_* and the environment through an env file read with syscalls', async () => {
    const r = await runC(`#include "wali.h"
void _start(void) {
  char buf[256];
  int argc = cl_get_argc();
  kv("argc", argc);
  for (int i = 0; i < argc; i++) {
    int n = cl_get_argv_len(i);
    buf[n] = 'X';
    kv("copy", cl_copy_argv(buf, i));
    kv("nul", buf[n] == 0);
    ks("arg", buf, n);
  }
  kv("found", get_init_envfile(buf, sizeof buf));
  kv("access", sys_access(buf, 4));
  i64 fd = sys_open(buf, O_RDONLY, 0);
  char env[256];
  i64 n = sys_read(fd, env, sizeof env);
  out("env="); sys_write(1, env, n); out("\\n");
  sys_exit_group(0);
}`, { args: ['prog', 'héllo', ''], env: { A: '1', B: 'two words' }, dirs: dirs() });
    expect(r.kv['argc']).toBe('3');
    expect(r.stdout.split('\n').filter((l) => l.startsWith('arg='))).toEqual(['arg=prog', `arg=${Buffer.from('héllo').toString('latin1')}`, 'arg=']);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('nul='))).toEqual(['nul=1', 'nul=1', 'nul=1']);
    expect(r.kv['found']).toBe('1');
    expect(r.kv['access']).toBe('0');
    expect(r.stdout).toContain('env=A=1\nB=two words\n');
  });

  it('without an environment __get_init_envfile returns 0', async () => {
    const r = await runC(`#include "wali.h"
void _start(void) { char b[64]; kv("found", get_init_envfile(b, 64)); }`, { args: ['p'], dirs: dirs() });
    expect(r.kv['found']).toBe('0');
    expect(r.status).toBe(0);
  });
});

describe('import object and wrapping', () => {
  const src = `#include "wali.h"
__attribute__((import_module("wali"), import_name("SYS_made_up"))) i64 made_up(int);
__attribute__((import_module("env"), import_name("elsewhere"))) void elsewhere(void);
void _start(void) {
  if (cl_get_argc() > 5) elsewhere();
  kv("made_up", made_up(1));
  kv("fd", sys_open("/work", O_RDONLY | O_DIRECTORY, 0));
  sys_exit_group(42);
}`;

  it('every import is callable: unknown SYS_* return -ENOSYS, other modules only trap when called', async () => {
    const wasm = compileC(src);
    const module = await WA.compile(wasm);
    const devnull = openSync('/dev/null', 'r+');
    const host = new NodeWaliHost({ args: ['p'], dirs: dirs(), stdio: [devnull, devnull, devnull] });
    const imports = host.getImportObject(module);
    expect(typeof imports['wali']!['SYS_made_up']).toBe('function');
    expect(typeof imports['env']!['elsewhere']).toBe('function');
    const instance = await WA.instantiate(module, imports);
    expect(host.start(instance)).toBe(42);
    // The model kept the guest's fd table: fd 3 is the directory it opened.
    expect(host.kernel.describeFd(host.tid, 3)).toMatchObject({ kind: 'path', path: '/work' });
    expect(host.kernel.describeFd(host.tid, 1)).toMatchObject({ kind: 'anon' });
    closeSync(devnull);
  });

  it('runWali instantiates with the wrapped imports and calls the wrapper attach before _start', async () => {
    const seen: string[] = [];
    let attached = false;
    const devnull = openSync('/dev/null', 'r+');
    const status = await runWali(compileC(src), {
      args: ['p'],
      dirs: dirs(),
      stdio: [devnull, devnull, devnull],
      wrap: (imports: Imports, host) => {
        expect(host).toBeInstanceOf(NodeWaliHost);
        const wali = { ...imports['wali']! };
        const open = wali['SYS_open'] as (...a: unknown[]) => bigint;
        wali['SYS_open'] = (...a: unknown[]) => {
          seen.push('open');
          expect(attached).toBe(true);
          return open(...a);
        };
        return { imports: { ...imports, wali }, attach: () => { attached = true; } };
      },
    });
    closeSync(devnull);
    expect(status).toBe(42);
    expect(seen).toEqual(['open']);
  });

  it('WaliExit carries the status', () => {
    expect(new WaliExit(257).code).toBe(1);
  });
});
