/**
 * The property blocks' Web Worker: proofs and sampled programs (fast-check) run off the page's
 * thread, and their code loads only when the test button is pressed. Each report line is posted
 * as the property is checked, as `fdwarden test` prints them.
 */
import { compilePolicyText } from 'fdwarden';
import { checkPropertyBlocks, DEFAULT_SEED, propertySummary } from 'fdwarden/browser';

export interface CheckRequest {
  policy: string;
  file: string;
  vars: Record<string, string[]>;
  files: [string, string][];
}

export type CheckMessage = { type: 'line'; text: string } | { type: 'done'; held: number; broken: number; summary: string } | { type: 'error'; message: string };

const post = (m: CheckMessage): void => (self as unknown as Worker).postMessage(m);

self.onmessage = (ev: MessageEvent<CheckRequest>) => {
  const r = ev.data;
  try {
    const files = new Map(r.files);
    const load = (f: string) => files.get(f);
    const c = compilePolicyText(r.policy, { file: r.file, vars: r.vars, load });
    if (!c.ok) return post({ type: 'error', message: 'the policy has errors' });
    const t = checkPropertyBlocks(c, r.vars, DEFAULT_SEED, (text) => post({ type: 'line', text }), load);
    post({ type: 'done', ...t, summary: propertySummary(t) });
  } catch (e) {
    post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  }
};
