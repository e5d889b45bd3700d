import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { firstInvalidUtf8, loadFile, parsePolicyFiles, parseText } from "../../../src/policy/load.js";

const tmp = mkdtempSync(join(tmpdir(), "cordon-load-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SAMPLE = `# yaml-language-server: $schema=x
apiVersion: cordon.dev/v1
metadata:
  name: "quoted"
target: { account: "111122223333", region: eu-west-1 }
flowLogs:
  bucket:
    name: b
  vpcs: &sel
    tags: { env: prod }
  empty:
blockedAddresses:
  networkAcls: { vpcs: *sel }
  entries:
    - cidr: 203.0.113.66
      reason: r
    -   cidr: "2001:db8::/32"
weird/key~name: 1
`;

describe("locate", () => {
  const [doc] = parseText("s.yaml", SAMPLE).documents;
  const cases = [
    { reason: "document root", pointer: "", key: false, want: "2:1" },
    { reason: "a scalar value", pointer: "/apiVersion", key: false, want: "2:13" },
    { reason: "a key", pointer: "/apiVersion", key: true, want: "2:1" },
    { reason: "a quoted scalar starts at its quote", pointer: "/metadata/name", key: false, want: "4:9" },
    { reason: "a member of a flow map", pointer: "/target/region", key: false, want: "5:44" },
    { reason: "a block map value starts at its first key", pointer: "/flowLogs/bucket", key: false, want: "8:5" },
    { reason: "an empty value is shown at its key", pointer: "/flowLogs/empty", key: false, want: "11:3" },
    { reason: "a sequence item", pointer: "/blockedAddresses/entries/1", key: false, want: "17:9" },
    { reason: "inside a sequence item", pointer: "/blockedAddresses/entries/0/reason", key: false, want: "16:15" },
    {
      reason: "through an alias, to the anchored node",
      pointer: "/blockedAddresses/networkAcls/vpcs/tags/env",
      key: false,
      want: "10:18",
    },
    {
      reason: "a missing member falls back to its nearest ancestor",
      pointer: "/flowLogs/bucket/prefix",
      key: false,
      want: "8:5",
    },
    {
      reason: "an index past the end falls back to the list",
      pointer: "/blockedAddresses/entries/9",
      key: false,
      want: "15:5",
    },
    { reason: "escaped pointer segments (~1 and ~0)", pointer: "/weird~1key~0name", key: true, want: "18:1" },
  ];
  it.each(cases)("$reason", ({ pointer, key, want }) => {
    const p = doc!.locate(pointer, key ? { key: true } : undefined);
    expect(p === null ? null : `${p.line}:${p.column}`).toBe(want);
  });
  it("returns null for a malformed pointer", () => {
    expect(doc!.locate("flowLogs")).toBeNull();
  });
  it("keeps plain data in value (aliases resolved)", () => {
    const v = doc!.value as { blockedAddresses: { networkAcls: { vpcs: unknown } } };
    expect(v.blockedAddresses.networkAcls.vpcs).toEqual({ tags: { env: "prod" } });
  });
});

describe("parseText", () => {
  it("reads multi-document files, numbering documents from 0, and warns about empty ones between", () => {
    const r = parseText("m.yaml", "a: 1\n---\n# nothing\n---\nb: 2\n");
    expect(r.documents.map((d) => [d.document, d.value])).toEqual([
      [0, { a: 1 }],
      [2, { b: 2 }],
    ]);
    expect(r.diagnostics.map((d) => [d.severity, d.code, d.document])).toEqual([["warning", "load.empty-document", 1]]);
  });
  it("keeps YAML 1.2 semantics: dates, yes/no and on/off stay strings", () => {
    const r = parseText("y.yaml", "d: 2026-01-01\ny: yes\no: off\n");
    expect(r.documents[0]!.value).toEqual({ d: "2026-01-01", y: "yes", o: "off" });
  });
  it("accepts a moderate number of aliases", () => {
    const r = parseText("a.yaml", "s: &s { all: true }\na: *s\nb: *s\nc: *s\n");
    expect(r.diagnostics).toEqual([]);
  });
  it("honours a lower alias limit", () => {
    const r = parseText("a.yaml", "s: &s [1]\na: [*s, *s, *s]\n", { maxAliasCount: 1 });
    expect(r.diagnostics.map((d) => d.code)).toEqual(["yaml.alias-limit"]);
    expect(r.documents).toEqual([]);
  });
  it("reports an unresolved tag as a warning and keeps the document", () => {
    const r = parseText("t.yaml", "a: !secret x\n");
    expect(r.diagnostics.map((d) => [d.severity, d.code])).toEqual([["warning", "yaml.warning"]]);
    expect(r.documents).toHaveLength(1);
  });
  it("caps the syntax errors of a garbage file", () => {
    const r = parseText("g.yaml", "{]: [}\n".repeat(40));
    const syntax = r.diagnostics.filter((d) => d.code === "yaml.syntax");
    expect(syntax).toHaveLength(10);
    expect(r.diagnostics.at(-1)!.code).toBe("yaml.too-many-errors");
  });
  it("stops reading garbage at the eleventh syntax error, however long the file", () => {
    const r = parseText("g.yaml", `k: ${"[]".repeat(2_000_000)}\n`);
    expect(r.diagnostics.filter((d) => d.code === "yaml.syntax")).toHaveLength(10);
    expect(r.diagnostics.at(-1)).toMatchObject({
      code: "yaml.too-many-errors",
      position: { line: 1, column: 17 },
      message: "Reading stopped after 10 YAML syntax errors; the rest of the file was not checked.",
    });
    expect(r.documents).toEqual([]);
  });
  it("finds duplicate keys in time linear in the number of keys", () => {
    const lines = Array.from({ length: 50_000 }, (_, i) => `k${i}: 1`);
    lines.push("k7: 2", "nested: { a: 1, b: 2, a: 3 }");
    const r = parseText("d.yaml", `${lines.join("\n")}\n`);
    expect(r.diagnostics.map((d) => [d.code, d.position, d.message])).toEqual([
      [
        "yaml.duplicate-key",
        { line: 50_001, column: 1 },
        'Duplicate key "k7": a key may appear only once in a mapping.',
      ],
      [
        "yaml.duplicate-key",
        { line: 50_002, column: 23 },
        'Duplicate key "a": a key may appear only once in a mapping.',
      ],
    ]);
    expect(r.documents).toEqual([]);
  });
  it.each([
    { reason: "flow sequences", text: `k: ${"[".repeat(5000)}${"]".repeat(5000)}\n` },
    { reason: "block mappings", text: Array.from({ length: 3000 }, (_, i) => `${"  ".repeat(i)}k:`).join("\n") },
  ])("reports nesting too deep to read ($reason)", ({ text }) => {
    const r = parseText("n.yaml", text);
    expect(r.diagnostics.map((d) => d.code)).toContain("yaml.too-deep");
    expect(r.diagnostics.find((d) => d.code === "yaml.too-deep")?.message).toMatch(/nested too deeply/);
  });
  it("strips a UTF-8 byte-order mark", () => {
    const path = join(tmp, "bom.yaml");
    writeFileSync(path, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("a: 1\n")]));
    expect(loadFile(path).documents[0]!.value).toEqual({ a: 1 });
  });
});

describe("parsePolicyFiles", () => {
  it("walks directories recursively in sorted order, skipping dot-entries and other extensions", () => {
    const root = join(tmp, "tree");
    mkdirSync(join(root, "b", "c"), { recursive: true });
    mkdirSync(join(root, ".git"), { recursive: true });
    for (const f of ["b/c/z.yml", "b/a.yaml", "a.YAML", "notes.md", ".git/x.yaml", "b/.hidden.yaml"]) {
      writeFileSync(join(root, f), "k: v\n");
    }
    const r = parsePolicyFiles([root]);
    expect(r.files).toEqual([join(root, "a.YAML"), join(root, "b/a.yaml"), join(root, "b/c/z.yml")]);
    expect(r.diagnostics).toEqual([]);
    expect(r.documents).toHaveLength(3);
  });
  it("walks a directory reached through a symlink loop once", () => {
    const root = join(tmp, "loop");
    mkdirSync(join(root, "sub"), { recursive: true });
    writeFileSync(join(root, "p.yaml"), "k: v\n");
    symlinkSync("..", join(root, "sub", "up"));
    symlinkSync("sub", join(root, "again"));
    const r = parsePolicyFiles([root]);
    expect(r.files).toEqual([join(root, "p.yaml")]);
    expect(r.diagnostics).toEqual([]);
  });
  it("reads a file reached twice only once, and an explicit file whatever its extension", () => {
    const dir = join(tmp, "dup");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "p.yaml"), "k: v\n");
    writeFileSync(join(dir, "policy.txt"), "k: w\n");
    const r = parsePolicyFiles([dir, join(dir, "p.yaml"), join(dir, "policy.txt")]);
    expect(r.files).toEqual([join(dir, "p.yaml"), join(dir, "policy.txt")]);
  });
  it("refuses a file over the size limit without reading it", () => {
    const path = join(tmp, "big.yaml");
    writeFileSync(path, "k: v\n".repeat(100));
    const r = parsePolicyFiles([path], { maxFileBytes: 100 });
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ["load.too-large", "The file is 500 bytes, over the 100 bytes limit for a policy file; it was not read."],
    ]);
  });
  it("reports every missing path and still loads the others", () => {
    const ok = join(tmp, "ok.yaml");
    writeFileSync(ok, "k: v\n");
    const r = parsePolicyFiles([join(tmp, "missing-1"), ok, join(tmp, "missing-2.yaml")]);
    expect(r.diagnostics.map((d) => [d.code, d.file])).toEqual([
      ["load.not-found", join(tmp, "missing-1")],
      ["load.not-found", join(tmp, "missing-2.yaml")],
    ]);
    expect(r.documents).toHaveLength(1);
  });
});

describe("firstInvalidUtf8", () => {
  const cases = [
    { reason: "ASCII", bytes: [0x61, 0x62], want: -1 },
    { reason: "two-, three- and four-byte characters", bytes: [...Buffer.from("é€😀")], want: -1 },
    { reason: "a lone continuation byte", bytes: [0x61, 0x80], want: 1 },
    { reason: "a truncated sequence at the end", bytes: [0x61, 0xe2, 0x82], want: 1 },
    { reason: "an overlong encoding of '/'", bytes: [0xe0, 0x80, 0xaf], want: 0 },
    { reason: "an encoded UTF-16 surrogate", bytes: [0xed, 0xa0, 0x80], want: 0 },
    { reason: "beyond U+10FFFF", bytes: [0xf4, 0x90, 0x80, 0x80], want: 0 },
  ];
  it.each(cases)("$reason", ({ bytes, want }) => {
    expect(firstInvalidUtf8(Uint8Array.from(bytes))).toBe(want);
  });
});

describe("estates beside policies", () => {
  it("skips a sandbox estate found in a directory, and explains one named explicitly", async () => {
    const { parsePolicyFiles } = await import("../../../src/policy/load.js");
    const fromDir = parsePolicyFiles(["examples/cats-eyes"]);
    expect(fromDir.documents.map((d) => d.file)).toEqual(["examples/cats-eyes/policies/production.yaml"]);
    expect(fromDir.diagnostics).toEqual([]);
    const named = parsePolicyFiles(["examples/cats-eyes/estate.yaml"]);
    expect(named.documents).toEqual([]);
    expect(named.diagnostics.map((d) => [d.code, d.position?.line])).toEqual([["load.not-a-policy", 5]]);
  });
});
