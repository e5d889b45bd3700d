// The JSON Schema is the policy language: src/model/policy.ts derives its types from it
// (scripts/gen-policy-types.mjs). These tests keep that derivation exact and the schema usable in editors.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { POLICY_DEFAULTS } from "../../../src/model/policy.js";
import { parseText } from "../../../src/policy/load.js";
import { POLICY_SCHEMA } from "../../../src/policy/schema.js";
import { validateSchema } from "../../../src/policy/validate.js";

type Node = Record<string, unknown>;
const root = POLICY_SCHEMA as Node;
const defs = root["$defs"] as Record<string, Node>;

function deref(node: Node): Node {
  const ref = node["$ref"];
  if (typeof ref !== "string") return node;
  const name = ref.replace("#/$defs/", "");
  return { ...defs[name]!, ...node };
}

function at(path: readonly string[]): Node {
  let node = root;
  for (const p of path) {
    node = deref(node);
    node = p === "[]" ? deref(node["items"] as Node) : deref((node["properties"] as Record<string, Node>)[p]!);
  }
  return deref(node);
}

describe("the policy types are the schema's", () => {
  // src/model/policy.ts derives every section type from the type generated from the schema
  // (scripts/gen-policy-types.mjs), so the two cannot disagree as long as the generated file is
  // current and every object in the schema is closed (an open object would type as any key).
  it("the generated types are current with schemas/policy.schema.json", () => {
    const run = spawnSync(process.execPath, ["scripts/gen-policy-types.mjs", "--check"], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
  });

  it("every object with properties is closed (additionalProperties: false)", () => {
    const open: string[] = [];
    const visit = (n: Node, where: string): void => {
      if (n["properties"] !== undefined && n["additionalProperties"] !== false) open.push(where);
      for (const [k, child] of Object.entries((n["properties"] as Record<string, Node>) ?? {}))
        visit(child, `${where}.${k}`);
      if (n["items"] && typeof n["items"] === "object") visit(n["items"] as Node, `${where}[]`);
    };
    visit(root, "policy");
    for (const [k, d] of Object.entries(defs)) visit(d, `$defs.${k}`);
    expect(open).toEqual([]);
  });

  it("documents the model's defaults", () => {
    const expected: readonly [readonly string[], unknown][] = [
      [["flowLogs", "mode"], POLICY_DEFAULTS.mode],
      [["flowLogs", "trafficType"], POLICY_DEFAULTS.trafficType],
      [["flowLogs", "fields"], POLICY_DEFAULTS.fields],
      [["flowLogs", "fileFormat"], POLICY_DEFAULTS.fileFormat],
      [["flowLogs", "hiveCompatiblePartitions"], POLICY_DEFAULTS.hiveCompatiblePartitions],
      [["flowLogs", "perHourPartitions"], POLICY_DEFAULTS.perHourPartitions],
      [["flowLogs", "maxAggregationInterval"], POLICY_DEFAULTS.maxAggregationInterval],
      [["flowLogs", "bucket", "create"], POLICY_DEFAULTS.bucketCreate],
      [["blockedAddresses", "networkAcls", "direction"], POLICY_DEFAULTS.direction],
      [["blockedAddresses", "networkAcls", "ruleNumbers"], POLICY_DEFAULTS.ruleNumbers],
      [["blockedAddresses", "networkAcls", "entryQuota"], POLICY_DEFAULTS.entryQuota],
      [["webAcl", "ownership"], POLICY_DEFAULTS.ownership],
      [["webAcl", "rulePrefix"], POLICY_DEFAULTS.rulePrefix],
      [["webAcl", "takeOverLoadBalancers"], POLICY_DEFAULTS.takeOverLoadBalancers],
    ];
    for (const [path, value] of expected)
      expect({ path, default: at(path)["default"] }).toEqual({ path, default: value });
  });
});

describe("every field is documented for editors", () => {
  it("has a description on every property, list item and map value", () => {
    const missing: string[] = [];
    const visit = (node: Node, where: string) => {
      const n = deref(node);
      if (typeof n["description"] !== "string" || (n["description"] as string).length < 8) missing.push(where);
      for (const [k, child] of Object.entries((n["properties"] as Record<string, Node>) ?? {}))
        visit(child, `${where}.${k}`);
      if (n["items"] && typeof n["items"] === "object") visit(n["items"] as Node, `${where}[]`);
      if (n["additionalProperties"] && typeof n["additionalProperties"] === "object") {
        visit(n["additionalProperties"] as Node, `${where}{}`);
      }
      for (const [i, b] of ((n["anyOf"] as Node[]) ?? []).entries()) visit(b, `${where}|${i}`);
    };
    visit(root, "policy");
    expect(missing).toEqual([]);
  });

  it("gives every pattern a plain-English error message", () => {
    const bare: string[] = [];
    const walk = (v: unknown, where: string) => {
      if (v === null || typeof v !== "object") return;
      const n = v as Node;
      if (typeof n["pattern"] === "string" && typeof n["errorMessage"] !== "string") bare.push(where);
      for (const [k, child] of Object.entries(n)) walk(child, `${where}/${k}`);
    };
    walk(root, "#");
    expect(bare).toEqual([]);
  });

  it("is the file shipped in schemas/", () => {
    expect(JSON.parse(readFileSync("schemas/policy.schema.json", "utf8"))).toEqual(POLICY_SCHEMA);
  });
});

describe("the schema's own examples", () => {
  it("match their patterns, enums and types", () => {
    const wrong: string[] = [];
    const walk = (v: unknown, where: string) => {
      if (v === null || typeof v !== "object") return;
      const n = deref(v as Node);
      for (const example of (n["examples"] as unknown[] | undefined) ?? []) {
        if (typeof n["pattern"] === "string" && !new RegExp(n["pattern"] as string, "u").test(String(example))) {
          wrong.push(`${where}: ${JSON.stringify(example)}`);
        }
        if (n["type"] === "string" && typeof example !== "string") wrong.push(`${where}: ${JSON.stringify(example)}`);
        if (n["type"] === "integer" && !Number.isInteger(example)) wrong.push(`${where}: ${JSON.stringify(example)}`);
      }
      for (const [k, child] of Object.entries(v as Node)) if (k !== "examples") walk(child, `${where}/${k}`);
    };
    walk(root, "#");
    expect(wrong).toEqual([]);
  });

  it("validates the policy used in src/model/policy.ts's header comment", () => {
    const doc = parseText(
      "e.yaml",
      `apiVersion: cordon.dev/v1
kind: Policy
metadata: { name: cats-eyes-production }
target: { account: "111122223333", region: eu-west-1 }
flowLogs: { bucket: { name: cats-eyes-flow-logs, create: true }, vpcs: { tags: { env: production } } }
athena: { database: network_logs, table: vpc_flow_logs, projectionStartDate: 2026-01-01 }
blockedAddresses: { networkAcls: { vpcs: { tags: { env: production } }, direction: outbound }, entries: [{ cidr: 203.0.113.66, reason: flood }] }
webAcl: { name: cats-eyes-edge, loadBalancers: { names: [cats-eyes-alb] } }
blockedCountries: { countries: [{ code: TV, reason: broadcast rights }] }
`,
    ).documents[0]!;
    expect(validateSchema(doc)).toEqual([]);
  });
});
