/** Policies for the testing kit's tests: the shipped hide-ssh example and deliberately broken ones. */
import { readFileSync } from 'node:fs';
import { compilePolicyText } from '../../../src/dsl/index.js';
import { fileLoader } from '../../../src/dsl/load-fs.js';

export const HIDE_SSH = 'examples/policies/hide-ssh.policy';
export const VARS = { HOME: '/home/u' };

/** hide-ssh compiled as the CLI does with `--var HOME=/home/u`. */
export function hideSsh() {
  const c = compilePolicyText(readFileSync(HIDE_SSH, 'utf8'), { file: HIDE_SSH, vars: VARS, load: fileLoader() });
  if (!c.ok) throw new Error('hide-ssh does not compile');
  return c;
}

/** A tier-1 allow meant for project key directories: `*` matches `.ssh` too (dotfiles are not special). */
export const PUNCHED = `policy "punched" abi 1
default deny errno EACCES
allow * under /home/u
deny * under /home/u/.ssh errno ENOENT
tier 1 {
  allow read under /home/u/*/keys
}
`;

/** Denies only `read` under ~/.ssh: a file opened elsewhere can be renamed in and read through its fd. */
export const READ_ONLY_DENY = `policy "read-only-deny" abi 1
default deny errno EACCES
allow * under /home/u
deny read under /home/u/.ssh errno ENOENT
`;

/** A tier-1 allow on a symlink's own path: reads through it are decided at the resolved path. */
export const LINK_ALLOW = `policy "link-allow" abi 1
default deny errno EACCES
allow * under /home/u
deny * under /home/u/.ssh errno ENOENT
tier 1 {
  allow read under /home/u/link-to-ssh
}
`;

/** `unknown allow`: whatever an inherited dirfd names is allowed. */
export const UNKNOWN_ALLOW = `policy "unknown-allow" abi 1
default deny errno EACCES
unknown allow
allow * under /home/u
deny * under /home/u/.ssh errno ENOENT
`;

/** Conditional rules: create only with O_EXCL, and write only on files. */
export const CONDITIONAL = `policy "conditional" abi 1
default deny errno EACCES
allow create /srv/spool/* when flags has O_EXCL
allow read,stat under /srv
`;
