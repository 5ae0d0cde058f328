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
export type { Call, CallName, Failed, Observed, Outcome } from './state/calls.js';
export type { State, Task, Dentry, Inode, OpenFile, FdTable, FsContext, InodeKind } from './state/types.js';
export { emptyView, liveView, snapshotView, loadSnapshotView, type View, type ViewEntry, type SnapshotJson } from './state/view.js';
export { snapshot, applyWithPatches, freezeState, type ModelSnapshot, type TaskSnapshot, type PatchedStep } from './state/snapshot.js';
export { sandboxMachine, watchLifecycle, type LifecycleEvent, type SandboxActor } from './state/lifecycle.js';
export { Replay, type ReplayOptions, type AppliedCall, type Diagnostic as ReplayDiagnostic } from './strace/replay.js';
export { annotateLines, type Annotated } from './strace/annotate.js';
export { stripAnnotations, scoreAnnotations } from './strace/annotations.js';
export { type CompiledPolicy, compilePolicyText, compilePolicyJson, parsePolicy, printPolicy, toJson, fromJson, renderDiagnostic, renderDiagnostics, fileLoader, type PolicyOptions } from './dsl/index.js';
export type { IrPolicy, IrRule, RightDecision, Span } from './rules/ir.js';
export { RIGHTS_ABI1, bit, rightsNamed, rightsIn, allRights, type Right } from './rules/rights.js';
export { engineFor, type CompiledEngine } from './rules/engine.js';
export { judge, type Engine, type Verdict } from './rules/judge.js';
export { requestFor, type Request, type Check } from './rules/requests.js';
export { explain, renderExplanation, type Explanation } from './rules/explain.js';
export { audit, type AuditReport, type AuditSummary } from './rules/auditor.js';
export { judgeSingle } from './rules/single.js';
export { diffPolicies, type PolicyDiff, type DiffOptions, type DiffLabel, type RightChange } from './rules/diff.js';
export { learn, verifyLearned, type LearnOptions, type LearnResult } from './learn/index.js';
export { wrap, WaliInterposer, type InterposerOptions, type DecisionEvent, type WrappedImports } from './wali/interposer.js';
export { machineNamespace, mountNamespace, treeNamespace, viewNamespace, type Namespace, type GuestMount } from './wali/namespace.js';
export { wrapDispatcher, wrapAsyncDispatcher, syscallName, type SyscallDispatcher, type AsyncSyscallDispatcher, type WrappedDispatcher } from './wali/dispatcher.js';
export { GuestMemory, type GuestWord } from './wali/memory.js';
export { readImportTypes, ModuleFormatError, type ImportType } from './wali/module-types.js';
export { syscallInfo, WALI_SYSCALLS, WALI_AUX_IMPORTS, type SyscallInfo } from './wali/table.js';
export type { Imports, WasmInstance, WasmModule } from './wali/wasm.js';
export { WaliModuleError } from './wali/wasm.js';
export { Enforcer, type EnforcerOptions, type Entry, type Refusal } from './enforce/enforcer.js';
export { HostSetupError, NodeWaliHost, runWali, WaliExit, WaliTrap, type HostOptions, type RunOptions } from './host/index.js';
// Types the exported API refers to.
export type { Condition, Effect, Expect, Fallback, Header, IncludeItem, Item, LetItem, Name, Pattern, PolicyAst, PromiseKind, PropertyItem, PropertyPromise, RuleItem, Target, TestItem, TierItem } from './dsl/ast.js';
export type { Diagnostic as PolicyDiagnostic, Related, Severity } from './dsl/diagnostics.js';
export type { Loader } from './dsl/includes.js';
export type { ParsedPolicy } from './dsl/index.js';
export type { FromJsonResult, JsonOptions, PolicyJson } from './dsl/json.js';
export type { PolicyProperty, PropertyPromiseCase } from './dsl/lower-property.js';
export type { ExpectCase, PolicyTest } from './dsl/lower.js';
export type { MountSpec } from './host/mounts.js';
export type { ImportWrapper } from './host/run.js';
export type { Collected, PathUses, Refer, RightUse, TraceInput, Unlearnable } from './learn/collect.js';
export type { Generalisation, LearnedRule, Proposal } from './learn/generalise.js';
export type { Verification } from './learn/index.js';
export type { Judged } from './rules/auditor.js';
export type { DState, LazyDfa, NfaNode, Outgoing, SegmentNfa } from './rules/automaton.js';
export type { Accept, CompiledPolicy as CompiledAutomaton, RuleMeta, Tag, TierMasks } from './rules/compile.js';
export type { FileType, RequestContext } from './rules/diff-contexts.js';
export type { DecisionSource, ErrnoChange, SettingChange } from './rules/diff.js';
export type { CheckExplanation, RightExplanation } from './rules/explain.js';
export type { ParsedPattern, Segment, Token, Wild } from './rules/glob.js';
export type { RuleWhen } from './rules/ir.js';
export type { Cause, CheckVerdict } from './rules/judge.js';
export type { SingleResult } from './rules/single.js';
export type { Err } from './state/errors.js';
export type { NodeInfo } from './state/kernel.js';
export type { OpenTarget, PlannedOpen } from './state/sys/open.js';
export { ERRNO, type AnonKind, type Errno } from './linux/index.js';
export type { SockAddr } from './syscalls/reader.js';
export type { ResolvedObject } from './state/inspect.js';
export type { LifecycleContext, TaskLife } from './state/lifecycle.js';
export type { ResolveEnv, Veil } from './state/resolve.js';
export type { FdSnapshot } from './state/snapshot.js';
export type { AnonLabel, FdEntry, ProcRole, ThreadGroup } from './state/types.js';
export type { Score } from './strace/annotations.js';
export type { Arg, ArgKind } from './strace/args.js';
export type { MemFault, NameTooLong, WasmMemory } from './wali/memory.js';
export type { ExternKind, GlobalType, MemoryType, TableType, ValType } from './wali/module-types.js';
export type { ArgInfo, ArgRole, AuxImport, RawArg, WasmType } from './wali/table.js';
export type { ImportValue } from './wali/wasm.js';
