/**
 * The in-memory host's test bench: a run of fsops on a MemfsHost behind `wrap()`, with the
 * guest's namespace described either as a snapshot taken before the run (`treeNamespace`) or as a
 * live View of the VFS (`viewNamespace`), and a spy under the interposer that records what each
 * call reaching the host acts on, resolved the host's own way (MemFs.resolve, before it runs).
 */
import { treeNamespace, viewNamespace, wrap, type DecisionEvent, type IrPolicy, type Namespace } from '../../src/wali-entry.js';
import { WA } from '../../src/wali/wasm.js';
import { fsopsModule, Spy, type Resolver, type Touch } from './common.js';
import { memfsSnapshot, memfsView, MemfsHost, type MemFs } from './memfs.js';

export type Describe = 'snapshot' | 'live';

/** The namespace an embedder of the memfs host gives: its tree as a snapshot, or as a live View. */
export function memfsNamespace(fs: MemFs, cwd: string, how: Describe): Namespace {
  return how === 'snapshot' ? treeNamespace(memfsSnapshot(fs), { cwd }) : viewNamespace(memfsView(fs), { cwd });
}

/** The host's own resolution, for the spy. */
export function memfsResolver(host: MemfsHost): Resolver {
  const fs = host.fs;
  return {
    str(p) {
      try {
        return host.str(p);
      } catch {
        return null;
      }
    },
    fd: (fd) => (fd === -100 ? fs.pathOf(host.cwdDir) : host.pathOfFd(fd)),
    obj(dirfd, path, follow) {
      const start = path.startsWith('/') ? fs.root : host.startOf(dirfd);
      if (!start) return null;
      try {
        const f = fs.resolve(start, path, follow);
        return { path: f.path, exists: f.node !== undefined };
      } catch {
        return null;
      }
    },
  };
}

export interface MemRun {
  status: number;
  stdout: string;
  stderr: string;
  denials: DecisionEvent[];
  touches: Touch[];
  /** With `spy`: calls whose objects, as the host resolves them, are not the ones the policy judged. */
  mismatches: string[];
}

/** Runs fsops with `words` on a MemfsHost over `fs`, behind wrap(). */
export function runMemfs(fs: MemFs, words: string[], opts: { policy: IrPolicy; cwd: string; describe: Describe; spy?: boolean }): MemRun {
  const host = new MemfsHost(fs, { args: ['fsops', ...words], cwd: opts.cwd });
  const spy = new Spy(opts.spy ? memfsResolver(host) : undefined);
  host.onCall = (name, args) => spy.hostCall(name, args);
  // The embedder's line: the host's imports, the policy, the namespace the host gives.
  const imports = wrap(host.imports(), { policy: opts.policy, namespace: memfsNamespace(fs, opts.cwd, opts.describe), decisions: opts.spy ? 'all' : 'denials', onDecision: spy.onDecision });
  const instance = new WA.Instance(fsopsModule(), imports);
  imports.attach(instance);
  const status = host.start(instance as { exports: Record<string, unknown> });
  return { status, stdout: host.stdout, stderr: host.stderr, denials: spy.denials, touches: spy.touches, mismatches: spy.mismatches };
}
