/**
 * Diagnostics are values, never exceptions: every stage returns them alongside its result so a
 * file reports all of its problems at once. Each has a stable code (documented in
 * spec/policy-language.md), a severity, a span, a message and, where it helps, a help line.
 */
import type { Span } from '../rules/ir.js';

export type Severity = 'error' | 'warning';

/** Every code, with its severity and a short title (the spec's table is generated from this). */
export const CODES = {
  FW001: ['error', 'invalid character'],
  FW002: ['error', 'unterminated string'],
  FW003: ['error', 'unknown keyword'],
  FW004: ['error', 'unexpected token'],
  FW005: ['error', 'unbalanced block braces'],
  FW006: ['error', 'statement not allowed here'],
  FW007: ['error', 'header misplaced or repeated'],
  FW008: ['error', 'missing policy header'],
  FW009: ['error', 'invalid escape in string'],
  FW010: ['error', 'number out of range'],
  FW011: ['error', 'clause given twice'],
  FW101: ['error', 'unknown abi'],
  FW102: ['error', 'unknown right'],
  FW103: ['error', 'unknown errno'],
  FW104: ['error', 'unknown flag (an open flag in a rule, any flag in a test call)'],
  FW105: ['error', 'access mode used as a flag'],
  FW106: ['error', 'unknown file type'],
  FW107: ['error', 'errno on an allow'],
  FW108: ['error', 'unknown network scope'],
  FW201: ['error', 'undefined variable'],
  FW202: ['error', 'variable defined twice'],
  FW203: ['error', 'variable defined in terms of itself'],
  FW204: ['error', 'invalid variable reference'],
  FW301: ['error', '`**` not a whole segment'],
  FW302: ['error', 'pattern not absolute'],
  FW303: ['error', '`..` in a pattern'],
  FW304: ['error', 'NUL in a pattern'],
  FW305: ['error', 'unbalanced `{` `}` in a pattern'],
  FW306: ['error', 'too many expansions'],
  FW307: ['error', 'invalid character class'],
  FW401: ['error', 'include could not be loaded'],
  FW402: ['error', 'include cycle'],
  FW403: ['error', 'included file sets policy-wide settings'],
  FW501: ['error', 'unknown syscall'],
  FW502: ['error', 'malformed call'],
  FW503: ['warning', 'duplicate test name'],
  FW504: ['warning', 'duplicate property name'],
  FW505: ['error', 'empty property block'],
  FW506: ['error', 'list variable in a test call'],
  FW601: ['warning', 'rule shadowed: it never decides'],
  FW602: ['warning', 'over-broad grant'],
  FW603: ['warning', 'unused variable'],
  FW604: ['warning', 'plain path after an `under` target'],
  FW701: ['error', 'invalid JSON'],
  FW702: ['error', 'JSON does not match the AST schema'],
} as const satisfies Record<string, readonly [Severity, string]>;

export type Code = keyof typeof CODES;

export interface Related {
  span: Span;
  message: string;
}

export interface Diagnostic {
  code: Code;
  severity: Severity;
  span: Span;
  message: string;
  help?: string;
  /** Other places the message refers to (the deny that shadows, the first definition ...). */
  related?: Related[];
}

/** A diagnostic with the severity its code carries. */
export function diag(code: Code, span: Span, message: string, help?: string, related?: Related[]): Diagnostic {
  const d: Diagnostic = { code, severity: CODES[code][0], span, message };
  if (help !== undefined) d.help = help;
  if (related !== undefined && related.length > 0) d.related = related;
  return d;
}

export function hasErrors(diags: readonly Diagnostic[]): boolean {
  return diags.some((d) => d.severity === 'error');
}

/** A zero-width span at the start of a file, for problems that have no better place. */
export function fileSpan(file: string): Span {
  return { file, line: 1, col: 1, endLine: 1, endCol: 1 };
}
