/**
 * The shared state's shape, and the check a link's state passes before the page uses any of it:
 * every field of the type the page expects, the run's tree a tree of bounded depth and size
 * whose names are names, and the bounds below. Fields the page does not know are dropped.
 */
import type { Tree } from './run-protocol.js';

export interface SharedState {
  /** Policy text and the file name it is compiled as. */
  policy: string;
  file: string;
  vars: string;
  /** A shipped recording's id, or `paste` with the pasted text. */
  trace: string;
  pasted?: string;
  /** The view a pasted log is replayed on: nothing (`empty`) or the recordings' snapshot (`system`). */
  fs?: 'empty' | 'system';
  cwd: string;
  /** The saved copy a diff compares with. */
  old?: { policy: string; file: string };
  run?: { args: string; cwd?: string; fs?: Tree };
}

/** What a link may hold. */
export const LIMITS = {
  /** Characters after `#s=` (a browser keeps URLs up to about 2 MB). */
  fragment: 1 << 20,
  /** Bytes of JSON once inflated: the pasted log is most of it (2 MiB is some 25000 strace lines). */
  inflated: 2 << 20,
  /** Characters of each policy text (the shipped ones are under 10 KiB). */
  policy: 256 << 10,
  /** Directories nested in the run's tree, and its entries in all. */
  treeDepth: 64,
  treeEntries: 10_000,
} as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const own = (o: Record<string, unknown>, k: string): unknown => (Object.hasOwn(o, k) ? o[k] : undefined);

/** A name of a directory entry: one component (Linux's NAME_MAX is 255 bytes). */
function nameProblem(name: string): string | undefined {
  if (name === '' || name === '.' || name === '..') return `${JSON.stringify(name)} is not a file name`;
  if (name.includes('/') || name.includes('\0')) return `${JSON.stringify(name)} holds "/" or NUL`;
  if (new TextEncoder().encode(name).length > 255) return `a name is longer than 255 bytes`;
  return undefined;
}

/** The tree as the run pane keeps it (fresh objects, own properties only), or the first problem. */
export function validTree(v: unknown): Tree | string {
  let entries = 0;
  const walk = (node: unknown, at: string, depth: number): Tree | string => {
    if (!isObject(node)) return `${at || '/'} is not a directory`;
    if (depth > LIMITS.treeDepth) return `directories are nested more than ${LIMITS.treeDepth} deep`;
    const out: Tree = {};
    for (const name of Object.keys(node)) {
      if (++entries > LIMITS.treeEntries) return `it has more than ${LIMITS.treeEntries} entries`;
      const p = `${at}/${name}`;
      const bad = nameProblem(name);
      if (bad) return `${at || '/'}: ${bad}`;
      const e = node[name];
      let value: Tree[string];
      if (typeof e === 'string') value = e;
      else if (Array.isArray(e) && e.length === 2 && e[0] === 'symlink' && typeof e[1] === 'string') {
        const target = e[1];
        if (target === '' || target.includes('\0') || target.length >= 4096) return `${p}: a symlink's target is empty, holds NUL or is longer than 4095 bytes`;
        value = ['symlink', target];
      } else if (Array.isArray(e) && e.length === 2 && e[0] === 'base64' && typeof e[1] === 'string') {
        const b64 = e[1];
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.replace(/=+$/, '').length % 4 === 1) return `${p}: its base64 is not base64`;
        value = ['base64', b64];
      } else if (Array.isArray(e)) {
        return `${p}: an array is ['symlink', target] or ['base64', bytes]`;
      } else {
        const sub = walk(e, p, depth + 1);
        if (typeof sub === 'string') return sub;
        value = sub;
      }
      // A name like __proto__ is a name: an own property, never the prototype.
      Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
    }
    return out;
  };
  return walk(v, '', 0);
}

/** The state a link holds, checked field by field; a string says what is wrong. */
export function validState(v: unknown): SharedState | string {
  if (!isObject(v)) return 'its state is not an object';
  const str = (k: string, o: Record<string, unknown> = v): string | undefined => {
    const x = own(o, k);
    return typeof x === 'string' ? x : undefined;
  };
  const wrong = (field: string, want: string) => `its state's ${field} is not ${want}`;
  for (const k of ['policy', 'file', 'trace']) if (str(k) === undefined) return wrong(k, 'a string');
  for (const k of ['vars', 'cwd', 'pasted']) if (own(v, k) !== undefined && str(k) === undefined) return wrong(k, 'a string');
  const fs = own(v, 'fs');
  if (fs !== undefined && fs !== 'empty' && fs !== 'system') return wrong('fs', '"empty" or "system"');
  const state: SharedState = { policy: str('policy')!, file: str('file')!, vars: str('vars') ?? '', trace: str('trace')!, cwd: str('cwd') ?? '' };
  if (state.policy.length > LIMITS.policy) return `its policy is longer than ${LIMITS.policy} characters`;
  if (own(v, 'pasted') !== undefined) state.pasted = str('pasted')!;
  if (fs !== undefined) state.fs = fs;
  const old = own(v, 'old');
  if (old !== undefined) {
    if (!isObject(old) || str('policy', old) === undefined || str('file', old) === undefined) return wrong('old', 'a policy and a file name');
    if (str('policy', old)!.length > LIMITS.policy) return `its old policy is longer than ${LIMITS.policy} characters`;
    state.old = { policy: str('policy', old)!, file: str('file', old)! };
  }
  const run = own(v, 'run');
  if (run !== undefined) {
    if (!isObject(run) || str('args', run) === undefined) return wrong('run', 'arguments (a string) with a start directory and a tree');
    if (own(run, 'cwd') !== undefined && str('cwd', run) === undefined) return wrong('run.cwd', 'a string');
    state.run = { args: str('args', run)! };
    if (own(run, 'cwd') !== undefined) state.run.cwd = str('cwd', run)!;
    if (own(run, 'fs') !== undefined) {
      const tree = validTree(own(run, 'fs'));
      if (typeof tree === 'string') return `its state's run.fs is not a tree the run can use: ${tree}`;
      state.run.fs = tree;
    }
  }
  return state;
}
