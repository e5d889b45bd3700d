// End to end through the built CLI (`node dist/cordon.js`, npm test builds it first) against an
// in-process sandbox reached through AWS_ENDPOINT_URL: validate → plan → apply → plan → changes
// made behind Cordon's back with the SDK → plan shows exactly those → apply converges; saved plans
// refused when AWS or the policies changed; plan with read-only keys never calls a mutating API.
import { spawn } from "node:child_process";
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DeleteFlowLogsCommand, DescribeFlowLogsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { GetTableCommand, GlueClient, UpdateTableCommand } from "@aws-sdk/client-glue";
import { GetBucketPolicyCommand, GetObjectCommand, PutBucketPolicyCommand, S3Client } from "@aws-sdk/client-s3";
import { type SandboxHandle, startSandbox } from "@cordon/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PlanDocument } from "../../src/model/plan.js";
import {
  ACCOUNT,
  CLI,
  cordonRunner,
  isResourceWrite,
  makeTmp,
  pending,
  REGION,
  ROOT,
  type Run,
  requireCli,
  sandboxCliEnv,
  sandboxClientConfig,
  TODAY,
} from "./helpers.js";

const BUCKET = "cats-eyes-flow-logs-111122223333";
const VPC = "vpc-0c47e5a1f3d2b0001";
const A = (kind: string, name: string) => `${ACCOUNT}/${REGION}/${kind}/${name}`;
const READ_ONLY_KEY = "AKIAREADONLY00000001";
const WRITER_KEY = "AKIAWRITER000000001";

// The SDK clients this test uses directly would warn about Node 20 support on stderr.
process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true";

const tmp = makeTmp("cordon-plan-apply-");
const policies = join(tmp, "policies");
let sandbox: SandboxHandle;
let ec2: EC2Client;
let s3: S3Client;
let glue: GlueClient;

/** Runs the CLI as a separate process (asynchronously: the sandbox answers from this process). */
const cordon = cordonRunner({ tmp, endpoint: () => sandbox.url, accessKeyId: WRITER_KEY, maxAttempts: 2 });

const SCRIPT = "/usr/bin/script";

/** Runs the CLI on a pseudo-terminal (util-linux `script`), typing `answer` at its prompt. */
function cordonOnTty(args: readonly string[], answer: string): Promise<Run> {
  const command = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  return new Promise((resolve) => {
    const child = spawn(SCRIPT, ["-qec", command, "/dev/null"], {
      cwd: tmp,
      env: { ...process.env, ...sandboxCliEnv({ tmp, endpoint: () => sandbox.url, accessKeyId: WRITER_KEY }) },
    });
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString("utf8");
      if (stdout.includes("Only 'yes' will be accepted")) child.stdin.end(`${answer}\n`);
    });
    child.on("close", (status) => resolve({ status, stdout, stderr: "" }));
  });
}

const planJson = async (extra: string[] = []): Promise<PlanDocument> => {
  const r = await cordon(["plan", "policies", "--format", "json", "--today", TODAY, ...extra]);
  expect(r.stderr).toBe("");
  return JSON.parse(r.stdout) as PlanDocument;
};

// Object writes are Cordon's own records under cordon/ (apply lock, audit log, applied record), not
// changes to a monitored resource: an interactive apply whose plan went stale while it waited took
// the lock and audits itself (a saved plan found stale is refused before the lock).
const mutatingRequests = (key: string) =>
  sandbox.control
    .requests()
    .filter((r) => r.accessKeyId === key && isResourceWrite(r))
    .map((r) => `${r.service}:${r.operation}`);

beforeAll(async () => {
  requireCli();
  cpSync(join(ROOT, "examples/cats-eyes/policies"), policies, { recursive: true });
  sandbox = await startSandbox({ seed: join(ROOT, "examples/cats-eyes/estate.yaml"), requestLogSize: 5000 });
  sandbox.control.seed({
    accessKeys: {
      [READ_ONLY_KEY]: {
        account: ACCOUNT,
        allow: [
          "ec2:Describe*",
          "s3:Get*",
          "s3:List*",
          "glue:Get*",
          "sts:Get*",
          "elasticloadbalancing:Describe*",
          "wafv2:Get*",
          "wafv2:List*",
        ],
      },
      [WRITER_KEY]: { account: ACCOUNT },
    },
  });
  const client = sandboxClientConfig(sandbox.url, WRITER_KEY);
  ec2 = new EC2Client(client);
  s3 = new S3Client({ ...client, forcePathStyle: true });
  glue = new GlueClient(client);
});

