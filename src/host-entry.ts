/**
 * `fdwarden/host`: the Node host for WALI binaries (`wasm32-unknown-linux-muslwali`), whose
 * kernel state is the model and which decides every call with its policy: `runWali` compiles,
 * instantiates and runs a binary; `NodeWaliHost` gives the import object (for interposers to
 * wrap). `fdwarden run` is this host behind the CLI.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { compilePolicyText } from 'fdwarden';
 * import { runWali } from 'fdwarden/host';
 * const c = compilePolicyText('policy "p" abi 1\ndefault deny errno EACCES\nallow * under /work\n');
 * if (!c.ok) throw new Error('bad policy');
 * const status = await runWali(readFileSync('prog.wasm'), { args: ['prog'], dirs: [{ host: process.cwd(), guest: '/work' }], cwd: '/work', policy: c.policy });
 * ```
 * @module host
 */
export { NodeWaliHost, runWali, HostSetupError, WaliExit, WaliTrap, type HostOptions, type RunOptions, type MountSpec, type ImportWrapper } from './host/index.js';
export { fileLoader } from './dsl/load-fs.js';
