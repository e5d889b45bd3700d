// The desired state's two cross-section rules: one conflict rule for every section (a second
// declaration of an address is refused, identical or not), and validate-time rules that reach
// the plan only as assertions naming the validate rule (the block is still never enforced).
import { describe, expect, it } from "vitest";
import type { LoadedPolicy, Policy } from "../../../../src/model/policy.js";
import type {
  BlockingInventory,
  Inventory,
  IpSetSpec,
  NaclEntriesSpec,
  WebAclSpec,
} from "../../../../src/model/specs.js";
import { desiredBlocking, desiredMonitoring, desiredState } from "../../../../src/policy/desired/index.js";

const K = "111122223333/eu-west-1";
const T = { account: "111122223333", region: "eu-west-1" };
const loaded = (file: string, over: Partial<Policy>): LoadedPolicy => ({
  source: { file, document: 0 },
  policy: {
    apiVersion: "cordon.dev/v1",
    kind: "Policy",
    metadata: { name: file.replace(/\W/g, "-") },
    target: T,
    ...over,
  },
});
const network: Inventory = {
  vpcs: [{ id: "vpc-1", cidrs: ["10.0.0.0/16"], ipv6Cidrs: [], tags: {}, isDefault: false }],
  subnets: [],
};
const alb = (name: string) => ({
  arn: `arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/${name}/1`,
  name,
  type: "application" as const,
  vpcId: "vpc-1",
  tags: { app: "shop" },
  webAclArn: null,
});
const blocking: BlockingInventory = {
  vpcs: network.vpcs,
  subnets: [],
  networkAcls: [{ id: "acl-1", vpcId: "vpc-1", isDefault: true, associations: [], entries: [] }],
  loadBalancers: [alb("shop-alb")],
};
const today = { today: "2026-06-01" };

describe("desired state: one conflict rule", () => {
  it("refuses an identical second declaration (a bucket two policies create alike), naming the first declarer", () => {
    const flowLogs = { bucket: { name: "logs" }, vpcs: { all: true } } as const;
    const d = desiredMonitoring(
      [loaded("a.yaml", { flowLogs }), loaded("b.yaml", { flowLogs })],
      new Map([[K, network]]),
      today,
    );
    const conflicts = d.diagnostics.filter((x) => x.code === "desired.conflict");
    expect(conflicts.length).toBeGreaterThan(0);
    expect(conflicts.every((x) => x.file === "b.yaml" && x.severity === "error")).toBe(true);
    expect(conflicts[0]?.message).toContain("is also declared by a.yaml (document 0); one resource, one policy");
    expect(d.resources.filter((r) => r.kind === "s3.bucket")).toMatchObject([{ origin: { file: "a.yaml" } }]);
  });

  it("refuses a load balancer that two policies' tag selectors both pick, with the same code", () => {
    const webAcl = (name: string) => ({ name, loadBalancers: { tags: { app: "shop" } } });
    const d = desiredBlocking(
      [
        loaded("a.yaml", { blockedCountries: { countries: [{ code: "TV", reason: "r" }] }, webAcl: webAcl("edge-a") }),
        loaded("b.yaml", { blockedCountries: { countries: [{ code: "TV", reason: "r" }] }, webAcl: webAcl("edge-b") }),
      ],
      new Map([[K, blocking]]),
      today,
    );
    expect(d.diagnostics.map((x) => [x.file, x.code, x.pointer])).toEqual([
      ["b.yaml", "desired.conflict", "/webAcl/loadBalancers"],
    ]);
    const association = d.resources.find((r) => r.kind === "wafv2.association");
    expect(association?.origin.file).toBe("a.yaml");
  });

  it("holds across the monitoring and blocking sections built together", () => {
    const d = desiredState(
      [loaded("a.yaml", { flowLogs: { bucket: { name: "logs" }, vpcs: { all: true } }, webAcl: { name: "edge" } })],
      { network: new Map([[K, network]]), blocking: new Map([[K, blocking]]) },
      today,
    );
    expect(d.diagnostics).toEqual([]);
    expect(d.resources.map((r) => r.kind)).toEqual(["ec2.flowLog", "s3.bucket", "s3.bucketPolicy", "wafv2.webAcl"]);
  });
});

describe("desired state: validate-time rules are assertions naming the validate rule", () => {
  const cases = [
    { reason: "host bits", cidr: "203.0.113.5/24", rule: "cidr.host-bits" },
    { reason: "a malformed CIDR", cidr: "203.0.113.300", rule: "cidr.malformed" },
    { reason: "the whole internet", cidr: "::/0", rule: "cidr.prefix-zero" },
    { reason: "an overlap with the allowlist", cidr: "192.0.2.0/24", rule: "blocked.allowlisted" },
  ];
  it.each(cases)("$reason: internal.unvalidated naming $rule, and the entry is enforced nowhere", ({ cidr, rule }) => {
    const d = desiredBlocking(
      [
        loaded("a.yaml", {
          allowlist: [{ cidr: "192.0.2.10/32", reason: "office VPN" }],
          blockedAddresses: {
            webAcl: true,
            networkAcls: { vpcs: { ids: ["vpc-1"] } },
            entries: [{ cidr, reason: "test" }],
          },
          webAcl: { name: "edge" },
        }),
      ],
      new Map([[K, blocking]]),
      today,
    );
    expect(d.diagnostics).toMatchObject([
      {
        severity: "error",
        code: "internal.unvalidated",
        pointer: "/blockedAddresses/entries/0/cidr",
        message: expect.stringMatching(
          new RegExp(`^internal: validate rule ${rule.replace(".", "\\.")} should have refused `),
        ),
      },
    ]);
    for (const r of d.resources) {
      if (r.kind === "ec2.naclEntries") expect((r.spec as NaclEntriesSpec).entries).toEqual([]);
      if (r.kind === "wafv2.ipSet") expect((r.spec as IpSetSpec).addresses).toEqual([]);
    }
  });

  it("entries that together cover the whole internet: an assertion naming blocked.whole-internet", () => {
    const d = desiredBlocking(
      [
        loaded("a.yaml", {
          blockedAddresses: {
            networkAcls: { vpcs: { ids: ["vpc-1"] } },
            entries: [
              { cidr: "0.0.0.0/1", reason: "a" },
              { cidr: "128.0.0.0/1", reason: "b" },
            ],
          },
        }),
      ],
      new Map([[K, blocking]]),
      today,
    );
    expect(d.diagnostics.map((x) => [x.code, x.message.split(" should")[0]])).toContainEqual([
      "internal.unvalidated",
      "internal: validate rule blocked.whole-internet",
    ]);
  });

  it("a country code WAF refuses: an assertion naming country.unknown, and the geo rule leaves it out", () => {
    const d = desiredBlocking(
      [
        loaded("a.yaml", {
          blockedCountries: {
            countries: [
              { code: "UK", reason: "typo" },
              { code: "TV", reason: "rights" },
            ],
          },
          webAcl: { name: "edge" },
        }),
      ],
      new Map([[K, blocking]]),
      today,
    );
    expect(d.diagnostics).toMatchObject([
      {
        code: "internal.unvalidated",
        pointer: "/blockedCountries/countries/0/code",
        message:
          'internal: validate rule country.unknown should have refused the country code "UK", which WAF does not accept',
      },
    ]);
    const acl = d.resources.find((r) => r.kind === "wafv2.webAcl")?.spec as WebAclSpec;
    expect(JSON.stringify(acl.rules)).not.toContain('"UK"');
    expect(JSON.stringify(acl.rules)).toContain('"TV"');
  });
});
