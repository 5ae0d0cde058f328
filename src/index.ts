/**
 * `fdwarden`: the core, which runs anywhere JavaScript does (no Node built-ins): the policy
 * language (compile, check, print, JSON), decisions on calls (an engine, explanations, one call
 * judged from its text, policy diffs, the enforcement loop), the Linux-exact model of what a
 * process sees, and Linux's constants. The rest of the package is in subpath entries, each
 * loading only what it needs:
 *
 * - `fdwarden/wali`: the WALI interposer for any JS WALI host (wrap, dispatchers, namespaces);
 * - `fdwarden/host`: the Node WALI host (`runWali`, `NodeWaliHost`);
 * - `fdwarden/strace`: reading `strace -f -yy` recordings (replay, audit, annotate, learn);
 * - `fdwarden/testing`: property-testing a policy's promises.
 *
 * @example
 * ```ts
 * import { compilePolicyText, engineFor, judgeSingle, renderDiagnostics } from 'fdwarden';
 * const c = compilePolicyText('policy "p" abi 1\ndefault deny errno EACCES\nallow read under /data\n');
 * if (!c.ok) throw new Error(renderDiagnostics(c.diagnostics, c.sources));
 * judgeSingle(engineFor(c.policy), 'openat', 'AT_FDCWD, "/data/a", O_RDONLY'); // { ok: true, verdict: { allowed: true, ... } }
 * ```
 * @packageDocumentation
 */
// Policies: text or JSON in, a checked policy out.
export {
  compilePolicyText, compilePolicyJson, parsePolicy, printPolicy, toJson, fromJson, renderDiagnostic, renderDiagnostics,
  type CompiledPolicy, type ParsedPolicy, type PolicyOptions,
} from './dsl/index.js';
export type { Diagnostic as PolicyDiagnostic, Related, Severity } from './dsl/diagnostics.js';
export type { Loader } from './dsl/includes.js';
export type { PolicyAst } from './dsl/ast.js';
export type { FromJsonResult, JsonOptions, PolicyJson } from './dsl/json.js';
export type { ExpectCase, PolicyTest } from './dsl/lower.js';
export type { PolicyProperty } from './dsl/lower-property.js';
export type { IrPolicy, Span } from './rules/ir.js';
export { RIGHTS_ABI1, type Right } from './rules/rights.js';
// Decisions.
export { engineFor, type CompiledEngine } from './rules/engine.js';
export type { Engine, Verdict } from './rules/judge.js';
export { explain, renderExplanation, type Explanation } from './rules/explain.js';
export { judgeSingle, type SingleResult } from './rules/single.js';
export { diffPolicies, type PolicyDiff, type DiffOptions } from './rules/diff.js';
export { Enforcer, type EnforcerOptions, type Entry, type Refusal } from './enforce/enforcer.js';
// The model.
export { Kernel, type FdLabel, type InheritedFd, type KernelOptions, type SpawnOptions } from './state/kernel.js';
export type { Call, CallName, Observed } from './state/calls.js';
export { emptyView, snapshotView, type View, type ViewEntry, type SnapshotJson } from './state/view.js';
export { snapshot, type ModelSnapshot } from './state/snapshot.js';
export { watchLifecycle, type LifecycleEvent, type SandboxActor, type SandboxState } from './state/lifecycle.js';
// Linux.
export { ERRNO, type Errno } from './linux/index.js';
export {
  AT_FDCWD, AT_SYMLINK_NOFOLLOW, AT_REMOVEDIR, AT_SYMLINK_FOLLOW, AT_EMPTY_PATH, AT_EACCESS,
  O_ACCMODE, O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_NOCTTY, O_TRUNC, O_APPEND, O_NONBLOCK, O_DSYNC,
  O_DIRECT, O_LARGEFILE, O_DIRECTORY, O_NOFOLLOW, O_NOATIME, O_CLOEXEC, O_SYNC, O_PATH, O_TMPFILE,
  RESOLVE_NO_XDEV, RESOLVE_NO_MAGICLINKS, RESOLVE_NO_SYMLINKS, RESOLVE_BENEATH, RESOLVE_IN_ROOT, RESOLVE_CACHED,
  RENAME_NOREPLACE, RENAME_EXCHANGE, RENAME_WHITEOUT,
} from './linux/constants.js';
