/**
 * The recording tools of `fdwarden/browser`: what `fdwarden audit`, `explain`, `test`, `diff` and
 * `learn` compute, over text held in memory instead of files. Each is the CLI's own code (the
 * CLI reads files and prints; these modules decide and format), so a page shows what the
 * command prints for the same recording, policy and variables.
 */
export { Auditor, audit, type AuditReport, type AuditSummary, type DenialGroup, type Judged } from '../rules/auditor.js';
export { displayExplanation, displayPaths } from '../rules/display.js';
export { runExpects, sourceLineOf, type ExpectRun } from '../rules/policy-tests.js';
export { differs, jsonOf as diffJson, renderDiff, shellLine } from '../rules/diff-report.js';
export { probeCall } from '../rules/diff-probe.js';
export { learn, verifyLearned, describeGeneralisation, type LearnOptions, type LearnResult, type TraceInput, type Verification } from '../learn/index.js';
export { Replay, type ReplayOptions } from '../strace/replay.js';
export { snapshotView, type SnapshotJson } from '../state/view.js';
export { resolveInclude, varsFromArgs } from '../dsl/index.js';
export { unusedVar } from '../dsl/vars-used.js';
export { byteString, latin1String } from '../linux/bytes.js';

/**
 * A log's lines as the CLI reads a file. The text is the model's byte string (one char per byte):
 * decode fetched bytes with `latin1String`, typed text with `byteString`.
 */
export { logLines } from '../strace/line.js';

// `property` blocks, as `fdwarden test` checks them (the testing kit's node-free part).
export { checkPropertyBlocks, DEFAULT_SEED, propertySummary, type PropertyTally } from '../testing/property-blocks.js';

// The decision log of a run, as `fdwarden run --audit` prints it.
export { decisionLine, decisionText, type DecisionLog } from '../enforce/decision-text.js';
