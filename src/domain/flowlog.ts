// Flow-log normalisation: a live DescribeFlowLogs item and a desired spec become the same
// FlowLogSpec shape, with AWS's defaults spelled out, so echoed defaults never show as drift.
// Pure; the live item type mirrors the SDK's FlowLog shape structurally (no SDK import).

import type { DiffResult } from "../model/change.js";
import type { FlowLogSpec, Tags } from "../model/specs.js";
import { diffWithReplacement } from "./diff.js";
import { buildLogFormat, DEFAULT_FIELDS } from "./flowlog-fields.js";

/** AWS's default (version 2) format, every field in order. */
export const DEFAULT_LOG_FORMAT: string = buildLogFormat(DEFAULT_FIELDS);

/** The subset of the SDK's `FlowLog` (DescribeFlowLogs output item) this module reads. */
export interface LiveFlowLogItem {
  readonly FlowLogId?: string | undefined;
  readonly ResourceId?: string | undefined;
  readonly TrafficType?: string | undefined;
  readonly LogDestinationType?: string | undefined;
  readonly LogDestination?: string | undefined;
  readonly LogFormat?: string | undefined;
  readonly MaxAggregationInterval?: number | undefined;
  readonly DestinationOptions?:
    | {
        readonly FileFormat?: string | undefined;
        readonly HiveCompatiblePartitions?: boolean | undefined;
        readonly PerHourPartition?: boolean | undefined;
      }
    | undefined;
  readonly Tags?: readonly { readonly Key?: string | undefined; readonly Value?: string | undefined }[] | undefined;
}

/**
 * A pure function of a string, remembered for the inputs already met: a plan of 20,000 flow logs
 * meets a handful of distinct formats and destinations, each 20,000 times (docs/performance.md).
 * Bounded: forgets everything past `max` distinct inputs.
 */
function remembered(fn: (s: string) => string, max = 1024): (s: string) => string {
  const seen = new Map<string, string>();
  // The last input and its result: the next call usually asks the same (no hashing).
  let lastIn: string | undefined;
  let lastOut = "";
  return (s) => {
    if (s === lastIn) return lastOut;
    let r = seen.get(s);
    if (r === undefined) {
      r = fn(s);
      if (seen.size >= max) seen.clear();
      seen.set(s, r);
    }
    lastIn = s;
    lastOut = r;
    return r;
  };
}

const logFormatOf = remembered((format) => {
  const trimmed = format.trim().replace(/\s+/g, " ");
  return trimmed === "" ? DEFAULT_LOG_FORMAT : trimmed;
});

/** Absent or blank → the default format; whitespace collapsed to single spaces. */
export function normalizeLogFormat(format: string | undefined | null): string {
  return logFormatOf(format ?? "");
}

const s3DestinationOf = remembered((arn) => {
  const m = /^(arn:[^:]+:s3:::)([^/]+)(\/.*)?$/.exec(arn.trim());
  if (m === null) return arn.trim();
  const path = (m[3] ?? "").split("/").filter((s) => s !== "");
  return path.length === 0 ? `${m[1]}${m[2]}` : `${m[1]}${m[2]}/${path.join("/")}/`;
});

/**
 * "arn:aws:s3:::bucket" when there is no key prefix, otherwise "arn:aws:s3:::bucket/prefix/"
 * (duplicate slashes collapsed, exactly one trailing slash).
 */
export function normalizeS3Destination(arn: string): string {
  return s3DestinationOf(arn);
}

const resourceTypeOf = (id: string): FlowLogSpec["resourceType"] => (id.startsWith("subnet-") ? "Subnet" : "VPC");

const trafficTypeOf = (t: string | undefined): FlowLogSpec["trafficType"] =>
  t === "ACCEPT" || t === "REJECT" ? t : "ALL";

/** Tags as a record; AWS-reserved "aws:" tags are dropped (nobody can set or remove them). */
export function tagsOf(tags: LiveFlowLogItem["Tags"]): Tags {
  const out: Record<string, string> = {};
  for (const t of byKey(tags ?? [])) {
    if (t.Key === undefined || t.Key.startsWith("aws:")) continue;
    out[t.Key] = t.Value ?? "";
  }
  return out;
}

type LiveTag = NonNullable<LiveFlowLogItem["Tags"]>[number];

/**
 * The tags sorted by key. Distinct keys (as AWS returns them) have one sorted order, found by an
 * insertion sort of the few tags a resource has; two tags with one key keep the order the
 * original comparator gives them (Array.prototype.sort with it).
 */
