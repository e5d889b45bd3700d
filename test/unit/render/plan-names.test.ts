// How plans name things (docs/plan-output.md): references by name, labels beside unchanged
// addresses, the policy's field names, paths without JSON-pointer escapes.
import { describe, expect, it } from "vitest";
import { readablePath, readablePointer } from "../../../src/domain/diff.js";
import { cordonRules, ipSetNameOfReference, ipSetRef, ipSetReferences } from "../../../src/domain/waf.js";
import type { Change } from "../../../src/model/change.js";
import type { PlanDocument } from "../../../src/model/plan.js";
import type { Inventory } from "../../../src/model/specs.js";
import { aclLabel, nameLabel, resourceLabel } from "../../../src/policy/desired/select.js";
import { renderDriftText } from "../../../src/render/drift.js";
import { changeBody } from "../../../src/render/plan-body.js";
import { renderPlanMarkdown } from "../../../src/render/plan-markdown.js";
import { renderPlanText } from "../../../src/render/plan-text.js";
import { makeStyler } from "../../../src/render/style.js";

const T = { account: "111122223333", region: "eu-west-1" };
const V4 = "111122223333/eu-west-1/wafv2.ipSet/edge-blocked-ipv4";
const V6 = "111122223333/eu-west-1/wafv2.ipSet/edge-blocked-ipv6";
const FOREIGN = "arn:aws:wafv2:eu-west-1:444455556666:regional/ipset/partner-list/0f1e2d3c";

function change(over: Partial<Change>): Change {
  return {
    address: "111122223333/eu-west-1/wafv2.webAcl/edge",
    kind: "wafv2.webAcl",
    name: "edge",
    target: T,
    action: "create",
    before: null,
    after: null,
    fields: [],
    reason: "missing in AWS",
    impact: { broadensAccess: false, destructive: false, notes: [] },
    mode: "enforce",
    observedFingerprint: "absent",
    dependsOn: [],
    origin: null,
    ...over,
  };
}

const doc = (changes: Change[]): PlanDocument => ({
  formatVersion: "1",
  cordonVersion: "0",
  createdAt: "2026-11-26T00:00:00Z",
  policyDigest: "p",
  targets: [T],
  changes,
  summary: { add: 1, change: 0, destroy: 0, replace: 0, broadensAccess: 0, observeOnly: 0, noop: 0 },
  notes: [],
  warnings: [],
  queries: [],
});

describe("IP-set references", () => {
  it("names the set of a placeholder and of an ARN, from any account; nothing else", () => {
    expect(ipSetNameOfReference(ipSetRef(V4))).toBe("edge-blocked-ipv4");
    expect(ipSetNameOfReference(FOREIGN)).toBe("partner-list");
    expect(ipSetNameOfReference("arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/edge/1")).toBeNull();
  });

  it("lists every reference of a rule list with its display name", () => {
    const rules = [
      ...cordonRules({ prefix: "cordon-", ipSets: { ipv4: V4, ipv6: null }, countries: [] }),
      { Name: "partner", Priority: 9, Statement: { IPSetReferenceStatement: { ARN: FOREIGN } } },
    ];
    expect(ipSetReferences(rules)).toEqual({
      [ipSetRef(V4)]: 'ip set "edge-blocked-ipv4"',
      [FOREIGN]: 'ip set "partner-list"',
    });
  });

  it("a rule only for the families that have a set", () => {
    const only6 = cordonRules({ prefix: "c-", ipSets: { ipv4: null, ipv6: V6 }, countries: ["TV"] });
    expect(only6.map((r) => [r.Name, r.Priority])).toEqual([
      ["c-block-ipv6", 0],
      ["c-block-countries", 1],
    ]);
  });

  it("text, markdown and drift show the name, never the placeholder or the ARN", () => {
    const rules = cordonRules({ prefix: "cordon-", ipSets: { ipv4: V4, ipv6: null }, countries: [] });
    const live = [{ ...rules[0], Statement: { IPSetReferenceStatement: { ARN: FOREIGN } } }];
    const c = change({
      action: "update",
      before: { rules: live },
      after: { rules },
      fields: [{ path: "/rules/cordon-block-ipv4", before: live[0], after: rules[0] }],
      references: ipSetReferences([...rules, ...live]),
    });
    const text = renderPlanText(doc([c]));
    const md = renderPlanMarkdown(doc([c]));
    for (const out of [text, md]) {
      expect(out).toContain('"ARN": ip set "partner-list"');
      expect(out).toContain('"ARN": ip set "edge-blocked-ipv4"');
      expect(out).not.toContain("cordon-ref:");
      expect(out).not.toContain(FOREIGN);
    }
    const drift = renderDriftText(
      {
        format: "cordon.drift/v1",
        createdAt: "",
        policyDigest: "",
        summary: { checked: 1, clean: 0, drift: 1, pending: 0, both: 0 },
        notes: [],
        items: [
          {
            address: c.address,
            kind: c.kind,
            name: c.name,
            target: T,
            mode: "enforce",
            status: "drift",
            live: null,
            applied: null,
            desired: null,
            appliedDigest: null,
            appliedFrom: null,
            driftFields: [{ path: "/rules/cordon-block-ipv4", before: rules[0], after: live[0] }],
            pendingFields: [],
            reason: "changed outside Cordon",
            change: c,
            opensAccess: false,
            exposures: [],
          },
        ],
      },
      makeStyler(false),
    );
    expect(drift).toContain('ip set "partner-list"');
    expect(drift).not.toContain("cordon-ref:");
  });

  it("a string that only looks like a reference marker is shown as it is", () => {
    const c = change({ after: { description: "\u20630:0\u2063" }, references: { x: 'ip set "x"' } });
    expect(changeBody(c, "text")[0]?.text).toContain("\u20630:0\u2063");
  });
});

