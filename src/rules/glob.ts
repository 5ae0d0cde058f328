/**
 * IR glob patterns (spec/policy-language.md §7), parsed per path segment. A segment is a
 * literal, `**` (any number of whole segments) or a wildcard segment (`*`, `?`, `[..]`,
 * `[!..]`/`[^..]`) compiled into a matcher that simulates a position NFA: time linear in the
 * segment length, no backtracking and never a RegExp. There is no backslash escape (`[*]` is a
 * literal star). Matching is byte-exact and case-sensitive; `*` and `?` match dotfiles.
 */

/** One position of a wildcard segment. Classes hold inclusive code ranges as flat pairs. */
export type Token =
  | { readonly t: 'char'; readonly c: number }
  | { readonly t: 'any' }
  | { readonly t: 'class'; readonly neg: boolean; readonly ranges: readonly number[] }
  | { readonly t: 'star' };

/** A compiled wildcard segment. */
export interface Wild {
  readonly source: string;
  readonly tokens: readonly Token[];
  match(segment: string): boolean;
}

export type Segment =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'wild'; readonly wild: Wild }
  | { readonly kind: 'globstar' };

export interface ParsedPattern {
  readonly source: string;
  readonly segments: readonly Segment[];
  /** Characters before the first `*`, `?` or `[`: the specificity used to break errno ties. */
  readonly prefixLength: number;
}

export class GlobError extends Error {
  constructor(readonly pattern: string, why: string) {
    super(`bad pattern ${JSON.stringify(pattern)}: ${why}`);
    this.name = 'GlobError';
  }
}

/** Path segments of an absolute normalised path (`/` has none). */
export function splitPath(path: string): string[] {
  return path === '/' ? [] : path.slice(1).split('/');
}

/** Parses an absolute, normalised IR pattern. */
export function parsePattern(pattern: string): ParsedPattern {
  if (!pattern.startsWith('/')) throw new GlobError(pattern, 'not absolute');
  if (pattern.includes('\0')) throw new GlobError(pattern, 'contains NUL');
  const segments: Segment[] = [];
  for (const text of splitPath(pattern)) {
    if (text === '' || text === '.' || text === '..') throw new GlobError(pattern, 'not normalised');
    segments.push(parseSegment(pattern, text));
  }
  let prefixLength = 0;
  while (prefixLength < pattern.length && !'*?['.includes(pattern[prefixLength]!)) prefixLength++;
  return { source: pattern, segments, prefixLength };
}

function parseSegment(pattern: string, text: string): Segment {
  if (text === '**') return { kind: 'globstar' };
  const tokens = tokenize(pattern, text);
  if (tokens.every((t) => t.t === 'char')) {
    return { kind: 'literal', text: charsOf(tokens)! };
  }
  return { kind: 'wild', wild: wildFromTokens(text, tokens) };
}

/** Compiles one wildcard segment (no `/`). */
export function compileWild(text: string): Wild {
  return wildFromTokens(text, tokenize(text, text));
}

function tokenize(pattern: string, text: string): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '*') {
      if (out[out.length - 1]?.t !== 'star') out.push({ t: 'star' }); // `**` inside a segment is `*`
    } else if (ch === '?') out.push({ t: 'any' });
    else if (ch === '[') i = parseClass(pattern, text, i, out);
    else out.push({ t: 'char', c: text.charCodeAt(i) });
  }
  return out;
}

/** Parses `[..]` starting at `open`; returns the index of its `]`. A `]` first is a member. */
function parseClass(pattern: string, text: string, open: number, out: Token[]): number {
  let i = open + 1;
  const neg = text[i] === '!' || text[i] === '^';
  if (neg) i++;
  const ranges: number[] = [];
  for (let first = true; ; first = false) {
    if (i >= text.length) throw new GlobError(pattern, 'unclosed [');
    if (text[i] === ']' && !first) break;
    const lo = text.charCodeAt(i);
    if (text[i + 1] === '-' && i + 2 < text.length && text[i + 2] !== ']') {
      const hi = text.charCodeAt(i + 2);
      if (hi < lo) throw new GlobError(pattern, `reversed range in ${text}`);
      ranges.push(lo, hi);
      i += 3;
    } else {
      ranges.push(lo, lo);
      i++;
    }
  }
  // `[*]` is how a literal metacharacter is written: keep it a plain character.
  if (!neg && ranges.length === 2 && ranges[0] === ranges[1]) out.push({ t: 'char', c: ranges[0]! });
  else out.push({ t: 'class', neg, ranges });
  return i;
}

