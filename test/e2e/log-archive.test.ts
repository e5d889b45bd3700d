// A central log-archive bucket (docs/targets.md, "A central log-archive bucket"), through the built
// CLI against the sandbox, with examples/organisation: the log-archive account's policy manages one
// bucket whose delivery policy admits every workload account in every region, and one Glue table
// over all of them; the workloads' policy delivers its flow logs there from 3 accounts × 2 regions.
// The sandbox refuses a cross-account CreateFlowLogs the bucket policy does not admit, so a created
// flow log proves the delivery check passed; synthetic traffic then lands under each account's
// AWSLogs/<account>/ prefix of the one bucket.
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DescribeFlowLogsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { GetTableCommand, GlueClient } from "@aws-sdk/client-glue";
import { GetBucketPolicyCommand, PutBucketPolicyCommand, S3Client } from "@aws-sdk/client-s3";
import { type SandboxHandle, startSandbox } from "@cordon/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PlanDocument } from "../../src/model/plan.js";
import { cordonRunner, isMutating, makeTmp, pending, ROOT, requireCli, sandboxClientConfig, TODAY } from "./helpers.js";

const ARCHIVE = "444455556666";
const BUCKET = "org-central-flow-logs";
const WORKLOADS = ["111122223333", "222233334444", "333344445555"];
const REGIONS = ["eu-west-1", "us-east-1"];
const SOURCES = WORKLOADS.flatMap((a) => REGIONS.map((r) => `${a}/${r}`));

const tmp = makeTmp("cordon-archive-");
let sandbox: SandboxHandle;
const cordon = cordonRunner({ tmp, endpoint: () => sandbox.url, accessKeyId: "AKIAARCHIVEE2E000001" });
const org = join(tmp, "org");
const archiveS3 = () =>
  new S3Client({ ...sandboxClientConfig(sandbox.url, ARCHIVE), region: "eu-west-1", forcePathStyle: true });
const statementsOf = async (): Promise<{ Sid: string; Condition: Record<string, Record<string, string[]>> }[]> =>
  JSON.parse((await archiveS3().send(new GetBucketPolicyCommand({ Bucket: BUCKET }))).Policy as string).Statement;

beforeAll(async () => {
  requireCli();
  cpSync(join(ROOT, "examples/organisation"), org, { recursive: true });
  sandbox = await startSandbox({
    seed: join(ROOT, "examples/organisation/estate.yaml"),
    traffic: { scenario: "steady" },
  });
});

