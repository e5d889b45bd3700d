// ec2.flowLog — one S3 flow log per selected VPC or subnet. name = resource id ("vpc-…"), or
// "vpc-…/fl-…" for an extra Cordon flow log on the same resource (left by an interrupted
// replacement), which discover reports so that the planner deletes it.
//
// Ownership: the OWNERSHIP tag. Observation is batched: ONE paginated DescribeFlowLogs per
// (account, region) and pass serves every flow log observed and the discovery of Cordon's flow
// logs on resources no longer selected.
//
// Flow logs Cordon does not own. AWS allows one flow log per resource and log destination (a
// second one is refused with FlowLogAlreadyExists; whether AWS also compares the other settings is
// not documented), so one already writing to the declared destination decides what Cordon can do:
//   - it meets the policy (every setting but tags): it is coverage. Observed as the resource's
//     flow log with the desired tags (a no-op) and a note; never changed. With `adopt`, it is
//     observed with its own tags instead: the update tags it as Cordon's.
//   - it does not meet the policy: a plan error (ConflictError) naming it and the choices. With
//     `adopt`, it is replaced like Cordon's own.
// Foreign flow logs to other destinations are irrelevant: Cordon adds its own beside them.
//
// Creation is batched: concurrent creates with the same settings share one CreateFlowLogs call.
// Per-resource failures come back as `Unsuccessful` items with HTTP 200 and fail only the resource
// they name; a call that fails as a whole (some endpoints report a duplicate that way) is split in
// halves and sent again until every resource has its own answer, so one VPC's problem never fails
// the others of its batch (throttling and 5xx answers fail the batch: the engine retries it).
// Flow logs are immutable except tags: any other difference is a replacement, create-then-delete;
// when the endpoint refuses the new flow log beside the old one on the same destination, create
// throws SideBySideRefusedError naming the old one, and the engine deletes it and creates the new
// one at once. Delete: InvalidFlowLogId.NotFound is success.
import { randomUUID } from "node:crypto";
import type { FlowLog, UnsuccessfulItem } from "@aws-sdk/client-ec2";
import { isRetryable } from "../aws/errors.js";
import type { TargetPorts } from "../aws/ports.js";
import { fingerprint } from "../domain/fingerprint.js";
import {
  destinationText,
  flowLogDiff,
  normalizeFlowLogSpec,
  normalizeLiveFlowLog,
  normalizeS3Destination,
  unmetSettings,
} from "../domain/flowlog.js";
import { AwsError, ConflictError } from "../model/errors.js";
import {
  ABSENT_FINGERPRINT,
  type Address,
  type DesiredResource,
  type LiveMeta,
  makeAddress,
  type Observation,
  type TargetRef,
} from "../model/resource.js";
import { type FlowLogSpec, OWNERSHIP, type Tags } from "../model/specs.js";
import { APPLIED_TAG, specDigest, withoutAppliedTag } from "./applied-tag.js";
import { batcher, type Settled } from "./batch.js";
import {
  type Discovered,
  type Handler,
  type HandlerContext,
  type KindDescriptor,
  SideBySideRefusedError,
  startEarly,
} from "./contract.js";

type Ctx = HandlerContext<TargetPorts>;
type Live = Observation<FlowLogSpec> & { exists: true };

/** Every flow log of the target (Cordon's and others'), read once per pass. */
function allFlowLogs(ctx: Ctx): Promise<readonly FlowLog[]> {
  return ctx.memo("ec2.flowLogs.all", async () => {
    const ec2 = await ctx.aws.ec2();
    const out: FlowLog[] = [];
    let token: string | undefined;
    do {
      const page = await ec2.describeFlowLogs({
        MaxResults: 1000,
        ...(token !== undefined ? { NextToken: token } : {}),
      });
      out.push(...(page.FlowLogs ?? []));
      token = page.NextToken !== undefined && page.NextToken !== "" ? page.NextToken : undefined;
    } while (token !== undefined);
    return out;
  });
}

/**
 * The target's flow logs by resource id, built once per pass (not once per VPC observed): Cordon's
 * (byResource order) and every flow log with an id (others' included, in DescribeFlowLogs order).
 */
