/**
 * The embedder's side of the in-memory host: MemoryFs round trips and errors, the environment
 * and stdin a run gets, a filesystem that one host at a time may run on, and the state a run
 * leaves (no task, no veil, no environment file).
 */
import { describe, expect, test } from 'vitest';
import { compilePolicyText } from '../../src/dsl/index.js';
import { MemoryFs, MemoryWaliHost, type MemoryTree } from '../../src/memhost/index.js';
import { fsops, runMem } from './harness.js';

const text = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('MemoryFs', () => {
  test('fromJson and toJson round-trip files, binary files, symlinks and directories; list is depth first and sorted', () => {
    const tree: MemoryTree = { b: { 'x.txt': 'x\n', e: {} }, a: ['symlink', '../b/x.txt'], bin: ['base64', btoa('\xff\xfe\x00')], 'ünï': 'utf-8 ✓' };
    const fs = MemoryFs.fromJson(tree);
    expect(fs.toJson()).toEqual(tree);
    expect(fs.list().map((e) => `${e.path} ${e.kind} ${e.size}${e.target ? ` -> ${e.target}` : ''}`)).toEqual([
      '/a symlink 10 -> ../b/x.txt', '/b dir 0', '/b/e dir 0', '/b/x.txt file 2', '/bin file 3', '/ünï file 9',
    ]);
    expect([...fs.readFile('/bin')]).toEqual([0xff, 0xfe, 0]);
  });

  test('no name in a directory changes what it reads back as: files named symlink or base64 stay files, arrays are the only leaves', () => {
    const tree: MemoryTree = { d: { symlink: '/etc' }, e: { base64: 'AAAA' }, f: { symlink: 'x', base64: 'y' } };
    const fs = MemoryFs.fromJson(tree);
    expect(fs.list().filter((e) => e.kind !== 'dir').map((e) => `${e.path} ${e.kind}`)).toEqual(['/d/symlink file', '/e/base64 file', '/f/base64 file', '/f/symlink file']);
    expect(fs.toJson()).toEqual(tree);
    expect(MemoryFs.fromJson(fs.toJson()).toJson()).toEqual(tree);
    expect(() => MemoryFs.fromJson({ a: ['symlink'] as unknown as MemoryTree })).toThrow(/\/a: a file is a string, a directory an object/);
    expect(() => MemoryFs.fromJson({ a: ['base64', '%%%'] })).toThrow(/\/a: its bytes are not base64/);
  });

  test('writeFile makes parents and replaces in place; errors name the path', () => {
    const fs = new MemoryFs();
    fs.writeFile('/p/q/r', 'one');
    fs.writeFile('/p/q/r', new Uint8Array([50]));
    expect(text(fs.readFile('/p/q/r'))).toBe('2');
    fs.symlink('q', '/p/l');
    expect(() => fs.readFile('/p/missing')).toThrow(/\/p\/missing does not exist/);
    expect(() => fs.writeFile('/p/l/x', 'no')).toThrow(/symlink \(not followed\)/);
    expect(() => fs.readFile('/p/q')).toThrow(/not a regular file/);
    expect(() => fs.writeFile('relative', 'x')).toThrow(/not an absolute path/);
    expect(() => MemoryFs.fromJson({ 'a/b': 'x' })).toThrow(/cannot be a file name/);
    fs.remove('/p');
    expect(fs.exists('/p')).toBe(false);
    expect(fs.toJson()).toEqual({});
  });

  test('a full filesystem answers ENOSPC to the guest and throws to the embedder', async () => {
    const fs = MemoryFs.fromJson({ w: {} }, { maxBytes: 10 });
    const r = await runMem(['open', 'a', 'O_WRONLY|O_CREAT', 'write', '$', '0123456789abc', 'write', '3', 'x', 'ftruncate', '3', '100'], { fs });
    expect(r.out).toBe('open a O_WRONLY|O_CREAT = 3\nwrite $ 0123456789abc = 10\nwrite 3 x = -28\nftruncate 3 100 = -28\n');
    expect(() => fs.writeFile('/w/b', 'y')).toThrow(/full/);
  });
});

