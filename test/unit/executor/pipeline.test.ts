import { describe, expect, it } from "vitest";
import { selectTargets, targetsOf } from "../../../src/executor/pipeline.js";
import type { LoadedPolicy, Policy } from "../../../src/model/policy.js";
import type { DesiredResource, Kind } from "../../../src/model/resource.js";

const r = (kind: Kind, name: string, dependsOn: string[] = [], region = "eu-west-1"): DesiredResource => ({
  address: `111122223333/${region}/${kind}/${name}`,
  kind,
  name,
  target: { account: "111122223333", region },
  spec: {},
  mode: "enforce",
  origin: { file: "p.yaml", document: 0, section: "flowLogs" },
  dependsOn,
});

const bucket = r("s3.bucket", "b");
const policy = r("s3.bucketPolicy", "b", [bucket.address]);
const flowA = r("ec2.flowLog", "vpc-a", [policy.address]);
const flowB = r("ec2.flowLog", "vpc-b", [policy.address]);
const db = r("glue.database", "db");
const table = r("glue.table", "db.t", [db.address]);
const elsewhere = r("ec2.flowLog", "vpc-c", [], "us-east-1");
const all = [bucket, policy, flowA, flowB, db, table, elsewhere];

describe("selectTargets (--target)", () => {
  const cases = [
    { reason: "an exact address brings what it depends on", only: [flowA.address], want: [bucket, policy, flowA] },
    {
      reason: "a kind prefix selects every resource of that kind",
      only: ["111122223333/eu-west-1/ec2.flowLog"],
      want: [bucket, policy, flowA, flowB],
    },
    { reason: "a target prefix selects one account and region", only: ["111122223333/us-east-1"], want: [elsewhere] },
    { reason: "a prefix must end at a segment boundary", only: ["111122223333/eu-west-1/glue.table/db"], want: [] },
    {
      reason: "several targets combine",
      only: [table.address, flowB.address],
      want: [bucket, policy, flowB, db, table],
    },
  ];
  it.each(cases)("$reason", ({ only, want }) => {
    expect(selectTargets(all, only).map((d) => d.address)).toEqual(want.map((d) => d.address));
  });
});

describe("targetsOf", () => {
  it("gives one target per account and region, sorted, with the role of the first policy naming it", () => {
    const p = (account: string, region: string, roleArn?: string): LoadedPolicy => ({
      policy: {
        apiVersion: "cordon.dev/v1",
        kind: "Policy",
        metadata: { name: `${account}-${region}` },
        target: { account, region, ...(roleArn !== undefined ? { roleArn } : {}) },
      } as Policy,
      source: { file: "p.yaml", document: 0 },
    });
    expect(
      targetsOf([
        p("444455556666", "eu-west-1", "arn:aws:iam::444455556666:role/cordon"),
        p("111122223333", "us-east-1"),
        p("444455556666", "eu-west-1"),
      ]),
    ).toEqual([
      { account: "111122223333", region: "us-east-1" },
      { account: "444455556666", region: "eu-west-1", roleArn: "arn:aws:iam::444455556666:role/cordon" },
    ]);
  });
});
