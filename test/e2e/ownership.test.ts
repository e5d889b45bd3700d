// Ownership is scoped to the policies loaded, end to end through the built CLI against an
// in-process sandbox. Two policies of one policy set (cordon.yaml) in one account and region, both
// applied: a plan or apply of one file never touches the other's web ACL, association, NACL band,
// flow log or IP sets (a note says they were left alone); a policy removed from the whole set is
// cleaned up ("policy X was removed"); resources of another set, or of no set, are never touched;
// apply --target touches only the target.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DescribeFlowLogsCommand, DescribeNetworkAclsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { DescribeLoadBalancersCommand, ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  GetWebACLCommand,
  GetWebACLForResourceCommand,
  ListIPSetsCommand,
  ListTagsForResourceCommand,
  ListWebACLsCommand,
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
  isResourceWrite,
  makeTmp,
  pending,
  REGION,
  ROOT,
  requireCli,
  sandboxClientConfig,
  TODAY,
} from "./helpers.js";

process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true";

const PRODUCTION = "vpc-0c47e5a1f3d2b0001";
const STAGING = "vpc-0c47e5a1f3d2b0002";
const KEY = "AKIAOWNERSHIPE2E0001";
const A = (kind: string, name: string) => `${ACCOUNT}/${REGION}/${kind}/${name}`;

const tmp = makeTmp("cordon-ownership-");
const repo = join(tmp, "repo");
const policies = join(repo, "policies");

const setFile = (name: string) =>
  ["apiVersion: cordon.dev/v1", "kind: PolicySet", "metadata:", `  name: ${name}`, ""].join("\n");

const header = (name: string) =>
  [
    "apiVersion: cordon.dev/v1",
    "kind: Policy",
    "metadata:",
    `  name: ${name}`,
    "target:",
    `  account: "${ACCOUNT}"`,
    `  region: ${REGION}`,
  ].join("\n");

/** Policy "edge-production": a web ACL with a geo rule in front of the production load balancer. */
const EDGE = `${header("edge-production")}
webAcl:
  name: edge-acl
  loadBalancers:
    names: [cats-eyes-alb]
blockedCountries:
  countries:
    - code: TV
      reason: No broadcast rights.
`;

/** Policy "staging-net": flow logs, a NACL band, IP sets and a web ACL for staging. */
const STAGING_NET = `${header("staging-net")}
flowLogs:
  bucket:
    name: ownership-e2e-staging-logs
    create: true
  vpcs:
    tags:
      env: staging
blockedAddresses:
  networkAcls:
    vpcs:
      tags:
        env: staging
    direction: outbound
  webAcl: true
  entries:
    - cidr: 198.51.100.7
      reason: Scanner.
webAcl:
  name: staging-acl
  loadBalancers:
    names: [staging-alb]
blockedCountries:
  countries:
    - code: KP
      reason: Sanctions.
`;

/** A web ACL on its own load balancer, for the policies of another set and of no set. */
const lonePolicy = (name: string, acl: string, alb: string) => `${header(name)}
webAcl:
  name: ${acl}
  loadBalancers:
    names: [${alb}]
blockedCountries:
  countries:
    - code: CU
      reason: Test.
`;

let sandbox: SandboxHandle;
let ec2: EC2Client;
let waf: WAFV2Client;
let elb: ElasticLoadBalancingV2Client;
let stagingAcl: string;

/** Everything policy staging-net owns that the handlers can discover (sorted by address). */
const stagingOwned = () =>
  [
    A("ec2.flowLog", STAGING),
    A("ec2.naclEntries", stagingAcl),
    A("wafv2.association", "staging-alb"),
    A("wafv2.ipSet", "staging-acl-blocked-ipv4"),
    A("wafv2.webAcl", "staging-acl"),
  ].sort();

const cordon = cordonRunner({ tmp, endpoint: () => sandbox.url, accessKeyId: KEY, maxAttempts: 2 });

async function planJson(...paths: string[]): Promise<PlanDocument> {
  const r = await cordon(["plan", ...paths, "--format", "json", "--today", TODAY]);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as PlanDocument;
}

