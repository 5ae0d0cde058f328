/** Runs the CLI's main() in this process and captures what it prints and its exit status. */
import { vi } from 'vitest';
import { main } from '../../../src/cli/main.js';

export interface Ran {
  status: number;
  stdout: string;
  stderr: string;
}

export async function cli(...argv: string[]): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    stdout += typeof s === 'string' ? s : Buffer.from(s).toString('utf8');
    return true;
  });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    stderr += typeof s === 'string' ? s : Buffer.from(s).toString('utf8');
    return true;
  });
  try {
    const status = await main(argv);
    return { status, stdout, stderr };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}
