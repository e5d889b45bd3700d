// Diagnostics: what validation reports. Validation collects every problem instead of
// throwing at the first one; renderers live in src/render/diagnostics.ts.

export type Severity = "error" | "warning";

export interface Position {
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
}

export interface Diagnostic {
  readonly severity: Severity;
  /** Stable machine-readable identifier, e.g. "schema.unknown-key", "cidr.host-bits". */
  readonly code: string;
  /** The policy file, as given on the command line (relative paths stay relative). */
  readonly file: string;
  /** Where in the file; null when the problem concerns the whole file. */
  readonly position: Position | null;
  /** JSON pointer into the document (RFC 6901), "" for the document root. */
  readonly pointer: string;
  /** Index of the YAML document within a multi-document file (0-based). */
  readonly document: number;
  /** One plain-English sentence. */
  readonly message: string;
  /** Optional hint: a did-you-mean or how to fix it. */
  readonly hint?: string;
}

export function countBySeverity(diags: readonly Diagnostic[]): { errors: number; warnings: number } {
  let errors = 0;
  let warnings = 0;
  for (const d of diags) {
    if (d.severity === "error") errors++;
    else warnings++;
  }
  return { errors, warnings };
}

/** Deterministic order: file, document, line, column, code. */
export function sortDiagnostics(diags: readonly Diagnostic[]): Diagnostic[] {
  return [...diags].sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      a.document - b.document ||
      (a.position?.line ?? 0) - (b.position?.line ?? 0) ||
      (a.position?.column ?? 0) - (b.position?.column ?? 0) ||
      a.code.localeCompare(b.code),
  );
}
