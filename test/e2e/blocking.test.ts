// Blocking end to end through the built CLI (`node dist/cordon.js`) against an in-process sandbox:
// the Cat's Eyes scenario applied; a deny entry deleted and the country removed from the web ACL
// by hand → the plan shows exactly that → apply restores it; a WAF lock conflict injected during
// the update → apply converges; a foreign web ACL on a selected load balancer → reported, left
// alone; an expired entry → removed with its reason, flagged as broadening access.
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DeleteNetworkAclEntryCommand, DescribeNetworkAclsCommand, EC2Client } from "@aws-sdk/client-ec2";
import {
  GetWebACLCommand,
  GetWebACLForResourceCommand,
  ListIPSetsCommand,
  ListWebACLsCommand,
  UpdateWebACLCommand,
  WAFV2Client,
} from "@aws-sdk/client-wafv2";
import type { Estate } from "@cordon/sandbox";
import { type SandboxHandle, startSandbox } from "@cordon/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { PlanDocument } from "../../src/model/plan.js";
import {
  ACCOUNT,
  cordonRunner,
  isMutating,
  isResourceWrite,
  makeTmp,
  pending,
  REGION,
  ROOT,
  requireCli,
  sandboxClientConfig,
  TODAY,
} from "./helpers.js";

const VPC = "vpc-0c47e5a1f3d2b0001";
const KEY = "AKIABLOCKINGE2E00001";
const A = (kind: string, name: string) => `${ACCOUNT}/${REGION}/${kind}/${name}`;

process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true";

const PARTNER_WAF = {
  name: "partner-waf",
  rules: [
    {
      Name: "partner-rate-limit",
      Priority: 0,
      Statement: { RateBasedStatement: { Limit: 2000, AggregateKeyType: "IP" } },
      Action: { Block: {} },
      VisibilityConfig: {
        SampledRequestsEnabled: true,
        CloudWatchMetricsEnabled: true,
        MetricName: "partner-rate-limit",
      },
    },
  ],
  loadBalancers: ["partner-alb"],
};

const tmp = makeTmp("cordon-blocking-");
const policies = join(tmp, "policies");
const policyFile = join(policies, "production.yaml");
let sandbox: SandboxHandle;
let ec2: EC2Client;
let waf: WAFV2Client;
let aclId: string;

const cordon = cordonRunner({ tmp, endpoint: () => sandbox.url, accessKeyId: KEY, maxAttempts: 2 });

const planJson = async (today = TODAY): Promise<PlanDocument> => {
  const r = await cordon(["plan", "policies", "--format", "json", "--today", today]);
  expect(r.stderr).toBe("");
  return JSON.parse(r.stdout) as PlanDocument;
};

const editPolicy = (from: string, to: string) => {
  const text = readFileSync(policyFile, "utf8");
  if (!text.includes(from)) throw new Error(`policy does not contain ${from}`);
  writeFileSync(policyFile, text.replace(from, to));
};

async function webAcl(name: string) {
  const list = await waf.send(new ListWebACLsCommand({ Scope: "REGIONAL" }));
  const s = list.WebACLs?.find((w) => w.Name === name);
  if (s === undefined) throw new Error(`no web ACL ${name}`);
  const got = await waf.send(new GetWebACLCommand({ Scope: "REGIONAL", Name: name, Id: s.Id! }));
  return { summary: s, webAcl: got.WebACL!, lockToken: got.LockToken! };
}

async function aclEntries() {
  const r = await ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [aclId] }));
  return r.NetworkAcls?.[0]?.Entries ?? [];
}

beforeAll(async () => {
  requireCli();
  cpSync(join(ROOT, "examples/cats-eyes/policies"), policies, { recursive: true });
  // The Cat's Eyes estate plus a second ALB in the production VPC, protected by a partner's web ACL.
  const estate = parse(readFileSync(join(ROOT, "examples/cats-eyes/estate.yaml"), "utf8")) as Estate;
  const region = estate.accounts![ACCOUNT]!.regions![REGION]!;
  const seed: Estate = {
    ...estate,
    accounts: {
      [ACCOUNT]: {
        regions: {
          [REGION]: {
            ...region,
            loadBalancers: [
              ...(region.loadBalancers ?? []),
              { name: "partner-alb", vpc: VPC, type: "application", tags: { env: "production" } },
            ],
            webAcls: [PARTNER_WAF],
          },
        },
      },
    },
  };
  sandbox = await startSandbox({ seed, requestLogSize: 5000 });
  const client = sandboxClientConfig(sandbox.url, KEY);
  ec2 = new EC2Client(client);
  waf = new WAFV2Client(client);
  const acls = await ec2.send(new DescribeNetworkAclsCommand({ Filters: [{ Name: "vpc-id", Values: [VPC] }] }));
  aclId = acls.NetworkAcls![0]!.NetworkAclId!;
});

