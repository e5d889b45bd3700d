// Flow logs Cordon does not own, batch isolation and the "one flow log per resource and
// destination" rule, end to end: the built CLI against an in-process sandbox.
//   - a foreign flow log to the declared destination that meets the policy is coverage (left
//     alone, noted in the plan); one that does not is a plan error naming it and the choices;
//     `adopt: true` tags the first and replaces the second;
//   - one VPC's failure in a batched CreateFlowLogs fails that VPC only;
//   - a replacement on the same destination converges in one apply under the sandbox's strict rule
//     (delete, then create at once: one short gap, watched by a poller) and stays
//     create-then-delete under the per-config rule.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CreateFlowLogsCommand, DescribeFlowLogsCommand, EC2Client, type FlowLog } from "@aws-sdk/client-ec2";
import { type SandboxHandle, startSandbox } from "@cordon/sandbox";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { PlanDocument } from "../../src/model/plan.js";
import {
  ACCOUNT,
  cordonRunner,
  isResourceWrite,
  makeTmp,
  oneRegionEstate,
  pending,
  REGION,
  requireCli,
  sandboxClientConfig,
  TODAY,
} from "./helpers.js";

process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true";

const KEY = "AKIAFLOWLOGS00000001";
const BUCKET = "flow-logs-e2e-111122223333";
const DEST = `arn:aws:s3:::${BUCKET}/flow/`;
const VPCS = [1, 2, 3, 4, 5, 6].map((i) => `vpc-00000000000f1a00${i}`);
const [V1, V2, V3, V4, V5] = VPCS as [string, string, string, string, string, string];
const A = (vpc: string) => `${ACCOUNT}/${REGION}/ec2.flowLog/${vpc}`;
const NEW_FIELDS = "[version, interface-id, srcaddr, dstaddr, action]";
/** NEW_FIELDS as AWS's LogFormat. */
const NEW_FORMAT = ["version", "interface-id", "srcaddr", "dstaddr", "action"].map((f) => `\${${f}}`).join(" ");
const STACK_FRAME = /\n\s+at [^\n]+:\d+:\d+/;

const tmp = makeTmp("cordon-flow-logs-");
let sandbox: SandboxHandle;
let ec2: EC2Client;
/** The gap pollers' client: another access key, so their reads stay apart from the CLI's in the request log. */
let poller: EC2Client;
const cordon = cordonRunner({ tmp, endpoint: () => sandbox.url, accessKeyId: KEY, maxAttempts: 2 });

function policy(o: { vpcs?: string; trafficType?: string; adopt?: boolean; fields?: string } = {}): string {
  return [
    "apiVersion: cordon.dev/v1",
    "kind: Policy",
    "metadata: { name: flow-e2e }",
    `target: { account: "${ACCOUNT}", region: ${REGION} }`,
    "flowLogs:",
    `  bucket: { name: ${BUCKET}, create: false, prefix: flow }`,
    `  vpcs: ${o.vpcs ?? "{ all: true }"}`,
    `  trafficType: ${o.trafficType ?? "ALL"}`,
    ...(o.fields === undefined ? [] : [`  fields: ${o.fields}`]),
    ...(o.adopt === undefined ? [] : [`  adopt: ${o.adopt}`]),
    "",
  ].join("\n");
}

const writePolicy = (text: string) => writeFileSync(join(tmp, "policies/flow.yaml"), text);

/** A fresh sandbox state: the six VPCs and the (foreign, existing) bucket. */
function reset(rule: "strict" | "per-config" = "strict"): void {
  sandbox.control.reset();
  sandbox.control.setFaults({});
  sandbox.control.setConfig({ flowLogRule: rule });
  sandbox.control.seed(
    oneRegionEstate({
      vpcs: VPCS.map((id, i) => ({ id, cidr: `10.${60 + i}.0.0/16` })),
      buckets: [{ name: BUCKET }],
    }),
  );
  sandbox.control.seed({ accessKeys: { [KEY]: { account: ACCOUNT } } });
}

