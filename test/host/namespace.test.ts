import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { E, runC, tempDir } from './cc.js';

let work: { path: string; cleanup: () => void };
let other: { path: string; cleanup: () => void };
beforeEach(() => {
  work = tempDir();
  other = tempDir();
});
afterEach(() => {
  work.cleanup();
  other.cleanup();
});

const dirs = () => [{ host: work.path, guest: '/work' }, { host: other.path, guest: '/mnt/other' }];

const LIST = `
struct d64 { unsigned long long ino; long long off; unsigned short reclen; unsigned char type; char name[]; };
static void list(const char *label, int fd, int bufsize) {
  char buf[512];
  for (;;) {
    i64 n = sys_getdents64(fd, buf, bufsize);
    if (n < 0) { kv(label, n); return; }
    if (n == 0) return;
    for (i64 off = 0; off < n;) {
      struct d64 *d = (struct d64 *)(buf + off);
      out(label); out("="); out(d->name); out(":"); outn(d->type); out("\\n");
      off += d->reclen;
    }
  }
}`;

function entries(stdout: string, label: string): string[] {
  return stdout.split('\n').filter((l) => l.startsWith(label + '=')).map((l) => l.slice(label.length + 1)).sort();
}

describe('directories', () => {
  it('getdents64 lists with . and .., d_type, resumes with a small buffer, and rewinds', async () => {
    writeFileSync(join(work.path, 'file'), 'x');
    mkdirSync(join(work.path, 'sub'));
    symlinkSync('file', join(work.path, 'ln'));
    const r = await runC(`#include "wali.h"
${LIST}
void _start(void) {
  i64 fd = sys_open(".", O_RDONLY | O_DIRECTORY, 0);
  list("small", fd, 40);
  kv("rewind", sys_lseek(fd, 0, 0));
  list("again", fd, 512);
  kv("tiny", sys_getdents64(fd, (void *)0, 0));
  i64 f = sys_open("file", O_RDONLY, 0);
  char b[64];
  kv("notdir", sys_getdents64(f, b, 64));
  kv("rewind2", sys_lseek(fd, 0, 0));
  kv("tiny2", sys_getdents64(fd, b, 8));
  i64 root = sys_open("/", O_RDONLY | O_DIRECTORY, 0);
  list("root", root, 512);
  i64 mnt = sys_open("/mnt", O_RDONLY | O_DIRECTORY, 0);
  list("mnt", mnt, 512);
  sys_exit_group(0);
}`, { args: ['t'], dirs: dirs() });
    const expected = ['.:4', '..:4', 'file:8', 'ln:10', 'sub:4'].sort();
    expect(entries(r.stdout, 'small')).toEqual(expected);
    expect(entries(r.stdout, 'again')).toEqual(expected);
    expect(r.kv['notdir']).toBe(String(-E.ENOTDIR));
    expect(r.kv['tiny2']).toBe(String(-E.EINVAL));
    expect(entries(r.stdout, 'root')).toEqual(['.:4', '..:4', 'mnt:4', 'work:4'].sort());
    expect(entries(r.stdout, 'mnt')).toEqual(['.:4', '..:4', 'other:4'].sort());
  });

  it('mkdir, rename and unlink change the disk and the model together', async () => {
    writeFileSync(join(work.path, 'a'), 'A');
    const r = await runC(`#include "wali.h"
void _start(void) {
  kv("mkdir", sys_mkdir("d", 0755));
  kv("mkdir_again", sys_mkdir("d", 0755));
  kv("rename", sys_rename("a", "d/b"));
  kv("rename_missing", sys_rename("a", "c"));
  kv("noreplace", sys_renameat2(AT_FDCWD, "d/b", AT_FDCWD, "d/b", 1));
  kv("mkdir_e", sys_mkdir("e", 0700));
  kv("rename_dir", sys_rename("d", "e/d2"));
  i64 fd = sys_open("e/d2/b", O_RDONLY, 0);
  kv("open_moved", fd >= 0);
  kv("rmdir_nonempty", sys_rmdir("e/d2"));
  kv("unlink_dir", sys_unlink("e"));
  kv("rmdir_dot", sys_rmdir("e/."));
  kv("unlink", sys_unlink("e/d2/b"));
  kv("rmdir", sys_rmdir("e/d2"));
  kv("exdev", sys_rename("e", "/mnt/other/e"));
  kv("erofs", sys_mkdir("/newdir", 0755));
  kv("erofs_unlink", sys_unlink("/nothing"));
  kv("eexist_root", sys_mkdir("/work", 0755));
  kv("exchange", sys_renameat2(AT_FDCWD, "e", AT_FDCWD, "f", 2));
  kv("rmdir_mount", sys_rmdir("/mnt/other"));
  sys_exit_group(0);
}`, { args: ['t'], dirs: dirs() });
    expect(r.kv).toMatchObject({
      mkdir: '0', mkdir_again: String(-E.EEXIST), rename: '0', rename_missing: String(-E.ENOENT), noreplace: String(-E.EEXIST),
      mkdir_e: '0', rename_dir: '0', open_moved: '1', rmdir_nonempty: String(-E.ENOTEMPTY), unlink_dir: String(-E.EISDIR),
      rmdir_dot: String(-E.EINVAL), unlink: '0', rmdir: '0', exdev: String(-E.EXDEV), erofs: String(-E.EROFS),
      erofs_unlink: String(-E.EROFS), eexist_root: String(-E.EEXIST), exchange: String(-E.ENOENT), rmdir_mount: String(-E.EROFS),
    });
    expect(existsSync(join(work.path, 'a'))).toBe(false);
    expect(existsSync(join(work.path, 'e'))).toBe(true);
    expect(existsSync(join(work.path, 'e', 'd2'))).toBe(false);
    expect(lstatSync(join(work.path, 'e')).mode & 0o777).toBe(0o700 & ~0o022);
  });

  it('a pre-existing directory renamed by the guest still shows its old contents at the new name', async () => {
    mkdirSync(join(work.path, 'old'));
    writeFileSync(join(work.path, 'old', 'inside'), 'I');
    const r = await runC(`#include "wali.h"
void _start(void) {
  char b[8];
  kv("rename", sys_rename("old", "new"));
  i64 fd = sys_open("new/inside", O_RDONLY, 0);
  i64 n = sys_read(fd, b, 8);
  ks("inside", b, n);
  sys_exit_group(0);
}`, { args: ['t'], dirs: dirs() });
    expect(r.kv).toMatchObject({ rename: '0', inside: 'I' });
  });

  it('symlinks resolve inside the guest namespace only; .. stays at the guest root', async () => {
    writeFileSync(join(work.path, 'secret-host-only'), 'S');
    writeFileSync(join(work.path, 'f'), 'F');
    // Host-absolute targets mean nothing in the guest namespace.
    symlinkSync(join(work.path, 'f'), join(work.path, 'host-abs'));
    symlinkSync('/etc/passwd', join(work.path, 'etc'));
    symlinkSync('../../../../../../etc/passwd', join(work.path, 'climb'));
    symlinkSync('/work/f', join(work.path, 'guest-abs'));
    const r = await runC(`#include "wali.h"
void _start(void) {
  char b[64];
  kv("host_abs", sys_open("host-abs", O_RDONLY, 0));
  kv("etc", sys_open("etc", O_RDONLY, 0));
  kv("climb", sys_open("climb", O_RDONLY, 0));
  kv("creat_through", sys_open("etc", O_WRONLY | O_CREAT, 0644));
  i64 fd = sys_open("guest-abs", O_RDONLY, 0);
  i64 n = sys_read(fd, b, 8);
  ks("guest_abs", b, n);
  fd = sys_open("/../../work/./f", O_RDONLY, 0);
  n = sys_read(fd, b, 8);
  ks("dotdot_root", b, n);
  kv("nofollow", sys_open("guest-abs", O_RDONLY | O_NOFOLLOW, 0));
  kv("symlink", sys_symlink("../work/f", "rel"));
  n = sys_readlink("rel", b, 64);
  ks("readlink", b, n);
  kv("readlink_notlink", sys_readlink("f", b, 64));
  kv("chdir_root", sys_chdir("/"));
  kv("chdir_up", sys_chdir(".."));
  n = sys_getcwd(b, 64);
  ks("cwd", b, n - 1);
  kv("proc", sys_open("/proc/self/status", O_RDONLY, 0));
  kv("dangling_creat", sys_symlink("/work/made-by-link", "/work/dangling"));
  fd = sys_open("/work/dangling", O_WRONLY | O_CREAT, 0600);
  kv("created_through_link", fd >= 0);
  sys_exit_group(0);
}`, { args: ['t'], dirs: dirs() });
    expect(r.kv).toMatchObject({
      host_abs: String(-E.ENOENT), etc: String(-E.ENOENT), climb: String(-E.ENOENT), creat_through: String(-E.ENOENT),
      guest_abs: 'F', dotdot_root: 'F', nofollow: String(-E.ELOOP), symlink: '0', readlink: '../work/f',
      readlink_notlink: String(-E.EINVAL), chdir_root: '0', chdir_up: '0', cwd: '/', proc: String(-E.ENOENT),
      dangling_creat: '0', created_through_link: '1',
    });
    expect(readlinkSync(join(work.path, 'rel'))).toBe('../work/f');
    expect(existsSync(join(work.path, 'made-by-link'))).toBe(true);
  });

  it('getcwd of a removed cwd is ENOENT, and ERANGE for a short buffer', async () => {
    const r = await runC(`#include "wali.h"
void _start(void) {
  char b[64];
  sys_mkdir("gone", 0755);
  kv("chdir", sys_chdir("gone"));
  kv("short", sys_getcwd(b, 4));
  i64 n = sys_getcwd(b, 64);
  ks("cwd", b, n - 1);
  kv("rmdir", sys_rmdir("/work/gone"));
  kv("removed", sys_getcwd(b, 64));
  kv("create_in_removed", sys_open("x", O_CREAT | O_WRONLY, 0600));
  sys_exit_group(0);
}`, { args: ['t'], dirs: dirs() });
    expect(r.kv).toMatchObject({
      chdir: '0', short: String(-E.ERANGE), cwd: '/work/gone', rmdir: '0', removed: String(-E.ENOENT),
      create_in_removed: String(-E.ENOENT),
    });
  });
});
