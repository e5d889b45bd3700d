import { describe, expect, it } from "vitest";
import type { LoadedPolicy, Policy } from "../../../../src/model/policy.js";
import type {
  AssociationSpec,
  BlockingInventory,
  IpSetSpec,
  NaclEntriesSpec,
  NaclEntry,
  WebAclSpec,
} from "../../../../src/model/specs.js";
import { desiredBlocking } from "../../../../src/policy/desired/index.js";

const T = "111122223333/eu-west-1";
const defaultEntries = (): NaclEntry[] =>
  [false, true].flatMap((egress) => [
    { ruleNumber: 100, egress, action: "allow" as const, protocol: "-1", cidr: "0.0.0.0/0" },
    { ruleNumber: 32767, egress, action: "deny" as const, protocol: "-1", cidr: "0.0.0.0/0" },
  ]);
const inventory = (extra: Partial<BlockingInventory> = {}): BlockingInventory => ({
  vpcs: [
    { id: "vpc-prod", cidrs: ["10.0.0.0/16"], ipv6Cidrs: [], tags: { env: "production" }, isDefault: false },
    { id: "vpc-dev", cidrs: ["10.1.0.0/16"], ipv6Cidrs: [], tags: { env: "dev" }, isDefault: false },
  ],
  subnets: [
    { id: "subnet-a", vpcId: "vpc-prod", cidr: "10.0.1.0/24", tags: { tier: "public" } },
    { id: "subnet-b", vpcId: "vpc-prod", cidr: "10.0.2.0/24", tags: { tier: "private" } },
  ],
  networkAcls: [
    { id: "acl-default", vpcId: "vpc-prod", isDefault: true, associations: ["subnet-b"], entries: defaultEntries() },
    { id: "acl-public", vpcId: "vpc-prod", isDefault: false, associations: ["subnet-a"], entries: defaultEntries() },
    { id: "acl-dev", vpcId: "vpc-dev", isDefault: true, associations: [], entries: defaultEntries() },
  ],
  loadBalancers: [
    {
      arn: "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/cats-eyes-alb/1",
      name: "cats-eyes-alb",
      type: "application",
      vpcId: "vpc-prod",
      tags: { app: "cats" },
      webAclArn: null,
    },
    {
      arn: "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/shop-alb/2",
      name: "shop-alb",
      type: "application",
      vpcId: "vpc-prod",
      tags: { app: "shop" },
      webAclArn: "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/shop-waf/abcd",
    },
    {
      arn: "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/net/nlb/3",
      name: "nlb",
      type: "network",
      vpcId: "vpc-prod",
      tags: { app: "cats" },
      webAclArn: null,
    },
  ],
  ...extra,
});
const policy = (over: Partial<Policy>): LoadedPolicy => ({
  policy: {
    apiVersion: "cordon.dev/v1",
    kind: "Policy",
    metadata: { name: "cats-eyes" },
    target: { account: "111122223333", region: "eu-west-1" },
    ...over,
  },
  source: { file: "policies/cats.yaml", document: 0 },
});
const run = (p: LoadedPolicy, inv = inventory(), today = "2026-06-01") =>
  desiredBlocking([p], new Map([[T, inv]]), { today });
const entries = [
  { cidr: "203.0.113.66", reason: "flood from our fleet", ticket: "INC-42" },
  { cidr: "198.51.100.0/24", reason: "scanner" },
];