describe('a run', () => {
  test('gets its environment through /.wali/env, readable whatever the policy, and gone after', async () => {
    const policy = compilePolicyText('policy "p" abi 1\nallow * under /w\n', { file: 'p.policy' });
    const r = await runMem(['cat', '/.wali/env', 'ls', '/.wali', 'open', '/.wali/env', 'O_WRONLY'], { env: ['A=1', 'B=two'], policy });
    expect(r.out).toBe('cat /.wali/env = 10 "A=1\\nB=two\\n"\nls /.wali = -13\nopen /.wali/env O_WRONLY = -13\n');
    expect(r.fs.exists('/.wali')).toBe(false);
    expect(r.fs.kernel.s.tasks.size).toBe(0);
    expect(r.fs.kernel.veil).toBeUndefined();
  });

  test("a tree's own /.wali/env is never taken for the run's environment (which any policy may read): the run is refused", async () => {
    const policy = compilePolicyText('policy "p" abi 1\nallow * under /w\n', { file: 'p.policy' });
    const fs = MemoryFs.fromJson({ w: {}, '.wali': { env: 'SECRET=kept from the guest\n' } });
    const r = await runMem(['cat', '/.wali/env'], { env: ['A=1'], policy, fs });
    expect(r.ending).toBe('invalid');
    expect(r.message).toMatch(/already has \/\.wali\/env/);
    expect(r.out).toBe('');
    expect(new TextDecoder().decode(fs.readFile('/.wali/env'))).toBe('SECRET=kept from the guest\n');
    // Without env the file is the tree's like any other, and the policy refuses it.
    expect((await runMem(['cat', '/.wali/env'], { policy, fs })).out).toBe('cat /.wali/env = -13\n');
  });

  test('reads its stdin, then end of file', async () => {
    const r = await runMem(['read', '0', '3', 'read', '0', '100', 'read', '0', '100', 'fstat', '0', 'lseek', '0', '0', 'SEEK_SET', 'write', '0', 'x'], { stdin: new TextEncoder().encode('hello') });
    expect(r.out).toBe('read 0 3 = 3 "hel"\nread 0 100 = 2 "lo"\nread 0 100 = 0 ""\nfstat 0 = 0 mode=010600 size=0\nlseek 0 0 SEEK_SET = -29\nwrite 0 x = -9\n');
  });

  test('one host at a time runs on a filesystem', () => {
    const fs = MemoryFs.fromJson({ w: {} });
    const policy = compilePolicyText('policy "p" abi 1\nallow * under /\n', { file: 'p.policy' });
    const a = new MemoryWaliHost(fsops(), { policy, fs });
    expect(() => new MemoryWaliHost(fsops(), { policy, fs })).toThrow(/in use by another host/);
    expect(() => fs.writeFile('/w/x', 'during')).toThrow(/a guest is running/);
    expect(fs.exists('/w')).toBe(true);
    a.finish();
    new MemoryWaliHost(fsops(), { policy, fs }).finish();
    fs.writeFile('/w/x', 'after');
  });

  test('files a guest unlinked while open are released when it ends; what it made stays', async () => {
    const r = await runMem(['open', 'gone', 'O_RDWR|O_CREAT', 'write', '$', 'bytes', 'unlink', 'gone', 'mkdir', 'kept']);
    expect(r.fs.toJson()).toEqual({ w: { kept: {} } });
    expect(r.fs.inodes.used).toBe(0);
  });

  test('sockets and processes are not implemented: ENOSYS (fsops then skips the child\'s ops)', async () => {
    const r = await runMem(['sockbind', 's', 'sockconnect', 's', 'socksend', 's', 'fork', '1', 'mkdir', 'child', 'mkdir', 'parent', 'ls', '.']);
    expect(r.out).toBe('sockbind s = -38\nsockconnect s = -38\nsocksend s = -38\nfork 1 = -38\nmkdir parent = 0\nls . = 1 "parent"\n');
  });
});
