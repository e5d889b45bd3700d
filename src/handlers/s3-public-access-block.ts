// s3.publicAccessBlock — S3 Block Public Access on a flow-log bucket Cordon uses as is
// (flowLogs.bucket.create: false, blockPublicAccess: true). name = bucket name. A bucket Cordon
// creates gets all four settings from the s3.bucket kind; this kind is for a bucket someone else
// made, whose settings the policy asks Cordon to hold: flow logs map the network, and the bucket
// that keeps them must never be readable by the public.
//
// The resource is the bucket's public access block configuration. AWS reads a bucket without one
// (GetPublicAccessBlock: NoSuchPublicAccessBlockConfiguration) as all four settings off, so that,
// and a configuration with every setting off, observe as absent. PutPublicAccessBlock replaces the
// whole configuration, so create and update write the four settings at once.
//
// Ownership: a setting, not a resource: the policy that declares it owns it, and nothing else of
// the bucket (its tags, policy, lifecycle) is read or written. delete never lifts the block: a
// policy that stops declaring it leaves the bucket as protected as it was (a security control
// never lapses), and no deletion is ever planned for this kind (no discover, never replaced).

import { isNotFound } from "../aws/errors.js";
import type { TargetPorts } from "../aws/ports.js";
import { inPlaceDiff } from "../domain/diff.js";
import { fingerprint } from "../domain/fingerprint.js";
import { createsBucket } from "../domain/log-archive.js";
import { ABSENT_FINGERPRINT } from "../model/resource.js";
import type { Handler, KindDescriptor } from "./contract.js";

/** The four Block Public Access settings of one bucket. */
export interface PublicAccessBlockSpec {
  readonly bucket: string;
  readonly blockPublicAcls: boolean;
  readonly ignorePublicAcls: boolean;
  readonly blockPublicPolicy: boolean;
  readonly restrictPublicBuckets: boolean;
}

export const publicAccessBlockHandler: Handler<PublicAccessBlockSpec, TargetPorts> = {
  kind: "s3.publicAccessBlock",

  async observe(ctx, desired) {
    const s3 = await ctx.aws.s3();
    const bucket = desired.spec.bucket;
    let c: Awaited<ReturnType<typeof s3.getPublicAccessBlock>>["PublicAccessBlockConfiguration"];
    try {
      c = (await s3.getPublicAccessBlock({ Bucket: bucket })).PublicAccessBlockConfiguration;
    } catch (e) {
      // No configuration (or no bucket: create then fails naming it) = nothing blocked.
      if (isNotFound(e)) return { exists: false, fingerprint: ABSENT_FINGERPRINT };
      throw e;
    }
    const live: PublicAccessBlockSpec = {
      bucket,
      blockPublicAcls: c?.BlockPublicAcls === true,
      ignorePublicAcls: c?.IgnorePublicAcls === true,
      blockPublicPolicy: c?.BlockPublicPolicy === true,
      restrictPublicBuckets: c?.RestrictPublicBuckets === true,
    };
    const any = live.blockPublicAcls || live.ignorePublicAcls || live.blockPublicPolicy || live.restrictPublicBuckets;
    if (!any) return { exists: false, fingerprint: ABSENT_FINGERPRINT };
    return { exists: true, live, meta: { id: bucket, fingerprint: fingerprint(live), owned: true } };
  },

  diff(desired, live) {
    const result = inPlaceDiff(desired, live);
    // Turning a setting off opens the bucket: say so.
    const opens = result.fields.some((f) => f.before === true && f.after === false);
    return opens ? { ...result, broadensAccess: true } : result;
  },

  async create(ctx, desired) {
    await write(ctx.aws, desired.spec);
    return null;
  },

  async update(ctx, desired) {
    await write(ctx.aws, desired.spec);
  },

  async delete() {
    // Never lifts the block (see the header).
  },
};

async function write(aws: TargetPorts, spec: PublicAccessBlockSpec): Promise<void> {
  const s3 = await aws.s3();
  await s3.putPublicAccessBlock({
    Bucket: spec.bucket,
    PublicAccessBlockConfiguration: {
      BlockPublicAcls: spec.blockPublicAcls,
      IgnorePublicAcls: spec.ignorePublicAcls,
      BlockPublicPolicy: spec.blockPublicPolicy,
      RestrictPublicBuckets: spec.restrictPublicBuckets,
    },
  });
}

export const publicAccessBlockKind: KindDescriptor<PublicAccessBlockSpec, TargetPorts> = {
  kind: "s3.publicAccessBlock",
  order: 15,
  securityControl: true,
  dataOrMonitoring: false,
  blocksTraffic: false,
  replaceAction: "create-then-delete",
  section: "flowLogs",
  iam: {
    declaredBy: (p) =>
      p.flowLogs !== undefined && !createsBucket(p.flowLogs.bucket) && p.flowLogs.bucket.blockPublicAccess === true,
    observe: ["s3.getPublicAccessBlock"],
    discover: [],
    write: ["s3.putPublicAccessBlock"],
  },
  handler: publicAccessBlockHandler,
};
