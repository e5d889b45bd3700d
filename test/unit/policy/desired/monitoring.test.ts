import { describe, expect, it } from "vitest";
import type { LoadedPolicy, Policy } from "../../../../src/model/policy.js";
import type { BucketPolicySpec, FlowLogSpec, GlueTableSpec, Inventory } from "../../../../src/model/specs.js";
import { desiredMonitoring } from "../../../../src/policy/desired/index.js";
import { INVENTORIES, PROD, STAGING } from "../../../helpers/plan-fixture.js";

const loaded = (file: string, policy: Partial<Policy> & Pick<Policy, "target">): LoadedPolicy => ({
  source: { file, document: 0 },
  policy: { apiVersion: "cordon.dev/v1", kind: "Policy", metadata: { name: file.replace(/\W/g, "-") }, ...policy },
});

const inv = (
  vpcs: { id: string; tags?: Record<string, string> }[],
  subnets: { id: string; vpcId: string; tags?: Record<string, string> }[] = [],
): Inventory => ({
  vpcs: vpcs.map((v) => ({ id: v.id, cidrs: [], ipv6Cidrs: [], tags: v.tags ?? {}, isDefault: false })),
  subnets: subnets.map((s) => ({ id: s.id, vpcId: s.vpcId, cidr: "10.0.0.0/24", tags: s.tags ?? {} })),
});

const T = { account: "111122223333", region: "eu-west-1" };
const K = "111122223333/eu-west-1";
const bucket = { name: "logs", create: false };

describe("desiredMonitoring: the representative policies", () => {
  const d = desiredMonitoring([STAGING, PROD], INVENTORIES, { today: "2026-05-01" });

  it("derives every resource, sorted by address, with dependencies bucket ← policy ← flow logs, database ← table", () => {
    expect(d.diagnostics).toEqual([]);
    expect(d.resources.map((r) => r.address)).toEqual([
      "111122223333/eu-west-1/ec2.flowLog/vpc-0aaa",
      "111122223333/eu-west-1/ec2.flowLog/vpc-0bbb",
      "111122223333/eu-west-1/glue.database/network_logs",
      "111122223333/eu-west-1/glue.table/network_logs.vpc_flow_logs",
      "111122223333/eu-west-1/s3.bucket/cats-eyes-flow-logs",
      "111122223333/eu-west-1/s3.bucketPolicy/cats-eyes-flow-logs",
      "444455556666/us-east-1/ec2.flowLog/vpc-0stg",
    ]);
    const by = new Map(d.resources.map((r) => [r.address, r]));
    expect(by.get("111122223333/eu-west-1/s3.bucketPolicy/cats-eyes-flow-logs")?.dependsOn).toEqual([
      "111122223333/eu-west-1/s3.bucket/cats-eyes-flow-logs",
    ]);
    expect(by.get("444455556666/us-east-1/ec2.flowLog/vpc-0stg")?.dependsOn).toEqual([
      "111122223333/eu-west-1/s3.bucketPolicy/cats-eyes-flow-logs",
    ]);
    expect(by.get("111122223333/eu-west-1/glue.table/network_logs.vpc_flow_logs")?.dependsOn).toEqual([
      "111122223333/eu-west-1/glue.database/network_logs",
    ]);
    expect(by.get("444455556666/us-east-1/ec2.flowLog/vpc-0stg")?.mode).toBe("observe");
  });

  it("writes one bucket policy covering every account and region writing into the bucket", () => {
    const p = d.resources.find((r) => r.kind === "s3.bucketPolicy")?.spec as BucketPolicySpec;
    expect(p.statements).toEqual([
      {
        Sid: "CordonAWSLogDeliveryAclCheck",
        Effect: "Allow",
        Principal: { Service: "delivery.logs.amazonaws.com" },
        Action: ["s3:GetBucketAcl", "s3:ListBucket"],
        Resource: "arn:aws:s3:::cats-eyes-flow-logs",
        Condition: {
          ArnLike: {
            "aws:SourceArn": ["arn:aws:logs:eu-west-1:111122223333:*", "arn:aws:logs:us-east-1:444455556666:*"],
          },
          StringEquals: { "aws:SourceAccount": ["111122223333", "444455556666"] },
        },
      },
      {
        Sid: "CordonAWSLogDeliveryWrite",
        Effect: "Allow",
        Principal: { Service: "delivery.logs.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: [
          "arn:aws:s3:::cats-eyes-flow-logs/flow/AWSLogs/111122223333/*",
          "arn:aws:s3:::cats-eyes-flow-logs/flow/AWSLogs/444455556666/*",
        ],
        Condition: {
          ArnLike: {
            "aws:SourceArn": ["arn:aws:logs:eu-west-1:111122223333:*", "arn:aws:logs:us-east-1:444455556666:*"],
          },
          StringEquals: {
            "aws:SourceAccount": ["111122223333", "444455556666"],
            "s3:x-amz-acl": "bucket-owner-full-control",
          },
        },
      },
    ]);
  });

  it("spells the flow-log spec out: normalised destination, default format, user + ownership tags", () => {
    const f = d.resources.find((r) => r.name === "vpc-0aaa")?.spec as FlowLogSpec;
    expect(f.logDestination).toBe("arn:aws:s3:::cats-eyes-flow-logs/flow/");
    expect(f.logFormat).toMatch(/^\$\{version\} \$\{account-id\}.*\$\{log-status\}$/);
    expect(f.tags).toEqual({ team: "network", "cordon:managed-by": "cordon", "cordon:policy": "cats-eyes-production" });
    expect(f.maxAggregationInterval).toBe(600);
  });

  it("covers every account and region of the same location in the table, and returns the query", () => {
    const t = d.resources.find((r) => r.kind === "glue.table")?.spec as GlueTableSpec;
    expect(t.parameters["projection.aws_account_id.values"]).toBe("111122223333,444455556666");
    expect(t.parameters["projection.aws_region.values"]).toBe("eu-west-1,us-east-1");
    expect(d.queries).toHaveLength(1);
    expect(d.queries[0]?.sql).toContain(
      "AND ((year = '2026' AND month = '04' AND day = '30') OR (year = '2026' AND month = '05' AND day = '01'))",
    );
  });

  it("does not depend on the order of the policies", () => {
    expect(desiredMonitoring([PROD, STAGING], INVENTORIES, { today: "2026-05-01" })).toEqual(d);
  });
});

