/**
 * Argument lists of strace lines as a tree of spans.
 *
 * `parseArgs(argsText, argsAt)` splits on commas at depth 0 (outside strings,
 * comments and brackets). Every `Arg` knows its span, a `key` for
 * `key=value` members, its `kind`, and — computed only when read — its
 * numeric `value`, decoded string bytes `str`, struct/array `items`, the value
 * after a ` => ` change marker (`changed`) and a trailing `/* comment *\/`.
 *
 * `parseArgPieces` parses the two halves of an interrupted call as one list;
 * each span then also says which physical line (`part` 0 or 1) it lies on.
 */
import { decodeQuoted, skipQuoted } from './escapes.js';

export type ArgKind = 'int' | 'string' | 'struct' | 'array' | 'other';

/** Argument text taken from one physical line. */
export interface ArgsPiece {
  readonly text: string;
  /** Offset of `text` in its line. */
  readonly at: number;
}

/** Source text plus the mapping of its positions back to one or two lines. */
interface Frame {
  readonly src: string;
  readonly baseA: number;
  /** Positions below `split` are on the first line. */
  readonly split: number;
  readonly baseB: number;
}

function isSpace(c: number): boolean { return c === 32 || c === 9; }
function isIdStart(c: number): boolean { return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95; }
function isIdChar(c: number): boolean { return isIdStart(c) || (c >= 48 && c <= 57); }

/**
 * Walk `src[from, to)` outside strings, comments and brackets: `onComma` sees
 * each top-level comma, `onArrow` each top-level ` => ` (stop when it returns true).
 */
function scanTop(src: string, from: number, to: number, onComma: ((i: number) => void) | undefined,
  onArrow: ((i: number) => boolean) | undefined): void {
  let depth = 0;
  let i = from;
  while (i < to) {
    const c = src.charCodeAt(i);
    switch (c) {
      case 34: i = skipQuoted(src, i); continue;
      case 47:
        if (src.charCodeAt(i + 1) === 42) {
          const e = src.indexOf('*/', i + 2);
          i = e < 0 || e + 2 > to ? to : e + 2;
          continue;
        }
        break;
      case 40: case 91: case 123: depth++; break;
      case 41: case 93: case 125: if (depth > 0) depth--; break;
      case 44: if (depth === 0 && onComma) onComma(i); break;
      case 61:
        if (depth === 0 && onArrow && src.charCodeAt(i + 1) === 62 && src.charCodeAt(i - 1) === 32 &&
          src.charCodeAt(i + 2) === 32 && onArrow(i - 1)) return;
        break;
    }
    i++;
  }
}

/** Trimmed `[start, end)` spans of the comma-separated members of `src[from, to)`. */
function splitTop(src: string, from: number, to: number): [number, number][] {
  const cuts: number[] = [];
  scanTop(src, from, to, (i) => { cuts.push(i); }, undefined);
  const spans: [number, number][] = [];
  let s = from;
  for (let k = 0; k <= cuts.length; k++) {
    const e = k < cuts.length ? (cuts[k] ?? to) : to;
    let a = s, b = e;
    while (a < b && isSpace(src.charCodeAt(a))) a++;
    while (b > a && isSpace(src.charCodeAt(b - 1))) b--;
    spans.push([a, b]);
    s = e + 1;
  }
  // A list that ends with ", " (the entry half of a split call) has no last member.
  const last = spans[spans.length - 1];
  if (last && last[0] === last[1]) spans.pop();
  return spans;
}

function parseNumber(text: string): number | bigint | undefined {
  // Fast path: a plain decimal of up to 15 digits (fds, sizes, counts) needs no BigInt.
  const n = text.length;
  const s = text.charCodeAt(0) === 45 ? 1 : 0;
  const first = text.charCodeAt(s);
  if (n > s && n - s <= 15 && first >= 48 && first <= 57 && (first !== 48 || n - s === 1)) {
    let v = 0;
    for (let i = s; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) return undefined;
      v = v * 10 + (c - 48);
    }
    return s ? -v : v;
  }
  let neg = false;
  let t = text;
  if (t.charCodeAt(0) === 45) { neg = true; t = t.slice(1); }
  let big: bigint;
  if (/^0[xX][0-9a-fA-F]+$/.test(t)) big = BigInt(t);
  else if (/^0[0-7]+$/.test(t)) big = BigInt('0o' + t.slice(1));
  else if (/^[0-9]+$/.test(t)) big = BigInt(t);
  else return undefined;
  if (neg) big = -big;
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

const INT_RE = /^-?(?:0[xX][0-9a-fA-F]+|[0-9]+)$/;

