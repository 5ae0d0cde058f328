/**
 * One document compiled as `fdwarden check` compiles its file: the same compiler, includes
 * read relative to the document's path (open documents before the disk), variables from the
 * editor's settings as `--var` gives them. Hover, completion and definition read the result.
 */
import { compilePolicyText, parse, type CompiledPolicy, type LetItem, type Loader, type PolicyAst } from '../dsl/index.js';
import { overrideName, VarEnv, type VarDef } from '../dsl/vars.js';

export interface Analysis {
  /** The document's file name (its path, or its URI when it is not a file). */
  file: string;
  text: string;
  compiled: CompiledPolicy;
  /** Every file read (the document first), parsed. */
  asts: Map<string, PolicyAst>;
  vars: Readonly<Record<string, readonly string[]>>;
}

export function analyze(text: string, file: string, vars: Readonly<Record<string, readonly string[]>>, load: Loader): Analysis {
  const compiled = compilePolicyText(text, { file, vars, load });
  const asts = new Map<string, PolicyAst>([[file, compiled.ast]]);
  for (const [f, t] of compiled.sources) if (f !== file) asts.set(f, parse(t, f).ast);
  return { file, text, compiled, asts, vars };
}

export interface VarInfo {
  name: string;
  /** Every `let` of the name, in reading order (more than one is FW202). */
  lets: { file: string; item: LetItem }[];
  /** The editor's override (`fdwarden.vars`), which replaces the `let`s. */
  override?: readonly string[];
}

/** Every variable a policy defines or the settings give, by name. */
export function variables(a: Analysis): Map<string, VarInfo> {
  const out = new Map<string, VarInfo>();
  for (const [file, ast] of a.asts) {
    for (const it of ast.items) {
      if (it.kind !== 'let') continue;
      const v = out.get(it.name) ?? { name: it.name, lets: [] };
      v.lets.push({ file, item: it });
      out.set(it.name, v);
    }
  }
  for (const [raw, values] of Object.entries(a.vars)) {
    const name = overrideName(raw);
    const v = out.get(name) ?? { name, lets: [] };
    v.override = values;
    out.set(name, v);
  }
  return out;
}

/** The values a variable expands to (other variables substituted), or undefined when it cannot be. */
export function expandVariable(a: Analysis, name: string): string[] | undefined {
  const defs = new Map<string, VarDef>();
  for (const v of variables(a).values()) {
    const values = v.override ?? v.lets[0]?.item.values.map((p) => p.text) ?? [];
    defs.set(v.name, { name: v.name, values: values.map((text) => ({ text })) });
  }
  const env = new VarEnv(defs, () => {}, 1000);
  return env.expand(`\${${name}}`, []) ?? undefined;
}
