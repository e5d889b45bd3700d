// A parsed policy document: the plain value plus a way back to file positions.
// Produced by src/policy/load.ts; consumed by schema validation (src/policy/validate.ts) and the
// semantic checks (src/policy/semantic.ts), which both report Diagnostics at file:line:column.
import type { Diagnostic, Position, Severity } from "../model/diagnostics.js";

export interface ParsedDocument {
  /** The file as given on the command line (or found under a given directory). */
  readonly file: string;
  /** 0-based index of the document within the file. */
  readonly document: number;
  /** The document as plain JSON-compatible data (yaml's toJS()). */
  readonly value: unknown;
  /**
   * Position of the node at a JSON pointer ("" = document start). For a missing member, the
   * position of the nearest existing ancestor. `key: true` gives the position of the map key
   * rather than its value (for unknown-key diagnostics).
   */
  locate(pointer: string, options?: { readonly key?: boolean }): Position | null;
}

/** A diagnostic at `pointer` of `doc`, located in its file. */
export function diagnosticAt(
  doc: ParsedDocument,
  severity: Severity,
  code: string,
  pointer: string,
  message: string,
  hint?: string,
): Diagnostic {
  return {
    severity,
    code,
    file: doc.file,
    document: doc.document,
    pointer,
    position: doc.locate(pointer),
    message,
    ...(hint === undefined ? {} : { hint }),
  };
}