/** One argument, struct member or array element. */
export class Arg {
  readonly kind: ArgKind;
  /** `key` of a `key=value` member. */
  readonly key: string | undefined;
  private readonly f: Frame;
  private readonly s: number;
  private readonly e: number;
  /** Value start (after `key=`), core end (before ` => ` and a trailing comment), change start. */
  private readonly vs: number;
  private readonly ce: number;
  private readonly cs: number;
  private readonly cmt: number;
  private cache: { items?: readonly Arg[]; str?: Uint8Array } | undefined;

  /** @internal */
  constructor(f: Frame, s: number, e: number) {
    this.f = f; this.s = s; this.e = e;
    const src = f.src;
    let vs = s;
    let key: string | undefined;
    if (isIdStart(src.charCodeAt(s))) {
      let k = s + 1;
      while (k < e && isIdChar(src.charCodeAt(k))) k++;
      if (k < e && src.charCodeAt(k) === 61 && src.charCodeAt(k + 1) !== 61 && src.charCodeAt(k + 1) !== 62) {
        key = src.slice(s, k);
        vs = k + 1;
      }
    }
    this.key = key;
    this.vs = vs;
    let ce = e;
    let cs = -1;
    const arrow = src.indexOf(' => ', vs);
    if (arrow >= 0 && arrow < e) scanTop(src, vs, e, undefined, (i) => { ce = i; cs = i + 4; return true; });
    let cmt = -1;
    if (ce - vs >= 4 && src.charCodeAt(ce - 1) === 47 && src.charCodeAt(ce - 2) === 42) {
      const open = src.lastIndexOf('/*', ce - 2);
      if (open > vs) { cmt = open; ce = open; }
    }
    while (ce > vs && isSpace(src.charCodeAt(ce - 1))) ce--;
    this.ce = ce;
    this.cs = cs;
    this.cmt = cmt;
    const c = src.charCodeAt(vs);
    if (c === 34) this.kind = 'string';
    else if (c === 123) this.kind = 'struct';
    else if (c === 91 || (c === 126 && src.charCodeAt(vs + 1) === 91)) this.kind = 'array';
    else if ((c === 45 || (c >= 48 && c <= 57)) && INT_RE.test(src.slice(vs, ce))) this.kind = 'int';
    else this.kind = 'other';
  }

  private map(p: number, isEnd: boolean): number {
    const f = this.f;
    return (isEnd ? p <= f.split : p < f.split) ? f.baseA + p : f.baseB + (p - f.split);
  }

  /** The whole member, `key=value => changed /* comment *\/` included. */
  get text(): string { return this.f.src.slice(this.s, this.e); }
  /** Offset of the first character in its line. */
  get at(): number { return this.map(this.s, false); }
  /** Offset just past the last character in its line (where an fd annotation would go for a value). */
  get end(): number { return this.map(this.e, true); }
  /** Line of `at`: 0 for a single line or the entry half, 1 for the resumed half. */
  get part(): 0 | 1 { return this.s < this.f.split ? 0 : 1; }
  get endPart(): 0 | 1 { return this.e <= this.f.split ? 0 : 1; }
  /** The value alone: no key, change or comment. */
  get valueText(): string { return (this.vt ??= this.f.src.slice(this.vs, this.ce)); }
  private vt: string | undefined;
  private num: number | bigint | undefined | null = null;
  get valueAt(): number { return this.map(this.vs, false); }
  /** Offset just past the value (before ` => ` or a comment). */
  get valueEnd(): number { return this.map(this.ce, true); }
  get valueEndPart(): 0 | 1 { return this.ce <= this.f.split ? 0 : 1; }

  /** Integer value: decimal, `0x` hex, or strace's `0`-prefixed octal modes. */
  get value(): number | bigint | undefined {
    if (this.num === null) this.num = this.kind === 'int' ? parseNumber(this.valueText) : undefined;
    return this.num;
  }

  /** Decoded bytes of a string argument. */
  get str(): Uint8Array | undefined {
    if (this.kind !== 'string') return undefined;
    this.cache ??= {};
    return (this.cache.str ??= decodeQuoted(this.valueText));
  }

  /** A string cut by `-s` (`"..."...`). */
  get truncated(): boolean {
    if (this.kind !== 'string') return false;
    const src = this.f.src;
    const close = skipQuoted(src, this.vs);
    return src.startsWith('...', close) && close + 3 <= this.ce;
  }

  /** `~[...]`: a signal set printed as its complement. */
  get negated(): boolean { return this.kind === 'array' && this.f.src.charCodeAt(this.vs) === 126; }

