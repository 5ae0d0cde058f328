/**
 * `fdwarden/wali`: what an embedder needs to put a policy in front of a JS WALI host, and
 * nothing else, so that it loads fast: the interposer (`wrap`, dispatchers), the guest's
 * namespace, policy loading, the enforcer, the state model and its views, errnos. The strace
 * reader, the CLI, the Node WALI host, learning, diffing and the testing kit stay out (they are
 * in `fdwarden` and `fdwarden/testing`); `npm run bench` measures both entries' import times.
 *
 * @example
 * ```ts
 * import { wrap, compilePolicyText, renderDiagnostics, machineNamespace } from 'fdwarden/wali';
 * const c = compilePolicyText('policy "data" abi 1\ndefault deny errno EACCES\nallow * under /data\n');
 * if (!c.ok) throw new Error(renderDiagnostics(c.diagnostics, c.sources));
 * const imports = wrap(host.getImportObject(module), { policy: c.policy, namespace: machineNamespace({ cwd: '/data' }) });
 * const instance = await WebAssembly.instantiate(module, imports);
 * imports.attach(instance);
 * ```
 * @module wali
 */
export { wrap, WaliInterposer, type InterposerOptions, type DecisionEvent, type WrappedImports } from './wali/interposer.js';
export { machineNamespace, mountNamespace, treeNamespace, viewNamespace, type Namespace, type GuestMount } from './wali/namespace.js';
export { wrapDispatcher, wrapAsyncDispatcher, syscallName, type SyscallDispatcher, type AsyncSyscallDispatcher, type WrappedDispatcher } from './wali/dispatcher.js';
export { GuestMemory, type GuestWord, type WasmMemory } from './wali/memory.js';
export { syscallInfo, WALI_SYSCALLS, WALI_AUX_IMPORTS, type SyscallInfo } from './wali/table.js';
export { WaliModuleError, type Imports, type WasmInstance, type WasmModule } from './wali/wasm.js';
export { type CompiledPolicy, compilePolicyText, compilePolicyJson, renderDiagnostic, renderDiagnostics, type PolicyOptions, type ParsedPolicy } from './dsl/index.js';
export { fileLoader } from './dsl/load-fs.js';
export type { Diagnostic as PolicyDiagnostic } from './dsl/diagnostics.js';
export type { Loader } from './dsl/includes.js';
export type { IrPolicy } from './rules/ir.js';
export { engineFor, type CompiledEngine } from './rules/engine.js';
export type { Engine, Verdict } from './rules/judge.js';
export { Enforcer, type EnforcerOptions, type Entry, type Refusal } from './enforce/enforcer.js';
export { Kernel, type InheritedFd, type KernelOptions, type SpawnOptions } from './state/kernel.js';
export { emptyView, snapshotView, type View, type ViewEntry, type SnapshotJson } from './state/view.js';
export { liveView } from './state/live-view.js';
export { ERRNO, type Errno } from './linux/index.js';
