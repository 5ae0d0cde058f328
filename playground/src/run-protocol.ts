/** Messages between the run pane and its worker. */
import type { MemoryTree } from 'fdwarden/browser';

/** The run's filesystem as MemoryFs.toJson gives it: text files, directories, tagged leaves. */
export type Tree = MemoryTree;

export interface RunRequest {
  wasm: Uint8Array;
  policy: string;
  file: string;
  vars: Record<string, string[]>;
  /** Shipped policy files by path, for includes. */
  files: [string, string][];
  tree: Tree;
  args: string[];
  cwd: string;
}

export type WorkerMessage =
  | { type: 'stdout' | 'stderr'; text: string }
  | { type: 'decision'; text: string; denied: boolean; explanation?: string }
  | { type: 'done'; status: number; tree: Tree; error?: string; decisions?: number; unposted?: number; unshown?: number };
