/**
 * The in-memory WALI host: a WALI program runs under a policy on a {@link MemoryFs}, an
 * in-memory filesystem whose tree is the model's (the object the policy judged is the object
 * the host touches). No Node built-in is used: it runs in a web page or a worker.
 * @packageDocumentation
 */
export { MemoryFs, type MemoryEntry, type MemoryFsOptions, type MemoryTree, type MemoryLeaf } from './fs.js';
export { MemoryWaliHost, MEMORY_ENV_FILE, type MemoryRunOptions } from './host.js';
export { runInMemory, type MemoryEnding, type MemoryRunResult } from './run.js';
