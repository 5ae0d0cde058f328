/**
 * The red team's bench: a mount directory for the guest beside a canary directory it must never
 * reach, a picture of the canary (names, kinds, contents, modes, times) to compare before and
 * after, and the project's test programs run on the Node host.
 */
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileWali } from '../wali/build.js';
import { runCaptured, type RunResult } from '../host/cc.js';
import type { RunOptions } from '../../src/host/index.js';

/** A canary file's content: a token no guest output may ever contain. */
export const CANARY = 'CANARY-7f3a9c';

export interface Stage {
  root: string;
  /** The guest's mount (host side). */
  w: string;
  /** Outside every mount. */
  outside: string;
  cleanup(): void;
}

/** A fresh stage: `w/` for the guest and `outside/` with canary files and a canary directory. */
export function stage(prefix = 'fdwarden-red-'): Stage {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const w = join(root, 'w');
  const outside = join(root, 'outside');
  mkdirSync(w);
  mkdirSync(join(outside, 'sub'), { recursive: true });
  for (const f of ['x', 'secret', 'sub/x']) writeFileSync(join(outside, f), `${CANARY} ${f}\n`, { mode: 0o600 });
  return { root, w, outside, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** Everything observable of a tree, lstat-wise (symlinks not followed). */
export function picture(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(p);
      const kind = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'lnk' : st.isFile() ? 'reg' : 'other';
      const body = st.isFile() ? readFileSync(p, 'latin1') : st.isSymbolicLink() ? readlinkSync(p) : '';
      out[r] = `${kind} ${(st.mode & 0o7777).toString(8)} ${st.mtimeMs} ${body}`;
      if (st.isDirectory()) walk(p, r);
    }
  };
  walk(dir, '');
  return out;
}

let fsopsWasm: Uint8Array | undefined;

/** The fsops test program (test/wali/programs/fsops.c) on the Node host, with `words` as its ops. */
export function fsops(words: string[], opts: Omit<RunOptions, 'stdio' | 'args'>): Promise<RunResult> {
  fsopsWasm ??= new Uint8Array(readFileSync(compileWali('fsops')));
  return runCaptured(fsopsWasm, { ...opts, args: ['fsops', ...words] });
}

/** fsops' result of op `op` (`OP ARG... = RESULT ...`), as a number. */
export function result(stdout: string, line: number): number {
  const l = stdout.split('\n')[line] ?? '';
  const m = / = (-?\d+)/.exec(l);
  return m ? Number(m[1]) : NaN;
}