interface FlowLogIndex {
  readonly owned: ReadonlyMap<string, readonly FlowLog[]>;
  readonly all: ReadonlyMap<string, readonly FlowLog[]>;
}

function flowLogIndex(ctx: Ctx): Promise<FlowLogIndex> {
  return ctx.memo("ec2.flowLogs.index", async () => {
    const flowLogs = await allFlowLogs(ctx);
    const all = new Map<string, FlowLog[]>();
    for (const f of flowLogs) {
      if (f.ResourceId === undefined || f.FlowLogId === undefined) continue;
      const list = all.get(f.ResourceId);
      if (list === undefined) all.set(f.ResourceId, [f]);
      else list.push(f);
    }
    return { owned: byResource(flowLogs), all };
  });
}

const isOwned = (f: FlowLog): boolean =>
  (f.Tags ?? []).some((t) => t.Key === OWNERSHIP.tagKey && t.Value === OWNERSHIP.tagValue);

/** Newest first (CreationTime), then by id: the first is the resource's primary flow log. */
function byResource(flowLogs: readonly FlowLog[]): Map<string, FlowLog[]> {
  const m = new Map<string, FlowLog[]>();
  for (const f of flowLogs) {
    if (f.ResourceId === undefined || f.FlowLogId === undefined || !isOwned(f)) continue;
    const list = m.get(f.ResourceId);
    if (list === undefined) m.set(f.ResourceId, [f]);
    else list.push(f);
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

const sameDestination = (f: FlowLog, spec: FlowLogSpec): boolean =>
  f.LogDestinationType === "s3" &&
  normalizeS3Destination(f.LogDestination ?? "") === normalizeS3Destination(spec.logDestination);

/**
 * A flow log Cordon does not own on the declared resource and destination (see the head comment).
 * `extra.adopting` marks one the policy lets Cordon take over (update, replace, delete).
 */
function foreignObservation(f: FlowLog, desired: DesiredResource<FlowLogSpec>): Live {
  const spec = desired.spec;
  const base = observation(f, spec.tags);
  const id = f.FlowLogId!;
  const unmet = unmetSettings(spec, base.live);
  const differ = `${unmet.join(", ")} ${unmet.length === 1 ? "differs" : "differ"}`;
  const where = `${spec.resourceId} already has flow log ${id} (not Cordon's) to ${destinationText(spec.logDestination)}`;
  if (spec.adopt !== true) {
    if (unmet.length > 0 && desired.mode === "observe") {
      // Nothing is ever changed in observe mode: the difference is reported, not refused.
      return {
        ...base,
        meta: { ...base.meta, owned: false, notes: [`${where} that does not meet the policy (${differ})`] },
      };
    }
    if (unmet.length > 0) {
      throw new ConflictError(
        `${where} that does not meet the policy (${differ}): AWS allows one flow log per resource and destination, so Cordon cannot add its own beside it. Set flowLogs.adopt: true to let Cordon replace it, or change or delete flow log ${id} (${desired.origin.file})`,
      );
    }
    return {
      exists: true,
      live: { ...base.live, tags: spec.tags },
      meta: { ...base.meta, owned: false, notes: [`${where} that meets the policy: left alone`] },
    };
  }
  const note =
    unmet.length === 0
      ? `adopting ${where}: it meets the policy, so Cordon tags it as its own`
      : `adopting ${where}: it does not meet the policy (${differ}), so Cordon replaces it like its own`;
  return {
    ...base,
    meta: { ...base.meta, owned: false, notes: [note], extra: { ...base.meta.extra, adopting: true } },
  };
}

/** Cordon may change or delete it: its own, or one the policy adopts. */
const mayChange = (live: Live): boolean => live.meta.owned || live.meta.extra?.["adopting"] === true;

const tagList = (tags: Tags) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

function unsuccessfulError(
  operation: string,
  resource: string,
  items: readonly UnsuccessfulItem[],
  target?: TargetRef,
): AwsError {
  const first = items[0];
  const message = first?.Error?.Message ?? "AWS reported the operation as unsuccessful";
  // A bucket of another account whose policy does not admit this source (docs/aws-behaviour.md,
  // "Cross-account delivery to a central bucket"): say which account and region it must admit.
  const denied = target !== undefined && message.startsWith("Access Denied for LogDestination");
  return new AwsError(
    operation,
    first?.ResourceId ?? resource,
    first?.Error?.Code ?? "Unsuccessful",
    denied
      ? `${message} The bucket's policy does not admit log delivery from account ${target.account} in ${target.region}: for a central log-archive bucket, add them to the sources of its account's policy (flowLogs.bucket.sources) and apply it first.`
      : message,
  );
}

/** At most this many ids per CreateFlowLogs / DeleteFlowLogs call (the APIs' limit). */
const MAX_IDS_PER_CALL = 1000;

/**
 * Flow-log creations the executor starts together share one CreateFlowLogs call per identical
 * configuration (it takes up to 1,000 resource ids): applying a policy to 500 VPCs costs a handful
 * of calls, not 500. An Unsuccessful item fails only the resource it names; a call refused as a
 * whole (other than throttling or a 5xx) is split in halves and sent again, so that every resource
 * gets its own answer.
 */
const createBatcher = (ctx: Ctx) =>
  batcher<FlowLogSpec, LiveMeta | null>(MAX_IDS_PER_CALL, (specs) => createFlowLogs(ctx, specs));

async function createFlowLogs(ctx: Ctx, specs: readonly FlowLogSpec[]): Promise<Settled<LiveMeta | null>[]> {
  const spec = specs[0]!;
  const ec2 = await ctx.aws.ec2();
  // Every spec of a batch has the same settings, hence the same applied digest.
  const tags = {
    ...spec.tags,
    [OWNERSHIP.tagKey]: OWNERSHIP.tagValue,
    [APPLIED_TAG]: flowLogAppliedDigest(spec),
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
    if (specs.length > 1 && !isRetryable(e)) {
      // Each half answers for its own resources only.
      const half = Math.ceil(specs.length / 2);
      const send = (part: readonly FlowLogSpec[]) =>
        createFlowLogs(ctx, part).catch((error: unknown) =>
          part.map((): Settled<LiveMeta | null> => ({ ok: false, error })),
        );
      const [a, b] = await Promise.all([send(specs.slice(0, half)), send(specs.slice(half))]);
      return [...a, ...b];
    }
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
        return { ok: false, error: unsuccessfulError("CreateFlowLogs", s.resourceId, mine, ctx.target) };
      }
      try {
        return { ok: true, value: await existingOrError(ctx, s, mine) };
      } catch (error) {
        return { ok: false, error };
      }
    }),
  );
}

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

