import { describe, expect, it } from "vitest";
import {
  DEFAULT_LOG_FORMAT,
  flowLogDiff,
  type LiveFlowLogItem,
  normalizeLiveFlowLog,
  normalizeS3Destination,
} from "../../../src/domain/flowlog.js";
import { buildLogFormat } from "../../../src/domain/flowlog-fields.js";
import type { FlowLogSpec } from "../../../src/model/specs.js";

const desired: FlowLogSpec = {
  resourceId: "vpc-0abc",
  resourceType: "VPC",
  trafficType: "ALL",
  logDestination: "arn:aws:s3:::logs/flow/",
  logFormat: DEFAULT_LOG_FORMAT,
  maxAggregationInterval: 600,
  fileFormat: "plain-text",
  hiveCompatiblePartitions: false,
  perHourPartition: false,
  tags: { "cordon:managed-by": "cordon", "cordon:policy": "p" },
};

const liveBase: LiveFlowLogItem = {
  FlowLogId: "fl-1",
  ResourceId: "vpc-0abc",
  TrafficType: "ALL",
  LogDestinationType: "s3",
  LogDestination: "arn:aws:s3:::logs/flow/",
  LogFormat: DEFAULT_LOG_FORMAT,
  MaxAggregationInterval: 600,
  DestinationOptions: { FileFormat: "plain-text", HiveCompatiblePartitions: false, PerHourPartition: false },
  Tags: [
    { Key: "cordon:policy", Value: "p" },
    { Key: "cordon:managed-by", Value: "cordon" },
  ],
};

describe("normalizeLiveFlowLog: echoed or omitted defaults are not drift", () => {
  const cases: { reason: string; live: LiveFlowLogItem }[] = [
    { reason: "everything echoed", live: liveBase },
    { reason: "LogFormat absent means the default format", live: { ...liveBase, LogFormat: undefined } },
    {
      reason: "LogFormat with other whitespace",
      live: { ...liveBase, LogFormat: `  ${DEFAULT_LOG_FORMAT.replaceAll(" ", "  ")} ` },
    },
    { reason: "no trailing slash on the destination", live: { ...liveBase, LogDestination: "arn:aws:s3:::logs/flow" } },
    {
      reason: "doubled slashes in the destination",
      live: { ...liveBase, LogDestination: "arn:aws:s3:::logs//flow//" },
    },
    { reason: "DestinationOptions absent means AWS's defaults", live: { ...liveBase, DestinationOptions: undefined } },
    { reason: "DestinationOptions members absent", live: { ...liveBase, DestinationOptions: {} } },
    { reason: "MaxAggregationInterval absent means 600", live: { ...liveBase, MaxAggregationInterval: undefined } },
    {
      reason: "AWS-reserved aws: tags are ignored",
      live: { ...liveBase, Tags: [...(liveBase.Tags ?? []), { Key: "aws:cloudformation:stack-name", Value: "x" }] },
    },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      expect(flowLogDiff(desired, normalizeLiveFlowLog(c.live))).toEqual({ fields: [], replace: false });
    });
  }

  it("derives the resource type from the id", () => {
    expect(normalizeLiveFlowLog({ ...liveBase, ResourceId: "subnet-1" }).resourceType).toBe("Subnet");
  });
});

describe("normalizeS3Destination", () => {
  const cases = [
    { reason: "bucket only stays bare", in: "arn:aws:s3:::b", out: "arn:aws:s3:::b" },
    { reason: "bucket with a lone slash is bare", in: "arn:aws:s3:::b/", out: "arn:aws:s3:::b" },
    { reason: "prefix gets one trailing slash", in: "arn:aws:s3:::b/p/q", out: "arn:aws:s3:::b/p/q/" },
    { reason: "other partitions keep theirs", in: "arn:aws-cn:s3:::b/p", out: "arn:aws-cn:s3:::b/p/" },
  ];
  for (const c of cases) it(c.reason, () => expect(normalizeS3Destination(c.in)).toBe(c.out));
});

describe("flowLogDiff: every field but tags forces replacement", () => {
  const cases: { reason: string; live: LiveFlowLogItem; paths: string[]; replace: boolean }[] = [
    { reason: "traffic type", live: { ...liveBase, TrafficType: "REJECT" }, paths: ["/trafficType"], replace: true },
    {
      reason: "destination",
      live: { ...liveBase, LogDestination: "arn:aws:s3:::other" },
      paths: ["/logDestination"],
      replace: true,
    },
    {
      reason: "format",
      live: { ...liveBase, LogFormat: buildLogFormat(["srcaddr"]) },
      paths: ["/logFormat"],
      replace: true,
    },
    {
      reason: "aggregation interval",
      live: { ...liveBase, MaxAggregationInterval: 60 },
      paths: ["/maxAggregationInterval"],
      replace: true,
    },
    {
      reason: "destination options",
      live: { ...liveBase, DestinationOptions: { FileFormat: "parquet", PerHourPartition: true } },
      paths: ["/fileFormat", "/perHourPartition"],
      replace: true,
    },
    {
      reason: "a missing tag is an in-place change",
      live: { ...liveBase, Tags: [{ Key: "cordon:managed-by", Value: "cordon" }] },
      paths: ["/tags/cordon:policy"],
      replace: false,
    },
    {
      reason: "a foreign tag is an in-place change (removed)",
      live: { ...liveBase, Tags: [...(liveBase.Tags ?? []), { Key: "team", Value: "x" }] },
      paths: ["/tags/team"],
      replace: false,
    },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      const d = flowLogDiff(desired, normalizeLiveFlowLog(c.live));
      expect(d.fields.map((f) => f.path)).toEqual(c.paths);
      expect(d.replace).toBe(c.replace);
      for (const f of d.fields) expect(f.forcesReplacement === true).toBe(c.replace);
    });
  }
});
