/**
 * One segment NFA for all patterns of a policy, determinised lazily.
 *
 * The NFA is a trie over pattern segments (shared prefixes share nodes): literal children in a
 * hashed map, wildcard children in a per-node list, and `**` as a child node with a self-loop on
 * any segment, entered by an epsilon edge. A trailing `**` means "one or more segments"
 * (`/a/**` is strictly below `/a`), so it is entered by an any-segment edge instead.
 *
 * A DFA state is the epsilon-closed set of NFA nodes, interned by that set; its transitions are
 * computed on first use and cached per (state, segment string) in one flat table. States, the
 * NFA nodes they hold in all, and cached transitions are bounded: when one is full, everything is
 * dropped and rebuilt on demand (states already handed out stay valid, just no longer shared).
 *
 * A step costs at most the NFA's size plus its wildcards' tokens times the segment's length;
 * `work` counts what was spent (nodes, edges and tags touched), so that checks exploring the
 * automaton (inclusion, diff, the shadowing lint) can bound their own cost.
 */
import { compileWild, type ParsedPattern, type Wild } from './glob.js';
import { hashSegment, TransitionCache } from './transition-cache.js';

export { hashSegment } from './transition-cache.js';

export interface NfaNode {
  readonly lits: Map<string, number>;
  readonly wilds: { wild: number; to: number }[];
  /** Child entered by epsilon that loops on any segment (an interior `**`). */
  star: number;
  loop: boolean;
  readonly tags: number[];
}

/** The NFA: nodes plus the distinct wildcard matchers they use. */
export class SegmentNfa {
  readonly nodes: NfaNode[] = [newNode()];
  readonly wilds: Wild[] = [];
  private readonly wildIds = new Map<string, number>();

  /** Adds a pattern whose end node carries `tag`. */
  add(p: ParsedPattern, tag: number): void {
    let cur = 0;
    p.segments.forEach((seg, i) => {
      const node = this.nodes[cur]!;
      if (seg.kind === 'literal') cur = node.lits.get(seg.text) ?? this.link(node.lits, seg.text);
      else if (seg.kind === 'wild') cur = this.wildChild(cur, seg.wild);
      else {
        if (i === p.segments.length - 1) cur = this.wildChild(cur, ANY);
        cur = this.starChild(cur);
      }
    });
    this.nodes[cur]!.tags.push(tag);
  }

  private link(lits: Map<string, number>, text: string): number {
    this.nodes.push(newNode());
    lits.set(text, this.nodes.length - 1);
    return this.nodes.length - 1;
  }

  private wildChild(from: number, w: Wild): number {
    let id = this.wildIds.get(w.source);
    if (id === undefined) {
      id = this.wilds.push(w) - 1;
      this.wildIds.set(w.source, id);
    }
    const node = this.nodes[from]!;
    const edge = node.wilds.find((e) => e.wild === id);
    if (edge) return edge.to;
    this.nodes.push(newNode());
    node.wilds.push({ wild: id, to: this.nodes.length - 1 });
    return this.nodes.length - 1;
  }

  private starChild(from: number): number {
    const node = this.nodes[from]!;
    if (node.star < 0) {
      this.nodes.push({ ...newNode(), loop: true });
      node.star = this.nodes.length - 1;
    }
    return node.star;
  }
}

const ANY = compileWild('*');

function newNode(): NfaNode {
  return { lits: new Map(), wilds: [], star: -1, loop: false, tags: [] };
}

/** A DFA state. `info` is what the caller derived from the accepting tags. */
export interface DState<I> {
  /** Unique over the automaton's life. */
  readonly id: number;
  /** Generation and index in it: a transition cache address, valid while `gen` is current. */
  readonly gen: number;
  readonly index: number;
  /** The NFA node set, as its interning key. */
  readonly key: string;
  readonly nodes: readonly number[];
  readonly dead: boolean;
  readonly info: I;
  /** Filled on first step: outgoing literal targets, wildcard edges, looping nodes. */
  out?: Outgoing;
  /** Non-literal segments by the set of wildcards they match. */
  bySig?: Map<string, DState<I>>;
  /** Where every non-literal segment goes when no wildcard leaves this state. */
  other?: DState<I>;
}

