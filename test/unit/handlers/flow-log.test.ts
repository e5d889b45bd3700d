import type { FlowLog } from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import type { Ec2Port, TargetPorts } from "../../../src/aws/ports.js";
import { buildLogFormat, DEFAULT_FIELDS } from "../../../src/domain/flowlog-fields.js";
import { type HandlerContext, SideBySideRefusedError } from "../../../src/handlers/contract.js";
import { flowLogHandler } from "../../../src/handlers/flow-log.js";
import { appliedDigest } from "../../../src/handlers/registry.js";
import { AwsError, ConflictError } from "../../../src/model/errors.js";
import { type DesiredResource, makeAddress, type TargetRef } from "../../../src/model/resource.js";
import { type FlowLogSpec, OWNERSHIP } from "../../../src/model/specs.js";

const target: TargetRef = { account: "111122223333", region: "eu-west-1" };
const owned = [{ Key: OWNERSHIP.tagKey, Value: OWNERSHIP.tagValue }];
const spec: FlowLogSpec = {
  resourceId: "vpc-1",
  resourceType: "VPC",
  trafficType: "ALL",
  logDestination: "arn:aws:s3:::b/flow/",
  logFormat: buildLogFormat(DEFAULT_FIELDS),
  maxAggregationInterval: 600,
  fileFormat: "plain-text",
  hiveCompatiblePartitions: false,
  perHourPartition: false,
  tags: { [OWNERSHIP.tagKey]: OWNERSHIP.tagValue, team: "netsec" },
};
const desired: DesiredResource<FlowLogSpec> = {
  address: makeAddress(target, "ec2.flowLog", "vpc-1"),
  kind: "ec2.flowLog",
  name: "vpc-1",
  target,
  spec,
  mode: "enforce",
  origin: { file: "p.yaml", document: 0, section: "flowLogs" },
  dependsOn: [],
};
const liveItem = (over: Partial<FlowLog> = {}): FlowLog => ({
  FlowLogId: "fl-1",
  ResourceId: "vpc-1",
  TrafficType: "ALL",
  LogDestinationType: "s3",
  LogDestination: "arn:aws:s3:::b/flow/",
  Tags: [...owned, { Key: "team", Value: "netsec" }],
  CreationTime: new Date("2026-01-01T00:00:00Z"),
  ...over,
});

/** A fake EC2 port: canned answers, every call recorded. */
function fakeEc2(answers: Partial<Record<keyof Ec2Port, (input: never) => unknown>>) {
  const calls: { op: string; input: unknown }[] = [];
  const port = new Proxy({} as Ec2Port, {
    // Not a thenable: `await` must not mistake the port for a promise.
    get: (_t, op: string) =>
      op === "then"
        ? undefined
        : async (input: unknown) => {
            calls.push({ op, input });
            const answer = answers[op as keyof Ec2Port];
            if (answer === undefined) return {};
            return (answer as (i: unknown) => unknown)(input);
          },
  });
  const memo = new Map<string, Promise<unknown>>();
  const ctx: HandlerContext<TargetPorts> = {
    target,
    aws: { ec2: async () => port } as unknown as TargetPorts,
    now: () => new Date(),
    log: () => {},
    memo: <T>(k: string, load: () => Promise<T>) => {
      if (!memo.has(k)) memo.set(k, load());
      return memo.get(k) as Promise<T>;
    },
  };
  return { ctx, calls };
}

