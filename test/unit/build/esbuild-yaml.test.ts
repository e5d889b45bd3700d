// The CLI bundle's yaml (scripts/esbuild-yaml.mjs, docs/performance.md "A third pass"): the package's
// ES module build with Node's behaviour put back does what its CommonJS build does under Node.
import { createRequire } from "node:module";
import { build } from "esbuild";
import { describe, expect, it, vi } from "vitest";
// @ts-expect-error: a build script (plain ESM), no types
import { patchYamlModule, YAML_NODE_PATCHES, yamlEsm } from "../../../scripts/esbuild-yaml.mjs";

type Yaml = typeof import("yaml");
const cjs = createRequire(import.meta.url)("yaml") as Yaml;

/** yaml as the CLI bundles it: one ES module, through the plugin, loaded from a data: URL. */
async function bundled(): Promise<{ yaml: Yaml; code: string }> {
  const r = await build({
    stdin: { contents: 'export * from "yaml";', resolveDir: process.cwd(), loader: "js" },
    bundle: true,
    write: false,
    format: "esm",
    platform: "node",
    target: "node20",
    mainFields: ["module", "main"],
    logLevel: "silent",
    plugins: [yamlEsm],
  });
  const code = r.outputFiles[0]?.text ?? "";
  const yaml = (await import(`data:text/javascript;base64,${Buffer.from(code).toString("base64")}`)) as Yaml;
  return { yaml, code };
}

const DOCUMENTS = [
  "a: 1\nb: [x, y, {c: d}]\n",
  "apiVersion: cordon.dev/v1\nkind: Policy\nmetadata: { name: p }\n---\nkind: PolicySet\n",
  "a: &x [1, 2]\nb: *x\nc: !!str 12\nd: 0x1F\ne: 2026-01-01\nf: .inf\n",
  "a: 1\na: 2\n",
  "a: [1, 2\nb: }\n",
  "%YAML 1.1\n---\nbin: !!binary aGVsbG8=\nyes: on\noct: 0o17\nn: 012\n",
  "? [a, b]\n: 1\n",
  "s: |\n  line one\n  line two\nt: >-\n  folded\n  text\n",
  "\t- tab\n",
];

describe("yaml from its ES module build", () => {
  it("exports what the CommonJS build exports", async () => {
    const { yaml } = await bundled();
    expect(Object.keys(yaml).sort()).toEqual(Object.keys(cjs).sort());
  });

  it("parses, reports and writes every document as the CommonJS build does", async () => {
    const { yaml } = await bundled();
    // A warning of toJS() (a collection as a key) goes to process.emitWarning, as under Node.
    const emitted: string[] = [];
    const spy = vi.spyOn(process, "emitWarning").mockImplementation((w: string | Error) => {
      emitted.push(String(w));
    });
    const view = (y: Yaml, text: string) => {
      const lineCounter = new y.LineCounter();
      emitted.length = 0;
      const docs = y
        .parseAllDocuments(text, { lineCounter, strict: true, uniqueKeys: false, prettyErrors: true })
        .map((d) => {
          let value: unknown;
          try {
            value = d.toJS({ maxAliasCount: 100 });
          } catch (e) {
            value = `throws ${(e as Error).message}`;
          }
          return {
            value,
            errors: d.errors.map((e) => [e.code, e.message, e.linePos]),
            warnings: d.warnings.map((w) => [w.code, w.message]),
            text: d.errors.length === 0 ? d.toString({ lineWidth: 0 }) : null,
          };
        });
      return { docs, emitted: [...emitted] };
    };
    try {
      for (const text of DOCUMENTS) expect(view(yaml, text), text).toEqual(view(cjs, text));
      expect(view(yaml, "? [a, b]\n: 1\n").emitted).toHaveLength(1);
    } finally {
      spy.mockRestore();
    }
    // A !!binary scalar (YAML 1.1) is a Buffer, as under Node.
    const bin = yaml.parseDocument("%YAML 1.1\n---\n!!binary aGVsbG8=\n").toJS();
    expect(Buffer.isBuffer(bin)).toBe(true);
    expect(new yaml.Document(Buffer.from("hello"), { version: "1.1" }).toString()).toBe(
      new cjs.Document(Buffer.from("hello"), { version: "1.1" }).toString(),
    );
  });

  it("keeps Node's warnings and debugging switches", async () => {
    const { code } = await bundled();
    expect(code).toContain("process.emitWarning(warning)");
    expect(code).toContain("process.env.LOG_STREAM");
    expect(code).toContain("process.env.LOG_TOKENS");
    // The CommonJS build's module wrappers are gone.
    expect(code).not.toMatch(/require\(["']\.\.?\//);
  });

  it("fails the build when a patched text is no longer in the module", () => {
    for (const [name] of YAML_NODE_PATCHES as [string][]) {
      expect(() => patchYamlModule(name, "export {};\n")).toThrow(/no longer holds/);
    }
    expect(patchYamlModule("nodes/Scalar.js", "unchanged")).toBe("unchanged");
  });
});
