// Cost bounds, side by side: what a policy written by someone else, or a rename issued by the
// guest, can make the engine spend. Policy load (parse, lower, lints, compile) at 1,000 and 8,000
// rules, where the ratio should stay near 8x; one rename/link inclusion check and one diff under
// a normal policy and under one whose automaton explodes (a segment counted below a `**`), with
// time and heap. Run after a build, from bench/rules.mjs.
import v8 from 'node:v8';
import vm from 'node:vm';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compilePolicyText, fileLoader } from '../dist/dsl/index.js';
import { compile } from '../dist/rules/compile.js';
import { diffPolicies } from '../dist/rules/diff.js';
import { subtreeRightsIncluded } from '../dist/rules/inclusion.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

const HEADER = 'policy "bench" abi 1\ndefault deny errno EACCES\nunknown deny errno EPERM\n';

/** The shapes of rules.mjs's generatePolicy, as policy text (so that loading includes the language). */
export function generatePolicyText(n) {
  const lines = [
    'deny read,write /**/.ssh /**/.ssh/** errno ENOENT',
    'allow read,exec,stat,list under /usr',
    'allow read,write,create,delete under /tmp except /tmp/**/*.lock',
    'deny read /etc/shadow /etc/gshadow',
  ];
  for (let i = 0; lines.length < n; i++) {
    const k = i % 6;
    const id = Math.floor(i / 6);
    if (k === 0) lines.push(`allow read,list,stat under /srv/p${id}`);
    if (k === 1) lines.push(`allow write,truncate /srv/p${id}/**/*.ts except /srv/p${id}/dist/**`);
    if (k === 2) lines.push(`deny write,delete under /srv/p${id}/.git errno EROFS`);
    if (k === 3) lines.push(`allow read,write under /home/u${id}/.cache except /home/u${id}/.cache/secret*`);
    if (k === 4) lines.push(`allow read /data/d${id}/[a-f]*.bin /data/d${id}/??/*.csv`);
    if (k === 5) lines.push(`deny read /srv/p${id}/**/*.key errno EACCES`);
  }
  return `${HEADER}${lines.slice(0, n).join('\n')}\n`;
}

const EXPLODING = `/**/secret/${Array(15).fill('*').join('/')}`;
const PLAIN = `${HEADER}allow * under /w\n`;
const ADVERSARIAL = `${PLAIN}deny write ${EXPLODING}\n`;

function ir(text, file = 'bench.policy') {
  const r = compilePolicyText(text, { file, load: fileLoader() });
  if (!r.ok) throw new Error(`${file}: ${r.diagnostics[0]?.message}`);
  return r.policy;
}

/** Time and heap of one call: heap grown while it ran (garbage included) and kept after a GC. */
function measure(f) {
  gc();
  const h0 = process.memoryUsage().heapUsed;
  const t0 = process.hrtime.bigint();
  let out;
  try {
    out = f();
  } catch (e) {
    out = e instanceof Error ? e : new Error(String(e));
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const grown = process.memoryUsage().heapUsed - h0;
  gc();
  const kept = process.memoryUsage().heapUsed - h0;
  return { ms, grown: grown / 1e6, kept: kept / 1e6, out };
}

const mb = (x) => `${x.toFixed(1)} MB`;
const row = (what, m, outcome) => ({ what, ms: m.ms.toFixed(1), 'heap grown': mb(m.grown), 'heap kept': mb(m.kept), outcome });

/** Best of 5 for the time (after two warm-up loads), heap from one more measured load. */
function loadRows() {
  const load = (n) => {
    const text = generatePolicyText(n);
    for (let i = 0; i < 2; i++) compile(ir(text));
    let ms = Infinity;
    for (let i = 0; i < 5; i++) {
      const t0 = process.hrtime.bigint();
      compile(ir(text));
      ms = Math.min(ms, Number(process.hrtime.bigint() - t0) / 1e6);
    }
    return { ...measure(() => compile(ir(text))), ms };
  };
  const small = load(1_000);
  const large = load(8_000);
  return { small, large, ratio: large.ms / small.ms };
}

function renameRows() {
  const example = `${fileURLToPath(new URL('../examples/policies/workdir.policy', import.meta.url))}`;
  const cases = [
    ['workdir.policy: /srv/job/a -> /srv/job/b', () => ir(readFileSync(example, 'utf8'), example), '/srv/job/a', '/srv/job/b'],
    ['generated 1,000 rules: /srv/p1 -> /srv/p2', () => ir(generatePolicyText(1_000)), '/srv/p1', '/srv/p2'],
    ['generated 1,000 rules: /tmp/h -> /home', () => ir(generatePolicyText(1_000)), '/tmp/h', '/home'],
    ['exploding glob: /w/a -> /w/secret', () => ir(ADVERSARIAL), '/w/a', '/w/secret'],
  ];
  subtreeRightsIncluded(compile(ir(ADVERSARIAL)), '/w/a', '/w/secret'); // warm-up
  return cases.map(([what, policy, from, to]) => {
    const c = compile(policy());
    const m = measure(() => subtreeRightsIncluded(c, from, to));
    const r = m.out;
    const outcome = r.included ? 'included' : r.undecided ? `refused: ${r.undecided}` : `escalates at '${r.witness}'`;
    return row(what, m, outcome);
  });
}

function diffRows() {
  const dir = fileURLToPath(new URL('../examples/policies/diff/', import.meta.url));
  const v = (name) => ir(readFileSync(`${dir}${name}`, 'utf8'), `${dir}${name}`);
  const cases = [
    ['examples/policies/diff v1 -> v2', () => [v('v1.policy'), v('v2.policy')]],
    ['generated 1,000 rules, one removed', () => {
      const a = ir(generatePolicyText(1_000));
      return [a, { ...a, rules: a.rules.slice(0, -1) }];
    }],
    ['plain -> exploding glob', () => [ir(PLAIN), ir(ADVERSARIAL)]],
  ];
  return cases.map(([what, pair]) => {
    const [a, b] = pair();
    const m = measure(() => diffPolicies(a, b));
    const d = m.out;
    const outcome = d instanceof Error ? `stopped: ${d.message}` : `${d.label} (${d.stats.pairs.toLocaleString('en')} pairs, ${d.stats.work.toLocaleString('en')} steps)`;
    return row(what, m, outcome);
  });
}

export function runBoundsBench({ log = console.log } = {}) {
  const load = loadRows();
  log('\ncost bounds: policy load (parse, lower, lints, compile), best of 5');
  console.table([row('1,000 rules', load.small, ''), row('8,000 rules', load.large, '')].map(({ outcome, ...r }) => r));
  log(`8,000-rule load / 1,000-rule load: ${load.ratio.toFixed(1)}x (near-linear: about 8x)`);
  const renames = renameRows();
  log('\ncost bounds: one rename/link no-escalation check (a directory, every suffix)');
  console.table(renames);
  const diffs = diffRows();
  log('\ncost bounds: fdwarden diff');
  console.table(diffs);
  return { loadRatio: load.ratio, renames, diffs };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) runBoundsBench();
