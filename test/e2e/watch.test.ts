// The watch loop end to end: `cordon watch --git file://…` as a separate process against an
// in-process sandbox. Drift injected between reconciles (a flow log deleted with the SDK) shows up
// in /metrics, is corrected, and the gauge goes back to 0; a policy change pushed to the repository
// is pending and left alone; SIGTERM ends the process cleanly with exit 0.
import { execFile, execFileSync, spawn } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeleteFlowLogsCommand, DescribeFlowLogsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { startSandbox } from "@cordon/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, REGION, ROOT, sample, until } from "./helpers.js";

const VPC = "vpc-0c47e5a1f3d2b0001";
const KEY = "AKIAWATCH0000000001";

process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true";

const tmp = mkdtempSync(join(tmpdir(), "cordon-watch-e2e-"));
const repo = join(tmp, "repo");
const policyFile = join(repo, "policies", "production.yaml");
let sandbox: Awaited<ReturnType<typeof startSandbox>>;
let ec2: EC2Client;

const env = (): NodeJS.ProcessEnv => ({
  PATH: process.env["PATH"],
  HOME: tmp,
  NO_COLOR: "1",
  AWS_ENDPOINT_URL: sandbox.url,
  AWS_REGION: REGION,
  AWS_ACCESS_KEY_ID: KEY,
  AWS_SECRET_ACCESS_KEY: "e2e-secret",
  AWS_MAX_ATTEMPTS: "2",
  AWS_CONFIG_FILE: join(tmp, "no-config"),
  AWS_SHARED_CREDENTIALS_FILE: join(tmp, "no-credentials"),
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  GIT_CONFIG_NOSYSTEM: "1",
});

const git = (...args: string[]) =>
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd: repo, env: env() });

const flowLogs = async () =>
  (
    (await ec2.send(new DescribeFlowLogsCommand({ Filter: [{ Name: "resource-id", Values: [VPC] }] }))).FlowLogs ?? []
  ).filter((f) => (f.Tags ?? []).some((t) => t.Key === "cordon:managed-by"));

beforeAll(async () => {
  sandbox = await startSandbox({ seed: join(ROOT, "examples/cats-eyes/estate.yaml") });
  ec2 = new EC2Client({
    region: REGION,
    endpoint: sandbox.url,
    credentials: { accessKeyId: KEY, secretAccessKey: "x" },
  });
  cpSync(join(ROOT, "examples/cats-eyes/policies"), join(repo, "policies"), { recursive: true });
  git("init", "--quiet", "--initial-branch", "main");
  git("add", ".");
  git("commit", "--quiet", "-m", "policies");
  // The first apply is a reviewed one; the loop only keeps it in place. (Asynchronously: the
  // sandbox answers from this process.)
  await new Promise<void>((resolve, reject) =>
    execFile(
      process.execPath,
      [CLI, "apply", join(repo, "policies"), "--auto-approve"],
      { env: env(), cwd: tmp },
      (e) => (e === null ? resolve() : reject(e)),
    ),
  );
});

