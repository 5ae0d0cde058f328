/**
 * The run pane: test/wali/programs/fsops.c (built to wasm with the page) run by the in-memory
 * WALI host in a Web Worker, under the editor's policy. Its filesystem is a tree the user edits
 * (click a file to change or delete it, add one by path); its arguments are editable; decisions
 * are listed as they happen, denials marked; after the run the tree shows what the program left.
 */
import type { MemoryLeaf } from 'fdwarden/browser';
import type { RunRequest, Tree, WorkerMessage } from './run-protocol.js';

export interface RunPaneState {
  args: string;
  cwd: string;
  fs: Tree;
}

export interface RunPaneOptions {
  /** The program's URL, or null when the build had no clang to compile it. */
  wasmUrl: string | null;
  policy: () => { text: string; file: string; vars: Record<string, string[]>; files: [string, string][] };
  /** A link's run state, already checked (state-check.ts). */
  initial: { args: string; fs?: Tree; cwd?: string } | undefined;
  onChange: () => void;
}

export interface RunPane {
  state(): { args: string; cwd: string; fs: Tree };
}

/** A starting tree for the example policies: a work directory and a system file the policy protects. */
export const DEFAULT_TREE: Tree = {
  etc: { passwd: 'root:x:0:0:root:/root:/bin/sh\n' },
  tmp: { 'fdw-rec': { 'deleted-files': { 'notes.txt': 'written by a test\n' } } },
};
export const DEFAULT_ARGS = 'cat /tmp/fdw-rec/deleted-files/notes.txt unlink /etc/passwd cat /etc/passwd';

/** Words of the args field: blanks separate them, "double quotes" keep blanks in one. */
export function splitArgs(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!);
  return out;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...kids: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...kids);
  return e;
}

/** A directory of the tree (symlinks and binary files are tagged arrays, text files strings). */
function isDir(v: Tree[string]): v is Tree {
  return typeof v === 'object' && !Array.isArray(v);
}

/** The entry at an absolute path, with its parent directory and name. */
function locate(tree: Tree, path: string): { parent: Tree; name: string } | undefined {
  const parts = path.split('/').filter(Boolean);
  const name = parts.pop();
  if (name === undefined) return undefined;
  let dir = tree;
  for (const p of parts) {
    if (p === '.' || p === '..') return undefined;
    // Own properties only: a directory named __proto__ is a directory.
    const next = Object.hasOwn(dir, p) ? dir[p] : undefined;
    if (next === undefined) Object.defineProperty(dir, p, { value: {}, enumerable: true, writable: true, configurable: true });
    else if (!isDir(next)) return undefined;
    dir = dir[p] as Tree;
  }
  if (name === '.' || name === '..') return undefined;
  return { parent: dir, name };
}