describe("desiredBlocking: network ACLs", () => {
  it("targets every ACL of the selected VPCs (default and custom) with the band allocated, outbound only", () => {
    const r = run(
      policy({
        blockedAddresses: { networkAcls: { vpcs: { tags: { env: "production" } }, direction: "outbound" }, entries },
      }),
    );
    expect(r.diagnostics).toEqual([]);
    expect(r.resources.map((x) => x.address)).toEqual([
      `${T}/ec2.naclEntries/acl-default`,
      `${T}/ec2.naclEntries/acl-public`,
    ]);
    const spec = r.resources[0]!.spec as NaclEntriesSpec;
    expect(spec.entries.map((e) => [e.egress, e.ruleNumber, e.cidr, e.action, e.protocol])).toEqual([
      [true, 1, "198.51.100.0/24", "deny", "-1"],
      [true, 2, "203.0.113.66/32", "deny", "-1"],
    ]);
    expect(spec.band).toEqual({ first: 1, last: 99 });
    expect(spec.others).toHaveLength(4);
  });
  it("narrows to the ACLs associated with the selected subnets", () => {
    const r = run(
      policy({
        blockedAddresses: { networkAcls: { vpcs: { all: true }, subnets: { tags: { tier: "public" } } }, entries },
      }),
    );
    expect(r.resources.map((x) => x.name)).toEqual(["acl-public"]);
  });
  it("keeps live numbers stable", () => {
    const inv = inventory();
    const acl = inv.networkAcls[1]!;
    const live = {
      ...acl,
      entries: [
        ...acl.entries,
        { ruleNumber: 5, egress: false, action: "deny" as const, protocol: "-1", cidr: "203.0.113.66/32" },
      ],
    };
    const r = run(
      policy({ blockedAddresses: { networkAcls: { vpcs: { ids: ["vpc-prod"] }, direction: "inbound" }, entries } }),
      { ...inv, networkAcls: [live] },
    );
    const spec = r.resources[0]!.spec as NaclEntriesSpec;
    expect(spec.entries.map((e) => [e.ruleNumber, e.cidr])).toEqual([
      [1, "198.51.100.0/24"],
      [5, "203.0.113.66/32"],
    ]);
  });

  const guardCases = [
    { reason: "the whole internet", cidr: "0.0.0.0/0", message: "is the whole IPv4 internet" },
    {
      reason: "a range overlapping the allowlist",
      cidr: "192.0.2.0/24",
      message: "overlaps the allowlist entry 192.0.2.10/32 (office VPN)",
    },
    {
      reason: "a CIDR of the targeted VPC itself",
      cidr: "10.0.0.0/8",
      message: "overlaps 10.0.0.0/16, a CIDR of vpc-prod itself",
    },
  ];
  it.each(guardCases)("refuses to block $reason", ({ cidr, message }) => {
    const r = run(
      policy({
        allowlist: [{ cidr: "192.0.2.10/32", reason: "office VPN" }],
        blockedAddresses: { networkAcls: { vpcs: { ids: ["vpc-prod"] } }, entries: [{ cidr, reason: "test" }] },
      }),
    );
    expect(
      r.diagnostics
        .filter((d) => d.severity === "error")
        .map((d) => d.message)
        .join("\n"),
    ).toContain(message);
    expect(r.diagnostics[0]?.pointer).toBe("/blockedAddresses/entries/0/cidr");
    for (const res of r.resources) expect((res.spec as NaclEntriesSpec).entries).toEqual([]);
  });

  it("reports quota exhaustion with the numbers and declares nothing for that ACL", () => {
    const many = Array.from({ length: 19 }, (_, i) => ({ cidr: `203.0.113.${i * 2}/32`, reason: "r" }));
    const r = run(
      policy({
        blockedAddresses: { networkAcls: { vpcs: { ids: ["vpc-prod"] }, direction: "inbound" }, entries: many },
      }),
    );
    expect(r.diagnostics.map((d) => d.message)).toContain(
      "network ACL acl-default, inbound IPv4: 19 blocked CIDRs + 1 other entries + 1 catch-all deny = 21 entries, above the quota of 20 per direction and family (raise entryQuota only if the account's quota L-2AEEBF1A was raised; AWS allows up to 40)",
    );
    expect(r.resources).toEqual([]);
  });

  it("reports a band above the first matching allow, with both rule numbers", () => {
    const r = run(
      policy({
        blockedAddresses: {
          networkAcls: { vpcs: { ids: ["vpc-prod"] }, direction: "inbound", ruleNumbers: { first: 200, last: 299 } },
          entries: [entries[0]!],
        },
      }),
    );
    expect(r.diagnostics[0]?.code).toBe("blocking.nacl-order");
    expect(r.diagnostics[0]?.message).toContain(
      "is rule 200, but allow rule 100 (0.0.0.0/0, all traffic) matches it first",
    );
  });
});