describe("desiredMonitoring: selectors", () => {
  const inventory = new Map([
    [
      K,
      inv(
        [
          { id: "vpc-a", tags: { env: "prod", team: "x" } },
          { id: "vpc-b", tags: { env: "prod" } },
          { id: "vpc-c", tags: { env: "dev", team: "y" } },
        ],
        [
          { id: "subnet-a1", vpcId: "vpc-a", tags: { tier: "public" } },
          { id: "subnet-a2", vpcId: "vpc-a", tags: { tier: "private" } },
          { id: "subnet-c1", vpcId: "vpc-c", tags: { tier: "public" } },
        ],
      ),
    ],
  ]);
  const cases: {
    reason: string;
    flowLogs: Omit<NonNullable<Policy["flowLogs"]>, "bucket">;
    names: string[];
    codes: string[];
  }[] = [
    { reason: "ids", flowLogs: { vpcs: { ids: ["vpc-b", "vpc-a"] } }, names: ["vpc-a", "vpc-b"], codes: [] },
    {
      reason: "a missing id is an error naming the policy file",
      flowLogs: { vpcs: { ids: ["vpc-a", "vpc-zzz"] } },
      names: ["vpc-a"],
      codes: ["selector.vpc-not-found"],
    },
    { reason: "tags are ANDed", flowLogs: { vpcs: { tags: { env: "prod", team: "x" } } }, names: ["vpc-a"], codes: [] },
    {
      reason: '"*" matches any value of a present key',
      flowLogs: { vpcs: { tags: { team: "*" } } },
      names: ["vpc-a", "vpc-c"],
      codes: [],
    },
    { reason: "all", flowLogs: { vpcs: { all: true } }, names: ["vpc-a", "vpc-b", "vpc-c"], codes: [] },
    {
      reason: "a tag selector matching nothing is a warning",
      flowLogs: { vpcs: { tags: { env: "qa" } } },
      names: [],
      codes: ["selector.empty"],
    },
    {
      reason: "subnets by tag within the selected VPCs",
      flowLogs: { vpcs: { tags: { env: "prod" } }, subnets: { tags: { tier: "public" } } },
      names: ["subnet-a1"],
      codes: [],
    },
    {
      reason: "a subnet id outside the selected VPCs is an error",
      flowLogs: { vpcs: { ids: ["vpc-a"] }, subnets: { ids: ["subnet-a2", "subnet-c1"] } },
      names: ["subnet-a2"],
      codes: ["selector.subnet-outside-vpcs"],
    },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      const d = desiredMonitoring([loaded("p.yaml", { target: T, flowLogs: { bucket, ...c.flowLogs } })], inventory, {
        today: "2026-05-01",
      });
      expect(d.resources.filter((r) => r.kind === "ec2.flowLog").map((r) => r.name)).toEqual(c.names);
      expect(d.diagnostics.map((x) => x.code)).toEqual(c.codes);
      for (const x of d.diagnostics) expect(x.file).toBe("p.yaml");
      if (c.flowLogs.subnets) {
        for (const r of d.resources.filter((x) => x.kind === "ec2.flowLog"))
          expect((r.spec as FlowLogSpec).resourceType).toBe("Subnet");
      }
    });
  }
  it("points a missing id at its array element", () => {
    const d = desiredMonitoring(
      [loaded("p.yaml", { target: T, flowLogs: { bucket, vpcs: { ids: ["vpc-a", "vpc-zzz"] } } })],
      inventory,
      { today: "2026-05-01" },
    );
    expect(d.diagnostics[0]).toMatchObject({
      severity: "error",
      pointer: "/flowLogs/vpcs/ids/1",
      message: expect.stringContaining("vpc-zzz"),
    });
  });
});

