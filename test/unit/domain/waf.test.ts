import { describe, expect, it } from "vitest";
import { type Cidr, parseCidr } from "../../../src/domain/cidr.js";
import { WAF_COUNTRY_CODES } from "../../../src/domain/countries.js";
import {
  cordonRules,
  geoStatement,
  ipSetDiff,
  ipSetIdentity,
  ipSetRef,
  ipSetSpecs,
  mergeSharedRules,
  resolveIpSetRefs,
  rulesCapacity,
  wafMetricName,
  webAclCapacity,
  webAclCreateInput,
  webAclDiff,
  webAclUpdateInput,
} from "../../../src/domain/waf.js";
import type { IpSetSpec, WafForeignRule, WafRule, WebAclSpec } from "../../../src/model/specs.js";

const block = (t: string): Cidr => {
  const p = parseCidr(t);
  if (!p.ok) throw new Error(t);
  return p.cidr;
};
const V4 = "111122223333/eu-west-1/wafv2.ipSet/edge-blocked-ipv4";
const V6 = "111122223333/eu-west-1/wafv2.ipSet/edge-blocked-ipv6";
const ARN4 =
  "arn:aws:wafv2:eu-west-1:111122223333:regional/ipset/edge-blocked-ipv4/3f1c2a9e-1111-2222-3333-444455556666";
const ARN6 =
  "arn:aws:wafv2:eu-west-1:111122223333:regional/ipset/edge-blocked-ipv6/aaaaaaaa-1111-2222-3333-444455556666";
const arnOf = (a: string) => ({ [V4]: ARN4, [V6]: ARN6 })[a];

describe("wafMetricName", () => {
  it.each([
    { reason: "a valid name is kept", name: "cats-eyes_edge", metric: "cats-eyes_edge" },
    { reason: "spaces and dots become underscores", name: "cats eyes.edge", metric: "cats_eyes_edge" },
    { reason: "the reserved name All is prefixed", name: "All", metric: "cordon-All" },
    { reason: "the reserved name Default_Action is prefixed", name: "Default_Action", metric: "cordon-Default_Action" },
    { reason: "long names are cut to 255 characters", name: "a".repeat(300), metric: "a".repeat(255) },
  ])("$reason", ({ name, metric }) => expect(wafMetricName(name)).toBe(metric));
});

describe("ipSetSpecs", () => {
  it("splits IPv4 and IPv6, aggregates, and writes canonical sorted CIDRs", () => {
    const s = ipSetSpecs("edge", ["203.0.113.7", "2001:db8::1", "198.51.100.0/25", "198.51.100.128/25"].map(block), {});
    expect(s.ipv4).toMatchObject({
      name: "edge-blocked-ipv4",
      ipAddressVersion: "IPV4",
      addresses: ["198.51.100.0/24", "203.0.113.7/32"],
    });
    expect(s.ipv6).toMatchObject({
      name: "edge-blocked-ipv6",
      ipAddressVersion: "IPV6",
      addresses: ["2001:db8::1/128"],
    });
    expect(s.problems).toEqual([]);
  });
  it("keeps an empty IPv6 set so the shape of the web ACL never changes", () => {
    expect(ipSetSpecs("edge", [block("203.0.113.7")], {}).ipv6.addresses).toEqual([]);
  });
  it("refuses more than 10,000 addresses per set after aggregation, with the counts", () => {
    // Every other address: nothing can merge.
    const blocks = Array.from(
      { length: 10_001 },
      (_, i): Cidr => ({ family: "ipv4", network: 0x0a000000n + BigInt(i * 2), prefix: 32 }),
    );
    const s = ipSetSpecs("edge", blocks, {}, 10_001);
    expect(s.problems).toEqual([
      "WAF IP set edge-blocked-ipv4: 10001 IPv4 CIDRs after aggregation (from 10001 declared entries of both families), above WAF's fixed limit of 10000 per IP set",
    ]);
  });
  it("accepts 20,000 addresses that aggregate to fewer than 10,000 blocks", () => {
    const blocks = Array.from(
      { length: 20_000 },
      (_, i): Cidr => ({ family: "ipv4", network: 0x0a000000n + BigInt(i), prefix: 32 }),
    );
    expect(ipSetSpecs("edge", blocks, {}).problems).toEqual([]);
  });
});