describe("desiredBlocking: expiry", () => {
  it("leaves out an expired entry and says why on every resource it was enforced in", () => {
    const r = run(
      policy({
        blockedAddresses: {
          networkAcls: { vpcs: { ids: ["vpc-dev"] } },
          webAcl: true,
          entries: [{ cidr: "203.0.113.66", reason: "flood", ticket: "INC-42", expires: "2026-12-31" }, entries[1]!],
        },
        webAcl: { name: "edge" },
      }),
      inventory(),
      "2027-01-01",
    );
    const note = "203.0.113.66 no longer blocked: expired 2026-12-31, ticket INC-42 (flood)";
    expect(r.changeNotes.get(`${T}/ec2.naclEntries/acl-dev`)).toEqual([note]);
    expect(r.changeNotes.get(`${T}/wafv2.ipSet/edge-blocked-ipv4`)).toEqual([note]);
    const spec = r.resources.find((x) => x.kind === "ec2.naclEntries")!.spec as NaclEntriesSpec;
    expect(spec.entries.map((e) => e.cidr)).toEqual(["198.51.100.0/24", "198.51.100.0/24"]);
    expect(r.notes.map((n) => n.message)).toContain(`${note}; remove it from policies/cats.yaml`);
  });
  it("still enforces an entry on its expiry day", () => {
    const r = run(
      policy({
        blockedCountries: { countries: [{ code: "TV", reason: "rights", expires: "2026-06-01" }] },
        webAcl: { name: "edge" },
      }),
    );
    const acl = r.resources.find((x) => x.kind === "wafv2.webAcl")!.spec as WebAclSpec;
    expect(acl.rules.map((x) => x.Name)).toEqual(["cordon-block-countries"]);
    expect(r.changeNotes.size).toBe(0);
  });
  it("drops an expired country with a note on the web ACL", () => {
    const r = run(
      policy({
        blockedCountries: { countries: [{ code: "TV", reason: "rights", ticket: "LEGAL-7", expires: "2026-05-31" }] },
        webAcl: { name: "edge" },
      }),
    );
    expect((r.resources[0]!.spec as WebAclSpec).rules).toEqual([]);
    expect(r.changeNotes.get(`${T}/wafv2.webAcl/edge`)).toEqual([
      "country TV no longer blocked: expired 2026-05-31, ticket LEGAL-7 (rights)",
    ]);
  });
});

