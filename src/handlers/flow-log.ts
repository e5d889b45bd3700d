// ec2.flowLog — one S3 flow log per selected VPC or subnet. name = resource id ("vpc-…"), or
// "vpc-…/fl-…" for an extra Cordon flow log on the same resource (left by an interrupted
// replacement), which discover reports so that the planner deletes it.
//
// Ownership: the OWNERSHIP tag. Observation is batched (DESIGN principle 9): ONE paginated
// DescribeFlowLogs per (account, region) and pass, filtered on the ownership tag, serves every
// flow log observed and the discovery of flow logs on resources no longer selected. Foreign flow
// logs are never read into a plan, never changed.
//
// Flow logs are immutable except tags: any other difference is a replacement, create-then-delete
// (the new flow log exists before the old one goes). Create/DeleteFlowLogs report per-resource
// failures as `Unsuccessful` items with HTTP 200: they are errors here, except
// InvalidFlowLogId.NotFound on delete (already gone).
import { randomUUID } from "node:crypto";
import type { FlowLog, UnsuccessfulItem } from "@aws-sdk/client-ec2";
import type { TargetPorts } from "../aws/ports.js";
import { AwsError } from "../model/errors.js";
import { ABSENT_FINGERPRINT, type Address, makeAddress, type Observation } from "../model/resource.js";
import { type FlowLogSpec, OWNERSHIP, type Tags } from "../model/specs.js";
import { fingerprint } from "../planner/fingerprint.js";
import { APPLIED_TAG, specDigest, withoutAppliedTag } from "./applied-tag.js";
import type { Discovered, Handler, HandlerContext } from "./contract.js";
import { flowLogDiff, normalizeFlowLogSpec, normalizeLiveFlowLog } from "./normalize/flowlog.js";

type Ctx = HandlerContext<TargetPorts>;
type Live = Observation<FlowLogSpec> & { exists: true };

/** Every Cordon-owned flow log of the target, read once per pass. */
function ownedFlowLogs(ctx: Ctx): Promise<readonly FlowLog[]> {
  return ctx.memo("ec2.flowLogs.owned", async () => {
    const ec2 = await ctx.aws.ec2();
    const out: FlowLog[] = [];
    let token: string | undefined;
    do {
      const page = await ec2.describeFlowLogs({
        Filter: [{ Name: `tag:${OWNERSHIP.tagKey}`, Values: [OWNERSHIP.tagValue] }],
        MaxResults: 1000,
        ...(token !== undefined ? { NextToken: token } : {}),
      });
      out.push(...(page.FlowLogs ?? []));
      token = page.NextToken !== undefined && page.NextToken !== "" ? page.NextToken : undefined;
    } while (token !== undefined);
    return out;
  });
}

const isOwned = (f: FlowLog): boolean =>
  (f.Tags ?? []).some((t) => t.Key === OWNERSHIP.tagKey && t.Value === OWNERSHIP.tagValue);

/** Newest first (CreationTime), then by id: the first is the resource's primary flow log. */
function byResource(flowLogs: readonly FlowLog[]): Map<string, FlowLog[]> {
  const m = new Map<string, FlowLog[]>();
  for (const f of flowLogs) {
    if (f.ResourceId === undefined || f.FlowLogId === undefined || !isOwned(f)) continue;
    m.set(f.ResourceId, [...(m.get(f.ResourceId) ?? []), f]);
  }
  for (const list of m.values()) {
    list.sort(
      (a, b) =>
        (b.CreationTime?.getTime() ?? 0) - (a.CreationTime?.getTime() ?? 0) ||
        (a.FlowLogId ?? "").localeCompare(b.FlowLogId ?? ""),
    );
  }
  return m;
}

/** The tags a diff may look at: the desired keys and Cordon's own; foreign tags are never touched. */
function comparableTags(all: Tags, desired: Tags | null): Tags {
  if (desired === null) return withoutAppliedTag(all);
  return Object.fromEntries(
    Object.entries(all).filter(([k]) => k !== APPLIED_TAG && (k in desired || k.startsWith("cordon:"))),
  );
}

function observation(f: FlowLog, desiredTags: Tags | null): Live {
  const full = normalizeLiveFlowLog(f);
  return {
    exists: true,
    live: { ...full, tags: comparableTags(full.tags, desiredTags) },
    meta: {
      id: f.FlowLogId!,
      fingerprint: fingerprint({ id: f.FlowLogId, spec: full }),
      tags: full.tags,
      owned: true,
      extra: {
        deliverLogsStatus: f.DeliverLogsStatus ?? null,
        deliverLogsErrorMessage: f.DeliverLogsErrorMessage ?? null,
      },
    },
  };
}

const tagList = (tags: Tags) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

function unsuccessfulError(operation: string, resource: string, items: readonly UnsuccessfulItem[]): AwsError {
  const first = items[0];
  return new AwsError(
    operation,
    first?.ResourceId ?? resource,
    first?.Error?.Code ?? "Unsuccessful",
    first?.Error?.Message ?? "AWS reported the operation as unsuccessful",
  );
}