/**
 * FlowLogAlreadyExists on `spec.resourceId`: success when Cordon's flow log with these settings is
 * there (a retried create). Otherwise the flow log that holds the destination is named: Cordon's
 * (SideBySideRefusedError: the engine replaces it by delete-then-create) or another's.
 */
async function existingOrError(ctx: Ctx, spec: FlowLogSpec, items: readonly UnsuccessfulItem[]): Promise<LiveMeta> {
  const ec2 = await ctx.aws.ec2();
  const again = await ec2.describeFlowLogs({ Filter: [{ Name: "resource-id", Values: [spec.resourceId] }] });
  const onResource = again.FlowLogs ?? [];
  const ours = onResource.find(
    (f) => isOwned(f) && !flowLogDiff(spec, { ...normalizeLiveFlowLog(f), tags: spec.tags }).replace,
  );
  if (ours !== undefined) return observation(ours, spec.tags).meta;
  const there = onResource.filter((f) => sameDestination(f, spec));
  const holder = there.find(isOwned) ?? there[0];
  const dest = destinationText(spec.logDestination);
  if (holder?.FlowLogId !== undefined && isOwned(holder)) {
    throw new SideBySideRefusedError(
      "CreateFlowLogs",
      spec.resourceId,
      "FlowLogAlreadyExists",
      holder.FlowLogId,
      `AWS refuses a second flow log on ${spec.resourceId} to ${dest} (FlowLogAlreadyExists): Cordon's flow log ${holder.FlowLogId} is there`,
    );
  }
  if (holder?.FlowLogId !== undefined) {
    throw new SideBySideRefusedError(
      "CreateFlowLogs",
      spec.resourceId,
      "FlowLogAlreadyExists",
      holder.FlowLogId,
      `AWS refuses a second flow log on ${spec.resourceId} to ${dest} (FlowLogAlreadyExists): flow log ${holder.FlowLogId} (not Cordon's) is there${spec.adopt === true ? "" : "; set flowLogs.adopt: true to let Cordon take it over, or change or delete it"}`,
    );
  }
  throw unsuccessfulError("CreateFlowLogs", spec.resourceId, items);
}

