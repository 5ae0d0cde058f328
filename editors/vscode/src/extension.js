// The VS Code client: starts `fdwarden lsp` over stdio for .policy files. Bundled by
// scripts/package-vscode.mjs into dist/extension.js (CommonJS, `vscode` left to the editor).
import { existsSync } from 'node:fs';
import { window, workspace } from 'vscode';
import { LanguageClient, TransportKind } from 'vscode-languageclient/node';
import { serverCommand } from './server-command.js';

let client;

/** How to start the server (see server-command.js: a workspace never chooses the program). */
function serverOptions() {
  const userPath = workspace.getConfiguration('fdwarden').inspect('path')?.globalValue;
  const folders = (workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
  const chosen = serverCommand({ userPath, trusted: workspace.isTrusted, folders, exists: existsSync });
  return 'module' in chosen
    ? { module: chosen.module, args: ['lsp'], transport: TransportKind.stdio }
    : { command: chosen.command, args: ['lsp'], transport: TransportKind.stdio };
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
