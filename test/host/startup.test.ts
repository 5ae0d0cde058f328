/**
 * The call sequences real WALI binaries make (wali-musl's init_env, musl's malloc and stdio
 * set-up, sqlite3's file probes), replayed by a small C program with the same calls and flags.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { E, runC, tempDir } from './cc.js';

let work: { path: string; cleanup: () => void };
beforeEach(() => {
  work = tempDir();
});
afterEach(() => work.cleanup());

it('runs the wali-musl start-up and a sqlite-style journal sequence', async () => {
  mkdirSync(join(work.path, 'db'));
  writeFileSync(join(work.path, 'db', 'main.db'), Buffer.alloc(4096, 1));
  const r = await runC(`#include "wali.h"
void _start(void) {
  char path[1000], st[144];
  /* crt: brk fails, malloc falls back to anonymous mmap */
  kv("brk", sys_brk(0));
  kv("heap", sys_mmap(0, 4096, 3, 0x22, -1, 0) > 0);
  /* init_env (wali-musl src/env/initenv.c) */
  if (get_init_envfile(path, sizeof path) && !sys_access(path, 4)) {
    i64 fd = sys_open(path, O_RDONLY, 0);
    sys_fstat(fd, st);
    i64 size = *(i64 *)(st + 48);
    i64 map = sys_mmap(0, size, 3, 2, fd, 0);
    kv("env_close", sys_close(fd));
    ks("env", (const char *)(long)map, size - 1);
    kv("env_munmap", sys_munmap((void *)(long)map, size));
  }
  /* stdio: a terminal-sized stdout keeps musl line-buffering it */
  char ws[8];
  kv("winsz", sys_ioctl(1, 0x5413, ws));
  kv("winsz_file", sys_ioctl(sys_open("/work/db/main.db", O_RDONLY, 0), 0x5413, ws));
  /* sqlite3: probes, the database, its journal, syncs of the directory */
  kv("lstat_mount", sys_lstat("/work", st));
  kv("passwd", sys_open("/etc/passwd", O_RDONLY | O_CLOEXEC, 0));
  kv("urandom", sys_open("/dev/urandom", O_RDONLY, 0));
  i64 db = sys_open("/work/db/main.db", O_RDWR | O_CREAT | O_CLOEXEC | 0100000, 0644);
  kv("db_setfd", sys_fcntl(db, 2, 1));
  short lk[16] = { 1, 0 };
  kv("setlk", sys_fcntl(db, 6, (i64)(long)lk));
  kv("getlk", sys_fcntl(db, 5, (i64)(long)lk));
  kv("getlk_type", lk[0]);
  kv("journal_probe", sys_access("/work/db/main.db-journal", 0));
  i64 j = sys_open("/work/db/main.db-journal", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  char page[512];
  kv("pread", sys_pread64(db, page, 512, 0));
  kv("jwrite", sys_pwrite64(j, page, 512, 0));
  kv("fdatasync", sys_fsync(j));
  i64 dir = sys_open("/work/db", O_RDONLY | O_CLOEXEC, 0);
  kv("dirsync", sys_fsync(dir));
  kv("dbwrite", sys_pwrite64(db, "SQLite", 6, 4096));
  kv("close_j", sys_close(j));
  kv("unlink_j", sys_unlink("/work/db/main.db-journal"));
  kv("getpid", sys_getpid());
  kv("fchown", sys_fchown(db, -1, -1));
  sys_exit_group(0);
}`, { args: ['sqlite3'], env: { HOME: '/work', LANG: 'C' }, dirs: [{ host: work.path, guest: '/work' }] });
  expect(r.kv).toMatchObject({
    brk: '0', heap: '1', env_close: '0', env_munmap: '0', winsz: '0', winsz_file: String(-E.ENOTTY),
    lstat_mount: '0', passwd: String(-E.ENOENT), urandom: String(-E.ENOENT), db_setfd: '0', setlk: '0', getlk: '0', getlk_type: '2',
    journal_probe: String(-E.ENOENT), pread: '512', jwrite: '512', fdatasync: '0', dirsync: '0', dbwrite: '6', close_j: '0',
    unlink_j: '0', getpid: '1', fchown: '0',
  });
  expect(r.stdout).toContain('env=HOME=/work\nLANG=C\n');
  const db = readFileSync(join(work.path, 'db', 'main.db'));
  expect(db.length).toBe(4102);
  expect(db.subarray(4096).toString()).toBe('SQLite');
});
