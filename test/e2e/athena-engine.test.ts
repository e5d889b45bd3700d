// The Athena engine (src/query/athena.ts) end to end against the sandbox's Athena: `cordon apply`
// makes the flow log, the bucket and the Glue table of the Cat's Eyes policy, the sandbox delivers
// cats-eyes traffic, and the engine queries the very table Cordon manages — with a partition
// filter, over more than one result page, stopped past --max-scan, cancelled by the abort signal,
// failing with Athena's reason, and started once although the answer to StartQueryExecution was
// lost. Run `npm run build` first (the CLI applies the policy).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import {
  AthenaClient,
  CreateWorkGroupCommand,
  GetQueryExecutionCommand,
  ListQueryExecutionsCommand,
} from "@aws-sdk/client-athena";
import { GetTableCommand, GlueClient } from "@aws-sdk/client-glue";
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { type SandboxHandle, startSandbox } from "@cordon/sandbox";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { awsEnvironment, createAwsSession } from "../../src/aws/config.js";
import { CancelledError, QueryError } from "../../src/model/errors.js";
import type { QueryProgress, QueryRequest, QueryTable } from "../../src/model/query.js";
import type { GlueTableSpec } from "../../src/model/specs.js";
import { athenaCostUsd, createAthenaEngine } from "../../src/query/athena.js";
import {
  ACCOUNT,
  cordonRunner,
  makeTmp,
  REGION,
  requireCli,
  runCli,
  sandboxClientConfig,
  startSandboxCli,
  stopSandboxCli,
  TODAY,
} from "./helpers.js";

const BUCKET = `cats-eyes-flow-logs-${ACCOUNT}`;
const RESULTS = "cats-eyes-athena-results";
const OUTPUT = `s3://${RESULTS}/cordon/`;
const FLOOD = "203.0.113.66";
const DAY_PREFIX = `flow-logs/AWSLogs/${ACCOUNT}/vpcflowlogs/${REGION}/2026/12/05/`;
const POLICY = readFileSync("examples/cats-eyes/policies/production.yaml", "utf8");
/** The policy before the incident: logging and the table, no block yet. */
const BEFORE = POLICY.replace(/\n# 3\. [\s\S]*?\n# 4\./, "\n# 4.");

let tmp: string;
let sandbox: SandboxHandle;
let table: QueryTable;
const saved: Record<string, string | undefined> = {};

const athenaSdk = () => new AthenaClient({ ...sandboxClientConfig(sandbox.url, ACCOUNT), maxAttempts: 1 });
const s3 = () => new S3Client({ ...sandboxClientConfig(sandbox.url, ACCOUNT), forcePathStyle: true });

beforeAll(async () => {
  requireCli();
  tmp = makeTmp("cordon-athena-");
  sandbox = await startSandbox({
    seed: "examples/cats-eyes/estate.yaml",
    traffic: { scenario: "cats-eyes", seed: 3 },
    clock: "2026-12-05T09:00:00Z",
    requestLogSize: 5000,
  });
  const run = cordonRunner({ tmp, endpoint: () => sandbox.url, accessKeyId: ACCOUNT });
  mkdirSync(join(tmp, "policies"));
  writeFileSync(join(tmp, "policies", "production.yaml"), BEFORE);
  const applied = await run(["apply", "policies", "--auto-approve", "--today", TODAY]);
  expect(applied.status, applied.stderr).toBe(0);
  sandbox.control.deliverTraffic({ from: "2026-12-05T10:00:00Z", to: "2026-12-05T12:00:00Z" });
  await s3().send(
    new CreateBucketCommand({ Bucket: RESULTS, CreateBucketConfiguration: { LocationConstraint: REGION } }),
  );

  // The table as Cordon made it (read back from Glue: the engine needs its database and name).
  const live = (
    await new GlueClient(sandboxClientConfig(sandbox.url, ACCOUNT)).send(
      new GetTableCommand({ DatabaseName: "cats_eyes_network", Name: "production_flow_logs" }),
    )
  ).Table;
  const spec: GlueTableSpec = {
    database: live?.DatabaseName as string,
    name: live?.Name as string,
    tableType: live?.TableType ?? "EXTERNAL_TABLE",
    columns: (live?.StorageDescriptor?.Columns ?? []).map((c) => ({ Name: c.Name as string, Type: c.Type as string })),
    partitionKeys: (live?.PartitionKeys ?? []).map((c) => ({ Name: c.Name as string, Type: c.Type as string })),
    location: live?.StorageDescriptor?.Location as string,
    inputFormat: live?.StorageDescriptor?.InputFormat as string,
    outputFormat: live?.StorageDescriptor?.OutputFormat as string,
    serializationLibrary: live?.StorageDescriptor?.SerdeInfo?.SerializationLibrary as string,
    serdeParameters: live?.StorageDescriptor?.SerdeInfo?.Parameters ?? {},
    parameters: live?.Parameters ?? {},
  };
  table = { spec, account: ACCOUNT, region: REGION, policy: "cats-eyes-production" };

  // The engine reaches the sandbox through the standard AWS configuration, as the CLI does.
  const env: Record<string, string> = {
    AWS_ENDPOINT_URL: sandbox.url,
    AWS_ACCESS_KEY_ID: ACCOUNT,
    AWS_SECRET_ACCESS_KEY: "e2e-secret",
    AWS_REGION: REGION,
    AWS_CONFIG_FILE: join(tmp, "no-config"),
    AWS_SHARED_CREDENTIALS_FILE: join(tmp, "no-credentials"),
  };
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  for (const k of ["AWS_PROFILE", "AWS_SESSION_TOKEN"]) {
    saved[k] = process.env[k];
    delete process.env[k];
  }
}, 120_000);

afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await sandbox?.stop();
  if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
});

