/** A compiled policy behind the judge's Engine interface. */
import { fileTypeOf, type IrPolicy } from './ir.js';
import type { Engine } from './judge.js';
import { compile, type CompiledPolicy } from './compile.js';
import { allowedMask, decide, plainMask } from './decide.js';
import { subtreeRightsIncluded } from './inclusion.js';

export interface CompiledEngine extends Engine {
  readonly compiled: CompiledPolicy;
}

/**
 * How many path characters the per-path memo of plainMask holds before it starts over. The
 * automaton walk it saves costs a hash and a compare per segment; a memo hit costs one string
 * hash. Bounded in characters, not entries, since a hostile guest picks the paths.
 */
const PLAIN_MEMO_CHARS = 1 << 20;

export function engineFor(policy: IrPolicy): CompiledEngine {
  const c = compile(policy);
  // plainMask is a function of the compiled policy and the path alone: memoised per path.
  const plain = new Map<string, number>();
  let plainChars = 0;
  return {
    policy,
    compiled: c,
    // The model names kinds `reg`, `lnk`...; rules say `file`, `symlink`...
    decide: (obj) => decide(c, { ...obj, type: fileTypeOf(obj.type) }),
    allowedMask: (path, type) => allowedMask(c, { path, type: fileTypeOf(type) }),
    plainMask: (path) => {
      let m = plain.get(path);
      if (m === undefined) {
        m = plainMask(c, path);
        if (plainChars + path.length > PLAIN_MEMO_CHARS) {
          plain.clear();
          plainChars = 0;
        }
        plain.set(path, m);
        plainChars += path.length;
      }
      return m;
    },
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
