// Desired state of a policy's flowLogs section: the bucket (when bucket.create is not false), one
// bucket policy per bucket name across ALL policies (Cordon's two log-delivery statements covering
// every account, region and prefix that writes there), one flow log per selected VPC — or per
// selected subnet when `subnets` is given. Dependencies: bucket ← bucket policy ← flow logs.
// A central log-archive bucket (docs/targets.md): the archive policy's `sources` are writers of its
// bucket policy whether their policies are loaded or not; a policy delivering to another account's
// bucket (`bucket.account`) declares only flow logs, which depend on the archive's bucket policy
// when it is planned too. An archive policy without `vpcs` declares no flow log.
// Pure and synchronous: the inventories (VPCs, subnets) were read before.

import { normalizeS3Destination } from "../../domain/flowlog.js";
import { buildLogFormat, resolveFields } from "../../domain/flowlog-fields.js";
import type { FlowLogLayout } from "../../domain/glue.js";
import { canonicalStatements } from "../../domain/iam.js";
import {
  archiveSources,
  createsBucket,
  deliversToArchive,
  type SourceList,
  sourcePairs,
} from "../../domain/log-archive.js";
import { type FlowLogsSection, type LoadedPolicy, POLICY_DEFAULTS, type Policy } from "../../model/policy.js";
import { type DesiredResource, makeAddress, type TargetRef } from "../../model/resource.js";
import {
  type BucketPolicySpec,
  type BucketSpec,
  type FlowLogSpec,
  type IamStatement,
  type Inventory,
  OWNERSHIP,
  type Tags,
} from "../../model/specs.js";
import { type Builder, originOf, sortedUnique } from "./builder.js";
import { ownershipTags, resourceLabel, selectSubnetIds, selectVpcIds, targetOf } from "./select.js";

/** What a policy author can do about a bucket found in place that is not Cordon's. */
const BUCKET_CHOICES =
  "set flowLogs.bucket.create: false to use it as is (Cordon then only adds its log-delivery statements to the bucket policy), or flowLogs.bucket.adopt: true to manage it (the plan then shows every setting that would change)";
/** ... about bucket-policy statements using Cordon's Sid prefix that Cordon did not write. */
const SID_CHOICES = `the Sid prefix ${OWNERSHIP.sidPrefix} is reserved for Cordon's statements: rename those statements' Sids or remove them`;
export const LOG_DELIVERY_PRINCIPAL = "delivery.logs.amazonaws.com";
export const ACL_CHECK_SID = `${OWNERSHIP.sidPrefix}AWSLogDeliveryAclCheck`;
export const WRITE_SID = `${OWNERSHIP.sidPrefix}AWSLogDeliveryWrite`;

/** The ARN partition of a region ("aws", "aws-cn", "aws-us-gov"). */
export const arnPartition = (region: string): string =>
  region.startsWith("cn-") ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws";

/** Key prefix without leading, trailing or duplicate slashes; "" for none. */
export const cleanPrefix = (prefix: string | undefined): string =>
  (prefix ?? "")
    .split("/")
    .filter((s) => s !== "")
    .join("/");

/**
 * The key prefix under which flow logs land in the bucket: "<prefix>/AWSLogs/", or "AWSLogs/"
 * without a prefix. Every S3 flow-log key starts with it, whatever the layout (default or
 * Hive-compatible, per hour or per day); a prefix may not itself be AWSLogs.
 */
export const flowLogKeyPrefix = (prefix: string): string => (prefix === "" ? "AWSLogs/" : `${prefix}/AWSLogs/`);

/** Everything about one flowLogs section that the derivations (flow logs, bucket, Glue table) need. */
export interface FlowSource {
  readonly loaded: LoadedPolicy;
  readonly policy: Policy;
  readonly section: FlowLogsSection;
  readonly target: TargetRef;
  readonly bucket: string;
  readonly prefix: string;
  readonly layout: FlowLogLayout;
  readonly fields: readonly string[];
  readonly mode: DesiredResource["mode"];
}

/** The same fields in the same layout: one Glue table reads both. */
export const sameLayout = (a: FlowSource, b: FlowSource): boolean =>
  a.layout.fileFormat === b.layout.fileFormat &&
  a.layout.hiveCompatiblePartitions === b.layout.hiveCompatiblePartitions &&
  a.layout.perHourPartition === b.layout.perHourPartition &&
  a.fields.join(" ") === b.fields.join(" ");

