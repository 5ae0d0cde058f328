/** A small, strict command-line parser: unknown options are errors with a hint, never ignored. */

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
