// One contract suite run against every handler, with the real SDK clients against the sandbox:
// observe is read-only, create is idempotent, observe after create reports no diff, update
// converges after drift, delete of a missing resource succeeds.

import { type SandboxHandle, startSandbox } from "@cordon/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAwsSession } from "../../src/aws/config.js";
import type { TargetPorts } from "../../src/aws/ports.js";
import { buildLogFormat } from "../../src/domain/flowlog-fields.js";
import { deriveGlueTable } from "../../src/domain/glue.js";
import { cordonRules, ipSetName, visibilityFor } from "../../src/domain/waf.js";
import { passFactory } from "../../src/executor/observe.js";
import type { Handler, HandlerContext } from "../../src/handlers/contract.js";
import { HANDLERS, KINDS } from "../../src/handlers/registry.js";
import type { PublicAccessBlockSpec } from "../../src/handlers/s3-public-access-block.js";
import {
  type DesiredResource,
  type Kind,
  makeAddress,
  type Observation,
  type TargetRef,
} from "../../src/model/resource.js";
import {
  type AssociationSpec,
  type BucketPolicySpec,
  type BucketSpec,
  type FlowLogSpec,
  type IpSetSpec,
  type NaclEntriesSpec,
  OWNERSHIP,
  type WebAclSpec,
} from "../../src/model/specs.js";
import { deliveryStatements } from "../../src/policy/desired/flow-logs.js";
import { ACCOUNT, isMutating, oneRegionEstate, REGION } from "../e2e/helpers.js";

const VPC = "vpc-0000000000000c001";
const OTHER_VPC = "vpc-0000000000000c002";
const BUCKET = "contract-flow-logs";
/** A bucket Cordon did not create, with every Block Public Access setting off. */
const AS_IS_BUCKET = "contract-used-as-is";
const ACL = "acl-0000000000000c001";
const ALB = "contract-alb";
const WEB_ACL = "contract-edge";
const OTHER_WEB_ACL = "contract-other";
const target: TargetRef = { account: ACCOUNT, region: REGION };
let sandbox: SandboxHandle;
let ports: TargetPorts;
let newContext: () => HandlerContext<TargetPorts>;

beforeAll(async () => {
  process.env["AWS_ACCESS_KEY_ID"] = "AKIACONTRACTTEST0001";
  process.env["AWS_SECRET_ACCESS_KEY"] = "contract-secret";
  sandbox = await startSandbox({
    seed: oneRegionEstate({
      vpcs: [
        { id: VPC, cidr: "10.1.0.0/16", networkAcls: [{ id: ACL }] },
        { id: OTHER_VPC, cidr: "10.2.0.0/16" },
      ],
      loadBalancers: [{ name: ALB, vpc: VPC }],
      webAcls: [{ name: OTHER_WEB_ACL }],
    }),
  });
  const session = createAwsSession({ endpoint: sandbox.url, serviceEndpoints: {}, maxAttempts: 2 });
  ports = session.ports(target);
  const elb = await ports.elbv2();
  associationSpec.loadBalancerArn =
    (await elb.describeLoadBalancers({ Names: [ALB] })).LoadBalancers?.[0]?.LoadBalancerArn ?? "";
  const s3 = await ports.s3();
  await s3.createBucket({ Bucket: AS_IS_BUCKET });
  await s3.putPublicAccessBlock({
    Bucket: AS_IS_BUCKET,
    PublicAccessBlockConfiguration: {
      BlockPublicAcls: false,
      IgnorePublicAcls: false,
      BlockPublicPolicy: false,
      RestrictPublicBuckets: false,
    },
  });
  const passes = passFactory({ ports: () => ports });
  newContext = () => passes()(target) as HandlerContext<TargetPorts>;
});

afterAll(async () => {
  await sandbox?.stop();
});

const origin = { file: "contract.yaml", document: 0, section: "test" };
const resource = <S>(kind: Kind, name: string, spec: S, dependsOn: string[] = []): DesiredResource<S> => ({
  address: makeAddress(target, kind, name),
  kind,
  name,
  target,
  spec,
  mode: "enforce",
  origin,
  dependsOn,
});