async function webAcls(): Promise<Map<string, { arn: string; countries: string[]; tags: Record<string, string> }>> {
  const out = new Map<string, { arn: string; countries: string[]; tags: Record<string, string> }>();
  for (const s of (await waf.send(new ListWebACLsCommand({ Scope: "REGIONAL" }))).WebACLs ?? []) {
    const got = await waf.send(new GetWebACLCommand({ Scope: "REGIONAL", Name: s.Name!, Id: s.Id! }));
    const tags = await waf.send(new ListTagsForResourceCommand({ ResourceARN: s.ARN! }));
    out.set(s.Name!, {
      arn: s.ARN!,
      countries: (got.WebACL?.Rules ?? []).flatMap((r) => r.Statement?.GeoMatchStatement?.CountryCodes ?? []),
      tags: Object.fromEntries((tags.TagInfoForResource?.TagList ?? []).map((t) => [t.Key!, t.Value!])),
    });
  }
  return out;
}

/** Load balancer name → the name of the web ACL protecting it (null: none). */
async function protectedBy(alb: string): Promise<string | null> {
  const lbs = await elb.send(new DescribeLoadBalancersCommand({ Names: [alb] }));
  const arn = lbs.LoadBalancers![0]!.LoadBalancerArn!;
  const r = await waf.send(new GetWebACLForResourceCommand({ ResourceArn: arn }));
  return r.WebACL?.Name ?? null;
}

/** What policy staging-net owns, as AWS (the sandbox) has it now. */
async function stagingState() {
  const flowLogs = (
    await ec2.send(new DescribeFlowLogsCommand({ Filter: [{ Name: "resource-id", Values: [STAGING] }] }))
  ).FlowLogs?.map((f) => f.FlowLogId);
  const acl = (await ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [stagingAcl] }))).NetworkAcls![0]!;
  const deny = acl.Entries?.filter((e) => e.RuleAction === "deny" && e.RuleNumber !== 32767).map((e) => e.CidrBlock);
  const ipSets = ((await waf.send(new ListIPSetsCommand({ Scope: "REGIONAL" }))).IPSets ?? [])
    .map((s) => s.Name)
    .filter((n) => n?.startsWith("staging-acl"))
    .sort();
  return {
    flowLogs: flowLogs?.length ?? 0,
    deny,
    bandTags: Object.fromEntries(
      (acl.Tags ?? []).filter((t) => t.Key?.startsWith("cordon:")).map((t) => [t.Key, t.Value]),
    ),
    ipSets,
    webAcl: (await webAcls()).has("staging-acl"),
    association: await protectedBy("staging-alb"),
  };
}

beforeAll(async () => {
  requireCli();
  mkdirSync(policies, { recursive: true });
  mkdirSync(join(repo, ".git")); // the repository root: set discovery stops here
  writeFileSync(join(policies, "cordon.yaml"), setFile("e2e-network"));
  writeFileSync(join(policies, "edge.yaml"), EDGE);
  mkdirSync(join(policies, "staging"));
  writeFileSync(join(policies, "staging", "net.yaml"), STAGING_NET);
  // Another set, and a policy of no set, in the same account and region.
  mkdirSync(join(tmp, "other"));
  writeFileSync(join(tmp, "other", "cordon.yaml"), setFile("other-network"));
  writeFileSync(join(tmp, "other", "other.yaml"), lonePolicy("other-edge", "other-acl", "other-alb"));
  mkdirSync(join(tmp, "loose"));
  writeFileSync(join(tmp, "loose", "loose.yaml"), lonePolicy("loose-edge", "loose-acl", "loose-alb"));

  const estate = parse(readFileSync(join(ROOT, "examples/cats-eyes/estate.yaml"), "utf8")) as Estate;
  const region = estate.accounts![ACCOUNT]!.regions![REGION]!;
  const alb = (name: string, vpc: string) => ({ name, vpc, type: "application" as const, tags: { Name: name } });
  const seed: Estate = {
    ...estate,
    accounts: {
      [ACCOUNT]: {
        regions: {
          [REGION]: {
            ...region,
            loadBalancers: [
              ...(region.loadBalancers ?? []),
              alb("staging-alb", STAGING),
              alb("other-alb", PRODUCTION),
              alb("loose-alb", PRODUCTION),
            ],
          },
        },
      },
    },
  };
  sandbox = await startSandbox({ seed, requestLogSize: 5000 });
  const client = sandboxClientConfig(sandbox.url, KEY);
  ec2 = new EC2Client(client);
  waf = new WAFV2Client(client);
  elb = new ElasticLoadBalancingV2Client(client);
  const acls = await ec2.send(new DescribeNetworkAclsCommand({ Filters: [{ Name: "vpc-id", Values: [STAGING] }] }));
  stagingAcl = acls.NetworkAcls![0]!.NetworkAclId!;
});

