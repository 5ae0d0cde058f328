// The VS Code client: starts `fdwarden lsp` over stdio for .policy files. Bundled by
// scripts/package-vscode.mjs into dist/extension.js (CommonJS, `vscode` left to the editor).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { window, workspace } from 'vscode';
import { LanguageClient, TransportKind } from 'vscode-languageclient/node';

let client;

/** How to start the server: the configured command, the workspace's own install, or the PATH's. */
function serverOptions() {
  const configured = workspace.getConfiguration('fdwarden').get('path', '');
  const local = (workspace.workspaceFolders ?? []).map((f) => join(f.uri.fsPath, 'node_modules', '.bin', 'fdwarden')).find((p) => existsSync(p));
  const command = configured || local || 'fdwarden';
  if (/\.[cm]?js$/.test(command)) return { module: command, args: ['lsp'], transport: TransportKind.stdio };
  return { command, args: ['lsp'], transport: TransportKind.stdio };
}

export async function activate(context) {
  client = new LanguageClient('fdwarden', 'fdwarden policy language', serverOptions(), {
    documentSelector: [{ language: 'fdwarden' }],
    initializationOptions: { vars: workspace.getConfiguration('fdwarden').get('vars') },
    synchronize: { configurationSection: 'fdwarden' },
  });
  context.subscriptions.push(workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration('fdwarden.path')) void window.showInformationMessage('fdwarden.path changed: reload the window to use it.');
  }));
  await client.start();
}

export function deactivate() {
  return client?.stop();
}
