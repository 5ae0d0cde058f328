// fdwarden benchmarks: every figure is measured in this one run, side by side, so ratios hold
// on whatever machine runs it. Corpus: ../shared/traces when present, else the project's own
// recordings, concatenated 20 times (~200k lines).
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createActor } from 'xstate';
import { Replay } from '../dist/strace/replay.js';
import { stripAnnotations } from '../dist/strace/annotations.js';
import { parseStraceLine } from '../dist/strace/line.js';
import { parseArgs } from '../dist/strace/args.js';
import { fdSpec } from '../dist/strace/fd-args.js';
import { decodeCall, decodes } from '../dist/strace/decode.js';
import { Kernel } from '../dist/state/kernel.js';
import { emptyView, liveView } from '../dist/state/view.js';
import { applyWithPatches, freezeState } from '../dist/state/snapshot.js';
import { sandboxMachine } from '../dist/state/lifecycle.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const shared = join(root, '..', 'shared', 'traces');
const dir = existsSync(join(shared, 'INDEX.tsv')) ? shared : join(root, 'test', 'fixtures', 'traces');
const REPEAT = Number(process.env.FDWARDEN_BENCH_REPEAT ?? 20);
const files = readdirSync(dir).filter((f) => f.endsWith('.strace')).sort();
const one = files.flatMap((f) => {
  const l = readFileSync(join(dir, f), 'latin1').split('\n');
  if (l[l.length - 1] === '') l.pop();
  return l.map(stripAnnotations);
});
const corpus = [];
for (let i = 0; i < REPEAT; i++) corpus.push(...one);
const inherit = [0, 1, 2].map((fd) => ({ fd, path: '/dev/null' }));
const opts = () => ({ view: liveView(), cwd: '/tmp/fdwarden-bench', inherit });

function best(runs, f) {
  let min = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    f();
    min = Math.min(min, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return min;
}

// 1. parse only: strip, parse every line, parse and decode the arguments of calls that matter.
const parseOnly = () => {
  let n = 0;
  corpus.forEach((raw, i) => {
    const line = raw.indexOf('<') < 0 ? raw : stripAnnotations(raw);
    const p = parseStraceLine(line, i + 1);
    if ((p.kind === 'call' || p.kind === 'unfinished') && (fdSpec(p.name) || decodes(p.name))) {
      const a = parseArgs(p.argsText, p.argsAt);
      if (decodeCall(p.name, a)) n++;
    }
  });
  return n;
};
// 2. parse + model + annotate: the whole replay, in process.
const full = () => {
  const r = new Replay(opts());
  for (let i = 0; i < corpus.length; i++) r.feed(corpus[i], i + 1);
};
// 3. model only: the decoded events, applied to a fresh kernel.
const events = [];
{
  const r = new Replay(opts());
  r.onCall = (c) => { if (c.call) events.push([c.tid, c.call, c.observed]); };
  for (let i = 0; i < one.length; i++) r.feed(one[i], i + 1);
}
const modelOnly = () => {
  for (let rep = 0; rep < REPEAT; rep++) {
    const k = new Kernel({ view: liveView() });
    k.spawn({ tid: events[0][0], cwd: '/tmp/fdwarden-bench', fds: inherit });
    for (const [tid, call, obs] of events) {
      if (!k.task(tid)) k.spawn({ tid, partialFds: true });
      k.syscall(tid, call, obs);
    }
  }
};

parseOnly(); full(); modelOnly(); // warm up
// Interleaved rounds, best of each: both sides see the same machine state (JIT, GC, load).
let tParse = Infinity, tFull = Infinity, tModel = Infinity;
for (let round = 0; round < 9; round++) {
  tParse = Math.min(tParse, best(1, parseOnly));
  tFull = Math.min(tFull, best(1, full));
  tModel = Math.min(tModel, best(1, modelOnly));
}

// 4. the CLI as a whole process on the concatenated log.
const tmp = mkdtempSync(join(tmpdir(), 'fdwarden-bench-'));
const big = join(tmp, 'corpus.strace');
writeFileSync(big, Buffer.from(corpus.join('\n') + '\n', 'latin1'));
const cli = join(root, 'bin', 'fdwarden.js');
const tCli = best(3, () => {
  const r = spawnSync(process.execPath, [cli, 'annotate', big, '--cwd', '/tmp/fdwarden-bench',
    '--inherit', '0=/dev/null', '--inherit', '1=/dev/null', '--inherit', '2=/dev/null'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`annotate exited ${r.status}`);
});

// 5. where xstate and immer cost: one lifecycle event, one syscall through immer vs in place.
const N = 20000;
const actor = createActor(sandboxMachine).start();
const tSend = best(3, () => { for (let i = 0; i < N; i++) actor.send({ type: 'task.exec', tid: 1 }); }) / N;
const k0 = new Kernel({ view: emptyView });
k0.spawn({ tid: 1, cwd: '/w', fds: inherit });
const call = { sys: 'dup', fd: 0 };
const close = (fd) => ({ sys: 'close', fd });
const tMut = best(3, () => { for (let i = 0; i < N; i++) { const o = k0.syscall(1, call); k0.syscall(1, close(o.ret)); } }) / (2 * N);
let st = freezeState(k0);
const tImmer = best(3, () => {
  for (let i = 0; i < N / 10; i++) {
    const a = applyWithPatches(st, emptyView, 1, call);
    st = applyWithPatches(a.state, emptyView, 1, close(a.outcome.ret)).state;
  }
}) / (2 * N / 10);

const lines = corpus.length;
const rate = (n, t) => Math.round(n / t).toLocaleString('en-US');
const rows = [
  ['corpus', `${files.length} traces from ${dir} x${REPEAT} = ${lines.toLocaleString('en-US')} lines, ${(events.length * REPEAT).toLocaleString('en-US')} model events`],
  ['parse only', `${rate(lines, tParse)} lines/s`],
  ['parse + model + annotate', `${rate(lines, tFull)} lines/s  (model adds ${(100 * (tFull - tParse) / tParse).toFixed(0)}% over parsing; target <= 50%)`],
  ['model only', `${rate(events.length * REPEAT, tModel)} events/s  (target >= 1,000,000)`],
  ['fdwarden annotate (process)', `${rate(lines, tCli)} lines/s  (${tCli.toFixed(2)} s incl. node start-up; target >= 200,000)`],
  ['syscall, in place (hot path)', `${(tMut * 1e6).toFixed(2)} us/event`],
  ['syscall through immer + patches', `${(tImmer * 1e6).toFixed(2)} us/event  (${(tImmer / tMut).toFixed(0)}x the hot path; snapshots/debugging only)`],
  ['xstate actor.send (lifecycle)', `${(tSend * 1e6).toFixed(2)} us/event  (spawn/clone/exec/exit/unknown only)`],
];
const w = Math.max(...rows.map((r) => r[0].length));
for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
