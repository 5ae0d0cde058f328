// Policy matcher benchmark: decisions/s for generated policies of 10, 1,000 and 10,000 rules on one
// request stream, and the compiled matcher against a loop of picomatch matchers over the same
// 1,000 rules (answers checked identical); then the cost bounds (rules-bounds.mjs: policy load,
// rename checks and diff under a normal and an exploding policy). Run after a build:
// `node bench/rules.mjs`. Timings are best-of-N; ratios between rows are what to compare across machines.
import { fileURLToPath } from 'node:url';
import picomatch from 'picomatch';
import { compile } from '../dist/rules/compile.js';
import { decide, matchingRules } from '../dist/rules/decide.js';
import { bit } from '../dist/rules/rights.js';
import { runBoundsBench } from './rules-bounds.mjs';

const SPAN = { file: 'bench', line: 1, col: 1, endLine: 1, endCol: 1 };
const READ = bit('read');
const WRITE = bit('write');

/** A small deterministic PRNG, so every run sees the same policies and requests. */
function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

const mask = (...names) => names.reduce((m, n) => m | bit(n), 0);

/** Rules every policy has, then per-project rules of a few shapes (no `[!..]`: picomatch#187). */
export function generatePolicy(n) {
  const specs = [
    ['deny', ['/**/.ssh', '/**/.ssh/**'], mask('read', 'write'), [], 'ENOENT'],
    ['allow', ['/usr', '/usr/**'], mask('read', 'exec', 'stat', 'list'), []],
    ['allow', ['/tmp', '/tmp/**'], mask('read', 'write', 'create', 'delete'), ['/tmp/**/*.lock']],
    ['deny', ['/etc/shadow', '/etc/gshadow'], mask('read'), []],
  ];
  for (let i = 0; specs.length < n; i++) {
    const k = i % 6;
    const id = Math.floor(i / 6);
    if (k === 0) specs.push(['allow', [`/srv/p${id}`, `/srv/p${id}/**`], mask('read', 'list', 'stat'), []]);
    if (k === 1) specs.push(['allow', [`/srv/p${id}/**/*.ts`], mask('write', 'truncate'), [`/srv/p${id}/dist/**`]]);
    if (k === 2) specs.push(['deny', [`/srv/p${id}/.git`, `/srv/p${id}/.git/**`], mask('write', 'delete'), [], 'EROFS']);
    if (k === 3) specs.push(['allow', [`/home/u${id}/.cache`, `/home/u${id}/.cache/**`], mask('read', 'write'), [`/home/u${id}/.cache/secret*`]]);
    if (k === 4) specs.push(['allow', [`/data/d${id}/[a-f]*.bin`, `/data/d${id}/??/*.csv`], mask('read'), []]);
    if (k === 5) specs.push(['deny', [`/srv/p${id}/**/*.key`], mask('read'), [], 'EACCES']);
  }
  const rules = specs.slice(0, n).map(([effect, patterns, rights, except, errno], id) => {
    const r = { id, effect, tier: 0, rights, patterns, except, span: SPAN };
    if (errno) r.errno = errno;
    return r;
  });
  return { abi: 1, default: { effect: 'deny', errno: 'EACCES' }, unknown: { effect: 'deny', errno: 'EPERM' }, rules };
}

/**
 * Requests over the namespaces the policies cover, ids drawn up to the largest policy's.
 * `burst` requests in a row stay in one project, as a build or `git status` does; burst 1 is the
 * worst case, every request somewhere else.
 */
export function generateRequests(count, { seed = 7, burst = 1 } = {}) {
  const r = rng(seed);
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const file = () => pick(['index.ts', 'a.ts', 'README.md', 'key.key', 'x.lock', 'Makefile']);
  let id = 0;
  const shapes = [
    () => `/srv/p${id}/src/${file()}`,
    () => `/srv/p${id}/${pick(['.git/HEAD', '.git/objects/ab/cd', 'dist/a.ts', 'lib/deep/er/b.ts'])}`,
    () => `/home/u${id}/.cache/${pick(['x', 'secret.tok', 'pip/wheels/a.whl'])}`,
    () => `/home/u${id}/.ssh/id_ed25519`,
    () => `/data/d${id}/${pick(['abc.bin', 'zz.bin', 'q1/t.csv', 'q/t.csv'])}`,
    () => `/usr/lib/${pick(['libc.so.6', 'x86_64-linux-gnu/libm.so', 'python3/os.py'])}`,
    () => `/tmp/${pick(['build', 'build/out/a.o', 'x.lock', 'y/z.lock'])}`,
    () => `/etc/${pick(['shadow', 'passwd', 'hosts'])}`,
  ];
  return Array.from({ length: count }, (_, i) => {
    if (i % burst === 0) id = Math.floor((r() * 10_000) / 6);
    return { path: pick(shapes)(), rights: pick([READ, WRITE, READ | WRITE]) };
  });
}

