/**
 * The guest side of `fdwarden run`: the policy engine and the Node WALI host (which decides every
 * call with it) for one program, run to its end. It runs in the worker thread of run-supervisor.ts and reports
 * how the run ended as plain data (an Ending), never by throwing.
 */
import { writeSync } from 'node:fs';
import { ENV_GUEST_DIR, runWali, type NodeWaliHost } from '../host/index.js';
import { watchLifecycle } from '../state/lifecycle.js';
import type { MountSpec } from '../host/mounts.js';
import { engineFor } from '../rules/engine.js';
import type { IrPolicy } from '../rules/ir.js';
import { bit } from '../rules/rights.js';
import type { DecisionEvent } from '../enforce/decisions.js';
import { decisionText } from '../enforce/decision-text.js';
import type { Ending } from './run-endings.js';
import { endingOf } from './run-failures.js';

/** Everything the guest side needs, as data a worker can receive (structured clone). */
export interface GuestJob {
  /** The program's name as given (for messages) and its bytes. */
  program: string;
  bytes: Uint8Array;
  args: string[];
  env: Record<string, string>;
  dirs: MountSpec[];
  cwd?: string;
  policy: IrPolicy;
  sources: Map<string, string>;
  /** Every decision logged (`--audit`), none (`--quiet`), or denials only. */
  log: 'all' | 'none' | 'denials';
  maxMemoryPages?: number;
}

/**
 * Writes to stderr at once, in order with the guest's own output (which the host writes to the
 * same descriptors synchronously); a worker's `process.stderr` would pass through the main thread.
 */
export function writeStderr(text: string): void {
  const bytes = Buffer.from(text);
  let done = 0;
  for (let tries = 0; done < bytes.length && tries < 1000; tries++) {
    try {
      done += writeSync(2, bytes, done);
    } catch (e) {
      // A non-blocking stderr that is full: wait a little. Anything else: the log is lost, not the run.
      if ((e as { code?: unknown }).code !== 'EAGAIN') return;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}

/**
 * The guest's libc reads its environment from the file the host hands it (`__get_init_envfile`),
 * a host mechanism the user's policy cannot know about: reading that one file is allowed above
 * every tier of the policy.
 */
function withEnvFile(policy: IrPolicy, hasEnv: boolean): IrPolicy {
  if (!hasEnv) return policy;
  const top = Math.max(0, ...policy.rules.map((r) => r.tier)) + 1;
  const id = Math.max(-1, ...policy.rules.map((r) => r.id)) + 1;
  const span = { file: '(fdwarden run: the guest environment file)', line: 1, col: 1, endLine: 1, endCol: 1 };
  const rule = { id, effect: 'allow' as const, tier: top, rights: bit('read') | bit('stat'), patterns: [`${ENV_GUEST_DIR}/env`], except: [], span };
  return { ...policy, rules: [...policy.rules, rule] };
}

/** Runs the job's program under its policy; how it ended (the program's status, or a failure). */
export async function runGuest(job: GuestJob): Promise<Ending> {
  try {
    const policy = withEnvFile(job.policy, Object.keys(job.env).length > 0);
    const engine = engineFor(policy);
    const log = { policy, sources: job.sources, audit: job.log === 'all' };
    const onDecision = (e: DecisionEvent): void => {
      const text = decisionText(e, log);
      if (text !== undefined) writeStderr(text);
    };
    const status = await runWali(job.bytes, {
      args: [job.program, ...job.args],
      env: job.env,
      dirs: job.dirs,
      ...(job.cwd !== undefined ? { cwd: job.cwd } : {}),
      ...(job.maxMemoryPages !== undefined ? { maxMemoryPages: job.maxMemoryPages } : {}),
      // The host decides every call with the policy itself: what it runs is what was judged.
      policy: engine,
      ...(job.log === 'none' ? {} : { onDecision, decisions: job.log === 'all' ? 'all' as const : 'denials' as const }),
      // --audit: each change of the sandbox's state (degraded, limited, stopped) with its reason.
      ...(job.log === 'all' ? { onStart: (h: NodeWaliHost) => { watchLifecycle(h, (state, why) => writeStderr(`fdwarden: sandbox ${state}${why ? `: ${why}` : ''}\n`)); } } : {}),
    });
    return { status };
  } catch (e) {
    return endingOf(e, job.program);
  }
}
