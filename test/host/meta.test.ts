import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { E, runC, tempDir } from './cc.js';

let work: { path: string; cleanup: () => void };
beforeEach(() => {
  work = tempDir();
});
afterEach(() => work.cleanup());

const dirs = () => [{ host: work.path, guest: '/work' }];

/* x86-64 struct stat: st_mode at 24, st_size at 48, st_nlink at 16, st_ino at 8; statx: stx_mode at 28, stx_size at 40. */
const STAT = `
static unsigned mode_of(const char *st) { return *(const unsigned *)(st + 24); }
static i64 size_of(const char *st) { return *(const i64 *)(st + 48); }
static i64 ino_of(const char *st) { return *(const i64 *)(st + 8); }
`;

describe('stat family', () => {
  it('reports size, mode, links and inode as the host has them', async () => {
    writeFileSync(join(work.path, 'f'), '12345');
    chmodSync(join(work.path, 'f'), 0o640);
    const ino = statSync(join(work.path, 'f')).ino;
    const r = await runC(`#include "wali.h"
${STAT}
void _start(void) {
  char st[144], sx[256];
  kv("stat", sys_stat("f", st));
  kv("mode", mode_of(st));
  kv("size", size_of(st));
  kv("ino", ino_of(st));
  kv("nlink", *(const i64 *)(st + 16));
  sys_symlink("f", "l");
  kv("lstat", sys_lstat("l", st));
  kv("lmode", mode_of(st) & 0170000);
  kv("lsize", size_of(st));
  i64 fd = sys_open("f", O_RDONLY, 0);
  kv("fstat", sys_fstat(fd, st));
  kv("fsize", size_of(st));
  kv("empty_path", sys_newfstatat(fd, "", st, 0x1000));
  kv("esize", size_of(st));
  kv("no_empty_flag", sys_newfstatat(fd, "", st, 0));
  kv("badflags", sys_newfstatat(AT_FDCWD, "f", st, 0x4));
  kv("statx", sys_statx(AT_FDCWD, "f", 0, 0x7ff, sx));
  kv("xmode", *(unsigned short *)(sx + 28));
  kv("xsize", *(const i64 *)(sx + 40));
  kv("root", sys_stat("/", st));
  kv("rootmode", mode_of(st));
  kv("dir", sys_stat("/work", st));
  kv("dirmode", mode_of(st) & 0170000);
  kv("missing", sys_stat("nope", st));
  kv("notdir", sys_stat("f/x", st));
  sys_ftruncate(sys_open("f", O_WRONLY, 0), 2);
  sys_stat("f", st);
  kv("truncated", size_of(st));
  kv("ftruncate_ro", sys_ftruncate(fd, 1));
  kv("truncate", sys_truncate("f", 4));
  kv("chmod", sys_chmod("f", 0600));
  kv("access_r", sys_access("f", 4));
  kv("access_bad", sys_access("f", 8));
  kv("access_root_w", sys_access("/", 2));
  kv("chown_noop", sys_fchown(fd, -1, -1));
  kv("chown_root", sys_fchown(fd, 12345, -1));
  long long times[4] = { 1000000000, 0, 1234567890, 1073741822 };
  kv("utimens", sys_utimensat(AT_FDCWD, "f", times, 0));
  kv("utimens_bad", sys_utimensat(AT_FDCWD, "f", (long long[4]){ 0, 2000000000, 0, 0 }, 0));
  sys_exit_group(0);
}`, { args: ['t'], dirs: dirs() });
    expect(r.kv).toMatchObject({
      stat: '0', mode: String(0o100640), size: '5', ino: String(ino), nlink: '1', lstat: '0', lmode: String(0o120000), lsize: '1',
      fstat: '0', fsize: '5', empty_path: '0', esize: '5', no_empty_flag: String(-E.ENOENT), badflags: String(-E.EINVAL),
      statx: '0', xmode: String(0o100640), xsize: '5', root: '0', rootmode: String(0o40555), dir: '0', dirmode: String(0o40000),
      missing: String(-E.ENOENT), notdir: String(-E.ENOTDIR), truncated: '2', ftruncate_ro: String(-E.EINVAL), truncate: '0',
      chmod: '0', access_r: '0', access_bad: String(-E.EINVAL), access_root_w: String(-E.EROFS), chown_noop: '0',
      chown_root: String(-E.EPERM), utimens: '0', utimens_bad: String(-E.EINVAL),
    });
    const st = statSync(join(work.path, 'f'));
    expect(st.size).toBe(4);
    expect(st.mode & 0o777).toBe(0o600);
    expect(st.atimeMs).toBe(1e12);
    expect(readFileSync(join(work.path, 'f')).subarray(0, 2).toString()).toBe('12');
  });
});

