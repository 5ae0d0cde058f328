/** A compiled policy behind the judge's Engine interface. */
import { fileTypeOf, type IrPolicy } from './ir.js';
import type { Engine } from './judge.js';
import { compile, type CompiledPolicy } from './compile.js';
import { allowedMask, decide, plainMask } from './decide.js';
import { subtreeRightsIncluded } from './inclusion.js';

export interface CompiledEngine extends Engine {
  readonly compiled: CompiledPolicy;
}

export function engineFor(policy: IrPolicy): CompiledEngine {
  const c = compile(policy);
  return {
    policy,
    compiled: c,
    // The model names kinds `reg`, `lnk`...; rules say `file`, `symlink`...
    decide: (obj) => decide(c, { ...obj, type: fileTypeOf(obj.type) }),
    allowedMask: (path, type) => allowedMask(c, { path, type: fileTypeOf(type) }),
    plainMask: (path) => plainMask(c, path),
    refer(from, to, subtree) {
      try {
        const r = subtreeRightsIncluded(c, from, to, { dir: subtree });
        return r.included ? { ok: true } : { ok: false, witness: r.witness ?? '' };
      } catch (e) {
        // Too large to decide exactly: refuse (fail closed) rather than guess.
        return { ok: false, witness: `(undecided: ${e instanceof Error ? e.message : String(e)})` };
      }
    },
  };
}
