/**
 * The policy AST: what one file says, before variables, includes and braces are expanded.
 * It is plain data (the JSON form is the same shape), and every span is optional so a
 * machine-written AST need not invent positions.
 */
import type { Span } from '../rules/ir.js';

export type { Span };

export type Effect = 'allow' | 'deny';

/** A name the user wrote (right, flag, errno, type), kept with its span for diagnostics. */
export interface Name {
  name: string;
  span?: Span;
}

/** A pattern as written: `$VAR`, `{a,b}` and globs still unexpanded. */
export interface Pattern {
  text: string;
  span?: Span;
}

/** `PATTERN` or `under PATTERN` (the directory and everything below it). */
export interface Target {
  under: boolean;
  pattern: Pattern;
  span?: Span;
}

export type Condition =
  | { kind: 'flags'; op: 'has' | 'lacks'; flags: Name[]; span?: Span }
  | { kind: 'type'; type: Name; span?: Span };

export interface Header {
  name: string;
  abi: number;
  span?: Span;
}

/** `default ...` and `unknown ...`: an effect and, for deny, an optional errno. */
export interface Fallback {
  effect: Effect;
  errno?: Name;
  span?: Span;
}

export interface RuleItem {
  kind: 'rule';
  effect: Effect;
  rights: Name[];
  targets: Target[];
  except: Target[];
  when: Condition[];
  errno?: Name;
  because?: string;
  span?: Span;
}

export interface LetItem {
  kind: 'let';
  /** Without the `$`. */
  name: string;
  /** `let $X = "/a"` (false) or `let $X = ["/a", ...]` (true). */
  list: boolean;
  values: Pattern[];
  span?: Span;
}

export interface IncludeItem {
  kind: 'include';
  path: string;
  span?: Span;
}

export interface TierItem {
  kind: 'tier';
  tier: number;
  rules: RuleItem[];
  span?: Span;
}

export interface Expect {
  decision: Effect;
  errno?: Name;
  /** The call as written, `name(args)`, in strace syntax. */
  call: string;
  span?: Span;
}

export interface TestItem {
  kind: 'test';
  name: string;
  expects: Expect[];
  span?: Span;
}

/** What a promise says about its rights on its target (as the testing kit defines them). */
export type PromiseKind = 'never' | 'always' | 'only';

/** One line of a `property` block: `never read,stat under $HOME/.ssh`. */
export interface PropertyPromise {
  kind: PromiseKind;
  rights: Name[];
  /** Exactly one target: `only` is about the complement of its area, which does not split. */
  target: Target;
  span?: Span;
}

export interface PropertyItem {
  kind: 'property';
  name: string;
  promises: PropertyPromise[];
  span?: Span;
}

/** `network allow loopback,abstract`: which addresses sockets may reach beyond the filesystem. */
export interface NetworkItem {
  kind: 'network';
  effect: Effect;
  /** `loopback`, `inet`, `abstract` or `*`. */
  scopes: Name[];
  errno?: Name;
  because?: string;
  span?: Span;
}

export type Item = RuleItem | LetItem | IncludeItem | TierItem | TestItem | PropertyItem | NetworkItem;

/** One file. A root policy has a header; an included file may leave it out. */
export interface PolicyAst {
  header?: Header;
  default?: Fallback;
  unknown?: Fallback;
  items: Item[];
}

/** A deep copy without any `span` field: the form ASTs are compared in. */
export function stripSpans<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => stripSpans(v)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (k !== 'span') out[k] = stripSpans(v);
    return out as T;
  }
  return value;
}
