// s3.bucket — the log bucket, when the policy says Cordon creates it. name = bucket name.
//
// Desired: created in the target's region, all four Block Public Access settings on, default
// encryption, Cordon's lifecycle rule (ID "cordon-retention") when retentionDays is set, and
// Cordon's tags. The lifecycle rule's filter is the flow-log key prefix ("<prefix>/AWSLogs/"):
// it never expires the bucket's other objects or Cordon's own records under cordon/; a rule of an
// earlier version with an empty prefix reads as a different prefix and is planned as an update.
// Everything that is not Cordon's is kept: PutBucketTagging and PutBucketLifecycleConfiguration
// replace the whole set, so the bucket's other tags and other lifecycle rules are written back
// with ours. Cordon never deletes a bucket (it holds the logs): delete releases it (removes
// Cordon's tags and lifecycle rule) and leaves the bucket and its data.
//
// Ownership: the tag cordon:managed-by=cordon. A bucket of the desired name that exists without it
// is foreign: the plan refuses it unless the policy says adopt: true, and update refuses to change
// it unless the change is that adoption.

import type { LifecycleRule } from "@aws-sdk/client-s3";
import { isNotFound } from "../aws/errors.js";
import type { S3Port, TargetPorts } from "../aws/ports.js";
import { inPlaceDiff } from "../domain/diff.js";
import { fingerprint } from "../domain/fingerprint.js";
import { createsBucket } from "../domain/log-archive.js";
import { AwsError, ConflictError } from "../model/errors.js";
import { ABSENT_FINGERPRINT, type Observation } from "../model/resource.js";
import { type BucketSpec, OWNERSHIP, type Tags } from "../model/specs.js";
import { APPLIED_TAG, specDigest } from "./applied-tag.js";
import type { Handler, HandlerContext, KindDescriptor } from "./contract.js";

type Ctx = HandlerContext<TargetPorts>;
type Live = Observation<BucketSpec> & { exists: true };

export const RETENTION_RULE_ID = "cordon-retention";

const orNull = async <T>(p: Promise<T>): Promise<T | null> => {
  try {
    return await p;
  } catch (e) {
    if (isNotFound(e)) return null;
    throw e;
  }
};

interface BucketFacts {
  readonly spec: BucketSpec;
  readonly allTags: Tags;
  readonly foreignRules: readonly LifecycleRule[];
}

async function readBucket(s3: S3Port, name: string, fallbackRegion: string): Promise<BucketFacts | null> {
  const head = await orNull(s3.headBucket({ Bucket: name }));
  if (head === null) return null;
  const [pab, enc, life, tagging] = await Promise.all([
    orNull(s3.getPublicAccessBlock({ Bucket: name })),
    orNull(s3.getBucketEncryption({ Bucket: name })),
    orNull(s3.getBucketLifecycleConfiguration({ Bucket: name })),
    orNull(s3.getBucketTagging({ Bucket: name })),
  ]);
  const c = pab?.PublicAccessBlockConfiguration;
  const blockPublicAccess =
    c?.BlockPublicAcls === true &&
    c.IgnorePublicAcls === true &&
    c.BlockPublicPolicy === true &&
    c.RestrictPublicBuckets === true;
  const algorithm =
    enc?.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm;
  // Every bucket has SSE-S3 by default (docs/aws-behaviour.md, "Bucket defaults"): no configuration reads as AES256.
  const encryption: BucketSpec["encryption"] =
    algorithm === "aws:kms" || algorithm === "aws:kms:dsse" ? "aws:kms" : "AES256";
  const rules = life?.Rules ?? [];
  const ours = rules.find((r) => r.ID === RETENTION_RULE_ID);
  const days = ours?.Status === "Enabled" ? (ours.Expiration?.Days ?? null) : null;
  // The rule's prefix: Filter.Prefix, inside Filter.And, or the legacy top-level Prefix; none = "".
  const prefix = ours?.Filter?.Prefix ?? ours?.Filter?.And?.Prefix ?? ours?.Prefix ?? "";
  const allTags: Record<string, string> = {};
  for (const t of tagging?.TagSet ?? []) if (t.Key !== undefined) allTags[t.Key] = t.Value ?? "";
  return {
    spec: {
      name,
      region: head.BucketRegion ?? fallbackRegion,
      blockPublicAccess,
      encryption,
      retentionDays: days,
      retentionPrefix: days === null ? null : prefix,
      tags: allTags,
    },
    allTags,
    foreignRules: rules.filter((r) => r.ID !== RETENTION_RULE_ID),
  };
}

