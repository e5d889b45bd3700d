// The kind descriptors: each kind is declared once, beside its handler, and listed once in the
// registry; the engine holds no per-kind table or special case outside a kind's own code.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { specDigest } from "../../../src/handlers/applied-tag.js";
import { appliedDigest, DISCOVERABLE_KINDS, descriptorOf, HANDLERS, KINDS } from "../../../src/handlers/registry.js";

const ROOT = process.cwd();

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

describe("kind descriptors", () => {
  it("list each kind once, with the handler of that kind, in creation order", () => {
    const kinds = KINDS.map((d) => d.kind);
    expect(new Set(kinds).size).toBe(kinds.length);
    for (const d of KINDS) {
      expect(d.handler.kind).toBe(d.kind);
      expect(descriptorOf(d.kind)).toBe(d);
      expect(HANDLERS[d.kind]).toBe(d.handler);
    }
    const orders = KINDS.map((d) => d.order);
    expect(new Set(orders).size).toBe(orders.length);
    expect([...orders].sort((a, b) => a - b)).toEqual(orders);
  });

  it("keep the creation order the planner has always used", () => {
    expect(KINDS.map((d) => d.kind)).toEqual([
      "s3.bucket",
      "s3.publicAccessBlock",
      "s3.bucketPolicy",
      "ec2.flowLog",
      "glue.database",
      "glue.table",
      "wafv2.ipSet",
      "ec2.naclEntries",
      "wafv2.webAcl",
      "wafv2.association",
    ]);
  });

  it("replace every security control by create-then-delete: a control never lapses", () => {
    for (const d of KINDS.filter((k) => k.securityControl))
      expect([d.kind, d.replaceAction]).toEqual([d.kind, "create-then-delete"]);
  });

  it("give every kind that discovers left-behind resources a section whose mode governs them", () => {
    expect(DISCOVERABLE_KINDS.map((k) => [k, descriptorOf(k)?.section]).sort()).toEqual([
      ["ec2.flowLog", "flowLogs"],
      ["ec2.naclEntries", "blockedAddresses"],
      ["wafv2.association", "webAcl"],
      ["wafv2.ipSet", "blockedAddresses"],
      ["wafv2.webAcl", "webAcl"],
    ]);
  });

  it("record the spec's digest as applied unless the kind's hook says otherwise", () => {
    expect(appliedDigest("glue.database", { name: "a" })).toBe(specDigest({ name: "a" }));
    // Flow logs: the normalised settings without the resource id (one batched create tags all alike).
    expect(KINDS.filter((d) => d.appliedDigest !== undefined).map((d) => d.kind)).toEqual(["ec2.flowLog"]);
  });
});

describe("the plan document schema", () => {
  it("accepts every registered kind without listing them", () => {
    const schema = JSON.parse(readFileSync(join(ROOT, "schemas/plan.schema.json"), "utf8"));
    const kind = schema.definitions.kind as { enum?: unknown; pattern: string };
    expect(kind.enum).toBeUndefined();
    for (const d of KINDS) expect(d.kind).toMatch(new RegExp(kind.pattern));
  });
});

describe("no per-kind table or special case outside a kind's own code", () => {
  // A kind's own code: its handler file (and the WAF helpers its three kinds share), the
  // desired-state builders that emit it.
  const own = (file: string) => file.startsWith("src/handlers/") || file.startsWith("src/policy/desired");
  const PATTERNS = [
    /\bkind\s*===?\s*"(s3|ec2|glue|wafv2)\./,
    /\bcase\s+"(s3|ec2|glue|wafv2)\./,
    /\b(KIND_ORDER|SECURITY_CONTROLS|DATA_OR_MONITORING|DEFAULT_REPLACE_ACTIONS|BLOCKING_KINDS|CONTEXT_FIELDS)\b/,
    /Record<Kind,.*=\s*\{/,
  ];

  it("holds across src", () => {
    const offenders: string[] = [];
    for (const path of sourceFiles(join(ROOT, "src"))) {
      const file = relative(ROOT, path).split("\\").join("/");
      if (own(file)) continue;
      readFileSync(path, "utf8")
        .split("\n")
        .forEach((line, i) => {
          if (PATTERNS.some((p) => p.test(line))) offenders.push(`${file}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(offenders).toEqual([]);
  });
});
