// A central log-archive bucket (docs/targets.md, "A central log-archive bucket"): flow logs of many
// accounts delivered to one bucket owned by a log-archive account. Two sides:
//
// - the archive policy (`flowLogs.bucket.sources`): in the archive account, manages the bucket and
//   its delivery bucket policy, which admits every source account in every source region;
// - a source policy (`flowLogs.bucket.account`: the archive account): declares flow logs into that
//   bucket and never creates or configures it (no bucket, bucket policy or public access block).
//
// Pure rules over a policy; the cross-policy checks are in src/policy/log-archive.ts.
import { type BucketSpec, POLICY_DEFAULTS, type Policy } from "../model/policy.js";

/** Accounts × regions that deliver to a central bucket. */
export interface SourceList {
  readonly accounts: readonly string[];
  readonly regions: readonly string[];
}

/** True when the policy's flow logs go to a bucket of another account (`bucket.account`). */
export const deliversToArchive = (policy: Pick<Policy, "flowLogs">): boolean =>
  policy.flowLogs?.bucket.account !== undefined;

/** Whether this policy creates its flow-log bucket: `create`, which defaults to false with `account`. */
export const createsBucket = (bucket: BucketSpec): boolean =>
  bucket.create ?? (bucket.account === undefined ? POLICY_DEFAULTS.bucketCreate : false);

/**
 * The archive policy's sources once the loader resolved a list name (src/policy/targets.ts); null
 * when the policy is no archive policy. A name still unresolved (a load error was reported) is null.
 */
export function archiveSources(policy: Pick<Policy, "flowLogs">): SourceList | null {
  const sources = policy.flowLogs?.bucket.sources;
  return sources === undefined || typeof sources === "string" ? null : sources;
}

/** Every (account, region) of a source list, accounts first, in the order written. */
export const sourcePairs = (list: SourceList): { account: string; region: string }[] =>
  list.accounts.flatMap((account) => list.regions.map((region) => ({ account, region })));

/** True when `list` holds the account in the region. */
export const admits = (list: SourceList, account: string, region: string): boolean =>
  list.accounts.includes(account) && list.regions.includes(region);
