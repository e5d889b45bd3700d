// Where Cordon keeps its own records for a target (lock, audit log, applied-spec record): a bucket,
// reached with the credentials of the target that owns it.
//   1. --lock-bucket B: B, with the target's own credentials;
//   2. else the flow-log bucket of the target's first policy that has one (file order), reached
//      through the target that writes its bucket policy (the bucket's owner);
//   3. else the first flow-log bucket of the whole policy set, the same way;
//   4. else none: the caller must be told to pass --lock-bucket.

import { descriptorOf } from "../handlers/registry.js";
import type { PlanDocument } from "../model/plan.js";
import type { LoadedPolicy } from "../model/policy.js";
import type { Kind, TargetRef } from "../model/resource.js";

export interface StateLocation {
  readonly bucket: string;
  /** Whose credentials reach the bucket. */
  readonly via: TargetRef;
  /** True when this run's plan creates the bucket (it may not exist yet). */
  readonly createdByPlan: boolean;
}

/** What a kind's resource is to the bucket of the same name (the kind's descriptor says). */
const toBucket = (kind: Kind) => descriptorOf(kind)?.bucket;

const sameTarget = (a: Pick<TargetRef, "account" | "region">, b: Pick<TargetRef, "account" | "region">) =>
  a.account === b.account && a.region === b.region;

export function stateLocation(
  target: TargetRef,
  policies: readonly LoadedPolicy[],
  plan: PlanDocument | null,
  lockBucket: string | undefined,
): StateLocation | null {
  const creates = (bucket: string) =>
    plan?.changes.some(
      (c) =>
        toBucket(c.kind) === "is" && c.name === bucket && (c.action === "create" || c.action === "delete-then-create"),
    ) ?? false;
  if (lockBucket !== undefined) return { bucket: lockBucket, via: target, createdByPlan: creates(lockBucket) };
  const withBucket = policies.filter((p) => p.policy.flowLogs?.bucket.name !== undefined);
  const own = withBucket.find((p) => sameTarget(p.policy.target, target)) ?? withBucket[0];
  const bucket = own?.policy.flowLogs?.bucket.name;
  if (own === undefined || bucket === undefined) return null;
  const owner = plan?.changes.find((c) => toBucket(c.kind) !== undefined && c.name === bucket);
  const via: TargetRef =
    owner?.target ??
    (sameTarget(own.policy.target, target)
      ? target
      : {
          account: own.policy.target.account,
          region: own.policy.target.region,
          ...(own.policy.target.roleArn !== undefined ? { roleArn: own.policy.target.roleArn } : {}),
          ...(own.policy.target.externalId !== undefined ? { externalId: own.policy.target.externalId } : {}),
        });
  return { bucket, via, createdByPlan: creates(bucket) };
}

/**
 * The one warning for targets with no state location (step 4 above): nothing locks their applies,
 * audits them or records what was applied, until --lock-bucket names a bucket.
 */
export function noStateLocationNote(targets: readonly string[]): string {
  const their = targets.length === 1 ? "its policies name" : "their policies name";
  return `no lock, audit log or applied record for ${targets.join(", ")}: ${their} no flow-log bucket (blocking only); pass --lock-bucket NAME, the same bucket to apply, drift and watch`;
}