export interface Outgoing {
  readonly lits: Map<string, number[]>;
  readonly edges: readonly { wild: number; to: number }[];
  /** Distinct matchers of `edges`, evaluated once per segment. */
  readonly matchers: readonly number[];
  readonly loops: readonly number[];
}

export interface DfaOptions {
  /** Interned states kept before everything is dropped. */
  maxStates?: number;
  /** Cached transitions kept before everything is dropped. */
  maxTransitions?: number;
  /** NFA nodes and tags held by interned states, in all, before everything is dropped. */
  maxStateNodes?: number;
}

/** Memo slots per state: one per right bit. */
export const SCRATCH_STRIDE = 32;

export class LazyDfa<I> {
  private table = new Map<string, DState<I>>();
  private states: DState<I>[] = [];
  private gen = 0;
  private deadIndex = -1;
  private nextId = 1;
  private readonly cache: TransitionCache;
  private readonly maxStates: number;
  private readonly maxStateNodes: number;
  private heldNodes = 0;
  start!: DState<I>;
  /** How many times states and transitions were dropped (for tests and tuning). */
  flushes = 0;
  /** Work spent computing transitions and states, in NFA nodes, edges and tags touched; only grows. */
  work = 0;
  /**
   * Per-state memo slots for callers (SCRATCH_STRIDE per state index), dropped with the
   * generation; grown by `scratchFor`, so states only explored (never decided on) cost none.
   */
  scratch: unknown[] = [];

  constructor(
    readonly nfa: SegmentNfa,
    private readonly annotate: (tags: readonly number[]) => I,
    opts: DfaOptions = {},
  ) {
    this.maxStates = Math.max(4, opts.maxStates ?? 50_000);
    this.maxStateNodes = Math.max(64, opts.maxStateNodes ?? 1 << 22);
    this.cache = new TransitionCache(Math.max(4, opts.maxTransitions ?? 1 << 18));
    this.reset();
  }

  /** Starts a new generation; the start is rebuilt so the old graph can be collected. */
  private reset(): void {
    this.gen++;
    this.deadIndex = -1;
    this.heldNodes = 0;
    this.table = new Map();
    this.states = [];
    this.scratch = [];
    this.cache.clear();
    this.start = this.intern(this.closure([0]));
  }

  /** The state after the segments of absolute normalised path `path`. */
  walk(path: string, from: DState<I> = this.start): DState<I> {
    const i = from.gen === this.gen ? this.walkIndex(path, from.index) : -1;
    if (i >= 0) return this.states[i]!;
    let s = from; // the tables were dropped on the way: go step by step, as walkIndex splits
    for (let at = 1, end = 0; at < path.length; at = end + 1) {
      end = path.indexOf('/', at);
      if (end < 0) end = path.length;
      s = this.step(s, path.slice(at, end));
    }
    return s;
  }

  /**
   * The index (in the current generation) of the state after `path`, or -1 when the tables were
   * dropped on the way. Works on indices only, so a cached step touches no state object.
   */
  walkIndex(path: string, from: number = this.start.index): number {
    const gen = this.gen;
    let i = from;
    let at = 1;
    while (at < path.length && i !== this.deadIndex) {
      let end = path.indexOf('/', at);
      if (end < 0) end = path.length;
      const hit = this.cache.get(i, hashSegment(i, path, at, end), path, at, end);
      if (hit >= 0) i = hit;
      else {
        const s = this.miss(this.states[i]!, path.slice(at, end));
        if (this.gen !== gen || s.gen !== gen) return -1;
        i = s.index;
      }
      at = end + 1;
    }
    return i;
  }

  /** The memo slots, grown to cover state `index` of the current generation. */
  scratchFor(index: number): unknown[] {
    const need = (index + 1) * SCRATCH_STRIDE;
    while (this.scratch.length < need) this.scratch.push(undefined);
    return this.scratch;
  }

  /** A state of the current generation by index. */
  stateAt(index: number): DState<I> {
    return this.states[index]!;
  }

  step(s: DState<I>, seg: string): DState<I> {
    const hit = s.gen === this.gen ? this.cache.get(s.index, hashSegment(s.index, seg, 0, seg.length), seg, 0, seg.length) : -1;
    return hit >= 0 ? this.states[hit]! : this.miss(s, seg);
  }