afterAll(async () => {
  for (const c of [ec2, s3, glue]) c?.destroy();
  await sandbox?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe("plan and apply through the CLI", () => {
  it("validates the example", async () => {
    const r = await cordon(["validate", "policies", "--today", TODAY]);
    expect(r.status).toBe(0);
  });

  it("plans the whole set (exit 2 with --detailed-exitcode), read-only", async () => {
    sandbox.control.clearRequests();
    const r = await cordon(["plan", "policies", "--detailed-exitcode", "--today", TODAY]);
    expect(r.status).toBe(2);
    expect(r.stdout).toContain("Plan: 8 to add, 0 to change, 0 to destroy.");
    expect(r.stdout).toContain(`+ ec2.flowLog "${VPC} (production)"`);
    // Glue columns one per line; the NACL's entries outside the band are context, not shown.
    expect(r.stdout).toContain('+ { Name = "log_status", Type = "string" },');
    expect(r.stdout).toContain(
      '+ { action = "deny", cidr = "203.0.113.66/32", egress = true, protocol = "-1", ruleNumber = 1 },',
    );
    expect(r.stdout).not.toMatch(/others|entryQuota|ruleNumber = 32767/);
    expect(mutatingRequests(WRITER_KEY)).toEqual([]);
  });

  it("plans with read-only keys: an allow-list of Describe/Get/List actions is enough", async () => {
    sandbox.control.clearRequests();
    const r = await cordon(["plan", "policies", "--detailed-exitcode", "--today", TODAY], {
      AWS_ACCESS_KEY_ID: READ_ONLY_KEY,
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(2);
    const mine = sandbox.control.requests().filter((q) => q.accessKeyId === READ_ONLY_KEY);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.filter((q) => q.injected === "denied")).toEqual([]);
    expect(mutatingRequests(READ_ONLY_KEY)).toEqual([]);
  });

  it("refuses to apply without a terminal unless --auto-approve", async () => {
    const r = await cordon(["apply", "policies", "--today", TODAY]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/refusing to apply without confirmation/);
    expect(mutatingRequests(WRITER_KEY)).toEqual([]);
  });

  it.skipIf(!existsSync(SCRIPT))("asks on a terminal, and applies nothing unless the answer is yes", async () => {
    sandbox.control.clearRequests();
    const r = await cordonOnTty(["apply", "policies", "--today", TODAY], "no");
    expect(r.stdout).toContain("Plan: 8 to add, 0 to change, 0 to destroy.");
    expect(r.stdout).toContain("Do you want to perform these actions? Only 'yes' will be accepted:");
    expect(r.stdout).toContain("Apply cancelled.");
    expect(r.status).toBe(1);
    expect(mutatingRequests(WRITER_KEY)).toEqual([]);
  });

  it("read-only keys cannot apply: the sandbox enforces the allow-list", async () => {
    const r = await cordon(["apply", "policies", "--auto-approve", "--today", TODAY], {
      AWS_ACCESS_KEY_ID: READ_ONLY_KEY,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/AccessDenied|UnauthorizedOperation|access denied/);
  });

  it("applies with progress and prints the Athena query", async () => {
    const r = await cordon(["apply", "policies", "--auto-approve", "--today", TODAY]);
    expect(r.stderr).toContain(`creating ${A("s3.bucket", BUCKET)}...`);
    expect(r.stderr).toMatch(new RegExp(`created ${A("ec2.flowLog", VPC)} \\[`));
    expect(r.stdout).toContain("Apply complete: 8 applied, 0 failed, 0 skipped.");
    expect(r.stdout).toMatch(/SELECT [\s\S]+WHERE action = 'REJECT'[\s\S]+LIMIT 10;/);
    expect(r.status).toBe(0);
  });

  it("plans no changes afterwards (exit 0)", async () => {
    const r = await cordon(["plan", "policies", "--detailed-exitcode", "--today", TODAY]);
    expect(r.stdout).toContain("No changes");
    expect(r.status).toBe(0);
  });

  it("rides out throttling with adaptive retries (30% of requests throttled)", async () => {
    sandbox.control.clearRequests();
    sandbox.control.setFaults({ throttleRate: 0.3, seed: 7 });
    try {
      const r = await cordon(["plan", "policies", "--detailed-exitcode", "--today", TODAY], { AWS_MAX_ATTEMPTS: "8" });
      expect(r.stdout).toContain("No changes");
      expect(r.status).toBe(0);
    } finally {
      sandbox.control.setFaults({});
    }
    expect(sandbox.control.requests().filter((q) => q.injected === "throttle").length).toBeGreaterThan(0);
  });

  it("sees exactly the changes made behind its back, and leaves a foreign statement alone", async () => {
    // 1. The flow log deleted.
    const fl = (await ec2.send(new DescribeFlowLogsCommand({}))).FlowLogs ?? [];
    expect(fl).toHaveLength(1);
    await ec2.send(new DeleteFlowLogsCommand({ FlowLogIds: [fl[0]!.FlowLogId!] }));
    // 2. The delivery write statement removed, 3. a foreign statement added.
    const doc = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: BUCKET }))).Policy ?? "{}");
    const foreign = {
      Sid: "SecurityTeamRead",
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/security-audit` },
      Action: "s3:GetObject",
      Resource: `arn:aws:s3:::${BUCKET}/*`,
    };
    doc.Statement = [...doc.Statement.filter((s: { Sid?: string }) => s.Sid !== "CordonAWSLogDeliveryWrite"), foreign];
    await s3.send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: JSON.stringify(doc) }));
    // 4. A table column dropped.
    await dropColumn("srcport");

    const plan = await planJson(["--detailed-exitcode"]);
    expect(pending(plan).sort()).toEqual([
      `create ${A("ec2.flowLog", VPC)}`,
      `update ${A("glue.table", "cats_eyes_network.production_flow_logs")}`,
      `update ${A("s3.bucketPolicy", BUCKET)}`,
    ]);
    const policyChange = plan.changes.find((c) => c.kind === "s3.bucketPolicy")!;
    expect(policyChange.fields.map((f) => f.path)).toEqual(["/statements/CordonAWSLogDeliveryWrite"]);
    expect(JSON.stringify(plan)).not.toContain("SecurityTeamRead");
    const tableChange = plan.changes.find((c) => c.kind === "glue.table")!;
    expect(tableChange.fields.map((f) => f.path)).toEqual(["/columns"]);

    const text = await cordon(["plan", "policies", "--detailed-exitcode", "--today", TODAY]);
    expect(text.status).toBe(2);
    expect(text.stdout).toContain("Plan: 1 to add, 2 to change, 0 to destroy.");
    // Only what changed, with a neighbour each side: the dropped column between its neighbours.
    expect(text.stdout).toMatch(
      /~ columns = \[\n\s+# \(4 unchanged elements hidden\)\n\s+\{ Name = "dstaddr", Type = "string" \},\n\s+\+ \{ Name = "srcport", Type = "int" \},\n\s+\{ Name = "dstport", Type = "int" \},\n\s+# \(7 unchanged elements hidden\)\n\s+\]/,
    );
    expect(text.stdout).not.toContain("SecurityTeamRead");
  });

  it("refuses a saved plan once AWS changed after it was made, naming what changed", async () => {
    const saved = await cordon(["plan", "policies", "--out", "stale.json", "--today", TODAY]);
    expect(saved.status).toBe(0);
    await dropColumn("dstport");
    sandbox.control.clearRequests();
    const r = await cordon(["apply", "stale.json", "--today", TODAY]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/plan is stale/);
    expect(r.stderr).toContain(A("glue.table", "cats_eyes_network.production_flow_logs"));
    expect(mutatingRequests(WRITER_KEY)).toEqual([]);
  });

  it("converges on apply and keeps the foreign statement verbatim", async () => {
    const r = await cordon(["apply", "policies", "--auto-approve", "--today", TODAY]);
    expect(r.stdout).toContain("Apply complete: 3 applied, 0 failed, 0 skipped.");
    expect(r.status).toBe(0);
    const again = await cordon(["plan", "policies", "--detailed-exitcode", "--today", TODAY]);
    expect(again.status).toBe(0);
    const doc = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: BUCKET }))).Policy ?? "{}");
    expect(doc.Statement.map((s: { Sid: string }) => s.Sid).sort()).toEqual([
      "CordonAWSLogDeliveryAclCheck",
      "CordonAWSLogDeliveryWrite",
      "SecurityTeamRead",
    ]);
  });

  it("applies a saved plan exactly when nothing changed", async () => {
    await dropColumn("action");
    const saved = await cordon(["plan", "policies", "--out", "fresh.json", "--today", TODAY]);
    expect(saved.status).toBe(0);
    const plan = JSON.parse(readFileSync(join(tmp, "fresh.json"), "utf8")) as PlanDocument;
    expect(pending(plan)).toEqual([`update ${A("glue.table", "cats_eyes_network.production_flow_logs")}`]);
    const r = await cordon(["apply", "fresh.json", "--today", TODAY]);
    expect(r.stdout).toContain("Apply complete: 1 applied, 0 failed, 0 skipped.");
    expect(r.status).toBe(0);
  });

  it("refuses a saved plan made from other policies", async () => {
    await dropColumn("action");
    const saved = await cordon(["plan", "policies", "--out", "old-policies.json", "--today", TODAY]);
    expect(saved.status).toBe(0);
    const file = join(policies, "production.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace("retentionDays: 90", "retentionDays: 120"));
    const r = await cordon(["apply", "old-policies.json", "--today", TODAY]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/policies changed since the plan was made/);
  });
});

describe("replacing a flow log", () => {
  it("creates the new flow log before deleting the old one (sandbox: per-config flow-log rule)", async () => {
    // Under the per-config rule the new flow log may sit beside the old one on the same destination;
    // the strict rule (the sandbox's default) is covered by test/e2e/flow-logs.test.ts.
    sandbox.control.setConfig({ flowLogRule: "per-config" });
    const file = join(policies, "production.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace("trafficType: ALL", "trafficType: REJECT"));
    const before = (await ec2.send(new DescribeFlowLogsCommand({}))).FlowLogs ?? [];
    const plan = await planJson();
    expect(pending(plan)).toContain(`create-then-delete ${A("ec2.flowLog", VPC)}`);
    sandbox.control.clearRequests();
    const r = await cordon(["apply", "policies", "--auto-approve", "--today", TODAY]);
    expect(r.status).toBe(0);
    const writes = mutatingRequests(WRITER_KEY).filter((op) => op.includes("FlowLogs"));
    expect(writes).toEqual(["ec2:CreateFlowLogs", "ec2:DeleteFlowLogs"]);
    const after = (await ec2.send(new DescribeFlowLogsCommand({}))).FlowLogs ?? [];
    expect(after).toHaveLength(1);
    expect(after[0]?.TrafficType).toBe("REJECT");
    expect(after[0]?.FlowLogId).not.toBe(before[0]?.FlowLogId);
    sandbox.control.setConfig({ flowLogRule: "strict" });
  });
});

describe("partial failure", () => {
  it("reports what failed, exits 1, keeps what succeeded, and a re-run converges", async () => {
    const fl = (await ec2.send(new DescribeFlowLogsCommand({}))).FlowLogs ?? [];
    await ec2.send(new DeleteFlowLogsCommand({ FlowLogIds: fl.map((f) => f.FlowLogId!) }));
    await dropColumn("packets");
    sandbox.control.setFaults({
      rules: [
        {
          kind: "error",
          service: "ec2",
          operation: "CreateFlowLogs",
          status: 400,
          code: "InvalidParameterValue",
          message: "injected",
          times: 1,
        },
      ],
    });
    const failed = await cordon(["apply", "policies", "--auto-approve", "--today", TODAY]);
    sandbox.control.setFaults({});
    expect(failed.status).toBe(1);
    expect(failed.stdout).toContain("Apply incomplete: 1 applied, 1 failed, 0 skipped.");
    expect(failed.stderr).toMatch(/apply stopped part-way: 1 change failed/);
    expect(failed.stderr).toContain(
      `${A("ec2.flowLog", VPC)}: CreateFlowLogs on flow log for ${VPC} failed: InvalidParameterValue: injected`,
    );
    expect(failed.stderr).not.toMatch(/\n\s+at [^\n]+:\d+:\d+/);
    const plan = await planJson();
    expect(pending(plan)).toEqual([`create ${A("ec2.flowLog", VPC)}`]);
    const again = await cordon(["apply", "policies", "--auto-approve", "--today", TODAY]);
    expect(again.stdout).toContain("Apply complete: 1 applied, 0 failed, 0 skipped.");
    expect(again.status).toBe(0);
  });
});

describe("verification after apply", () => {
  it("reports a flow log whose delivery FAILED, with AWS's message, and leaves the foreign deny alone", async () => {
    const doc = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: BUCKET }))).Policy ?? "{}");
    const deny = {
      Sid: "NoLogDelivery",
      Effect: "Deny",
      Principal: { Service: "delivery.logs.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: `arn:aws:s3:::${BUCKET}/*`,
    };
    doc.Statement.push(deny);
    await s3.send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: JSON.stringify(doc) }));
    await dropColumn("bytes");
    const r = await cordon(["apply", "policies", "--auto-approve", "--today", TODAY]);
    expect(r.stdout).toContain("Apply complete: 1 applied, 0 failed, 0 skipped.");
    expect(r.stderr).toMatch(/AWS does not match the policies afterwards/);
    expect(r.stderr).toMatch(
      new RegExp(`${A("ec2.flowLog", VPC)}: flow log fl-\\w+ on ${VPC}: log delivery FAILED: Access error`),
    );
    expect(r.status).toBe(1);
    // The audit record keeps what verification found, not only the error text.
    const key = new RegExp(`s3://${BUCKET}/(cordon/audit/\\S+\\.json)`).exec(r.stdout)?.[1];
    expect(key, r.stdout).toBeDefined();
    const audit = JSON.parse(
      (await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key! }))).Body?.transformToString()) ?? "{}",
    );
    expect(audit.problems).toEqual([
      { address: A("ec2.flowLog", VPC), message: expect.stringMatching(/log delivery FAILED: Access error/) },
    ]);
    const after = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: BUCKET }))).Policy ?? "{}");
    expect(after.Statement).toContainEqual(deny);
  });
});

describe("flow logs no longer declared", () => {
  it("are deleted when their VPC is no longer selected, and kept in no-delete mode", async () => {
    const file = join(policies, "production.yaml");
    const original = readFileSync(file, "utf8");
    // Select the staging VPC instead (the NACL section keeps its own selector).
    const staging = original.replace(/(flowLogs:[\s\S]*?vpcs:\s*\n\s*tags:\s*\n\s*env:) production/, "$1 staging");
    expect(staging).not.toBe(original);
    writeFileSync(file, staging);
    const moved = await planJson();
    expect(
      pending(moved)
        .filter((c) => c.includes("ec2.flowLog"))
        .sort(),
    ).toEqual([`create ${A("ec2.flowLog", "vpc-0c47e5a1f3d2b0002")}`, `delete ${A("ec2.flowLog", VPC)}`]);
    writeFileSync(file, staging.replace("flowLogs:\n", "flowLogs:\n  mode: no-delete\n"));
    const kept = await planJson();
    expect(pending(kept).filter((c) => c.includes("ec2.flowLog"))).toEqual([
      `create ${A("ec2.flowLog", "vpc-0c47e5a1f3d2b0002")}`,
    ]);
    expect(kept.changes.find((c) => c.address === A("ec2.flowLog", VPC))?.reason).toMatch(/no-delete/);
    writeFileSync(file, original);
  });
});

/** Drops one column from the flow-log table with UpdateTable, as a person with the console would. */
async function dropColumn(name: string): Promise<void> {
  const t = (await glue.send(new GetTableCommand({ DatabaseName: "cats_eyes_network", Name: "production_flow_logs" })))
    .Table!;
  const sd = t.StorageDescriptor!;
  await glue.send(
    new UpdateTableCommand({
      DatabaseName: "cats_eyes_network",
      TableInput: {
        Name: t.Name!,
        TableType: t.TableType,
        Parameters: t.Parameters,
        PartitionKeys: t.PartitionKeys,
        StorageDescriptor: { ...sd, Columns: (sd.Columns ?? []).filter((c) => c.Name !== name) },
      },
    }),
  );
}
