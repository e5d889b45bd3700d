// Positions for diagnostics found after loading (desired state, first-touch checks), which know
// the file, document and JSON pointer of the policy field but not its line and column: the file
// is parsed again to find them. Best effort: a file that changed or no longer parses keeps the
// diagnostic without a position.
import type { Diagnostic } from "../model/diagnostics.js";
import type { ParsedDocument } from "./document.js";
import { loadFile } from "./load.js";

export function locateDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const files = new Map<string, readonly ParsedDocument[]>();
  const docsOf = (file: string): readonly ParsedDocument[] => {
    let docs = files.get(file);
    if (docs === undefined) {
      try {
        docs = loadFile(file).documents;
      } catch {
        docs = [];
      }
      files.set(file, docs);
    }
    return docs;
  };
  return diagnostics.map((d) => {
    if (d.position !== null || d.file === "") return d;
    const doc = docsOf(d.file).find((x) => x.document === d.document);
    const position = doc?.locate(d.pointer) ?? null;
    return position === null ? d : { ...d, position };
  });
}