describe("labels and field names", () => {
  it("shows the label beside the name and the address, which stays as it is", () => {
    const c = change({
      address: "111122223333/eu-west-1/ec2.flowLog/vpc-1",
      kind: "ec2.flowLog",
      name: "vpc-1",
      label: "production",
      after: { perHourPartition: false, trafficType: "ALL" },
      fieldNames: { perHourPartition: "perHourPartitions" },
    });
    const text = renderPlanText(doc([c]));
    expect(text).toContain("# 111122223333/eu-west-1/ec2.flowLog/vpc-1 (production) will be created");
    expect(text).toContain('+ ec2.flowLog "vpc-1 (production)" {');
    expect(text).toMatch(/\+ perHourPartitions = false/);
    expect(text).not.toMatch(/perHourPartition\b/);
    expect(renderPlanMarkdown(doc([c]))).toContain(
      "<code>111122223333/eu-west-1/ec2.flowLog/vpc-1</code> (production)",
    );
  });

  it("field paths: the policy's name first, never ~0 or ~1", () => {
    expect(readablePath("/perHourPartition", { perHourPartition: "perHourPartitions" })).toBe("perHourPartitions");
    expect(readablePath("/tags/team~1owner")).toBe("tags/team/owner");
    expect(readablePath("/addresses/203.0.113.7~132", undefined, 2)).toBe("addresses/203.0.113.7/32");
    expect(readablePath("/a~0b/c/d", undefined, 2)).toBe("a~b/c");
    expect(readablePath("")).toBe("(value)");
    expect(readablePointer("/flowLogs/tags/team~1owner")).toBe("/flowLogs/tags/team/owner");
    expect(readablePointer("")).toBe("");
  });

  it("labels come from Name tags, cleaned of control characters", () => {
    const inv = {
      vpcs: [{ id: "vpc-1", cidrs: [], ipv6Cidrs: [], tags: { Name: "prod\u001b[2J\nmain" }, isDefault: false }],
      subnets: [{ id: "subnet-1", vpcId: "vpc-1", cidr: "10.0.0.0/24", tags: { Name: "app" } }],
    } as unknown as Inventory;
    expect(resourceLabel(inv, "vpc-1")).toBe("prod [2J main");
    expect(resourceLabel(inv, "subnet-1")).toBe("app, VPC prod [2J main");
    expect(resourceLabel(inv, "vpc-9")).toBeUndefined();
    const acl = { id: "acl-1", vpcId: "vpc-1", isDefault: true, associations: [], entries: [] };
    expect(aclLabel(inv, acl)).toBe("VPC prod [2J main");
    expect(aclLabel(inv, { ...acl, tags: { Name: "edge" } })).toBe("edge, VPC prod [2J main");
    expect(nameLabel({ Name: "   " })).toBeUndefined();
    expect(nameLabel({ Name: "x".repeat(300) })?.length).toBe(128);
  });
});
