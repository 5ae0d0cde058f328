/**
 * A Node host for WALI binaries whose kernel state is the model: `runWali` runs a binary,
 * `NodeWaliHost` gives the import object for interposers to wrap.
 */
export { NodeWaliHost, ENV_GUEST_DIR, WaliExit, WaliTrap, type HostOptions } from './host.js';
export { runWali, type RunOptions, type ImportWrapper } from './run.js';
export { HostMounts, type HostMount, type MountSpec } from './mounts.js';
export { HostSetupError } from './errno.js';