afterAll(async () => {
  await sandbox?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe("examples/organisation: a log-archive account's bucket for 3 accounts × 2 regions", () => {
  it("applies the archive policy: one bucket whose delivery policy lists every source, one table over them all", async () => {
    const r = await cordon(["apply", "org/policies/log-archive.yaml", "--auto-approve", "--today", TODAY]);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.status).toBe(0);
    const write = (await statementsOf()).find((s) => s.Sid === "CordonAWSLogDeliveryWrite");
    expect(write?.Condition["StringEquals"]?.["aws:SourceAccount"]).toEqual(WORKLOADS);
    expect(write?.Condition["ArnLike"]?.["aws:SourceArn"]).toEqual(
      REGIONS.flatMap((r) => WORKLOADS.map((a) => `arn:aws:logs:${r}:${a}:*`)),
    );
    const glue = new GlueClient({ ...sandboxClientConfig(sandbox.url, ARCHIVE), region: "eu-west-1" });
    const table = await glue.send(new GetTableCommand({ DatabaseName: "network_logs", Name: "vpc_flow_logs" }));
    expect(table.Table?.Parameters?.["projection.aws_account_id.values"]).toBe(WORKLOADS.join(","));
    expect(table.Table?.Parameters?.["projection.aws_region.values"]).toBe(REGIONS.join(","));
    expect(table.Table?.StorageDescriptor?.Location).toBe(`s3://${BUCKET}/AWSLogs/`);
  });

  it("applies the workloads' policy: a flow log into the archive bucket in each of the 6 account/regions, nothing of the bucket's", async () => {
    const plan = await cordon(["plan", "org/policies/flow-logs.yaml", "--format", "json", "--today", TODAY]);
    expect(plan.status).toBe(0);
    // The archive's policy is not loaded: said once, and no bucket, bucket policy or table planned.
    const doc = JSON.parse(plan.stdout) as PlanDocument;
    expect(doc.warnings.filter((w) => w.code === "archive.not-loaded").map((w) => w.message)).toEqual([
      expect.stringContaining(`The policy that manages bucket ${BUCKET} in account ${ARCHIVE} is not loaded`),
    ]);
    expect(pending(doc)).toHaveLength(6);
    expect(pending(doc).every((c) => c.startsWith("create ") && c.includes("/ec2.flowLog/"))).toBe(true);

    const r = await cordon(["apply", "org/policies/flow-logs.yaml", "--auto-approve", "--today", TODAY]);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.status).toBe(0);
    for (const t of SOURCES) {
      const [account, region] = t.split("/") as [string, string];
      const ec2 = new EC2Client({ ...sandboxClientConfig(sandbox.url, account), region });
      const logs = (await ec2.send(new DescribeFlowLogsCommand({}))).FlowLogs ?? [];
      expect(logs.map((f) => [f.LogDestination?.replace(/\/$/, ""), f.DeliverLogsStatus])).toEqual([
        [`arn:aws:s3:::${BUCKET}`, "SUCCESS"],
      ]);
    }
    // The whole set, both sides: nothing left to do.
    const again = await cordon(["plan", "org", "--format", "json", "--today", TODAY]);
    expect(again.stderr).toBe("");
    expect(pending(JSON.parse(again.stdout) as PlanDocument)).toEqual([]);
    // The archive and its sources name one bucket: one shard holds all 7 targets.
    const shard = await cordon(["plan", "org", "--shard", "2/2", "--today", TODAY]);
    expect(shard.status).toBe(0);
    expect(shard.stderr).toContain("Shard 2/2 holds none of the 7 targets: nothing to do.");
  });

  it("delivers traffic of all 6 account/regions under the archive bucket's AWSLogs/<account>/ prefixes", () => {
    const report = sandbox.control.deliverTraffic({ from: "2026-11-26T10:00:00Z", to: "2026-11-26T10:15:00Z" });
    const landed = new Set(
      report.objects
        .filter((o) => o.bucket === BUCKET)
        .map((o) => /^AWSLogs\/(\d{12})\/vpcflowlogs\/([a-z0-9-]+)\//.exec(o.key)?.slice(1, 3).join("/")),
    );
    expect([...landed].sort()).toEqual([...SOURCES].sort());
    expect(report.objects.every((o) => o.bucket === BUCKET)).toBe(true);
  });

  it("a bucket policy edited outside Cordon to drop an account: drift at error level, apply restores it", async () => {
    const dropped = "222233334444";
    const s3 = archiveS3();
    const policy = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: BUCKET }))).Policy as string);
    for (const st of policy.Statement) {
      st.Condition.StringEquals["aws:SourceAccount"] = WORKLOADS.filter((a) => a !== dropped);
      st.Condition.ArnLike["aws:SourceArn"] = st.Condition.ArnLike["aws:SourceArn"].filter(
        (a: string) => !a.includes(dropped),
      );
    }
    await s3.send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: JSON.stringify(policy) }));
    // AWS stops delivering for that account: the sandbox writes nothing for it.
    const report = sandbox.control.deliverTraffic({ from: "2026-11-26T11:00:00Z", to: "2026-11-26T11:15:00Z" });
    expect(report.objects.some((o) => o.key.startsWith(`AWSLogs/${dropped}/`))).toBe(false);
    expect(report.objects.some((o) => o.key.startsWith(`AWSLogs/${WORKLOADS[0]}/`))).toBe(true);

    const address = `${ARCHIVE}/eu-west-1/s3.bucketPolicy/${BUCKET}`;
    const drift = await cordon(["drift", "org", "--format", "json", "--today", TODAY]);
    const doc = JSON.parse(drift.stdout) as { resources: { address: string; status: string; severity: string }[] };
    // Error level: logging stopped for an account.
    expect(doc.resources.map((i) => [i.address, i.status, i.severity])).toEqual([[address, "drift", "error"]]);
    const text = await cordon(["drift", "org", "--today", TODAY]);
    expect(text.stdout).toMatch(new RegExp(`s3\\.bucketPolicy/${BUCKET}\n\\s+error: this drift opens access`));

    const apply = await cordon(["apply", "org", "--auto-approve", "--today", TODAY]);
    expect(apply.stderr).not.toMatch(/Error/);
    expect(apply.status).toBe(0);
    const write = (await statementsOf()).find((s) => s.Sid === "CordonAWSLogDeliveryWrite");
    expect(write?.Condition["StringEquals"]?.["aws:SourceAccount"]).toEqual(WORKLOADS);
    const again = await cordon(["plan", "org", "--format", "json", "--today", TODAY, "--detailed-exitcode"]);
    expect(again.status).toBe(0);
    expect(pending(JSON.parse(again.stdout) as PlanDocument)).toEqual([]);
  });

  it("an account removed from the archive's sources: the workload policy is refused at file:line:column", async () => {
    const archivePolicy = join(org, "policies/log-archive.yaml");
    const archiveOriginal = readFileSync(archivePolicy, "utf8");
    // The archive lists its sources itself, without 333344445555.
    writeFileSync(
      archivePolicy,
      archiveOriginal.replace(
        "retentionDays: 400, sources: workloads",
        'retentionDays: 400, sources: { accounts: ["111122223333", "222233334444"], regions: [eu-west-1, us-east-1] }',
      ),
    );
    try {
      for (const command of [
        ["validate", "org"],
        ["plan", "org"],
      ]) {
        const r = await cordon([...command, "--today", TODAY]);
        expect(r.status).toBe(1);
        const output = r.stdout + r.stderr; // validate reports on stdout, plan on stderr
        const lines = output.split("\n").filter((l) => l.includes("archive.not-a-source"));
        expect(lines).toHaveLength(2); // the account in each of its 2 regions
        const line = readFileSync(join(org, "policies/flow-logs.yaml"), "utf8")
          .split("\n")
          .findIndex((l) => l.includes("account:"));
        expect(lines[0]).toContain(`org/policies/flow-logs.yaml:${line + 1}:`);
        expect(output).toContain(
          `Account 333344445555 in eu-west-1 is not among the sources of bucket ${BUCKET} in the archive account ${ARCHIVE}`,
        );
        expect(output).not.toMatch(/\n\s+at /); // no stack trace
      }
      // The archive's policy alone plans the narrower delivery policy, marked as stopping logging.
      const alone = await cordon(["plan", "org/policies/log-archive.yaml", "--format", "json", "--today", TODAY]);
      expect(alone.status).toBe(0);
      const update = (JSON.parse(alone.stdout) as PlanDocument).changes.find((c) => c.kind === "s3.bucketPolicy");
      expect(update?.action).toBe("update");
      expect(update?.impact.broadensAccess).toBe(true);
      expect(update?.impact.notes).toEqual([
        expect.stringContaining(`log delivery to ${BUCKET} stops for aws:SourceAccount 333344445555`),
      ]);
    } finally {
      writeFileSync(archivePolicy, archiveOriginal);
    }
  });
});