describe("ipSetDiff", () => {
  const spec = (addresses: string[], version: "IPV4" | "IPV6" = "IPV4"): IpSetSpec => ({
    name: "edge-blocked-ipv4",
    scope: "REGIONAL",
    ipAddressVersion: version,
    addresses,
    tags: { "cordon:managed-by": "cordon" },
  });
  it("compares as sets of canonical CIDRs (order and duplicates do not matter)", () => {
    const d = ipSetDiff(
      spec(["198.51.100.0/24", "203.0.113.7/32"]),
      spec(["203.0.113.7/32", "198.51.100.0/24", "203.0.113.7/32"]),
    );
    expect(d.fields).toEqual([]);
  });
  it("reports additions and removals per address and flags a removal as broadening access", () => {
    const d = ipSetDiff(spec(["198.51.100.0/24"]), spec(["203.0.113.7/32"]));
    expect(d.fields).toEqual([
      { path: "/addresses/198.51.100.0~124", before: null, after: "198.51.100.0/24" },
      { path: "/addresses/203.0.113.7~132", before: "203.0.113.7/32", after: null },
    ]);
    expect(d.broadensAccess).toBe(true);
    expect(d.notes).toEqual(["203.0.113.7/32 stops being blocked by WAF IP set edge-blocked-ipv4"]);
  });
  it("does not flag a removal that a larger remaining block still covers", () => {
    expect(ipSetDiff(spec(["203.0.113.0/24"]), spec(["203.0.113.7/32"])).broadensAccess).toBe(false);
  });
  it("forces a replacement when the IP version differs", () => {
    expect(ipSetDiff(spec([], "IPV6"), spec([])).replace).toBe(true);
  });
});

describe("rules", () => {
  it("splits more than 50 countries into statements of at most 50 joined by an OrStatement", () => {
    const s = geoStatement(WAF_COUNTRY_CODES.slice(0, 120));
    expect("OrStatement" in s).toBe(true);
    if (!("OrStatement" in s)) return;
    const sizes = s.OrStatement.Statements.map((x) =>
      "GeoMatchStatement" in x ? x.GeoMatchStatement.CountryCodes.length : -1,
    );
    expect(sizes).toEqual([50, 50, 20]);
    expect(
      rulesCapacity([
        {
          Name: "x",
          Priority: 0,
          Statement: s,
          Action: { Block: {} },
          VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: "x" },
        },
      ]),
    ).toBe(3);
  });
  it("keeps 50 countries in one sorted statement", () => {
    expect(geoStatement(["TV", "KP"])).toEqual({ GeoMatchStatement: { CountryCodes: ["KP", "TV"] } });
  });
  it("orders Cordon's rules ipv4, ipv6, countries with priorities 0..2 and a visibility config each", () => {
    const rules = cordonRules({ prefix: "cordon-", ipSets: { ipv4: V4, ipv6: V6 }, countries: ["TV"] });
    expect(rules.map((r) => [r.Name, r.Priority, r.VisibilityConfig.MetricName])).toEqual([
      ["cordon-block-ipv4", 0, "cordon-block-ipv4"],
      ["cordon-block-ipv6", 1, "cordon-block-ipv6"],
      ["cordon-block-countries", 2, "cordon-block-countries"],
    ]);
    expect(rules[0]?.Statement).toEqual({ IPSetReferenceStatement: { ARN: `cordon-ref:${V4}` } });
  });
  it("resolves IP-set references at execution and refuses an unknown one", () => {
    const rules = cordonRules({ prefix: "cordon-", ipSets: { ipv4: V4, ipv6: V6 }, countries: [] });
    expect(resolveIpSetRefs(rules, arnOf).map((r) => r.Statement)).toEqual([
      { IPSetReferenceStatement: { ARN: ARN4 } },
      { IPSetReferenceStatement: { ARN: ARN6 } },
    ]);
    expect(() => resolveIpSetRefs(rules, () => undefined)).toThrow("must be observed or created first");
  });
  it("identifies a reference and the ARN it becomes as the same IP set", () => {
    expect(ipSetIdentity(ipSetRef(V4))).toBe(ipSetIdentity(ARN4));
    expect(ipSetIdentity(ipSetRef(V4))).not.toBe(ipSetIdentity(ARN6));
  });
});

