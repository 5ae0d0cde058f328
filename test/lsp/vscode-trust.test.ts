/**
 * Opening a stranger's repository in VS Code must not run a program of the repository's
 * choosing: the extension starts `fdwarden lsp` as soon as a .policy file shows. Before, a
 * workspace's `.vscode/settings.json` (`fdwarden.path`) or its `node_modules/.bin/fdwarden`
 * chose the command, in any workspace. Now only the user's own setting, or a trusted
 * workspace's install, can; the manifest declares the setting machine-scoped and restricted in
 * untrusted workspaces.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain JavaScript module of the extension (no types)
import { serverCommand } from '../../editors/vscode/src/server-command.js';

type Chosen = { command: string } | { module: string };
const choose = serverCommand as (w: { userPath: string | undefined; trusted: boolean; folders: string[]; exists: (p: string) => boolean }) => Chosen;
const ROOT = join(import.meta.dirname, '../..');
const planted = (p: string): boolean => p === '/repo/node_modules/.bin/fdwarden';

describe('the command the extension starts', () => {
  it("an untrusted workspace's node_modules/.bin/fdwarden is never run: the PATH's fdwarden is", () => {
    expect(choose({ userPath: undefined, trusted: false, folders: ['/repo'], exists: planted })).toEqual({ command: 'fdwarden' });
  });

  it("a trusted workspace's own install is used", () => {
    expect(choose({ userPath: undefined, trusted: true, folders: ['/other', '/repo'], exists: planted })).toEqual({ command: '/repo/node_modules/.bin/fdwarden' });
  });

  it("the user's own setting wins, a .js path runs with the editor's Node", () => {
    expect(choose({ userPath: '/home/me/bin/fdwarden', trusted: false, folders: ['/repo'], exists: planted })).toEqual({ command: '/home/me/bin/fdwarden' });
    expect(choose({ userPath: '/src/fdwarden/bin/fdwarden.js', trusted: true, folders: ['/repo'], exists: planted })).toEqual({ module: '/src/fdwarden/bin/fdwarden.js' });
  });

  it("the extension reads fdwarden.path from the user's settings only (inspect().globalValue), never get()", () => {
    const src = readFileSync(join(ROOT, 'editors/vscode/src/extension.js'), 'utf8');
    expect(src).toMatch(/inspect\('path'\)\?\.globalValue/);
    expect(src).not.toMatch(/get\('path'/);
    expect(src).toMatch(/trusted: workspace\.isTrusted/);
  });

  it('the manifest: fdwarden.path is machine-scoped and restricted in untrusted workspaces', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'editors/vscode/package.json'), 'utf8')) as {
      capabilities: { untrustedWorkspaces: { supported: string; restrictedConfigurations: string[] } };
      contributes: { configuration: { properties: Record<string, { scope?: string }> } };
    };
    expect(pkg.capabilities.untrustedWorkspaces.supported).toBe('limited');
    expect(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations).toEqual(['fdwarden.path']);
    expect(pkg.contributes.configuration.properties['fdwarden.path']!.scope).toBe('machine');
  });
});
