/**
 * Hidden names: a policy hides a path when it allows no right there at all and refuses `stat`
 * with ENOENT ("it does not exist"). Under enforcement the model's walks then see the name as absent (src/state/resolve.ts
 * consults the veil), so every call and every way of naming it (trailing slash, a path through
 * it, a symlink to it, `..` out of it) gets what it would get if the name did not exist; a
 * hidden directory can still be walked through to names below it that are not hidden.
 */
import type { Kernel } from '../state/kernel.js';
import type { Veil } from '../state/resolve.js';
import { inodeOf, pathOf } from '../state/namespace.js';
import type { Engine } from '../rules/judge.js';
import type { IrPolicy } from '../rules/ir.js';
import { bit } from '../rules/rights.js';

const STAT = bit('stat');

/** Whether a policy can hide anything at all (no veil is installed otherwise: it costs nothing). */
export function hidesAnything(p: IrPolicy): boolean {
  if (p.default.effect === 'deny' && p.default.errno === 'ENOENT') return true;
  return p.rules.some((r) => r.effect === 'deny' && r.errno === 'ENOENT' && (r.rights & STAT) !== 0);
}

/** The veil of a policy over a model: cached per dentry until a name moves or dies. */
export function policyVeil(k: Kernel, engine: Engine): Veil | undefined {
  if (!hidesAnything(engine.policy)) return undefined;
  const cache = new Map<number, boolean>();
  let gen = -1;
  const hidden = (id: number): boolean => {
    const s = k.s;
    const d = s.dentries.get(id);
    if (!d || d.anonymous || id === s.rootDentry) return false;
    const path = pathOf(s, id);
    const type = inodeOf(s, d).kind;
    const decision = engine.decide({ path, rights: STAT, type })[0];
    return decision?.effect === 'deny' && decision.errno === 'ENOENT' && engine.allowedMask(path, type) === 0;
  };
  return (id) => {
    if (k.s.nameGen !== gen) {
      cache.clear();
      gen = k.s.nameGen;
    }
    let v = cache.get(id);
    if (v === undefined) cache.set(id, (v = hidden(id)));
    return v;
  };
}