const tags = { [OWNERSHIP.tagKey]: OWNERSHIP.tagValue, [OWNERSHIP.policyTagKey]: "contract" };

const bucketSpec: BucketSpec = {
  name: BUCKET,
  region: REGION,
  blockPublicAccess: true,
  encryption: "AES256",
  retentionDays: 30,
  retentionPrefix: "flow/AWSLogs/",
  tags,
};
const policySpec: BucketPolicySpec = {
  bucket: BUCKET,
  statements: deliveryStatements(BUCKET, "aws", [{ account: ACCOUNT, region: REGION, prefix: "flow", hive: false }]),
};
const flowLogSpec: FlowLogSpec = {
  resourceId: VPC,
  resourceType: "VPC",
  trafficType: "REJECT",
  logDestination: `arn:aws:s3:::${BUCKET}/flow/`,
  logFormat: buildLogFormat(["version", "srcaddr", "dstaddr", "action"]),
  maxAggregationInterval: 60,
  fileFormat: "plain-text",
  hiveCompatiblePartitions: false,
  perHourPartition: false,
  tags: { ...tags, team: "netsec" },
};
const tableSpec = deriveGlueTable({
  database: "contract_db",
  table: "flow_logs",
  bucket: BUCKET,
  prefix: "flow",
  layout: { fileFormat: "plain-text", hiveCompatiblePartitions: false, perHourPartition: false },
  fields: ["version", "srcaddr", "dstaddr", "action"],
  accounts: [ACCOUNT],
  regions: [REGION],
  projectionStartDate: "2026-01-01",
});

// Blocking kinds. The NACL band: inbound and outbound denies in 1–99 of a custom ACL; the drifted
// band swaps the outbound one for a second inbound one (numbers as naclOperations allocates them).
const band = { first: 1, last: 99 };
const naclSpec = (entries: NaclEntriesSpec["entries"]): NaclEntriesSpec => ({
  aclId: ACL,
  vpcId: VPC,
  band,
  entryQuota: 20,
  entries,
  others: [],
});
const deny = (ruleNumber: number, egress: boolean, cidr: string) =>
  ({ ruleNumber, egress, cidr, action: "deny", protocol: "-1" }) as const;
const naclDesired = naclSpec([deny(1, false, "203.0.113.0/24"), deny(1, true, "198.51.100.7/32")]);
const naclDrifted = naclSpec([deny(1, false, "203.0.113.0/24"), deny(2, false, "192.0.2.0/24")]);
const ipSetSpec: IpSetSpec = {
  name: ipSetName(WEB_ACL, "IPV4"),
  scope: "REGIONAL",
  ipAddressVersion: "IPV4",
  addresses: ["198.51.100.0/24", "203.0.113.7/32"],
  tags,
};
const ipSetAddress = makeAddress(target, "wafv2.ipSet", ipSetSpec.name);
const webAclSpec = (countries: string[]): WebAclSpec => ({
  name: WEB_ACL,
  scope: "REGIONAL",
  ownership: "owned",
  rulePrefix: "cordon-",
  defaultAction: { Allow: {} },
  visibilityConfig: visibilityFor(WEB_ACL),
  // Only the IPv4 set exists in this suite: the IPv6 rule is dropped.
  rules: cordonRules({ prefix: "cordon-", ipSets: { ipv4: ipSetAddress, ipv6: ipSetAddress }, countries })
    .filter((r) => r.Name !== "cordon-block-ipv6")
    .map((r, i) => ({ ...r, Priority: i })),
  tags,
});
const webAclAddress = makeAddress(target, "wafv2.webAcl", WEB_ACL);
/** The load balancer's ARN is read from the sandbox in beforeAll. */
const associationSpec: { -readonly [K in keyof AssociationSpec]: AssociationSpec[K] } = {
  loadBalancerName: ALB,
  loadBalancerArn: "",
  webAclName: WEB_ACL,
  webAclAddress,
};

