/**
 * One rule → one IR rule: rights to a mask, targets to normalised globs (variables, braces
 * and `under` expanded), conditions to flag values. Problems are reported at the exact
 * place in the pattern when the pattern was written verbatim, else at the whole pattern.
 */
import type { Errno } from '../linux/index.js';
import type { IrRule, RuleWhen, Span } from '../rules/ir.js';
import type { Condition, Name, RuleItem, Target } from './ast.js';
import { expandBraces } from './braces.js';
import type { Code, Related } from './diagnostics.js';
import type { ExpansionBudget } from './expansion-budget.js';
import { normalizeGlob, toIrGlob } from './glob.js';
import { ACCESS_MODES, ERRNO_NAMES, FILE_TYPES, OPEN_FLAGS, isErrno, rightMask, rightNames, type FileType } from './names.js';
import { didYouMean } from './suggest.js';
import type { TextProblem, VarEnv } from './vars.js';

export type Reporter = (code: Code, span: Span, message: string, help?: string, related?: Related[]) => void;

export interface RuleContext {
  abi: number;
  env: VarEnv;
  limit: number;
  report: Reporter;
  /** A span for things that have none (machine-made ASTs). */
  fallback: Span;
  /** The policy-wide bound on expanded characters (none: unbounded). */
  expansion?: ExpansionBudget;
}

/** The span of `[at, at + len)` of a pattern, when its text sits verbatim in the source. */
function subSpan(text: string, span: Span, at: number, len: number): Span {
  if (span.line !== span.endLine) return span;
  const width = span.endCol - span.col;
  const lead = width === text.length ? 0 : width === text.length + 2 ? 1 : -1;
  if (lead < 0 || at + len > text.length) return span;
  return { ...span, col: span.col + lead + at, endCol: span.col + lead + at + Math.max(1, len) };
}

/** Every normalised glob of the targets (deduplicated, in order). */
export function lowerTargets(targets: readonly Target[], ctx: RuleContext): string[] {
  const out = new Set<string>();
  for (const t of targets) {
    const text = t.pattern.text;
    const span = t.pattern.span ?? t.span ?? ctx.fallback;
    const flush = (problems: TextProblem[], source: string): void => {
      for (const p of problems) {
        const exact = source === text || (source.startsWith(text) && p.at + p.len <= text.length);
        const where = exact ? subSpan(text, span, p.at, p.len) : span;
        const msg = exact || p.code === 'FW306' ? p.message : `${p.message} (in \`${source}\`, expanded from \`${text}\`)`;
        ctx.report(p.code, where, msg, p.help);
      }
    };
    const problems: TextProblem[] = [];
    const vals = ctx.env.expand(text, problems);
    flush(problems, text);
    if (!vals) continue;
    let budget = ctx.limit;
    for (const v of vals) {
      const bp: TextProblem[] = [];
      const globs = expandBraces(v, budget, bp, ctx.expansion);
      flush(bp, v);
      if (!globs) break;
      budget -= globs.length;
      for (const g of globs) {
        for (const form of t.under ? [g, `${g}/**`] : [g]) {
          const np: TextProblem[] = [];
          const norm = normalizeGlob(form, np);
          if (norm !== null && ctx.expansion) {
            if (!ctx.expansion.fits(norm.length)) ctx.expansion.refuse(norm.length, 0, form.length, np);
            ctx.expansion.take(norm.length);
          }
          flush(np, form);
          if (norm !== null) out.add(toIrGlob(norm));
          if (norm === null) break;
        }
      }
    }
  }
  return [...out];
}

export function lowerRights(rights: readonly Name[], ctx: RuleContext): number {
  let mask = 0;
  for (const r of rights) {
    const m = rightMask(r.name, ctx.abi);
    if (m === undefined) {
      ctx.report('FW102', r.span ?? ctx.fallback, `unknown right \`${r.name}\` in abi ${ctx.abi}`,
        didYouMean(r.name, rightNames(ctx.abi)) ?? `rights are ${rightNames(ctx.abi).join(', ')}`);
    } else mask |= m;
  }
  return mask >>> 0;
}

function flagValue(f: Name, ctx: RuleContext): number | undefined {
  const v = OPEN_FLAGS.get(f.name);
  if (v !== undefined) return v;
  if (ACCESS_MODES.has(f.name)) {
    ctx.report('FW105', f.span ?? ctx.fallback, `\`${f.name}\` is an access mode, not a flag`,
      'the access mode is what the rights `read` and `write` decide');
  } else {
    ctx.report('FW104', f.span ?? ctx.fallback, `unknown open flag \`${f.name}\``, didYouMean(f.name, OPEN_FLAGS.keys()));
  }
  return undefined;
}

export function lowerWhen(conds: readonly Condition[], ctx: RuleContext): RuleWhen | undefined {
  const has = new Set<number>();
  const lacks = new Set<number>();
  let type: FileType | undefined;
  for (const c of conds) {
    if (c.kind === 'flags') {
      for (const f of c.flags) {
        const v = flagValue(f, ctx);
        if (v !== undefined) (c.op === 'has' ? has : lacks).add(v);
      }
      continue;
    }
    const t = FILE_TYPES.find((x) => x === c.type.name);
    if (!t) {
      ctx.report('FW106', c.type.span ?? ctx.fallback, `unknown file type \`${c.type.name}\``,
        didYouMean(c.type.name, FILE_TYPES) ?? `types are ${FILE_TYPES.join(', ')}`);
    } else if (type !== undefined && type !== t) {
      ctx.report('FW011', c.span ?? ctx.fallback, 'a rule has at most one `when type`', 'write one rule per type');
    } else type = t;
  }
  const when: RuleWhen = {};
  if (has.size > 0) when.flagsHas = [...has];
  if (lacks.size > 0) when.flagsLacks = [...lacks];
  if (type !== undefined) when.type = type;
  return Object.keys(when).length > 0 ? when : undefined;
}

/** Check an errno name for `effect`; returns it when it may be used. */
export function checkErrno(effect: 'allow' | 'deny', errno: Name | undefined, ctx: RuleContext): Errno | undefined {
  if (!errno) return undefined;
  const span = errno.span ?? ctx.fallback;
  if (effect === 'allow') {
    ctx.report('FW107', span, 'an allow has no errno', `remove \`errno ${errno.name}\`, or make it a deny`);
    return undefined;
  }
  if (!isErrno(errno.name)) {
    ctx.report('FW103', span, `unknown errno \`${errno.name}\``, didYouMean(errno.name, ERRNO_NAMES));
    return undefined;
  }
  return errno.name;
}

export function lowerRule(r: RuleItem, id: number, tier: number, ctx: RuleContext): IrRule {
  const rule: IrRule = {
    id, effect: r.effect, tier,
    rights: lowerRights(r.rights, ctx),
    patterns: lowerTargets(r.targets, ctx),
    except: lowerTargets(r.except, ctx),
    span: r.span ?? ctx.fallback,
  };
  const when = lowerWhen(r.when, ctx);
  if (when) rule.when = when;
  const errno = checkErrno(r.effect, r.errno, ctx);
  if (errno !== undefined) rule.errno = errno;
  if (r.because !== undefined) rule.because = r.because;
  return rule;
}