const owned = (countries: string[], extra: Partial<WebAclSpec> = {}): WebAclSpec => ({
  name: "edge",
  scope: "REGIONAL",
  ownership: "owned",
  rulePrefix: "cordon-",
  defaultAction: { Allow: {} },
  visibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: "edge" },
  rules: cordonRules({ prefix: "cordon-", ipSets: { ipv4: V4, ipv6: V6 }, countries }),
  tags: { "cordon:managed-by": "cordon" },
  ...extra,
});
/** The live form: real ARNs. */
const liveOf = (s: WebAclSpec, extra: Partial<WebAclSpec> = {}): WebAclSpec => ({
  ...s,
  rules: resolveIpSetRefs(s.rules, arnOf),
  ...extra,
});

describe("webAclDiff, owned", () => {
  it("sees no difference between a reference and its ARN, or in country order", () => {
    const live = liveOf(owned(["TV", "KP"]));
    const shuffled = live.rules.map((r) =>
      "GeoMatchStatement" in r.Statement
        ? { ...r, Statement: { GeoMatchStatement: { CountryCodes: ["TV", "KP"] } } }
        : r,
    );
    expect(webAclDiff(owned(["KP", "TV"]), { ...live, rules: shuffled }).fields).toEqual([]);
  });
  it("restores a country removed by hand, and removing a country broadens access", () => {
    const restore = webAclDiff(owned(["KP", "TV"]), liveOf(owned(["KP"])));
    expect(restore.fields.map((f) => f.path)).toEqual(["/rules/cordon-block-countries"]);
    expect(restore.broadensAccess).toBe(false);
    const remove = webAclDiff(owned(["KP"]), liveOf(owned(["KP", "TV"])));
    expect(remove.broadensAccess).toBe(true);
    expect(remove.notes).toEqual(["rule cordon-block-countries of web ACL edge stops blocking what it blocked"]);
  });
  it("removes a rule added by hand to an owned ACL", () => {
    const foreign: WafForeignRule = {
      Name: "hand-made",
      Priority: 9,
      Statement: {},
      Action: { Count: {} },
      VisibilityConfig: {},
    };
    const d = webAclDiff(owned(["TV"]), liveOf(owned(["TV"]), { foreignRules: [foreign] }));
    expect(d.fields).toEqual([{ path: "/rules/hand-made", before: foreign, after: null }]);
    expect(d.broadensAccess).toBe(false);
  });
  it("compares the default action, visibility config and tags", () => {
    const d = webAclDiff(owned([]), liveOf(owned([]), { defaultAction: null, tags: {} }));
    expect(d.fields.map((f) => f.path)).toEqual(["/defaultAction", "/tags/cordon:managed-by"]);
  });
});