describe("desiredMonitoring: buckets shared across policies", () => {
  const two = new Map([
    [K, inv([{ id: "vpc-a" }])],
    ["444455556666/us-east-1", inv([{ id: "vpc-b" }])],
  ]);
  const other = { account: "444455556666", region: "us-east-1" };

  it("no bucket resource when create is false; Hive layout and a bare bucket in the write resource", () => {
    const d = desiredMonitoring(
      [
        loaded("a.yaml", {
          target: T,
          flowLogs: { bucket: { name: "logs", create: false }, vpcs: { all: true }, hiveCompatiblePartitions: true },
        }),
      ],
      two,
      { today: "2026-05-01" },
    );
    expect(d.resources.some((r) => r.kind === "s3.bucket")).toBe(false);
    const p = d.resources.find((r) => r.kind === "s3.bucketPolicy")?.spec as BucketPolicySpec;
    expect(p.statements.find((s) => s.Sid === "CordonAWSLogDeliveryWrite")?.Resource).toBe(
      "arn:aws:s3:::logs/AWSLogs/aws-account-id=111122223333/*",
    );
  });

  it("two policies creating the same bucket in different accounts is an error on the second", () => {
    const d = desiredMonitoring(
      [
        loaded("a.yaml", { target: T, flowLogs: { bucket: { name: "logs" }, vpcs: { all: true } } }),
        loaded("b.yaml", { target: other, flowLogs: { bucket: { name: "logs" }, vpcs: { all: true } } }),
      ],
      two,
      { today: "2026-05-01" },
    );
    expect(d.diagnostics.map((x) => [x.file, x.code])).toEqual([["b.yaml", "desired.bucket-conflict"]]);
    expect(d.resources.filter((r) => r.kind === "s3.bucket").map((r) => r.address)).toEqual([
      "111122223333/eu-west-1/s3.bucket/logs",
    ]);
  });

  it("a bucket nobody creates, written by several accounts: a warning naming the assumed owner", () => {
    const d = desiredMonitoring(
      [
        loaded("a.yaml", { target: T, flowLogs: { bucket: { name: "logs", create: false }, vpcs: { all: true } } }),
        loaded("b.yaml", {
          target: other,
          flowLogs: { bucket: { name: "logs", create: false, prefix: "/x/" }, vpcs: { all: true } },
        }),
      ],
      two,
      { today: "2026-05-01" },
    );
    expect(d.diagnostics.map((x) => [x.severity, x.code])).toEqual([["warning", "desired.bucket-owner-assumed"]]);
    const p = d.resources.find((r) => r.kind === "s3.bucketPolicy");
    expect(p?.target.account).toBe("111122223333");
    expect(
      (p!.spec as BucketPolicySpec).statements.find((s) => s.Sid === "CordonAWSLogDeliveryWrite")?.Resource,
    ).toEqual(["arn:aws:s3:::logs/AWSLogs/111122223333/*", "arn:aws:s3:::logs/x/AWSLogs/444455556666/*"]);
  });

  it("athena without flowLogs is an error", () => {
    const d = desiredMonitoring(
      [loaded("a.yaml", { target: T, athena: { database: "d", table: "t", projectionStartDate: "2026-01-01" } })],
      two,
      { today: "2026-05-01" },
    );
    expect(d.diagnostics.map((x) => x.code)).toEqual(["athena.needs-flow-logs"]);
  });

  it("a table skips writers with another layout under the same location, with a warning", () => {
    const d = desiredMonitoring(
      [
        loaded("a.yaml", {
          target: T,
          flowLogs: { bucket, vpcs: { all: true } },
          athena: { database: "d", table: "t", projectionStartDate: "2026-01-01" },
        }),
        loaded("b.yaml", { target: other, flowLogs: { bucket, vpcs: { all: true }, fileFormat: "parquet" } }),
      ],
      two,
      { today: "2026-05-01" },
    );
    expect(d.diagnostics.map((x) => x.code)).toEqual(["desired.bucket-owner-assumed", "athena.mixed-layout"]);
    const t = d.resources.find((r) => r.kind === "glue.table")?.spec as GlueTableSpec;
    expect(t.parameters["projection.aws_account_id.values"]).toBe("111122223333");
  });

  it("a missing inventory is an error", () => {
    const d = desiredMonitoring(
      [
        loaded("a.yaml", {
          target: { account: "999999999999", region: "eu-west-1" },
          flowLogs: { bucket, vpcs: { all: true } },
        }),
      ],
      two,
      { today: "2026-05-01" },
    );
    expect(d.diagnostics.map((x) => x.code)).toEqual(["desired.no-inventory"]);
  });
});
