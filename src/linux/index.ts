/**
 * The Linux ABI as fdwarden speaks it: constants, errno names and numbers, symbolic flag tables
 * and the kinds of anonymous objects. A leaf: it imports nothing of the project.
 */
export * from './constants.js';
export * from './errno.js';
export * from './flag-tables.js';
export * from './anon.js';
export * from './bytes.js';