describe("flow log handler", () => {
  it("observes through one DescribeFlowLogs and picks the newest owned flow log", async () => {
    const { ctx, calls } = fakeEc2({
      describeFlowLogs: () => ({
        FlowLogs: [
          liveItem({ FlowLogId: "fl-old", CreationTime: new Date("2025-01-01T00:00:00Z") }),
          liveItem({ FlowLogId: "fl-new" }),
          liveItem({ FlowLogId: "fl-foreign", Tags: [] }),
        ],
      }),
    });
    const o = await flowLogHandler.observe(ctx, desired);
    const again = await flowLogHandler.observe(ctx, { ...desired });
    expect(o.exists && o.meta.id).toBe("fl-new");
    expect(again.exists && flowLogHandler.diff(spec, again.live).fields).toEqual([]);
    expect(calls).toEqual([
      // Unfiltered: flow logs of other owners to the declared destination count too.
      { op: "describeFlowLogs", input: { MaxResults: 1000 } },
    ]);
    const found = await flowLogHandler.discover!(ctx, new Set([desired.address]));
    expect(found.map((d) => d.name)).toEqual(["vpc-1/fl-old"]);
  });

  it("follows NextToken until the last page", async () => {
    const { ctx, calls } = fakeEc2({
      describeFlowLogs: (i: { NextToken?: string }) =>
        i.NextToken === undefined ? { FlowLogs: [], NextToken: "p2" } : { FlowLogs: [liveItem()] },
    });
    const o = await flowLogHandler.observe(ctx, desired);
    expect(o.exists).toBe(true);
    expect(calls).toHaveLength(2);
  });

  it("treats Unsuccessful items of CreateFlowLogs as errors naming the resource", async () => {
    const { ctx } = fakeEc2({
      createFlowLogs: () => ({
        FlowLogIds: [],
        Unsuccessful: [{ ResourceId: "vpc-1", Error: { Code: "400", Message: "LogDestination: b does not exist" } }],
      }),
    });
    await expect(flowLogHandler.create(ctx, desired)).rejects.toThrow(
      "CreateFlowLogs on vpc-1 failed: 400: LogDestination: b does not exist",
    );
  });

  it("accepts FlowLogAlreadyExists only when the existing flow log is Cordon's", async () => {
    const dup = { Unsuccessful: [{ ResourceId: "vpc-1", Error: { Code: "FlowLogAlreadyExists", Message: "dup" } }] };
    const ours = fakeEc2({ createFlowLogs: () => dup, describeFlowLogs: () => ({ FlowLogs: [liveItem()] }) });
    await expect(flowLogHandler.create(ours.ctx, desired)).resolves.toMatchObject({ id: "fl-1" });
    const theirs = fakeEc2({
      createFlowLogs: () => dup,
      describeFlowLogs: () => ({ FlowLogs: [liveItem({ Tags: [] })] }),
    });
    const refused = flowLogHandler.create(theirs.ctx, desired);
    await expect(refused).rejects.toBeInstanceOf(SideBySideRefusedError);
    await expect(refused).rejects.toThrow(
      "AWS refuses a second flow log on vpc-1 to s3://b/flow/ (FlowLogAlreadyExists): flow log fl-1 (not Cordon's) is there; set flowLogs.adopt: true",
    );
  });

  it("names Cordon's own flow log when AWS refuses a replacement beside it (never 'not Cordon's')", async () => {
    const dup = { Unsuccessful: [{ ResourceId: "vpc-1", Error: { Code: "FlowLogAlreadyExists", Message: "dup" } }] };
    const { ctx } = fakeEc2({
      createFlowLogs: () => dup,
      describeFlowLogs: () => ({ FlowLogs: [liveItem({ FlowLogId: "fl-old", TrafficType: "REJECT" })] }),
    });
    const refused = flowLogHandler.create(ctx, desired);
    await expect(refused).rejects.toMatchObject({ existingId: "fl-old" });
    await expect(refused).rejects.toThrow("Cordon's flow log fl-old is there");
    await expect(flowLogHandler.create(ctx, desired)).rejects.not.toThrow(/not Cordon's/);
  });

  const foreignCases = [
    {
      reason: "meets the policy, not adopted: coverage, a no-op with a note",
      item: liveItem({ FlowLogId: "fl-theirs", Tags: [{ Key: "team", Value: "legacy" }] }),
      adopt: false,
      diff: [],
      note: "vpc-1 already has flow log fl-theirs (not Cordon's) to s3://b/flow/ that meets the policy: left alone",
    },
    {
      reason: "meets the policy, adopted: an update that tags it",
      item: liveItem({ FlowLogId: "fl-theirs", Tags: [{ Key: "team", Value: "netsec" }] }),
      adopt: true,
      diff: [`/tags/${OWNERSHIP.tagKey}`],
      note: "adopting vpc-1 already has flow log fl-theirs (not Cordon's) to s3://b/flow/: it meets the policy, so Cordon tags it as its own",
    },
    {
      reason: "does not meet the policy, adopted: replaced like Cordon's own",
      item: liveItem({ FlowLogId: "fl-theirs", TrafficType: "REJECT", Tags: [{ Key: "team", Value: "netsec" }] }),
      adopt: true,
      diff: [`/tags/${OWNERSHIP.tagKey}`, "/trafficType"],
      note: "adopting vpc-1 already has flow log fl-theirs (not Cordon's) to s3://b/flow/: it does not meet the policy (trafficType differs), so Cordon replaces it like its own",
    },
  ];
  it.each(foreignCases)("a foreign flow log to the declared destination that $reason", async (c) => {
    const { ctx } = fakeEc2({ describeFlowLogs: () => ({ FlowLogs: [c.item] }) });
    const want = { ...desired, spec: { ...spec, ...(c.adopt ? { adopt: true as const } : {}) } };
    const o = await flowLogHandler.observe(ctx, want);
    if (!o.exists) throw new Error("observed as absent");
    expect(o.meta.owned).toBe(false);
    expect(o.meta.notes).toEqual([c.note]);
    expect(flowLogHandler.diff(want.spec, o.live).fields.map((f) => f.path)).toEqual(c.diff);
  });

  it("a foreign flow log to the destination that does not meet the policy is a conflict naming it and the choices", async () => {
    const { ctx } = fakeEc2({
      describeFlowLogs: () => ({ FlowLogs: [liveItem({ FlowLogId: "fl-theirs", TrafficType: "REJECT", Tags: [] })] }),
    });
    const observed = flowLogHandler.observe(ctx, desired);
    await expect(observed).rejects.toBeInstanceOf(ConflictError);
    await expect(observed).rejects.toThrow(
      "vpc-1 already has flow log fl-theirs (not Cordon's) to s3://b/flow/ that does not meet the policy (trafficType differs): AWS allows one flow log per resource and destination, so Cordon cannot add its own beside it. Set flowLogs.adopt: true to let Cordon replace it, or change or delete flow log fl-theirs (p.yaml)",
    );
  });

  it("in observe mode, a foreign flow log that does not meet the policy is reported, not a conflict", async () => {
    const { ctx } = fakeEc2({
      describeFlowLogs: () => ({ FlowLogs: [liveItem({ FlowLogId: "fl-theirs", TrafficType: "REJECT", Tags: [] })] }),
    });
    const o = await flowLogHandler.observe(ctx, { ...desired, mode: "observe" });
    if (!o.exists) throw new Error("observed as absent");
    expect(o.meta.owned).toBe(false);
    expect(o.meta.notes).toEqual([
      "vpc-1 already has flow log fl-theirs (not Cordon's) to s3://b/flow/ that does not meet the policy (trafficType differs)",
    ]);
    expect(flowLogHandler.diff(spec, o.live).replace).toBe(true);
  });

  it("ignores foreign flow logs to other destinations, and never tags or deletes a foreign one it does not adopt", async () => {
    const { ctx, calls } = fakeEc2({
      describeFlowLogs: () => ({
        FlowLogs: [liveItem({ FlowLogId: "fl-elsewhere", LogDestination: "arn:aws:s3:::b/other/", Tags: [] })],
      }),
    });
    expect((await flowLogHandler.observe(ctx, desired)).exists).toBe(false);
    const foreign = {
      exists: true as const,
      live: spec,
      meta: { id: "fl-theirs", fingerprint: "x", owned: false },
    };
    await expect(flowLogHandler.update(ctx, desired, foreign)).rejects.toThrow(/not Cordon's/);
    await expect(flowLogHandler.delete(ctx, desired.address, foreign)).rejects.toThrow(/not Cordon's/);
    expect(calls.map((c) => c.op)).toEqual(["describeFlowLogs"]);
  });

  it("a FlowLogAlreadyExists for the whole call (as some endpoints send it) fails no other resource of the batch", async () => {
    const { ctx, calls } = fakeEc2({
      createFlowLogs: (i: { ResourceIds: string[] }) => {
        if (i.ResourceIds.includes("vpc-2")) {
          throw new AwsError(
            "CreateFlowLogs",
            "flow log",
            "FlowLogAlreadyExists",
            "There is an existing Flow Log",
            400,
          );
        }
        return { FlowLogIds: i.ResourceIds.map((r) => `fl-${r}`), Unsuccessful: [] };
      },
      // vpc-2 already has Cordon's flow log with these settings: a retried create, success.
      describeFlowLogs: () => ({ FlowLogs: [liveItem({ FlowLogId: "fl-2", ResourceId: "vpc-2" })] }),
    });
    const results = await Promise.allSettled(
      ["vpc-1", "vpc-2", "vpc-3"].map((id) =>
        flowLogHandler.create(ctx, { ...desired, name: id, spec: { ...spec, resourceId: id } }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "fulfilled"]);
    expect((results[1] as PromiseFulfilledResult<unknown>).value).toMatchObject({ id: "fl-2" });
    expect(calls.filter((c) => c.op === "createFlowLogs").length).toBeGreaterThan(1);
  });

  it("splits a batch refused as a whole until each resource has its own answer", async () => {
    const { ctx, calls } = fakeEc2({
      createFlowLogs: (i: { ResourceIds: string[] }) => {
        if (i.ResourceIds.includes("vpc-bad")) {
          throw new AwsError("CreateFlowLogs", "flow log", "InvalidParameterValue", "bad one", 400);
        }
        return { FlowLogIds: i.ResourceIds.map((r) => `fl-${r}`), Unsuccessful: [] };
      },
    });
    const ids = ["vpc-1", "vpc-2", "vpc-bad", "vpc-3", "vpc-4"];
    const results = await Promise.allSettled(
      ids.map((id) => flowLogHandler.create(ctx, { ...desired, name: id, spec: { ...spec, resourceId: id } })),
    );
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled", "fulfilled"]);
    expect((results[2] as PromiseRejectedResult).reason.message).toMatch(/bad one/);
    const sent = calls.map((c) => (c.input as { ResourceIds: string[] }).ResourceIds);
    expect(sent[0]).toEqual(ids);
    // Every resource but the bad one was eventually sent in a call that succeeded.
    expect(
      sent
        .filter((r) => !r.includes("vpc-bad"))
        .flat()
        .sort(),
    ).toEqual(["vpc-1", "vpc-2", "vpc-3", "vpc-4"]);
  });

  it("batches creations started together into one CreateFlowLogs per configuration; failures stay per resource", async () => {
    const { ctx, calls } = fakeEc2({
      createFlowLogs: (i: { ResourceIds: string[] }) => ({
        FlowLogIds: i.ResourceIds.filter((r) => r !== "vpc-bad").map((r) => `fl-${r}`),
        Unsuccessful: i.ResourceIds.includes("vpc-bad")
          ? [{ ResourceId: "vpc-bad", Error: { Code: "InvalidVpcID.NotFound", Message: "no such VPC" } }]
          : [],
      }),
    });
    const at = (id: string, over: Partial<FlowLogSpec> = {}) =>
      flowLogHandler.create(ctx, { ...desired, name: id, spec: { ...spec, resourceId: id, ...over } });
    const results = await Promise.allSettled([
      at("vpc-1"),
      at("vpc-2"),
      at("vpc-bad"),
      at("vpc-3", { trafficType: "REJECT" }),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled"]);
    expect((results[2] as PromiseRejectedResult).reason.message).toBe(
      "CreateFlowLogs on vpc-bad failed: InvalidVpcID.NotFound: no such VPC",
    );
    const sent = calls.map((c) => c.input as { ResourceIds: string[]; TrafficType: string; ClientToken: string });
    expect(sent.map((c) => [c.TrafficType, c.ResourceIds])).toEqual([
      ["ALL", ["vpc-1", "vpc-2", "vpc-bad"]],
      ["REJECT", ["vpc-3"]],
    ]);
    expect(sent[0]?.ClientToken).not.toBe(sent[1]?.ClientToken);
  });

  it("delete tolerates InvalidFlowLogId.NotFound and fails on any other Unsuccessful item", async () => {
    const live = { exists: true as const, live: spec, meta: { id: "fl-1", fingerprint: "x", owned: true } };
    const gone = fakeEc2({
      deleteFlowLogs: () => ({ Unsuccessful: [{ ResourceId: "fl-1", Error: { Code: "InvalidFlowLogId.NotFound" } }] }),
    });
    await expect(flowLogHandler.delete(gone.ctx, desired.address, live)).resolves.toBeUndefined();
    const denied = fakeEc2({
      deleteFlowLogs: () => ({
        Unsuccessful: [{ ResourceId: "fl-1", Error: { Code: "AccessDenied", Message: "no" } }],
      }),
    });
    const failure = flowLogHandler.delete(denied.ctx, desired.address, live);
    await expect(failure).rejects.toBeInstanceOf(AwsError);
    await expect(failure).rejects.toThrow("DeleteFlowLogs on fl-1 failed: AccessDenied: no");
  });

  it("updates tags in place without touching tags Cordon does not manage", async () => {
    const { ctx, calls } = fakeEc2({
      describeFlowLogs: () => ({
        FlowLogs: [liveItem({ Tags: [...owned, { Key: "team", Value: "old" }, { Key: "cost-centre", Value: "42" }] })],
      }),
    });
    const live = await flowLogHandler.observe(ctx, desired);
    if (!live.exists) throw new Error("exists");
    expect(live.live.tags).toEqual({ [OWNERSHIP.tagKey]: OWNERSHIP.tagValue, team: "old" });
    await flowLogHandler.update(ctx, desired, live);
    // The applied-digest tag (cordon drift's record of what was applied) is rewritten with the change.
    expect(calls.slice(1)).toEqual([
      {
        op: "createTags",
        input: {
          Resources: ["fl-1"],
          Tags: [
            { Key: "team", Value: "netsec" },
            { Key: "cordon:applied", Value: appliedDigest("ec2.flowLog", desired.spec) },
          ],
        },
      },
    ]);
  });

  it("reports a FAILED delivery with AWS's message", () => {
    const live = {
      exists: true as const,
      live: spec,
      meta: {
        id: "fl-1",
        fingerprint: "x",
        owned: true,
        extra: { deliverLogsStatus: "FAILED", deliverLogsErrorMessage: "Access error" },
      },
    };
    expect(flowLogHandler.health!(live)).toBe("flow log fl-1 on vpc-1: log delivery FAILED: Access error");
    expect(flowLogHandler.health!({ ...live, meta: { ...live.meta, extra: { deliverLogsStatus: "SUCCESS" } } })).toBe(
      null,
    );
  });
});
