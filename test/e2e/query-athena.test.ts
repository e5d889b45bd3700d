// `cordon query --engine athena` through the built CLI against the sandbox's Athena, over the table
// `cordon apply` made for the Cat's Eyes policy and the sandbox's cats-eyes traffic (the flood, then
// the block applied and the flood REJECTed): every named report answers the same rows on Athena as
// on the local engine; the stats line names the query, data scanned and cost; --max-scan stops a
// running query; Ctrl-C stops it (StopQueryExecution) and exits 130; a failed query is a clear
// error. Run `npm run build` first.
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AthenaClient, GetQueryExecutionCommand } from "@aws-sdk/client-athena";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { type SandboxHandle, startSandbox } from "@cordon/sandbox";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  ACCOUNT,
  CLI,
  cordonRunner,
  makeTmp,
  REGION,
  requireCli,
  sandboxCliEnv,
  sandboxClientConfig,
  TODAY,
} from "./helpers.js";

const RESULTS = "cats-eyes-athena-results";
const OUTPUT = `s3://${RESULTS}/cordon/`;
const POLICY = readFileSync("examples/cats-eyes/policies/production.yaml", "utf8");
const BEFORE = POLICY.replace(/\n# 3\. [\s\S]*?\n# 4\./, "\n# 4.");
const WINDOW = ["--since", "2026-12-05T10:00:00Z", "--until", "2026-12-05T11:00:00Z"];
const REPORTS = ["rejected", "top-talkers", "outbound-by-destination", "by-port", "blocked-hits"];

let tmp: string;
let sandbox: SandboxHandle;
let run: ReturnType<typeof cordonRunner>;
const cli = { tmp: "", endpoint: () => sandbox.url, accessKeyId: ACCOUNT };

beforeAll(async () => {
  requireCli();
  tmp = makeTmp("cordon-query-athena-");
  cli.tmp = tmp;
  sandbox = await startSandbox({
    seed: "examples/cats-eyes/estate.yaml",
    traffic: { scenario: "cats-eyes", seed: 5 },
    clock: "2026-12-05T09:00:00Z",
    requestLogSize: 5000,
  });
  run = cordonRunner(cli);
  mkdirSync(join(tmp, "policies"));
  const policy = join(tmp, "policies", "production.yaml");
  writeFileSync(policy, BEFORE);
  const first = await run(["apply", "policies", "--auto-approve", "--today", TODAY]);
  expect(first.status, first.stderr).toBe(0);
  sandbox.control.deliverTraffic({ from: "2026-12-05T10:00:00Z", to: "2026-12-05T10:30:00Z" });
  sandbox.control.setClock("2026-12-05T10:30:00Z");
  writeFileSync(policy, POLICY);
  const second = await run(["apply", "policies", "--auto-approve", "--today", TODAY]);
  expect(second.status, second.stderr).toBe(0);
  sandbox.control.deliverTraffic({ from: "2026-12-05T10:30:00Z", to: "2026-12-05T11:00:00Z" });
  sandbox.control.setClock("2026-12-05T12:00:00Z");
  await new S3Client({ ...sandboxClientConfig(sandbox.url, ACCOUNT), forcePathStyle: true }).send(
    new CreateBucketCommand({ Bucket: RESULTS, CreateBucketConfiguration: { LocationConstraint: REGION } }),
  );
}, 120_000);

afterAll(async () => {
  await sandbox?.stop();
  if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
});

beforeEach(() => {
  sandbox.control.setConfig({ athenaQueryDelayMs: 0, athenaQueriesHang: false });
  sandbox.control.clearRequests();
});

const athenaCalls = (operation: string) =>
  sandbox.control.requests().filter((r) => r.service === "athena" && r.operation === operation);

describe("cordon query --engine athena", () => {
  it("answers every named report with the same rows as the local engine", async () => {
    for (const report of REPORTS) {
      const common = ["query", report, "policies", ...WINDOW, "--format", "json"];
      const athena = await run([...common, "--engine", "athena", "--output-location", OUTPUT]);
      expect(athena.status, `${report}: ${athena.stderr}`).toBe(0);
      const local = await run([...common, "--engine", "local", "--cache-dir", join(tmp, "cache")]);
      expect(local.status, `${report}: ${local.stderr}`).toBe(0);
      const a = JSON.parse(athena.stdout) as { columns: unknown; rows: unknown[]; stats: Record<string, unknown> };
      const l = JSON.parse(local.stdout) as { columns: unknown; rows: unknown[] };
      expect(a.columns, report).toEqual(l.columns);
      expect(a.rows, report).toEqual(l.rows);
      expect(a.stats["engine"]).toBe("athena");
      expect(a.stats["outputLocation"]).toBe(`${OUTPUT}${a.stats["queryId"]}.csv`);
    }
    // The flood shows in top-talkers, and its REJECTs after the block in blocked-hits.
    const hits = JSON.parse(
      (
        await run([
          "query",
          "blocked-hits",
          "policies",
          ...WINDOW,
          "--format",
          "json",
          "--engine",
          "athena",
          "--output-location",
          OUTPUT,
        ])
      ).stdout,
    ) as { rows: unknown[][] };
    expect(JSON.stringify(hits.rows)).toMatch(/REJECT/);
  });

  it("prints the query id, data scanned and cost on the stats line", async () => {
    const r = await run([
      "query",
      "top-talkers",
      "policies",
      ...WINDOW,
      "--engine",
      "athena",
      "--output-location",
      OUTPUT,
    ]);
    expect(r.status, r.stderr).toBe(0);
    const started = athenaCalls("StartQueryExecution");
    expect(started).toHaveLength(1);
    const id = /query ([0-9a-f-]{36})/.exec(r.stdout + r.stderr)?.[1];
    expect(id).toBeDefined();
    // The id printed is the query that ran (its result object is at the output location).
    const q = await new AthenaClient(sandboxClientConfig(sandbox.url, ACCOUNT)).send(
      new GetQueryExecutionCommand({ QueryExecutionId: id }),
    );
    expect(q.QueryExecution?.Status?.State).toBe("SUCCEEDED");
    expect(r.stdout + r.stderr).toMatch(/athena engine, \d+ rows, [\d.]+ kB scanned, cost \$[\d.]+/);
  });

  it("--max-scan stops the running query and fails with exit 1, naming the query and the limit", async () => {
    sandbox.control.setConfig({ athenaQueryDelayMs: 5000 });
    const r = await run([
      "query",
      "top-talkers",
      "policies",
      ...WINDOW,
      "--engine",
      "athena",
      "--output-location",
      OUTPUT,
      "--max-scan",
      "10kB",
    ]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/Athena query [0-9a-f-]{36} in workgroup primary .* was stopped after scanning \d+ bytes/);
    expect(r.stderr).toMatch(/more than --max-scan 10000 bytes/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(athenaCalls("StopQueryExecution")).toHaveLength(1);
  });

  it("Ctrl-C stops the query (StopQueryExecution, CANCELLED) and exits 130", async () => {
    sandbox.control.setConfig({ athenaQueriesHang: true });
    const child = spawn(
      process.execPath,
      [CLI, "query", "top-talkers", "policies", ...WINDOW, "--engine", "athena", "--output-location", OUTPUT],
      { cwd: tmp, env: sandboxCliEnv(cli), stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    for (let i = 0; i < 200 && athenaCalls("GetQueryExecution").length < 2; i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(athenaCalls("GetQueryExecution").length).toBeGreaterThanOrEqual(2);
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    const id = /Athena query ([0-9a-f-]{36}) stopped \(StopQueryExecution\)/.exec(stderr)?.[1];
    expect(id, stderr).toBeDefined();
    expect(athenaCalls("StopQueryExecution")).toHaveLength(1);
    const q = await new AthenaClient(sandboxClientConfig(sandbox.url, ACCOUNT)).send(
      new GetQueryExecutionCommand({ QueryExecutionId: id }),
    );
    expect(q.QueryExecution?.Status?.State).toBe("CANCELLED");
  });

  it("a failed query is an error naming the query id, Athena's reason and the workgroup", async () => {
    const r = await run([
      "query",
      "--sql",
      'SELECT no_such_column FROM "cats_eyes_network"."production_flow_logs"',
      "policies",
      "--engine",
      "athena",
      "--output-location",
      OUTPUT,
    ]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /Athena query [0-9a-f-]{36} failed in workgroup primary \(111122223333\/eu-west-1\): COLUMN_NOT_FOUND: line 1:8: Column 'no_such_column' cannot be resolved/,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
