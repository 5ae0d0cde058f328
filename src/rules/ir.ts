/**
 * The policy IR: what the language (src/dsl) lowers a policy to, and what the matcher
 * (src/rules) compiles. Variables, includes and `{a,b}` are already expanded; every pattern is
 * an absolute, normalised glob over path segments.
 */
import type { Errno } from '../linux/index.js';
import type { NetScope } from './network.js';

/** Where something came from in policy text (1-based line and column, end exclusive). */
export interface Span {
  file: string;
  line: number;
  col: number;
  endLine: number;
  endCol: number;
}

const FILE_TYPE_OF_KIND: Readonly<Record<string, string | undefined>> = {
  reg: 'file', dir: 'dir', lnk: 'symlink', fifo: 'fifo', sock: 'socket', chr: 'device', blk: 'device', unknown: undefined,
};

/**
 * The policy's name (`when type file`) for an object kind as the model names it (`reg`, `lnk`,
 * `sock`, `chr`...). Policy names pass through; an unknown kind has no type, so no `when type`
 * rule matches it.
 */
export function fileTypeOf(kind: string | undefined): string | undefined {
  if (kind === undefined) return undefined;
  return Object.hasOwn(FILE_TYPE_OF_KIND, kind) ? FILE_TYPE_OF_KIND[kind] : kind;
}

/** Conditions a rule may carry; a rule matches a request only when all hold. */
export interface RuleWhen {
  /** Every one of these open flags (x86-64 values) is set in the request's flags. */
  flagsHas?: number[];
  /** None of these open flags is set. */
  flagsLacks?: number[];
  /** The object's type. */
  type?: 'file' | 'dir' | 'symlink' | 'fifo' | 'socket' | 'device';
}

export interface IrRule {
  /** Stable id: its index in `IrPolicy.rules`. */
  id: number;
  effect: 'allow' | 'deny';
  /** Higher tiers override lower ones wherever they match; the default tier is 0. */
  tier: number;
  /** Rights mask (see rights.ts, for the policy's abi). */
  rights: number;
  /**
   * Globs, absolute and normalised: segments separated by `/`; `*` `?` `[..]` `[!..]` within a
   * segment (matching dotfiles, never `/`); `**` only as a whole segment (zero or more segments).
   * `under /a` lowers to two patterns: `/a` and `/a/**`.
   */
  patterns: string[];
  /** A matching `except` pattern makes this rule not match (carve-outs on a deny or an allow). */
  except: string[];
  when?: RuleWhen;
  /** For a deny: the errno a denial reports (default: the policy's default errno). */
  errno?: Errno;
  because?: string;
  span: Span;
}

/** A `network` statement: which classes of address (src/rules/network.ts) it allows or denies. */
export interface IrNetwork {
  effect: 'allow' | 'deny';
  scopes: NetScope[];
  /** For a deny: the errno (default: the policy's default errno). */
  errno?: Errno;
  because?: string;
  span: Span;
}

export interface IrPolicy {
  name?: string;
  abi: number;
  default: { effect: 'allow' | 'deny'; errno: Errno; span?: Span };
  /** What to decide when the model cannot resolve an object (unknown dirfd or cwd). */
  unknown: { effect: 'allow' | 'deny'; errno: Errno };
  rules: IrRule[];
  /** `network` statements in document order; none means no socket reaches beyond the filesystem. */
  network?: IrNetwork[];
}

/** One object a request names, as the model resolved it. */
export interface RequestObject {
  /** Absolute normalised path; undefined when the model does not know it. */
  path: string | undefined;
  rights: number;
  type?: RuleWhen['type'];
  flags?: number;
}

/** The decision for one (path, rights) check. */
export interface RightDecision {
  right: number;
  effect: 'allow' | 'deny';
  errno?: Errno;
  /** The rule that decided, or undefined when the default did. */
  rule?: number;
  /** Every rule whose pattern matched, for explanations. */
  matched: number[];
}
