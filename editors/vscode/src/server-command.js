// Which program the editor starts as the language server. A workspace is a stranger's until the
// user trusts it: neither its settings (.vscode/settings.json) nor its node_modules may choose a
// program the editor runs, or opening a cloned repository would run code from it.
import { join } from 'node:path';

/**
 * The server's command: the user's own `fdwarden.path` setting (never a workspace's), else,
 * in a trusted workspace only, the workspace's `node_modules/.bin/fdwarden`, else `fdwarden`
 * on the PATH.
 * @param {{ userPath: string | undefined, trusted: boolean, folders: string[], exists: (p: string) => boolean }} where
 * @returns {{ command: string } | { module: string }}
 */
export function serverCommand({ userPath, trusted, folders, exists }) {
  const local = trusted ? folders.map((f) => join(f, 'node_modules', '.bin', 'fdwarden')).find((p) => exists(p)) : undefined;
  const command = userPath || local || 'fdwarden';
  return /\.[cm]?js$/.test(command) ? { module: command } : { command };
}