function byKey(tags: readonly LiveTag[]): readonly LiveTag[] {
  const out: LiveTag[] = [];
  for (const t of tags) {
    const k = t.Key ?? "";
    let i = out.length;
    while (i > 0) {
      const prev = (out[i - 1] as LiveTag).Key ?? "";
      if (prev === k) return [...tags].sort((a, b) => ((a.Key ?? "") < (b.Key ?? "") ? -1 : 1));
      if (prev < k) break;
      i--;
    }
    out.splice(i, 0, t);
  }
  return out;
}

/**
 * The normalised spec of a live S3 flow log. Absent LogFormat = the default format; absent
 * MaxAggregationInterval = 600; absent DestinationOptions (or members) = AWS's defaults
 * (plain-text, not Hive, daily); the destination gets its canonical trailing slash.
 */
export function normalizeLiveFlowLog(item: LiveFlowLogItem): FlowLogSpec {
  const resourceId = item.ResourceId ?? "";
  const opts = item.DestinationOptions ?? {};
  return {
    resourceId,
    resourceType: resourceTypeOf(resourceId),
    trafficType: trafficTypeOf(item.TrafficType),
    logDestination: normalizeS3Destination(item.LogDestination ?? ""),
    logFormat: normalizeLogFormat(item.LogFormat),
    maxAggregationInterval: item.MaxAggregationInterval === 60 ? 60 : 600,
    fileFormat: opts.FileFormat === "parquet" ? "parquet" : "plain-text",
    hiveCompatiblePartitions: opts.HiveCompatiblePartitions === true,
    perHourPartition: opts.PerHourPartition === true,
    tags: tagsOf(item.Tags),
  };
}

/**
 * A desired spec brought to the same normal form (idempotent on normalised specs), without
 * `adopt` (how Cordon may take a flow log over, not a setting of it).
 */
export function normalizeFlowLogSpec(spec: FlowLogSpec): FlowLogSpec {
  const { adopt: _adopt, ...settings } = spec;
  return {
    ...settings,
    logDestination: normalizeS3Destination(spec.logDestination),
    logFormat: normalizeLogFormat(spec.logFormat),
  };
}

/**
 * `spec` itself when normalizeFlowLogSpec would return a copy equal to it member for member (no
 * `adopt`, destination and format already normal: every observed flow log and every declared one),
 * otherwise that copy. For reading only; saves two copies per flow log diffed.
 */
const normalForm = (spec: FlowLogSpec): FlowLogSpec =>
  !Object.hasOwn(spec, "adopt") &&
  spec.logDestination === normalizeS3Destination(spec.logDestination) &&
  spec.logFormat === normalizeLogFormat(spec.logFormat)
    ? spec
    : normalizeFlowLogSpec(spec);

/**
 * What the plan says of a replacement on the same destination. AWS refuses a second flow log on
 * a resource with FlowLogAlreadyExists ("There is an existing Flow Log with the same configuration
 * and log destination"); whether it compares every setting or only the resource and destination
 * is not documented, so the plan cannot know whether the new flow log can be created beside the old one.
 */
export const SAME_DESTINATION_REPLACE_NOTE =
  "same destination: create-then-delete; if AWS refuses a second flow log to it (FlowLogAlreadyExists), the old flow log is deleted and the new one created at once (delete-then-create): the resource has no flow log for that moment";

/** The destination as "s3://bucket/prefix/" for messages. */
export const destinationText = (arn: string): string =>
  normalizeS3Destination(arn).replace(/^arn:[^:]+:s3:::/, "s3://");

/**
 * Flow logs are immutable except their tags: every field but `tags` forces replacement
 * (create the new flow log, then delete the old). Tag changes are in-place (one field per key).
 */
export function flowLogDiff(desired: FlowLogSpec, live: FlowLogSpec): DiffResult {
  const d = normalForm(desired);
  const l = normalForm(live);
  const result = diffWithReplacement(d, l, (field) => field !== "tags");
  if (!result.replace || d.logDestination !== l.logDestination) return result;
  return { ...result, replaceNote: SAME_DESTINATION_REPLACE_NOTE };
}

/** The settings (every field but tags) in which `live` differs from `desired`: [] = it meets the policy. */
export function unmetSettings(desired: FlowLogSpec, live: FlowLogSpec): string[] {
  const fields = flowLogDiff(desired, { ...live, tags: desired.tags }).fields;
  return [...new Set(fields.map((f) => f.path.split("/")[1] ?? ""))];
}