describe("shared mode", () => {
  const foreignRules: WafForeignRule[] = [
    {
      Name: "AWS-AWSManagedRulesCommonRuleSet",
      Priority: 0,
      Statement: {
        ManagedRuleGroupStatement: { VendorName: "AWS", Name: "AWSManagedRulesCommonRuleSet", ExcludedRules: [] },
      },
      OverrideAction: { None: {} },
      VisibilityConfig: { SampledRequestsEnabled: false, CloudWatchMetricsEnabled: true, MetricName: "common" },
    },
    {
      Name: "rate-limit",
      Priority: 2,
      Statement: { RateBasedStatement: { Limit: 2000, AggregateKeyType: "IP" } },
      Action: { Block: {} },
      VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: "rate" },
      RuleLabels: [{ Name: "team:web" }],
    },
  ];
  const mine = cordonRules({ prefix: "cordon-", ipSets: { ipv4: V4, ipv6: V6 }, countries: ["TV"] });
  const shared: WebAclSpec = {
    ...owned(["TV"]),
    ownership: "shared",
    defaultAction: null,
    visibilityConfig: null,
    tags: null,
  };

  it("keeps every foreign rule and its priority and places Cordon's rules on the lowest free priorities", () => {
    const merged = mergeSharedRules(foreignRules, mine, "cordon-");
    expect(merged.map((r) => [r.Name, r.Priority])).toEqual([
      ["AWS-AWSManagedRulesCommonRuleSet", 0],
      ["cordon-block-ipv4", 1],
      ["rate-limit", 2],
      ["cordon-block-ipv6", 3],
      ["cordon-block-countries", 4],
    ]);
    expect(merged[0]).toBe(foreignRules[0]);
    expect(merged[2]).toBe(foreignRules[1]);
  });

  it("writes back the live web ACL byte-for-byte except Cordon's rules", () => {
    const live: Record<string, unknown> = {
      Name: "shop",
      Id: "a1b2",
      ARN: "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/shop/a1b2",
      DefaultAction: { Block: { CustomResponse: { ResponseCode: 403 } } },
      Description: "the shop's ACL",
      Rules: [...foreignRules, { ...resolveIpSetRefs(mine, arnOf)[2]!, Priority: 7 }],
      VisibilityConfig: { SampledRequestsEnabled: false, CloudWatchMetricsEnabled: true, MetricName: "shop" },
      Capacity: 712,
      LabelNamespace: "awswaf:111122223333:webacl:shop:",
      CustomResponseBodies: { denied: { ContentType: "TEXT_PLAIN", Content: "no" } },
      TokenDomains: ["shop.example"],
    };
    const input = webAclUpdateInput(live, "tok-1", shared, arnOf);
    expect(Object.keys(input).sort()).toEqual(
      [
        "CustomResponseBodies",
        "DefaultAction",
        "Description",
        "Id",
        "LockToken",
        "Name",
        "Rules",
        "Scope",
        "TokenDomains",
        "VisibilityConfig",
      ].sort(),
    );
    for (const k of [
      "DefaultAction",
      "Description",
      "VisibilityConfig",
      "CustomResponseBodies",
      "TokenDomains",
      "Id",
      "Name",
    ]) {
      expect(JSON.stringify(input[k])).toBe(JSON.stringify(live[k]));
    }
    const rules = input.Rules as WafForeignRule[];
    for (const f of foreignRules) expect(JSON.stringify(rules.find((r) => r.Name === f.Name))).toBe(JSON.stringify(f));
    expect(rules.filter((r) => r.Name.startsWith("cordon-")).map((r) => r.Priority)).toEqual([1, 3, 4]);
    expect(new Set(rules.map((r) => r.Priority)).size).toBe(rules.length);
  });

  it("diffs only Cordon's rules, at their merged priorities, and warns about a foreign rule that runs first", () => {
    const liveMine = mergeSharedRules(foreignRules, resolveIpSetRefs(mine, arnOf), "cordon-").filter((r) =>
      r.Name.startsWith("cordon-"),
    ) as WafRule[];
    const live: WebAclSpec = { ...shared, rules: liveMine, foreignRules, capacity: 712 };
    const d = webAclDiff(shared, live);
    expect(d.fields).toEqual([]);
    expect(d.broadensAccess).toBe(false);
    expect(d.notes).toEqual([
      "foreign rule AWS-AWSManagedRulesCommonRuleSet (priority 0) runs before Cordon's rules in web ACL edge; requests it lets through are never blocked by Cordon",
    ]);
    const changedForeign = webAclDiff(shared, {
      ...live,
      foreignRules: [foreignRules[0]!, { ...foreignRules[1]!, Priority: 1 }],
    });
    // Foreign priorities {0, 1}: Cordon's rules move to 2, 3, 4 — only the IPv4 rule (was 1) changes.
    expect(changedForeign.fields.map((f) => f.path)).toEqual(["/rules/cordon-block-ipv4"]);
    expect(changedForeign.broadensAccess).toBe(false);
  });

  it("checks capacity against the live ACL's reported capacity", () => {
    const live: WebAclSpec = { ...shared, rules: [], foreignRules, capacity: 4_999 };
    expect(webAclCapacity(shared, live).errors).toEqual([
      "web ACL edge would need 5002 WCU (Cordon's rules: 3), above the limit of 5000",
    ]);
    expect(webAclCapacity(shared, { ...live, capacity: 1_600 }).warnings[0]).toContain("1603 WCU");
    expect(webAclCapacity(owned(["TV"]), null)).toEqual({ wcu: 3, errors: [], warnings: [] });
  });
});

describe("webAclCreateInput", () => {
  it("creates an owned ACL: default allow, visibility, resolved rules, ownership tags", () => {
    const input = webAclCreateInput(owned(["TV"]), arnOf);
    expect(input).toMatchObject({
      Name: "edge",
      Scope: "REGIONAL",
      DefaultAction: { Allow: {} },
      VisibilityConfig: { MetricName: "edge" },
      Tags: [{ Key: "cordon:managed-by", Value: "cordon" }],
    });
    expect(JSON.stringify(input.Rules)).not.toContain("cordon-ref:");
  });
});
