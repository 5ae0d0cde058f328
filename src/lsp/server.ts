/**
 * The language server's wiring: documents, settings, and one handler per feature. Every
 * document is compiled as `fdwarden check` compiles it (src/lsp/analysis.ts); a document is
 * checked again shortly after each change, and so is every open document that includes it.
 * No handler lets an exception out: a bad request gets an empty answer and a log line.
 */
import { readIncludedFile } from '../dsl/load-fs.js';
import { CodeActionKind, createConnection, ProposedFeatures, TextDocuments, TextDocumentSyncKind, type Connection, type InitializeResult } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Loader } from '../dsl/index.js';
import { quickFixes } from './actions.js';
import { analyze, type Analysis } from './analysis.js';
import { complete } from './completion.js';
import { definition } from './definition.js';
import { documentDiagnostics } from './diagnostics.js';
import { format } from './formatting.js';
import { hover } from './hover.js';
import { readVars } from './settings.js';
import { readSpecDocs, type SpecDocs } from './spec-docs.js';
import { fileOfUri } from './uris.js';

/** How long typing may pause before a document is checked again. */
const SETTLE_MS = 150;

export function startServer(input: NodeJS.ReadableStream = process.stdin, output: NodeJS.WritableStream = process.stdout): Connection {
  const connection = createConnection(ProposedFeatures.all, input, output);
  const documents = new TextDocuments(TextDocument);
  const analyses = new Map<string, Analysis>();
  const timers = new Map<string, NodeJS.Timeout>();
  let vars: Record<string, string[]> = {};
  let specDocs: SpecDocs | undefined;
  let canPull = false;

  const log = (what: string, e: unknown): void => {
    connection.console.error(`fdwarden lsp: ${what}: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  };
  const safe = <R>(what: string, fallback: R, fn: () => R): R => {
    try {
      return fn();
    } catch (e) {
      log(what, e);
      return fallback;
    }
  };
  const docs = (): SpecDocs => {
    if (!specDocs) {
      try {
        specDocs = readSpecDocs();
      } catch (e) {
        log('reading the specs for hover', e);
        specDocs = { guards: new Map(), rowsOf: new Map(), syscall: new Map() };
      }
    }
    return specDocs;
  };
  const setVars = (value: unknown): void => {
    const r = readVars(value);
    vars = r.vars;
    for (const p of r.problems) void connection.window.showWarningMessage(p);
  };

  // Open documents come before the disk: an include sees what the editor shows.
  const load: Loader = (file) => {
    for (const d of documents.all()) if (fileOfUri(d.uri) === file) return d.getText();
    // An unsaved document has no directory: its relative includes name nothing (not the server's cwd).
    if (!file.startsWith('/')) return undefined;
    return readIncludedFile(file);
  };
  const exists = (file: string): boolean => {
    try {
      return load(file) !== undefined;
    } catch {
      return false;
    }
  };

  const check = (uri: string): void => {
    timers.delete(uri);
    const doc = documents.get(uri);
    if (!doc) return;
    try {
      const a = analyze(doc.getText(), fileOfUri(uri), vars, load);
      analyses.set(uri, a);
      void connection.sendDiagnostics({ uri, version: doc.version, diagnostics: documentDiagnostics(a) });
    } catch (e) {
      log(`checking ${uri}`, e);
    }
  };
  const schedule = (uri: string, delay = SETTLE_MS): void => {
    clearTimeout(timers.get(uri));
    timers.set(uri, setTimeout(() => check(uri), delay));
  };
  /** The document's analysis for its current text. */
  const current = (uri: string): Analysis | undefined => {
    const doc = documents.get(uri);
    if (!doc) return undefined;
    const a = analyses.get(uri);
    if (a && a.text === doc.getText()) return a;
    const fresh = analyze(doc.getText(), fileOfUri(uri), vars, load);
    analyses.set(uri, fresh);
    return fresh;
  };

  connection.onInitialize((params) => safe<InitializeResult>('initialize', { capabilities: {} }, () => {
    canPull = params.capabilities.workspace?.configuration === true;
    const opts = params.initializationOptions as { vars?: unknown; fdwarden?: { vars?: unknown } } | undefined;
    setVars(opts?.vars ?? opts?.fdwarden?.vars);
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        completionProvider: { triggerCharacters: ['$', ','] },
        definitionProvider: true,
        documentFormattingProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      },
      serverInfo: { name: 'fdwarden' },
    };
  }));
  connection.onDidChangeConfiguration((change) => safe('configuration', undefined, () => {
    const settings = change.settings as { fdwarden?: { vars?: unknown } } | undefined;
    const recheck = (): void => { for (const d of documents.all()) schedule(d.uri, 0); };
    if (settings?.fdwarden && 'vars' in settings.fdwarden) {
      setVars(settings.fdwarden.vars);
      recheck();
    } else if (canPull) {
      // A client that sends no settings with the change is asked for them.
      connection.workspace.getConfiguration('fdwarden').then((cfg: { vars?: unknown } | null) => {
        setVars(cfg?.vars);
        recheck();
      }, (e: unknown) => log('reading the fdwarden settings', e));
    }
  }));

  /** Documents that include this one see its new text (or the disk's, once it is closed). */
  const recheckIncluders = (changed: string): void => {
    const file = fileOfUri(changed);
    for (const [uri, a] of analyses) if (uri !== changed && a.compiled.sources.has(file)) schedule(uri);
  };
  documents.onDidOpen((e) => safe('open', undefined, () => schedule(e.document.uri, 0)));
  documents.onDidChangeContent((e) => safe('change', undefined, () => {
    schedule(e.document.uri);
    recheckIncluders(e.document.uri);
  }));
  documents.onDidClose((e) => safe('close', undefined, () => {
    clearTimeout(timers.get(e.document.uri));
    timers.delete(e.document.uri);
    analyses.delete(e.document.uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
    recheckIncluders(e.document.uri);
  }));

  const lineOf = (uri: string, line: number): string => documents.get(uri)?.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } }).replace(/\r?\n$/, '') ?? '';

  connection.onHover((p) => safe('hover', null, () => hover(current(p.textDocument.uri), docs(), lineOf(p.textDocument.uri, p.position.line), p.position.character, p.position.line)));
  connection.onCompletion((p) => safe('completion', [], () => {
    const doc = documents.get(p.textDocument.uri);
    if (!doc) return [];
    return complete(current(p.textDocument.uri), docs(), doc.getText().split('\n'), p.position.line, p.position.character);
  }));
  connection.onDefinition((p) => safe('definition', [], () => {
    const a = current(p.textDocument.uri);
    return a ? definition(a, lineOf(p.textDocument.uri, p.position.line), p.position.line, p.position.character, exists) : [];
  }));
  connection.onCodeAction((p) => safe('code actions', [], () => quickFixes(p.textDocument.uri, (l) => lineOf(p.textDocument.uri, l), p.context.diagnostics)));
  connection.onDocumentFormatting((p) => safe('formatting', [], () => {
    const a = current(p.textDocument.uri);
    return a ? format(a) : [];
  }));

  documents.listen(connection);
  connection.listen();
  return connection;
}