describe('hostile arguments', () => {
  it('the objects behind stdio belong to the embedding process: the guest cannot change their metadata', async () => {
    const r = await runC(`#include "wali.h"
void _start(void) {
  kv("fchmod", sys_fchmod(1, 0777));
  kv("fchown", sys_fchown(1, -1, -1));
  kv("futimens", sys_utimensat(1, 0, 0, 0));
  kv("empty_path", sys_utimensat(1, "", 0, 0x1000));
  kv("ftruncate", sys_ftruncate(1, 0));
  sys_exit_group(0);
}`, { args: ['t'], dirs: dirs() });
    expect(r.kv).toMatchObject({
      fchmod: String(-E.EPERM), fchown: String(-E.EPERM), futimens: String(-E.EPERM), empty_path: String(-E.EPERM), ftruncate: String(-E.EINVAL),
    });
  });

  it('bad pointers and lengths get EFAULT, never an exception', async () => {
    writeFileSync(join(work.path, 'f'), 'data');
    const r = await runC(`#include "wali.h"
SYS(io_uring_setup) i64 sys_io_uring_setup(unsigned, void *);
struct iov { const void *base; unsigned len; };
void _start(void) {
  char st[144];
  i64 fd = sys_open("f", O_RDWR, 0);
  kv("read_high", sys_read(fd, (void *)0xfffffff0, 100));
  kv("read_len", sys_pread64(fd, st, 0x7fffffff, 0));
  kv("write_high", sys_write(fd, (void *)0xffffff00, 0x1000));
  kv("open_high", sys_open((const char *)0xffffffff, O_RDONLY, 0));
  kv("stat_buf", sys_stat("f", (void *)0xffffff80));
  kv("fstat_buf", sys_fstat(fd, (void *)0xfffffff0));
  struct iov bad[1] = { { (void *)0xfffffff0, 64 } };
  kv("readv_base", sys_readv(fd, bad, 1));
  kv("readv_iov", sys_readv(fd, (void *)0xfffffffc, 1));
  kv("getcwd", sys_getcwd((char *)0xfffffffe, 100));
  kv("getdents", sys_getdents64(sys_open(".", O_RDONLY, 0), (void *)0xfffffff0, 4096));
  kv("rename", sys_rename("f", (const char *)0xfffffff0));
  kv("clock", sys_clock_gettime(0, (void *)0xfffffffc));
  kv("uname", sys_uname((void *)0xfffffff0));
  kv("enosys", sys_io_uring_setup(1, st));
  kv("still_works", sys_read(fd, st, 4));
  sys_exit_group(0);
}`, { args: ['t'], dirs: dirs() });
    const efault = String(-E.EFAULT);
    expect(r.kv).toMatchObject({
      read_high: efault, read_len: '4', write_high: efault, open_high: efault, stat_buf: efault, fstat_buf: efault,
      readv_base: efault, readv_iov: efault, getcwd: efault, getdents: efault, rename: efault, clock: efault, uname: efault,
      enosys: String(-E.ENOSYS), still_works: '4',
    });
  });
});