beforeEach(() => {
  sandbox.control.setConfig({ athenaQueryDelayMs: 0, athenaQueriesHang: false });
  sandbox.control.setFaults({});
  sandbox.control.clearRequests();
});

const engine = (o: { workgroup?: string; outputLocation?: string } = { outputLocation: OUTPUT }) =>
  createAthenaEngine({ session: createAwsSession(awsEnvironment(), { command: "query" }), ...o });

const from = () => `"${table.spec.database}"."${table.spec.name}"`;

/** The filter selecting the partitions of one UTC day, in whatever partition columns the table has. */
function dayFilter(date: string): string {
  const [y, m, d] = date.split("-") as [string, string, string];
  const p = table.spec.parameters;
  const keys = table.spec.partitionKeys.map((k) => k.Name);
  // A single day column (a date projection of day precision), or year / month / day columns.
  const dateKey = keys.find(
    (k) => p[`projection.${k}.type`] === "date" && (p[`projection.${k}.format`] ?? "").includes("dd"),
  );
  if (dateKey !== undefined) {
    const format = p[`projection.${dateKey}.format`] as string;
    const value = format.includes("year=") ? `year=${y}/month=${m}/day=${d}` : `${y}/${m}/${d}`;
    return `"${dateKey}" = '${value}'`;
  }
  // year / month / day partitions, each projected on its own.
  const part = (name: string, v: string) => {
    const key = keys.find((k) => k === name || k === `partition_${name}`) as string;
    return /int/.test(table.spec.partitionKeys.find((k) => k.Name === key)?.Type ?? "")
      ? `"${key}" = ${Number(v)}`
      : `"${key}" = '${v}'`;
  };
  return [part("year", y), part("month", m), part("day", d)].join(" AND ");
}

/** What the delivered files of 2026-12-05 hold (gunzip, no SQL): flood records and bytes. */
async function fromFiles(): Promise<{ flood: number; records: number; bytes: number }> {
  const list = await s3().send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: DAY_PREFIX }));
  let flood = 0;
  let records = 0;
  let bytes = 0;
  for (const o of list.Contents ?? []) {
    bytes += o.Size ?? 0;
    const got = await s3().send(new GetObjectCommand({ Bucket: BUCKET, Key: o.Key }));
    const lines = gunzipSync(Buffer.from(await got.Body!.transformToByteArray()))
      .toString("utf8")
      .trimEnd()
      .split("\n")
      .slice(1);
    records += lines.length;
    flood += lines.filter((l) => l.split(" ")[4] === FLOOD).length;
  }
  return { flood, records, bytes };
}

const request = (sql: string, extra: Partial<QueryRequest> = {}): QueryRequest => ({ sql, tables: [table], ...extra });
const calls = (operation: string) =>
  sandbox.control.requests().filter((r) => r.service === "athena" && r.operation === operation);

async function queryState(id: string) {
  return (await athenaSdk().send(new GetQueryExecutionCommand({ QueryExecutionId: id }))).QueryExecution;
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected the query to fail");
}

