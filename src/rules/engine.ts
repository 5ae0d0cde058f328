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
      // Whatever cannot be decided is refused (fail closed): past the work bound, or on any error.
      try {
        const r = subtreeRightsIncluded(c, from, to, { dir: subtree });
        if (r.included) return { ok: true };
        if (r.undecided !== undefined) return { ok: false, witness: '', reason: r.undecided };
        return { ok: false, witness: r.witness ?? '' };
      } catch (e) {
        return { ok: false, witness: '', reason: `the no-escalation check failed: ${e instanceof Error ? e.message : String(e)}` };
      }
    },
  };
}
