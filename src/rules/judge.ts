/**
 * Judging a request: per check, per right, what the policy says; rename/link escalation; unknown
 * objects decided by the policy's `unknown` setting; fd checks against the rights granted at
 * open. The verdict keeps everything an explanation needs.
 */
import type { IrPolicy, RightDecision } from './ir.js';
import type { Errno } from '../linux/index.js';
import type { Check, Request } from './requests.js';
import { bit } from './rights.js';
import { decideAny, type NetDecision } from './network.js';

/** What the judge needs from a compiled policy. */
export interface Engine {
  readonly policy: IrPolicy;
  /** One decision per right bit in `rights`, for a known path; `type` is the model's kind (`reg`, `dir`, `lnk`...). */
  decide(obj: { path: string; rights: number; type?: string | undefined; flags?: number | undefined }): RightDecision[];
  /** Every right the policy allows on a path (what an fd obtains when opened). */
  allowedMask(path: string, type?: string): number;
  /** Optional fast path: the rights unconditional rules allow on a path, -1 when conditions apply there. */
  plainMask?(path: string): number;
  /**
   * Rename/link no-escalation: rights(to + X) ⊆ rights(from + X) for every suffix X (only X = '' when !subtree).
   * `reason` says why a refusal is not a real escalation (the check reached its work bound).
   */
  refer(from: string, to: string, subtree: boolean): { ok: boolean; witness?: string; reason?: string };
}

/**
 * Why a check or request was refused: a rule or the default (`policy`), the kernel itself
 * before any policy check (the path does not resolve: `kernel`), an object the model cannot
 * resolve (`unknown`), a call that reaches beyond the guest (`outside`), or a rename/link that
 * would gain rights (`escalation`).
 */
export type Cause = 'policy' | 'kernel' | 'unknown' | 'outside' | 'escalation';

export interface CheckVerdict {
  check: Check;
  allowed: boolean;
  errno?: Errno;
  /** Set when refused. */
  cause?: Cause;
  decisions: RightDecision[];
  /** Why the object was decided as unknown. */
  unknown?: string;
  /** For a `network` check: the decision and the statement that made it. */
  network?: NetDecision;
}

export interface Verdict {
  request: Request;
  allowed: boolean;
  errno?: Errno;
  /** Set when refused: why (see `Cause`). */
  cause?: Cause;
  checks: CheckVerdict[];
  /** Set when the rename/link escalation check failed; `reason` when it was refused undecided. */
  escalation?: { witness: string; reason?: string };
}

const APPEND = bit('append');
const WRITE = bit('write');

function unknownDecisions(p: IrPolicy, rights: number): RightDecision[] {
  const out: RightDecision[] = [];
  for (let b = 1; b !== 0 && b <= rights; b <<= 1) {
    if (rights & b) out.push({ right: b, effect: p.unknown.effect, errno: p.unknown.errno, matched: [] });
  }
  return out;
}

/** The caller's own /proc entries as the policy names them: /proc/self, /proc/thread-self. */
export function procSelf(path: string, caller: Request['caller']): string {
  if (!caller || !path.startsWith('/proc/')) return path;
  const own = `/proc/${caller.tgid}`;
  const thread = `${own}/task/${caller.tid}`;
  if (path === thread || path.startsWith(thread + '/')) return '/proc/thread-self' + path.slice(thread.length);
  if (path === own || path.startsWith(own + '/')) return '/proc/self' + path.slice(own.length);
  return path;
}

