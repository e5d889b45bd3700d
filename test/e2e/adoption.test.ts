// "Nothing is adopted silently", end to end through the built CLI (`node dist/cordon.js`) against an
// in-process sandbox. For every kind Cordon may find in place — the flow-log bucket, a NACL band, a
// web ACL of the same name, IP sets of the derived names, the Glue database and table, bucket-policy
// statements with Cordon's Sid prefix — the first touch is a create, or an adoption the policy asked
// for (adopt: true): otherwise the plan exits 1 naming the AWS resource and the choices, at the
// policy field, and apply writes nothing. The bucket's retention rule is scoped to the flow-log key
// prefix and keeps the bucket's other lifecycle rules.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CreateNetworkAclEntryCommand, DescribeNetworkAclsCommand, EC2Client } from "@aws-sdk/client-ec2";
import {
  CreateDatabaseCommand,
  CreateTableCommand,
  GetDatabaseCommand,
  GetTableCommand,
  GlueClient,
} from "@aws-sdk/client-glue";
import {
  CreateBucketCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetPublicAccessBlockCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { ListIPSetsCommand, ListTagsForResourceCommand, ListWebACLsCommand, WAFV2Client } from "@aws-sdk/client-wafv2";
import type { Estate } from "@cordon/sandbox";
import { type SandboxHandle, startSandbox } from "@cordon/sandbox";
import { Ajv } from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { PlanDocument } from "../../src/model/plan.js";
import {
  ACCOUNT,
  cordonRunner,
  isResourceWrite,
  makeTmp,
  REGION,
  ROOT,
  requireCli,
  sandboxClientConfig,
  TODAY,
} from "./helpers.js";

process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true";

const CLI_KEY = "AKIAADOPTIONCLI00001";
const SETUP_KEY = "AKIAADOPTIONSETUP001";
const STAGING_VPC = "vpc-0c47e5a1f3d2b0002";
const A = (kind: string, name: string) => `${ACCOUNT}/${REGION}/${kind}/${name}`;

const tmp = makeTmp("cordon-adoption-");
let sandbox: SandboxHandle;
let s3: S3Client;
let ec2: EC2Client;
let glue: GlueClient;
let waf: WAFV2Client;
let stagingAcl: string;

const cordon = cordonRunner({ tmp, endpoint: () => sandbox.url, accessKeyId: CLI_KEY, maxAttempts: 2 });

/** Writes `<tmp>/<dir>/policy.yaml` (one policy) and returns the directory, relative to tmp. */
function writePolicy(dir: string, name: string, body: readonly string[]): string {
  mkdirSync(join(tmp, dir), { recursive: true });
  const lines = [
    "apiVersion: cordon.dev/v1",
    "kind: Policy",
    `metadata: { name: ${name} }`,
    `target: { account: "${ACCOUNT}", region: ${REGION} }`,
    ...body,
  ];
  writeFileSync(join(tmp, dir, "policy.yaml"), `${lines.join("\n")}\n`);
  return dir;
}

/** A flowLogs section for `bucket` whose VPC selector matches nothing: the bucket and its policy only. */
const flowLogs = (bucket: string, extra: readonly string[]) => [
  "flowLogs:",
  "  bucket:",
  `    name: ${bucket}`,
  ...extra.map((l) => `    ${l}`),
  "  vpcs: { tags: { env: nowhere } }",
];

const plan = (dir: string, ...extra: string[]) => cordon(["plan", dir, "--today", TODAY, ...extra]);
const apply = (dir: string) => cordon(["apply", dir, "--auto-approve", "--today", TODAY]);

async function planJson(dir: string): Promise<PlanDocument> {
  const r = await plan(dir, "--format", "json");
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as PlanDocument;
}

/** Resource writes (not Cordon's own records under cordon/) the CLI made while `fn` ran. */
async function writesDuring(fn: () => Promise<unknown>): Promise<string[]> {
  sandbox.control.clearRequests();
  await fn();
  return sandbox.control
    .requests()
    .filter((r) => r.accessKeyId === CLI_KEY && isResourceWrite(r))
    .map((r) => `${r.service}:${r.operation}`);
}

/** A bucket someone else made: their tags, their lifecycle rule, SSE-KMS. */
async function foreignBucket(name: string): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: name }));
  await s3.send(new PutBucketTaggingCommand({ Bucket: name, Tagging: { TagSet: [{ Key: "team", Value: "data" }] } }));
  await s3.send(
    new PutBucketLifecycleConfigurationCommand({
      Bucket: name,
      LifecycleConfiguration: {
        Rules: [{ ID: "team-archive", Status: "Enabled", Filter: { Prefix: "exports/" }, Expiration: { Days: 365 } }],
      },
    }),
  );
  await s3.send(
    new PutPublicAccessBlockCommand({
      Bucket: name,
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: false,
        IgnorePublicAcls: false,
        BlockPublicPolicy: false,
        RestrictPublicBuckets: false,
      },
    }),
  );
  await s3.send(
    new PutBucketEncryptionCommand({
      Bucket: name,
      ServerSideEncryptionConfiguration: {
        Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms" } }],
      },
    }),
  );
}

