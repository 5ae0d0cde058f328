/**
 * Renames and links are judged for escalation (spec/syscall-rights.md): the object's rights at
 * its new name must be a subset of those at its old one, for a directory at every path below
 * both. A learned policy grants what each name was used for, which can break that: `x.tmp`
 * (create, write) renamed to `x` (read later). The missing rights are added at the old name.
 */
import type { Refer } from './collect.js';

const under = (p: string, dir: string): boolean => p === dir || p.startsWith(dir === '/' ? '/' : dir + '/');
const below = (p: string, dir: string): boolean => p !== dir && under(p, dir);

export interface ReferAdditions {
  /** Exact paths that got rights for a rename or link, with the rights added. */
  exact: Map<string, number>;
  /** `under` grants added or widened, with the rights added. */
  unders: Map<string, number>;
}

/**
 * Adds rights at the old names of `refers` until every rename and link is no escalation;
 * `exact` (path → rights) and `unders` (dir → rights, for `under DIR`) are updated in place.
 *
 * @example
 * const exact = new Map([['/w/x.tmp', bit('create')], ['/w/x', bit('read')]]);
 * balanceRefers([{ from: '/w/x.tmp', to: '/w/x', subtree: false }], exact, new Map());
 * exact.get('/w/x.tmp'); // bit('create') | bit('read')
 */
export function balanceRefers(refers: readonly Refer[], exact: Map<string, number>, unders: Map<string, number>): ReferAdditions {
  const out: ReferAdditions = { exact: new Map(), unders: new Map() };
  const underAt = (p: string): number => {
    let m = 0;
    for (const [d, r] of unders) if (under(p, d)) m |= r;
    return m;
  };
  const rightsAt = (p: string): number => (exact.get(p) ?? 0) | underAt(p);
  const addExact = (p: string, m: number): boolean => {
    if (!m) return false;
    exact.set(p, (exact.get(p) ?? 0) | m);
    out.exact.set(p, (out.exact.get(p) ?? 0) | m);
    return true;
  };
  const addUnder = (d: string, m: number): boolean => {
    if (!m) return false;
    unders.set(d, (unders.get(d) ?? 0) | m);
    out.unders.set(d, (out.unders.get(d) ?? 0) | m);
    return true;
  };
  // Each round only adds rights; a pair nested in itself (kernel: EINVAL) is left out, so this ends.
  const pairs = dedupe(refers).filter((r) => !under(r.to, r.from) && !under(r.from, r.to));
  for (let round = 0, changed = true; changed && round < 64; round++) {
    changed = false;
    for (const { from, to, subtree } of pairs) {
      changed = addExact(from, rightsAt(to) & ~rightsAt(from)) || changed;
      if (!subtree) continue;
      changed = addUnder(from, underAt(to) & ~underAt(from)) || changed;
      for (const q of [...exact.keys()].filter((p) => below(p, to))) {
        const at = from + q.slice(to.length);
        changed = addExact(at, rightsAt(q) & ~rightsAt(at)) || changed;
      }
      for (const d of [...unders.keys()].filter((p) => below(p, to))) {
        const at = from + d.slice(to.length);
        changed = addUnder(at, underAt(d) & ~underAt(at)) || changed;
      }
    }
  }
  return out;
}

function dedupe(refers: readonly Refer[]): Refer[] {
  const seen = new Map<string, Refer>();
  for (const r of refers) {
    const k = `${r.from}\0${r.to}`;
    const had = seen.get(k);
    if (!had || (r.subtree && !had.subtree)) seen.set(k, r);
  }
  return [...seen.values()];
}
