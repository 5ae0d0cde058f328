/** The project's recordings of real programs (test/fixtures/traces), and the optional reference scorer. */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

export const TRACE_DIR = path.join(import.meta.dirname, '../../fixtures/traces');
/** The reference strip/score tool, when a checkout has it beside the project. */
export const STRIP_TOOL = path.join(import.meta.dirname, '../../../../shared/tools/strace-annotations.py');

export interface Trace {
  readonly name: string;
  readonly file: string;
  /** Lines without their '\n'. */
  readonly lines: readonly string[];
}

export function loadTraces(): Trace[] {
  if (!fs.existsSync(TRACE_DIR)) return [];
  return fs.readdirSync(TRACE_DIR)
    .filter((f) => f.endsWith('.strace'))
    .sort()
    .map((f) => {
      const file = path.join(TRACE_DIR, f);
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      if (lines[lines.length - 1] === '') lines.pop();
      return { name: f, file, lines };
    });
}

/** python3 runs and the reference tool exists. */
export function havePythonTool(): boolean {
  if (!fs.existsSync(STRIP_TOOL)) return false;
  const r = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  return r.status === 0;
}

/** Run the reference tool; PYTHONUTF8 makes its file and stdout encoding UTF-8 everywhere. */
export function runTool(args: readonly string[]): { stdout: string; status: number | null } {
  const r = spawnSync('python3', [STRIP_TOOL, ...args], {
    encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, PYTHONUTF8: '1', PYTHONIOENCODING: 'utf-8' },
  });
  return { stdout: r.stdout, status: r.status };
}
