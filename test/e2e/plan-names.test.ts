// What reviewers and operators read, through the built CLI against an in-process sandbox
// (docs/plan-output.md): IP-set references by name (never `cordon-ref:`), the VPC's / network
// ACL's Name tag beside unchanged addresses (--target still takes the plain address), an IP set and
// its web ACL rule only for an address family that blocks something (the set created before the rule
// references it, the rule removed before the set is deleted), the policy's field names, paths
// without JSON-pointer escapes, and drift that opens access at error level.
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  CreateNetworkAclEntryCommand,
  DeleteNetworkAclEntryCommand,
  DescribeNetworkAclsCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import {
  CreateIPSetCommand,
  GetIPSetCommand,
  GetWebACLCommand,
  ListIPSetsCommand,
  ListWebACLsCommand,
  UpdateIPSetCommand,
  UpdateWebACLCommand,
  WAFV2Client,
} from "@aws-sdk/client-wafv2";
import { type SandboxHandle, startSandbox } from "@cordon/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PlanDocument } from "../../src/model/plan.js";
import { ACCOUNT, cordonRunner, makeTmp, REGION, ROOT, requireCli, sandboxClientConfig, TODAY } from "./helpers.js";

process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true";

const VPC = "vpc-0c47e5a1f3d2b0001";
const KEY = "AKIAPLANNAMESE2E0001";
const EDGE = "cats-eyes-edge";
const A = (kind: string, name: string) => `${ACCOUNT}/${REGION}/${kind}/${name}`;

const tmp = makeTmp("cordon-plan-names-");
const policies = join(tmp, "policies");
const policyFile = join(policies, "production.yaml");
let sandbox: SandboxHandle;
let ec2: EC2Client;
let waf: WAFV2Client;
let aclId: string;

const cordon = cordonRunner({ tmp, endpoint: () => sandbox.url, accessKeyId: KEY, maxAttempts: 2 });

const editPolicy = (from: string, to: string) => {
  const text = readFileSync(policyFile, "utf8");
  if (!text.includes(from)) throw new Error(`policy does not contain ${from}`);
  writeFileSync(policyFile, text.replace(from, to));
};

const planJson = async (): Promise<PlanDocument> => {
  const r = await cordon(["plan", "policies", "--format", "json", "--today", TODAY]);
  expect(r.stderr).toBe("");
  return JSON.parse(r.stdout) as PlanDocument;
};

const apply = async () => {
  const r = await cordon(["apply", "policies", "--auto-approve", "--today", TODAY]);
  expect(r.stderr + r.stdout).not.toContain("failed:");
  expect(r.status).toBe(0);
  return r;
};

async function ipSetNames(): Promise<string[]> {
  const r = await waf.send(new ListIPSetsCommand({ Scope: "REGIONAL" }));
  return (r.IPSets ?? []).map((s) => s.Name ?? "").sort();
}

async function webAcl() {
  const list = await waf.send(new ListWebACLsCommand({ Scope: "REGIONAL" }));
  const s = list.WebACLs?.find((w) => w.Name === EDGE);
  if (s === undefined) throw new Error(`no web ACL ${EDGE}`);
  const got = await waf.send(new GetWebACLCommand({ Scope: "REGIONAL", Name: EDGE, Id: s.Id! }));
  return { id: s.Id!, webAcl: got.WebACL!, lockToken: got.LockToken! };
}

/** The operations of the sandbox's request log that `keep` lists, in order, with their error code. */
const operations = (keep: readonly string[]) =>
  sandbox.control
    .requests()
    .filter((q) => keep.includes(q.operation))
    .map((q) => `${q.operation}${q.errorCode === undefined ? "" : ` ${q.errorCode}`}`);

