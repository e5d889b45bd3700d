// A plan starts each target's discovery reads (Handler.prefetch: DescribeFlowLogs, the banded
// DescribeNetworkAcls, the WAF lists) with its identity and inventory reads instead of after the
// desired state is built (docs/performance.md, "A third pass"), and makes no call more for it:
// the built CLI against an in-process sandbox with a latency on every call.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type RequestLogEntry, type SandboxHandle, startSandbox } from "@cordon/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT, cordonRunner, makeTmp, oneRegionEstate, REGION, requireCli, TODAY } from "./helpers.js";

process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true";

const KEY = "AKIAPREFETCH00000001";
const VPCS = 2_500; // three pages of DescribeVpcs and, once logged, of DescribeFlowLogs
const tmp = makeTmp("cordon-prefetch-");
let sandbox: SandboxHandle;
const cordon = cordonRunner({ tmp, endpoint: () => sandbox.url, accessKeyId: KEY, maxAttempts: 2 });

const started = (q: RequestLogEntry) => Date.parse(q.time) - q.ms;
const calls = (op: string) => sandbox.control.requests().filter((q) => q.operation === op);

beforeAll(async () => {
  requireCli();
  sandbox = await startSandbox({ requestLogSize: 20_000 });
  const hex = (n: number) => n.toString(16).padStart(17, "0");
  sandbox.control.seed(
    oneRegionEstate({
      vpcs: Array.from({ length: VPCS }, (_, i) => ({
        id: `vpc-${hex(i + 1)}`,
        cidr: `10.${Math.floor(i / 256)}.${i % 256}.0/24`,
      })),
    }),
  );
  sandbox.control.seed({ accessKeys: { [KEY]: { account: ACCOUNT } } });
  mkdirSync(join(tmp, "policies"), { recursive: true });
  writeFileSync(
    join(tmp, "policies/flow.yaml"),
    [
      "apiVersion: cordon.dev/v1",
      "kind: Policy",
      "metadata: { name: prefetch }",
      `target: { account: "${ACCOUNT}", region: ${REGION} }`,
      "flowLogs:",
      "  bucket: { name: prefetch-e2e-111122223333, create: true }",
      "  vpcs: { all: true }",
      "",
    ].join("\n"),
  );
  const apply = await cordon(["apply", "policies", "--auto-approve", "--today", TODAY]);
  expect(apply.status, apply.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  await sandbox?.stop();
});

describe("discovery reads start with the inventory", () => {
  it("a converged plan's DescribeFlowLogs pages are read while DescribeVpcs is, once each", async () => {
    sandbox.control.clearRequests();
    sandbox.control.setFaults({ latencyMs: 40 });
    const plan = await cordon(["plan", "policies", "--detailed-exitcode", "--today", TODAY]);
    sandbox.control.setFaults({});
    expect(plan.status, plan.stderr).toBe(0);
    const vpcs = calls("DescribeVpcs");
    const flowLogs = calls("DescribeFlowLogs");
    // One read per page, as before: the prefetch adds no call.
    expect(vpcs).toHaveLength(3);
    expect(flowLogs).toHaveLength(3);
    expect(calls("ListIPSets")).toHaveLength(1);
    expect(calls("ListWebACLs")).toHaveLength(1);
    // The first flow-log page left before the last VPC page: the reads overlap.
    const lastVpcPage = Math.max(...vpcs.map(started));
    expect(Math.min(...flowLogs.map(started))).toBeLessThan(lastVpcPage);
  }, 60_000);

  it("a prefetched read that fails fails the plan as before, naming the call, without a stack trace", async () => {
    sandbox.control.clearRequests();
    sandbox.control.setFaults({
      rules: [
        { kind: "error", service: "ec2", operation: "DescribeFlowLogs", status: 403, code: "UnauthorizedOperation" },
      ],
    });
    const plan = await cordon(["plan", "policies", "--today", TODAY]);
    sandbox.control.setFaults({});
    expect(plan.status).toBe(1);
    expect(plan.stderr).toMatch(/DescribeFlowLogs/);
    expect(plan.stderr).not.toMatch(/\n\s+at [^\n]+:\d+:\d+/);
    expect(plan.stderr).not.toMatch(/Unhandled|unhandled/);
  }, 60_000);
});
