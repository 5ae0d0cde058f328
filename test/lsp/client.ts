/**
 * A language client for tests: `fdwarden lsp` as a child process (the built CLI, as an editor
 * starts it), driven over stdio by vscode-languageserver-protocol's own connection.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createProtocolConnection, DidChangeTextDocumentNotification, DidCloseTextDocumentNotification, DidOpenTextDocumentNotification, ExitNotification,
  InitializedNotification, InitializeRequest, PublishDiagnosticsNotification, ShutdownRequest, StreamMessageReader,
  StreamMessageWriter, type InitializeResult, type ProtocolConnection, type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';

const CLI = join(import.meta.dirname, '../../bin/fdwarden.js');

export const uriOf = (file: string): string => pathToFileURL(file).href;

export class TestClient {
  readonly child: ChildProcessWithoutNullStreams;
  readonly conn: ProtocolConnection;
  readonly stderr: string[] = [];
  /** Every publishDiagnostics, in order of arrival. */
  readonly published: PublishDiagnosticsParams[] = [];
  private waiters: (() => void)[] = [];
  readonly exited: Promise<number | null>;
  private versions = new Map<string, number>();

  constructor() {
    this.child = spawn(process.execPath, [CLI, 'lsp', '--stdio'], { stdio: 'pipe' });
    this.child.stderr.on('data', (d: Buffer) => this.stderr.push(d.toString()));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
    this.conn = createProtocolConnection(new StreamMessageReader(this.child.stdout), new StreamMessageWriter(this.child.stdin));
    this.conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
      this.published.push(p);
      for (const w of this.waiters.splice(0)) w();
    });
    this.conn.listen();
  }

  async initialize(initializationOptions?: unknown): Promise<InitializeResult> {
    const r = await this.conn.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: {}, initializationOptions });
    await this.conn.sendNotification(InitializedNotification.type, {});
    return r;
  }

  async open(uri: string, text: string): Promise<void> {
    this.versions.set(uri, 1);
    await this.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'fdwarden', version: 1, text } });
  }

  async replace(uri: string, text: string): Promise<void> {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    await this.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ text }] });
  }

  /** The next diagnostics for `uri` published for its current version. */
  async diagnostics(uri: string): Promise<PublishDiagnosticsParams> {
    for (;;) {
      const found = this.published.find((p) => p.uri === uri && p.version === this.versions.get(uri));
      if (found) return found;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** The first diagnostics for `uri` published after the first `after` publications. */
  async diagnosticsAfter(uri: string, after: number): Promise<PublishDiagnosticsParams> {
    for (;;) {
      const found = this.published.slice(after).find((p) => p.uri === uri);
      if (found) return found;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  async close(uri: string): Promise<void> {
    await this.conn.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  }

  async stop(): Promise<number | null> {
    await this.conn.sendRequest(ShutdownRequest.type);
    await this.conn.sendNotification(ExitNotification.type);
    const code = await this.exited;
    this.conn.dispose();
    return code;
  }
}