describe("the Athena engine against the sandbox", () => {
  it("queries Cordon's table with a partition filter: typed rows, bytes scanned of that day only, cost, output location", async () => {
    const expected = await fromFiles();
    expect(expected.flood).toBeGreaterThan(0);
    const events: QueryProgress[] = [];
    const e = engine();
    const result = await e.run(
      request(
        `SELECT dstaddr, count(*) AS flows, sum(bytes) AS total, avg(packets) AS mean, bool_or(action = 'ACCEPT') AS accepted
         FROM ${from()} WHERE ${dayFilter("2026-12-05")} AND dstaddr = '${FLOOD}' GROUP BY dstaddr`,
        { progress: (ev) => events.push(ev) },
      ),
    );
    await e.close();
    expect(result.columns).toEqual([
      { name: "dstaddr", type: "string" },
      { name: "flows", type: "integer" },
      { name: "total", type: "integer" },
      { name: "mean", type: "double" },
      { name: "accepted", type: "boolean" },
    ]);
    expect(result.rows).toHaveLength(1);
    const [addr, flows, total, mean, accepted] = result.rows[0] as unknown[];
    expect(addr).toBe(FLOOD);
    expect(flows).toBe(expected.flood);
    expect(typeof total).toBe("number");
    expect(typeof mean).toBe("number");
    expect(accepted).toBe(true);
    expect(result.stats.engine).toBe("athena");
    expect(result.stats.bytesScanned).toBe(expected.bytes);
    expect(result.stats.costUsd).toBe(athenaCostUsd(expected.bytes));
    expect(result.stats.outputLocation).toBe(`${OUTPUT}${result.stats.queryId}.csv`);
    expect(events.some((ev) => /SUCCEEDED/.test(ev.message))).toBe(true);

    // Another day: the filter reaches Athena, which reads nothing.
    const empty = await engine().run(request(`SELECT count(*) AS n FROM ${from()} WHERE ${dayFilter("2026-12-04")}`));
    expect(empty.rows).toEqual([[0]]);
    expect(empty.stats.bytesScanned).toBe(0);
    // Athena bills at least 10 MB a query.
    expect(empty.stats.costUsd).toBe((10 * 5) / (1024 * 1024));
  });

  it("reads every page of a result over 1,000 rows, the header row skipped", async () => {
    const expected = await fromFiles();
    expect(expected.records).toBeGreaterThan(1000);
    const result = await engine().run(
      request(
        `SELECT srcaddr, dstaddr, srcport, "start" FROM ${from()} WHERE ${dayFilter("2026-12-05")} ORDER BY "start", srcaddr`,
      ),
    );
    expect(result.rows).toHaveLength(expected.records);
    expect(calls("GetQueryResults").length).toBe(Math.ceil((expected.records + 1) / 1000));
    expect(result.rows.some((r) => r[0] === "srcaddr")).toBe(false);
    expect(result.rows.every((r) => typeof r[3] === "number")).toBe(true);
    const starts = result.rows.map((r) => r[3] as number);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
  });

  it("stops the query (StopQueryExecution) once the bytes scanned pass maxScanBytes, and fails clearly", async () => {
    sandbox.control.setConfig({ athenaQueryDelayMs: 5000 });
    const started = performance.now();
    const error = await rejection(engine().run(request(`SELECT count(*) FROM ${from()}`, { maxScanBytes: 1000 })));
    expect(error).toBeInstanceOf(QueryError);
    expect(error.message).toMatch(/was stopped after scanning \d+ bytes .*more than --max-scan 1000 bytes/);
    expect(performance.now() - started).toBeLessThan(4000);
    const id = (error as QueryError).queryId as string;
    expect(error.message).toContain(id);
    expect(calls("StopQueryExecution")).toHaveLength(1);
    expect((await queryState(id))?.Status?.State).toBe("CANCELLED");
  });

  it("cancels on the abort signal: StopQueryExecution, state CANCELLED, CancelledError", async () => {
    sandbox.control.setConfig({ athenaQueriesHang: true });
    const controller = new AbortController();
    let id: string | undefined;
    const error = await rejection(
      engine().run(
        request(`SELECT count(*) FROM ${from()}`, {
          signal: controller.signal,
          progress: (ev) => {
            if (/RUNNING/.test(ev.message)) {
              id = /query (\S+):/.exec(ev.message)?.[1];
              controller.abort();
            }
          },
        }),
      ),
    );
    expect(error).toBeInstanceOf(CancelledError);
    expect((error as CancelledError).code).toBe("CANCELLED");
    expect(id).toBeDefined();
    expect(error.message).toContain(id as string);
    expect(calls("StopQueryExecution")).toHaveLength(1);
    expect((await queryState(id as string))?.Status?.State).toBe("CANCELLED");
  });

  it("a FAILED query is an error naming the query id, Athena's reason and the workgroup", async () => {
    const error = await rejection(engine().run(request(`SELECT no_such_column FROM ${from()}`)));
    expect(error).toBeInstanceOf(QueryError);
    const id = (error as QueryError).queryId as string;
    expect(error.message).toBe(
      `Athena query ${id} failed in workgroup primary (${ACCOUNT}/${REGION}): COLUMN_NOT_FOUND: line 1:8: Column 'no_such_column' cannot be resolved`,
    );
  });

  it("reports a workgroup's BytesScannedCutoffPerQuery refusal, and a missing output location, clearly", async () => {
    await athenaSdk().send(
      new CreateWorkGroupCommand({
        Name: "capped",
        Configuration: { ResultConfiguration: { OutputLocation: OUTPUT }, BytesScannedCutoffPerQuery: 10_000_000 },
      }),
    );
    // 10.5 MB more in the day's partition: past the cutoff.
    const line = `2 ${ACCOUNT} eni-0123456789abcdef0 10.0.0.1 ${FLOOD} 1024 53 17 1 100 1764928800 1764928860 ACCEPT OK\n`;
    const header =
      "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n";
    await s3().send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: `${DAY_PREFIX}zz-big.log`,
        Body: header + line.repeat(Math.ceil(10_500_000 / line.length)),
      }),
    );
    try {
      const error = await rejection(
        engine({ workgroup: "capped" }).run(request(`SELECT count(*) FROM ${from()} WHERE ${dayFilter("2026-12-05")}`)),
      );
      expect(error).toBeInstanceOf(QueryError);
      expect(error.message).toMatch(/failed in workgroup capped .*: Bytes scanned limit was exceeded/);
      expect((error as QueryError).details.join("\n")).toMatch(/per-query limit \(BytesScannedCutoffPerQuery\)/);
    } finally {
      const { DeleteObjectCommand } = await import("@aws-sdk/client-s3");
      await s3().send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `${DAY_PREFIX}zz-big.log` }));
    }

    const noOutput = await rejection(engine({}).run(request("SELECT 1")));
    expect(noOutput).toBeInstanceOf(QueryError);
    expect(noOutput.message).toMatch(/No output location provided/);
    expect((noOutput as QueryError).details.join("\n")).toMatch(/athena\.outputLocation/);
  });

  it("a lost answer to StartQueryExecution is retried with the same ClientRequestToken: the query runs once", async () => {
    const before = (await athenaSdk().send(new ListQueryExecutionsCommand({}))).QueryExecutionIds ?? [];
    sandbox.control.setFaults({
      rules: [{ kind: "lostResponse", service: "athena", operation: "StartQueryExecution", nth: 1 }],
    });
    const result = await engine().run(request(`SELECT count(*) AS n FROM ${from()} WHERE ${dayFilter("2026-12-05")}`));
    const starts = calls("StartQueryExecution");
    expect(starts).toHaveLength(2);
    expect(starts[0]?.injected).toBe("lostResponse");
    const after = (await athenaSdk().send(new ListQueryExecutionsCommand({}))).QueryExecutionIds ?? [];
    expect(after.length - before.length).toBe(1);
    expect(after).toContain(result.stats.queryId);
    expect(result.rows[0]?.[0]).toBe((await fromFiles()).records);
  });
});

describe("cordon sandbox: Athena test controls", () => {
  it("--athena-delay-ms and --athena-hang set the sandbox's Athena configuration; a bad value is a usage error", async () => {
    const sb = await startSandboxCli(["--athena-delay-ms", "250", "--athena-hang"]);
    try {
      const config = (await (await fetch(`${sb.env["AWS_ENDPOINT_URL"]}/_sandbox/config`)).json()) as Record<
        string,
        unknown
      >;
      expect(config["athenaQueryDelayMs"]).toBe(250);
      expect(config["athenaQueriesHang"]).toBe(true);
    } finally {
      expect(await stopSandboxCli(sb)).toBe(0);
    }
    const bad = await runCli(["sandbox", "--port", "0", "--athena-delay-ms", "soon"], {
      env: { PATH: process.env["PATH"] },
    });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/--athena-delay-ms must be a whole number from 0 to 3600000, got "soon"/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });
});