beforeAll(async () => {
  requireCli();
  cpSync(join(ROOT, "examples/cats-eyes/policies"), policies, { recursive: true });
  // The Cat's Eyes policy with its NACL band at 50–99 (so that an entry can be placed before it)
  // and the blocked address in the web ACL too.
  editPolicy("      first: 1\n", "      first: 50\n");
  editPolicy("# 4. The web ACL", "  webAcl: true\n\n# 4. The web ACL");
  sandbox = await startSandbox({ seed: join(ROOT, "examples/cats-eyes/estate.yaml"), requestLogSize: 5000 });
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

describe("plans name what people read", () => {
  it("shows the VPC's Name tag beside the flow log and the network ACL, the policy's field names, and the IP set by name", async () => {
    const text = await cordon(["plan", "policies", "--today", TODAY]);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain(`# ${A("ec2.flowLog", VPC)} (production) will be created`);
    expect(text.stdout).toContain(`+ ec2.flowLog "${VPC} (production)" {`);
    expect(text.stdout).toContain(`+ ec2.naclEntries "${aclId} (VPC production)" {`);
    expect(text.stdout).toMatch(/\+ perHourPartitions\s+= false/);
    expect(text.stdout).not.toMatch(/perHourPartition\b/);
    expect(text.stdout).toMatch(/\+ ruleNumbers\s+= \{/);
    expect(text.stdout).not.toMatch(/\bband\s+=/);
    expect(text.stdout).toContain(`"ARN": ip set "${EDGE}-blocked-ipv4"`);
    const md = await cordon(["plan", "policies", "--format", "markdown", "--today", TODAY]);
    expect(md.stdout).toContain(`<code>${A("ec2.flowLog", VPC)}</code> (production)`);
    expect(md.stdout).toContain(`"ARN": ip set "${EDGE}-blocked-ipv4"`);
    for (const out of [text.stdout, md.stdout]) expect(out).not.toContain("cordon-ref:");
    // The JSON document keeps the address (the identifier) and the machine reference, and carries
    // the label and the name beside them.
    const doc = await planJson();
    const flowLog = doc.changes.find((c) => c.kind === "ec2.flowLog")!;
    expect(flowLog.address).toBe(A("ec2.flowLog", VPC));
    expect(flowLog.label).toBe("production");
    const acl = doc.changes.find((c) => c.kind === "wafv2.webAcl")!;
    expect(acl.references).toEqual({
      [`cordon-ref:${A("wafv2.ipSet", `${EDGE}-blocked-ipv4`)}`]: `ip set "${EDGE}-blocked-ipv4"`,
    });
  });

  it("--target still takes the plain address", async () => {
    const r = await cordon([
      "plan",
      "policies",
      "--format",
      "json",
      "--today",
      TODAY,
      "--target",
      A("ec2.flowLog", VPC),
    ]);
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout) as PlanDocument;
    // The flow log (with what it needs first), nothing else: the label is no part of the address.
    expect(doc.changes.find((c) => c.kind === "ec2.flowLog")).toMatchObject({
      address: A("ec2.flowLog", VPC),
      label: "production",
    });
    expect(doc.changes.some((c) => c.kind === "ec2.naclEntries" || c.kind.startsWith("wafv2."))).toBe(false);
  });

  it("creates no IPv6 IP set and no IPv6 rule while no IPv6 address is blocked", async () => {
    const doc = await planJson();
    expect(doc.changes.filter((c) => c.kind === "wafv2.ipSet").map((c) => c.name)).toEqual([`${EDGE}-blocked-ipv4`]);
    await apply();
    expect(await ipSetNames()).toEqual([`${EDGE}-blocked-ipv4`]);
    const rules = (await webAcl()).webAcl.Rules ?? [];
    expect(rules.map((r) => r.Name)).toEqual(["cordon-block-ipv4", "cordon-block-countries"]);
  });

  it("the first IPv6 address: the set is created before the rule references it", async () => {
    editPolicy(
      "      ticket: INC-2041\n",
      "      ticket: INC-2041\n    - cidr: 2001:db8:66::/48\n      reason: The same flood over IPv6.\n",
    );
    const doc = await planJson();
    const order = doc.changes.filter((c) => c.action !== "no-op").map((c) => `${c.action} ${c.kind} ${c.name}`);
    const created = order.indexOf(`create wafv2.ipSet ${EDGE}-blocked-ipv6`);
    expect(created).toBeGreaterThanOrEqual(0);
    expect(order.indexOf(`update wafv2.webAcl ${EDGE}`)).toBeGreaterThan(created);
    sandbox.control.clearRequests();
    await apply();
    expect(operations(["CreateIPSet", "UpdateWebACL"])).toEqual(["CreateIPSet", "UpdateWebACL"]);
    expect(await ipSetNames()).toEqual([`${EDGE}-blocked-ipv4`, `${EDGE}-blocked-ipv6`]);
    const rules = (await webAcl()).webAcl.Rules ?? [];
    expect(rules.map((r) => r.Name)).toEqual(["cordon-block-ipv4", "cordon-block-ipv6", "cordon-block-countries"]);
  });

  it("the last IPv6 address removed: the rule goes before the set, which WAF would otherwise refuse to delete", async () => {
    editPolicy("    - cidr: 2001:db8:66::/48\n      reason: The same flood over IPv6.\n", "");
    sandbox.control.clearRequests();
    const r = await apply();
    // The web ACL update, the IP set's deletion, and the NACL band losing its IPv6 entry.
    expect(r.stdout).toContain("Apply complete: 3 applied, 0 failed, 0 skipped.");
    expect(operations(["UpdateWebACL", "DeleteIPSet"])).toEqual(["UpdateWebACL", "DeleteIPSet"]);
    expect(await ipSetNames()).toEqual([`${EDGE}-blocked-ipv4`]);
    const rules = (await webAcl()).webAcl.Rules ?? [];
    expect(rules.map((r) => r.Name)).toEqual(["cordon-block-ipv4", "cordon-block-countries"]);
    expect((await cordon(["plan", "policies", "--detailed-exitcode", "--today", TODAY])).status).toBe(0);
  });

  it("a rule pointed at another IP set by hand: both sets are shown by name (the ARN and the placeholder alike)", async () => {
    await waf.send(
      new CreateIPSetCommand({
        Name: "partner-allowlist",
        Scope: "REGIONAL",
        IPAddressVersion: "IPV4",
        Addresses: ["192.0.2.0/24"],
      }),
    );
    const partnerArn = (await waf.send(new ListIPSetsCommand({ Scope: "REGIONAL" }))).IPSets!.find(
      (s) => s.Name === "partner-allowlist",
    )!.ARN!;
    const { id, webAcl: acl, lockToken } = await webAcl();
    const rules = (acl.Rules ?? []).map((r) =>
      r.Name === "cordon-block-ipv4" ? { ...r, Statement: { IPSetReferenceStatement: { ARN: partnerArn } } } : r,
    );
    await waf.send(
      new UpdateWebACLCommand({
        Name: EDGE,
        Scope: "REGIONAL",
        Id: id,
        LockToken: lockToken,
        DefaultAction: acl.DefaultAction!,
        VisibilityConfig: acl.VisibilityConfig!,
        Rules: rules,
      }),
    );
    const text = await cordon(["plan", "policies", "--today", TODAY]);
    expect(text.stdout).toContain('-       "ARN": ip set "partner-allowlist"');
    expect(text.stdout).toContain(`+       "ARN": ip set "${EDGE}-blocked-ipv4"`);
    expect(text.stdout).not.toContain("cordon-ref:");
    expect(text.stdout).not.toContain(partnerArn);
    const drift = await cordon(["drift", "policies", "--today", TODAY]);
    expect(drift.stdout).toContain('ip set "partner-allowlist"');
    expect(drift.stdout).not.toContain("cordon-ref:");
    expect(drift.stdout).not.toContain(partnerArn);
    await apply();
  });
});

describe("drift that opens access is an error", () => {
  it("an allow 0.0.0.0/0 placed before Cordon's band: error line, ::error annotation, exit 2, left alone by --correct", async () => {
    await ec2.send(
      new CreateNetworkAclEntryCommand({
        NetworkAclId: aclId,
        RuleNumber: 10,
        Egress: true,
        RuleAction: "allow",
        Protocol: "-1",
        CidrBlock: "0.0.0.0/0",
      }),
    );
    const text = await cordon(["drift", "policies", "--today", TODAY], { GITHUB_ACTIONS: "true" });
    expect(text.status).toBe(2);
    expect(text.stdout).toMatch(new RegExp(`drift\\s+${A("ec2.naclEntries", aclId)} \\(VPC production\\)`));
    expect(text.stdout).toContain("error: this drift opens access");
    expect(text.stdout).toContain("allow rule 10 (0.0.0.0/0, all traffic)");
    const annotation = text.stderr.split("\n").find((l) => l.includes(A("ec2.naclEntries", aclId)));
    expect(annotation).toMatch(/^::error title=cordon drift opens access::/);
    const json = JSON.parse((await cordon(["drift", "policies", "--format", "json", "--today", TODAY])).stdout);
    const item = json.resources.find((r: { address: string }) => r.address === A("ec2.naclEntries", aclId));
    expect(item).toMatchObject({ status: "drift", severity: "error", opensAccess: true });
    const plan = await cordon(["plan", "policies", "--today", TODAY]);
    expect(plan.status).toBe(0);
    expect(plan.stdout).toContain("allow rule 10 (0.0.0.0/0, all traffic) matches it first");
    const correct = await cordon(["drift", "policies", "--correct", "--today", TODAY]);
    expect(correct.status).toBe(2);
    expect(correct.stderr).toContain(
      `left alone: ${A("ec2.naclEntries", aclId)} (opens access outside what Cordon manages`,
    );
    const entries = (await ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [aclId] }))).NetworkAcls![0]!
      .Entries!;
    expect(entries.some((e) => e.RuleNumber === 10 && e.Egress === true)).toBe(true);
    await ec2.send(new DeleteNetworkAclEntryCommand({ NetworkAclId: aclId, RuleNumber: 10, Egress: true }));
    expect((await cordon(["drift", "policies", "--today", TODAY])).status).toBe(0);
  });

  it("a deny entry deleted is an error; an address added to an IP set by hand stays a warning; paths carry no ~1", async () => {
    await ec2.send(new DeleteNetworkAclEntryCommand({ NetworkAclId: aclId, RuleNumber: 50, Egress: true }));
    const name = `${EDGE}-blocked-ipv4`;
    const summary = (await waf.send(new ListIPSetsCommand({ Scope: "REGIONAL" }))).IPSets!.find(
      (s) => s.Name === name,
    )!;
    const got = await waf.send(new GetIPSetCommand({ Scope: "REGIONAL", Name: name, Id: summary.Id! }));
    await waf.send(
      new UpdateIPSetCommand({
        Scope: "REGIONAL",
        Name: name,
        Id: summary.Id!,
        LockToken: got.LockToken!,
        Addresses: [...got.IPSet!.Addresses!, "198.51.100.7/32"],
      }),
    );
    const r = await cordon(["drift", "policies", "--today", TODAY], { GITHUB_ACTIONS: "true" });
    expect(r.status).toBe(2);
    const lines = r.stderr.split("\n");
    expect(lines.find((l) => l.includes(A("ec2.naclEntries", aclId)))).toMatch(/^::error /);
    const setLine = lines.find((l) => l.includes(A("wafv2.ipSet", name)));
    expect(setLine).toMatch(/^::warning title=cordon drift::/);
    expect(setLine).toContain("addresses/198.51.100.7/32");
    expect(r.stdout + r.stderr).not.toMatch(/~[01]/);
    await cordon(["drift", "policies", "--correct", "--today", TODAY]);
    expect((await cordon(["drift", "policies", "--today", TODAY])).status).toBe(0);
  });
});