afterAll(async () => {
  ec2?.destroy();
  waf?.destroy();
  await sandbox?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe("blocking through the CLI", () => {
  it("applies the Cat's Eyes scenario: the deny entry, the web ACL with the geo rule, the association", async () => {
    const r = await cordon(["apply", "policies", "--auto-approve", "--today", TODAY]);
    expect(r.stdout).toContain("Apply complete: 8 applied, 0 failed, 0 skipped.");
    expect(r.status).toBe(0);
    const deny = (await aclEntries()).find((e) => e.Egress === true && e.RuleNumber === 1);
    expect(deny).toMatchObject({ RuleAction: "deny", Protocol: "-1", CidrBlock: "203.0.113.66/32" });
    const { webAcl: acl, summary } = await webAcl("cats-eyes-edge");
    expect(acl.Rules?.map((x) => [x.Name, x.Priority, x.Statement?.GeoMatchStatement?.CountryCodes])).toEqual([
      ["cordon-block-countries", 0, ["TV"]],
    ]);
    const alb = (await planJson()).changes.find((c) => c.kind === "wafv2.association")!;
    const arn = (alb.after as { loadBalancerArn: string }).loadBalancerArn;
    const assoc = await waf.send(new GetWebACLForResourceCommand({ ResourceArn: arn }));
    expect(assoc.WebACL?.ARN).toBe(summary.ARN);
    const again = await cordon(["plan", "policies", "--detailed-exitcode", "--today", TODAY]);
    expect(again.stdout).toContain("No changes");
    expect(again.status).toBe(0);
  });

  it("shows exactly a deny entry deleted and the country removed by hand, and apply restores them", async () => {
    await ec2.send(new DeleteNetworkAclEntryCommand({ NetworkAclId: aclId, RuleNumber: 1, Egress: true }));
    const { webAcl: acl, lockToken } = await webAcl("cats-eyes-edge");
    await waf.send(
      new UpdateWebACLCommand({
        Scope: "REGIONAL",
        Name: acl.Name!,
        Id: acl.Id!,
        LockToken: lockToken,
        DefaultAction: acl.DefaultAction!,
        VisibilityConfig: acl.VisibilityConfig!,
        Rules: [],
      }),
    );

    const plan = await planJson();
    expect(pending(plan).sort()).toEqual([
      `update ${A("ec2.naclEntries", aclId)}`,
      `update ${A("wafv2.webAcl", "cats-eyes-edge")}`,
    ]);
    const nacl = plan.changes.find((c) => c.kind === "ec2.naclEntries")!;
    expect(nacl.fields).toEqual([
      {
        path: "/entries/outbound/1",
        before: null,
        after: { cidr: "203.0.113.66/32", action: "deny", protocol: "-1" },
      },
    ]);
    expect(nacl.impact.broadensAccess).toBe(false);
    const geo = plan.changes.find((c) => c.kind === "wafv2.webAcl")!;
    expect(geo.fields.map((f) => [f.path, f.before])).toEqual([["/rules/cordon-block-countries", null]]);

    const text = await cordon(["plan", "policies", "--detailed-exitcode", "--today", TODAY]);
    expect(text.status).toBe(2);
    expect(text.stdout).toContain("Plan: 0 to add, 2 to change, 0 to destroy.");

    const r = await cordon(["apply", "policies", "--auto-approve", "--today", TODAY]);
    expect(r.stdout).toContain("Apply complete: 2 applied, 0 failed, 0 skipped.");
    expect(r.status).toBe(0);
    expect((await aclEntries()).find((e) => e.Egress === true && e.RuleNumber === 1)?.CidrBlock).toBe(
      "203.0.113.66/32",
    );
    expect((await webAcl("cats-eyes-edge")).webAcl.Rules?.map((x) => x.Name)).toEqual(["cordon-block-countries"]);
    expect((await cordon(["plan", "policies", "--detailed-exitcode", "--today", TODAY])).status).toBe(0);
  });

  it("converges when WAF reports a lock conflict during the web ACL update", async () => {
    editPolicy("    - code: TV\n", "    - code: KP\n      reason: Sanctions.\n    - code: TV\n");
    sandbox.control.setFaults({ rules: [{ kind: "lockConflict", operation: "UpdateWebACL", nth: 1, times: 2 }] });
    sandbox.control.clearRequests();
    const r = await cordon(["apply", "policies", "--auto-approve", "--today", TODAY]);
    sandbox.control.setFaults({});
    expect(r.stdout).toContain("Apply complete: 1 applied, 0 failed, 0 skipped.");
    expect(r.status).toBe(0);
    const updates = sandbox.control
      .requests()
      .filter((q) => q.operation === "UpdateWebACL")
      .map((q) => q.errorCode ?? "ok");
    expect(updates).toEqual(["WAFOptimisticLockException", "WAFOptimisticLockException", "ok"]);
    const rule = (await webAcl("cats-eyes-edge")).webAcl.Rules?.[0];
    expect(rule?.Statement?.GeoMatchStatement?.CountryCodes).toEqual(["KP", "TV"]);
    expect((await cordon(["plan", "policies", "--detailed-exitcode", "--today", TODAY])).status).toBe(0);
  });

  it("reports a load balancer protected by a foreign web ACL and leaves it alone", async () => {
    const before = await webAcl("partner-waf");
    editPolicy("      - cats-eyes-alb\n", "      - cats-eyes-alb\n      - partner-alb\n");

    const plan = await planJson();
    expect(pending(plan)).toEqual([]);
    expect(plan.changes.some((c) => c.address === A("wafv2.association", "partner-alb"))).toBe(false);
    expect(plan.notes).toContainEqual({
      severity: "warning",
      address: A("wafv2.association", "partner-alb"),
      message:
        "load balancer partner-alb is protected by web ACL partner-waf, which is not Cordon's: left alone (set webAcl.takeOverLoadBalancers to replace it)",
    });
    const text = await cordon(["plan", "policies", "--today", TODAY]);
    expect(text.stdout).toContain("partner-waf, which is not Cordon's: left alone");

    sandbox.control.clearRequests();
    const r = await cordon(["apply", "policies", "--auto-approve", "--today", TODAY]);
    expect(r.status).toBe(0);
    const writes = sandbox.control.requests().filter(isMutating);
    expect(writes).toEqual([]);
    const after = await webAcl("partner-waf");
    expect(after.webAcl).toEqual(before.webAcl);
    const lb = await lbArn("partner-alb");
    expect((await waf.send(new GetWebACLForResourceCommand({ ResourceArn: lb }))).WebACL?.Name).toBe("partner-waf");
  });

  it("removes an expired entry with its reason and flags it as broadening access", async () => {
    editPolicy(
      "      ticket: INC-2041\n",
      "      ticket: INC-2041\n    - cidr: 198.51.100.0/24\n      reason: Scanner.\n      ticket: INC-42\n      expires: 2026-12-31\n",
    );
    const applied = await cordon(["apply", "policies", "--auto-approve", "--today", TODAY]);
    expect(applied.status).toBe(0);
    expect((await aclEntries()).some((e) => e.CidrBlock === "198.51.100.0/24" && e.RuleAction === "deny")).toBe(true);

    const plan = await planJson("2027-01-02");
    const change = plan.changes.find((c) => c.kind === "ec2.naclEntries")!;
    expect(change.action).toBe("update");
    expect(change.impact.broadensAccess).toBe(true);
    expect(change.impact.notes.join("\n")).toContain(
      "198.51.100.0/24 no longer blocked: expired 2026-12-31, ticket INC-42",
    );
    expect(plan.summary.broadensAccess).toBe(1);

    const r = await cordon(["apply", "policies", "--auto-approve", "--today", "2027-01-02"]);
    expect(r.status).toBe(0);
    const entries = await aclEntries();
    expect(entries.some((e) => e.CidrBlock === "198.51.100.0/24")).toBe(false);
    expect(entries.some((e) => e.CidrBlock === "203.0.113.66/32" && e.RuleAction === "deny")).toBe(true);
  });
});

describe("WAF resources that leave the policies", () => {
  // After the expiry test: its entry stays expired.
  const DAY = "2027-01-02";
  // Cordon's own S3 objects (apply lock, audit and applied records under cordon/) are not AWS changes.
  const writes = () =>
    sandbox.control
      .requests()
      .filter(isResourceWrite)
      .map((q) => q.operation);

  it("a load balancer no longer selected: kept in no-delete mode, otherwise disassociated (broadens access)", async () => {
    const alb = await lbArn("cats-eyes-alb");
    editPolicy("  name: cats-eyes-edge\n", "  name: cats-eyes-edge\n  mode: no-delete\n");
    editPolicy("      - cats-eyes-alb\n", "");
    const kept = (await planJson(DAY)).changes.find((c) => c.address === A("wafv2.association", "cats-eyes-alb"))!;
    expect([kept.action, kept.reason]).toEqual(["no-op", "no longer declared in policies; kept (no-delete mode)"]);

    editPolicy("  mode: no-delete\n", "");
    const plan = await planJson(DAY);
    expect(pending(plan)).toEqual([`delete ${A("wafv2.association", "cats-eyes-alb")}`]);
    expect(plan.changes.find((c) => c.action === "delete")!.impact.broadensAccess).toBe(true);
    sandbox.control.clearRequests();
    const r = await cordon(["apply", "policies", "--auto-approve", "--today", DAY]);
    expect(r.stdout).toContain("Apply complete: 1 applied, 0 failed, 0 skipped.");
    expect(writes()).toEqual(["DisassociateWebACL"]);
    expect((await waf.send(new GetWebACLForResourceCommand({ ResourceArn: alb }))).WebACL).toBeUndefined();
    expect((await cordon(["plan", "policies", "--detailed-exitcode", "--today", DAY])).status).toBe(0);
    editPolicy("    names:\n", "    names:\n      - cats-eyes-alb\n");
    expect((await cordon(["apply", "policies", "--auto-approve", "--today", DAY])).status).toBe(0);
  });

  it("a web ACL no policy declares: disassociated, deleted, then its IP sets; the foreign one untouched", async () => {
    editPolicy("blockedAddresses:\n", "blockedAddresses:\n  webAcl: true\n");
    expect((await cordon(["apply", "policies", "--auto-approve", "--today", DAY])).status).toBe(0);
    const sets = await waf.send(new ListIPSetsCommand({ Scope: "REGIONAL" }));
    // Only IPv4 addresses are blocked: no IPv6 set.
    expect(sets.IPSets?.map((x) => x.Name).sort()).toEqual(["cats-eyes-edge-blocked-ipv4"]);
    const partner = await webAcl("partner-waf");

    const text = readFileSync(policyFile, "utf8");
    writeFileSync(policyFile, text.slice(0, text.indexOf("# 4.")).replace("  webAcl: true\n", ""));
    const plan = await planJson(DAY);
    expect(pending(plan)).toEqual([
      `delete ${A("wafv2.ipSet", "cats-eyes-edge-blocked-ipv4")}`,
      `delete ${A("wafv2.webAcl", "cats-eyes-edge")}`,
      `delete ${A("wafv2.association", "cats-eyes-alb")}`,
    ]);
    expect(plan.changes.filter((c) => c.action === "delete").every((c) => c.impact.broadensAccess)).toBe(true);

    sandbox.control.clearRequests();
    const r = await cordon(["apply", "policies", "--auto-approve", "--today", DAY]);
    expect(r.stdout).toContain("Apply complete: 3 applied, 0 failed, 0 skipped.");
    expect(r.status).toBe(0);
    // The load balancer leaves the web ACL before it is deleted; the IP set goes once nothing references it.
    expect(writes()).toEqual(["DisassociateWebACL", "DeleteWebACL", "DeleteIPSet"]);
    expect((await waf.send(new ListWebACLsCommand({ Scope: "REGIONAL" }))).WebACLs?.map((w) => w.Name)).toEqual([
      "partner-waf",
    ]);
    expect((await waf.send(new ListIPSetsCommand({ Scope: "REGIONAL" }))).IPSets).toEqual([]);
    expect((await webAcl("partner-waf")).webAcl).toEqual(partner.webAcl);
    expect((await cordon(["plan", "policies", "--detailed-exitcode", "--today", DAY])).status).toBe(0);
  });

  it("a network ACL no longer selected: its band kept in no-delete mode, otherwise emptied", async () => {
    const selector = "  networkAcls:\n    vpcs:\n      tags:\n        env: production\n";
    editPolicy("blockedAddresses:\n", "blockedAddresses:\n  mode: no-delete\n");
    editPolicy(selector, selector.replace("env: production", "env: nowhere"));
    const address = A("ec2.naclEntries", aclId);
    const kept = (await planJson(DAY)).changes.find((c) => c.address === address)!;
    expect([kept.action, kept.reason]).toEqual(["no-op", "no longer declared in policies; kept (no-delete mode)"]);

    editPolicy("  mode: no-delete\n", "");
    const plan = await planJson(DAY);
    expect(pending(plan)).toEqual([`delete ${address}`]);
    expect((await cordon(["apply", "policies", "--auto-approve", "--today", DAY])).status).toBe(0);
    const left = (await aclEntries()).filter((e) => e.RuleNumber! >= 1 && e.RuleNumber! <= 99);
    expect(left).toEqual([]);
    expect((await cordon(["plan", "policies", "--detailed-exitcode", "--today", DAY])).status).toBe(0);
  });
});

async function lbArn(name: string): Promise<string> {
  const { ElasticLoadBalancingV2Client, DescribeLoadBalancersCommand } = await import(
    "@aws-sdk/client-elastic-load-balancing-v2"
  );
  const elb = new ElasticLoadBalancingV2Client(sandboxClientConfig(sandbox.url, KEY));
  try {
    return (await elb.send(new DescribeLoadBalancersCommand({ Names: [name] }))).LoadBalancers![0]!.LoadBalancerArn!;
  } finally {
    elb.destroy();
  }
}
