/**
 * The policy's `property` blocks, checked as `fdwarden test` checks them (same seed, same report
 * lines: a broken promise comes with its witness and a shrunk program as strace lines), in a
 * worker (check-worker.ts).
 */
import type { CheckMessage, CheckRequest } from './check-worker.js';

export function runProperties(req: CheckRequest, out: (line: string) => void): Promise<{ held: number; broken: number; summary: string }> {
  const worker = new Worker(new URL('check-worker.js', document.baseURI), { type: 'module' });
  return new Promise((resolve, reject) => {
    worker.onmessage = (ev: MessageEvent<CheckMessage>) => {
      const m = ev.data;
      if (m.type === 'line') return out(m.text);
      worker.terminate();
      if (m.type === 'done') resolve(m);
      else reject(new Error(m.message));
    };
    worker.onerror = (e) => {
      worker.terminate();
      reject(new Error(e.message));
    };
    worker.postMessage(req);
  });
}
