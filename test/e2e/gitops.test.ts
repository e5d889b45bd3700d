// GitOps end to end through the built CLI against an in-process sandbox: drift vs pending (changes
// made behind Cordon's back with the SDK, a policy file edited), drift --correct fixes drift and
// leaves pending changes alone, the apply lock (held → refused naming the holder; expired → waited
// for and taken over; force-unlock; two applies at once; a lost S3 response; the TTL floor; a stale
// lock on an apply with nothing to do), the audit and applied records, and the GitHub Actions
// outputs (step summary, annotations).
//
// The lock tests never depend on timing: expiry is constructed (lock objects written with an
// expiresAt in the past), and an apply is known to be waiting only once it says so on stderr, so
// a slow start of the CLI on a loaded machine changes nothing.
import { execFile, spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeleteFlowLogsCommand, DescribeFlowLogsCommand, EC2Client } from "@aws-sdk/client-ec2";
import {
  GetBucketPolicyCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { startSandbox } from "@cordon/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = process.cwd();
const CLI = join(ROOT, "dist/cordon.js");
const ACCOUNT = "111122223333";
const REGION = "eu-west-1";
const BUCKET = "cats-eyes-flow-logs-111122223333";
const VPC = "vpc-0c47e5a1f3d2b0001";
const TODAY = "2026-11-26";
const A = (kind: string, name: string) => `${ACCOUNT}/${REGION}/${kind}/${name}`;
const KEY = "AKIAGITOPS000000001";
const LOCK_KEY = `cordon/locks/${ACCOUNT}-${REGION}.json`;

process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true";

const tmp = mkdtempSync(join(tmpdir(), "cordon-gitops-"));
const policies = join(tmp, "policies");
const policyFile = join(policies, "production.yaml");
let original = "";
/** Resources of the Cat's Eyes policy (every one pending before the first apply). */
let total = 0;
let sandbox: Awaited<ReturnType<typeof startSandbox>>;
let ec2: EC2Client;
let s3: S3Client;

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function baseEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env["PATH"],
    HOME: tmp,
    NO_COLOR: "1",
    USER: "tester",
    AWS_ENDPOINT_URL: sandbox.url,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: KEY,
    AWS_SECRET_ACCESS_KEY: "e2e-secret",
    AWS_MAX_ATTEMPTS: "2",
    AWS_CONFIG_FILE: join(tmp, "no-config"),
    AWS_SHARED_CREDENTIALS_FILE: join(tmp, "no-credentials"),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
}

function cordon(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const base = baseEnv();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: tmp, env: { ...base, ...env }, encoding: "utf8" },
      (error, stdout, stderr) => {
        const status = error === null ? 0 : typeof error.code === "number" ? error.code : null;
        resolve({ status, stdout, stderr });
      },
    );
  });
}

/** Starts the CLI in the background; `until(text)` waits for text on its stderr (under load: up to 60 s). */
function spawnCordon(args: readonly string[]) {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: tmp,
    env: baseEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const run = { stdout: "", stderr: "" };
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    run.stderr += d;
  });
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    run.stdout += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const until = async (text: string) => {
    const end = Date.now() + 60_000;
    while (!run.stderr.includes(text) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(run.stderr, `waited for "${text}"`).toContain(text);
  };
  return { child, run, exited, until };
}

interface DriftJson {
  summary: { checked: number; clean: number; drift: number; pending: number; both: number };
  notes: string[];
  resources: {
    address: string;
    status: string;
    reason: string;
    before: unknown;
    applied: unknown;
    after: unknown;
    drift: unknown[];
    pending: unknown[];
  }[];
}

const drift = async (extra: string[] = []): Promise<{ run: Run; json: DriftJson }> => {
  const run = await cordon(["drift", "policies", "--format", "json", "--today", TODAY, ...extra]);
  return { run, json: JSON.parse(run.stdout) as DriftJson };
};
const statuses = (j: DriftJson) => Object.fromEntries(j.resources.map((r) => [r.address, r.status]));