/** The two log-delivery statements for every writer into one bucket (docs/aws-behaviour.md, "Log-delivery bucket policy"). */
export function deliveryStatements(
  bucket: string,
  partition: string,
  writers: readonly { account: string; region: string; prefix: string; hive: boolean }[],
): IamStatement[] {
  const accounts = sortedUnique(writers.map((w) => w.account));
  const sourceArns = sortedUnique(writers.map((w) => `arn:${arnPartition(w.region)}:logs:${w.region}:${w.account}:*`));
  const resources = sortedUnique(
    writers.map((w) => {
      const base = w.prefix === "" ? bucket : `${bucket}/${w.prefix}`;
      return `arn:${partition}:s3:::${base}/AWSLogs/${w.hive ? "aws-account-id=" : ""}${w.account}/*`;
    }),
  );
  return canonicalStatements([
    {
      Sid: ACL_CHECK_SID,
      Effect: "Allow",
      Principal: { Service: LOG_DELIVERY_PRINCIPAL },
      Action: ["s3:GetBucketAcl", "s3:ListBucket"],
      Resource: `arn:${partition}:s3:::${bucket}`,
      Condition: { StringEquals: { "aws:SourceAccount": accounts }, ArnLike: { "aws:SourceArn": sourceArns } },
    },
    {
      Sid: WRITE_SID,
      Effect: "Allow",
      Principal: { Service: LOG_DELIVERY_PRINCIPAL },
      Action: "s3:PutObject",
      Resource: resources,
      Condition: {
        StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceAccount": accounts },
        ArnLike: { "aws:SourceArn": sourceArns },
      },
    },
  ]);
}

/**
 * Declares every flowLogs section's bucket, bucket policy and flow logs. Returns the sections, in
 * the given order (sorted by file and document), for the athena builder.
 */