/** Whether a single-character token accepts code `c`. */
export function tokenAccepts(t: Token, c: number): boolean {
  switch (t.t) {
    case 'char':
      return t.c === c;
    case 'any':
      return true;
    case 'star':
      return true;
    case 'class': {
      let hit = false;
      for (let k = 0; k < t.ranges.length && !hit; k += 2) hit = c >= t.ranges[k]! && c <= t.ranges[k + 1]!;
      return hit !== t.neg;
    }
  }
}

function charsOf(tokens: readonly Token[]): string | undefined {
  let out = '';
  for (const t of tokens) {
    if (t.t !== 'char') return undefined;
    out += String.fromCharCode(t.c); // no spread: a segment may be longer than the call stack allows
  }
  return out;
}

/** Picks a fast path for the common shapes (`*`, `pre*`, `*suf`, `pre*suf`), else the NFA. */
function wildFromTokens(source: string, tokens: readonly Token[]): Wild {
  const stars = tokens.filter((t) => t.t === 'star').length;
  if (stars === 1) {
    const at = tokens.findIndex((t) => t.t === 'star');
    const pre = charsOf(tokens.slice(0, at));
    const suf = charsOf(tokens.slice(at + 1));
    if (pre !== undefined && suf !== undefined) {
      const min = pre.length + suf.length;
      return { source, tokens, match: (s) => s.length >= min && s.startsWith(pre) && s.endsWith(suf) };
    }
  }
  return { source, tokens, match: nfaMatcher(tokens) };
}

/**
 * Simulates the position NFA: position i = the first i tokens are matched. A star keeps its
 * position and lets the next one start, so every character costs O(tokens) and nothing backtracks.
 */
function nfaMatcher(tokens: readonly Token[]): (s: string) => boolean {
  const m = tokens.length;
  let cur = new Uint8Array(m + 1);
  let nxt = new Uint8Array(m + 1);
  const skipStars = (set: Uint8Array): void => {
    for (let i = 0; i < m; i++) if (set[i] && tokens[i]!.t === 'star') set[i + 1] = 1;
  };
  return (s) => {
    cur.fill(0);
    cur[0] = 1;
    skipStars(cur);
    for (let j = 0; j < s.length; j++) {
      const c = s.charCodeAt(j);
      nxt.fill(0);
      let alive = false;
      for (let i = 0; i < m; i++) {
        if (!cur[i]) continue;
        const t = tokens[i]!;
        if (t.t === 'star') nxt[i] = 1;
        else if (tokenAccepts(t, c)) nxt[i + 1] = 1;
        else continue;
        alive = true;
      }
      if (!alive) return false;
      skipStars(nxt);
      [cur, nxt] = [nxt, cur];
    }
    return cur[m] === 1;
  };
}

/** The position-NFA as sets (sorted position lists), for building products over segments. */
export function positionsStart(tokens: readonly Token[]): number[] {
  return closeStars(tokens, [0]);
}

export function positionsStep(tokens: readonly Token[], set: readonly number[], c: number): number[] {
  const out = new Set<number>();
  for (const i of set) {
    const t = tokens[i];
    if (t === undefined) continue;
    if (t.t === 'star') out.add(i);
    else if (tokenAccepts(t, c)) out.add(i + 1);
  }
  return closeStars(tokens, [...out].sort((a, b) => a - b));
}

function closeStars(tokens: readonly Token[], set: number[]): number[] {
  const out = new Set(set);
  for (const i of set) for (let k = i; tokens[k]?.t === 'star'; k++) out.add(k + 1);
  return [...out].sort((a, b) => a - b);
}
