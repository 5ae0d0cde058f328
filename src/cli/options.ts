/** A small, strict command-line parser: unknown options are errors with a hint, never ignored. */
import { statSync } from 'node:fs';

export interface OptionSpec {
  /** Takes a value (`--cwd DIR`); repeatable ones collect every value. */
  value?: boolean;
  repeat?: boolean;
}

export interface Parsed {
  positional: string[];
  options: Map<string, string[]>;
  flags: Set<string>;
}

export class UsageError extends Error {}

/**
 * An input that cannot be used (exit 4): a file that is missing, a directory or unreadable, a
 * snapshot that is not one, a trace in which no line is a syscall. One line names the file.
 */
export class InputError extends Error {}

/** Refuses a path that is missing or not a regular file (a directory ...), naming it. */
export function readableFile(file: string, what = ''): void {
  if (file === '-') return;
  let st;
  try {
    st = statSync(file);
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new InputError(`${what}cannot read ${file}: ${code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message}`);
  }
  if (st.isDirectory()) throw new InputError(`${what}cannot read ${file}: it is a directory, not a file`);
}

/** Exit status for an {@link InputError} (and any file the command could not read). */
export const EXIT_INPUT = 4;

/** Exit status for a command line that is wrong (sysexits' EX_USAGE), for every command but `run`. */
export const EXIT_USAGE = 64;

const FS_REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory', EISDIR: 'is a directory, not a file', ENOTDIR: 'a component of the path is not a directory',
  EACCES: 'permission denied', EPERM: 'permission denied', ELOOP: 'too many symbolic links', ENAMETOOLONG: 'name too long',
};

/** The one-line message for an error reading an input file, or undefined when `e` is something else. */
export function inputProblem(e: unknown): string | undefined {
  if (e instanceof InputError) return e.message;
  if (!e || typeof e !== 'object' || !('code' in e)) return undefined;
  const { code, path } = e as { code: unknown; path?: unknown };
  if (typeof code !== 'string' || !(code in FS_REASONS)) return undefined;
  return typeof path === 'string' ? `cannot read ${path}: ${FS_REASONS[code]}` : `cannot read an input: ${FS_REASONS[code]}`;
}

export function parseOptions(argv: readonly string[], spec: Record<string, OptionSpec>): Parsed {
  const out: Parsed = { positional: [], options: new Map(), flags: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.positional.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('--') || a === '-') {
      out.positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    const s = spec[name];
    if (!s) {
      const known = Object.keys(spec).map((k) => `--${k}`).join(', ');
      throw new UsageError(`unknown option --${name} (known: ${known || 'none'})`);
    }
    if (!s.value) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      out.flags.add(name);
      continue;
    }
    const value = eq >= 0 ? a.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    const list = out.options.get(name) ?? [];
    if (list.length > 0 && !s.repeat) throw new UsageError(`--${name} given twice`);
    list.push(value);
    out.options.set(name, list);
  }
  return out;
}

export function one(p: Parsed, name: string): string | undefined {
  return p.options.get(name)?.[0];
}
