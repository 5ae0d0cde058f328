// The `// CMD:` lines of WALI's unit suite (../shared/wali-tests) read as its run_tests.py reads
// them: what both suite runners (scripts/wali-suite.mjs on the Node host,
// scripts/wali-suite-memory.mjs on the in-memory host) share.
import { readFileSync } from 'node:fs';

/** Shell words as Python's shlex.split reads the suite's `// CMD:` lines (quotes, backslashes). */
export function shellWords(s) {
  const out = [];
  let cur = '';
  let any = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "'") { const j = s.indexOf("'", i + 1); cur += s.slice(i + 1, j < 0 ? s.length : j); i = j < 0 ? s.length : j; any = true; }
    else if (c === '"') {
      i++;
      while (i < s.length && s[i] !== '"') { if (s[i] === '\\' && i + 1 < s.length) i++; cur += s[i++]; }
      any = true;
    } else if (c === '\\' && i + 1 < s.length) { cur += s[++i]; any = true; }
    else if (/\s/.test(c)) { if (any) out.push(cur); cur = ''; any = false; }
    else { cur += c; any = true; }
  }
  if (any) out.push(cur);
  return out;
}

/** The runs of a test: one per `// CMD:` line (setup, args, cleanup, env), as run_tests.py reads them. */
export function runsOf(source) {
  const runs = [];
  for (const raw of readFileSync(source, 'utf8').split('\n')) {
    const line = raw.trim();
    if (!line.startsWith('// CMD:')) continue;
    const run = { setup: [], cleanup: [], args: [], env: {} };
    for (const p of shellWords(line.slice('// CMD:'.length).trim())) {
      const eq = p.indexOf('=');
      const key = eq > 0 ? p.slice(0, eq) : '';
      const val = p.slice(eq + 1);
      if (key === 'setup') run.setup.push(...shellWords(val));
      else if (key === 'cleanup') run.cleanup.push(...shellWords(val));
      else if (key === 'args') run.args.push(...shellWords(val));
      else if (key === 'env') for (const kv of shellWords(val)) { const i = kv.indexOf('='); if (i > 0) run.env[kv.slice(0, i)] = kv.slice(i + 1); }
      else { run.setup.push(p); run.args.push(p); }
    }
    runs.push(run);
  }
  return runs.length ? runs : [{ setup: [], cleanup: [], args: [], env: {} }];
}
