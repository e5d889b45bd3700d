// The sandbox's Athena API through the real SDK v3 client: query states, statistics, result pages
// (header row first, MaxResults, NextToken), the result CSV and its metadata at the output location,
// workgroups (result location, enforcement, per-query cutoff), idempotent starts, stop, errors as
// Athena answers them, and IAM on the API and on the reads a query makes — over flow-log files the
// traffic generator delivered and a Glue table with partition projection.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import {
  AthenaClient,
  CreateWorkGroupCommand,
  GetQueryExecutionCommand,
  type GetQueryExecutionCommandOutput,
  GetQueryResultsCommand,
  GetWorkGroupCommand,
  ListWorkGroupsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from "@aws-sdk/client-athena";
import { CreateFlowLogsCommand, type CreateFlowLogsCommandInput } from "@aws-sdk/client-ec2";
import { CreateDatabaseCommand, CreateTableCommand } from "@aws-sdk/client-glue";
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it } from "vitest";
import { partitionConjuncts } from "../src/athena-sql.js";
import type { SandboxHandle, SandboxOptions } from "../src/server.js";
import { startSandbox } from "../src/server.js";
import { parseResultCsv, tablesNamed } from "../src/services/athena.js";
import { FLOOD_TARGET } from "../src/traffic.js";
import { ACCOUNT, clients, REGION } from "./helpers.js";
import { expectError, glueClient, s3Client } from "./sdk-helpers.js";

const ESTATE = "examples/cats-eyes/estate.yaml";
const PROD = "vpc-0c47e5a1f3d2b0001";
const BUCKET = "athena-flow-logs";
const RESULTS = "athena-results";
const KEY = "AKIAATHENATEST000001";
const FIELDS =
  "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status".split(
    " ",
  );
const TYPES: Record<string, string> = {
  version: "int",
  srcport: "int",
  dstport: "int",
  protocol: "bigint",
  packets: "bigint",
  bytes: "bigint",
  start: "bigint",
  end: "bigint",
};

const open: SandboxHandle[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.stop()));
});

function athenaClient(sb: SandboxHandle, key = ACCOUNT): AthenaClient {
  return new AthenaClient({
    endpoint: sb.url,
    region: REGION,
    credentials: { accessKeyId: key, secretAccessKey: "x" },
    maxAttempts: 1,
  });
}

interface Setup {
  readonly sb: SandboxHandle;
  readonly athena: AthenaClient;
}