const ownedFlowLogs = async () =>
  (
    (await ec2.send(new DescribeFlowLogsCommand({ Filter: [{ Name: "resource-id", Values: [VPC] }] }))).FlowLogs ?? []
  ).filter((f) => (f.Tags ?? []).some((t) => t.Key === "cordon:managed-by"));

const keys = async (prefix: string) =>
  ((await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))).Contents ?? []).map(
    (o) => o.Key ?? "",
  );

const readObject = async (key: string) =>
  (await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body?.transformToString()) ?? "";

const deliveryStatements = async () =>
  (
    JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: BUCKET }))).Policy ?? "{}").Statement as {
      Sid?: string;
    }[]
  ).map((s) => s.Sid);

/**
 * Waits until the sandbox has answered every request it received. Under load a request body can reach
 * the sandbox seconds after its headers (the SDK's Expect: 100-continue wait), so a write started in
 * one test may otherwise land in the next one.
 */
async function quiesce(): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (sandbox.control.inFlight() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(sandbox.control.inFlight()).toBe(0);
}

async function removeDeliveryStatement(): Promise<void> {
  const doc = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: BUCKET }))).Policy ?? "{}");
  doc.Statement = doc.Statement.filter((s: { Sid?: string }) => s.Sid !== "CordonAWSLogDeliveryWrite");
  await s3.send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: JSON.stringify(doc) }));
}

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error("dist/cordon.js is missing: run `npm run build` first");
  cpSync(join(ROOT, "examples/cats-eyes/policies"), policies, { recursive: true });
  original = readFileSync(policyFile, "utf8");
  sandbox = await startSandbox({ seed: join(ROOT, "examples/cats-eyes/estate.yaml"), requestLogSize: 5000 });
  const client = { region: REGION, endpoint: sandbox.url, credentials: { accessKeyId: KEY, secretAccessKey: "x" } };
  ec2 = new EC2Client(client);
  s3 = new S3Client({ ...client, forcePathStyle: true });
});

