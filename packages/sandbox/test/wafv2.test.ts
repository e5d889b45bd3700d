import { DescribeLoadBalancersCommand, ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  AssociateWebACLCommand,
  CreateIPSetCommand,
  CreateWebACLCommand,
  DeleteIPSetCommand,
  DeleteWebACLCommand,
  DisassociateWebACLCommand,
  GetIPSetCommand,
  GetWebACLCommand,
  GetWebACLForResourceCommand,
  type IPSetSummary,
  ListIPSetsCommand,
  ListResourcesForWebACLCommand,
  ListTagsForResourceCommand,
  ListWebACLsCommand,
  type Rule,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateIPSetCommand,
  UpdateWebACLCommand,
  type WAFV2Client,
} from "@aws-sdk/client-wafv2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox } from "../src/server.js";
import { ipSetAddressProblem } from "../src/services/wafv2.js";
import type { Estate } from "../src/types.js";
import { ACCOUNT, expectError, wafClient } from "./sdk-helpers.js";

type Sandbox = Awaited<ReturnType<typeof startSandbox>>;
const REGION = "eu-west-1";
const VPC = "vpc-0a000000000000001";

const ESTATE: Estate = {
  accounts: {
    [ACCOUNT]: {
      regions: {
        [REGION]: {
          vpcs: [
            { id: VPC, cidr: "10.20.0.0/16", subnets: [{ cidr: "10.20.1.0/24", availabilityZone: "eu-west-1a" }] },
          ],
          loadBalancers: [
            { name: "front-alb", vpc: VPC },
            { name: "second-alb", vpc: VPC },
            { name: "seeded-alb", vpc: VPC },
            { name: "tcp-nlb", vpc: VPC, type: "network" },
          ],
          ipSets: [{ name: "seeded-block", ipAddressVersion: "IPV4", addresses: ["198.51.100.0/24"] }],
          webAcls: [
            {
              name: "seeded-acl",
              defaultAction: "allow",
              tags: { owner: "estate" },
              loadBalancers: ["seeded-alb"],
              rules: [
                {
                  Name: "block-seeded",
                  Priority: 0,
                  Statement: { IPSetReferenceStatement: { ARN: "seeded-block" } },
                  Action: { Block: {} },
                  VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: "b" },
                },
              ],
            },
          ],
        },
      },
    },
  },
};

const VIS = { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: "m" };

function geoRule(name: string, priority: number, codes: string[]): Rule {
  return {
    Name: name,
    Priority: priority,
    Statement: { GeoMatchStatement: { CountryCodes: codes as never } },
    Action: { Block: {} },
    VisibilityConfig: { ...VIS, MetricName: name },
  };
}

function ipRule(name: string, priority: number, arn: string, anyForwarded = false): Rule {
  return {
    Name: name,
    Priority: priority,
    Statement: {
      IPSetReferenceStatement: {
        ARN: arn,
        ...(anyForwarded
          ? { IPSetForwardedIPConfig: { HeaderName: "X-Forwarded-For", FallbackBehavior: "MATCH", Position: "ANY" } }
          : {}),
      },
    },
    Action: { Block: {} },
    VisibilityConfig: { ...VIS, MetricName: name },
  };
}

let sandbox: Sandbox;
let waf: WAFV2Client;
const albs: Record<string, string> = {};

async function createIpSet(name: string, addresses: string[] = ["203.0.113.7/32"], version: "IPV4" | "IPV6" = "IPV4") {
  const out = await waf.send(
    new CreateIPSetCommand({ Name: name, Scope: "REGIONAL", IPAddressVersion: version, Addresses: addresses }),
  );
  return out.Summary!;
}

async function createWebAcl(name: string, rules: Rule[] = []) {
  const out = await waf.send(
    new CreateWebACLCommand({
      Name: name,
      Scope: "REGIONAL",
      DefaultAction: { Allow: {} },
      VisibilityConfig: { ...VIS, MetricName: name },
      Rules: rules,
    }),
  );
  return out.Summary!;
}