describe("desiredBlocking: WAF", () => {
  const waf = (over: Partial<Policy["webAcl"] & object> = {}) =>
    policy({
      blockedAddresses: { webAcl: true, entries },
      blockedCountries: {
        countries: [
          { code: "TV", reason: "rights" },
          { code: "KP", reason: "sanctions" },
        ],
      },
      webAcl: { name: "cats-eyes-edge", loadBalancers: { tags: { app: "*" } }, ...over },
    });
  it("declares the IP sets, the owned web ACL depending on them, and associations depending on the web ACL", () => {
    const r = run(waf());
    // Only IPv4 addresses are blocked: no IPv6 set and no IPv6 rule; the web ACL still depends on
    // both families' addresses, so that a set going away is deleted only after the rule went.
    expect(r.resources.map((x) => [x.kind, x.name, x.dependsOn])).toEqual([
      ["wafv2.association", "cats-eyes-alb", [`${T}/wafv2.webAcl/cats-eyes-edge`]],
      ["wafv2.ipSet", "cats-eyes-edge-blocked-ipv4", []],
      [
        "wafv2.webAcl",
        "cats-eyes-edge",
        [`${T}/wafv2.ipSet/cats-eyes-edge-blocked-ipv4`, `${T}/wafv2.ipSet/cats-eyes-edge-blocked-ipv6`],
      ],
    ]);
    const acl = r.resources[2]!.spec as WebAclSpec;
    expect(acl).toMatchObject({
      ownership: "owned",
      defaultAction: { Allow: {} },
      visibilityConfig: { MetricName: "cats-eyes-edge" },
    });
    expect(acl.tags).toEqual({ "cordon:managed-by": "cordon", "cordon:policy": "cats-eyes" });
    expect(acl.rules.map((x) => [x.Name, x.Priority])).toEqual([
      ["cordon-block-ipv4", 0],
      ["cordon-block-countries", 1],
    ]);
    expect((r.resources[1]!.spec as IpSetSpec).addresses).toEqual(["198.51.100.0/24", "203.0.113.66/32"]);
    expect((r.resources[0]!.spec as AssociationSpec).loadBalancerArn).toContain("cats-eyes-alb");
  });
  it("declares an IP set and a rule per address family that blocks something, never an empty one", () => {
    const only6 = policy({
      blockedAddresses: { webAcl: true, entries: [{ cidr: "2001:db8::/48", reason: "scanner" }] },
      webAcl: { name: "cats-eyes-edge" },
    });
    const r6 = run(only6);
    expect(r6.resources.filter((x) => x.kind === "wafv2.ipSet").map((x) => x.name)).toEqual([
      "cats-eyes-edge-blocked-ipv6",
    ]);
    const acl6 = r6.resources.find((x) => x.kind === "wafv2.webAcl")!.spec as WebAclSpec;
    expect(acl6.rules.map((x) => [x.Name, x.Priority])).toEqual([["cordon-block-ipv6", 0]]);
    const both = policy({
      blockedAddresses: {
        webAcl: true,
        entries: [
          { cidr: "2001:db8::/48", reason: "scanner" },
          { cidr: "203.0.113.9", reason: "scanner" },
        ],
      },
      webAcl: { name: "cats-eyes-edge" },
    });
    const rb = run(both);
    expect(rb.resources.filter((x) => x.kind === "wafv2.ipSet").map((x) => x.name)).toEqual([
      "cats-eyes-edge-blocked-ipv4",
      "cats-eyes-edge-blocked-ipv6",
    ]);
    const aclb = rb.resources.find((x) => x.kind === "wafv2.webAcl")!.spec as WebAclSpec;
    expect(aclb.rules.map((x) => x.Name)).toEqual(["cordon-block-ipv4", "cordon-block-ipv6"]);
    const none = run(policy({ blockedAddresses: { webAcl: true, entries: [] }, webAcl: { name: "cats-eyes-edge" } }));
    expect(none.resources.filter((x) => x.kind === "wafv2.ipSet")).toEqual([]);
  });
  it("leaves a load balancer protected by a foreign web ACL alone, with a note, and skips non-ALBs", () => {
    const r = run(waf());
    expect(r.resources.some((x) => x.name === "shop-alb")).toBe(false);
    expect(r.notes.map((n) => n.message)).toEqual([
      "nlb is a network load balancer; WAF protects only Application Load Balancers, so it is left alone",
      "load balancer shop-alb is protected by web ACL shop-waf, which is not Cordon's: left alone (set webAcl.takeOverLoadBalancers to replace it)",
    ]);
  });
  it("takes a load balancer over when the policy says so, and says so on the change", () => {
    const r = run(waf({ takeOverLoadBalancers: true }));
    expect(r.resources.some((x) => x.name === "shop-alb")).toBe(true);
    expect(r.changeNotes.get(`${T}/wafv2.association/shop-alb`)?.[0]).toContain(
      "takes shop-alb over from web ACL shop-waf",
    );
  });
  it("in shared mode owns only its prefixed rules and none of the ACL's settings", () => {
    const r = run(waf({ ownership: "shared", rulePrefix: "sec-" }));
    const acl = r.resources.find((x) => x.kind === "wafv2.webAcl")!.spec as WebAclSpec;
    expect(acl).toMatchObject({ ownership: "shared", defaultAction: null, visibilityConfig: null, tags: null });
    expect(acl.rules.map((x) => x.Name)).toEqual(["sec-block-ipv4", "sec-block-countries"]);
  });
  it("needs a webAcl section to block countries", () => {
    const r = run(policy({ blockedCountries: { countries: [{ code: "TV", reason: "rights" }] } }));
    expect(r.diagnostics[0]?.code).toBe("blocking.no-web-acl");
    expect(r.resources).toEqual([]);
  });
  it("reports an unknown load balancer name at its pointer", () => {
    const r = run(waf({ loadBalancers: { names: ["nope"] } }));
    expect(r.diagnostics).toMatchObject([
      { pointer: "/webAcl/loadBalancers/names/0", message: "no load balancer named nope in the target" },
    ]);
  });
});
