// Test helper: ParsedDocuments from YAML text, with `locate` built on yaml's Document API and a
// LineCounter (positions are 1-based). Not the real loader (src/policy/load.ts); just enough
// for tests of code that consumes ParsedDocument.
import { isMap, isNode, isScalar, LineCounter, parseAllDocuments } from "yaml";
import type { Position } from "../../../src/model/diagnostics.js";
import type { ParsedDocument } from "../../../src/policy/document.js";

export function yamlDocuments(file: string, text: string): ParsedDocument[] {
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter, uniqueKeys: true });
  if (!Array.isArray(parsed)) return [];
  return parsed.map((doc, index) => {
    if (doc.errors.length > 0) throw new Error(`test YAML ${file} #${index}: ${doc.errors[0]?.message}`);
    const at = (offset: number): Position => {
      const { line, col } = lineCounter.linePos(offset);
      return { line, column: col };
    };
    return {
      file,
      document: index,
      value: doc.toJS(),
      locate(pointer: string, options?: { readonly key?: boolean }): Position | null {
        const path =
          pointer === ""
            ? []
            : pointer
                .slice(1)
                .split("/")
                .map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"));
        for (let n = path.length; n >= 0; n--) {
          const prefix = path.slice(0, n);
          if (options?.key === true && n === path.length && n > 0) {
            const parent = n === 1 ? doc.contents : doc.getIn(prefix.slice(0, -1), true);
            if (isMap(parent)) {
              const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === prefix[n - 1]);
              if (pair !== undefined && isNode(pair.key) && pair.key.range) return at(pair.key.range[0]);
            }
          }
          const node = n === 0 ? doc.contents : doc.getIn(prefix, true);
          if (isNode(node) && node.range) return at(node.range[0]);
        }
        return null;
      },
    };
  });
}