beforeAll(async () => {
  sandbox = await startSandbox({ seed: ESTATE, config: { webAclAssociationDelayMs: 0, defaultPageSize: 100 } });
  waf = wafClient(sandbox.url);
  const elb = new ElasticLoadBalancingV2Client({
    endpoint: sandbox.url,
    region: REGION,
    credentials: { accessKeyId: ACCOUNT, secretAccessKey: "s" },
  });
  const lbs = await elb.send(new DescribeLoadBalancersCommand({}));
  for (const lb of lbs.LoadBalancers ?? []) albs[lb.LoadBalancerName!] = lb.LoadBalancerArn!;
});

afterAll(async () => {
  await sandbox.stop();
});

describe("IP sets", () => {
  it("create, get, list with lock tokens; update rotates the token; a stale token is refused", async () => {
    const summary = await createIpSet("blocked-v4", ["198.51.100.0/24", "203.0.113.7/32"]);
    expect(summary.ARN).toBe(`arn:aws:wafv2:${REGION}:${ACCOUNT}:regional/ipset/blocked-v4/${summary.Id}`);
    expect(summary.Id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const got = await waf.send(new GetIPSetCommand({ Name: "blocked-v4", Scope: "REGIONAL", Id: summary.Id }));
    expect(got.IPSet?.Addresses).toEqual(["198.51.100.0/24", "203.0.113.7/32"]);
    expect(got.IPSet?.IPAddressVersion).toBe("IPV4");
    expect(got.LockToken).toBe(summary.LockToken);
    const listed = await waf.send(new ListIPSetsCommand({ Scope: "REGIONAL" }));
    expect(listed.IPSets?.find((s) => s.Id === summary.Id)?.LockToken).toBe(summary.LockToken);

    const updated = await waf.send(
      new UpdateIPSetCommand({
        Name: "blocked-v4",
        Scope: "REGIONAL",
        Id: summary.Id,
        Addresses: ["192.0.2.0/24"],
        LockToken: got.LockToken,
      }),
    );
    expect(updated.NextLockToken).toBeDefined();
    expect(updated.NextLockToken).not.toBe(got.LockToken);
    const again = await waf.send(new GetIPSetCommand({ Name: "blocked-v4", Scope: "REGIONAL", Id: summary.Id }));
    expect(again.IPSet?.Addresses).toEqual(["192.0.2.0/24"]);
    expect(again.LockToken).toBe(updated.NextLockToken);

    await expectError(
      waf.send(
        new UpdateIPSetCommand({
          Name: "blocked-v4",
          Scope: "REGIONAL",
          Id: summary.Id,
          Addresses: [],
          LockToken: got.LockToken,
        }),
      ),
      "WAFOptimisticLockException",
      400,
    );
    await expectError(
      waf.send(
        new DeleteIPSetCommand({ Name: "blocked-v4", Scope: "REGIONAL", Id: summary.Id, LockToken: got.LockToken }),
      ),
      "WAFOptimisticLockException",
    );
  });

  it("a second IP set with the same name is WAFDuplicateItemException", async () => {
    await createIpSet("dup-set");
    await expectError(createIpSet("dup-set"), "WAFDuplicateItemException");
  });

  it("an unknown id is WAFNonexistentItemException", async () => {
    await expectError(
      waf.send(
        new GetIPSetCommand({ Name: "blocked-v4", Scope: "REGIONAL", Id: "00000000-0000-0000-0000-000000000000" }),
      ),
      "WAFNonexistentItemException",
    );
  });

  it.each([
    { address: "10.0.0.1/24", version: "IPV4", reason: "host bits set" },
    { address: "0.0.0.0/0", version: "IPV4", reason: "/0" },
    { address: "10.0.0.1", version: "IPV4", reason: "no prefix length" },
    { address: "10.0.0.256/32", version: "IPV4", reason: "octet out of range" },
    { address: "2001:db8::/32", version: "IPV4", reason: "IPv6 in an IPv4 set" },
    { address: "10.0.0.0/8", version: "IPV6", reason: "IPv4 in an IPv6 set" },
    { address: "2001:db8::1/64", version: "IPV6", reason: "IPv6 host bits set" },
    { address: "::/0", version: "IPV6", reason: "IPv6 /0" },
    { address: "2001:db8:::1/128", version: "IPV6", reason: "malformed IPv6" },
    { address: "", version: "IPV4", reason: "empty string" },
  ] as const)("rejects $address ($reason) with WAFInvalidParameterException, field IP_ADDRESS", async (c) => {
    const e = await expectError(
      createIpSet(`bad-${Math.random().toString(36).slice(2, 8)}`, [c.address], c.version),
      "WAFInvalidParameterException",
      400,
    );
    expect(e["Field"]).toBe("IP_ADDRESS");
    expect(e["Parameter"]).toBe(c.address);
    expect(e.message).toContain("field: IP_ADDRESS");
  });

  it.each([
    { address: "2001:db8::/32", version: "IPV6" },
    { address: "::ffff:10.0.0.0/120", version: "IPV6" },
    { address: "2001:0db8:0000:0000:0000:0000:0000:0001/128", version: "IPV6" },
    { address: "192.0.2.44/32", version: "IPV4" },
    { address: "128.0.0.0/1", version: "IPV4" },
  ] as const)("accepts $address", ({ address, version }) => {
    expect(ipSetAddressProblem(address, version)).toBeNull();
  });

  it("10,000 addresses are accepted, 10,001 exceed the limit", async () => {
    const addresses = Array.from({ length: 10_001 }, (_, i) =>
      `10.${i >> 8}.${i & 255}.0/32`.replace(/\.0\/32$/, ".1/32"),
    );
    await createIpSet("big-set", addresses.slice(0, 10_000));
    await expectError(createIpSet("too-big-set", addresses), "WAFLimitsExceededException", 400);
  });

  it("IPAddressVersion is fixed: an update with the other family is invalid", async () => {
    const s = await createIpSet("v4-only");
    await expectError(
      waf.send(
        new UpdateIPSetCommand({
          Name: "v4-only",
          Scope: "REGIONAL",
          Id: s.Id,
          Addresses: ["2001:db8::/32"],
          LockToken: s.LockToken,
        }),
      ),
      "WAFInvalidParameterException",
    );
  });

  it("CLOUDFRONT scope is refused outside us-east-1 and uses global ARNs there", async () => {
    const e = await expectError(
      waf.send(new ListIPSetsCommand({ Scope: "CLOUDFRONT" })),
      "WAFInvalidParameterException",
    );
    expect(e["Field"]).toBe("SCOPE_VALUE");
    const usEast = wafClient(sandbox.url, { region: "us-east-1" });
    const out = await usEast.send(
      new CreateIPSetCommand({ Name: "edge", Scope: "CLOUDFRONT", IPAddressVersion: "IPV4", Addresses: [] }),
    );
    expect(out.Summary?.ARN).toMatch(/^arn:aws:wafv2:us-east-1:111122223333:global\/ipset\/edge\//);
  });
});

describe("web ACLs", () => {
  let blockSet: IPSetSummary;

  beforeAll(async () => {
    blockSet = await createIpSet("acl-block", ["198.51.100.0/24"]);
  });

  it("creates the canonical geo + IP-set web ACL and reports capacity and lock token", async () => {
    const rules = [geoRule("block-countries", 0, ["KP", "TV"]), ipRule("block-ipv4", 1, blockSet.ARN!)];
    const s = await createWebAcl("edge-guard", rules);
    expect(s.ARN).toBe(`arn:aws:wafv2:${REGION}:${ACCOUNT}:regional/webacl/edge-guard/${s.Id}`);
    const got = await waf.send(new GetWebACLCommand({ Name: "edge-guard", Scope: "REGIONAL", Id: s.Id }));
    expect(got.WebACL?.Capacity).toBe(2);
    expect(got.WebACL?.Rules).toEqual(rules);
    expect(got.WebACL?.DefaultAction).toEqual({ Allow: {} });
    expect(got.WebACL?.LabelNamespace).toBe(`awswaf:${ACCOUNT}:webacl:edge-guard:`);
    expect(got.LockToken).toBe(s.LockToken);
    const byArn = await waf.send(new GetWebACLCommand({ ARN: s.ARN }));
    expect(byArn.WebACL?.Id).toBe(s.Id);
  });

  it("an IP-set reference with forwarded IP position ANY costs 5 WCU", async () => {
    const s = await createWebAcl("fwd-any", [ipRule("fwd", 0, blockSet.ARN!, true)]);
    const got = await waf.send(new GetWebACLCommand({ Name: "fwd-any", Scope: "REGIONAL", Id: s.Id }));
    expect(got.WebACL?.Capacity).toBe(5);
  });

  it.each([
    {
      reason: "UK is not a WAF country code",
      rules: () => [geoRule("g", 0, ["UK"])],
      name: "WAFInvalidParameterException",
    },
    { reason: "EU is not a country", rules: () => [geoRule("g", 0, ["EU"])], name: "WAFInvalidParameterException" },
    { reason: "lower-case code", rules: () => [geoRule("g", 0, ["gb"])], name: "WAFInvalidParameterException" },
    { reason: "empty country list", rules: () => [geoRule("g", 0, [])], name: "WAFInvalidParameterException" },
    {
      reason: "more than 50 countries",
      rules: () => [
        geoRule(
          "g",
          0,
          Array.from({ length: 51 }, (_, i) => ["AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR"][i % 10]!),
        ),
      ],
      name: "WAFInvalidParameterException",
    },
    {
      reason: "a reference to a missing IP set",
      rules: () => [
        ipRule("i", 0, `arn:aws:wafv2:${REGION}:${ACCOUNT}:regional/ipset/gone/00000000-0000-0000-0000-000000000000`),
      ],
      name: "WAFNonexistentItemException",
    },
    {
      reason: "duplicate priorities",
      rules: () => [geoRule("a", 1, ["FR"]), geoRule("b", 1, ["DE"])],
      name: "WAFInvalidParameterException",
    },
    {
      reason: "duplicate rule names",
      rules: () => [geoRule("a", 1, ["FR"]), geoRule("a", 2, ["DE"])],
      name: "WAFDuplicateItemException",
    },
    {
      reason: "a rule without VisibilityConfig",
      rules: () => [{ ...geoRule("a", 1, ["FR"]), VisibilityConfig: undefined }],
      name: "WAFInvalidParameterException",
    },
    {
      reason: "a rule with two actions",
      rules: () => [{ ...geoRule("a", 1, ["FR"]), Action: { Block: {}, Allow: {} } }],
      name: "WAFInvalidParameterException",
    },
    {
      reason: "capacity above 5,000 WCU",
      rules: () =>
        Array.from({ length: 8 }, (_, i) => ({
          Name: `managed-${i}`,
          Priority: i,
          Statement: { ManagedRuleGroupStatement: { VendorName: "AWS", Name: "AWSManagedRulesCommonRuleSet" } },
          OverrideAction: { None: {} },
          VisibilityConfig: { ...VIS, MetricName: `managed-${i}` },
        })),
      name: "WAFLimitsExceededException",
    },
  ] as { reason: string; rules: () => Rule[]; name: string }[])(
    "rejects $reason with $name",
    async ({ rules, name }) => {
      await expectError(createWebAcl(`bad-${Math.random().toString(36).slice(2, 8)}`, rules()), name, 400);
    },
  );

  it("accepts TV and XK, which ISO lists and WAF's enum includes", async () => {
    const s = await createWebAcl("tv-xk", [geoRule("g", 0, ["TV", "XK", "AQ"])]);
    expect(s.Id).toBeDefined();
  });

  it("a missing web ACL VisibilityConfig is WAFInvalidParameterException", async () => {
    await expectError(
      waf.send(new CreateWebACLCommand({ Name: "no-vis", Scope: "REGIONAL", DefaultAction: { Allow: {} } } as never)),
      "WAFInvalidParameterException",
    );
  });

  it("a second web ACL with the same name is WAFDuplicateItemException", async () => {
    await expectError(createWebAcl("edge-guard"), "WAFDuplicateItemException");
  });

  it("UpdateWebACL replaces the rules, rotates the lock token, refuses a stale token", async () => {
    const s = await createWebAcl("updatable", [geoRule("g", 0, ["FR"])]);
    const update = (token: string | undefined, codes: string[]) =>
      waf.send(
        new UpdateWebACLCommand({
          Name: "updatable",
          Scope: "REGIONAL",
          Id: s.Id,
          DefaultAction: { Block: {} },
          VisibilityConfig: { ...VIS, MetricName: "updatable" },
          Rules: [geoRule("g", 0, codes), ipRule("ip", 1, blockSet.ARN!)],
          LockToken: token,
        }),
      );
    const out = await update(s.LockToken, ["DE", "NL"]);
    expect(out.NextLockToken).not.toBe(s.LockToken);
    const got = await waf.send(new GetWebACLCommand({ Name: "updatable", Scope: "REGIONAL", Id: s.Id }));
    expect(got.WebACL?.DefaultAction).toEqual({ Block: {} });
    expect(got.WebACL?.Rules?.[0]?.Statement?.GeoMatchStatement?.CountryCodes).toEqual(["DE", "NL"]);
    expect(got.WebACL?.Capacity).toBe(2);
    expect(got.LockToken).toBe(out.NextLockToken);
    await expectError(update(s.LockToken, ["BE"]), "WAFOptimisticLockException");
  });

  it("a forced lock conflict (fault) refuses the current token once", async () => {
    const s = await createWebAcl("conflicted", [geoRule("g", 0, ["FR"])]);
    sandbox.control.setFaults({
      rules: [{ kind: "lockConflict", service: "wafv2", operation: "UpdateWebACL", nth: 1 }],
    });
    const update = () =>
      waf.send(
        new UpdateWebACLCommand({
          Name: "conflicted",
          Scope: "REGIONAL",
          Id: s.Id,
          DefaultAction: { Allow: {} },
          VisibilityConfig: { ...VIS, MetricName: "conflicted" },
          Rules: [],
          LockToken: s.LockToken,
        }),
      );
    try {
      await expectError(update(), "WAFOptimisticLockException");
      await update();
    } finally {
      sandbox.control.setFaults({});
    }
  });

  it("an IP set referenced by a web ACL cannot be deleted (WAFAssociatedItemException)", async () => {
    const current = await waf.send(new GetIPSetCommand({ Name: "acl-block", Scope: "REGIONAL", Id: blockSet.Id }));
    await expectError(
      waf.send(
        new DeleteIPSetCommand({ Name: "acl-block", Scope: "REGIONAL", Id: blockSet.Id, LockToken: current.LockToken }),
      ),
      "WAFAssociatedItemException",
    );
  });

  it("deleting an unreferenced IP set and an unassociated web ACL succeeds", async () => {
    const set = await createIpSet("short-lived");
    await waf.send(
      new DeleteIPSetCommand({ Name: "short-lived", Scope: "REGIONAL", Id: set.Id, LockToken: set.LockToken }),
    );
    const acl = await createWebAcl("short-acl");
    await waf.send(
      new DeleteWebACLCommand({ Name: "short-acl", Scope: "REGIONAL", Id: acl.Id, LockToken: acl.LockToken }),
    );
    await expectError(
      waf.send(new GetWebACLCommand({ Name: "short-acl", Scope: "REGIONAL", Id: acl.Id })),
      "WAFNonexistentItemException",
    );
  });
});

describe("associations", () => {
  it("associate, read back both ways, replace, disassociate", async () => {
    const a = await createWebAcl("assoc-a");
    const b = await createWebAcl("assoc-b");
    const alb = albs["front-alb"]!;
    const none = await waf.send(new GetWebACLForResourceCommand({ ResourceArn: alb }));
    expect(none.WebACL).toBeUndefined();

    await waf.send(new AssociateWebACLCommand({ WebACLArn: a.ARN, ResourceArn: alb }));
    const got = await waf.send(new GetWebACLForResourceCommand({ ResourceArn: alb }));
    expect(got.WebACL?.ARN).toBe(a.ARN);
    const listed = await waf.send(new ListResourcesForWebACLCommand({ WebACLArn: a.ARN }));
    expect(listed.ResourceArns).toEqual([alb]);

    // One web ACL per load balancer: associating another replaces the first.
    await waf.send(new AssociateWebACLCommand({ WebACLArn: b.ARN, ResourceArn: alb }));
    expect((await waf.send(new GetWebACLForResourceCommand({ ResourceArn: alb }))).WebACL?.ARN).toBe(b.ARN);
    expect((await waf.send(new ListResourcesForWebACLCommand({ WebACLArn: a.ARN }))).ResourceArns).toEqual([]);

    await expectError(
      waf.send(new DeleteWebACLCommand({ Name: "assoc-b", Scope: "REGIONAL", Id: b.Id, LockToken: b.LockToken })),
      "WAFAssociatedItemException",
    );
    await waf.send(new DisassociateWebACLCommand({ ResourceArn: alb }));
    expect((await waf.send(new GetWebACLForResourceCommand({ ResourceArn: alb }))).WebACL).toBeUndefined();
    await waf.send(new DeleteWebACLCommand({ Name: "assoc-b", Scope: "REGIONAL", Id: b.Id, LockToken: b.LockToken }));
  });

  it("an unknown load balancer is WAFNonexistentItemException; a network load balancer is invalid", async () => {
    const a = await createWebAcl("assoc-c");
    const ghost = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/app/ghost/0123456789abcdef`;
    await expectError(
      waf.send(new AssociateWebACLCommand({ WebACLArn: a.ARN, ResourceArn: ghost })),
      "WAFNonexistentItemException",
    );
    await expectError(waf.send(new GetWebACLForResourceCommand({ ResourceArn: ghost })), "WAFNonexistentItemException");
    await expectError(
      waf.send(new AssociateWebACLCommand({ WebACLArn: a.ARN, ResourceArn: albs["tcp-nlb"] })),
      "WAFInvalidParameterException",
    );
    await expectError(
      waf.send(
        new AssociateWebACLCommand({
          WebACLArn: `arn:aws:wafv2:${REGION}:${ACCOUNT}:regional/webacl/nope/00000000-0000-0000-0000-000000000000`,
          ResourceArn: albs["second-alb"],
        }),
      ),
      "WAFNonexistentItemException",
    );
  });

  it("a brand-new web ACL is unavailable for association for webAclAssociationDelayMs", async () => {
    sandbox.control.setConfig({ webAclAssociationDelayMs: 60_000 });
    try {
      const fresh = await createWebAcl("too-fresh");
      await expectError(
        waf.send(new AssociateWebACLCommand({ WebACLArn: fresh.ARN, ResourceArn: albs["second-alb"] })),
        "WAFUnavailableEntityException",
      );
    } finally {
      sandbox.control.setConfig({ webAclAssociationDelayMs: 0 });
    }
    const list = await waf.send(new ListWebACLsCommand({ Scope: "REGIONAL" }));
    const fresh = list.WebACLs?.find((w) => w.Name === "too-fresh");
    await waf.send(new AssociateWebACLCommand({ WebACLArn: fresh?.ARN, ResourceArn: albs["second-alb"] }));
  });
});

describe("seeded estate", () => {
  it("seeds IP sets, web ACLs (rules naming IP sets) and their ALB associations", async () => {
    const got = await waf.send(new GetWebACLForResourceCommand({ ResourceArn: albs["seeded-alb"] }));
    expect(got.WebACL?.Name).toBe("seeded-acl");
    expect(got.WebACL?.Capacity).toBe(1);
    const ref = got.WebACL?.Rules?.[0]?.Statement?.IPSetReferenceStatement?.ARN;
    expect(ref).toMatch(new RegExp(`^arn:aws:wafv2:${REGION}:${ACCOUNT}:regional/ipset/seeded-block/`));
    const tags = await waf.send(new ListTagsForResourceCommand({ ResourceARN: got.WebACL?.ARN }));
    expect(tags.TagInfoForResource?.TagList).toEqual([{ Key: "owner", Value: "estate" }]);
  });
});

describe("tags", () => {
  it("create with tags, tag, untag, list; unknown ARNs are WAFNonexistentItemException", async () => {
    const out = await waf.send(
      new CreateIPSetCommand({
        Name: "tagged",
        Scope: "REGIONAL",
        IPAddressVersion: "IPV4",
        Addresses: [],
        Tags: [{ Key: "managed-by", Value: "cordon" }],
      }),
    );
    const arn = out.Summary!.ARN!;
    await waf.send(
      new TagResourceCommand({
        ResourceARN: arn,
        Tags: [
          { Key: "env", Value: "prod" },
          { Key: "managed-by", Value: "me" },
        ],
      }),
    );
    let tags = await waf.send(new ListTagsForResourceCommand({ ResourceARN: arn }));
    expect(tags.TagInfoForResource?.TagList).toEqual([
      { Key: "env", Value: "prod" },
      { Key: "managed-by", Value: "me" },
    ]);
    await waf.send(new UntagResourceCommand({ ResourceARN: arn, TagKeys: ["managed-by"] }));
    tags = await waf.send(new ListTagsForResourceCommand({ ResourceARN: arn }));
    expect(tags.TagInfoForResource?.TagList).toEqual([{ Key: "env", Value: "prod" }]);
    const ghost = `arn:aws:wafv2:${REGION}:${ACCOUNT}:regional/ipset/ghost/00000000-0000-0000-0000-000000000000`;
    await expectError(waf.send(new ListTagsForResourceCommand({ ResourceARN: ghost })), "WAFNonexistentItemException");
    await expectError(
      waf.send(new TagResourceCommand({ ResourceARN: ghost, Tags: [{ Key: "a", Value: "b" }] })),
      "WAFNonexistentItemException",
    );
    await expectError(
      waf.send(
        new CreateIPSetCommand({
          Name: "empty-tags",
          Scope: "REGIONAL",
          IPAddressVersion: "IPV4",
          Addresses: [],
          Tags: [],
        }),
      ),
      "WAFInvalidParameterException",
    );
  });
});

describe("pagination and quotas", () => {
  let fresh: Sandbox;
  let client: WAFV2Client;
  beforeAll(async () => {
    fresh = await startSandbox({ config: { defaultPageSize: 100 } });
    client = wafClient(fresh.url);
    for (let i = 0; i < 5; i++) {
      await client.send(
        new CreateIPSetCommand({ Name: `set-${i}`, Scope: "REGIONAL", IPAddressVersion: "IPV4", Addresses: [] }),
      );
    }
  });
  afterAll(async () => {
    await fresh.stop();
  });

  async function pages(): Promise<{ names: string[][]; markers: (string | undefined)[] }> {
    const names: string[][] = [];
    const markers: (string | undefined)[] = [];
    let marker: string | undefined;
    for (let i = 0; i < 10; i++) {
      const out = await client.send(new ListIPSetsCommand({ Scope: "REGIONAL", Limit: 2, NextMarker: marker }));
      names.push((out.IPSets ?? []).map((s) => s.Name ?? ""));
      markers.push(out.NextMarker);
      marker = out.NextMarker;
      if (marker === undefined || (out.IPSets ?? []).length === 0) break;
    }
    return { names, markers };
  }

  it("pages with Limit and NextMarker; no marker after the last page", async () => {
    const { names, markers } = await pages();
    expect(names).toEqual([["set-0", "set-1"], ["set-2", "set-3"], ["set-4"]]);
    expect(markers[2]).toBeUndefined();
  });

  it("with wafAlwaysNextMarker the last page still has a NextMarker, and following it gives an empty page", async () => {
    fresh.control.setConfig({ wafAlwaysNextMarker: true });
    try {
      const { names, markers } = await pages();
      expect(names).toEqual([["set-0", "set-1"], ["set-2", "set-3"], ["set-4"], []]);
      expect(markers[2]).toBeDefined();
      expect(markers[3]).toBeUndefined();
    } finally {
      fresh.control.setConfig({ wafAlwaysNextMarker: false });
    }
  });

  it("throttling uses WAF's ThrottlingException", async () => {
    fresh.control.setFaults({ rules: [{ kind: "throttle", service: "wafv2", operation: "ListIPSets", nth: 1 }] });
    try {
      await expectError(client.send(new ListIPSetsCommand({ Scope: "REGIONAL" })), "ThrottlingException", 400);
    } finally {
      fresh.control.setFaults({});
    }
  });

  it("a Limit above 100 is WAFInvalidParameterException", async () => {
    await expectError(
      client.send(new ListIPSetsCommand({ Scope: "REGIONAL", Limit: 101 })),
      "WAFInvalidParameterException",
    );
  });

  it("the 101st IP set in a region exceeds the quota", async () => {
    for (let i = 5; i < 100; i++) {
      await client.send(
        new CreateIPSetCommand({ Name: `set-${i}`, Scope: "REGIONAL", IPAddressVersion: "IPV4", Addresses: [] }),
      );
    }
    await expectError(
      client.send(
        new CreateIPSetCommand({ Name: "one-too-many", Scope: "REGIONAL", IPAddressVersion: "IPV4", Addresses: [] }),
      ),
      "WAFLimitsExceededException",
    );
  });
});