const sortTags = (t: Tags): Tags => Object.fromEntries(Object.entries(t).sort(([a], [b]) => (a < b ? -1 : 1)));

/** Only the tags a diff may look at: the desired keys and Cordon's own. */
const comparableTags = (all: Tags, desired: Tags): Tags =>
  sortTags(
    Object.fromEntries(
      Object.entries(all).filter(([k]) => k !== APPLIED_TAG && (k in desired || k.startsWith("cordon:"))),
    ),
  );

const foreignTags = (all: Tags): Tags =>
  Object.fromEntries(Object.entries(all).filter(([k]) => !k.startsWith("cordon:")));

async function writeTags(s3: S3Port, bucket: string, tags: Tags): Promise<void> {
  const TagSet = Object.entries(sortTags(tags)).map(([Key, Value]) => ({ Key, Value }));
  await s3.putBucketTagging({ Bucket: bucket, Tagging: { TagSet } });
}

/** Writes Cordon's rule (none when `days` is null) with the bucket's other rules, kept as read. */
async function writeLifecycle(
  s3: S3Port,
  bucket: string,
  retention: { readonly days: number | null; readonly prefix: string | null },
  foreign: readonly LifecycleRule[],
): Promise<void> {
  const rules: LifecycleRule[] = [...foreign];
  if (retention.days !== null) {
    // Never an empty filter: that would expire every object of the bucket.
    if (retention.prefix === null || retention.prefix === "") {
      throw new ConflictError(`bucket ${bucket}: refusing to write a lifecycle rule without a key prefix`);
    }
    rules.push({
      ID: RETENTION_RULE_ID,
      Status: "Enabled",
      Filter: { Prefix: retention.prefix },
      Expiration: { Days: retention.days },
    });
  }
  if (rules.length === 0) await orNull(s3.deleteBucketLifecycle({ Bucket: bucket }));
  else await s3.putBucketLifecycleConfiguration({ Bucket: bucket, LifecycleConfiguration: { Rules: rules } });
}

/** Writes every part of `want` that differs from `have` (all of it when `have` is null). */
async function configure(s3: S3Port, want: BucketSpec, have: BucketFacts | null): Promise<void> {
  const name = want.name;
  const jobs: Promise<unknown>[] = [];
  if (have === null || have.spec.blockPublicAccess !== want.blockPublicAccess) {
    const on = want.blockPublicAccess;
    jobs.push(
      s3.putPublicAccessBlock({
        Bucket: name,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: on,
          IgnorePublicAcls: on,
          BlockPublicPolicy: on,
          RestrictPublicBuckets: on,
        },
      }),
    );
  }
  if (have === null || have.spec.encryption !== want.encryption) {
    jobs.push(
      s3.putBucketEncryption({
        Bucket: name,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: want.encryption } }],
        },
      }),
    );
  }
  if (
    have === null
      ? want.retentionDays !== null
      : have.spec.retentionDays !== want.retentionDays || have.spec.retentionPrefix !== want.retentionPrefix
  ) {
    jobs.push(
      writeLifecycle(s3, name, { days: want.retentionDays, prefix: want.retentionPrefix }, have?.foreignRules ?? []),
    );
  }
  const tags = {
    ...foreignTags(have?.allTags ?? {}),
    ...want.tags,
    [OWNERSHIP.tagKey]: OWNERSHIP.tagValue,
    [APPLIED_TAG]: specDigest(want),
  };
  if (have === null || fingerprint(sortTags(tags)) !== fingerprint(sortTags(have.allTags))) {
    jobs.push(writeTags(s3, name, tags));
  }
  await Promise.all(jobs);
}

function observation(facts: BucketFacts, desiredTags: Tags): Live {
  return {
    exists: true,
    live: { ...facts.spec, tags: comparableTags(facts.allTags, desiredTags) },
    meta: {
      id: facts.spec.name,
      arn: `arn:aws:s3:::${facts.spec.name}`,
      fingerprint: fingerprint(facts.spec),
      tags: facts.allTags,
      owned: facts.allTags[OWNERSHIP.tagKey] === OWNERSHIP.tagValue,
    },
  };
}