  /** Members of a struct or elements of an array (a trailing `...` is an `other` member). */
  get items(): readonly Arg[] | undefined {
    if (this.kind !== 'struct' && this.kind !== 'array') return undefined;
    this.cache ??= {};
    if (this.cache.items) return this.cache.items;
    const src = this.f.src;
    const open = this.vs + (src.charCodeAt(this.vs) === 126 ? 2 : 1);
    const closeCh = this.kind === 'struct' ? 125 : 93;
    const end = src.charCodeAt(this.ce - 1) === closeCh && this.ce - 1 >= open ? this.ce - 1 : this.ce;
    const items = splitTop(src, open, end).map(([a, b]) => new Arg(this.f, a, b));
    this.cache.items = items;
    return items;
  }

  /** The value printed after ` => ` (strace's "changed by the call" marker). */
  get changed(): Arg | undefined {
    if (this.cs < 0) return undefined;
    let a = this.cs;
    let b = this.e;
    if (this.cmt > this.cs) b = this.cmt;
    while (a < b && isSpace(this.f.src.charCodeAt(a))) a++;
    while (b > a && isSpace(this.f.src.charCodeAt(b - 1))) b--;
    return new Arg(this.f, a, b);
  }

  /** Text of a trailing `/* ... *\/` comment, without the delimiters. */
  get comment(): string | undefined {
    if (this.cmt < 0) return undefined;
    const src = this.f.src;
    const close = src.indexOf('*/', this.cmt + 2);
    return src.slice(this.cmt + 2, close < 0 ? this.e : close).trim();
  }

  /** Space-separated words of the value, as strace prints bit sets (`[0 4]`, `[HUP INT]`). */
  words(): Arg[] {
    const src = this.f.src;
    const out: Arg[] = [];
    let i = this.vs;
    while (i < this.ce) {
      while (i < this.ce && isSpace(src.charCodeAt(i))) i++;
      const a = i;
      while (i < this.ce && !isSpace(src.charCodeAt(i))) i++;
      if (i > a) out.push(new Arg(this.f, a, i));
    }
    return out;
  }

  /** The struct member with this key. */
  field(key: string): Arg | undefined {
    const items = this.items;
    if (!items) return undefined;
    for (const it of items) if (it.key === key) return it;
    return undefined;
  }
}

/** Parse the text between a call's parentheses; `argsAt` shifts spans to line offsets. */
export function parseArgs(argsText: string, argsAt = 0): Arg[] {
  const f: Frame = { src: argsText, baseA: argsAt, split: Number.POSITIVE_INFINITY, baseB: 0 };
  return splitTop(argsText, 0, argsText.length).map(([a, b]) => new Arg(f, a, b));
}

/** Parse the entry and exit halves of an interrupted call as one argument list. */
export function parseArgPieces(first: ArgsPiece, second?: ArgsPiece): Arg[] {
  if (!second) return parseArgs(first.text, first.at);
  const src = first.text + second.text;
  const f: Frame = { src, baseA: first.at, split: first.text.length, baseB: second.at };
  return splitTop(src, 0, src.length).map(([a, b]) => new Arg(f, a, b));
}

export type { FlagTable } from '../linux/index.js';
import type { FlagTable } from '../linux/index.js';

export interface FlagsValue {
  /** OR of every known name and number (exact up to 2^53). */
  readonly value: number;
  /** Tokens that were neither a known name nor a number. */
  readonly unknown: readonly string[];
}

const TWO32 = 0x100000000;

/** Evaluate `O_RDONLY|O_CLOEXEC|0x100000` with one or more name tables. */
export function parseFlags(text: string, tables: FlagTable | readonly FlagTable[]): FlagsValue {
  const list: readonly FlagTable[] = Array.isArray(tables) ? tables : [tables as FlagTable];
  let hi = 0, lo = 0;
  const unknown: string[] = [];
  for (const raw of text.split('|')) {
    const tok = raw.trim();
    if (tok === '') continue;
    let v: number | undefined;
    for (const t of list) {
      if (Object.hasOwn(t, tok)) { v = t[tok]; break; }
    }
    if (v === undefined) {
      const n = parseNumber(tok);
      if (typeof n === 'number') v = n;
      else if (typeof n === 'bigint') v = Number(n);
    }
    if (v === undefined || !Number.isFinite(v)) { unknown.push(tok); continue; }
    if (v < 0) v = v >>> 0; // a negative number in a flag set is a 32-bit mask
    lo = (lo | (v % TWO32)) >>> 0;
    hi = (hi | Math.floor(v / TWO32)) >>> 0;
  }
  return { value: hi * TWO32 + lo, unknown };
}
