// The JSON Schema and src/model/policy.ts describe the same language. The key lists below are
// typed `Record<keyof T, true>`, so the compiler fails when the model gains or loses a field
// that is not listed here; the tests then fail when the schema does not have exactly those keys.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  type AddressEntry,
  type AllowEntry,
  type AthenaSection,
  type BlockedAddressesSection,
  type BlockedCountriesSection,
  type BucketSpec,
  type CountryEntry,
  type FlowLogsSection,
  type LoadBalancerSelector,
  type NetworkAclEnforcement,
  POLICY_DEFAULTS,
  type Policy,
  type RuleNumberBand,
  type SubnetSelector,
  type Target,
  type VpcSelector,
  type WebAclSection,
} from "../../../src/model/policy.js";
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

const keysOf = (node: Node) => Object.keys((node["properties"] as Node | undefined) ?? {}).sort();
const sorted = (r: Record<string, true>) => Object.keys(r).sort();

const policyKeys: Record<keyof Policy, true> = {
  apiVersion: true,
  kind: true,
  metadata: true,
  target: true,
  flowLogs: true,
  athena: true,
  allowlist: true,
  blockedAddresses: true,
  webAcl: true,
  blockedCountries: true,
};
const metadataKeys: Record<keyof Policy["metadata"], true> = { name: true, description: true, owner: true };
const targetKeys: Record<keyof Target, true> = { account: true, region: true, roleArn: true, externalId: true };
const flowLogsKeys: Record<keyof FlowLogsSection, true> = {
  mode: true,
  bucket: true,
  vpcs: true,
  subnets: true,
  trafficType: true,
  fields: true,
  fileFormat: true,
  hiveCompatiblePartitions: true,
  perHourPartitions: true,
  maxAggregationInterval: true,
  tags: true,
  adopt: true,
};
const bucketKeys: Record<keyof BucketSpec, true> = {
  name: true,
  create: true,
  prefix: true,
  retentionDays: true,
  adopt: true,
  blockPublicAccess: true,
};
const vpcKeys: Record<keyof VpcSelector, true> = { ids: true, tags: true, all: true };
const subnetKeys: Record<keyof SubnetSelector, true> = { ids: true, tags: true };
const athenaKeys: Record<keyof AthenaSection, true> = {
  mode: true,
  database: true,
  table: true,
  projectionStartDate: true,
  adopt: true,
};
const allowKeys: Record<keyof AllowEntry, true> = { cidr: true, reason: true };
const blockedKeys: Record<keyof BlockedAddressesSection, true> = {
  mode: true,
  networkAcls: true,
  webAcl: true,
  entries: true,
};
const naclKeys: Record<keyof NetworkAclEnforcement, true> = {
  vpcs: true,
  subnets: true,
  direction: true,
  ruleNumbers: true,
  entryQuota: true,
  adopt: true,
};
const bandKeys: Record<keyof RuleNumberBand, true> = { first: true, last: true };
const addressKeys: Record<keyof AddressEntry, true> = { cidr: true, reason: true, ticket: true, expires: true };
const webAclKeys: Record<keyof WebAclSection, true> = {
  mode: true,
  name: true,
  ownership: true,
  rulePrefix: true,
  loadBalancers: true,
  takeOverLoadBalancers: true,
  adopt: true,
};
const lbKeys: Record<keyof LoadBalancerSelector, true> = { arns: true, names: true, tags: true };
const countriesKeys: Record<keyof BlockedCountriesSection, true> = { mode: true, countries: true };
const countryKeys: Record<keyof CountryEntry, true> = { code: true, reason: true, ticket: true, expires: true };

describe("policy.schema.json matches src/model/policy.ts", () => {
  const cases: readonly { reason: string; path: readonly string[]; keys: Record<string, true> }[] = [
    { reason: "Policy", path: [], keys: policyKeys },
    { reason: "metadata", path: ["metadata"], keys: metadataKeys },
    { reason: "Target", path: ["target"], keys: targetKeys },
    { reason: "FlowLogsSection", path: ["flowLogs"], keys: flowLogsKeys },
    { reason: "BucketSpec", path: ["flowLogs", "bucket"], keys: bucketKeys },
    { reason: "VpcSelector", path: ["flowLogs", "vpcs"], keys: vpcKeys },
    { reason: "SubnetSelector", path: ["flowLogs", "subnets"], keys: subnetKeys },
    { reason: "AthenaSection", path: ["athena"], keys: athenaKeys },
    { reason: "AllowEntry", path: ["allowlist", "[]"], keys: allowKeys },
    { reason: "BlockedAddressesSection", path: ["blockedAddresses"], keys: blockedKeys },
    { reason: "NetworkAclEnforcement", path: ["blockedAddresses", "networkAcls"], keys: naclKeys },
    { reason: "RuleNumberBand", path: ["blockedAddresses", "networkAcls", "ruleNumbers"], keys: bandKeys },
    { reason: "AddressEntry", path: ["blockedAddresses", "entries", "[]"], keys: addressKeys },
    { reason: "WebAclSection", path: ["webAcl"], keys: webAclKeys },
    { reason: "LoadBalancerSelector", path: ["webAcl", "loadBalancers"], keys: lbKeys },
    { reason: "BlockedCountriesSection", path: ["blockedCountries"], keys: countriesKeys },
    { reason: "CountryEntry", path: ["blockedCountries", "countries", "[]"], keys: countryKeys },
  ];
  it.each(cases)("$reason has exactly the model's keys and no others", ({ path, keys }) => {
    const node = at(path);
    expect(keysOf(node)).toEqual(sorted(keys));
    expect(node["additionalProperties"]).toBe(false);
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