export const flowLogHandler: Handler<FlowLogSpec, TargetPorts> = {
  kind: "ec2.flowLog",
  replaceAction: "create-then-delete",

  async observe(ctx, desired) {
    const resourceId = desired.spec.resourceId;
    const list = byResource(await ownedFlowLogs(ctx)).get(resourceId) ?? [];
    const slash = desired.name.indexOf("/");
    const found = slash >= 0 ? list.find((f) => f.FlowLogId === desired.name.slice(slash + 1)) : list[0];
    if (found === undefined) return { exists: false, fingerprint: ABSENT_FINGERPRINT };
    return observation(found, slash >= 0 ? null : desired.spec.tags);
  },

  async discover(ctx, declared) {
    const out: Discovered<FlowLogSpec>[] = [];
    for (const [resourceId, list] of byResource(await ownedFlowLogs(ctx))) {
      const primary = makeAddress(ctx.target, "ec2.flowLog", resourceId);
      list.forEach((f, i) => {
        if (i === 0 && declared.has(primary)) return;
        const name = i === 0 ? resourceId : `${resourceId}/${f.FlowLogId}`;
        out.push({
          address: makeAddress(ctx.target, "ec2.flowLog", name),
          kind: "ec2.flowLog",
          name,
          target: ctx.target,
          observation: observation(f, null),
        });
      });
    }
    return out;
  },

  diff: (desired, live) => flowLogDiff(desired, live),

  async create(ctx, desired) {
    const spec = normalizeFlowLogSpec(desired.spec);
    const ec2 = await ctx.aws.ec2();
    // One token per resource and apply pass: an engine-level retry of a create that did succeed
    // returns the same flow log instead of making a second one.
    const clientToken = await ctx.memo(`ec2.flowLog.clientToken:${desired.address}`, async () => randomUUID());
    const tags = { ...spec.tags, [OWNERSHIP.tagKey]: OWNERSHIP.tagValue, [APPLIED_TAG]: specDigest(desired.spec) };
    const input = {
      ResourceIds: [spec.resourceId],
      ResourceType: spec.resourceType,
      TrafficType: spec.trafficType,
      LogDestinationType: "s3" as const,
      LogDestination: spec.logDestination,
      LogFormat: spec.logFormat,
      MaxAggregationInterval: spec.maxAggregationInterval,
      DestinationOptions: {
        FileFormat: spec.fileFormat,
        HiveCompatiblePartitions: spec.hiveCompatiblePartitions,
        PerHourPartition: spec.perHourPartition,
      },
      TagSpecifications: [{ ResourceType: "vpc-flow-log" as const, Tags: tagList(tags) }],
      ClientToken: clientToken,
    };
    let failures: readonly UnsuccessfulItem[];
    let created: string | undefined;
    try {
      const out = await ec2.createFlowLogs(input);
      failures = out.Unsuccessful ?? [];
      created = out.FlowLogIds?.[0];
    } catch (e) {
      // Whether AWS reports a duplicate as a top-level error or an Unsuccessful item is unconfirmed.
      if (!(e instanceof AwsError) || e.awsCode !== "FlowLogAlreadyExists") throw e;
      failures = [{ ResourceId: spec.resourceId, Error: { Code: e.awsCode, Message: e.message } }];
    }
    if (failures.length === 0) {
      return created === undefined
        ? null
        : { id: created, fingerprint: fingerprint({ id: created, spec: { ...spec, tags } }), owned: true, tags };
    }
    if (!failures.every((u) => u.Error?.Code === "FlowLogAlreadyExists")) {
      throw unsuccessfulError("CreateFlowLogs", spec.resourceId, failures);
    }
    // "Already exists" is success only when the existing identical flow log is Cordon's.
    const again = await ec2.describeFlowLogs({ Filter: [{ Name: "resource-id", Values: [spec.resourceId] }] });
    const ours = (again.FlowLogs ?? []).find(
      (f) => isOwned(f) && !flowLogDiff(spec, { ...normalizeLiveFlowLog(f), tags: spec.tags }).replace,
    );
    if (ours !== undefined) return observation(ours, spec.tags).meta;
    throw new AwsError(
      "CreateFlowLogs",
      spec.resourceId,
      "FlowLogAlreadyExists",
      `a flow log with the same settings that Cordon does not manage already exists on ${spec.resourceId}; tag it ${OWNERSHIP.tagKey}=${OWNERSHIP.tagValue} to let Cordon manage it, or delete it`,
    );
  },

  async update(ctx, desired, live) {
    // Only tags change in place (everything else is a replacement).
    const id = live.meta.id!;
    const want: Tags = { ...desired.spec.tags, [APPLIED_TAG]: specDigest(desired.spec) };
    const applied = live.meta.tags?.[APPLIED_TAG];
    const have: Tags = applied === undefined ? live.live.tags : { ...live.live.tags, [APPLIED_TAG]: applied };
    const ec2 = await ctx.aws.ec2();
    const set = Object.entries(want).filter(([k, v]) => have[k] !== v);
    const unset = Object.keys(have).filter((k) => !(k in want) && k !== OWNERSHIP.tagKey);
    if (set.length > 0) await ec2.createTags({ Resources: [id], Tags: set.map(([Key, Value]) => ({ Key, Value })) });
    if (unset.length > 0) await ec2.deleteTags({ Resources: [id], Tags: unset.map((Key) => ({ Key })) });
  },

  async delete(ctx, address: Address, live) {
    const id = live.meta.id;
    if (id === undefined) return;
    const ec2 = await ctx.aws.ec2();
    const out = await ec2.deleteFlowLogs({ FlowLogIds: [id] });
    const failures = (out.Unsuccessful ?? []).filter((u) => u.Error?.Code !== "InvalidFlowLogId.NotFound");
    if (failures.length > 0) throw unsuccessfulError("DeleteFlowLogs", `${id} (${address})`, failures);
  },

  health(live) {
    const extra = live.meta.extra ?? {};
    if (extra["deliverLogsStatus"] !== "FAILED") return null;
    const message = typeof extra["deliverLogsErrorMessage"] === "string" ? extra["deliverLogsErrorMessage"] : "";
    return `flow log ${live.meta.id ?? ""} on ${live.live.resourceId}: log delivery FAILED${message ? `: ${message}` : ""}`;
  },
};
