// The Glue table reads what the flow logs write: for each S3 layout (default or Hive-compatible,
// daily or per hour, plain text or Parquet), the sandbox's traffic generator delivers flow-log
// objects in AWS's key layout (packages/sandbox/src/traffic.ts), and the table Cordon derives for
// that layout has a storage.location.template that, turned into a regular expression, matches
// every object's directory, with partition values its projection generates and that name the
// object's own UTC year, month, day and hour (from the file name's timestamp).
import { CreateFlowLogsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { CreateBucketCommand, ListObjectsV2Command, PutBucketPolicyCommand, S3Client } from "@aws-sdk/client-s3";
import { type SandboxHandle, startSandbox } from "@cordon/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_FIELDS } from "../../src/domain/flowlog-fields.js";
import { deriveGlueTable, type FlowLogLayout } from "../../src/domain/glue.js";
import { partitionPrefixes as queryPrefixes } from "../../src/query/partitions.js";
import { projectionRejects, templateRegex } from "../helpers/projection.js";

/** The S3 URIs of the window's prefixes (src/query/partitions.ts, the one pruning the local engine uses). */
const partitionPrefixes = (...a: Parameters<typeof queryPrefixes>): string[] =>
  queryPrefixes(...a).map((p) => `s3://${p.bucket}/${p.prefix}`);

process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true";

const ACCOUNT = "111122223333";
const REGION = "eu-west-1";
const BUCKET = "layout-check-logs";
const VPC = "vpc-0c47e5a1f3d2b0001";

const layouts: { prefix: string; layout: FlowLogLayout }[] = [
  {
    prefix: "default-daily",
    layout: { fileFormat: "plain-text", hiveCompatiblePartitions: false, perHourPartition: false },
  },
  {
    prefix: "default-hourly",
    layout: { fileFormat: "parquet", hiveCompatiblePartitions: false, perHourPartition: true },
  },
  { prefix: "hive-daily", layout: { fileFormat: "parquet", hiveCompatiblePartitions: true, perHourPartition: false } },
  {
    prefix: "team/hive-hourly",
    layout: { fileFormat: "plain-text", hiveCompatiblePartitions: true, perHourPartition: true },
  },
];

let sandbox: SandboxHandle;
let s3: S3Client;

beforeAll(async () => {
  sandbox = await startSandbox({ seed: "examples/cats-eyes/estate.yaml", traffic: "steady" });
  const config = { endpoint: sandbox.url, region: REGION, credentials: { accessKeyId: ACCOUNT, secretAccessKey: "x" } };
  s3 = new S3Client({ ...config, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: REGION } }));
  await s3.send(
    new PutBucketPolicyCommand({
      Bucket: BUCKET,
      Policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "delivery.logs.amazonaws.com" },
            Action: "s3:PutObject",
            Resource: `arn:aws:s3:::${BUCKET}/*`,
          },
        ],
      }),
    }),
  );
  const ec2 = new EC2Client(config);
  for (const { prefix, layout } of layouts) {
    const out = await ec2.send(
      new CreateFlowLogsCommand({
        ResourceIds: [VPC],
        ResourceType: "VPC",
        TrafficType: "ALL",
        LogDestinationType: "s3",
        LogDestination: `arn:aws:s3:::${BUCKET}/${prefix}/`,
        MaxAggregationInterval: 600,
        DestinationOptions: {
          FileFormat: layout.fileFormat,
          HiveCompatiblePartitions: layout.hiveCompatiblePartitions,
          PerHourPartition: layout.perHourPartition,
        },
      }),
    );
    expect(out.Unsuccessful ?? []).toEqual([]);
  }
  ec2.destroy();
  // Across midnight of New Year's Eve: two years, months, days and hours.
  sandbox.control.deliverTraffic({ from: "2026-12-31T23:30:00Z", to: "2027-01-01T00:30:00Z" });
});

afterAll(async () => {
  s3?.destroy();
  await sandbox?.stop();
});

describe("the table's location template matches the keys the flow logs write", () => {
  for (const { prefix, layout } of layouts) {
    it(prefix, async () => {
      const spec = deriveGlueTable({
        database: "db",
        table: "t",
        bucket: BUCKET,
        prefix,
        layout,
        fields: DEFAULT_FIELDS,
        accounts: [ACCOUNT],
        regions: [REGION],
        projectionStartDate: "2026-11-01",
      });
      const keys = (await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${prefix}/` }))).Contents?.map(
        (o) => o.Key as string,
      );
      expect(keys?.length).toBeGreaterThan(2);
      const seen = new Set<string>();
      for (const key of keys ?? []) {
        const uri = `s3://${BUCKET}/${key}`;
        const m = templateRegex(spec).exec(uri);
        expect(m, `${spec.parameters["storage.location.template"]} does not match ${uri}`).not.toBeNull();
        const file = uri.slice(m?.[0].length);
        expect(file).toMatch(/^[^/]+$/);
        const values = m?.groups ?? {};
        for (const k of spec.partitionKeys) {
          expect(
            projectionRejects(spec, k.Name, values[k.Name] as string, new Date("2027-01-01T01:00:00Z")),
          ).toBeNull();
        }
        const stamp = /_(\d{4})(\d{2})(\d{2})T(\d{2})\d{2}Z_/.exec(file);
        expect(stamp, file).not.toBeNull();
        const [, y, mo, d, h] = stamp as RegExpExecArray;
        expect(values).toEqual({
          aws_account_id: ACCOUNT,
          aws_region: REGION,
          year: y,
          month: mo,
          day: d,
          ...(layout.perHourPartition ? { hour: h } : {}),
        });
        seen.add(`${y}-${mo}-${d}T${h}`);
      }
      expect([...seen].sort()).toEqual(["2026-12-31T23", "2027-01-01T00"]);

      // The prefixes of a window select exactly the objects written for it (pruning).
      const under = (from: string, until: string) => {
        const prefixes = partitionPrefixes(spec, { from: new Date(from), until: new Date(until) });
        return (keys ?? []).filter((k) => prefixes.some((p) => `s3://${BUCKET}/${k}`.startsWith(p))).sort();
      };
      const stampOf = (k: string) => /_(\d{8}T\d{2})\d{2}Z_/.exec(k)?.[1] as string;
      expect(under("2026-12-31T00:00:00Z", "2027-01-02T00:00:00Z")).toEqual([...(keys ?? [])].sort());
      const newYear = under("2027-01-01T00:00:00Z", "2027-01-01T01:00:00Z");
      expect(newYear.length).toBeGreaterThan(0);
      expect(new Set(newYear.map(stampOf))).toEqual(new Set(["20270101T00"]));
      expect(newYear).toEqual((keys ?? []).filter((k) => stampOf(k) === "20270101T00").sort());
    });
  }
});