/** A flow log made by someone else (no Cordon tags), as a person with the console would. */
async function foreignFlowLog(vpc: string, over: { destination?: string; trafficType?: "ALL" | "REJECT" } = {}) {
  const out = await ec2.send(
    new CreateFlowLogsCommand({
      ResourceIds: [vpc],
      ResourceType: "VPC",
      TrafficType: over.trafficType ?? "ALL",
      LogDestinationType: "s3",
      LogDestination: over.destination ?? DEST,
      TagSpecifications: [{ ResourceType: "vpc-flow-log", Tags: [{ Key: "team", Value: "legacy" }] }],
    }),
  );
  expect(out.Unsuccessful ?? []).toEqual([]);
  return out.FlowLogIds![0]!;
}

const flowLogs = async (vpc?: string, client = ec2): Promise<FlowLog[]> =>
  (
    await client.send(
      new DescribeFlowLogsCommand(vpc === undefined ? {} : { Filter: [{ Name: "resource-id", Values: [vpc] }] }),
    )
  ).FlowLogs ?? [];

const tagsOf = (f: FlowLog | undefined) => Object.fromEntries((f?.Tags ?? []).map((t) => [t.Key, t.Value]));
const isCordons = (f: FlowLog) => tagsOf(f)["cordon:managed-by"] === "cordon";

async function planJson(): Promise<PlanDocument> {
  const r = await cordon(["plan", "policies", "--format", "json", "--today", TODAY]);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as PlanDocument;
}

const apply = () => cordon(["apply", "policies", "--auto-approve", "--today", TODAY]);

const writes = () =>
  sandbox.control
    .requests()
    .filter((q) => q.accessKeyId === KEY && isResourceWrite(q))
    .map((q) => `${q.operation}${q.errorCode ? `:${q.errorCode}` : ""}`);

beforeAll(async () => {
  requireCli();
  sandbox = await startSandbox({ requestLogSize: 5000 });
  ec2 = new EC2Client(sandboxClientConfig(sandbox.url, KEY));
  poller = new EC2Client(sandboxClientConfig(sandbox.url, "AKIAFLOWPOLLER000001"));
  mkdirSync(join(tmp, "policies"));
});

afterEach(() => sandbox.control.setFaults({}));

