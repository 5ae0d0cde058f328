import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { E, runC, tempDir } from './cc.js';

let work: { path: string; cleanup: () => void };
beforeEach(() => {
  work = tempDir();
});
afterEach(() => work.cleanup());

const dirs = () => [{ host: work.path, guest: '/work' }];

describe('read, write, lseek', () => {
  it('writes, seeks and reads back through its own offsets', async () => {
    const r = await runC(`#include "wali.h"
void _start(void) {
  char buf[32];
  i64 fd = sys_open("a.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
  kv("fd", fd);
  kv("w", sys_write(fd, "hello world", 11));
  kv("cur", sys_lseek(fd, 0, 1));
  kv("set", sys_lseek(fd, 6, 0));
  i64 n = sys_read(fd, buf, 5);
  ks("read", buf, n);
  kv("end", sys_lseek(fd, -5, 2));
  n = sys_pread64(fd, buf, 5, 0);
  ks("pread", buf, n);
  kv("after_pread", sys_lseek(fd, 0, 1));
  kv("badwhence", sys_lseek(fd, 0, 9));
  kv("negative", sys_lseek(fd, -100, 0));
  kv("pwrite", sys_pwrite64(fd, "W", 1, 0));
  kv("stdout_seek", sys_lseek(1, 0, 1));
  kv("stdout_move", sys_lseek(1, 0, 0));
  sys_exit_group(3);
}`, { args: ['t'], dirs: dirs() });
    expect(r.status).toBe(3);
    expect(r.kv).toMatchObject({
      fd: '3', w: '11', cur: '11', set: '6', read: 'world', end: '6', pread: 'hello', after_pread: '6',
      badwhence: String(-E.EINVAL), negative: String(-E.EINVAL), pwrite: '1',
    });
    // stdout is a file here: its offset (shared with this process) is what was printed before
    // the line; Node cannot move it, so a seek elsewhere is ESPIPE, as on a pipe.
    expect(r.kv['stdout_seek']).toBe(String(r.stdout.indexOf('stdout_seek=')));
    expect(r.kv['stdout_move']).toBe(String(-E.ESPIPE));
    expect(readFileSync(join(work.path, 'a.txt'), 'utf8')).toBe('Wello world');
  });

  it('O_APPEND writes at the end whatever the offset, and F_SETFL can turn it off', async () => {
    writeFileSync(join(work.path, 'log'), 'abc');
    const r = await runC(`#include "wali.h"
void _start(void) {
  i64 fd = sys_open("log", O_WRONLY | O_APPEND, 0);
  kv("seek", sys_lseek(fd, 0, 0));
  kv("w", sys_write(fd, "12", 2));
  kv("pos", sys_lseek(fd, 0, 1));
  kv("getfl_append", (sys_fcntl(fd, 3, 0) & O_APPEND) != 0);
  kv("setfl", sys_fcntl(fd, 4, 0));
  kv("seek0", sys_lseek(fd, 0, 0));
  kv("w2", sys_write(fd, "X", 1));
  sys_exit_group(0);
}`, { args: ['t'], dirs: dirs() });
    expect(r.kv).toMatchObject({ seek: '0', w: '2', pos: '5', getfl_append: '1', setfl: '0', seek0: '0', w2: '1' });
    expect(readFileSync(join(work.path, 'log'), 'utf8')).toBe('Xbc12');
  });

  it('readv and writev move iovecs of {u32 base, u32 len}', async () => {
    const r = await runC(`#include "wali.h"
struct iov { const void *base; unsigned len; };
void _start(void) {
  char a[3], b[8];
  struct iov w[2] = { { "abc", 3 }, { "defgh", 5 } };
  i64 fd = sys_open("v", O_CREAT | O_RDWR, 0600);
  kv("writev", sys_writev(fd, w, 2));
  sys_lseek(fd, 0, 0);
  struct iov r[2] = { { a, 3 }, { b, 8 } };
  i64 n = sys_readv(fd, r, 2);
  kv("readv", n);
  ks("a", a, 3);
  ks("b", b, n - 3);
  kv("badcnt", sys_readv(fd, r, -1));
  sys_exit_group(0);
}`, { args: ['t'], dirs: dirs() });
    expect(r.kv).toMatchObject({ writev: '8', readv: '8', a: 'abc', b: 'defgh', badcnt: String(-E.EINVAL) });
  });
});

describe('descriptors', () => {
  it('dup shares the offset, close of one keeps the other, cloexec is per fd', async () => {
    writeFileSync(join(work.path, 'f'), '0123456789');
    const r = await runC(`#include "wali.h"
void _start(void) {
  char buf[8];
  i64 fd = sys_open("f", O_RDONLY | O_CLOEXEC, 0);
  i64 d = sys_dup(fd);
  kv("d", d);
  sys_read(fd, buf, 3);
  i64 n = sys_read(d, buf, 3);
  ks("via_dup", buf, n);
  kv("getfd_fd", sys_fcntl(fd, 1, 0));
  kv("getfd_dup", sys_fcntl(d, 1, 0));
  kv("close", sys_close(fd));
  kv("close_again", sys_close(fd));
  n = sys_read(d, buf, 2);
  ks("after_close", buf, n);
  kv("dup2", sys_dup2(d, 10));
  n = sys_read(10, buf, 2);
  ks("via_dup2", buf, n);
  kv("dup3_same", sys_dup3(10, 10, 0));
  kv("dupfd_cloexec", sys_fcntl(d, 1030, 20));
  kv("getfd_20", sys_fcntl(20, 1, 0));
  /* int commands ignore the high half of the i64 argument (va_arg garbage) */
  kv("setfd_garbage", sys_fcntl(20, 2, (0x5a5aLL << 32) | 0));
  kv("getfd_20b", sys_fcntl(20, 1, 0));
  kv("fioclex", sys_ioctl(20, 0x5451, 0));
  kv("getfd_20c", sys_fcntl(20, 1, 0));
  kv("ebadf_neg", sys_read(-1, buf, 1));
  kv("ebadf_big", sys_close(9999));
  kv("enotty", sys_ioctl(d, 0x5401, buf));
  kv("unknown_cmd", sys_fcntl(d, 12345, 0));
  sys_exit_group(0);
}`, { args: ['t'], dirs: dirs() });
    expect(r.kv).toMatchObject({
      d: '4', via_dup: '345', getfd_fd: '1', getfd_dup: '0', close: '0', close_again: String(-E.EBADF),
      after_close: '67', dup2: '10', via_dup2: '89', dup3_same: String(-E.EINVAL), dupfd_cloexec: '20', getfd_20: '1',
      setfd_garbage: '0', getfd_20b: '0', fioclex: '0', getfd_20c: '1', ebadf_neg: String(-E.EBADF),
      ebadf_big: String(-E.EBADF), enotty: String(-E.ENOTTY), unknown_cmd: String(-E.EINVAL),
    });
  });
});