const tagsOf = async (bucket: string) =>
  Object.fromEntries(
    ((await s3.send(new GetBucketTaggingCommand({ Bucket: bucket }))).TagSet ?? []).map((t) => [t.Key, t.Value]),
  );
const rulesOf = async (bucket: string) =>
  (await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).Rules ?? [];

async function stagingEntries() {
  const r = await ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [stagingAcl] }));
  return r.NetworkAcls?.[0]?.Entries ?? [];
}

async function wafTags(kind: "webAcl" | "ipSet", name: string): Promise<Record<string, string>> {
  const list =
    kind === "webAcl"
      ? ((await waf.send(new ListWebACLsCommand({ Scope: "REGIONAL" }))).WebACLs ?? [])
      : ((await waf.send(new ListIPSetsCommand({ Scope: "REGIONAL" }))).IPSets ?? []);
  const arn = list.find((x) => x.Name === name)?.ARN;
  if (arn === undefined) throw new Error(`no ${kind} ${name}`);
  const r = await waf.send(new ListTagsForResourceCommand({ ResourceARN: arn }));
  return Object.fromEntries((r.TagInfoForResource?.TagList ?? []).map((t) => [t.Key, t.Value]));
}

beforeAll(async () => {
  requireCli();
  // The Cat's Eyes estate, plus what other teams made before Cordon arrived: an allow entry at rule
  // 50 of the staging VPC's default ACL (inside Cordon's default band 1–99), a web ACL and an IP set
  // whose names a policy will use.
  const estate = parse(readFileSync(join(ROOT, "examples/cats-eyes/estate.yaml"), "utf8")) as Estate;
  const region = estate.accounts![ACCOUNT]!.regions![REGION]!;
  const seed: Estate = {
    ...estate,
    accounts: {
      [ACCOUNT]: {
        regions: {
          [REGION]: {
            ...region,
            vpcs: (region.vpcs ?? []).map((v) =>
              v.id === STAGING_VPC
                ? {
                    ...v,
                    defaultNetworkAclEntries: [
                      {
                        ruleNumber: 50,
                        egress: false,
                        action: "allow",
                        protocol: "6",
                        portRange: { from: 443, to: 443 },
                        cidr: "10.0.0.0/8",
                      },
                    ],
                  }
                : v,
            ),
            webAcls: [
              {
                name: "partner-edge",
                tags: { team: "partner" },
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
              },
            ],
            ipSets: [{ name: "shop-edge-blocked-ipv4", ipAddressVersion: "IPV4", addresses: ["198.51.100.0/24"] }],
          },
        },
      },
    },
  };
  sandbox = await startSandbox({ seed, requestLogSize: 5000 });
  const client = sandboxClientConfig(sandbox.url, SETUP_KEY);
  s3 = new S3Client({ ...client, forcePathStyle: true });
  ec2 = new EC2Client(client);
  glue = new GlueClient(client);
  waf = new WAFV2Client(client);
  const acls = await ec2.send(new DescribeNetworkAclsCommand({ Filters: [{ Name: "vpc-id", Values: [STAGING_VPC] }] }));
  stagingAcl = acls.NetworkAcls![0]!.NetworkAclId!;
});