afterAll(async () => {
  ec2?.destroy();
  s3?.destroy();
  await sandbox?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe("drift vs pending through the CLI", () => {
  it("before the first apply everything is pending (never applied), exit 2", async () => {
    const { run, json } = await drift();
    expect(run.status).toBe(2);
    total = json.summary.checked;
    expect(total).toBeGreaterThanOrEqual(5); // bucket, bucket policy, flow log, database, table (+ blocking)
    expect(json.summary).toMatchObject({ drift: 0, pending: total });
  });

  it("apply writes the audit record and the applied record, prints one audit line, leaves no lock", async () => {
    const r = await cordon(["apply", "policies", "--auto-approve", "--today", TODAY]);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(`no lock for ${ACCOUNT}/${REGION}: the bucket ${BUCKET} does not exist yet`);
    const line = r.stdout.split("\n").find((l) => l.startsWith("Audit "));
    expect(line).toMatch(
      // who: the caller ARN STS reported for the credentials (docs/roles.md), not user@host
      new RegExp(
        `^Audit [0-9a-f]{8}: success — \\d+ applied, 0 failed, 0 skipped by arn:aws:iam::${ACCOUNT}:user/${KEY}, plan [0-9a-f]{12} → s3://`,
      ),
    );
    const audits = await keys("cordon/audit/");
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatch(/^cordon\/audit\/\d{4}-\d{2}-\d{2}\/\d{8}T\d{6}Z-[0-9a-f]{8}\.json$/);
    const record = JSON.parse(await readObject(audits[0]!));
    expect(record).toMatchObject({
      format: "cordon.audit/v1",
      command: "apply",
      result: "success",
      who: `arn:aws:iam::${ACCOUNT}:user/${KEY}`,
      callers: [`arn:aws:iam::${ACCOUNT}:user/${KEY}`],
      actor: expect.stringMatching(/^tester@/),
    });
    expect(record.outcomes.map((o: { status: string }) => o.status)).toEqual(Array(total).fill("applied"));
    const applied = JSON.parse(await readObject(`cordon/applied/${ACCOUNT}/${REGION}.json`));
    expect(Object.keys(applied.resources)).toHaveLength(total);
    expect(await keys("cordon/locks/")).toEqual([]);
    // The flow log carries the applied digest as a tag.
    const [fl] = await ownedFlowLogs();
    expect(fl?.Tags?.find((t) => t.Key === "cordon:applied")?.Value).toMatch(/^[0-9a-f]{16}$/);
  });

  it("is clean right after the apply (exit 0)", async () => {
    const { run, json } = await drift();
    expect(run.status).toBe(0);
    expect(json.summary).toEqual({ checked: total, clean: total, drift: 0, pending: 0, both: 0 });
    const text = await cordon(["drift", "policies", "--today", TODAY]);
    expect(text.stdout).toContain("No drift.");
  });

  it("a statement removed by hand is drift, with before (live) and after (desired)", async () => {
    await removeDeliveryStatement();
    const { run, json } = await drift();
    expect(run.status).toBe(2);
    expect(statuses(json)).toEqual({ [A("s3.bucketPolicy", BUCKET)]: "drift" });
    const item = json.resources[0]!;
    expect(item.drift).toEqual([
      expect.objectContaining({ path: "/statements/CordonAWSLogDeliveryWrite", after: null }),
    ]);
    expect(item.pending).toEqual([]);
    expect(item.before).not.toEqual(item.after);
  });

  it("an edited policy file is pending, not drift", async () => {
    writeFileSync(policyFile, original.replace("trafficType: ALL", "trafficType: REJECT"));
    const { json } = await drift();
    expect(statuses(json)).toEqual({
      [A("s3.bucketPolicy", BUCKET)]: "drift",
      [A("ec2.flowLog", VPC)]: "pending",
    });
    const fl = json.resources.find((r) => r.address === A("ec2.flowLog", VPC))!;
    // The flow log's own diff: a traffic type cannot change in place.
    expect(fl.pending).toEqual([{ path: "/trafficType", before: "ALL", after: "REJECT", forcesReplacement: true }]);
  });

  it("both at once: the flow log deleted by hand while its policy changed", async () => {
    const [fl] = await ownedFlowLogs();
    await ec2.send(new DeleteFlowLogsCommand({ FlowLogIds: [fl!.FlowLogId!] }));
    const { json } = await drift();
    expect(statuses(json)[A("ec2.flowLog", VPC)]).toBe("drift+pending");
    expect(json.summary).toMatchObject({ drift: 2, pending: 1, both: 1 });
  });

  it("drift --correct fixes the drift only: the pending flow-log change is left alone (exit 2)", async () => {
    const r = await cordon(["drift", "policies", "--correct", "--today", TODAY]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`left alone: ${A("ec2.flowLog", VPC)}`);
    expect(r.stdout).toMatch(/Audit [0-9a-f]{8}: success — 1 applied/);
    expect(await deliveryStatements()).toContain("CordonAWSLogDeliveryWrite");
    expect(await ownedFlowLogs()).toEqual([]); // not re-created with the unreviewed REJECT setting
    const { json } = await drift();
    expect(statuses(json)).toEqual({ [A("ec2.flowLog", VPC)]: "drift+pending" });
    // The record this run wrote, by the id it printed (keys sort by a one-second stamp only).
    const id = /Audit ([0-9a-f]{8}):/.exec(r.stdout)?.[1];
    const audit = JSON.parse(await readObject((await keys("cordon/audit/")).find((k) => k.includes(`-${id}.json`))!));
    expect(audit.command).toBe("drift --correct");
  });

  it("restoring the policy turns it into plain drift, which --correct then fixes (exit 0)", async () => {
    writeFileSync(policyFile, original);
    expect(statuses((await drift()).json)).toEqual({ [A("ec2.flowLog", VPC)]: "drift" });
    const r = await cordon(["drift", "policies", "--correct", "--today", TODAY]);
    expect(r.status).toBe(0);
    expect(await ownedFlowLogs()).toHaveLength(1);
    expect((await drift()).run.status).toBe(0);
  });
});

describe("observe mode", () => {
  it("drift in an observe-mode section is reported and never corrected", async () => {
    writeFileSync(policyFile, original.replace("flowLogs:\n", "flowLogs:\n  mode: observe\n"));
    try {
      const [fl] = await ownedFlowLogs();
      await ec2.send(new DeleteFlowLogsCommand({ FlowLogIds: [fl!.FlowLogId!] }));
      const r = await cordon(["drift", "policies", "--correct", "--today", TODAY]);
      expect(r.status).toBe(2);
      expect(r.stdout).toContain(`drift         ${A("ec2.flowLog", VPC)} (production) (observe mode)`);
      expect(r.stderr).toContain(`left alone: ${A("ec2.flowLog", VPC)} (observe mode: never changed)`);
      expect(await ownedFlowLogs()).toEqual([]);
    } finally {
      writeFileSync(policyFile, original);
    }
    expect((await cordon(["drift", "policies", "--correct", "--today", TODAY])).status).toBe(0);
    expect(await ownedFlowLogs()).toHaveLength(1);
  });
});

// Several CLI runs per test: on a loaded machine each may take seconds to start.
describe("the apply lock through the CLI", { timeout: 120_000 }, () => {
  const holder = (id: string, expiresInMs: number) =>
    JSON.stringify({
      format: "cordon.lock/v1",
      id,
      who: "ci@runner-7",
      ciRunId: "9001",
      command: "apply",
      createdAt: new Date().toISOString(),
      expiresAt: new Date(Date.now() + expiresInMs).toISOString(),
      planDigest: "f".repeat(64),
      targets: [`${ACCOUNT}/${REGION}`],
    });

  it("refuses at once when another run holds it, naming the holder and the ID, and changes nothing", async () => {
    await removeDeliveryStatement();
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: LOCK_KEY, Body: holder("0123456789ab", 600_000) }));
    sandbox.control.clearRequests();
    const r = await cordon(["apply", "policies", "--auto-approve", "--today", TODAY]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("is locked by ci@runner-7 (CI run 9001)");
    expect(r.stderr).toContain("cordon force-unlock 0123456789ab");
    const changed = sandbox.control
      .requests()
      .filter((q) => !/^(Describe|Get|List|Head)/.test(q.operation))
      .map((q) => q.operation);
    expect(changed).toEqual(["PutObject"]); // the refused If-None-Match write, nothing else
    expect(await deliveryStatements()).not.toContain("CordonAWSLogDeliveryWrite");
  });

  it("force-unlock with a wrong ID fails; with the right one it breaks the lock", async () => {
    const wrong = await cordon(["force-unlock", "ffffffffffff", "policies"]);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain("no lock with ID ffffffffffff");
    const right = await cordon(["force-unlock", "0123456789ab", "policies"]);
    expect(right.status).toBe(0);
    expect(right.stdout).toContain("Lock 0123456789ab broken");
    expect(await keys("cordon/locks/")).toEqual([]);
  });

  it("--lock-timeout waits for a held lock; once its holder's TTL has passed, takes it over and applies", async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: LOCK_KEY, Body: holder("abcdefabcdef", 600_000) }));
    const apply = spawnCordon(["apply", "policies", "--auto-approve", "--lock-timeout", "5m", "--today", TODAY]);
    await apply.until("waiting up to 5m for the lock");
    expect(await keys("cordon/locks/")).toEqual([LOCK_KEY]);
    expect(await deliveryStatements()).not.toContain("CordonAWSLogDeliveryWrite"); // nothing changed while waiting
    // The holder dies and its TTL runs out: the object now says it expired (constructed, not waited for).
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: LOCK_KEY, Body: holder("abcdefabcdef", -1_000) }));
    expect(await apply.exited).toBe(0);
    expect(apply.run.stderr).toContain("took over an expired lock of ci@runner-7");
    expect(await deliveryStatements()).toContain("CordonAWSLogDeliveryWrite");
    expect(await keys("cordon/locks/")).toEqual([]);
  });

  it("Ctrl-C during an apply releases the lock and writes an 'interrupted' audit record (exit 130)", async () => {
    await removeDeliveryStatement();
    sandbox.control.setFaults({
      rules: [{ kind: "latency", service: "s3", operation: "PutBucketPolicy", latencyMs: 8_000 }],
    });
    const child = spawn(process.execPath, [CLI, "apply", "policies", "--auto-approve", "--today", TODAY], {
      cwd: tmp,
      env: baseEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    let stdout = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const end = Date.now() + 15_000;
    while (!stderr.includes("updating ") && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(await keys("cordon/locks/")).toEqual([LOCK_KEY]); // held while the change is in flight
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    sandbox.control.setFaults({});
    expect(stderr).toContain("SIGINT received: releasing the locks and writing the audit record");
    const id = /Audit ([0-9a-f]{8}): interrupted/.exec(stdout)?.[1];
    expect(id).toBeDefined();
    expect(await keys("cordon/locks/")).toEqual([]);
    // Found by its id: keys sort by the second the apply started, so the previous test's record
    // may sort after this one when both started in the same second.
    const key = (await keys("cordon/audit/")).find((k) => k.includes(id!));
    expect(key).toBeDefined();
    const last = JSON.parse(await readObject(key!));
    expect(last).toMatchObject({ result: "interrupted", error: "interrupted by SIGINT" });
    await quiesce(); // the delayed PutBucketPolicy lands before the next test starts
  });

  it("two applies at once: one waits for the other, nothing is duplicated, the result converges", async () => {
    await removeDeliveryStatement();
    const [fl] = await ownedFlowLogs();
    await ec2.send(new DeleteFlowLogsCommand({ FlowLogIds: [fl!.FlowLogId!] }));
    sandbox.control.setFaults({ latencyMs: 40 });
    const before = (await keys("cordon/audit/")).length;
    const args = ["apply", "policies", "--auto-approve", "--lock-timeout", "5m", "--today", TODAY];
    const [a, b] = await Promise.all([cordon(args), cordon(args)]);
    sandbox.control.setFaults({});
    await quiesce();
    expect([a.status, b.status]).toEqual([0, 0]);
    // Exactly one of them changed AWS; the other found nothing left to do (after waiting, or not).
    const applied = [a, b].map((r) => /Audit [0-9a-f]{8}: success — (\d+) applied/.exec(r.stdout)?.[1] ?? "none");
    expect(applied.filter((n) => n === "2")).toHaveLength(1);
    expect(applied.filter((n) => n === "0" || n === "none")).toHaveLength(1);
    const loser = applied[0] === "2" ? b : a;
    // Its plan went stale (the winner changed AWS, whether it waited for the lock or took it after
    // the winner released it) and it planned again under the lock, or it planned after the winner.
    expect(loser.stderr + loser.stdout).toMatch(/planning again|^No changes/m);
    expect(await ownedFlowLogs()).toHaveLength(1);
    expect(await deliveryStatements()).toContain("CordonAWSLogDeliveryWrite");
    expect(await keys("cordon/locks/")).toEqual([]);
    expect((await keys("cordon/audit/")).length).toBeGreaterThan(before);
    const plan = await cordon(["plan", "policies", "--detailed-exitcode", "--today", TODAY]);
    expect(plan.status).toBe(0);
  });
});

// Several CLI runs per test: on a loaded machine each may take seconds to start.
describe("the apply lock and AWS's own behaviour", { timeout: 120_000 }, () => {
  const lockObject = (id: string, expiresInMs: number, createdAgoMs = 3_600_000) =>
    JSON.stringify({
      format: "cordon.lock/v1",
      id,
      who: "ci@runner-9",
      ciRunId: "4242",
      command: "apply",
      createdAt: new Date(Date.now() - createdAgoMs).toISOString(),
      expiresAt: new Date(Date.now() + expiresInMs).toISOString(),
      planDigest: "e".repeat(64),
      targets: [`${ACCOUNT}/${REGION}`],
    });
  const writes = () =>
    sandbox.control
      .requests()
      .filter((q) => !/^(Describe|Get|List|Head)/.test(q.operation))
      .map((q) => `${q.operation} ${q.status}${q.injected !== undefined ? ` ${q.injected}` : ""}`);

  it("a lost response to the lock's PutObject and DeleteObject: the retry's 412 is recognised as our own lock, the apply succeeds and releases it", async () => {
    await removeDeliveryStatement();
    sandbox.control.setFaults({
      rules: [
        { kind: "lostResponse", service: "s3", operation: "PutObject", nth: 1 },
        { kind: "lostResponse", service: "s3", operation: "DeleteObject", nth: 1 },
      ],
    });
    sandbox.control.clearRequests();
    const r = await cordon(["apply", "policies", "--auto-approve", "--today", TODAY]);
    sandbox.control.setFaults({});
    expect(r.stderr).not.toContain("is locked by");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Audit [0-9a-f]{8}: success — 1 applied/);
    expect(r.stderr).not.toContain("could not release");
    const w = writes();
    // The lock's create took effect but lost its answer; the SDK's retry met its own object (412).
    expect(w.slice(0, 2)).toEqual(["PutObject 500 lostResponse", "PutObject 412"]);
    expect(w).toContain("PutBucketPolicy 204");
    // The release took effect but lost its answer; the retry found nothing left to delete.
    expect(w.slice(-2)).toEqual(["DeleteObject 500 lostResponse", "DeleteObject 404"]);
    expect(await keys("cordon/locks/")).toEqual([]);
    expect(await deliveryStatements()).toContain("CordonAWSLogDeliveryWrite");
  });

  it.each(["0s", "1ms", "29s"])(
    "--lock-ttl %s is refused before anything is read from AWS, naming the 30s floor",
    async (ttl) => {
      await removeDeliveryStatement();
      sandbox.control.clearRequests();
      for (const command of [
        ["apply", "policies", "--auto-approve"],
        ["drift", "policies", "--correct"],
      ]) {
        const r = await cordon([...command, "--lock-ttl", ttl, "--today", TODAY]);
        expect(r.status).toBe(1);
        expect(r.stderr).toContain(`--lock-ttl ${ttl} is below the lock TTL floor of 30s`);
        expect(r.stderr).toContain("renews the lock every third of its TTL");
        expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/); // no stack trace
      }
      expect(sandbox.control.requests()).toEqual([]);
      const help = await cordon(["apply", "--help"]);
      expect(help.stdout.replace(/\s+/g, " ")).toContain(
        "at least 30s, so a slow S3 round trip or a paused process cannot let it lapse",
      );
      // The floor itself is accepted.
      const ok = await cordon(["apply", "policies", "--auto-approve", "--lock-ttl", "30s", "--today", TODAY]);
      expect(ok.status).toBe(0);
      expect(await deliveryStatements()).toContain("CordonAWSLogDeliveryWrite");
    },
  );

  it("an apply with nothing to do still warns of a stale lock: holder, age, and the force-unlock command; and writes nothing", async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: LOCK_KEY, Body: lockObject("5a1e5a1e5a1e", -60_000) }));
    const before = await readObject(LOCK_KEY);
    sandbox.control.clearRequests();
    const r = await cordon(["apply", "policies", "--auto-approve", "--today", TODAY]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("No changes.");
    expect(r.stderr).toContain(
      `warning: stale lock s3://${BUCKET}/${LOCK_KEY} of ${ACCOUNT}/${REGION}: held by ci@runner-9 (CI run 4242)`,
    );
    expect(r.stderr).toMatch(/taken 1h\d*m?\d*s? ago/);
    expect(r.stderr).toContain("cordon force-unlock 5a1e5a1e5a1e");
    expect(writes()).toEqual([]);
    expect(await readObject(LOCK_KEY)).toBe(before);
    // The same for a saved plan with nothing in it.
    const planFile = join(tmp, "empty-plan.json");
    expect((await cordon(["plan", "policies", "--out", planFile, "--today", TODAY])).status).toBe(0);
    const saved = await cordon(["apply", planFile, "--today", TODAY]);
    expect(saved.status).toBe(0);
    expect(saved.stderr).toContain(`warning: stale lock s3://${BUCKET}/${LOCK_KEY}`);
    expect(saved.stderr).toContain("cordon force-unlock 5a1e5a1e5a1e");
    expect(await readObject(LOCK_KEY)).toBe(before);
  });

  it("an apply with nothing to do says when the lock is held and live: someone else is applying", async () => {
    await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: LOCK_KEY, Body: lockObject("11fe11fe11fe", 600_000, 5_000) }),
    );
    sandbox.control.clearRequests();
    const r = await cordon(["apply", "policies", "--auto-approve", "--today", TODAY]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("No changes.");
    expect(r.stderr).toContain(
      `the lock s3://${BUCKET}/${LOCK_KEY} of ${ACCOUNT}/${REGION} is held: someone else is applying right now`,
    );
    expect(r.stderr).toContain("lock ID 11fe11fe11fe");
    expect(writes()).toEqual([]);
    expect((await cordon(["force-unlock", "11fe11fe11fe", "policies"])).status).toBe(0);
    // No lock, no warning.
    const clean = await cordon(["apply", "policies", "--auto-approve", "--today", TODAY]);
    expect(clean.status).toBe(0);
    expect(clean.stderr).not.toContain("lock");
  });
});

