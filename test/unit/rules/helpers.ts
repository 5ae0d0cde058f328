/** Small builders for rules-matcher tests. */
import type { Errno } from '../../../src/linux/index.js';
import type { IrPolicy, IrRule, RuleWhen } from '../../../src/rules/ir.js';
import { bit, type Right } from '../../../src/rules/rights.js';

export const SPAN = { file: 'test.fsp', line: 1, col: 1, endLine: 1, endCol: 2 };

export interface RuleSpec {
  effect?: 'allow' | 'deny';
  rights?: Right[] | number;
  tier?: number;
  patterns: string[];
  except?: string[];
  errno?: Errno;
  when?: RuleWhen;
}

export function mask(rights: Right[]): number {
  return rights.reduce((m, r) => m | bit(r), 0);
}

/** A policy from rule specs; ids are positions. Default: deny EACCES, unknown: deny EPERM. */
export function policy(specs: RuleSpec[], defaults: Partial<Pick<IrPolicy, 'default' | 'unknown'>> = {}): IrPolicy {
  const rules = specs.map((s, id): IrRule => {
    const r: IrRule = {
      id,
      effect: s.effect ?? 'allow',
      tier: s.tier ?? 0,
      rights: typeof s.rights === 'number' ? s.rights : mask(s.rights ?? ['read']),
      patterns: s.patterns,
      except: s.except ?? [],
      span: SPAN,
    };
    if (s.errno !== undefined) r.errno = s.errno;
    if (s.when !== undefined) r.when = s.when;
    return r;
  });
  return {
    abi: 1,
    default: defaults.default ?? { effect: 'deny', errno: 'EACCES' },
    unknown: defaults.unknown ?? { effect: 'deny', errno: 'EPERM' },
    rules,
  };
}
