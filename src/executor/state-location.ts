// Where Cordon keeps its own records for a target (lock, audit log, applied-spec record): a bucket,
// reached with the credentials of the target that owns it.
//   1. --lock-bucket B: B, with the target's own credentials;
//   2. else the flow-log bucket of the target's first policy that has one (file order), reached
//      through the target that writes its bucket policy (the bucket's owner); a bucket of another
//      account (flowLogs.bucket.account) counts only when its archive policy is loaded, and is
//      reached through that policy's target;
//   3. else the first flow-log bucket of the whole policy set, the same way;
//   4. else none: the caller must be told to pass --lock-bucket.

import { deliversToArchive } from "../domain/log-archive.js";
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
  // A policy of the bucket's own account: one delivering to another account's bucket (a central
  // log-archive bucket) never reaches it with its own credentials, but through the archive's policy.
  const managers = new Map<string, LoadedPolicy>();
  for (const q of policies) {
    const name = q.policy.flowLogs?.bucket.name;
    if (name !== undefined && !deliversToArchive(q.policy) && !managers.has(name)) managers.set(name, q);
  }
  const manager = (p: LoadedPolicy) =>
    !deliversToArchive(p.policy) ? p : managers.get(p.policy.flowLogs?.bucket.name ?? "");
  const withBucket = policies.filter((p) => p.policy.flowLogs?.bucket.name !== undefined && manager(p) !== undefined);
  const own = withBucket.find((p) => sameTarget(p.policy.target, target)) ?? withBucket[0];
  const bucket = own?.policy.flowLogs?.bucket.name;
  if (own === undefined || bucket === undefined) return null;
  const holder = (manager(own) as LoadedPolicy).policy.target;
  const owner = plan?.changes.find((c) => toBucket(c.kind) !== undefined && c.name === bucket);
  const via: TargetRef =
    owner?.target ??
    (sameTarget(holder, target)
      ? target
      : {
          account: holder.account,
          region: holder.region,
          ...(holder.roleArn !== undefined ? { roleArn: holder.roleArn } : {}),
          ...(holder.externalId !== undefined ? { externalId: holder.externalId } : {}),
        });
  return { bucket, via, createdByPlan: creates(bucket) };
}

/**
 * The one warning for targets with no state location (step 4 above): nothing locks their applies,
 * audits them or records what was applied, until --lock-bucket names a bucket.
 */
export function noStateLocationNote(targets: readonly string[]): string {
  const their = targets.length === 1 ? "its policies name" : "their policies name";
  return `no lock, audit log or applied record for ${targets.join(", ")}: ${their} no flow-log bucket Cordon reaches (blocking only, or another account's bucket whose policy is not loaded); pass --lock-bucket NAME, the same bucket to apply, drift and watch`;
}
