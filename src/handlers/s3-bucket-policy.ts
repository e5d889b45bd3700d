// s3.bucketPolicy — Cordon's statements in a bucket policy (Sid prefix OWNERSHIP.sidPrefix): the
// log-delivery statements for delivery.logs.amazonaws.com. name = bucket name.
//
// The resource "exists" when the bucket policy holds at least one Cordon statement. Every write
// is a read-modify-write of the whole document: foreign statements are written back verbatim, in
// their order; only Cordon's statements change. With no statement left the policy is deleted.
// Comparison is semantic (src/domain/iam.ts). The fingerprint covers Cordon's
// statements (and whether the bucket is Cordon's) only: foreign edits never make a plan stale, and
// are never overwritten either.
//
// Which Sid-prefixed statements are Cordon's. Anyone can write a statement whose Sid starts with
// the prefix, so the prefix alone is trusted only on a bucket that is Cordon's (tag
// cordon:managed-by=cordon: created or adopted by Cordon); there everything with the prefix is
// Cordon's and an edit is drift. On any other bucket (create: false, or not yet adopted) a
// prefixed statement counts as Cordon's only when it is one Cordon writes: a Sid of a desired
// statement, with the same effect, principal and actions (the log-delivery service; resources
// and conditions may differ: they list the writers). Any other prefixed statement is foreign: the
// plan refuses it (Handler.foreign) unless the policy adopts the bucket, and update refuses to
// overwrite it; it is never rewritten silently.

import { isNotFound } from "../aws/errors.js";
import type { S3Port, TargetPorts } from "../aws/ports.js";
import { canonicalJson, fingerprint } from "../domain/fingerprint.js";
import { bucketPolicyDiff, canonicalStatements, mergePolicy, type SplitPolicy, splitPolicy } from "../domain/iam.js";
import { deliversToArchive } from "../domain/log-archive.js";
import { AwsError, ConflictError } from "../model/errors.js";
import { ABSENT_FINGERPRINT } from "../model/resource.js";
import { type BucketPolicySpec, type IamStatement, OWNERSHIP } from "../model/specs.js";
import type { Handler, KindDescriptor } from "./contract.js";

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

/** True when the bucket carries Cordon's ownership tag. A bucket without tags is not Cordon's. */
async function bucketIsCordons(s3: S3Port, bucket: string): Promise<boolean> {
  try {
    const tagging = await s3.getBucketTagging({ Bucket: bucket });
    return (tagging.TagSet ?? []).some((t) => t.Key === OWNERSHIP.tagKey && t.Value === OWNERSHIP.tagValue);
  } catch (e) {
    if (isNotFound(e) || (e instanceof AwsError && e.awsCode === "NoSuchTagSet")) return false;
    throw e;
  }
}

/** The parts of a statement that say who may do what (not which resources, under which conditions). */
const grant = (s: IamStatement): string =>
  canonicalJson({
    Effect: s.Effect,
    Principal: s.Principal ?? null,
    NotPrincipal: s.NotPrincipal ?? null,
    Action: s.Action ?? null,
    NotAction: s.NotAction ?? null,
    NotResource: s.NotResource ?? null,
  });

/**
 * Prefixed statements of a bucket that is not Cordon's that Cordon did not write, each with why:
 * not a Sid Cordon writes, or a grant that differs from Cordon's statement of that Sid.
 */
function unrecognised(live: readonly IamStatement[], desired: readonly IamStatement[]): string[] {
  const out: string[] = [];
  for (const st of live) {
    const ours = desired.find((d) => d.Sid === st.Sid);
    if (ours === undefined) out.push(`statement ${st.Sid ?? "(no Sid)"}: not a statement Cordon writes`);
    else if (grant(ours) !== grant(st)) {
      out.push(`statement ${st.Sid}: its effect, principal or actions differ from Cordon's log-delivery statement`);
    }
  }
  return out;
}

export const bucketPolicyHandler: Handler<BucketPolicySpec, TargetPorts> = {
  kind: "s3.bucketPolicy",

  async observe(ctx, desired) {
    const bucket = desired.spec.bucket;
    const s3 = await ctx.aws.s3();
    const split = await readPolicy(s3, bucket);
    if (split === null || split.owned.length === 0) return { exists: false, fingerprint: ABSENT_FINGERPRINT };
    const live: BucketPolicySpec = { bucket, statements: split.owned };
    // The bucket's tags are read only when some prefixed statement is not one Cordon writes.
    const suspect = unrecognised(split.owned, desired.spec.statements);
    const unknown = suspect.length === 0 || (await bucketIsCordons(s3, bucket)) ? [] : suspect;
    return {
      exists: true,
      live,
      meta: {
        id: bucket,
        arn: `arn:aws:s3:::${bucket}`,
        fingerprint: fingerprint(live),
        owned: unknown.length === 0,
        extra: { foreignStatements: split.foreign.length, unrecognised: unknown },
      },
    };
  },

  diff: (desired, live) => bucketPolicyDiff(desired, live),

  foreign(desired, observed) {
    if (observed.meta.owned) return null;
    const details = (observed.meta.extra?.["unrecognised"] ?? []) as string[];
    return {
      what: `the bucket policy of ${desired.spec.bucket}`,
      problem: `has statements whose Sid starts with ${OWNERSHIP.sidPrefix} that Cordon did not write (the bucket is not Cordon's)`,
      details,
    };
  },

  async create(ctx, desired) {
    await writeOwned(await ctx.aws.s3(), desired.spec.bucket, desired.spec.statements);
    return null;
  },

  async update(ctx, desired, live) {
    if (!live.meta.owned && desired.adopt !== true) {
      throw new ConflictError(
        `the bucket policy of ${desired.spec.bucket} has ${OWNERSHIP.sidPrefix}-prefixed statements Cordon did not write: not overwriting them`,
      );
    }
    await writeOwned(await ctx.aws.s3(), desired.spec.bucket, desired.spec.statements);
  },

  async delete(ctx, _address, live) {
    const s3 = await ctx.aws.s3();
    if ((await readPolicy(s3, live.live.bucket)) === null) return;
    await writeOwned(s3, live.live.bucket, []);
  },
};

export const bucketPolicyKind: KindDescriptor<BucketPolicySpec, TargetPorts> = {
  kind: "s3.bucketPolicy",
  order: 20,
  securityControl: false,
  dataOrMonitoring: true,
  blocksTraffic: false,
  replaceAction: "create-then-delete",
  section: "flowLogs",
  iam: {
    // A policy delivering to another account's bucket never writes its policy (the archive's does).
    declaredBy: (p) => p.flowLogs !== undefined && !deliversToArchive(p),
    observe: ["s3.getBucketPolicy", "s3.getBucketTagging"],
    discover: [],
    write: ["s3.putBucketPolicy"],
  },
  bucket: "configures",
  handler: bucketPolicyHandler,
};
