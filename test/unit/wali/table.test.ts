/** Argument roles derived from the WALI table, checked against the C signatures in the spec. */
import { describe, expect, test } from 'vitest';
import { WALI_AUX_IMPORTS, WALI_MODULE, WALI_SYSCALLS, isFdOnly, syscallInfo, type ArgInfo } from '../../../src/wali/table.js';

/** `name:role` per argument, `/64` when it arrives as a BigInt, `@base` for paths, `#len` for buffers. */
function sig(name: string): string {
  const s = syscallInfo(name);
  if (!s) throw new Error(`no syscall ${name}`);
  const one = (a: ArgInfo): string =>
    `${a.name}:${a.role}${a.i64 ? '/64' : ''}${a.base !== undefined ? `@${a.base}` : ''}${a.nullable ? '?' : ''}` +
    `${a.lenArg !== undefined ? `#${a.lenArg}` : ''}${a.lenPtrArg !== undefined ? `*${a.lenPtrArg}` : ''}`;
  return s.args.map(one).join(' ');
}

describe('role derivation', () => {
  test.each([
    ['openat', 'dirfd:dirfd pathname:path@0 flags:flags mode:mode'],
    ['open', 'pathname:path@cwd flags:flags mode:mode'],
    ['read', 'fd:fd buf:ptr#2 count:int'],
    ['write', 'fd:fd buf:ptr#2 count:int'],
    ['pread64', 'fd:fd buf:ptr#2 count:int offset:int/64'],
    ['renameat2', 'olddirfd:dirfd oldpath:path@0 newdirfd:dirfd newpath:path@2 flags:flags'],
    ['linkat', 'olddirfd:dirfd oldpath:path@0 newdirfd:dirfd newpath:path@2 flags:flags'],
    ['unlinkat', 'dirfd:dirfd pathname:path@0 flags:flags'],
    ['mkdirat', 'dirfd:dirfd pathname:path@0 mode:mode'],
    ['symlinkat', 'target:path@none newdirfd:dirfd linkpath:path@1'],
    ['symlink', 'target:path@none linkpath:path@cwd'],
    ['readlinkat', 'dirfd:dirfd pathname:path@0 buf:ptr#3 bufsiz:int'],
    ['utimensat', 'dirfd:dirfd pathname:path@0? times:ptr flags:flags'],
    ['faccessat2', 'dirfd:dirfd pathname:path@0 mode:flags flags:flags'],
    ['fchmodat', 'dirfd:dirfd pathname:path@0 mode:mode flags:flags'],
    ['statx', 'dirfd:dirfd pathname:path@0 flags:flags mask:int statxbuf:ptr'],
    ['fchdir', 'fd:fd'],
    ['dup3', 'oldfd:fd newfd:fd flags:flags'],
    ['fcntl', 'fd:fd cmd:int arg:int/64'],
    ['lseek', 'fd:fd offset:int/64 whence:int'],
    ['ftruncate', 'fd:fd length:int/64'],
    ['mmap', 'addr:ptr#1 length:int prot:int flags:flags fd:fd offset:int/64'],
    ['getcwd', 'buf:ptr#1 size:int'],
    ['getdents64', 'fd:fd dirp:ptr#2 count:int'],
    ['ioctl', 'fd:fd request:int argp:ptr'],
    ['connect', 'sockfd:fd addr:ptr#2 addrlen:int'],
    ['accept4', 'sockfd:fd addr:ptr*2 addrlen:ptr flags:flags'],
    ['poll', 'fds:ptr nfds:int/64 timeout:int'],
    ['select', 'nfds:int readfds:ptr writefds:ptr exceptfds:ptr timeout:ptr'],
    ['rt_sigaction', 'signum:int act:ptr oldact:ptr sigsetsize:int'],
    ['rt_sigprocmask', 'how:int set:ptr#3 oldset:ptr#3 sigsetsize:int'],
    ['sched_getaffinity', 'pid:int cpusetsize:int mask:ptr#1'],
    ['umask', 'mask:mode'],
    ['epoll_ctl', 'epfd:fd op:int fd:fd event:ptr'],
    ['pipe2', 'pipefd:ptr flags:flags'],
    ['execve', 'pathname:path@cwd argv:ptr envp:ptr'],
    ['chroot', 'path:path@cwd'],
    ['fork', ''],
  ])('%s', (name, expected) => {
    expect(sig(name)).toBe(expected);
  });

  test('the SYS_ import name finds the same entry; unknown names find nothing', () => {
    expect(WALI_MODULE).toBe('wali');
    expect(syscallInfo('SYS_openat')).toBe(syscallInfo('openat'));
    expect(syscallInfo('openat')?.importName).toBe('SYS_openat');
    expect(syscallInfo('openat')?.nr).toBe(257);
    expect(syscallInfo('SYS_nope')).toBeUndefined();
    expect(syscallInfo('SYS_')).toBeUndefined();
    expect(syscallInfo('newfstatat')?.aliases).toEqual(['fstatat']);
    // Older hosts export the alias as SYS_fstatat: a name of its own (host-exported.test.ts).
    expect(syscallInfo('SYS_fstatat')?.hostOnly).toBe(true);
  });

  test('unimplemented calls are known but have no signature', () => {
    const t = syscallInfo('truncate');
    expect(t?.implemented).toBe(false);
    expect(t?.args).toEqual([]);
    expect(syscallInfo('renameat')?.implemented).toBe(false);
  });
});