export function buildFlowLogs(
  b: Builder,
  policies: readonly LoadedPolicy[],
  inventories: ReadonlyMap<string, Inventory>,
): FlowSource[] {
  // --- flow-log sources ------------------------------------------------------------------
  const sources: FlowSource[] = [];
  for (const l of policies) {
    const section = l.policy.flowLogs;
    if (section === undefined) continue;
    sources.push({
      loaded: l,
      policy: l.policy,
      section,
      target: targetOf(l.policy),
      bucket: section.bucket.name,
      prefix: cleanPrefix(section.bucket.prefix),
      layout: {
        fileFormat: section.fileFormat ?? POLICY_DEFAULTS.fileFormat,
        hiveCompatiblePartitions: section.hiveCompatiblePartitions ?? POLICY_DEFAULTS.hiveCompatiblePartitions,
        perHourPartition: section.perHourPartitions ?? POLICY_DEFAULTS.perHourPartitions,
      },
      fields: resolveFields(section.fields ?? POLICY_DEFAULTS.fields),
      mode: section.mode ?? POLICY_DEFAULTS.mode,
    });
  }

  // --- buckets and bucket policies, grouped by bucket name across all policies ------------
  const policyAddressOf = new Map<string, string>();
  for (const bucket of sortedUnique(sources.map((s) => s.bucket))) {
    // A policy delivering to another account's bucket (bucket.account) never creates or configures
    // it: only the policies of the bucket's own account do (docs/targets.md, "A central log-archive bucket").
    const writers = sources.filter((s) => s.bucket === bucket && !deliversToArchive(s.policy));
    if (writers.length === 0) continue; // the archive's policy is not loaded (src/policy/log-archive.ts warns)
    const creators = writers.filter((s) => createsBucket(s.section.bucket));
    const archive = writers.find((s) => archiveSources(s.policy) !== null);
    const owner = creators[0] ?? archive ?? (writers[0] as FlowSource);
    let bucketAddress: string | null = null;
    for (const c of creators) {
      const spec: BucketSpec = {
        name: bucket,
        region: c.target.region,
        blockPublicAccess: true,
        encryption: "AES256",
        retentionDays: c.section.bucket.retentionDays ?? null,
        retentionPrefix: c.section.bucket.retentionDays === undefined ? null : flowLogKeyPrefix(c.prefix),
        tags: ownershipTags(c.policy, c.loaded.set),
      };
      const address = makeAddress(c.target, "s3.bucket", bucket);
      if (c !== owner && address !== bucketAddress) {
        b.diag(
          c.loaded,
          "error",
          "desired.bucket-conflict",
          "/flowLogs/bucket/create",
          `bucket ${bucket} is created by ${owner.loaded.source.file} in ${owner.target.account}/${owner.target.region}; a bucket name exists once`,
          "set create: false here: Cordon still adds this policy's log-delivery statements",
        );
        continue;
      }
      // A second creator in the owner's target is refused by the conflict rule (one resource, one policy).
      const r: DesiredResource<BucketSpec> = {
        address,
        kind: "s3.bucket",
        name: bucket,
        target: c.target,
        spec,
        mode: c.mode,
        origin: originOf(c.loaded, "flowLogs"),
        dependsOn: [],
        ...(c.section.bucket.adopt === true ? { adopt: true } : {}),
        inPlace: { pointer: "/flowLogs/bucket/create", choices: BUCKET_CHOICES },
      };
      b.add(c.loaded, "/flowLogs/bucket", r, `bucket ${bucket}`);
      bucketAddress = address;
    }
    if (creators.length === 0 && archive === undefined && new Set(writers.map((w) => w.target.account)).size > 1) {
      b.diag(
        owner.loaded,
        "warning",
        "desired.bucket-owner-assumed",
        "/flowLogs/bucket",
        `no policy creates bucket ${bucket}; Cordon writes its bucket policy with the credentials of account ${owner.target.account}, which must own it`,
      );
    }
    const spec: BucketPolicySpec = {
      bucket,
      statements: deliveryStatements(bucket, arnPartition(owner.target.region), [
        // Every policy of the bucket's account that records VPCs here, and every archive source.
        ...writers
          .filter((w) => w.section.vpcs !== undefined)
          .map((w) => ({
            account: w.target.account,
            region: w.target.region,
            prefix: w.prefix,
            hive: w.layout.hiveCompatiblePartitions,
          })),
        ...(archive === undefined
          ? []
          : sourcePairs(archiveSources(archive.policy) as SourceList).map((p) => ({
              ...p,
              prefix: archive.prefix,
              hive: archive.layout.hiveCompatiblePartitions,
            }))),
      ]),
    };
    const address = makeAddress(owner.target, "s3.bucketPolicy", bucket);
    b.add(
      owner.loaded,
      "/flowLogs/bucket",
      {
        address,
        kind: "s3.bucketPolicy",
        name: bucket,
        target: owner.target,
        spec,
        mode: owner.mode,
        origin: originOf(owner.loaded, "flowLogs"),
        dependsOn: bucketAddress === null ? [] : [bucketAddress],
        ...(bucketAddress !== null && owner.section.bucket.adopt === true ? { adopt: true } : {}),
        inPlace: {
          pointer: "/flowLogs/bucket/name",
          choices:
            bucketAddress === null
              ? SID_CHOICES
              : `${SID_CHOICES}, or set flowLogs.bucket.adopt: true to let Cordon manage them with the bucket`,
        },
      },
      `the bucket policy of ${bucket}`,
    );
    policyAddressOf.set(bucket, address);
    // Block Public Access held on a bucket used as is (the schema allows it only with create: false).
    const holder = writers.find((w) => w.section.bucket.blockPublicAccess === true && !creators.includes(w));
    if (holder !== undefined) {
      b.add(
        holder.loaded,
        "/flowLogs/bucket/blockPublicAccess",
        {
          address: makeAddress(owner.target, "s3.publicAccessBlock", bucket),
          kind: "s3.publicAccessBlock",
          name: bucket,
          target: owner.target,
          spec: {
            bucket,
            blockPublicAcls: true,
            ignorePublicAcls: true,
            blockPublicPolicy: true,
            restrictPublicBuckets: true,
          },
          mode: holder.mode,
          origin: originOf(holder.loaded, "flowLogs"),
          dependsOn: [],
        },
        `the public access block of ${bucket}`,
      );
    }
  }

  // --- flow logs ------------------------------------------------------------------------
  for (const s of sources) {
    if (s.section.vpcs === undefined) continue; // an archive policy that records no VPC of its own
    const l = s.loaded;
    const key = `${s.target.account}/${s.target.region}`;
    const inventory = inventories.get(key);
    if (inventory === undefined) {
      b.diag(l, "error", "desired.no-inventory", "/target", `no inventory was read for target ${key}`);
      continue;
    }
    const selected = selectResources(s, inventory, (code, pointer, message) =>
      b.diag(l, "error", code, pointer, message),
    );
    if (selected.ids.length === 0 && selected.bySelectorOnly) {
      b.diag(
        l,
        "warning",
        "selector.empty",
        s.section.subnets === undefined ? "/flowLogs/vpcs" : "/flowLogs/subnets",
        `the selector matches no ${selected.type === "VPC" ? "VPC" : "subnet"} in ${key}: no flow log is declared`,
      );
    }
    const tags: Tags = { ...(s.section.tags ?? {}), ...ownershipTags(s.policy, s.loaded.set) };
    // What every flow log of the section shares, worked out once per section, not per resource
    // (docs/performance.md): the settings, the origin, the pointer, the bucket policy it waits for.
    const trafficType = s.section.trafficType ?? POLICY_DEFAULTS.trafficType;
    const logDestination = normalizeS3Destination(`arn:${arnPartition(s.target.region)}:s3:::${s.bucket}/${s.prefix}`);
    const logFormat = buildLogFormat(s.fields);
    const maxAggregationInterval = s.section.maxAggregationInterval ?? POLICY_DEFAULTS.maxAggregationInterval;
    const origin = originOf(l, "flowLogs");
    const pointer = s.section.subnets === undefined ? "/flowLogs/vpcs" : "/flowLogs/subnets";
    const bucketPolicy = policyAddressOf.get(s.bucket);
    for (const id of selected.ids) {
      const spec: FlowLogSpec = {
        resourceId: id,
        resourceType: selected.type,
        trafficType,
        logDestination,
        logFormat,
        maxAggregationInterval,
        fileFormat: s.layout.fileFormat,
        hiveCompatiblePartitions: s.layout.hiveCompatiblePartitions,
        perHourPartition: s.layout.perHourPartition,
        tags,
        ...(s.section.adopt === true ? { adopt: true as const } : {}),
      };
      const label = resourceLabel(inventory, id);
      const r: Mutable<DesiredResource<FlowLogSpec>> = {
        address: makeAddress(s.target, "ec2.flowLog", id),
        kind: "ec2.flowLog",
        name: id,
        target: s.target,
        spec,
        mode: s.mode,
        origin,
        // The bucket policy first (another target's, for an archive bucket): AWS checks it on creation.
        dependsOn: bucketPolicy === undefined ? [] : [bucketPolicy],
      };
      if (label !== undefined) r.label = label;
      b.add(l, pointer, r, `the flow log of ${id} in ${key}`);
    }
  }

  return sources;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface Selection {
  readonly type: FlowLogSpec["resourceType"];
  readonly ids: readonly string[];
  /** True when the selection came from tags / all (an empty one deserves a warning, not an error). */
  readonly bySelectorOnly: boolean;
}

/** Resolves the VPC (and subnet) selectors of a section against an inventory. Sorted ids. */
function selectResources(
  s: FlowSource,
  inv: Inventory,
  error: (code: string, pointer: string, message: string) => void,
): Selection {
  const where = `${s.target.account}/${s.target.region}`;
  const v = s.section.vpcs ?? {};
  const vpcs =
    selectVpcIds(v, inv.vpcs, (id, i) =>
      error("selector.vpc-not-found", `/flowLogs/vpcs/ids/${i}`, `VPC ${id} does not exist in ${where}`),
    ) ?? (v.all === true ? inv.vpcs.map((x) => x.id) : []);
  const sub = s.section.subnets;
  if (sub === undefined) return { type: "VPC", ids: sortedUnique(vpcs), bySelectorOnly: v.ids === undefined };
  const subnets = selectSubnetIds(sub, inv.subnets, new Set(vpcs), {
    unknown: (id, i) =>
      error("selector.subnet-not-found", `/flowLogs/subnets/ids/${i}`, `subnet ${id} does not exist in ${where}`),
    outside: (id, vpcId, i) =>
      error(
        "selector.subnet-outside-vpcs",
        `/flowLogs/subnets/ids/${i}`,
        `subnet ${id} is in ${vpcId}, which flowLogs.vpcs does not select`,
      ),
  });
  return { type: "Subnet", ids: sortedUnique(subnets), bySelectorOnly: sub.ids === undefined };
}