const publicAccessBlockSpec: PublicAccessBlockSpec = {
  bucket: AS_IS_BUCKET,
  blockPublicAcls: true,
  ignorePublicAcls: true,
  blockPublicPolicy: true,
  restrictPublicBuckets: true,
};

interface Case {
  readonly kind: Kind;
  readonly desired: DesiredResource;
  /** A drifted spec to write with update (must differ from desired). */
  readonly drifted: unknown;
  /**
   * What is left after delete: nothing, the resource without Cordon's markers (buckets are never
   * deleted), or the resource as it was (a public access block is never lifted).
   */
  readonly afterDelete: "absent" | "released" | "kept";
}

const cases: Case[] = [
  {
    kind: "s3.bucket",
    desired: resource("s3.bucket", BUCKET, bucketSpec),
    drifted: { ...bucketSpec, retentionDays: 7 },
    afterDelete: "released",
  },
  {
    kind: "s3.bucketPolicy",
    desired: resource("s3.bucketPolicy", BUCKET, policySpec),
    drifted: { ...policySpec, statements: policySpec.statements.slice(0, 1) },
    afterDelete: "absent",
  },
  {
    kind: "s3.publicAccessBlock",
    desired: resource("s3.publicAccessBlock", AS_IS_BUCKET, publicAccessBlockSpec),
    drifted: { ...publicAccessBlockSpec, restrictPublicBuckets: false },
    afterDelete: "kept",
  },
  {
    kind: "ec2.flowLog",
    desired: resource("ec2.flowLog", VPC, flowLogSpec),
    drifted: { ...flowLogSpec, tags: { ...tags, team: "other" } },
    afterDelete: "absent",
  },
  {
    kind: "glue.database",
    desired: resource("glue.database", "contract_db", { name: "contract_db", description: "contract" }),
    drifted: { name: "contract_db", description: "drifted" },
    afterDelete: "absent",
  },
  {
    kind: "glue.table",
    desired: resource("glue.table", "contract_db.flow_logs", tableSpec),
    drifted: { ...tableSpec, columns: tableSpec.columns.slice(0, 2) },
    afterDelete: "absent",
  },
  {
    kind: "ec2.naclEntries",
    desired: resource("ec2.naclEntries", ACL, naclDesired),
    drifted: naclDrifted,
    afterDelete: "absent",
  },
  {
    kind: "wafv2.ipSet",
    desired: resource("wafv2.ipSet", ipSetSpec.name, ipSetSpec),
    drifted: { ...ipSetSpec, addresses: ["192.0.2.0/24"] },
    afterDelete: "absent",
  },
  {
    kind: "wafv2.webAcl",
    desired: resource("wafv2.webAcl", WEB_ACL, webAclSpec(["KP", "TV"]), [ipSetAddress]),
    drifted: webAclSpec(["TV"]),
    afterDelete: "absent",
  },
  {
    kind: "wafv2.association",
    desired: resource("wafv2.association", ALB, associationSpec, [webAclAddress]),
    get drifted() {
      return { ...associationSpec, webAclName: OTHER_WEB_ACL };
    },
    afterDelete: "absent",
  },
];

const handler = (kind: Kind): Handler => HANDLERS[kind] as Handler;

describe("the contract suite covers every kind", () => {
  it("has a case for each kind the registry lists", () => {
    expect(cases.map((c) => c.kind).sort()).toEqual(KINDS.map((d) => d.kind).sort());
  });
});

async function observe(kind: Kind, d: DesiredResource): Promise<Observation> {
  return handler(kind).observe(newContext(), d);
}

/** Runs `fn` and returns the mutating operations the sandbox saw meanwhile. */
async function mutationsDuring(fn: () => Promise<unknown>): Promise<string[]> {
  sandbox.control.clearRequests();
  await fn();
  return sandbox.control
    .requests()
    .filter(isMutating)
    .map((r) => r.operation);
}