describe("a source the archive does not admit, planned without the archive's policy", () => {
  it("AWS's refusal (the sandbox's) fails only its flow logs, naming the bucket, the account and the region", async () => {
    const other = await startSandbox({ seed: join(ROOT, "examples/organisation/estate.yaml") });
    try {
      const run = cordonRunner({ tmp, endpoint: () => other.url, accessKeyId: "AKIAARCHIVEE2E000002" });
      const dir = join(tmp, "narrow");
      cpSync(join(ROOT, "examples/organisation"), dir, { recursive: true });
      const archivePolicy = join(dir, "policies/log-archive.yaml");
      writeFileSync(
        archivePolicy,
        readFileSync(archivePolicy, "utf8").replace(
          "retentionDays: 400, sources: workloads",
          'retentionDays: 400, sources: { accounts: ["111122223333", "222233334444"], regions: [eu-west-1, us-east-1] }',
        ),
      );
      expect(
        (await run(["apply", "narrow/policies/log-archive.yaml", "--auto-approve", "--today", TODAY])).status,
      ).toBe(0);
      const r = await run(["apply", "narrow/policies/flow-logs.yaml", "--auto-approve", "--today", TODAY]);
      expect(r.status).toBe(1);
      expect(r.stdout).toContain("Apply incomplete: 4 applied, 2 failed, 0 skipped.");
      for (const region of REGIONS) {
        expect(r.stderr).toContain(
          `Access Denied for LogDestination: ${BUCKET}. Please check LogDestination permission. The bucket's policy does not admit log delivery from account 333344445555 in ${region}`,
        );
      }
      expect(r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await other.stop();
    }
  });
});

describe("cordon iam for both sides of the archive", () => {
  it("apply, then plan, of the whole organisation succeed under exactly the generated policies; plan mutates nothing", async () => {
    const iam = async (command: string) => {
      const r = await cordon(["iam", "org", "--for", command]);
      expect(r.status).toBe(0);
      return JSON.parse(r.stdout) as { Statement: { Action: string[]; Resource: string[] }[] };
    };
    const [applyPolicy, planPolicy] = [await iam("apply"), await iam("plan")];
    // One policy serves every account's role (bucket ARNs name no account): it holds the archive's
    // bucket rights; a workload role holding them still cannot reach the archive's bucket, whose
    // policy grants other accounts nothing but log delivery.
    const bucketWrites = applyPolicy.Statement.filter((s) => s.Resource.includes(`arn:aws:s3:::${BUCKET}`)).flatMap(
      (s) => s.Action,
    );
    expect(bucketWrites).toContain("s3:PutBucketPolicy");
    // The workloads' policy alone: no S3 action at all (nothing of the archive bucket is theirs).
    const sourcesOnly = await cordon(["iam", "org/policies/flow-logs.yaml", "--for", "apply"]);
    expect(sourcesOnly.status).toBe(0);
    expect(sourcesOnly.stdout).not.toContain('"s3:');
    const KEY = "AKIAARCHIVEIAM000001";
    const holders = [KEY, ...[...WORKLOADS, ARCHIVE].map((a) => `arn:aws:iam::${a}:role/cordon`)];
    const proof = await startSandbox({
      seed: join(ROOT, "examples/organisation/estate.yaml"),
      iamPolicies: Object.fromEntries(holders.map((h) => [h, applyPolicy])),
    });
    try {
      const run = cordonRunner({ tmp, endpoint: () => proof.url, accessKeyId: KEY });
      const fresh = join(tmp, "iam-org");
      cpSync(join(ROOT, "examples/organisation"), fresh, { recursive: true });
      const apply = await run(["apply", "iam-org", "--auto-approve", "--today", TODAY]);
      expect(apply.stderr).not.toMatch(/Error|denied/i);
      expect(apply.status).toBe(0);
      expect(proof.control.requests().filter((q) => q.injected === "denied")).toEqual([]);
      for (const h of holders) proof.control.setIamPolicy(h, planPolicy);
      const before = proof.control.requests().length;
      const plan = await run(["plan", "iam-org", "--format", "json", "--today", TODAY]);
      expect(plan.status).toBe(0);
      expect(pending(JSON.parse(plan.stdout) as PlanDocument)).toEqual([]);
      const requests = proof.control.requests().slice(before);
      expect(requests.filter((q) => q.injected === "denied")).toEqual([]);
      expect(requests.filter((q) => q.service !== "sts" && isMutating(q)).map((q) => q.operation)).toEqual([]);
    } finally {
      await proof.stop();
    }
  });
});