/** A sandbox with cats-eyes traffic for one hour (10:00–11:00) of 2026-12-05, a Glue table over it. */
async function setup(
  options: SandboxOptions = {},
  layout: { hive?: boolean; parquet?: boolean } = {},
  hours: [string, string] = ["2026-12-05T10:00:00Z", "2026-12-05T11:00:00Z"],
): Promise<Setup> {
  const sb = await startSandbox({ seed: ESTATE, traffic: "cats-eyes", clock: "2026-12-05T09:00:00Z", ...options });
  open.push(sb);
  const s3 = s3Client(sb.url);
  for (const b of [BUCKET, RESULTS]) {
    await s3.send(new CreateBucketCommand({ Bucket: b, CreateBucketConfiguration: { LocationConstraint: REGION } }));
  }
  await s3.send(
    new PutBucketPolicyCommand({
      Bucket: BUCKET,
      Policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "AWSLogDeliveryWrite",
            Effect: "Allow",
            Principal: { Service: "delivery.logs.amazonaws.com" },
            Action: "s3:PutObject",
            Resource: `arn:aws:s3:::${BUCKET}/*`,
          },
        ],
      }),
    }),
  );
  const flowLog: CreateFlowLogsCommandInput = {
    ResourceIds: [PROD],
    ResourceType: "VPC",
    TrafficType: "ALL",
    LogDestinationType: "s3",
    LogDestination: `arn:aws:s3:::${BUCKET}/flow/`,
    ...(layout.hive || layout.parquet
      ? {
          DestinationOptions: {
            FileFormat: layout.parquet ? "parquet" : "plain-text",
            HiveCompatiblePartitions: layout.hive === true,
            PerHourPartition: false,
          },
        }
      : {}),
  };
  await clients(sb, { accessKeyId: ACCOUNT }).ec2.send(new CreateFlowLogsCommand(flowLog));
  sb.control.deliverTraffic({ from: hours[0], to: hours[1] });
  const glue = glueClient(sb.url);
  await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: "flowlogs" } }));
  const root = `s3://${BUCKET}/flow/AWSLogs/`;
  // The hive layout as year/month/day integer partitions; the default one as a day string.
  const partitionKeys = layout.hive
    ? [
        { Name: "account_id_p", Type: "string" },
        { Name: "region", Type: "string" },
        { Name: "year", Type: "int" },
        { Name: "month", Type: "int" },
        { Name: "day", Type: "int" },
      ]
    : [
        { Name: "account_id_p", Type: "string" },
        { Name: "region", Type: "string" },
        { Name: "day", Type: "string" },
      ];
  const projection: Record<string, string> = layout.hive
    ? {
        "projection.year.type": "integer",
        "projection.year.range": "2020,2035",
        "projection.month.type": "integer",
        "projection.month.range": "1,12",
        "projection.month.digits": "2",
        "projection.day.type": "integer",
        "projection.day.range": "1,31",
        "projection.day.digits": "2",
        "storage.location.template": `${root}aws-account-id=\${account_id_p}/aws-service=vpcflowlogs/aws-region=\${region}/year=\${year}/month=\${month}/day=\${day}/`,
      }
    : {
        "projection.day.type": "date",
        "projection.day.format": "yyyy/MM/dd",
        "projection.day.range": "2026/01/01,NOW",
        "projection.day.interval": "1",
        "projection.day.interval.unit": "DAYS",
        "storage.location.template": `${root}\${account_id_p}/vpcflowlogs/\${region}/\${day}/`,
      };
  await glue.send(
    new CreateTableCommand({
      DatabaseName: "flowlogs",
      TableInput: {
        Name: "vpc_flow_logs",
        TableType: "EXTERNAL_TABLE",
        PartitionKeys: partitionKeys,
        StorageDescriptor: {
          Columns: FIELDS.map((f) => ({ Name: f.replace(/-/g, "_"), Type: TYPES[f] ?? "string" })),
          Location: root,
          ...(layout.parquet
            ? {
                InputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
                SerdeInfo: { SerializationLibrary: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe" },
              }
            : {
                InputFormat: "org.apache.hadoop.mapred.TextInputFormat",
                SerdeInfo: {
                  SerializationLibrary: "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                  Parameters: { "field.delim": " ", "serialization.format": " " },
                },
              }),
        },
        Parameters: {
          EXTERNAL: "TRUE",
          ...(layout.parquet ? {} : { "skip.header.line.count": "1" }),
          "projection.enabled": "true",
          "projection.account_id_p.type": "enum",
          "projection.account_id_p.values": ACCOUNT,
          "projection.region.type": "enum",
          "projection.region.values": REGION,
          ...projection,
        },
      },
    }),
  );
  return { sb, athena: athenaClient(sb) };
}

async function startQuery(athena: AthenaClient, sql: string, extra: Record<string, unknown> = {}): Promise<string> {
  const out = await athena.send(
    new StartQueryExecutionCommand({
      QueryString: sql,
      QueryExecutionContext: { Database: "flowlogs" },
      ResultConfiguration: { OutputLocation: `s3://${RESULTS}/q/` },
      ...extra,
    }),
  );
  return out.QueryExecutionId as string;
}

