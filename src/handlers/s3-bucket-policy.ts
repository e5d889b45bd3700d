// s3.bucketPolicy — Cordon's statements in a bucket policy (Sid prefix OWNERSHIP.sidPrefix): the
// log-delivery statements for delivery.logs.amazonaws.com. name = bucket name.
//
// The resource "exists" when the bucket policy holds at least one Cordon statement. Every write
// is a read-modify-write of the whole document: foreign statements are written back verbatim, in
// their order; only Cordon's statements change. With no statement left the policy is deleted.
// Comparison is semantic (src/handlers/normalize/iam.ts). The fingerprint covers Cordon's
// statements only: foreign edits never make a plan stale, and are never overwritten either.
import { isNotFound } from "../aws/errors.js";
import type { S3Port, TargetPorts } from "../aws/ports.js";
import { AwsError } from "../model/errors.js";
import { ABSENT_FINGERPRINT } from "../model/resource.js";
import type { BucketPolicySpec, IamStatement } from "../model/specs.js";
import { fingerprint } from "../planner/fingerprint.js";
import type { Handler } from "./contract.js";
import { bucketPolicyDiff, canonicalStatements, mergePolicy, type SplitPolicy, splitPolicy } from "./normalize/iam.js";

/** The bucket policy split into Cordon's and everyone else's statements; null when the bucket does not exist. */
async function readPolicy(s3: S3Port, bucket: string): Promise<SplitPolicy | null> {
  let text: string | null;
  try {
    text = (await s3.getBucketPolicy({ Bucket: bucket })).Policy ?? null;
  } catch (e) {
    if (e instanceof AwsError && (e.awsCode === "NoSuchBucket" || e.awsCode === "NotFound")) return null;
    if (isNotFound(e)) text = null;
    else throw e;
  }
  try {
    return splitPolicy(text);
  } catch (e) {
    if (e instanceof AwsError) throw new AwsError("GetBucketPolicy", `s3://${bucket}`, e.awsCode, e.message);
    throw e;
  }
}

async function writeOwned(s3: S3Port, bucket: string, owned: readonly IamStatement[]): Promise<void> {
  const current = await readPolicy(s3, bucket);
  if (current === null) {
    if (owned.length === 0) return;
    throw new AwsError("PutBucketPolicy", `s3://${bucket}`, "NoSuchBucket", "the bucket does not exist");
  }
  const doc = mergePolicy(canonicalStatements(owned), current.foreign, current.version, current.id);
  if (doc === null) {
    try {
      await s3.deleteBucketPolicy({ Bucket: bucket });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    return;
  }
  await s3.putBucketPolicy({ Bucket: bucket, Policy: doc });
}

export const bucketPolicyHandler: Handler<BucketPolicySpec, TargetPorts> = {
  kind: "s3.bucketPolicy",
  replaceAction: "create-then-delete",

  async observe(ctx, desired) {
    const bucket = desired.spec.bucket;
    const split = await readPolicy(await ctx.aws.s3(), bucket);
    if (split === null || split.owned.length === 0) return { exists: false, fingerprint: ABSENT_FINGERPRINT };
    const live: BucketPolicySpec = { bucket, statements: split.owned };
    return {
      exists: true,
      live,
      meta: {
        id: bucket,
        arn: `arn:aws:s3:::${bucket}`,
        fingerprint: fingerprint(live),
        owned: true,
        extra: { foreignStatements: split.foreign.length },
      },
    };
  },

  diff: (desired, live) => bucketPolicyDiff(desired, live),

  async create(ctx, desired) {
    await writeOwned(await ctx.aws.s3(), desired.spec.bucket, desired.spec.statements);
    return null;
  },

  async update(ctx, desired) {
    await writeOwned(await ctx.aws.s3(), desired.spec.bucket, desired.spec.statements);
  },

  async delete(ctx, _address, live) {
    const s3 = await ctx.aws.s3();
    if ((await readPolicy(s3, live.live.bucket)) === null) return;
    await writeOwned(s3, live.live.bucket, []);
  },
};
