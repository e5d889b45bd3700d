// A representative plan built the real way: policies → desiredMonitoring → observations → plan().
// It holds a create, an update with a policy diff, a flow-log replacement, a delete, no-ops and an
// observe-mode item. Used by the planner tests and the renderer goldens.

import { fingerprint, policyDigest } from "../../src/domain/fingerprint.js";
import { flowLogDiff } from "../../src/domain/flowlog.js";
import { buildLogFormat } from "../../src/domain/flowlog-fields.js";
import { glueTableDiff } from "../../src/domain/glue.js";
import { bucketPolicyDiff } from "../../src/domain/iam.js";
import type { LoadedPolicy } from "../../src/model/policy.js";
import { ABSENT_FINGERPRINT, type Address, type DesiredResource, type Observation } from "../../src/model/resource.js";
import type { BucketPolicySpec, FlowLogSpec, GlueTableSpec, Inventory } from "../../src/model/specs.js";
import { type DiffRegistry, type OwnedResource, plan } from "../../src/planner/plan.js";
import { desiredMonitoring } from "../../src/policy/desired/index.js";
import { legacyOf } from "./legacy-glue.js";

export const DIFFS: DiffRegistry = {
  "ec2.flowLog": flowLogDiff,
  "s3.bucketPolicy": bucketPolicyDiff,
  "glue.table": glueTableDiff,
};

export const PROD: LoadedPolicy = {
  source: { file: "policies/production.yaml", document: 0 },
  policy: {
    apiVersion: "cordon.dev/v1",
    kind: "Policy",
    metadata: { name: "cats-eyes-production" },
    target: { account: "111122223333", region: "eu-west-1" },
    flowLogs: {
      bucket: { name: "cats-eyes-flow-logs", create: true, prefix: "flow", retentionDays: 90 },
      vpcs: { tags: { env: "production" } },
      trafficType: "ALL",
      tags: { team: "network" },
    },
    athena: { database: "network_logs", table: "vpc_flow_logs", projectionStartDate: "2026-01-01" },
  },
};

export const STAGING: LoadedPolicy = {
  source: { file: "policies/staging.yaml", document: 0 },
  policy: {
    apiVersion: "cordon.dev/v1",
    kind: "Policy",
    metadata: { name: "cats-eyes-staging" },
    target: { account: "444455556666", region: "us-east-1" },
    flowLogs: {
      mode: "observe",
      bucket: { name: "cats-eyes-flow-logs", create: false, prefix: "flow" },
      vpcs: { ids: ["vpc-0stg"] },
    },
  },
};

export const INVENTORIES: ReadonlyMap<string, Inventory> = new Map([
  [
    "111122223333/eu-west-1",
    {
      vpcs: [
        { id: "vpc-0aaa", cidrs: ["10.0.0.0/16"], ipv6Cidrs: [], tags: { env: "production" }, isDefault: false },
        { id: "vpc-0bbb", cidrs: ["10.1.0.0/16"], ipv6Cidrs: [], tags: { env: "production" }, isDefault: false },
        { id: "vpc-0ccc", cidrs: ["172.31.0.0/16"], ipv6Cidrs: [], tags: {}, isDefault: true },
      ],
      subnets: [],
    },
  ],
  [
    "444455556666/us-east-1",
    {
      vpcs: [{ id: "vpc-0stg", cidrs: ["10.9.0.0/16"], ipv6Cidrs: [], tags: { env: "staging" }, isDefault: false }],
      subnets: [],
    },
  ],
]);

const present = <S>(live: S, id: string): Observation<S> => ({
  exists: true,
  live,
  meta: { id, fingerprint: fingerprint({ id, live }), owned: true },
});

export function representativeDesired(): {
  resources: readonly DesiredResource[];
  queries: ReturnType<typeof desiredMonitoring>["queries"];
} {
  const d = desiredMonitoring([PROD, STAGING], INVENTORIES, { today: "2026-05-01" });
  if (d.diagnostics.length > 0) throw new Error(JSON.stringify(d.diagnostics));
  return d;
}

