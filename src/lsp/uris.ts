/** Document URIs and the file names the compiler reads (include paths resolve against them). */
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Range } from 'vscode-languageserver';
import type { Span } from '../dsl/index.js';

/** The path of a `file:` URI; any other URI (`untitled:`) is its own name. */
export function fileOfUri(uri: string): string {
  if (!uri.startsWith('file:')) return uri;
  try {
    return fileURLToPath(uri);
  } catch {
    return uri;
  }
}

export function uriOfFile(file: string): string {
  return file.startsWith('/') ? pathToFileURL(file).href : file;
}

/** A span (1-based, end exclusive) as an LSP range (0-based, UTF-16 columns like the lexer's). */
export function rangeOf(span: Span): Range {
  return {
    start: { line: span.line - 1, character: span.col - 1 },
    end: { line: span.endLine - 1, character: span.endCol - 1 },
  };
}