afterAll(async () => {
  ec2?.destroy();
  waf?.destroy();
  elb?.destroy();
  await sandbox?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe("ownership is scoped to the policies loaded", () => {
  it("applies both policies of the set, and the policies of another set and of no set, tagging the set", async () => {
    for (const dir of [policies, join(tmp, "other"), join(tmp, "loose")]) {
      const r = await cordon(["apply", dir, "--auto-approve", "--today", TODAY]);
      expect(r.stderr).not.toMatch(/failed/);
      expect(r.status).toBe(0);
    }
    const acls = await webAcls();
    expect(acls.get("edge-acl")?.tags).toMatchObject({
      "cordon:policy": "edge-production",
      "cordon:set": "e2e-network",
    });
    expect(acls.get("staging-acl")?.tags).toMatchObject({
      "cordon:policy": "staging-net",
      "cordon:set": "e2e-network",
    });
    expect(acls.get("other-acl")?.tags).toMatchObject({ "cordon:policy": "other-edge", "cordon:set": "other-network" });
    expect(acls.get("loose-acl")?.tags["cordon:policy"]).toBe("loose-edge");
    expect(acls.get("loose-acl")?.tags["cordon:set"]).toBeUndefined();
    expect(await stagingState()).toEqual({
      flowLogs: 1,
      deny: ["198.51.100.7/32"],
      bandTags: { "cordon:nacl-band": "1-99", "cordon:policy": "staging-net", "cordon:set": "e2e-network" },
      ipSets: ["staging-acl-blocked-ipv4"],
      webAcl: true,
      association: "staging-acl",
    });
    expect(pending(await planJson(policies))).toEqual([]);
  });

  it("plans nothing for the other policy when given one file, and says what it left alone", async () => {
    const plan = await planJson(join(policies, "edge.yaml"));
    expect(plan.changes.filter((c) => c.action !== "no-op")).toEqual([]);
    expect(
      plan.changes.map((c) => c.address).filter((a) => !a.includes("edge-acl") && !a.includes("cats-eyes-alb")),
    ).toEqual([]);
    const note = plan.notes.find((n) => n.message.includes("not loaded: left alone"));
    // staging-net's five (one IP set: only IPv4 is blocked), other-edge's and loose-edge's web ACL and association each.
    expect(note?.message).toMatch(/^9 resources of 3 policies not loaded: left alone/);
    expect(note?.addresses).toEqual(
      expect.arrayContaining([...stagingOwned(), A("wafv2.webAcl", "other-acl"), A("wafv2.webAcl", "loose-acl")]),
    );
    expect(note?.message).toContain(`policy staging-net: ${stagingOwned().join(", ")}`);
    const text = await cordon(["plan", join(policies, "edge.yaml"), "--detailed-exitcode", "--today", TODAY]);
    expect(text.stdout).toContain("No changes");
    expect(text.stdout).toContain("9 resources of 3 policies not loaded: left alone");
    expect(text.status).toBe(0);
  });

  it("applies one file without touching the other policy's resources in AWS", async () => {
    const file = join(policies, "edge.yaml");
    writeFileSync(
      file,
      EDGE.replace(
        "      reason: No broadcast rights.\n",
        "      reason: No broadcast rights.\n    - code: KP\n      reason: Sanctions.\n",
      ),
    );
    const before = await stagingState();
    sandbox.control.clearRequests();
    const r = await cordon(["apply", file, "--auto-approve", "--today", TODAY]);
    expect(r.stdout).toContain("Apply complete: 1 applied, 0 failed, 0 skipped.");
    expect(r.status).toBe(0);
    expect(
      sandbox.control
        .requests()
        .filter(isResourceWrite)
        .map((q) => q.operation),
    ).toEqual(["UpdateWebACL", "TagResource"]); // the rules, then the applied-digest tag
    expect((await webAcls()).get("edge-acl")?.countries.sort()).toEqual(["KP", "TV"]);
    expect(await stagingState()).toEqual(before);
    expect((await webAcls()).has("other-acl")).toBe(true);
    expect((await webAcls()).has("loose-acl")).toBe(true);

    // drift --correct goes through the same scoping: nothing of the other policies is drift.
    sandbox.control.clearRequests();
    const drift = await cordon(["drift", file, "--correct", "--format", "json", "--today", TODAY]);
    expect(drift.stdout).not.toContain("staging");
    expect(drift.status).toBe(0);
    expect(sandbox.control.requests().filter(isResourceWrite)).toEqual([]);
    expect(await stagingState()).toEqual(before);
  });

  it("never touches resources of another set or of no set when the whole set is loaded", async () => {
    const plan = await planJson(policies);
    expect(pending(plan)).toEqual([]);
    const note = plan.notes.find((n) => n.message.includes("not loaded: left alone"));
    expect(note?.message).toMatch(/^4 resources of 2 policies not loaded: left alone/);
    expect(note?.message).toContain("policy loose-edge, no policy set:");
    expect(note?.message).toContain("policy other-edge, policy set other-network:");
    expect([...(note?.addresses ?? [])].sort()).toEqual(
      [
        A("wafv2.association", "loose-alb"),
        A("wafv2.association", "other-alb"),
        A("wafv2.webAcl", "loose-acl"),
        A("wafv2.webAcl", "other-acl"),
      ].sort(),
    );
  });

  it("refuses paths of different policy sets in one run", async () => {
    const r = await cordon(["plan", join(policies, "edge.yaml"), join(tmp, "loose"), "--today", TODAY]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("the policy paths belong to different policy sets");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("cordon validate checks cordon.yaml at file:line:column; plan refuses a bad one before reading AWS", async () => {
    const dir = join(tmp, "badset");
    mkdirSync(dir);
    writeFileSync(
      join(dir, "cordon.yaml"),
      "apiVersion: cordon.dev/v1\nkind: PolicySet\nmetadata:\n  name: Bad_Name\n",
    );
    writeFileSync(join(dir, "edge.yaml"), EDGE);
    const v = await cordon(["validate", dir, "--today", TODAY]);
    expect(v.status).toBe(1);
    expect(v.stdout).toContain(`${join(dir, "cordon.yaml")}:4:9  metadata.name must be 1–63 lowercase letters`);
    sandbox.control.clearRequests();
    const p = await cordon(["plan", dir, "--today", TODAY]);
    expect(p.status).toBe(1);
    expect(p.stderr).toContain(`${join(dir, "cordon.yaml")}:4:9`);
    expect(p.stderr).not.toMatch(/\n\s+at /);
    expect(sandbox.control.requests()).toEqual([]);
    // Validating paths of several sets is fine (validate changes nothing); each set file is checked.
    const both = await cordon(["validate", policies, join(tmp, "loose"), "--today", TODAY]);
    expect(both.stdout).toContain("0 errors");
    expect(both.status).toBe(0);
  });

  it("apply --target changes only the target; with a plan file it is a usage error", async () => {
    writeFileSync(join(policies, "edge.yaml"), EDGE);
    const net = join(policies, "staging", "net.yaml");
    writeFileSync(
      net,
      STAGING_NET.replace("    - code: KP\n", "    - code: CU\n      reason: Test.\n    - code: KP\n"),
    );
    const plan = await planJson(policies);
    expect(pending(plan).sort()).toEqual([
      `update ${A("wafv2.webAcl", "edge-acl")}`,
      `update ${A("wafv2.webAcl", "staging-acl")}`,
    ]);

    sandbox.control.clearRequests();
    const r = await cordon([
      "apply",
      policies,
      "--auto-approve",
      "--target",
      A("wafv2.webAcl", "staging-acl"),
      "--today",
      TODAY,
    ]);
    expect(r.stdout).toContain("Apply complete: 1 applied, 0 failed, 0 skipped.");
    expect(r.status).toBe(0);
    expect(
      sandbox.control
        .requests()
        .filter(isResourceWrite)
        .map((q) => q.operation),
    ).toEqual(["UpdateWebACL", "TagResource"]); // the rules, then the applied-digest tag
    const acls = await webAcls();
    expect(acls.get("staging-acl")?.countries.sort()).toEqual(["CU", "KP"]);
    expect(acls.get("edge-acl")?.countries.sort()).toEqual(["KP", "TV"]);
    expect(pending(await planJson(policies))).toEqual([`update ${A("wafv2.webAcl", "edge-acl")}`]);

    const saved = join(tmp, "plan.json");
    expect((await cordon(["plan", policies, "--out", saved, "--today", TODAY])).status).toBe(0);
    const refused = await cordon(["apply", saved, "--target", A("wafv2.webAcl", "edge-acl"), "--today", TODAY]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("--target cannot be used with a plan file");
    expect((await webAcls()).get("edge-acl")?.countries.sort()).toEqual(["KP", "TV"]);
    writeFileSync(net, STAGING_NET);
    expect((await cordon(["apply", policies, "--auto-approve", "--today", TODAY])).status).toBe(0);
  });

  it("deletes the resources of a policy removed from the whole set, with the reason", async () => {
    const saved = readFileSync(join(policies, "staging", "net.yaml"), "utf8");
    rmSync(join(policies, "staging"), { recursive: true });
    // Loading edge.yaml alone would now load the whole set too: it is the set's only policy file.
    const plan = await planJson(policies);
    expect(pending(plan).sort()).toEqual(stagingOwned().map((a) => `delete ${a}`));
    for (const c of plan.changes.filter((x) => x.action === "delete")) {
      expect(c.reason).toBe("policy staging-net was removed");
    }
    const r = await cordon(["apply", policies, "--auto-approve", "--today", TODAY]);
    expect(r.stdout).toContain("Apply complete: 5 applied, 0 failed, 0 skipped.");
    expect(r.status).toBe(0);
    expect(await stagingState()).toEqual({
      flowLogs: 0,
      deny: [],
      bandTags: {},
      ipSets: [],
      webAcl: false,
      association: null,
    });
    // Another set's and no set's resources are still there.
    const acls = await webAcls();
    expect([...acls.keys()].sort()).toEqual(["edge-acl", "loose-acl", "other-acl"]);
    expect(await protectedBy("other-alb")).toBe("other-acl");
    expect(await protectedBy("loose-alb")).toBe("loose-acl");
    expect(saved).toContain("staging-net");
  });

  it("adopts a policy of no set into a new set by tagging, never by deleting", async () => {
    const loose = join(tmp, "loose");
    writeFileSync(join(loose, "cordon.yaml"), setFile("loose-network"));
    const plan = await planJson(loose);
    expect(pending(plan)).toEqual([`update ${A("wafv2.webAcl", "loose-acl")}`]);
    const change = plan.changes.find((c) => c.address === A("wafv2.webAcl", "loose-acl"))!;
    expect(change.fields.map((f) => [f.path, f.before ?? null, f.after])).toEqual([
      ["/tags/cordon:set", null, "loose-network"],
    ]);
    const r = await cordon(["apply", loose, "--auto-approve", "--today", TODAY]);
    expect(r.status).toBe(0);
    expect((await webAcls()).get("loose-acl")?.tags).toMatchObject({
      "cordon:policy": "loose-edge",
      "cordon:set": "loose-network",
    });
    expect(pending(await planJson(loose))).toEqual([]);
  });
});
