// Source comments cite the repository's own documents by section — `docs/architecture.md, "Batched
// reads"` — never files outside it. This test keeps those citations true: every cited section is a
// heading of the cited document, and nothing cites the design notes and AWS research that live
// outside the repository.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const DOCS = ["docs/architecture.md", "docs/aws-behaviour.md"] as const;

function files(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|mts|mjs|js)$/.test(e.name) && !e.parentPath.includes("node_modules"))
    .map((e) => join(e.parentPath, e.name));
}

function headings(doc: string): Set<string> {
  const text = readFileSync(join(ROOT, doc), "utf8");
  return new Set(
    [...text.matchAll(/^#{2,4} (.+)$/gm)].map((m) => m[1]!.replace(/\s*\*\*\(being built\)\*\*$/, "").trim()),
  );
}

const sources = ["src", "packages/sandbox/src", "packages/sandbox/test", "test", "scripts"].flatMap(files);

describe("documents cited by source comments", () => {
  it('cite only sections that exist: docs/<file>.md, "Heading"[, "Heading"…]', () => {
    const known = new Map(DOCS.map((d) => [d, headings(d)]));
    const broken: string[] = [];
    let citations = 0;
    for (const f of sources) {
      const text = readFileSync(f, "utf8");
      // `docs/x.md, "A"` or `docs/x.md, "A", "B"`; a section list ends at the first non-quoted part.
      for (const m of text.matchAll(/(docs\/[\w-]+\.md),((?:\s*"[^"\n]+",?)+)/g)) {
        const doc = m[1]!;
        const sections = known.get(doc as (typeof DOCS)[number]);
        if (sections === undefined) continue;
        for (const s of m[2]!.matchAll(/"([^"\n]+)"/g)) {
          citations++;
          if (!sections.has(s[1]!)) broken.push(`${relative(ROOT, f)}: ${doc}, "${s[1]}"`);
        }
      }
    }
    expect(citations, "the scan finds the citations").toBeGreaterThan(30);
    expect(broken).toEqual([]);
  });

  it("never cite design notes or AWS research kept outside the repository", () => {
    const outside: string[] = [];
    for (const f of sources) {
      if (f === resolve(import.meta.filename)) continue;
      readFileSync(f, "utf8")
        .split("\n")
        .forEach((line, i) => {
          if (/DESIGN principle|DESIGN\.md|aws-facts|\/work\/shared/.test(line))
            outside.push(`${relative(ROOT, f)}:${i + 1}`);
        });
    }
    expect(outside).toEqual([]);
  });
});