/** Polls until a terminal state, recording every state seen. */
async function finish(athena: AthenaClient, id: string, seen: string[] = []) {
  for (let i = 0; i < 600; i++) {
    const q = (await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }))).QueryExecution;
    const state = q?.Status?.State as string;
    if (seen[seen.length - 1] !== state) seen.push(state);
    if (state === "SUCCEEDED" || state === "FAILED" || state === "CANCELLED")
      return q as NonNullable<GetQueryExecutionCommandOutput["QueryExecution"]>;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`query ${id} did not finish`);
}

/** Every row of a query's result through GetQueryResults pages (header row included). */
async function allRows(athena: AthenaClient, id: string, max?: number) {
  const rows: (string | undefined)[][] = [];
  let token: string | undefined;
  let pages = 0;
  let columns: { Name?: string | undefined; Type?: string | undefined }[] = [];
  do {
    const page = await athena.send(
      new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: token, ...(max ? { MaxResults: max } : {}) }),
    );
    columns = page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
    for (const r of page.ResultSet?.Rows ?? []) rows.push((r.Data ?? []).map((d) => d.VarCharValue));
    token = page.NextToken;
    pages++;
  } while (token !== undefined);
  return { rows, pages, columns };
}

/** The same count computed from the delivered files themselves (gunzip, no SQL). */
async function countFromFiles(sb: SandboxHandle, match: (fields: Record<string, string>) => boolean) {
  const s3 = s3Client(sb.url);
  const list = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "flow/" }));
  let n = 0;
  for (const o of list.Contents ?? []) {
    const body = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: o.Key }));
    const raw = Buffer.from(await body.Body!.transformToByteArray());
    const text = (o.Key?.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8");
    const [header, ...lines] = text.trim().split("\n");
    const names = (header as string).split(" ");
    for (const l of lines) {
      const v = l.split(" ");
      if (match(Object.fromEntries(names.map((k, i) => [k, v[i] as string])))) n++;
    }
  }
  return {
    n,
    objects: list.Contents?.length ?? 0,
    bytes: (list.Contents ?? []).reduce((s, o) => s + (o.Size ?? 0), 0),
  };
}