// The cases run in order: each later kind needs the earlier ones (policy on the bucket, flow log
// into the bucket, table in the database). Deletions run at the end, in reverse.
describe.each(cases)("handler contract: $kind", (c) => {
  it("observe of a missing resource reports absent and writes nothing", async () => {
    const writes = await mutationsDuring(async () => {
      const o = await observe(c.kind, c.desired);
      expect(o.exists).toBe(false);
    });
    expect(writes).toEqual([]);
  });

  it("create, then observe reports no diff", async () => {
    const h = handler(c.kind);
    await h.create(newContext(), c.desired);
    const o = await observe(c.kind, c.desired);
    expect(o.exists).toBe(true);
    if (!o.exists) return;
    expect(o.meta.owned).toBe(true);
    expect(h.diff(c.desired.spec, o.live).fields).toEqual([]);
  });

  it("create is idempotent: a second create succeeds and changes nothing observable", async () => {
    const h = handler(c.kind);
    const before = await observe(c.kind, c.desired);
    await h.create(newContext(), c.desired);
    const after = await observe(c.kind, c.desired);
    expect(after.exists && before.exists && after.meta.fingerprint === before.meta.fingerprint).toBe(true);
  });

  it("observe never calls a mutating API", async () => {
    const writes = await mutationsDuring(() => observe(c.kind, c.desired));
    expect(writes).toEqual([]);
  });

  it("update converges after drift", async () => {
    const h = handler(c.kind);
    const drifted = { ...c.desired, spec: c.drifted };
    const live = await observe(c.kind, c.desired);
    if (!live.exists) throw new Error("precondition: exists");
    await h.update(newContext(), drifted, live);
    const mid = await observe(c.kind, c.desired);
    if (!mid.exists) throw new Error("still exists after update");
    expect(h.diff(c.desired.spec, mid.live).fields.length).toBeGreaterThan(0);
    expect(h.diff(c.drifted, mid.live).fields).toEqual([]);
    await h.update(newContext(), c.desired, mid);
    const end = await observe(c.kind, c.desired);
    expect(end.exists && h.diff(c.desired.spec, end.live).fields).toEqual([]);
  });
});

// Between creation and deletion: the IP set, Cordon's web ACL and its association exist, next to
// a foreign web ACL (seeded, untagged).
describe("WAF discovery: Cordon's IP sets, web ACLs and associations no policy declares", () => {
  const wafCases = cases.filter((c) => c.kind.startsWith("wafv2."));
  const discover = (kind: Kind, ctx: HandlerContext<TargetPorts>, declared: ReadonlySet<string>) =>
    handler(kind).discover!(ctx, declared);

  it("finds nothing while every one is declared, and writes nothing", async () => {
    const declared = new Set(wafCases.map((c) => c.desired.address));
    const writes = await mutationsDuring(async () => {
      const ctx = newContext();
      for (const c of wafCases) expect(await discover(c.kind, ctx, declared)).toEqual([]);
    });
    expect(writes).toEqual([]);
  });

  it("finds each undeclared one with the fingerprint observe gives and the order its deletion needs", async () => {
    const ctx = newContext();
    const found = new Map<Kind, Awaited<ReturnType<typeof discover>>>();
    for (const c of wafCases) found.set(c.kind, await discover(c.kind, ctx, new Set()));
    const summary = (kind: Kind) => found.get(kind)!.map((d) => [d.address, d.dependsOn ?? []]);
    expect(summary("wafv2.ipSet")).toEqual([[ipSetAddress, []]]);
    // The foreign web ACL (no ownership tag) is never discovered.
    expect(summary("wafv2.webAcl")).toEqual([[webAclAddress, [ipSetAddress]]]);
    expect(summary("wafv2.association")).toEqual([[makeAddress(target, "wafv2.association", ALB), [webAclAddress]]]);
    // apply re-observes each discovered resource as its plan change: the fingerprints must agree.
    for (const c of wafCases) {
      const d = found.get(c.kind)![0]!;
      const o = await observe(c.kind, { ...c.desired, spec: d.observation.live });
      expect(o.exists && o.meta.fingerprint).toBe(d.observation.meta.fingerprint);
    }
    // The policy that made them is named by their tags (the association: its web ACL's).
    for (const c of wafCases) {
      expect(found.get(c.kind)![0]!.observation.meta.tags?.[OWNERSHIP.policyTagKey]).toBe("contract");
    }
  });

  it("reads each list and each tag set once per pass, whatever the number of kinds discovering", async () => {
    sandbox.control.resetCounters();
    const ctx = newContext();
    await Promise.all(wafCases.map((c) => discover(c.kind, ctx, new Set())));
    const waf = sandbox.control.counters()["wafv2"] ?? {};
    expect(waf["ListWebACLs"]).toBe(1);
    expect(waf["ListIPSets"]).toBe(1);
    // One per web ACL (Cordon's and the foreign one) and one for Cordon's IP set.
    expect(waf["ListTagsForResource"]).toBe(3);
  });
});

