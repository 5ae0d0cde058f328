/**
 * The run pane's Web Worker: a WALI program run by the in-memory host under the editor's policy,
 * so a guest that spins never freezes the page. Output and decisions are posted as they happen;
 * at the end, the exit status and the filesystem as it was left.
 */
import { compilePolicyText } from 'fdwarden';
import * as browser from 'fdwarden/browser';
import type { RunRequest, WorkerMessage } from './run-protocol.js';

/** The in-memory host's API, as `fdwarden/browser` gives it. */
interface MemoryFsLike {
  toJson(): unknown;
}
interface MemHost {
  MemoryFs: { fromJson(tree: unknown): MemoryFsLike };
  runInMemory(bytes: Uint8Array, opts: {
    policy: unknown; fs: MemoryFsLike; args: string[]; cwd: string;
    onStdout?: (s: string | Uint8Array) => void; onStderr?: (s: string | Uint8Array) => void; onDecision?: (d: unknown) => void;
  }): Promise<{ status: number; stdout?: unknown; stderr?: unknown; denials?: unknown }>;
}

const post = (m: WorkerMessage): void => (self as unknown as Worker).postMessage(m);
const text = (s: string | Uint8Array): string => (typeof s === 'string' ? s : new TextDecoder().decode(s));

/** One decision as a line: what the host reports, reduced to call, verdict and errno. */
function decisionLine(d: unknown): { text: string; denied: boolean } {
  const o = (d ?? {}) as Record<string, unknown>;
  const verdict = (o['verdict'] ?? o) as Record<string, unknown>;
  const allowed = verdict['allowed'] !== false;
  const call = typeof o['text'] === 'string' ? o['text'] : typeof o['call'] === 'string' ? o['call'] : String(o['syscall'] ?? (verdict['request'] as Record<string, unknown> | undefined)?.['syscall'] ?? '?');
  const errno = typeof verdict['errno'] === 'string' ? ` ${verdict['errno']}` : '';
  return { text: `${allowed ? 'allowed' : `denied${errno}`}  ${call}`, denied: !allowed };
}

self.onmessage = async (ev: MessageEvent<RunRequest>) => {
  const r = ev.data;
  const host = browser as unknown as Partial<MemHost>;
  if (typeof host.runInMemory !== 'function' || typeof host.MemoryFs?.fromJson !== 'function') {
    post({ type: 'done', status: -1, error: 'this build of fdwarden/browser has no in-memory host', tree: r.tree });
    return;
  }
  try {
    const files = new Map(r.files);
    const compiled = compilePolicyText(r.policy, { file: r.file, vars: r.vars, load: (f) => files.get(f) });
    if (!compiled.ok) {
      post({ type: 'done', status: -1, error: 'the policy has errors', tree: r.tree });
      return;
    }
    const fs = host.MemoryFs.fromJson(r.tree);
    const result = await host.runInMemory(r.wasm, {
      policy: compiled.policy, fs, args: r.args, cwd: r.cwd,
      onStdout: (s) => post({ type: 'stdout', text: text(s) }),
      onStderr: (s) => post({ type: 'stderr', text: text(s) }),
      onDecision: (d) => post({ type: 'decision', ...decisionLine(d) }),
    });
    post({ type: 'done', status: result.status, tree: fs.toJson() as RunRequest['tree'] });
  } catch (e) {
    post({ type: 'done', status: -1, error: e instanceof Error ? e.message : String(e), tree: r.tree });
  }
};