describe("sandbox Athena: queries over the flow logs", () => {
  it("runs a query QUEUED → RUNNING → SUCCEEDED, with statistics, header row, Athena types and the result CSV", async () => {
    const { sb, athena } = await setup({ config: { athenaQueryDelayMs: 150 } });
    const id = await startQuery(
      athena,
      `SELECT dstaddr, count(*) AS flows, sum(bytes) AS total, avg(packets) AS mean, max(day) AS d, bool_or(action = 'REJECT') AS rejected
       FROM "flowlogs"."vpc_flow_logs" WHERE dstaddr = '${FLOOD_TARGET}' AND day = '2026/12/05' GROUP BY dstaddr`,
    );
    const seen: string[] = [];
    const q = await finish(athena, id, seen);
    expect(q.Status?.State, q.Status?.StateChangeReason).toBe("SUCCEEDED");
    expect(seen).toContain("RUNNING");
    expect(seen[seen.length - 1]).toBe("SUCCEEDED");
    const expected = await countFromFiles(sb, (f) => f["dstaddr"] === FLOOD_TARGET);
    expect(expected.n).toBeGreaterThan(0);
    // Pruned to the day's objects, which are all there is: every byte of them.
    expect(q.Statistics?.DataScannedInBytes).toBe(expected.bytes);
    expect(q.Statistics?.EngineExecutionTimeInMillis).toBeGreaterThanOrEqual(0);
    expect(q.Statistics?.TotalExecutionTimeInMillis).toBeGreaterThanOrEqual(150);
    expect(q.ResultConfiguration?.OutputLocation).toBe(`s3://${RESULTS}/q/${id}.csv`);
    expect(q.WorkGroup).toBe("primary");

    const { rows, columns } = await allRows(athena, id);
    expect(columns.map((c) => [c.Name, c.Type])).toEqual([
      ["dstaddr", "varchar"],
      ["flows", "bigint"],
      ["total", "bigint"],
      ["mean", "double"],
      ["d", "varchar"],
      ["rejected", "boolean"],
    ]);
    expect(rows[0]).toEqual(["dstaddr", "flows", "total", "mean", "d", "rejected"]);
    expect(rows[1]?.[0]).toBe(FLOOD_TARGET);
    expect(Number(rows[1]?.[1])).toBe(expected.n);
    expect(rows[1]?.[4]).toBe("2026/12/05");

    const s3 = s3Client(sb.url);
    const csv = await (
      await s3.send(new GetObjectCommand({ Bucket: RESULTS, Key: `q/${id}.csv` }))
    ).Body!.transformToString();
    expect(csv.split("\n")[0]).toBe('"dstaddr","flows","total","mean","d","rejected"');
    expect(csv.split("\n")[1]).toMatch(new RegExp(`^"${FLOOD_TARGET.replace(/\./g, "\\.")}","${expected.n}",`));
    const meta = await s3.send(new GetObjectCommand({ Bucket: RESULTS, Key: `q/${id}.csv.metadata` }));
    expect(JSON.parse(await meta.Body!.transformToString()).ColumnInfo).toHaveLength(6);
  });

  it("prunes objects by partition predicates: another day scans nothing and finds nothing", async () => {
    const { athena } = await setup();
    const id = await startQuery(athena, `SELECT count(*) AS n FROM vpc_flow_logs WHERE day = '2026/12/04'`);
    const q = await finish(athena, id);
    expect(q.Status?.State).toBe("SUCCEEDED");
    expect(q.Statistics?.DataScannedInBytes).toBe(0);
    const { rows } = await allRows(athena, id);
    expect(rows[1]).toEqual(["0"]);
  });

  it("prunes by the partition conditions inside a CTE, OR and IN included, and reads the rest", async () => {
    const { sb, athena } = await setup({}, {}, ["2026-12-05T10:00:00Z", "2026-12-05T11:00:00Z"]);
    sb.control.deliverTraffic({ from: "2026-12-06T10:00:00Z", to: "2026-12-06T11:00:00Z" });
    const id = await startQuery(
      athena,
      `WITH f AS (SELECT day, bytes FROM vpc_flow_logs WHERE (day IN ('2026/12/06') OR day = '2026/12/07') AND bytes >= 0)
       SELECT day, count(*) AS n FROM f GROUP BY day`,
    );
    const q = await finish(athena, id);
    expect(q.Status?.State, q.Status?.StateChangeReason).toBe("SUCCEEDED");
    const list = await s3Client(sb.url).send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "flow/" }));
    const sixth = (list.Contents ?? []).filter((o) => o.Key?.includes("/2026/12/06/"));
    expect(sixth.length).toBeGreaterThan(0);
    expect(sixth.length).toBeLessThan(list.Contents?.length ?? 0);
    expect(q.Statistics?.DataScannedInBytes).toBe(sixth.reduce((n, o) => n + (o.Size ?? 0), 0));
    const { rows } = await allRows(athena, id);
    expect(rows.slice(1).map((r) => r[0])).toEqual(["2026/12/06"]);
  });

  it("reads a Hive-layout Parquet table with year/month/day integer partitions", async () => {
    const { athena } = await setup({}, { hive: true, parquet: true });
    const id = await startQuery(
      athena,
      `SELECT year, month, day, count(*) AS n FROM flowlogs.vpc_flow_logs WHERE year = 2026 AND month = 12 GROUP BY 1, 2, 3`,
    );
    const q = await finish(athena, id);
    expect(q.Status?.State, q.Status?.StateChangeReason).toBe("SUCCEEDED");
    const { rows, columns } = await allRows(athena, id);
    expect(columns.slice(0, 3).map((c) => c.Type)).toEqual(["integer", "integer", "integer"]);
    expect(rows.slice(1).map((r) => r.slice(0, 3))).toEqual([["2026", "12", "5"]]);
    expect(Number(rows[1]?.[3])).toBeGreaterThan(0);
    expect(q.Statistics?.DataScannedInBytes).toBeGreaterThan(0);
  });

  it("pages results: MaxResults rows per page with the header first, NextToken until the end; >1000 refused", async () => {
    const { athena } = await setup({}, {}, ["2026-12-05T10:00:00Z", "2026-12-05T12:00:00Z"]);
    const id = await startQuery(athena, "SELECT srcaddr, dstaddr, bytes FROM vpc_flow_logs ORDER BY start, srcaddr");
    await finish(athena, id);
    const big = await allRows(athena, id);
    expect(big.rows.length).toBeGreaterThan(1001);
    const small = await allRows(athena, id, 500);
    expect(small.pages).toBe(Math.ceil(big.rows.length / 500));
    expect(small.rows).toEqual(big.rows);
    await expectError(
      athena.send(new GetQueryResultsCommand({ QueryExecutionId: id, MaxResults: 1001 })),
      "InvalidRequestException",
    );
  });

  it("fails queries with Athena's reasons: unknown table, syntax error, unknown column", async () => {
    const { athena } = await setup();
    const cases: [string, RegExp][] = [
      [
        "SELECT * FROM flowlogs.nope",
        /^TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog\.flowlogs\.nope' does not exist/,
      ],
      ["SELECT * FORM vpc_flow_logs", /^SYNTAX_ERROR: line 1:\d+: /],
      ["SELECT nope FROM vpc_flow_logs", /^COLUMN_NOT_FOUND: line 1:8: Column 'nope' cannot be resolved/],
    ];
    for (const [sql, reason] of cases) {
      const q = await finish(athena, await startQuery(athena, sql));
      expect(q.Status?.State).toBe("FAILED");
      expect(q.Status?.StateChangeReason).toMatch(reason);
      expect(q.Status?.AthenaError?.ErrorCategory).toBe(2);
      await expectError(
        athena.send(new GetQueryResultsCommand({ QueryExecutionId: q.QueryExecutionId })),
        "InvalidRequestException",
      );
    }
  });

  it("answers API errors as Athena does: no output location, unknown query id, bad token", async () => {
    const { athena } = await setup();
    const e = await expectError(
      athena.send(
        new StartQueryExecutionCommand({ QueryString: "SELECT 1", QueryExecutionContext: { Database: "flowlogs" } }),
      ),
      "InvalidRequestException",
      400,
    );
    expect(e.message).toMatch(/^No output location provided/);
    expect(e["AthenaErrorCode"]).toBe("INVALID_INPUT");
    const missing = await expectError(
      athena.send(new GetQueryExecutionCommand({ QueryExecutionId: "00000000-0000-0000-0000-000000000000" })),
      "InvalidRequestException",
    );
    expect(missing.message).toMatch(/was not found/);
    await expectError(
      athena.send(new StartQueryExecutionCommand({ QueryString: "SELECT 1", ClientRequestToken: "short" })),
      "InvalidRequestException",
    );
  });

  it("a repeated ClientRequestToken starts the query once; other parameters with it are refused", async () => {
    const { athena } = await setup();
    const token = "cordon-test-token-0123456789abcdef0123";
    const a = await startQuery(athena, "SELECT 1 AS one", { ClientRequestToken: token });
    const b = await startQuery(athena, "SELECT 1 AS one", { ClientRequestToken: token });
    expect(b).toBe(a);
    await expectError(startQuery(athena, "SELECT 2 AS two", { ClientRequestToken: token }), "InvalidRequestException");
  });

  it("stops a running query: CANCELLED, no result written", async () => {
    const { sb, athena } = await setup({ config: { athenaQueriesHang: true } });
    const id = await startQuery(athena, "SELECT count(*) FROM vpc_flow_logs");
    for (let i = 0; i < 100; i++) {
      const q = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
      if ((q.QueryExecution?.Statistics?.DataScannedInBytes ?? 0) > 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const running = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
    expect(running.QueryExecution?.Status?.State).toBe("RUNNING");
    await athena.send(new StopQueryExecutionCommand({ QueryExecutionId: id }));
    const q = await finish(athena, id);
    expect(q.Status?.State).toBe("CANCELLED");
    expect(q.Statistics?.DataScannedInBytes).toBeGreaterThan(0);
    const list = await s3Client(sb.url).send(new ListObjectsV2Command({ Bucket: RESULTS }));
    expect(list.Contents ?? []).toEqual([]);
  });
});

