/**
 * The compiler's diagnostics as LSP diagnostics: range from the span, the FW code, the message
 * with its help line (the did-you-mean), related spans. A problem inside an included file is
 * reported on the `include` line that brings it in, with its own place as related information.
 */
import { DiagnosticSeverity, type Diagnostic as LspDiagnostic } from 'vscode-languageserver';
import { resolveInclude, type Diagnostic } from '../dsl/index.js';
import type { Analysis } from './analysis.js';
import { rangeOf, uriOfFile } from './uris.js';

function message(d: Diagnostic): string {
  return d.help === undefined ? d.message : `${d.message}\nhelp: ${d.help}`;
}

function convert(d: Diagnostic): LspDiagnostic {
  const out: LspDiagnostic = {
    range: rangeOf(d.span),
    severity: d.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    code: d.code,
    source: 'fdwarden',
    message: message(d),
  };
  if (d.related) {
    out.relatedInformation = d.related.map((r) => ({ location: { uri: uriOfFile(r.span.file), range: rangeOf(r.span) }, message: r.message }));
  }
  return out;
}

/** For each included file, the span of the document's own `include` that leads to it. */
function includeSites(a: Analysis): Map<string, Diagnostic['span']> {
  const sites = new Map<string, Diagnostic['span']>();
  for (const it of a.compiled.ast.items) {
    if (it.kind !== 'include' || !it.span) continue;
    const site = it.span;
    const stack = [resolveInclude(a.file, it.path)];
    while (stack.length > 0) {
      const f = stack.pop()!;
      if (sites.has(f) || f === a.file) continue;
      sites.set(f, site);
      for (const sub of a.asts.get(f)?.items ?? []) if (sub.kind === 'include') stack.push(resolveInclude(f, sub.path));
    }
  }
  return sites;
}

/** The document's diagnostics, in the compiler's order. */
export function documentDiagnostics(a: Analysis): LspDiagnostic[] {
  const sites = includeSites(a);
  const out: LspDiagnostic[] = [];
  for (const d of a.compiled.diagnostics) {
    if (d.span.file === a.file) {
      out.push(convert(d));
      continue;
    }
    const site = sites.get(d.span.file);
    if (!site) continue;
    const inner = convert(d);
    out.push({
      ...inner,
      range: rangeOf(site),
      message: `in ${d.span.file}:${d.span.line}:${d.span.col}: ${inner.message}`,
      relatedInformation: [{ location: { uri: uriOfFile(d.span.file), range: rangeOf(d.span) }, message: d.message }, ...(inner.relatedInformation ?? [])],
    });
  }
  return out;
}