afterAll(async () => {
  for (const c of [s3, ec2, glue, waf]) c?.destroy();
  await sandbox?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe("the flow-log bucket", () => {
  const BUCKET = "team-data-111122223333";

  beforeAll(async () => {
    await foreignBucket(BUCKET);
  });

  it("create: true on a bucket that exists and is not Cordon's is a plan error naming both choices; apply writes nothing", async () => {
    const dir = writePolicy(
      "bucket-create",
      "bucket-create",
      flowLogs(BUCKET, ["create: true", "prefix: flow-logs", "retentionDays: 30"]),
    );
    const r = await plan(dir);
    expect(r.status).toBe(1);
    // At the create field: line 8, column 13 of the policy.
    expect(r.stderr).toContain(`${join(dir, "policy.yaml")}:8:13`);
    expect(r.stderr).toContain(`bucket ${BUCKET} already exists and is not Cordon's`);
    expect(r.stderr).toContain("set flowLogs.bucket.create: false to use it as is");
    expect(r.stderr).toContain("flowLogs.bucket.adopt: true to manage it");
    expect(r.stderr).not.toMatch(/\n\s+at .*\.js:\d+/); // no stack trace
    const writes = await writesDuring(async () => expect((await apply(dir)).status).toBe(1));
    expect(writes).toEqual([]);
    expect(await tagsOf(BUCKET)).toEqual({ team: "data" });
    expect((await rulesOf(BUCKET)).map((x) => x.ID)).toEqual(["team-archive"]);
  });

  it("create: false uses the bucket as is: only Cordon's bucket-policy statements are written", async () => {
    const dir = writePolicy("bucket-as-is", "bucket-as-is", flowLogs(BUCKET, ["create: false", "prefix: flow-logs"]));
    const p = await planJson(dir);
    expect(p.changes.filter((c) => c.kind === "s3.bucket")).toEqual([]);
    const writes = await writesDuring(async () => expect((await apply(dir)).status).toBe(0));
    expect(writes).toEqual(["s3:PutBucketPolicy"]);
    expect(await tagsOf(BUCKET)).toEqual({ team: "data" });
    expect((await rulesOf(BUCKET)).map((x) => x.ID)).toEqual(["team-archive"]);
    const pab = await s3.send(new GetPublicAccessBlockCommand({ Bucket: BUCKET }));
    expect(pab.PublicAccessBlockConfiguration?.BlockPublicPolicy).toBe(false);
  });

  it("adopt: true shows every setting that changes, then writes a retention rule scoped to the flow-log prefix and keeps the foreign rule", async () => {
    const dir = writePolicy(
      "bucket-adopt",
      "bucket-adopt",
      flowLogs(BUCKET, ["adopt: true", "prefix: flow-logs", "retentionDays: 30"]),
    );
    const p = await planJson(dir);
    const bucket = p.changes.find((c) => c.address === A("s3.bucket", BUCKET))!;
    expect(bucket.action).toBe("update");
    expect(bucket.adopting).toBe(true);
    expect(bucket.reason).toMatch(new RegExp(`^adopting bucket ${BUCKET} \\(the policy says adopt: true\\)`));
    expect(bucket.fields.map((f) => [f.path, f.before, f.after])).toEqual([
      ["/blockPublicAccess", false, true],
      ["/encryption", "aws:kms", "AES256"],
      ["/retentionDays", null, 30],
      ["/retentionPrefix", null, "flow-logs/AWSLogs/"],
      ["/tags/cordon:managed-by", null, "cordon"],
      ["/tags/cordon:policy", null, "bucket-adopt"],
    ]);
    const schema = JSON.parse(readFileSync(join(ROOT, "schemas/plan.schema.json"), "utf8"));
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    expect(validate(p), JSON.stringify(validate.errors)).toBe(true);
    const text = await plan(dir);
    expect(text.stdout).toContain(`adopting bucket ${BUCKET} (the policy says adopt: true)`);
    const markdown = await plan(dir, "--format", "markdown");
    expect(markdown.stdout).toContain("⚠️ adopts what was not Cordon's");

    const r = await apply(dir);
    expect(r.status, r.stderr).toBe(0);
    const rules = await rulesOf(BUCKET);
    expect(rules.find((x) => x.ID === "team-archive")).toMatchObject({
      Filter: { Prefix: "exports/" },
      Expiration: { Days: 365 },
    });
    expect(rules.find((x) => x.ID === "cordon-retention")).toMatchObject({
      Status: "Enabled",
      Filter: { Prefix: "flow-logs/AWSLogs/" },
      Expiration: { Days: 30 },
    });
    expect(await tagsOf(BUCKET)).toMatchObject({ team: "data", "cordon:managed-by": "cordon" });
    // Cordon's now: the next plan is clean, and no longer an adoption.
    const again = await planJson(dir);
    expect(again.changes.filter((c) => c.action !== "no-op")).toEqual([]);
  });

  it("a Cordon bucket whose retention rule has an empty prefix (an earlier version) is planned as an update to the scoped rule", async () => {
    const OLD = "old-cordon-logs-111122223333";
    await s3.send(new CreateBucketCommand({ Bucket: OLD }));
    await s3.send(
      new PutBucketTaggingCommand({
        Bucket: OLD,
        Tagging: {
          TagSet: [
            { Key: "cordon:managed-by", Value: "cordon" },
            { Key: "cordon:policy", Value: "old-bucket" },
          ],
        },
      }),
    );
    await s3.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: OLD,
        LifecycleConfiguration: {
          Rules: [{ ID: "cordon-retention", Status: "Enabled", Filter: { Prefix: "" }, Expiration: { Days: 30 } }],
        },
      }),
    );
    const dir = writePolicy("bucket-old", "old-bucket", flowLogs(OLD, ["retentionDays: 30"]));
    const p = await planJson(dir);
    const bucket = p.changes.find((c) => c.address === A("s3.bucket", OLD))!;
    expect(bucket.adopting).toBeUndefined();
    expect(bucket.fields.filter((f) => f.path.startsWith("/retention"))).toEqual([
      { path: "/retentionPrefix", before: "", after: "AWSLogs/" },
    ]);
    expect((await apply(dir)).status).toBe(0);
    expect((await rulesOf(OLD)).map((x) => [x.ID, x.Filter?.Prefix])).toEqual([["cordon-retention", "AWSLogs/"]]);
  });
});