export function representativeObservations(resources: readonly DesiredResource[]): Map<Address, Observation> {
  const observed = new Map<Address, Observation>();
  for (const r of resources) {
    switch (r.kind) {
      case "s3.bucket":
        observed.set(r.address, { exists: false, fingerprint: ABSENT_FINGERPRINT });
        break;
      case "s3.bucketPolicy": {
        const spec = r.spec as BucketPolicySpec;
        // Someone removed the staging account from the write statement.
        const statements = spec.statements.map((s) =>
          s.Sid === "CordonAWSLogDeliveryWrite"
            ? { ...s, Resource: "arn:aws:s3:::cats-eyes-flow-logs/flow/AWSLogs/111122223333/*" }
            : s,
        );
        observed.set(r.address, present({ ...spec, statements }, r.name));
        break;
      }
      case "ec2.flowLog": {
        const spec = r.spec as FlowLogSpec;
        if (r.name === "vpc-0bbb") observed.set(r.address, present({ ...spec, trafficType: "REJECT" }, "fl-0bbb"));
        else if (r.name === "vpc-0stg") observed.set(r.address, { exists: false, fingerprint: ABSENT_FINGERPRINT });
        else observed.set(r.address, present(spec, `fl-${r.name}`));
        break;
      }
      case "glue.table": {
        // As an older Cordon defined it (one `day` partition key), and without the log_status column.
        const spec = legacyOf(r.spec as GlueTableSpec, {
          hive: false,
          perHour: false,
          projectionStartDate: "2026-01-01",
        });
        observed.set(
          r.address,
          present({ ...spec, columns: spec.columns.filter((c) => c.Name !== "log_status") }, r.name),
        );
        break;
      }
      default:
        observed.set(r.address, present(r.spec, r.name));
    }
  }
  return observed;
}

export const ORPHAN: OwnedResource = {
  address: "111122223333/eu-west-1/ec2.flowLog/vpc-0old",
  kind: "ec2.flowLog",
  name: "vpc-0old",
  target: { account: "111122223333", region: "eu-west-1" },
  observation: {
    exists: true,
    live: {
      resourceId: "vpc-0old",
      resourceType: "VPC",
      trafficType: "ALL",
      logDestination: "arn:aws:s3:::cats-eyes-flow-logs/flow/",
      logFormat: buildLogFormat(["srcaddr", "dstaddr", "action"]),
      maxAggregationInterval: 600,
      fileFormat: "plain-text",
      hiveCompatiblePartitions: false,
      perHourPartition: false,
      tags: { "cordon:managed-by": "cordon", "cordon:policy": "cats-eyes-production" },
    },
    meta: { id: "fl-0old", fingerprint: "f".repeat(64), owned: true },
  },
};

export function representativePlan() {
  const d = representativeDesired();
  return plan({
    desired: d.resources,
    observed: representativeObservations(d.resources),
    owned: [ORPHAN],
    diff: DIFFS,
    policyDigest: policyDigest([PROD, STAGING]),
    createdAt: "2026-05-01T12:00:00.000Z",
    cordonVersion: "0.1.0",
    notes: [{ severity: "info", message: "web ACL cats-eyes-edge is not Cordon's: left alone" }],
    queries: d.queries,
  });
}

export function emptyPlan() {
  const d = representativeDesired();
  const observed = new Map<Address, Observation>(d.resources.map((r) => [r.address, present(r.spec, r.name)]));
  return plan({
    desired: d.resources,
    observed,
    owned: [],
    diff: DIFFS,
    policyDigest: policyDigest([PROD, STAGING]),
    createdAt: "2026-05-01T12:00:00.000Z",
    cordonVersion: "0.1.0",
  });
}

/** `n` flow logs to create: a plan too large for one GitHub comment. */
export function largePlan(n: number) {
  const resources: DesiredResource[] = [];
  for (let i = 0; i < n; i++) {
    const id = `vpc-${String(i).padStart(17, "0")}`;
    resources.push({
      address: `111122223333/eu-west-1/ec2.flowLog/${id}`,
      kind: "ec2.flowLog",
      name: id,
      target: { account: "111122223333", region: "eu-west-1" },
      spec: { ...(ORPHAN.observation.live as FlowLogSpec), resourceId: id },
      mode: "enforce",
      origin: { file: "policies/all.yaml", document: 0, section: "flowLogs" },
      dependsOn: [],
    });
  }
  return plan({
    desired: resources,
    observed: new Map(resources.map((r) => [r.address, { exists: false, fingerprint: ABSENT_FINGERPRINT }])),
    owned: [],
    diff: DIFFS,
    policyDigest: "0".repeat(64),
    createdAt: "2026-05-01T12:00:00.000Z",
    cordonVersion: "0.1.0",
  });
}