/** Cordon never changes a flow log it does not own unless the policy adopts it. */
function refuseForeign(live: Live, what: "tag" | "delete"): void {
  if (mayChange(live)) return;
  throw new ConflictError(
    `flow log ${live.meta.id ?? "?"} on ${live.live.resourceId} is not Cordon's and the policy does not adopt it: not going to ${what} it`,
  );
}

/**
 * The applied digest of a flow log covers the normalised settings without the resource id (the
 * address names the resource), so that one batched CreateFlowLogs call tags every flow log it
 * creates alike.
 */
export const flowLogAppliedDigest = (spec: FlowLogSpec): string =>
  specDigest({ ...normalizeFlowLogSpec(spec), resourceId: "" });

export const flowLogHandler: Handler<FlowLogSpec, TargetPorts> = {
  kind: "ec2.flowLog",
  batched: ["create", "delete"],

  async observe(ctx, desired) {
    const resourceId = desired.spec.resourceId;
    const index = await flowLogIndex(ctx);
    const list = index.owned.get(resourceId) ?? [];
    const slash = desired.name.indexOf("/");
    const found = slash >= 0 ? list.find((f) => f.FlowLogId === desired.name.slice(slash + 1)) : list[0];
    if (found !== undefined) return observation(found, slash >= 0 ? null : desired.spec.tags);
    if (slash >= 0) return { exists: false, fingerprint: ABSENT_FINGERPRINT };
    // No flow log of Cordon's: one of another owner to the declared destination decides.
    const foreign = (index.all.get(resourceId) ?? [])
      .filter((f) => sameDestination(f, desired.spec))
      .sort((a, b) => (a.FlowLogId ?? "").localeCompare(b.FlowLogId ?? ""));
    const meeting = foreign.find((f) => unmetSettings(desired.spec, normalizeLiveFlowLog(f)).length === 0);
    const chosen = meeting ?? foreign[0];
    if (chosen === undefined) return { exists: false, fingerprint: ABSENT_FINGERPRINT };
    return foreignObservation(chosen, desired);
  },

  prefetch(ctx) {
    startEarly(allFlowLogs(ctx));
  },

  async discover(ctx, declared) {
    const out: Discovered<FlowLogSpec>[] = [];
    for (const [resourceId, list] of (await flowLogIndex(ctx)).owned) {
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
    // `adopt` stays with the spec: a refusal names the choices only when the policy has not made one.
    const spec = {
      ...normalizeFlowLogSpec(desired.spec),
      ...(desired.spec.adopt === true ? { adopt: true as const } : {}),
    };
    const creates = await ctx.memo("ec2.flowLog.createBatcher", async () => createBatcher(ctx));
    return creates.add(fingerprint({ ...spec, resourceId: "" }), spec);
  },

  async update(ctx, desired, live) {
    // Only tags change in place (everything else is a replacement).
    refuseForeign(live, "tag");
    const id = live.meta.id!;
    const want: Tags = { ...desired.spec.tags, [APPLIED_TAG]: flowLogAppliedDigest(desired.spec) };
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
    refuseForeign(live, "delete");
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

export const flowLogKind: KindDescriptor<FlowLogSpec, TargetPorts> = {
  kind: "ec2.flowLog",
  order: 30,
  securityControl: true,
  dataOrMonitoring: true,
  blocksTraffic: false,
  replaceAction: "create-then-delete",
  section: "flowLogs",
  fieldNames: { perHourPartition: "perHourPartitions" },
  iam: {
    declaredBy: (p) => p.flowLogs !== undefined,
    observe: ["ec2.describeFlowLogs"],
    discover: ["ec2.describeFlowLogs"],
    write: ["ec2.createFlowLogs", "ec2.deleteFlowLogs", "ec2.createTags", "ec2.deleteTags"],
  },
  appliedDigest: flowLogAppliedDigest,
  handler: flowLogHandler,
};