export function mountRunPane(root: HTMLElement, o: RunPaneOptions): RunPane {
  let tree: Tree = structuredClone(o.initial?.fs ?? DEFAULT_TREE);
  const args = el('input', { id: 'run-args', value: o.initial?.args ?? DEFAULT_ARGS, spellcheck: false });
  const cwd = el('input', { id: 'run-cwd', value: o.initial?.cwd ?? '/', spellcheck: false });
  const run = el('button', { id: 'run', type: 'button', textContent: 'Run fsops.wasm' });
  const stop = el('button', { id: 'run-stop', type: 'button', textContent: 'Stop', disabled: true });
  const status = el('span', { id: 'run-status' });
  const treeBox = el('div', { id: 'run-tree', className: 'tree' });
  const path = el('input', { id: 'run-file-path', placeholder: '/tmp/fdw-rec/deleted-files/new.txt', spellcheck: false });
  const body = el('textarea', { id: 'run-file-body', rows: 4, spellcheck: false });
  const save = el('button', { id: 'run-file-save', type: 'button', textContent: 'Save file' });
  const remove = el('button', { id: 'run-file-delete', type: 'button', textContent: 'Delete' });
  const decisions = el('div', { id: 'run-decisions', className: 'run-decisions out' });
  const output = el('pre', { id: 'run-output', className: 'out' });
  root.append(
    el('p', { className: 'note', textContent: 'fsops runs the syscalls named by its arguments (see test/wali/programs/fsops.c): open PATH FLAGS, cat PATH, write FD TEXT, unlink PATH, rename OLD NEW, mkdir PATH, ls PATH …' }),
    el('label', {}, 'arguments (after argv[0])', args),
    el('label', {}, 'start directory', cwd),
    el('div', { className: 'buttons' }, run, stop, status),
    el('h3', { textContent: 'In-memory filesystem' }), treeBox,
    el('label', {}, 'file', path), body, el('div', { className: 'buttons' }, save, remove),
    el('h3', { textContent: 'Decisions' }), decisions,
    el('h3', { textContent: 'Output' }), output,
  );
  if (o.wasmUrl === null) {
    run.disabled = true;
    status.textContent = 'this build has no fsops.wasm (clang with the wasm32 target was missing)';
  }

  const showTree = (): void => {
    const list = (t: Tree, at: string): HTMLUListElement => {
      const ul = el('ul');
      for (const name of Object.keys(t).sort()) {
        const v = t[name]!;
        const p = `${at}/${name}`;
        if (isDir(v)) ul.append(el('li', { className: 'dir' }, `${name}/`, list(v, p)));
        else {
          const leaf = v as string | MemoryLeaf;
          const size = typeof leaf === 'string' ? `${new TextEncoder().encode(leaf).length} B` : leaf[0] === 'symlink' ? `-> ${leaf[1]}` : 'binary';
          const a = el('a', { href: '#', textContent: name, className: 'file' });
          a.dataset['path'] = p;
          a.addEventListener('click', (ev) => {
            ev.preventDefault();
            path.value = p;
            body.value = typeof v === 'string' ? v : JSON.stringify(v);
          });
          ul.append(el('li', {}, a, ` (${size})`));
        }
      }
      return ul;
    };
    treeBox.replaceChildren(list(tree, ''));
    treeBox.dataset['paths'] = JSON.stringify(allPaths(tree, ''));
  };
  showTree();

  save.addEventListener('click', () => {
    const at = locate(tree, path.value);
    if (!at) return void (status.textContent = `${path.value}: not a file path in the tree`);
    Object.defineProperty(at.parent, at.name, { value: body.value, enumerable: true, writable: true, configurable: true });
    showTree();
    o.onChange();
  });
  remove.addEventListener('click', () => {
    const at = locate(tree, path.value);
    if (at && Object.hasOwn(at.parent, at.name)) delete at.parent[at.name];
    showTree();
    o.onChange();
  });
  args.addEventListener('input', () => o.onChange());
  cwd.addEventListener('input', () => o.onChange());

  // Only a click starts a run: a link sets the arguments and the tree, never runs them.
  let worker: Worker | undefined;
  run.addEventListener('click', () => void (async () => {
    if (o.wasmUrl === null) return;
    worker?.terminate();
    // This run's worker: Stop, or a newer run, ends it and leaves `worker` to another.
    const w = new Worker(new URL('run-worker.js', document.baseURI), { type: 'module' });
    worker = w;
    stop.disabled = false;
    decisions.replaceChildren();
    output.textContent = '';
    status.textContent = 'running…';
    delete root.dataset['status'];
    const wasm = new Uint8Array(await (await fetch(o.wasmUrl)).arrayBuffer());
    if (worker !== w) return;
    const p = o.policy();
    const req: RunRequest = { wasm, policy: p.text, file: p.file, vars: p.vars, files: p.files, tree, args: ['fsops', ...splitArgs(args.value)], cwd: cwd.value || '/' };
    w.onmessage = (ev: MessageEvent<WorkerMessage>) => {
      const m = ev.data;
      if (m.type === 'decision') {
        const row = m.explanation !== undefined
          ? el('details', { className: m.denied ? 'denied' : 'refused' }, el('summary', { textContent: m.text }), el('pre', { textContent: m.explanation }))
          : el('div', { className: 'allowed', textContent: m.text });
        decisions.append(row);
      }
      else if (m.type !== 'done') output.append(m.text);
      else {
        tree = m.tree;
        showTree();
        if (m.unshown) output.append(`\n… ${m.unshown} more bytes of output not shown`);
        if (m.unposted) decisions.append(el('div', { className: 'allowed', textContent: `… ${m.unposted} more decisions not listed (${m.decisions ?? '?'} in all)` }));
        status.textContent = m.error ? `${m.status >= 0 ? `exit status ${m.status}, ` : ''}${m.error}` : `exit status ${m.status}`;
        root.dataset['status'] = String(m.status);
        w.terminate();
        worker = undefined;
        stop.disabled = true;
        o.onChange();
      }
    };
    w.postMessage(req);
  })());

  // A guest that never ends is stopped with its worker; the tree stays as it was before the run.
  stop.addEventListener('click', () => {
    worker?.terminate();
    worker = undefined;
    stop.disabled = true;
    status.textContent = 'stopped (the filesystem is as it was before the run)';
    root.dataset['status'] = 'stopped';
  });

  return { state: () => ({ args: args.value, cwd: cwd.value, fs: tree }) };
}

function allPaths(t: Tree, at: string): string[] {
  const out: string[] = [];
  for (const [name, v] of Object.entries(t)) {
    const p = `${at}/${name}`;
    if (isDir(v)) out.push(p + '/', ...allPaths(v, p));
    else out.push(p);
  }
  return out.sort();
}
