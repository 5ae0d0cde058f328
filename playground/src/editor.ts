/**
 * A policy editor: CodeMirror 6 with the editors' grammar for colours and the project's own
 * compiler for diagnostics (@codemirror/lint): each diagnostic underlines its span, with its FW
 * code, message, help (the did-you-mean) and notes, as `fdwarden check` reports them.
 */
import { EditorState, type Extension } from '@codemirror/state';
import { EditorView, keymap, lineNumbers, highlightActiveLine, drawSelection } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { HighlightStyle, syntaxHighlighting, bracketMatching } from '@codemirror/language';
import { linter, lintGutter, lintKeymap, type Diagnostic as LintDiagnostic } from '@codemirror/lint';
import { tags } from '@lezer/highlight';
import type { PolicyDiagnostic } from 'fdwarden';
import grammar from '../../editors/vscode/syntaxes/fdwarden.tmLanguage.json';
import { grammarLanguage } from './grammar.js';

const language = grammarLanguage(grammar);

/**
 * The nonce of CodeMirror's style element, the one inline style the page's Content-Security-Policy
 * (index.html) lets in. A static page cannot vary it per load; it admits style, never script.
 */
export const STYLE_NONCE = 'fdwarden-codemirror';

const style = HighlightStyle.define([
  { tag: tags.comment, color: '#6a737d', fontStyle: 'italic' },
  { tag: tags.string, color: '#032f62' },
  { tag: tags.special(tags.string), color: '#22863a' },
  { tag: tags.invalid, color: '#b31d28', textDecoration: 'underline wavy' },
  { tag: tags.variableName, color: '#e36209' },
  { tag: tags.function(tags.variableName), color: '#6f42c1' },
  { tag: tags.controlKeyword, color: '#d73a49', fontWeight: 'bold' },
  { tag: tags.keyword, color: '#d73a49' },
  { tag: tags.atom, color: '#005cc5' },
  { tag: tags.constant(tags.name), color: '#005cc5' },
  { tag: tags.number, color: '#005cc5' },
  { tag: tags.bool, color: '#6f42c1' },
]);

/** A compile's diagnostics of one file as CodeMirror's, offsets from 1-based line and column spans. */
export function lintDiagnostics(state: EditorState, diags: readonly PolicyDiagnostic[]): LintDiagnostic[] {
  const doc = state.doc;
  const offset = (line: number, col: number): number => {
    const l = doc.line(Math.min(Math.max(line, 1), doc.lines));
    return Math.min(l.from + Math.max(col - 1, 0), l.to);
  };
  return diags.map((d) => {
    const from = offset(d.span.line, d.span.col);
    const to = Math.max(from, offset(d.span.endLine, d.span.endCol));
    const notes = [d.help !== undefined ? `help: ${d.help}` : '', ...(d.related ?? []).map((r) => `note: ${r.message} (${r.span.file}:${r.span.line}:${r.span.col})`)].filter(Boolean);
    return {
      from, to, severity: d.severity, source: d.code,
      message: `${d.code}: ${d.message}${notes.length ? '\n' + notes.join('\n') : ''}`,
    };
  });
}

export interface PolicyEditorOptions {
  parent: HTMLElement;
  doc: string;
  /** The diagnostics of the current text (the page compiles once per change and shares them). */
  diagnostics: (text: string) => readonly PolicyDiagnostic[];
  onChange?: (text: string) => void;
  label: string;
}

export function policyEditor(o: PolicyEditorOptions): EditorView {
  const extensions: Extension[] = [
    lineNumbers(), history(), drawSelection(), highlightActiveLine(), bracketMatching(),
    keymap.of([...defaultKeymap, ...historyKeymap, ...lintKeymap]),
    language, syntaxHighlighting(style),
    lintGutter(),
    linter((view) => lintDiagnostics(view.state, o.diagnostics(view.state.doc.toString())), { delay: 150 }),
    EditorView.contentAttributes.of({ 'aria-label': o.label }),
    EditorView.cspNonce.of(STYLE_NONCE),
    EditorView.updateListener.of((u) => {
      if (u.docChanged) o.onChange?.(u.state.doc.toString());
    }),
  ];
  return new EditorView({ parent: o.parent, state: EditorState.create({ doc: o.doc, extensions }) });
}

/** Replaces the whole text of an editor. */
export function setText(view: EditorView, text: string): void {
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
}