function judgeCheck(e: Engine, c: Check, caller: Request['caller']): CheckVerdict {
  const p = e.policy;
  const o = c.object.path === undefined ? c.object : { ...c.object, path: procSelf(c.object.path, caller) };
  c = o === c.object ? c : { ...c, object: o };
  if (c.role === 'network') {
    const d = decideAny(p, c.network?.classes ?? ['inet']);
    return { check: c, allowed: d.allowed, ...(d.allowed ? {} : { errno: d.errno ?? p.default.errno, cause: 'policy' as const }), decisions: [], network: d };
  }
  if (c.role === 'outside') return { check: c, allowed: false, errno: c.outside?.errno ?? p.default.errno, cause: 'outside', decisions: [] };
  if (o.anonymous) return { check: c, allowed: true, decisions: [] }; // pipes, sockets: no filesystem right
  if (o.path === undefined && o.unknown !== undefined) {
    const decisions = unknownDecisions(p, c.rights);
    const allowed = p.unknown.effect === 'allow';
    return { check: c, allowed, ...(allowed ? {} : { errno: p.unknown.errno, cause: 'unknown' as const }), decisions, unknown: o.unknown };
  }
  if (c.role === 'fd') {
    if (c.granted === undefined) {
      const allowed = p.unknown.effect === 'allow';
      return { check: c, allowed, ...(allowed ? {} : { errno: p.unknown.errno, cause: 'unknown' as const }), decisions: unknownDecisions(p, c.rights), unknown: `fd ${c.fd} was not opened under this policy` };
    }
    let missing = c.rights & ~c.granted;
    if (missing & APPEND && c.granted & WRITE) missing &= ~APPEND;
    const decisions: RightDecision[] = [];
    for (let b = 1; b !== 0 && b <= c.rights; b <<= 1) {
      if (c.rights & b) decisions.push({ right: b, effect: missing & b ? 'deny' : 'allow', matched: [], ...(missing & b ? { errno: p.default.errno } : {}) });
    }
    return { check: c, allowed: missing === 0, ...(missing ? { errno: p.default.errno, cause: 'policy' as const } : {}), decisions };
  }
  if (o.path === undefined) {
    // The kernel refuses before any policy check (ENOENT on a missing parent, ENOTDIR ...):
    // fail closed, nothing was resolved to grant anything on.
    return { check: c, allowed: false, errno: o.errno ?? 'ENOENT', cause: 'kernel', decisions: [] };
  }
  let decisions = e.decide({ path: o.path, rights: c.rights, type: o.type, flags: c.flags });
  if (c.appendOrWrite) {
    const app = decisions.find((d) => d.right === APPEND);
    if (app && app.effect === 'deny') {
      const w = e.decide({ path: o.path, rights: WRITE, type: o.type, flags: c.flags })[0];
      if (w && w.effect === 'allow') decisions = decisions.map((d) => (d.right === APPEND ? { ...w, right: APPEND } : d));
    }
  }
  const denied = decisions.find((d) => d.effect === 'deny');
  return { check: c, allowed: !denied, ...(denied ? { errno: denied.errno ?? p.default.errno, cause: 'policy' as const } : {}), decisions };
}

/** The verdict on a request: allowed only when every check allows every right it needs. */
export function judge(e: Engine, req: Request): Verdict {
  const checks = req.checks.map((c) => judgeCheck(e, c, req.caller));
  // The kernel's own refusal comes first: it happens before any policy hook runs.
  const denied = checks.find((c) => c.cause === 'kernel') ?? checks.find((c) => !c.allowed);
  if (denied) return { request: req, allowed: false, errno: denied.errno ?? e.policy.default.errno, cause: denied.cause ?? 'policy', checks };
  const r = req.refer;
  // Across mounts the kernel refuses with EXDEV by itself: nothing can escalate there.
  if (r && r.from.path !== undefined && r.to.path !== undefined && r.from.mount === r.to.mount) {
    const inc = e.refer(r.from.path, r.to.path, r.subtree);
    if (!inc.ok) {
      const escalation = { witness: inc.witness ?? '', ...(inc.reason !== undefined ? { reason: inc.reason } : {}) };
      return { request: req, allowed: false, errno: 'EXDEV', cause: 'escalation', checks, escalation };
    }
  }
  return { request: req, allowed: true, checks };
}

/**
 * The fast path for an allowed request: when the request is one check on a named object, nothing
 * can escalate, and the path's rules are unconditional, the rights the object grants (what an fd
 * opened there obtains), provided they cover the request; otherwise -1 and the full judge decides.
 * A -1 says nothing about the outcome; it only means this shortcut does not apply.
 */
export function quickGrant(e: Engine, req: Request): number {
  if (e.plainMask === undefined || req.refer !== undefined || req.checks.length !== 1) return -1;
  const c = req.checks[0]!;
  const o = c.object;
  if (c.role === 'fd' || o.path === undefined || o.anonymous) return -1;
  const mask = e.plainMask(procSelf(o.path, req.caller));
  if (mask < 0) return -1;
  let needed = c.rights;
  if (c.appendOrWrite && mask & WRITE) needed &= ~APPEND;
  return (needed & ~mask) === 0 ? mask : -1;
}