describe("derived names fit AWS's limits at validate time", () => {
  const FIXTURE = "test/fixtures/bad/49-web-acl-name-too-long-for-ip-sets.yaml";
  const LONG =
    "cats-eyes-edge-protection-for-the-public-application-load-balancers-of-the-production-account-in-ireland-eu-west-1-2026";

  it("a web ACL name too long for '<name>-blocked-ipv4': validate, plan and apply name file:line:column, exit 1, and call no AWS API", async () => {
    const dir = join(tmp, "long-names");
    cpSync(join(ROOT, FIXTURE), join(dir, "edge.yaml"));
    sandbox.control.clearRequests();
    for (const command of [["validate"], ["plan"], ["apply", "--auto-approve"]]) {
      const r = await cordon([...command, "long-names", "--today", TODAY]);
      expect(r.status, command[0]).toBe(1);
      expect(r.stdout + r.stderr).toContain(
        `long-names/edge.yaml:17:9  The IP set name "${LONG}-blocked-ipv4" would be ${LONG.length + 13} characters long; AWS allows at most 128, so webAcl.name can have at most 115 characters here.`,
      );
      expect(r.stdout + r.stderr).not.toMatch(/\n\s+at [^\n]+:\d+:\d+/);
    }
    expect(sandbox.control.requests()).toEqual([]);
    // 115 characters is accepted: the IP set names are then 128.
    writeFileSync(join(dir, "edge.yaml"), readFileSync(join(ROOT, FIXTURE), "utf8").replace(LONG, LONG.slice(0, 115)));
    const ok = await cordon(["validate", "long-names", "--today", TODAY]);
    expect(ok.stdout).toContain("0 errors");
    expect(ok.status).toBe(0);
  });
});

