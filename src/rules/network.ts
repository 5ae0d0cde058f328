/**
 * Network access: what a socket address reaches beyond the filesystem, and which `network`
 * statement of a policy decides it. An address falls in one class (a loopback address, any other
 * IPv4/IPv6 address, an abstract Unix socket name); a statement covers classes by its scopes.
 * Any matching `deny` decides first, then any matching `allow`; nothing else grants network, not
 * even `default allow` (fail closed: the policy's default errno).
 */
import type { Errno } from '../linux/index.js';
import type { IrNetwork, IrPolicy } from './ir.js';

/** The class of an address a call reaches. */
export type NetClass = 'loopback' | 'inet' | 'abstract';
/** What a `network` statement names: `inet` covers every IPv4/IPv6 address, loopback included. */
export type NetScope = 'loopback' | 'inet' | 'abstract';
export const NET_SCOPES: readonly NetScope[] = ['loopback', 'inet', 'abstract'];

export function scopeCovers(scope: NetScope, cls: NetClass): boolean {
  return scope === cls || (scope === 'inet' && cls === 'loopback');
}

export interface NetDecision {
  allowed: boolean;
  errno?: Errno;
  /** The index in `policy.network` of the statement that decided; undefined: none did. */
  statement?: number;
}

/** The decision on one class of address. */
export function decideNetwork(p: IrPolicy, cls: NetClass): NetDecision {
  const list: readonly IrNetwork[] = p.network ?? [];
  const covers = (n: IrNetwork): boolean => n.scopes.some((s) => scopeCovers(s, cls));
  const deny = list.findIndex((n) => n.effect === 'deny' && covers(n));
  if (deny >= 0) return { allowed: false, errno: list[deny]!.errno ?? p.default.errno, statement: deny };
  const allow = list.findIndex((n) => n.effect === 'allow' && covers(n));
  if (allow >= 0) return { allowed: true, statement: allow };
  return { allowed: false, errno: p.default.errno };
}

/**
 * The decision on any of `classes` (a new inet socket can reach loopback or beyond: it is allowed
 * when either is). The first class's refusal is the one reported.
 */
export function decideAny(p: IrPolicy, classes: readonly NetClass[]): NetDecision {
  let first: NetDecision | undefined;
  for (const c of classes) {
    const d = decideNetwork(p, c);
    if (d.allowed) return d;
    first ??= d;
  }
  return first ?? { allowed: false, errno: p.default.errno };
}

/** IPv4 bytes (network order) in 127.0.0.0/8. */
export function isLoopback4(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 127;
}

/** IPv6 bytes: ::1, or an IPv4-mapped loopback (::ffff:127.x.y.z). */
export function isLoopback6(b: Uint8Array): boolean {
  if (b.length < 16) return false;
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  if (b[10] === 0 && b[11] === 0) {
    for (let i = 12; i < 15; i++) if (b[i] !== 0) return false;
    return b[15] === 1;
  }
  return b[10] === 0xff && b[11] === 0xff && b[12] === 127;
}

/** `127.0.0.1:80`, `[::1]:80`: an address for explanations. */
export function inetLabel(family: 'v4' | 'v6', addr: Uint8Array, port: number): string {
  if (family === 'v4') return `${[...addr.subarray(0, 4)].join('.')}:${port}`;
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push((((addr[i] ?? 0) << 8) | (addr[i + 1] ?? 0)).toString(16));
  return `[${words.join(':').replace(/(^|:)0(:0)+(:|$)/, '::')}]:${port}`;
}

export type { Errno };
