import { describe, expect, it } from 'vitest';
import { Kernel } from '../../../src/state/kernel.js';
import { decodeCall } from '../../../src/strace/decode.js';
import { parseArgs } from '../../../src/strace/args.js';
import { F_GETFD, F_GETFL, FIOCLEX, FIONBIO, FIONCLEX, O_NONBLOCK, O_RDONLY } from '../../../src/linux/index.js';

describe('fd ioctls and the fd limit', () => {
  it('FIONBIO sets and clears O_NONBLOCK by its value; FIOCLEX/FIONCLEX toggle close-on-exec', () => {
    const k = new Kernel();
    k.spawn({ tid: 1, cwd: '/w' });
    k.syscall(1, { sys: 'pipe2', flags: 0 });
    const getfl = () => k.syscall(1, { sys: 'fcntl', fd: 0, cmd: F_GETFL, arg: 0 });
    k.syscall(1, { sys: 'ioctl', fd: 0, request: FIONBIO, value: 1 });
    expect(getfl()).toEqual({ ok: true, ret: O_RDONLY | O_NONBLOCK });
    k.syscall(1, { sys: 'ioctl', fd: 0, request: FIONBIO, value: 0 });
    expect(getfl()).toEqual({ ok: true, ret: O_RDONLY });
    k.syscall(1, { sys: 'ioctl', fd: 1, request: FIOCLEX });
    expect(k.syscall(1, { sys: 'fcntl', fd: 1, cmd: F_GETFD, arg: 0 })).toEqual({ ok: true, ret: 1 });
    k.syscall(1, { sys: 'ioctl', fd: 1, request: FIONCLEX });
    expect(k.syscall(1, { sys: 'fcntl', fd: 1, cmd: F_GETFD, arg: 0 })).toEqual({ ok: true, ret: 0 });
  });

  it('a lowered RLIMIT_NOFILE makes the next allocation fail with EMFILE', () => {
    const k = new Kernel();
    k.spawn({ tid: 1, cwd: '/w' });
    const call = decodeCall('prlimit64', parseArgs('0, RLIMIT_NOFILE, {rlim_cur=2, rlim_max=4096}, NULL'));
    expect(call).toEqual({ sys: 'nofile', soft: 2 });
    k.syscall(1, call!);
    expect(k.syscall(1, { sys: 'pipe2', flags: 0 })).toMatchObject({ ok: true, fds: [0, 1] });
    expect(k.syscall(1, { sys: 'dup', fd: 0 })).toEqual({ ok: false, errno: 'EMFILE' });
    expect(decodeCall('prlimit64', parseArgs('0, RLIMIT_STACK, NULL, {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}'))).toBeNull();
  });
});
