/**
 * Property-testing the example policies the way a user would: state each promise, let the kit
 * prove it on every path and throw random syscall programs at it. Imports the package's own
 * `fdwarden/testing` entry point (the built one: `npm test` builds first).
 */
import { describe, expect, test } from 'vitest';
import { assertAlways, assertNever, assertOnly, checkNever, PromiseViolation } from 'fdwarden/testing';

const HOME = { vars: { HOME: '/home/u' } };
const BUILD = { vars: { SRC: '/src/app', OUT: '/src/out' } };

describe('hide-ssh.policy', () => {
  const policy = 'examples/policies/hide-ssh.policy';

  test('the keys are never read, and nothing under ~/.ssh changes', () => {
    assertNever(policy, { right: 'read,list,stat', path: '$HOME/.ssh/{id_*,authorized_keys}' }, HOME);
    assertNever(policy, { right: 'write,create,delete,rename,link,symlink,mkdir,chmod', path: 'under $HOME/.ssh' }, HOME);
  });

  test('ssh can still verify hosts', () => {
    assertAlways(policy, { right: 'read,stat', path: '$HOME/.ssh/known_hosts' }, HOME);
  });

  test('files are deleted only in home and temp dirs', () => {
    assertOnly(policy, { right: 'delete', path: 'under {$HOME,/tmp/*}' }, HOME);
  });
});

describe('build.policy', () => {
  const policy = 'examples/policies/build.policy';

  test('VCS metadata is never written', () => {
    assertNever(policy, { right: 'write,create,delete,rename,truncate', path: 'under $SRC/.git' }, BUILD);
  });

  test('the build deletes only in its outputs and temp dirs', () => {
    assertOnly(policy, { right: 'delete,rmdir', path: 'under {$OUT,/tmp/*,/var/tmp/*}' }, BUILD);
  });
});

describe('workdir.policy', () => {
  test('the system is read-only', () => {
    assertNever('examples/policies/workdir.policy', { right: 'write,create,delete,mkdir', path: '/{usr,etc,lib,bin}/**' }, { vars: { WORK: '/srv/job' } });
  });
});

describe('a broken policy is caught', () => {
  // Meant to let tools read per-project key directories; `*` matches `.ssh` as well.
  const broken = `policy "home" abi 1
default deny errno EACCES
allow * under /home/u
deny * under /home/u/.ssh errno ENOENT
tier 1 {
  allow read under /home/u/*/keys
}
`;

  test('with a witness path, a shrunk program and the rule that allowed it', () => {
    expect(() => assertNever(broken, { right: 'read', path: 'under /home/u/.ssh' }, { seed: 1 })).toThrow(PromiseViolation);
    const r = checkNever(broken, { right: 'read', path: 'under /home/u/.ssh' }, { seed: 1 });
    expect(r.message).toContain('read is allowed on /home/u/.ssh/keys');
    expect(r.message).toContain('.ssh/keys", O_RDONLY) = 3   <-- breaks the promise');
    expect(r.message).toContain('allow read under /home/u/*/keys');
  });
});
