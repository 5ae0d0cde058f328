/** `fdwarden lsp`: the language server for policy files, over stdin/stdout. */
import { parseOptions, UsageError } from '../cli/options.js';

export async function lspCommand(argv: readonly string[]): Promise<number> {
  // Language clients add `--stdio` (the only transport) and may add `--clientProcessId=N`.
  const p = parseOptions(argv, { stdio: {}, clientProcessId: { value: true } });
  if (p.positional.length > 0) throw new UsageError('usage: fdwarden lsp [--stdio]');
  (await import('./server.js')).startServer();
  // The server ends the process itself (on `exit`, or when its input closes).
  return new Promise<number>(() => {});
}