afterAll(async () => {
  ec2?.destroy();
  poller?.destroy();
  await sandbox?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe("foreign flow logs to the declared destination", () => {
  it("vpcs: all — one that meets the policy is coverage, left alone and noted; the other VPCs get Cordon's", async () => {
    reset();
    writePolicy(policy());
    const theirs = await foreignFlowLog(V1);
    const elsewhere = await foreignFlowLog(V2, { destination: `arn:aws:s3:::${BUCKET}/other/` });

    const plan = await planJson();
    expect(plan.changes.find((c) => c.address === A(V1))?.action).toBe("no-op");
    const note = `${V1} already has flow log ${theirs} (not Cordon's) to s3://${BUCKET}/flow/ that meets the policy: left alone`;
    expect(plan.notes).toContainEqual({ severity: "info", address: A(V1), message: note });
    // A foreign flow log to another destination does not count: Cordon adds its own beside it.
    expect(
      pending(plan)
        .filter((c) => c.includes("ec2.flowLog"))
        .sort(),
    ).toEqual(VPCS.slice(1).map((v) => `create ${A(v)}`));
    const text = await cordon(["plan", "policies", "--detailed-exitcode", "--today", TODAY]);
    expect(text.status).toBe(2);
    expect(text.stdout).toContain(note);

    sandbox.control.clearRequests();
    const r = await apply();
    expect(r.stderr).not.toMatch(/failed|does not manage/);
    expect(r.stdout).toContain("Apply complete: 6 applied, 0 failed, 0 skipped.");
    expect(r.status).toBe(0);
    // Nothing of the foreign flow logs was touched.
    expect(writes().filter((w) => !w.startsWith("CreateFlowLogs") && !w.startsWith("PutBucketPolicy"))).toEqual([]);
    const v1 = await flowLogs(V1);
    expect(v1.map((f) => [f.FlowLogId, tagsOf(f)])).toEqual([[theirs, { team: "legacy" }]]);
    const v2 = await flowLogs(V2);
    expect(v2.map((f) => f.FlowLogId)).toContain(elsewhere);
    for (const v of VPCS.slice(1)) {
      const ours = (await flowLogs(v)).filter(isCordons);
      expect(
        ours.map((f) => f.LogDestination),
        v,
      ).toEqual([DEST]);
    }
    const again = await cordon(["plan", "policies", "--detailed-exitcode", "--today", TODAY]);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain(note);
  });

  it("one that does not meet the policy is a plan error naming it and the choices; nothing is changed", async () => {
    reset();
    writePolicy(policy());
    const theirs = await foreignFlowLog(V3, { trafficType: "REJECT" });
    const also = await foreignFlowLog(V4, { trafficType: "REJECT" });
    const r = await cordon(["plan", "policies", "--detailed-exitcode", "--today", TODAY]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    // Every such flow log of the pass is named, not only the first.
    expect(r.stderr).toContain("2 resources need a decision before Cordon can plan them");
    for (const [vpc, id] of [
      [V3, theirs],
      [V4, also],
    ]) {
      expect(r.stderr).toContain(
        `${vpc} already has flow log ${id} (not Cordon's) to s3://${BUCKET}/flow/ that does not meet the policy (trafficType differs): AWS allows one flow log per resource and destination, so Cordon cannot add its own beside it.`,
      );
    }
    expect(r.stderr).toContain("Set flowLogs.adopt: true to let Cordon replace it, or change or delete flow log");
    expect(r.stderr).not.toMatch(STACK_FRAME);

    sandbox.control.clearRequests();
    const a = await apply();
    expect(a.status).toBe(1);
    expect(a.stderr).toContain(`${V3} already has flow log ${theirs}`);
    expect(writes().filter((w) => !w.startsWith("PutObject") && !w.startsWith("DeleteObject"))).toEqual([]);
    expect((await flowLogs()).map((f) => f.FlowLogId).sort()).toEqual([theirs, also].sort());
  });

  it("adopt: true tags the one that meets the policy and replaces the one that does not, in one apply", async () => {
    reset();
    writePolicy(policy({ vpcs: `{ ids: [${V1}, ${V3}] }`, adopt: true }));
    const meets = await foreignFlowLog(V1);
    const differs = await foreignFlowLog(V3, { trafficType: "REJECT" });

    const plan = await planJson();
    expect(pending(plan).filter((c) => c.includes("ec2.flowLog"))).toEqual([
      `update ${A(V1)}`,
      `create-then-delete ${A(V3)}`,
    ]);
    const notes = (v: string) => plan.changes.find((c) => c.address === A(v))?.impact.notes ?? [];
    expect(notes(V1)).toContain(
      `adopting ${V1} already has flow log ${meets} (not Cordon's) to s3://${BUCKET}/flow/: it meets the policy, so Cordon tags it as its own`,
    );
    expect(notes(V3)).toContain(
      `adopting ${V3} already has flow log ${differs} (not Cordon's) to s3://${BUCKET}/flow/: it does not meet the policy (trafficType differs), so Cordon replaces it like its own`,
    );

    const r = await apply();
    expect(r.stderr).toContain(
      `gap ${A(V3)}: AWS refuses a second flow log on ${V3} to s3://${BUCKET}/flow/ (FlowLogAlreadyExists): flow log ${differs} (not Cordon's) is there; deleting ${differs}`,
    );
    // The bucket policy and the two flow logs.
    expect(r.stdout).toContain("Apply complete: 3 applied, 0 failed, 0 skipped.");
    expect(r.status).toBe(0);
    const v1 = await flowLogs(V1);
    expect(v1.map((f) => f.FlowLogId)).toEqual([meets]);
    expect(tagsOf(v1[0])).toMatchObject({ team: "legacy", "cordon:managed-by": "cordon", "cordon:policy": "flow-e2e" });
    const v3 = await flowLogs(V3);
    expect(v3).toHaveLength(1);
    expect(v3[0]?.FlowLogId).not.toBe(differs);
    expect(v3[0]?.TrafficType).toBe("ALL");
    expect(isCordons(v3[0]!)).toBe(true);
    const again = await cordon(["plan", "policies", "--detailed-exitcode", "--today", TODAY]);
    expect(again.status).toBe(0);
  });
});

describe("batched creation", () => {
  it("one VPC refused by CreateFlowLogs fails alone, named; the others of its batch are applied", async () => {
    reset();
    writePolicy(policy());
    // Every CreateFlowLogs call that includes V5 fails as a whole (HTTP 400), as an endpoint that
    // rejects a request for one bad resource does.
    sandbox.control.setFaults({
      rules: [
        {
          kind: "error",
          service: "ec2",
          operation: "CreateFlowLogs",
          resource: V5,
          status: 400,
          code: "InvalidParameterValue",
          message: `injected: ${V5} is refused`,
        },
      ],
    });
    sandbox.control.clearRequests();
    const r = await apply();
    expect(r.status).toBe(1);
    // The bucket policy and five flow logs applied.
    expect(r.stdout).toContain("Apply incomplete: 6 applied, 1 failed, 0 skipped.");
    expect(r.stderr).toContain(
      `${A(V5)}: CreateFlowLogs on flow log for ${V5} failed: InvalidParameterValue: injected`,
    );
    expect(r.stderr).not.toMatch(STACK_FRAME);
    for (const v of VPCS) {
      const ours = (await flowLogs(v)).filter(isCordons);
      expect(ours.length, v).toBe(v === V5 ? 0 : 1);
    }
    // The six VPCs went out together first: the batch was split, not created one call per VPC up front.
    expect(writes().filter((w) => w.startsWith("CreateFlowLogs")).length).toBeGreaterThan(1);
    sandbox.control.setFaults({});
    const plan = await planJson();
    expect(pending(plan)).toEqual([`create ${A(V5)}`]);
  });
});

/** Every ~3 ms: the flow logs of `vpc` to the destination, until `done()` says stop. */
function watchFlowLogs(vpc: string) {
  let stop = false;
  const counts: number[] = [];
  const polling = (async () => {
    while (!stop) {
      counts.push((await flowLogs(vpc, poller)).filter((f) => f.LogDestination === DEST).length);
      await new Promise((r) => setTimeout(r, 3));
    }
  })();
  return {
    async done() {
      stop = true;
      await polling;
      // Runs of equal counts: [1, 0, 1] = one gap.
      return counts.filter((c, i) => i === 0 || counts[i - 1] !== c);
    },
  };
}

describe("changing a flow log's settings on the same destination", () => {
  const slowly = () =>
    sandbox.control.setFaults({
      rules: ["CreateFlowLogs", "DeleteFlowLogs"].map((operation) => ({
        kind: "latency" as const,
        operation,
        latencyMs: 150,
      })),
    });

  it("strict rule, new format: the plan says what may happen; one apply converges with a single delete directly followed by a create", async () => {
    reset("strict");
    writePolicy(policy({ vpcs: `{ ids: [${V4}] }` }));
    expect((await apply()).status).toBe(0);
    const [old] = await flowLogs(V4);
    // A new record format: same destination, so the new flow log cannot sit beside the old one.
    writePolicy(policy({ vpcs: `{ ids: [${V4}] }`, fields: NEW_FIELDS }));

    const plan = await planJson();
    const change = plan.changes.find((c) => c.address === A(V4));
    expect(change?.action).toBe("create-then-delete");
    expect(change?.impact.notes).toContain(
      "same destination: create-then-delete; if AWS refuses a second flow log to it (FlowLogAlreadyExists), the old flow log is deleted and the new one created at once (delete-then-create): the resource has no flow log for that moment",
    );
    const text = await cordon(["plan", "policies", "--today", TODAY]);
    expect(text.stdout).toContain("if AWS refuses a second flow log to it (FlowLogAlreadyExists)");

    slowly();
    sandbox.control.clearRequests();
    const watch = watchFlowLogs(V4);
    const r = await apply();
    const runs = await watch.done();
    expect(r.stderr).not.toMatch(/does not manage|failed/);
    expect(r.stdout).toContain("Apply complete: 1 applied, 0 failed, 0 skipped.");
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(
      `gap ${A(V4)}: AWS refuses a second flow log on ${V4} to s3://${BUCKET}/flow/ (FlowLogAlreadyExists): Cordon's flow log ${old?.FlowLogId} is there; deleting ${old?.FlowLogId} and creating its replacement at once`,
    );
    expect(r.stderr).toMatch(
      new RegExp(
        `note ${A(V4)}: replaced by delete-then-create: AWS refused a second one beside ${old?.FlowLogId}; it was deleted and the replacement created at once \\(absent for \\d+ ms\\)`,
      ),
    );
    // The refused create, then the delete, then directly the create: no other EC2 call in between.
    const ec2Calls = sandbox.control
      .requests()
      .filter((q) => q.accessKeyId === KEY && q.service === "ec2")
      .map((q) => `${q.operation}${q.errorCode ? `:${q.errorCode}` : ""}`);
    const del = ec2Calls.indexOf("DeleteFlowLogs");
    expect(del).toBeGreaterThan(0);
    expect(ec2Calls.slice(del, del + 2)).toEqual(["DeleteFlowLogs", "CreateFlowLogs"]);
    expect(writes().filter((w) => w.includes("FlowLogs"))).toEqual([
      "CreateFlowLogs",
      "DeleteFlowLogs",
      "CreateFlowLogs",
    ]);
    // The poller saw the old flow log, exactly one gap (the latency keeps it open long enough to be
    // seen), and the new flow log.
    expect(runs).toEqual([1, 0, 1]);
    const after = await flowLogs(V4);
    expect(after.map((f) => f.LogFormat)).toEqual([NEW_FORMAT]);
    expect(after[0]?.FlowLogId).not.toBe(old?.FlowLogId);
    const again = await cordon(["plan", "policies", "--detailed-exitcode", "--today", TODAY]);
    expect(again.status).toBe(0);
  });

  it("per-config rule, new format: create-then-delete, the resource is never without a flow log", async () => {
    reset("per-config");
    writePolicy(policy({ vpcs: `{ ids: [${V4}] }` }));
    expect((await apply()).status).toBe(0);
    writePolicy(policy({ vpcs: `{ ids: [${V4}] }`, fields: NEW_FIELDS }));
    const plan = await planJson();
    expect(plan.changes.find((c) => c.address === A(V4))?.action).toBe("create-then-delete");
    slowly();
    sandbox.control.clearRequests();
    const watch = watchFlowLogs(V4);
    const r = await apply();
    const runs = await watch.done();
    expect(r.status).toBe(0);
    expect(r.stderr).not.toMatch(/gap|delete-then-create/);
    expect(writes().filter((w) => w.includes("FlowLogs"))).toEqual(["CreateFlowLogs", "DeleteFlowLogs"]);
    expect(runs).not.toContain(0);
    expect((await flowLogs(V4)).map((f) => f.LogFormat)).toEqual([NEW_FORMAT]);
  });
});
