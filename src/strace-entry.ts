/**
 * `fdwarden/strace`: recordings made with `strace -f -yy`, read line by line into the model.
 * `Replay` follows a recording; `audit` judges every call in it under a policy; `annotateLines`
 * writes the model's fd and path annotations back; `learn` proposes a policy from recordings and
 * `verifyLearned` checks one. The views of this machine's disk and of snapshot files, and the
 * include loader that reads policy files, are here too (they use Node's fs).
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { compilePolicyText, engineFor } from 'fdwarden';
 * import { audit, emptyView } from 'fdwarden/strace';
 * const report = audit(readFileSync('run.strace', 'latin1').split('\n'), engineFor(policy), { view: emptyView, cwd: '/work' });
 * ```
 * @module strace
 */
export { Replay, type ReplayOptions, type AppliedCall, type Diagnostic as ReplayDiagnostic } from './strace/replay.js';
export { audit, type AuditReport, type AuditSummary, type Judged } from './rules/auditor.js';
export { annotateLines, type Annotated } from './strace/annotate.js';
export { stripAnnotations, scoreAnnotations, type Score } from './strace/annotations.js';
export { learn, verifyLearned, type LearnOptions, type LearnResult, type Verification } from './learn/index.js';
export { emptyView, snapshotView, type View, type SnapshotJson } from './state/view.js';
export { liveView, loadSnapshotView } from './state/live-view.js';
export { fileLoader } from './dsl/load-fs.js';
