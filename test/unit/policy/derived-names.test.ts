// The derived names and their AWS limits, on policies built directly (the schema already caps most
// declared fields, so these reach past it to prove each rule fires at its boundary and not before).
import { describe, expect, it } from "vitest";
import type { Policy } from "../../../src/model/policy.js";
import { derivedNameProblem, derivedNames } from "../../../src/policy/derived-names.js";

const base = {
  apiVersion: "cordon.dev/v1",
  kind: "Policy",
  metadata: { name: "t" },
  target: { account: "111122223333", region: "eu-west-1" },
} as unknown as Policy;

const make = (extra: Record<string, unknown>): Policy => ({ ...base, ...extra }) as unknown as Policy;

/** "what: problem" for every derived name with a problem. */
const problems = (p: Policy) =>
  derivedNames(p)
    .map((d) => [d.what, d.pointer, derivedNameProblem(d)] as const)
    .filter(([, , problem]) => problem !== null);

const blocking = (webAcl: Record<string, unknown>) =>
  make({
    blockedAddresses: { webAcl: true, entries: [{ cidr: "203.0.113.66", reason: "r" }] },
    blockedCountries: { countries: [{ code: "KP" }] },
    webAcl: { loadBalancers: { names: ["alb"] }, ...webAcl },
  });

const flow = (prefix: string | undefined, athena = false) =>
  make({
    flowLogs: { bucket: { name: "b-logs", ...(prefix !== undefined ? { prefix } : {}) }, vpcs: { all: true } },
    ...(athena ? { athena: { database: "d", table: "t", projectionStartDate: "2026-01-01" } } : {}),
  });

describe("derived names", () => {
  it("lists every WAF name Cordon makes: both IP sets, the three rules with their metrics, the web ACL metric", () => {
    const names = derivedNames(blocking({ name: "edge" })).map((d) => `${d.what}=${d.name}`);
    expect(names).toEqual([
      "the IP set name=edge-blocked-ipv4",
      "the IP set name=edge-blocked-ipv6",
      "the rule name=cordon-block-ipv4",
      "the CloudWatch metric name of the rule cordon-block-ipv4=cordon-block-ipv4",
      "the rule name=cordon-block-ipv6",
      "the CloudWatch metric name of the rule cordon-block-ipv6=cordon-block-ipv6",
      "the rule name=cordon-block-countries",
      "the CloudWatch metric name of the rule cordon-block-countries=cordon-block-countries",
      "the CloudWatch metric name of the web ACL edge=edge",
      "the value of the tag cordon:policy=t",
    ]);
  });

  it.each([
    { reason: "IP set name at 128", name: "w".repeat(115), bad: 0 },
    { reason: "IP set name at 129", name: "w".repeat(116), bad: 2 },
  ])("$reason", ({ name, bad }) => {
    const found = problems(blocking({ name })).filter(([what]) => what === "the IP set name");
    expect(found).toHaveLength(bad);
    for (const [, pointer, problem] of found) {
      expect(pointer).toBe("/webAcl/name");
      expect(problem).toContain("at most 115 characters here");
    }
  });

  it("a rule prefix that makes a rule name over 128 is reported at webAcl.rulePrefix", () => {
    const found = problems(blocking({ name: "edge", rulePrefix: "p".repeat(114) })); // + "block-countries" = 129
    expect(found.map(([what, pointer]) => `${what} ${pointer}`)).toEqual(["the rule name /webAcl/rulePrefix"]);
    expect(found[0]?.[2]).toContain("webAcl.rulePrefix can have at most 113 characters");
  });

  it("a policy name over 256 characters cannot be a tag value", () => {
    const found = problems(make({ metadata: { name: "n".repeat(257) } }));
    expect(found.map(([what, pointer]) => `${what} ${pointer}`)).toEqual([
      "the value of the tag cordon:policy /metadata/name",
    ]);
  });

  it("flow-log object keys: a prefix that leaves room for AWS's longest key is fine, one that does not is reported", () => {
    const keyOf = (prefix: string) =>
      derivedNames(flow(prefix)).find((d) => d.what === "the longest flow-log object key")!;
    const fixed = Buffer.byteLength(keyOf("p").name) - 1;
    expect(derivedNameProblem(keyOf("p".repeat(1024 - fixed)))).toBeNull();
    expect(derivedNameProblem(keyOf("p".repeat(1025 - fixed)))).toContain("bytes long; AWS allows at most 1024");
    expect(keyOf("flow").name).toMatch(
      /^flow\/AWSLogs\/aws-account-id=111122223333\/aws-service=vpcflowlogs\/aws-region=eu-west-1\/year=\d{4}\/month=\d\d\/day=\d\d\/hour=\d\d\/111122223333_vpcflowlogs_eu-west-1_fl-/,
    );
  });

  it("Cordon's own records are keys in the flow-log bucket, and the Glue location follows the prefix", () => {
    const names = derivedNames(flow("x", true)).map((d) => d.name);
    expect(names).toContain("cordon/locks/111122223333-eu-west-1.json");
    expect(names).toContain("cordon/applied/111122223333/eu-west-1.json");
    expect(names.some((n) => /^cordon\/audit\/2026-12-31\//.test(n))).toBe(true);
    expect(names).toContain(
      "s3://b-logs/x/AWSLogs/aws-account-id=111122223333/aws-service=vpcflowlogs/aws-region=eu-west-1/",
    );
    expect(problems(flow("x", true))).toEqual([]);
  });

  it("metric names never use WAF's reserved names", () => {
    const d = derivedNames(make({ webAcl: { name: "All", loadBalancers: { names: ["alb"] } } })).find((x) =>
      x.what.startsWith("the CloudWatch metric name of the web ACL"),
    )!;
    expect(d.name).toBe("cordon-All");
    expect(derivedNameProblem(d)).toBeNull();
    expect(derivedNameProblem({ ...d, name: "All" })).toContain("which AWS reserves");
    expect(derivedNameProblem({ ...d, name: "a b" })).toContain("characters AWS does not allow");
  });
});