describe('invariants over the whole table', () => {
  const implemented = [...WALI_SYSCALLS.values()].filter((s) => s.implemented);
  const WIDE = new Set(['off_t', 'long', 'unsigned long', 'nfds_t', 'long long', 'unsigned long long', 'loff_t']);

  test('an argument is i64 exactly when its C type is 64 bits wide', () => {
    for (const s of implemented) for (const a of s.args) expect(a.i64, `${s.name}(${a.name}: ${a.ctype})`).toBe(WIDE.has(a.ctype));
  });

  test('paths are char*, dirfds precede a path, lengths are integers', () => {
    for (const s of implemented) {
      for (const a of s.args) {
        const at = `${s.name}(${a.name})`;
        if (a.role === 'path') expect(a.ctype, at).toBe('char*');
        if (a.role === 'dirfd') expect(s.args[a.index + 1]?.role, at).toBe('path');
        if (typeof a.base === 'number') expect(s.args[a.base]?.role, at).toBe('dirfd');
        if (a.lenArg !== undefined) expect(s.args[a.lenArg]?.role, at).toBe('int');
        if (a.lenPtrArg !== undefined) expect(s.args[a.lenPtrArg]?.ctype, at).toBe('socklen_t*');
      }
    }
  });

  test('about 140 implemented calls in the spec, numbers unique; hosts export four more', () => {
    expect(implemented.filter((s) => !s.hostOnly).length).toBe(140);
    expect(implemented.filter((s) => s.hostOnly).map((s) => s.name).sort()).toEqual(['alarm', 'fstatat', 'getdents', 'utime']);
    // fstatat is newfstatat under another name (the same number); every other name has its own.
    const spec = [...WALI_SYSCALLS.values()].filter((s) => s.name !== 'fstatat');
    expect(new Set(spec.map((s) => s.nr)).size).toBe(spec.length);
  });
});

describe('isFdOnly', () => {
  test.each(['read', 'write', 'lseek', 'fstat', 'close', 'dup', 'dup3', 'fchdir', 'fcntl', 'getdents64', 'ftruncate', 'ioctl', 'accept4', 'SYS_pread64'])(
    '%s: only an fd',
    (name) => expect(isFdOnly(name)).toBe(true),
  );
  test.each(['openat', 'open', 'unlinkat', 'symlinkat', 'bind', 'connect', 'sendto', 'sendmsg', 'recvmsg', 'socket', 'getpid', 'truncate', 'nope'])(
    '%s: not fd-only',
    (name) => expect(isFdOnly(name)).toBe(false),
  );
});

describe('WALI_AUX_IMPORTS', () => {
  test('lists the non-syscall imports with their wasm types', () => {
    expect([...WALI_AUX_IMPORTS.keys()].sort()).toEqual([
      '__cl_copy_argv', '__cl_get_argc', '__cl_get_argv_len', '__deinit', '__get_init_envfile', '__init',
      '__proc_exit', '__wasm_thread_spawn', 'longjmp', 'setjmp', 'sigsetjmp',
    ]);
    expect(WALI_AUX_IMPORTS.get('__proc_exit')?.result).toBeNull();
    expect(WALI_AUX_IMPORTS.get('__init')).toEqual({ name: '__init', args: [], result: 'i32' });
    expect(WALI_AUX_IMPORTS.get('__get_init_envfile')?.args.map((a) => a.wasm)).toEqual(['i32', 'i32']);
  });

  test('entries are frozen', () => {
    expect(Object.isFrozen(syscallInfo('openat'))).toBe(true);
    expect(Object.isFrozen(syscallInfo('openat')?.args[0])).toBe(true);
    expect(Object.isFrozen(WALI_AUX_IMPORTS.get('__init'))).toBe(true);
  });
});