describe("network ACL bands: one DescribeNetworkAcls and one CreateTags per apply pass", () => {
  it("creates bands in several ACLs from one read of every ACL and tags them in one call", async () => {
    const ec2 = await ports.ec2();
    const defaults = (await ec2.describeNetworkAcls({})).NetworkAcls!.filter((a) => a.NetworkAclId !== ACL);
    expect(defaults.length).toBeGreaterThanOrEqual(2);
    const h = handler("ec2.naclEntries");
    const bands = defaults.map((a) =>
      resource("ec2.naclEntries", a.NetworkAclId!, {
        ...naclSpec([deny(50, false, "192.0.2.0/24")]),
        aclId: a.NetworkAclId!,
        vpcId: a.VpcId!,
        band: { first: 50, last: 59 },
        policy: "contract",
      }),
    );
    sandbox.control.resetCounters();
    const ctx = newContext();
    await Promise.all(bands.map((b) => h.create(ctx, b)));
    // One read of every ACL, and one CreateTags for all of them (band and policy tags).
    expect(sandbox.control.counters()["ec2"]?.["DescribeNetworkAcls"]).toBe(1);
    expect(sandbox.control.counters()["ec2"]?.["CreateTags"]).toBe(1);
    for (const b of bands) {
      const o = await observe("ec2.naclEntries", b);
      expect(o.exists && h.diff(b.spec, o.live).fields).toEqual([]);
      if (o.exists) await h.delete(newContext(), b.address, o);
    }
  });
});

describe.each([...cases].reverse())("handler contract, deletion: $kind", (c) => {
  it("delete removes what Cordon owns, and deleting again succeeds", async () => {
    const h = handler(c.kind);
    const live = await observe(c.kind, c.desired);
    if (!live.exists) throw new Error("precondition: exists");
    await h.delete(newContext(), c.desired.address, live);
    const after = await observe(c.kind, c.desired);
    if (c.afterDelete === "absent") expect(after.exists).toBe(false);
    else if (c.afterDelete === "kept") expect(after).toEqual(live);
    else expect(after.exists && after.meta.owned).toBe(false);
    await h.delete(newContext(), c.desired.address, live);
  });
});