function timed(f) {
  const t0 = process.hrtime.bigint();
  const out = f();
  return { s: Number(process.hrtime.bigint() - t0) / 1e9, out };
}

let sink = 0;
const pass = (c, requests) => () => {
  for (const q of requests) sink += decide(c, q).length;
};

/**
 * Decisions/s per policy on one stream: one warm-up pass each (it builds the states), then the
 * best of `runs` passes, policies interleaved so background load hits them alike.
 */
function decisionRates(compiled, requests, runs = 7) {
  const best = compiled.map((c) => (pass(c, requests)(), Infinity));
  for (let i = 0; i < runs; i++) compiled.forEach((c, k) => (best[k] = Math.min(best[k], timed(pass(c, requests)).s)));
  return best.map((s) => requests.length / s);
}

/** picomatch's answer for "which rules match this path", one matcher per pattern. */
function picomatchRules(policy, make) {
  const opts = { dot: true };
  const rules = policy.rules.map((r) => ({
    id: r.id,
    pats: r.patterns.map((p) => make(p, opts)),
    excepts: r.except.map((p) => make(p, opts)),
  }));
  return (path) => {
    const ids = [];
    for (const r of rules) if (r.pats.some((m) => m(path)) && !r.excepts.some((m) => m(path))) ids.push(r.id);
    return ids;
  };
}

export function runRulesBench({ requests = 20_000, log = console.log } = {}) {
  const sizes = [10, 1_000, 10_000];
  const compiled = [];
  const rows = [];
  for (const n of sizes) {
    const { s, out } = timed(() => compile(generatePolicy(n)));
    compiled.push(out);
    rows.push({ rules: n, 'compile ms': (s * 1e3).toFixed(1) });
  }
  const streams = { 'one project per 50 requests': 50, 'every request elsewhere': 1 };
  const ratios = {};
  for (const [name, burst] of Object.entries(streams)) {
    const rates = decisionRates(compiled, generateRequests(requests, { burst }));
    rates.forEach((rate, k) => (rows[k][`${name}: decisions/s`] = Math.round(rate).toLocaleString('en')));
    ratios[name] = rates[0] / rates[2];
  }
  compiled.forEach((c, k) => Object.assign(rows[k], { 'DFA states': c.dfa.size, flushes: c.dfa.flushes }));
  log(`\nrules matcher: decisions on the same ${requests.toLocaleString('en')}-request streams`);
  console.table(rows);
  for (const [name, r] of Object.entries(ratios)) log(`10,000-rule cost / 10-rule cost, ${name}: ${r.toFixed(2)}x (target <= 1.5x)`);

  const policy = generatePolicy(1_000);
  const c = compiled[1];
  const pm = picomatchRules(policy, (p, o) => picomatch(p, o));
  const re = picomatchRules(policy, (p, o) => {
    const r = picomatch.makeRe(p, o);
    return (s) => r.test(s);
  });
  const paths = generateRequests(2_000, { seed: 11 }).map((q) => q.path);
  let mismatches = 0;
  for (const p of paths) {
    const a = matchingRules(c, p).join(',');
    const b = pm(p).join(',');
    if ((a !== b || b !== re(p).join(',')) && mismatches++ < 3) log(`  mismatch on ${p}: compiled [${a}] picomatch [${b}]`);
  }
  const perPath = (f, reps) => {
    let best = Infinity;
    for (let i = 0; i < 3; i++) best = Math.min(best, timed(() => { for (let k = 0; k < reps; k++) for (const p of paths) sink += f(p).length; }).s);
    return best / (paths.length * reps);
  };
  const ours = perPath((p) => matchingRules(c, p), 20);
  const theirs = perPath(pm, 1);
  const theirRe = perPath(re, 1);
  log('\nwhich of 1,000 rules match a path (patterns and excepts)');
  console.table([
    { matcher: 'compiled automaton', 'µs/path': (ours * 1e6).toFixed(2), 'x slower': '1' },
    { matcher: 'picomatch matchers, looped', 'µs/path': (theirs * 1e6).toFixed(1), 'x slower': (theirs / ours).toFixed(0) },
    { matcher: 'picomatch RegExps (makeRe), looped', 'µs/path': (theirRe * 1e6).toFixed(1), 'x slower': (theirRe / ours).toFixed(0) },
  ]);
  log(`compiled vs picomatch: ${(theirs / ours).toFixed(0)}x faster (target >= 100x); answers ${mismatches === 0 ? 'identical' : `differ on ${mismatches} of ${paths.length} paths`}`);
  return { ratios, speedup: theirs / ours, speedupVsRegExp: theirRe / ours, mismatches };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runRulesBench();
  runBoundsBench();
}
