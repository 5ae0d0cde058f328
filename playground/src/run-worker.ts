/**
 * The run pane's Web Worker: a WALI program run by the in-memory host under the editor's policy,
 * so a guest that spins never freezes the page. Output and decisions are posted as they happen
 * (each as `fdwarden run --audit` logs it, denials with their explanation); at the end, the exit
 * status and the filesystem as the program left it.
 */
import { compilePolicyText, explain, renderExplanation } from 'fdwarden';
import { decisionLine, MemoryFs, runInMemory, sourceLineOf, type MemoryTree } from 'fdwarden/browser';
import type { RunRequest, Tree, WorkerMessage } from './run-protocol.js';

/** Decisions posted one by one at most (the page lists each). */
const MAX_POSTED = 5000;
/** Bytes of output (stdout and stderr together) posted at most; the rest are counted. */
const MAX_OUTPUT = 1 << 20;
/** Bytes all files of the tree may hold (ENOSPC beyond): the tree a run leaves must fit in a link. */
const MAX_TREE_BYTES = 1 << 20;

const post = (m: WorkerMessage): void => (self as unknown as Worker).postMessage(m);
const utf8 = new TextDecoder();

self.onmessage = async (ev: MessageEvent<RunRequest>) => {
  const r = ev.data;
  try {
    const files = new Map(r.files);
    const compiled = compilePolicyText(r.policy, { file: r.file, vars: r.vars, load: (f) => files.get(f) });
    if (!compiled.ok) return post({ type: 'done', status: -1, error: 'the policy has errors', tree: r.tree });
    const fs = MemoryFs.fromJson(r.tree as MemoryTree, { maxBytes: MAX_TREE_BYTES });
    const [name = 'program', ...args] = r.args;
    let posted = 0;
    let output = 0;
    const out = (type: 'stdout' | 'stderr', b: Uint8Array): void => {
      const room = Math.max(0, MAX_OUTPUT - output);
      output += b.length;
      if (room > 0) post({ type, text: utf8.decode(b.subarray(0, room)) });
    };
    const result = await runInMemory(r.wasm, {
      policy: compiled, fs, name, args, cwd: r.cwd,
      onStdout: (b) => out('stdout', b),
      onStderr: (b) => out('stderr', b),
      onDecision: (d) => {
        // A long run posts its first decisions; the rest are counted at the end.
        if (++posted > MAX_POSTED) return;
        const denied = !d.allowed && d.reason !== 'kernel';
        const explanation = !d.allowed && d.verdict ? renderExplanation(explain(compiled.policy, d.verdict), (s) => sourceLineOf(compiled, s)) : undefined;
        post({ type: 'decision', text: decisionLine(d, compiled.policy), denied, ...(explanation !== undefined ? { explanation } : {}) });
      },
    });
    const unposted = Math.max(0, posted - MAX_POSTED);
    const unshown = Math.max(0, output - MAX_OUTPUT);
    post({ type: 'done', status: result.status, tree: fs.toJson() as Tree, decisions: result.decisions, unposted, unshown, ...(result.message !== undefined ? { error: `${result.ending}: ${result.message}` } : {}) });
  } catch (e) {
    post({ type: 'done', status: -1, error: e instanceof Error ? e.message : String(e), tree: r.tree });
  }
};