describe("bucket policy: foreign statements", () => {
  it("are kept verbatim through create, update and delete", async () => {
    const s3 = await ports.s3();
    const foreign = {
      Sid: "TeamReadOnly",
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/Auditor` },
      Action: ["s3:GetObject"],
      Resource: `arn:aws:s3:::${BUCKET}/*`,
    };
    await s3.putBucketPolicy({
      Bucket: BUCKET,
      Policy: JSON.stringify({ Version: "2012-10-17", Statement: [foreign] }),
    });
    const h = handler("s3.bucketPolicy");
    const desired = resource("s3.bucketPolicy", BUCKET, policySpec);
    await h.create(newContext(), desired);
    const doc = JSON.parse((await s3.getBucketPolicy({ Bucket: BUCKET })).Policy ?? "{}");
    expect(doc.Statement).toContainEqual(foreign);
    expect(doc.Statement).toHaveLength(3);
    const live = await observe("s3.bucketPolicy", desired);
    if (!live.exists) throw new Error("exists");
    await h.delete(newContext(), desired.address, live);
    const left = JSON.parse((await s3.getBucketPolicy({ Bucket: BUCKET })).Policy ?? "{}");
    expect(left.Statement).toEqual([foreign]);
  });
});

describe("flow logs: batched observation and discovery", () => {
  it("one DescribeFlowLogs per pass serves every flow log and the discovery of undeclared ones", async () => {
    const h = handler("ec2.flowLog");
    // Bucket and delivery statements, then a Cordon flow log on each VPC and a foreign one.
    await handler("s3.bucket").create(newContext(), resource("s3.bucket", BUCKET, bucketSpec));
    await handler("s3.bucketPolicy").create(newContext(), resource("s3.bucketPolicy", BUCKET, policySpec));
    const a = resource("ec2.flowLog", VPC, flowLogSpec);
    const b = resource("ec2.flowLog", OTHER_VPC, { ...flowLogSpec, resourceId: OTHER_VPC });
    await h.create(newContext(), a);
    await h.create(newContext(), b);
    const ec2 = await ports.ec2();
    await ec2.createFlowLogs({
      ResourceIds: [OTHER_VPC],
      ResourceType: "VPC",
      TrafficType: "ALL",
      LogDestinationType: "s3",
      LogDestination: `arn:aws:s3:::${BUCKET}/someone-else/`,
    });
    sandbox.control.resetCounters();
    const ctx = newContext();
    const [oa, ob, found] = await Promise.all([
      h.observe(ctx, a),
      h.observe(ctx, b),
      h.discover!(ctx, new Set([a.address])),
    ]);
    expect(oa.exists && ob.exists).toBe(true);
    expect(sandbox.control.counters()["ec2"]).toEqual({ DescribeFlowLogs: 1 });
    // Only Cordon's flow log on the VPC that is no longer declared; the foreign one is never listed.
    expect(found.map((d) => d.address)).toEqual([b.address]);
  });
});

describe("something found in place that is not Cordon's", () => {
  const FOREIGN = "contract-foreign-logs";
  const foreignBucket = resource("s3.bucket", FOREIGN, { ...bucketSpec, name: FOREIGN });
  const foreignDb = resource("glue.database", "contract_foreign_db", {
    name: "contract_foreign_db",
    description: "VPC flow logs (managed by Cordon)",
  });

  beforeAll(async () => {
    const s3 = await ports.s3();
    await s3.createBucket({ Bucket: FOREIGN });
    await s3.putBucketTagging({ Bucket: FOREIGN, Tagging: { TagSet: [{ Key: "team", Value: "data" }] } });
    const glue = await ports.glue();
    await glue.createDatabase({ DatabaseInput: { Name: "contract_foreign_db", Description: "theirs" } });
  });

  it.each([
    { kind: "s3.bucket" as const, desired: foreignBucket, what: `bucket ${FOREIGN}` },
    { kind: "glue.database" as const, desired: foreignDb, what: "Glue database contract_foreign_db" },
  ])("$kind: foreign() names it, update refuses without adopt and makes it Cordon's with it", async (c) => {
    const h = handler(c.kind);
    const live = await observe(c.kind, c.desired);
    if (!live.exists) throw new Error("precondition: exists");
    expect(live.meta.owned).toBe(false);
    expect(h.foreign?.(c.desired, live)?.what).toBe(c.what);
    const writes = await mutationsDuring(() =>
      expect(h.update(newContext(), c.desired, live)).rejects.toThrow(/not Cordon's/),
    );
    expect(writes).toEqual([]);
    await h.update(newContext(), { ...c.desired, adopt: true }, live);
    const after = await observe(c.kind, c.desired);
    expect(after.exists && after.meta.owned).toBe(true);
    expect(after.exists && h.foreign?.(c.desired, after)).toBeNull();
    expect(after.exists && h.diff(c.desired.spec, after.live).fields).toEqual([]);
  });
});