afterAll(async () => {
  ec2?.destroy();
  await sandbox?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe("cordon watch", () => {
  it("corrects drift injected between reconciles, leaves a pending change alone, reports it all in /metrics, exits 0 on SIGTERM", async () => {
    const child = spawn(
      process.execPath,
      [
        CLI,
        "watch",
        "policies",
        "--git",
        `file://${repo}`,
        "--branch",
        "main",
        "--interval",
        "1s",
        "--listen",
        "127.0.0.1:0",
        "--log-format",
        "json",
      ],
      { env: env(), cwd: tmp, stdio: ["ignore", "pipe", "pipe"] },
    );
    const logs: Record<string, unknown>[] = [];
    let buffered = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const l of lines) logs.push(JSON.parse(l) as Record<string, unknown>);
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      const url = await until(
        "the listen address",
        async () => logs.find((l) => l["msg"] === "watch started")?.["listen"] as string | undefined,
      );
      const get = async (path: string) => {
        const r = await fetch(`${url}${path}`);
        return { status: r.status, text: await r.text() };
      };
      expect((await get("/healthz")).status).toBe(200);
      await until("ready", async () => ((await get("/readyz")).status === 200 ? true : undefined));
      let m = (await get("/metrics")).text;
      expect(sample(m, "cordon_aws_api_calls_total", 'operation="DescribeFlowLogs"')).toBeGreaterThan(0);
      expect(sample(m, "cordon_last_success_timestamp_seconds", "")).toBeGreaterThan(Date.now() / 1000 - 60);
      expect(sample(m, "cordon_reconcile_duration_seconds_count", 'result="success"')).toBeGreaterThan(0);

      // Drift behind Cordon's back: the gauge goes up, the loop corrects it, the gauge comes back to 0.
      const [fl] = await flowLogs();
      await ec2.send(new DeleteFlowLogsCommand({ FlowLogIds: [fl!.FlowLogId!] }));
      await until("drift in /metrics", async () =>
        sample((await get("/metrics")).text, "cordon_drifted_resources", 'kind="ec2.flowLog"') === 1 ? true : undefined,
      );
      await until("drift corrected", async () =>
        sample((await get("/metrics")).text, "cordon_drifted_resources", 'kind="ec2.flowLog"') === 0 ? true : undefined,
      );
      m = (await get("/metrics")).text;
      expect(sample(m, "cordon_corrections_total", 'kind="ec2.flowLog",outcome="applied"')).toBe(1);
      // Labelled by target, like the drift and pending gauges.
      expect(
        sample(m, "cordon_corrections_total", 'account="111122223333",region="eu-west-1",kind="ec2.flowLog"'),
      ).toBe(1);
      expect(sample(m, "cordon_aws_api_calls_total", 'operation="CreateFlowLogs"')).toBe(1);
      expect(sample(m, "cordon_aws_api_calls_total", 'operation="PutObject"')).toBeGreaterThan(0); // lock + records
      expect(await flowLogs()).toHaveLength(1);

      // A policy change pushed to the branch: pending, never applied by the loop.
      writeFileSync(policyFile, readFileSync(policyFile, "utf8").replace("trafficType: ALL", "trafficType: REJECT"));
      git("commit", "--quiet", "-am", "REJECT only");
      await until("the pending change in /metrics", async () =>
        sample((await get("/metrics")).text, "cordon_pending_resources", 'kind="ec2.flowLog"') === 1 ? true : undefined,
      );
      expect((await flowLogs()).map((f) => f.TrafficType)).toEqual(["ALL"]);
      // The gauge and the log line come from the same reconcile; wait for the line rather than assume the order.
      await until("the 'pending' log line", async () =>
        logs.some((l) => l["msg"] === "pending" && String(l["reason"]).includes("trafficType")) ? true : undefined,
      );
      expect(logs.filter((l) => l["msg"] === "corrected")).toHaveLength(1);

      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(logs.at(-1)?.["msg"]).toBe("watch stopped");
      expect(logs.some((l) => l["msg"] === "stopping" && l["signal"] === "SIGTERM")).toBe(true);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  }, 60_000);

  it("--apply-pending also applies the policy change pushed to the branch", async () => {
    const child = spawn(
      process.execPath,
      [
        CLI,
        "watch",
        "policies",
        "--git",
        `file://${repo}`,
        "--interval",
        "1s",
        "--listen",
        "127.0.0.1:0",
        "--apply-pending",
      ],
      { env: env(), cwd: tmp, stdio: ["ignore", "pipe", "pipe"] },
    );
    let text = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      text += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      await until("the REJECT flow log", async () => {
        const logs = await flowLogs();
        return logs.length === 1 && logs[0]?.TrafficType === "REJECT" ? true : undefined;
      });
      // The log line follows the change in AWS (the apply verifies first): wait for it too.
      const corrected =
        /INFO {2}corrected address=\S+ec2.flowLog\/vpc-0c47e5a1f3d2b0001 action=create-then-delete outcome=applied/;
      await until("the 'corrected' log line", async () => (corrected.test(text) ? true : undefined));
      expect(text).toMatch(corrected);
      child.kill("SIGINT");
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  }, 60_000);
});
