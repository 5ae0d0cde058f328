/**
 * `fdwarden/browser`: what runs in a web page (no Node built-ins, checked by the tests and the
 * playground's build): the in-memory WALI host, a real host of the library whose filesystem is
 * an in-memory tree, and the recording tools (replay, audit, learn) over text rather than files.
 * @packageDocumentation
 */
export * from './memhost/index.js';
export * from './browser/analysis.js';