describe("GitHub Actions", () => {
  it("appends the markdown plan to $GITHUB_STEP_SUMMARY", async () => {
    const summary = join(tmp, "step-summary.md");
    writeFileSync(summary, "earlier step\n");
    await removeDeliveryStatement();

    const r = await cordon(["plan", "policies", "--today", TODAY], {
      GITHUB_ACTIONS: "true",
      GITHUB_STEP_SUMMARY: summary,
    });
    expect(r.status).toBe(0);
    const text = readFileSync(summary, "utf8");
    // In Actions the plan starts with its header (here only the targets: no GITHUB_SHA or run variables).
    const head =
      "earlier step\n<!-- cordon-plan -->\n**Targets** `111122223333/eu-west-1`\n\n**Plan: 0 to add, 1 to change, 0 to destroy.**";
    expect(text.slice(0, head.length), text.slice(0, 600)).toBe(head);
  });

  it("turns policy errors of plan and apply into annotations on the policy lines", async () => {
    writeFileSync(policyFile, original.replace("trafficType: ALL", "trafficType: all"));
    try {
      for (const command of ["plan", "apply"]) {
        const r = await cordon(
          [command, "policies", "--auto-approve", "--today", TODAY].filter(
            (x) => command === "apply" || x !== "--auto-approve",
          ),
          {
            GITHUB_ACTIONS: "true",
          },
        );
        expect(r.status).toBe(1);
        expect(r.stdout).toMatch(/^::error file=policies\/production\.yaml,line=\d+,col=\d+/m);
      }
    } finally {
      writeFileSync(policyFile, original);
    }
  });
});