  /** Literal segments leaving `s` and the wildcards tested there: its symbolic alphabet. */
  alphabet(s: DState<I>): { literals: readonly string[]; wilds: readonly Wild[] } {
    const out = this.outgoing(s);
    return { literals: [...out.lits.keys()], wilds: out.matchers.map((m) => this.nfa.wilds[m]!) };
  }

  /** Number of interned states now (a bound, not a count of all ever built). */
  get size(): number {
    return this.table.size;
  }

  /** Computes a transition and caches it while both ends belong to the current generation. */
  private miss(s: DState<I>, seg: string): DState<I> {
    const to = this.compute(s, seg);
    if (s.gen === this.gen && to.gen === this.gen) {
      if (!this.cache.set(s.index, hashSegment(s.index, seg, 0, seg.length), seg, to.index)) this.flushes++;
    }
    return to;
  }

  private compute(s: DState<I>, seg: string): DState<I> {
    const out = this.outgoing(s);
    const lit = out.lits.get(seg);
    if (lit !== undefined) return this.target(out, lit, this.signature(out, seg));
    if (out.matchers.length === 0) return (s.other ??= this.target(out, [], []));
    // Only the set of wildcards matched matters, so states are shared per signature.
    const sig = this.signature(out, seg);
    const key = sig.join(',');
    const bySig = (s.bySig ??= new Map());
    let to = bySig.get(key);
    if (!to) bySig.set(key, (to = this.target(out, [], sig)));
    return to;
  }

  private signature(out: Outgoing, seg: string): number[] {
    this.work += out.matchers.length * (seg.length + 1);
    const sig: number[] = [];
    for (const m of out.matchers) if (this.nfa.wilds[m]!.match(seg)) sig.push(m);
    return sig;
  }

  private target(out: Outgoing, lit: readonly number[], sig: readonly number[]): DState<I> {
    const set = [...lit, ...out.loops];
    if (sig.length > 0) {
      const hit = new Set(sig);
      for (const e of out.edges) if (hit.has(e.wild)) set.push(e.to);
    }
    return this.intern(this.closure(set));
  }

  private outgoing(s: DState<I>): Outgoing {
    if (s.out) return s.out;
    const lits = new Map<string, number[]>();
    const edges: { wild: number; to: number }[] = [];
    const loops: number[] = [];
    for (const n of s.nodes) {
      const node = this.nfa.nodes[n]!;
      for (const [text, to] of node.lits) {
        const l = lits.get(text);
        if (l) l.push(to);
        else lits.set(text, [to]);
      }
      for (const e of node.wilds) edges.push(e);
      if (node.loop) loops.push(n);
    }
    const matchers = [...new Set(edges.map((e) => e.wild))].sort((a, b) => a - b);
    this.work += s.nodes.length + edges.length + lits.size;
    s.out = { lits, edges, matchers, loops };
    return s.out;
  }

  private closure(seed: readonly number[]): number[] {
    const seen = new Set<number>();
    const stack = [...seed];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      const star = this.nfa.nodes[n]!.star;
      if (star >= 0) stack.push(star);
    }
    this.work += seed.length + seen.size;
    return [...seen].sort((a, b) => a - b);
  }

  private intern(nodes: number[]): DState<I> {
    const key = nodes.join(',');
    this.work += nodes.length;
    const known = this.table.get(key);
    if (known) return known;
    const tags: number[] = [];
    for (const n of nodes) for (const t of this.nfa.nodes[n]!.tags) tags.push(t);
    this.work += tags.length;
    // Large node sets cost memory per state: bound their sum as well as the number of states.
    const weight = nodes.length + tags.length;
    if (this.table.size >= this.maxStates || (this.table.size > 0 && this.heldNodes + weight > this.maxStateNodes)) {
      this.flushes++;
      this.reset();
      const again = this.table.get(key);
      if (again) return again;
    }
    this.heldNodes += weight;
    const s: DState<I> = {
      id: this.nextId++,
      gen: this.gen,
      index: this.states.length,
      key,
      nodes,
      dead: nodes.length === 0,
      info: this.annotate(tags),
    };
    this.table.set(key, s);
    this.states.push(s);
    if (s.dead) this.deadIndex = s.index;
    return s;
  }
}
