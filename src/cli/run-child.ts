/**
 * The child process of `fdwarden run --timeout` (run-deadline.ts): the same command without
 * --timeout. It ends itself when its parent goes away, so a killed fdwarden leaves no guest behind.
 */
import { main } from './main.js';
import { internalError, report } from './run-endings.js';

// The channel must not keep this process alive; its end means the parent is gone.
process.channel?.unref();
process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
try {
  process.exitCode = await main(['run', ...process.argv.slice(2)]);
} catch (e) {
  process.exitCode = report(internalError(String(e), (e as Error | undefined)?.stack), (t) => process.stderr.write(t));
}