export const bucketHandler: Handler<BucketSpec, TargetPorts> = {
  kind: "s3.bucket",

  async observe(ctx: Ctx, desired) {
    const s3 = await ctx.aws.s3();
    const facts = await readBucket(s3, desired.spec.name, ctx.target.region);
    return facts === null ? { exists: false, fingerprint: ABSENT_FINGERPRINT } : observation(facts, desired.spec.tags);
  },

  diff: (desired, live) =>
    inPlaceDiff({ ...desired, tags: sortTags(desired.tags) }, { ...live, tags: sortTags(live.tags) }),

  foreign: (desired, observed) =>
    observed.meta.owned
      ? null
      : {
          what: `bucket ${desired.spec.name}`,
          problem: `already exists and is not Cordon's (no tag ${OWNERSHIP.tagKey}=${OWNERSHIP.tagValue})`,
          details: [],
        },

  async create(ctx, desired) {
    const s3 = await ctx.aws.s3();
    const name = desired.spec.name;
    try {
      // The SDK sets CreateBucketConfiguration.LocationConstraint from the client's region
      // (none for us-east-1), so the bucket is made in the target's region.
      await s3.createBucket({ Bucket: name });
    } catch (e) {
      if (!(e instanceof AwsError && e.awsCode === "BucketAlreadyOwnedByYou")) {
        if (e instanceof AwsError && e.awsCode === "BucketAlreadyExists") {
          throw new AwsError(
            "CreateBucket",
            `s3://${name}`,
            e.awsCode,
            "the bucket name is taken by another AWS account; choose another name",
          );
        }
        throw e;
      }
    }
    const have = await readBucket(s3, name, desired.spec.region);
    await configure(s3, desired.spec, have);
    return null;
  },

  async update(ctx, desired, live) {
    if (!live.meta.owned && desired.adopt !== true) {
      throw new ConflictError(
        `bucket ${desired.spec.name} is not Cordon's (no tag ${OWNERSHIP.tagKey}=${OWNERSHIP.tagValue}): not changing it; set flowLogs.bucket.adopt: true to take it over`,
      );
    }
    const s3 = await ctx.aws.s3();
    // Read again: the tag set and lifecycle rules are replaced whole, so merge with what is there now.
    const have = await readBucket(s3, desired.spec.name, desired.spec.region);
    await configure(s3, desired.spec, have);
  },

  async delete(ctx, _address, live) {
    const s3 = await ctx.aws.s3();
    const have = await readBucket(s3, live.live.name, live.live.region);
    if (have === null) return;
    if (have.spec.retentionDays !== null) {
      await writeLifecycle(s3, live.live.name, { days: null, prefix: null }, have.foreignRules);
    }
    const rest = foreignTags(have.allTags);
    if (Object.keys(rest).length === Object.keys(have.allTags).length) return;
    if (Object.keys(rest).length === 0) await orNull(s3.deleteBucketTagging({ Bucket: live.live.name }));
    else await writeTags(s3, live.live.name, rest);
  },
};

export const bucketKind: KindDescriptor<BucketSpec, TargetPorts> = {
  kind: "s3.bucket",
  order: 10,
  securityControl: false,
  dataOrMonitoring: true,
  blocksTraffic: false,
  replaceAction: "create-then-delete",
  section: "flowLogs",
  iam: {
    declaredBy: (p) => p.flowLogs !== undefined && createsBucket(p.flowLogs.bucket),
    observe: [
      "s3.headBucket",
      "s3.getBucketTagging",
      "s3.getPublicAccessBlock",
      "s3.getBucketEncryption",
      "s3.getBucketLifecycleConfiguration",
    ],
    discover: [],
    write: [
      "s3.createBucket",
      "s3.putBucketTagging",
      "s3.deleteBucketTagging",
      "s3.putPublicAccessBlock",
      "s3.putBucketEncryption",
      "s3.putBucketLifecycleConfiguration",
      "s3.deleteBucketLifecycle",
    ],
  },
  bucket: "is",
  handler: bucketHandler,
};