describe("sandbox Athena: persistence", () => {
  it("a query running when the sandbox stopped is FAILED after a restart on the state file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sandbox-athena-state-"));
    try {
      const stateFile = join(dir, "state.json");
      const { sb, athena } = await setup({ stateFile, config: { athenaQueriesHang: true } });
      const id = await startQuery(athena, "SELECT count(*) FROM vpc_flow_logs");
      await sb.stop();
      const again = await startSandbox({ stateFile });
      open.push(again);
      const q = await finish(athenaClient(again), id);
      expect(q.Status?.State).toBe("FAILED");
      expect(q.Status?.StateChangeReason).toMatch(/restarted while the query ran/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("sandbox Athena: workgroups", () => {
  it("has primary; creates workgroups with a result location, enforcement and a per-query cutoff", async () => {
    const { athena } = await setup();
    const list = await athena.send(new ListWorkGroupsCommand({}));
    expect(list.WorkGroups?.map((w) => w.Name)).toEqual(["primary"]);
    await athena.send(
      new CreateWorkGroupCommand({
        Name: "cordon",
        Configuration: {
          ResultConfiguration: { OutputLocation: `s3://${RESULTS}/wg/` },
          EnforceWorkGroupConfiguration: true,
          BytesScannedCutoffPerQuery: 10_000_000,
        },
      }),
    );
    const wg = await athena.send(new GetWorkGroupCommand({ WorkGroup: "cordon" }));
    expect(wg.WorkGroup?.Configuration?.BytesScannedCutoffPerQuery).toBe(10_000_000);
    // Enforced: the workgroup's location wins over the request's.
    const id = await startQuery(athena, "SELECT 1 AS one", { WorkGroup: "cordon" });
    const q = await finish(athena, id);
    expect(q.ResultConfiguration?.OutputLocation).toBe(`s3://${RESULTS}/wg/${id}.csv`);
    await expectError(athena.send(new CreateWorkGroupCommand({ Name: "cordon" })), "InvalidRequestException");
    await expectError(
      athena.send(new CreateWorkGroupCommand({ Name: "tiny", Configuration: { BytesScannedCutoffPerQuery: 1000 } })),
      "InvalidRequestException",
    );
    const unknown = await expectError(
      athena.send(new GetWorkGroupCommand({ WorkGroup: "nope" })),
      "InvalidRequestException",
    );
    expect(unknown.message).toMatch(/WorkGroup nope is not found/);
  });

  it("a workgroup not enforcing its settings lets the request's output location win; without one it uses its own", async () => {
    const { athena } = await setup();
    await athena.send(
      new CreateWorkGroupCommand({
        Name: "loose",
        Configuration: {
          ResultConfiguration: { OutputLocation: `s3://${RESULTS}/loose/` },
          EnforceWorkGroupConfiguration: false,
        },
      }),
    );
    const a = await startQuery(athena, "SELECT 1 AS one", { WorkGroup: "loose" });
    expect((await finish(athena, a)).ResultConfiguration?.OutputLocation).toBe(`s3://${RESULTS}/q/${a}.csv`);
    const b = (
      await athena.send(new StartQueryExecutionCommand({ QueryString: "SELECT 1 AS one", WorkGroup: "loose" }))
    ).QueryExecutionId as string;
    expect((await finish(athena, b)).ResultConfiguration?.OutputLocation).toBe(`s3://${RESULTS}/loose/${b}.csv`);
  });

  it("fails a query that scans more than the workgroup's BytesScannedCutoffPerQuery", async () => {
    const { sb, athena } = await setup();
    // 10.5 MB more in the day's partition (uncompressed text, one record repeated): past the 10 MB cutoff.
    const line = `2 ${ACCOUNT} eni-0123456789abcdef0 10.0.0.1 ${FLOOD_TARGET} 1024 53 17 1 100 1764928800 1764928860 ACCEPT OK\n`;
    const body = `${FIELDS.join(" ")}\n${line.repeat(Math.ceil(10_500_000 / line.length))}`;
    await s3Client(sb.url).send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: `flow/AWSLogs/${ACCOUNT}/vpcflowlogs/${REGION}/2026/12/05/big.log`,
        Body: body,
      }),
    );
    const total = (await countFromFiles(sb, () => true)).bytes;
    expect(total).toBeGreaterThan(10_000_000);
    await athena.send(
      new CreateWorkGroupCommand({ Name: "capped", Configuration: { BytesScannedCutoffPerQuery: 10_000_000 } }),
    );
    const q = await finish(
      athena,
      await startQuery(athena, "SELECT count(*) FROM vpc_flow_logs", { WorkGroup: "capped" }),
    );
    expect(q.Status?.State).toBe("FAILED");
    expect(q.Status?.StateChangeReason).toBe("Bytes scanned limit was exceeded");
    expect(q.Statistics?.DataScannedInBytes).toBe(total);
  });
});