describe("contradictions cordon validate refuses offline", () => {
  it("adopt with create: false on a bucket, and adopt with ownership: shared on a web ACL", async () => {
    const dir = writePolicy("contradictions", "contradictions", [
      ...flowLogs("any-logs-111122223333", ["create: false", "adopt: true"]),
      "webAcl:",
      "  name: edge",
      "  ownership: shared",
      "  adopt: true",
      "blockedCountries:",
      "  countries:",
      "    - { code: TV, reason: no broadcast rights }",
    ]);
    const r = await cordon(["validate", dir, "--today", TODAY]);
    expect(r.status).toBe(1);
    expect(r.stderr + r.stdout).toContain(`${join(dir, "policy.yaml")}:9:12`);
    expect(r.stderr + r.stdout).toContain("create: false says to use the bucket as is");
    expect(r.stderr + r.stdout).toContain(`${join(dir, "policy.yaml")}:14:10`);
    expect(r.stderr + r.stdout).toContain("ownership: shared says it stays someone else's");
  });
});

describe("bucket-policy statements with Cordon's Sid prefix", () => {
  const BUCKET = "shared-logs-111122223333";
  const TEAM_READ = {
    Sid: "CordonTeamRead",
    Effect: "Allow",
    Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/Auditor` },
    Action: "s3:GetObject",
    Resource: `arn:aws:s3:::${BUCKET}/*`,
  };

  it("on a bucket that is not Cordon's, one Cordon did not write is a plan error and is never rewritten", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: BUCKET,
        Policy: JSON.stringify({ Version: "2012-10-17", Statement: [TEAM_READ] }),
      }),
    );
    const dir = writePolicy("sid", "sid", flowLogs(BUCKET, ["create: false"]));
    const r = await plan(dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      `the bucket policy of ${BUCKET} has statements whose Sid starts with Cordon that Cordon did not write`,
    );
    expect(r.stderr).toContain("statement CordonTeamRead: not a statement Cordon writes");
    expect(r.stderr).toContain("rename those statements' Sids or remove them");
    const writes = await writesDuring(async () => expect((await apply(dir)).status).toBe(1));
    expect(writes).toEqual([]);
    const doc = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: BUCKET }))).Policy!);
    expect(doc.Statement).toEqual([TEAM_READ]);
  });

  it("a statement with Cordon's own Sid but someone else's grant is refused too; renamed, it is kept beside Cordon's", async () => {
    const impostor = {
      Sid: "CordonAWSLogDeliveryWrite",
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/Uploader` },
      Action: "s3:PutObject",
      Resource: `arn:aws:s3:::${BUCKET}/*`,
    };
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: BUCKET,
        Policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ ...TEAM_READ, Sid: "TeamRead" }, impostor] }),
      }),
    );
    const r = await plan("sid");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      "statement CordonAWSLogDeliveryWrite: its effect, principal or actions differ from Cordon's log-delivery statement",
    );
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: BUCKET,
        Policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ ...TEAM_READ, Sid: "TeamRead" }] }),
      }),
    );
    expect((await apply("sid")).status).toBe(0);
    const doc = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: BUCKET }))).Policy!);
    expect(doc.Statement.map((s: { Sid: string }) => s.Sid).sort()).toEqual([
      "CordonAWSLogDeliveryAclCheck",
      "CordonAWSLogDeliveryWrite",
      "TeamRead",
    ]);
    // What Cordon wrote on a bucket that is not Cordon's is recognised as Cordon's afterwards.
    expect((await plan("sid", "--detailed-exitcode")).status).toBe(0);
  });
});

describe("a network ACL band", () => {
  const body = (adopt: boolean) => [
    "blockedAddresses:",
    "  networkAcls:",
    `    vpcs: { ids: [${STAGING_VPC}] }`,
    ...(adopt ? ["    adopt: true"] : []),
    "  entries:",
    "    - { cidr: 203.0.113.66, reason: flooding, ticket: INC-1 }",
  ];

  it("a foreign entry in the default band 1–99 is a plan error listing it; the entry survives", async () => {
    const dir = writePolicy("nacl", "nacl", body(false));
    const r = await plan(dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`the rule band 1–99 of network ACL ${stagingAcl} holds an entry Cordon did not write`);
    expect(r.stderr).toContain("50 inbound allow tcp port 443 from 10.0.0.0/8");
    expect(r.stderr).toContain("blockedAddresses.networkAcls.adopt: true");
    const writes = await writesDuring(async () => expect((await apply(dir)).status).toBe(1));
    expect(writes).toEqual([]);
    expect((await stagingEntries()).find((e) => e.RuleNumber === 50 && e.Egress === false)).toMatchObject({
      RuleAction: "allow",
      CidrBlock: "10.0.0.0/8",
    });
  });

  it("adopt: true plans the foreign entry away visibly, and apply removes it", async () => {
    const dir = writePolicy("nacl", "nacl", body(true));
    const p = await planJson(dir);
    const band = p.changes.find((c) => c.address === A("ec2.naclEntries", stagingAcl))!;
    expect(band.action).toBe("update");
    expect(band.adopting).toBe(true);
    expect(band.reason).toMatch(/^adopting the rule band 1–99 of network ACL .* \(the policy says adopt: true\)/);
    expect(band.fields).toContainEqual({
      path: "/entries/inbound/50",
      before: { cidr: "10.0.0.0/8", action: "allow", protocol: "6", portRange: { from: 443, to: 443 } },
      after: null,
    });
    expect(band.impact.notes).toContain("adopted: 50 inbound allow tcp port 443 from 10.0.0.0/8");
    expect((await apply(dir)).status).toBe(0);
    const entries = await stagingEntries();
    expect(entries.find((e) => e.RuleNumber === 50 && e.Egress === false)).toBeUndefined();
    expect(entries.find((e) => e.RuleNumber === 1 && e.Egress === false)).toMatchObject({
      RuleAction: "deny",
      CidrBlock: "203.0.113.66/32",
    });
    const acl = await ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [stagingAcl] }));
    expect(acl.NetworkAcls?.[0]?.Tags?.find((t) => t.Key === "cordon:nacl-band")?.Value).toBe("1-99");
  });

  it("once the band is Cordon's, an entry that appears inside it is drift (as before), without adopt", async () => {
    const dir = writePolicy("nacl", "nacl", body(false));
    await ec2.send(
      new CreateNetworkAclEntryCommand({
        NetworkAclId: stagingAcl,
        RuleNumber: 60,
        Egress: false,
        RuleAction: "allow",
        Protocol: "-1",
        CidrBlock: "192.0.2.0/24",
      }),
    );
    const p = await planJson(dir);
    const band = p.changes.find((c) => c.address === A("ec2.naclEntries", stagingAcl))!;
    expect(band.adopting).toBeUndefined();
    expect(band.fields).toEqual([
      { path: "/entries/inbound/60", before: { cidr: "192.0.2.0/24", action: "allow", protocol: "-1" }, after: null },
    ]);
    expect((await apply(dir)).status).toBe(0);
    expect((await stagingEntries()).find((e) => e.RuleNumber === 60)).toBeUndefined();
  });
});

describe("web ACL and IP sets", () => {
  it("a web ACL of the same name that is not Cordon's is a plan error; adopt: true takes it over visibly", async () => {
    const body = (adopt: boolean) => [
      "webAcl:",
      "  name: partner-edge",
      ...(adopt ? ["  adopt: true"] : []),
      "  loadBalancers: { names: [cats-eyes-alb] }",
      "blockedCountries:",
      "  countries:",
      "    - { code: TV, reason: no broadcast rights }",
    ];
    const dir = writePolicy("webacl", "webacl", body(false));
    const r = await plan(dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${join(dir, "policy.yaml")}:6:9`);
    expect(r.stderr).toContain("web ACL partner-edge already exists and is not Cordon's");
    expect(r.stderr).toContain("webAcl.ownership: shared");
    expect(r.stderr).toContain("webAcl.adopt: true");
    const writes = await writesDuring(async () => expect((await apply(dir)).status).toBe(1));
    expect(writes).toEqual([]);
    expect(await wafTags("webAcl", "partner-edge")).toEqual({ team: "partner" });

    writePolicy("webacl", "webacl", body(true));
    const p = await planJson(dir);
    const acl = p.changes.find((c) => c.address === A("wafv2.webAcl", "partner-edge"))!;
    expect(acl.adopting).toBe(true);
    expect(acl.reason).toMatch(/^adopting web ACL partner-edge \(the policy says adopt: true\)/);
    expect(acl.fields.map((f) => f.path)).toEqual(
      expect.arrayContaining(["/rules/cordon-block-countries", "/rules/partner-rate-limit", "/tags/cordon:managed-by"]),
    );
    expect((await apply(dir)).status).toBe(0);
    expect(await wafTags("webAcl", "partner-edge")).toMatchObject({ team: "partner", "cordon:managed-by": "cordon" });
  });

  it("an IP set of a derived name that is not Cordon's is a plan error; adopt: true takes it over", async () => {
    const body = (adopt: boolean) => [
      "blockedAddresses:",
      "  webAcl: true",
      "  entries:",
      "    - { cidr: 203.0.113.66, reason: flooding }",
      "webAcl:",
      "  name: shop-edge",
      ...(adopt ? ["  adopt: true"] : []),
    ];
    const dir = writePolicy("ipset", "ipset", body(false));
    const r = await plan(dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("WAF IP set shop-edge-blocked-ipv4 already exists and is not Cordon's");
    expect(r.stderr).toContain("the IP sets are named after the web ACL");
    const writes = await writesDuring(async () => expect((await apply(dir)).status).toBe(1));
    expect(writes).toEqual([]);
    expect(await wafTags("ipSet", "shop-edge-blocked-ipv4")).toEqual({});

    writePolicy("ipset", "ipset", body(true));
    const p = await planJson(dir);
    const set = p.changes.find((c) => c.address === A("wafv2.ipSet", "shop-edge-blocked-ipv4"))!;
    expect(set.adopting).toBe(true);
    expect(set.fields.map((f) => [f.path, f.before, f.after])).toEqual(
      expect.arrayContaining([
        ["/addresses/198.51.100.0~124", "198.51.100.0/24", null],
        ["/addresses/203.0.113.66~132", null, "203.0.113.66/32"],
      ]),
    );
    expect((await apply(dir)).status).toBe(0);
    expect(await wafTags("ipSet", "shop-edge-blocked-ipv4")).toMatchObject({ "cordon:managed-by": "cordon" });
  });
});

describe("Glue database and table", () => {
  const body = (database: string, adopt: boolean) => [
    ...flowLogs("glue-logs-111122223333", []),
    "athena:",
    `  database: ${database}`,
    "  table: flow_logs",
    "  projectionStartDate: 2026-11-01",
    ...(adopt ? ["  adopt: true"] : []),
  ];

  it("a database that exists and is not Cordon's is a plan error and nothing is written; adopt: true takes it over", async () => {
    await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: "team_db", Description: "the data team's" } }));
    const dir = writePolicy("glue-db", "glue-db", body("team_db", false));
    const r = await plan(dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${join(dir, "policy.yaml")}:10:13`);
    expect(r.stderr).toContain("Glue database team_db already exists and is not Cordon's");
    expect(r.stderr).toContain("athena.adopt: true");
    const writes = await writesDuring(async () => expect((await apply(dir)).status).toBe(1));
    expect(writes).toEqual([]);
    expect((await glue.send(new GetDatabaseCommand({ Name: "team_db" }))).Database?.Description).toBe(
      "the data team's",
    );

    writePolicy("glue-db", "glue-db", body("team_db", true));
    const p = await planJson(dir);
    const db = p.changes.find((c) => c.address === A("glue.database", "team_db"))!;
    expect(db.action).toBe("update");
    expect(db.adopting).toBe(true);
    expect(db.fields).toEqual([
      { path: "/description", before: "the data team's", after: "VPC flow logs (managed by Cordon)" },
    ]);
    expect((await apply(dir)).status).toBe(0);
    const got = (await glue.send(new GetDatabaseCommand({ Name: "team_db" }))).Database!;
    expect(got.Parameters).toMatchObject({ "cordon:managed-by": "cordon" });
    expect((await plan(dir, "--detailed-exitcode")).status).toBe(0);
  });

  it("a table that exists and is not Cordon's is a plan error; adopt: true replaces its definition visibly and marks it", async () => {
    await glue.send(
      new CreateDatabaseCommand({
        DatabaseInput: { Name: "net_db", Parameters: { "cordon:managed-by": "cordon" } },
      }),
    );
    await glue.send(
      new CreateTableCommand({
        DatabaseName: "net_db",
        TableInput: {
          Name: "flow_logs",
          TableType: "EXTERNAL_TABLE",
          PartitionKeys: [],
          StorageDescriptor: { Columns: [{ Name: "line", Type: "string" }], Location: "s3://elsewhere/" },
          Parameters: { owner: "analytics" },
        },
      }),
    );
    const dir = writePolicy("glue-table", "glue-table", body("net_db", false));
    const r = await plan(dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("Glue table net_db.flow_logs already exists and is not Cordon's");
    expect(r.stderr).not.toContain("Glue database net_db");

    writePolicy("glue-table", "glue-table", body("net_db", true));
    const p = await planJson(dir);
    const table = p.changes.find((c) => c.address === A("glue.table", "net_db.flow_logs"))!;
    expect(table.adopting).toBe(true);
    expect(table.reason).toMatch(/^adopting Glue table net_db\.flow_logs \(the policy says adopt: true\)/);
    // Its partition keys differ: the adoption replaces its definition in place (UpdateTable), and says so.
    expect(table.action).toBe("update");
    expect(table.reason).not.toContain("(forces replacement)");
    expect(table.fields.map((f) => f.path)).toEqual(expect.arrayContaining(["/location", "/partitionKeys"]));
    expect(table.impact.notes.join("\n")).toContain("UpdateTable replaces the table's definition in place");
    const writes = await writesDuring(async () => expect((await apply(dir)).status).toBe(0));
    expect(writes.filter((w) => /^glue:\w+Table$/.test(w))).toEqual(["glue:UpdateTable"]);
    const got = (await glue.send(new GetTableCommand({ DatabaseName: "net_db", Name: "flow_logs" }))).Table!;
    // Its parameters that are not Cordon's stay.
    expect(got.Parameters).toMatchObject({ "cordon:managed-by": "cordon", owner: "analytics" });
    expect(got.StorageDescriptor?.Location).toBe("s3://glue-logs-111122223333/AWSLogs/");
    expect((await plan(dir, "--detailed-exitcode")).status).toBe(0);
  });
});
