/**
 * fdwarden: a Linux-exact model of the fd, dirfd, cwd and path state a process sees, fed by
 * syscalls as events, for deciding filesystem policies on resolved objects.
 *
 * @example
 * ```ts
 * import { Kernel } from 'fdwarden';
 * const k = new Kernel();
 * k.spawn({ tid: 1, cwd: '/srv' });
 * k.syscall(1, { sys: 'openat', dirfd: -100, path: 'a', flags: 0o101, mode: 0o644 }); // O_WRONLY|O_CREAT
 * k.describeFd(1, 0); // { kind: 'path', path: '/srv/a', deleted: false }
 * ```
 * @packageDocumentation
 */
export { Kernel, type FdLabel, type InheritedFd, type KernelOptions, type SpawnOptions } from './state/kernel.js';
export type { Call, CallName, Observed, Outcome } from './state/calls.js';
export type { State, Task, Dentry, Inode, OpenFile, FdTable, FsContext, InodeKind } from './state/types.js';
export { emptyView, liveView, snapshotView, loadSnapshotView, type View, type ViewEntry, type SnapshotJson } from './state/view.js';
export { snapshot, applyWithPatches, freezeState, type ModelSnapshot, type TaskSnapshot, type PatchedStep } from './state/snapshot.js';
export { sandboxMachine, watchLifecycle, type LifecycleEvent, type SandboxActor } from './state/lifecycle.js';
export { Replay, type ReplayOptions, type AppliedCall, type Diagnostic } from './strace/replay.js';
export { annotateLines, type Annotated } from './strace/annotate.js';
export { stripAnnotations, scoreAnnotations } from './strace/annotations.js';
export { compilePolicyText, compilePolicyJson, parsePolicy, printPolicy, toJson, fromJson, renderDiagnostic, renderDiagnostics, fileLoader, type PolicyOptions } from './dsl/index.js';
export type { IrPolicy, IrRule, RightDecision, Span } from './rules/ir.js';
export { RIGHTS_ABI1, bit, rightsNamed, rightsIn, allRights, type Right } from './rules/rights.js';
export { engineFor, type CompiledEngine } from './rules/engine.js';
export { judge, type Engine, type Verdict } from './rules/judge.js';
export { requestFor, type Request, type Check } from './rules/requests.js';
export { explain, renderExplanation, type Explanation } from './rules/explain.js';
export { audit, type AuditReport, type AuditSummary } from './rules/auditor.js';
export { judgeSingle } from './rules/single.js';