describe("sandbox Athena: IAM", () => {
  const policy = (statements: (object | undefined)[]) => ({ Version: "2012-10-17", Statement: statements });
  const base = [
    { Effect: "Allow", Action: ["athena:*"], Resource: `arn:aws:athena:${REGION}:${ACCOUNT}:workgroup/primary` },
    { Effect: "Allow", Action: ["glue:GetDatabase", "glue:GetTable"], Resource: "*" },
    {
      Effect: "Allow",
      Action: ["s3:ListBucket", "s3:GetBucketLocation", "s3:GetObject", "s3:PutObject"],
      Resource: "*",
    },
  ];

  it("checks athena:* on the workgroup, and the query's reads and write as the caller", async () => {
    const { sb } = await setup();
    const athena = athenaClient(sb, KEY);
    sb.control.seed({ accessKeys: { [KEY]: { account: ACCOUNT } } });
    sb.control.setIamPolicy(KEY, policy(base));
    const ok = await finish(athena, await startQuery(athena, "SELECT count(*) FROM vpc_flow_logs"));
    expect(ok.Status?.State, ok.Status?.StateChangeReason).toBe("SUCCEEDED");

    // Another workgroup: denied at the API.
    await athena.send(new CreateWorkGroupCommand({ Name: "other" })).catch(() => undefined);
    await expectError(startQuery(athena, "SELECT 1", { WorkGroup: "other" }), "AccessDeniedException");

    // No s3:GetObject on the data: the query fails naming the object.
    sb.control.setIamPolicy(
      KEY,
      policy([
        base[0],
        base[1],
        { Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation", "s3:PutObject"], Resource: "*" },
      ]),
    );
    const noRead = await finish(athena, await startQuery(athena, "SELECT count(*) FROM vpc_flow_logs"));
    expect(noRead.Status?.State).toBe("FAILED");
    expect(noRead.Status?.StateChangeReason).toMatch(new RegExp(`^Permission denied on S3 path: s3://${BUCKET}/flow/`));

    // No glue:GetTable, then no glue:GetDatabase.
    for (const [held, missing] of [
      ["glue:GetDatabase", "glue:GetTable"],
      ["glue:GetTable", "glue:GetDatabase"],
    ]) {
      sb.control.setIamPolicy(KEY, policy([base[0], { Effect: "Allow", Action: [held], Resource: "*" }, base[2]]));
      const noGlue = await finish(athena, await startQuery(athena, "SELECT count(*) FROM vpc_flow_logs"));
      expect(noGlue.Status?.StateChangeReason).toMatch(new RegExp(`not authorized to perform: ${missing} `));
    }

    // Listing the data only under another prefix (the s3:prefix condition): denied.
    sb.control.setIamPolicy(
      KEY,
      policy([
        ...base,
        {
          Effect: "Deny",
          Action: ["s3:ListBucket"],
          Resource: `arn:aws:s3:::${BUCKET}`,
          Condition: { StringLike: { "s3:prefix": ["flow/*"] } },
        },
      ]),
    );
    const noList = await finish(athena, await startQuery(athena, "SELECT count(*) FROM vpc_flow_logs"));
    expect(noList.Status?.StateChangeReason).toMatch(new RegExp(`^Permission denied on S3 path: s3://${BUCKET}/flow/`));

    // No s3:GetBucketLocation on the output bucket: refused at the start.
    sb.control.setIamPolicy(
      KEY,
      policy([
        ...base.slice(0, 2),
        { Effect: "Allow", Action: ["s3:ListBucket", "s3:GetObject", "s3:PutObject"], Resource: "*" },
      ]),
    );
    const unverified = await expectError(startQuery(athena, "SELECT 1"), "InvalidRequestException");
    expect(unverified.message).toMatch(/^Unable to verify\/create output bucket athena-results$/);

    // No s3:PutObject on the output.
    sb.control.setIamPolicy(
      KEY,
      policy([
        ...base.slice(0, 2),
        { Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation", "s3:GetObject"], Resource: "*" },
      ]),
    );
    const noWrite = await finish(athena, await startQuery(athena, "SELECT count(*) FROM vpc_flow_logs"));
    expect(noWrite.Status?.StateChangeReason).toMatch(
      /^Access denied when writing output to url: s3:\/\/athena-results\/q\//,
    );
  });
});

describe("sandbox Athena: helpers", () => {
  it("finds the tables a query names", () => {
    expect(tablesNamed('SELECT * FROM "Flowlogs"."T" a JOIN other b ON a.x = b.x', "db")).toEqual([
      { database: "flowlogs", table: "t" },
      { database: "db", table: "other" },
    ]);
  });

  it("finds the partition-only conditions of the one SELECT that reads a table", () => {
    const target = { database: "db", name: "t", contextDatabase: "db" };
    const keys = ["year", "month", "day"];
    expect(
      partitionConjuncts(
        `WITH flows AS (SELECT a, "start" FROM "db"."t" x WHERE x.year = '2026' AND (month = '12' AND day IN ('04', '05') OR month = '11') AND "start" >= 5 AND day BETWEEN '01' AND '31')
         SELECT a, count(*) FROM flows WHERE a = 'b' OR day = '01' GROUP BY a`,
        target,
        keys,
      ),
    ).toEqual([
      `"year" = '2026'`,
      `( "month" = '12' AND "day" IN ( '04' , '05' ) OR "month" = '11' )`,
      `"day" BETWEEN '01' AND '31'`,
    ]);
    // Read twice, or joined, or qualified by another relation: nothing to prune by.
    expect(
      partitionConjuncts("SELECT * FROM t WHERE day = '05' UNION ALL SELECT * FROM db.t", target, keys),
    ).toBeUndefined();
    expect(partitionConjuncts("SELECT * FROM t JOIN u ON true WHERE day = '05'", target, keys)).toEqual([]);
    expect(partitionConjuncts("SELECT * FROM t WHERE u.day = '05'", target, keys)).toEqual([]);
    expect(partitionConjuncts("SELECT * FROM t", target, keys)).toEqual([]);
  });

  it("reads back the result CSV: quotes, embedded newlines, NULL", () => {
    expect(parseResultCsv('"a","b"\n"x ""y""","1\n2"\n,"z"\n')).toEqual([
      ["a", "b"],
      ['x "y"', "1\n2"],
      [null, "z"],
    ]);
  });
});