describe("blocking-only policies (no flow-log bucket)", () => {
  const dir = join(tmp, "blocking");
  const NOTE = "no lock, audit log or applied record for 111122223333/eu-west-1";
  const count = (text: string, what: string) => text.split(what).length - 1;
  const blockingDrift = async (extra: string[] = []) => {
    const run = await cordon(["drift", "blocking", "--format", "json", "--today", TODAY, ...extra]);
    const json = JSON.parse(run.stdout) as DriftJson;
    return { run, json, nacl: json.resources.find((r) => r.address.includes("/ec2.naclEntries/")) };
  };

  beforeAll(() => {
    cpSync(policies, dir, { recursive: true });
    const text = readFileSync(policyFile, "utf8");
    const blocking = text.slice(0, text.indexOf("# 1. Record")) + text.slice(text.indexOf("# 3. The address"));
    writeFileSync(join(dir, "production.yaml"), blocking.replace("cidr: 203.0.113.66", "cidr: 203.0.113.77"));
  });

  it("drift says once that there is no record to read, and why a NACL change is not measured", async () => {
    const { run, json, nacl } = await blockingDrift();
    expect(run.status).toBe(2);
    expect(json.notes).toHaveLength(1);
    expect(json.notes[0]).toContain(`${NOTE}: its policies name no flow-log bucket`);
    expect(json.notes[0]).toContain("pass --lock-bucket NAME");
    expect(nacl?.status).toBe("pending");
    expect(nacl?.reason).toContain("drift not measured: no applied record");
    const text = await cordon(["drift", "blocking", "--today", TODAY]);
    expect(count(text.stdout, NOTE)).toBe(1);
    expect(text.stderr).toBe("");
  });

  it("apply warns once that it runs without lock and audit; --lock-bucket gives it both, and drift reads its record", async () => {
    const nacl = (await blockingDrift()).nacl?.address as string;
    const planFile = join(tmp, "blocking-plan.json");
    // Only the NACL: these policies no longer declare the flow log, which must stay for the other tests.
    const applyNacl = async (extra: string[] = []) => {
      const planned = await cordon(["plan", "blocking", "--target", nacl, "--out", planFile, "--today", TODAY]);
      expect(planned.status).toBe(0);
      return cordon(["apply", planFile, "--today", TODAY, ...extra]);
    };
    const before = (await keys("cordon/audit/")).length;
    const bare = await applyNacl();
    expect(bare.status).toBe(0);
    expect(count(bare.stderr, NOTE)).toBe(1);
    expect(bare.stdout).toContain("(not written)");
    expect((await keys("cordon/audit/")).length).toBe(before);

    writeFileSync(
      join(dir, "production.yaml"),
      readFileSync(join(dir, "production.yaml"), "utf8").replace("203.0.113.77", "203.0.113.78"),
    );
    const withBucket = ["--lock-bucket", BUCKET];
    const applied = await applyNacl(withBucket);
    expect(applied.status).toBe(0);
    expect(applied.stderr).not.toContain(NOTE);
    expect((await keys("cordon/audit/")).length).toBe(before + 1);
    const clean = await blockingDrift(withBucket);
    expect(clean.json.notes).toEqual([]);
    expect(clean.nacl).toBeUndefined();
  });
});
