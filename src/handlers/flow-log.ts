// ec2.flowLog — one S3 flow log per selected VPC or subnet. name = resource id ("vpc-…"), or
// "vpc-…/fl-…" for an extra Cordon flow log on the same resource (left by an interrupted
// replacement), which discover reports so that the planner deletes it.
//
// Ownership: the OWNERSHIP tag. Observation is batched (DESIGN principle 9): ONE paginated
// DescribeFlowLogs per (account, region) and pass, filtered on the ownership tag, serves every
// flow log observed and the discovery of flow logs on resources no longer selected. Foreign flow
// logs are never read into a plan, never changed.
//
// Creation is batched: concurrent creates with the same settings share one CreateFlowLogs call.
// Flow logs are immutable except tags: any other difference is a replacement, create-then-delete
// (the new flow log exists before the old one goes). Create/DeleteFlowLogs report per-resource
// failures as `Unsuccessful` items with HTTP 200: they are errors here, except
// InvalidFlowLogId.NotFound on delete (already gone).
import { randomUUID } from "node:crypto";
import type { FlowLog, UnsuccessfulItem } from "@aws-sdk/client-ec2";
import type { TargetPorts } from "../aws/ports.js";
import { AwsError } from "../model/errors.js";
import { ABSENT_FINGERPRINT, type Address, type LiveMeta, makeAddress, type Observation } from "../model/resource.js";
import { type FlowLogSpec, OWNERSHIP, type Tags } from "../model/specs.js";
import { fingerprint } from "../planner/fingerprint.js";
import { APPLIED_TAG, appliedDigest, withoutAppliedTag } from "./applied-tag.js";
import { batcher, type Settled } from "./batch.js";
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

/** At most this many ids per CreateFlowLogs / DeleteFlowLogs call (the APIs' limit). */
const MAX_IDS_PER_CALL = 1000;

/**
 * Flow-log creations the executor starts together share one CreateFlowLogs call per identical
 * configuration (it takes up to 1,000 resource ids): applying a policy to 500 VPCs costs a handful
 * of calls, not 500. An Unsuccessful item fails only the resource it names.
 */
const createBatcher = (ctx: Ctx) =>
  batcher<FlowLogSpec, LiveMeta | null>(MAX_IDS_PER_CALL, async (specs) => {
    const spec = specs[0]!;
    const ec2 = await ctx.aws.ec2();
    // Every spec of a batch has the same settings, hence the same applied digest.
    const tags = {
      ...spec.tags,
      [OWNERSHIP.tagKey]: OWNERSHIP.tagValue,
      [APPLIED_TAG]: appliedDigest("ec2.flowLog", spec),
    };
    let unsuccessful: readonly UnsuccessfulItem[];
    try {
      const out = await ec2.createFlowLogs({
        ResourceIds: specs.map((s) => s.resourceId),
        ResourceType: spec.resourceType,
        TrafficType: spec.trafficType,
        LogDestinationType: "s3",
        LogDestination: spec.logDestination,
        LogFormat: spec.logFormat,
        MaxAggregationInterval: spec.maxAggregationInterval,
        DestinationOptions: {
          FileFormat: spec.fileFormat,
          HiveCompatiblePartitions: spec.hiveCompatiblePartitions,
          PerHourPartition: spec.perHourPartition,
        },
        TagSpecifications: [{ ResourceType: "vpc-flow-log", Tags: tagList(tags) }],
        // Per call: the SDK's own retries of this request cannot create a second flow log.
        ClientToken: randomUUID(),
      });
      unsuccessful = out.Unsuccessful ?? [];
    } catch (e) {
      // Whether AWS reports a duplicate as a top-level error or an Unsuccessful item is unconfirmed.
      if (!(e instanceof AwsError) || e.awsCode !== "FlowLogAlreadyExists" || specs.length !== 1) throw e;
      unsuccessful = [{ ResourceId: spec.resourceId, Error: { Code: e.awsCode, Message: e.message } }];
    }
    // An item without a resource id concerns the whole call.
    const general = unsuccessful.filter((u) => u.ResourceId === undefined);
    return Promise.all(
      specs.map(async (s): Promise<Settled<LiveMeta | null>> => {
        const mine = [...general, ...unsuccessful.filter((u) => u.ResourceId === s.resourceId)];
        if (mine.length === 0) return { ok: true, value: null };
        if (!mine.every((u) => u.Error?.Code === "FlowLogAlreadyExists")) {
          return { ok: false, error: unsuccessfulError("CreateFlowLogs", s.resourceId, mine) };
        }
        try {
          return { ok: true, value: await existingOrError(ctx, s) };
        } catch (error) {
          return { ok: false, error };
        }
      }),
    );
  });

/** Deletions started together share one DeleteFlowLogs call; InvalidFlowLogId.NotFound is success. */
const deleteBatcher = (ctx: Ctx) =>
  batcher<string, void>(MAX_IDS_PER_CALL, async (ids) => {
    const ec2 = await ctx.aws.ec2();
    const out = await ec2.deleteFlowLogs({ FlowLogIds: [...ids] });
    const failures = (out.Unsuccessful ?? []).filter((u) => u.Error?.Code !== "InvalidFlowLogId.NotFound");
    return ids.map((id): Settled<void> => {
      const mine = failures.filter((u) => u.ResourceId === id || u.ResourceId === undefined);
      return mine.length === 0
        ? { ok: true, value: undefined }
        : { ok: false, error: unsuccessfulError("DeleteFlowLogs", id, mine) };
    });
  });

/** "Already exists" is success only when the existing identical flow log is Cordon's. */
async function existingOrError(ctx: Ctx, spec: FlowLogSpec): Promise<LiveMeta> {
  const ec2 = await ctx.aws.ec2();
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
    const creates = await ctx.memo("ec2.flowLog.createBatcher", async () => createBatcher(ctx));
    return creates.add(fingerprint({ ...spec, resourceId: "" }), spec);
  },

  async update(ctx, desired, live) {
    // Only tags change in place (everything else is a replacement).
    const id = live.meta.id!;
    const want: Tags = { ...desired.spec.tags, [APPLIED_TAG]: appliedDigest("ec2.flowLog", desired.spec) };
    const applied = live.meta.tags?.[APPLIED_TAG];
    const have: Tags = applied === undefined ? live.live.tags : { ...live.live.tags, [APPLIED_TAG]: applied };
    const ec2 = await ctx.aws.ec2();
    const set = Object.entries(want).filter(([k, v]) => have[k] !== v);
    const unset = Object.keys(have).filter((k) => !(k in want) && k !== OWNERSHIP.tagKey);
    if (set.length > 0) await ec2.createTags({ Resources: [id], Tags: set.map(([Key, Value]) => ({ Key, Value })) });
    if (unset.length > 0) await ec2.deleteTags({ Resources: [id], Tags: unset.map((Key) => ({ Key })) });
  },

  async delete(ctx, _address: Address, live) {
    const id = live.meta.id;
    if (id === undefined) return;
    const deletes = await ctx.memo("ec2.flowLog.deleteBatcher", async () => deleteBatcher(ctx));
    await deletes.add("", id);
  },

  health(live) {
    const extra = live.meta.extra ?? {};
    if (extra["deliverLogsStatus"] !== "FAILED") return null;
    const message = typeof extra["deliverLogsErrorMessage"] === "string" ? extra["deliverLogsErrorMessage"] : "";
    return `flow log ${live.meta.id ?? ""} on ${live.live.resourceId}: log delivery FAILED${message ? `: ${message}` : ""}`;
  },
};
