import { describe, expect, it } from 'vitest';
import { Kernel } from '../../../src/state/kernel.js';
import { compilePolicyText } from '../../../src/dsl/index.js';
import { engineFor } from '../../../src/rules/engine.js';
import { judge } from '../../../src/rules/judge.js';
import { requestFor } from '../../../src/rules/requests.js';

describe('/proc/self in policies', () => {
  it("grants a process its own /proc entries, not another process's", () => {
    const c = compilePolicyText('policy "p" abi 1\ndefault deny errno EACCES\nallow read,list,stat under /proc/self\n', { file: 'p.policy' });
    expect(c.ok).toBe(true);
    const engine = engineFor(c.policy);
    const k = new Kernel();
    k.spawn({ tid: 10, cwd: '/' });
    k.syscall(10, { sys: 'clone', flags: 17 }); // pid 11
    const open = (tid: number, path: string) =>
      judge(engine, requestFor(k, k.task(tid)!, { sys: 'openat', dirfd: -100, path, flags: 0, mode: 0 })!);
    expect(open(10, '/proc/self/status').allowed).toBe(true);
    expect(open(10, '/proc/10/status').allowed).toBe(true);
    expect(open(10, '/proc/11/status')).toMatchObject({ allowed: false, errno: 'EACCES' });
    expect(open(11, '/proc/self/fd').allowed).toBe(true);
    expect(open(11, '/proc/10/fd').allowed).toBe(false);
  });
});
