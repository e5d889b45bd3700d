// The local query engine against the sandbox's S3: it lists only the window's partitions (from the
// table's projection), fetches each object once into its ETag-keyed cache, reads gzip text and
// Parquet in both layouts, refuses a scan over the limit before fetching, and stops on abort.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { startSandbox } from "@cordon/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AwsSession, createAwsSession } from "../../src/aws/config.js";
import type { QueryTable } from "../../src/model/query.js";
import { createLocalEngine } from "../../src/query/local.js";
import { testTable } from "../unit/query/table-spec.js";

const ACCOUNT = "111122223333";
const REGION = "eu-west-1";
let sandbox: Awaited<ReturnType<typeof startSandbox>>;
let session: AwsSession;
let cache: string;

const HEADER =
  "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";

/** Records of one hour: `n` flows from 10.0.0.<i> to 203.0.113.<hour>, starting in that hour. */
function records(hourStart: number, n: number): string[] {
  const out: string[] = [];
  const hour = new Date(hourStart * 1000).getUTCHours();
  for (let i = 0; i < n; i++) {
    const start = hourStart + i * 60;
    const action = i % 3 === 0 ? "REJECT" : "ACCEPT";
    out.push(
      `2 ${ACCOUNT} eni-${i} 10.0.0.${i} 203.0.113.${hour} 40000 443 6 ${i + 1} ${(i + 1) * 100} ${start} ${start + 60} ${action} OK`,
    );
  }
  return out;
}

const textObject = (lines: string[]) => gzipSync(`${HEADER}\n${lines.join("\n")}\n`);

async function parquetObject(lines: string[]): Promise<Uint8Array> {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const db = await DuckDBInstance.create(":memory:");
  const c = await db.connect();
  const dir = mkdtempSync(join(tmpdir(), "cordon-pq-"));
  const file = join(dir, "x.parquet");
  const values = lines
    .map((l) => l.split(" "))
    .map(
      (f) =>
        `(${f[0]}, '${f[1]}', '${f[2]}', '${f[3]}', '${f[4]}', ${f[5]}, ${f[6]}, ${f[7]}, ${f[8]}, ${f[9]}, ${f[10]}, ${f[11]}, '${f[12]}', '${f[13]}')`,
    )
    .join(", ");
  await c.run(
    `COPY (SELECT * FROM (VALUES ${values}) AS t(version, account_id, interface_id, srcaddr, dstaddr, srcport, dstport, protocol, packets, bytes, start, "end", action, log_status)) TO '${file}' (FORMAT parquet)`,
  );
  c.closeSync();
  db.closeSync();
  const { readFileSync } = await import("node:fs");
  const bytes = readFileSync(file);
  rmSync(dir, { recursive: true, force: true });
  return bytes;
}

const s3 = () => session.ports({ account: ACCOUNT, region: REGION }).s3();
const put = async (bucket: string, key: string, body: Uint8Array) =>
  (await s3()).putObject({ Bucket: bucket, Key: key, Body: body });

const hourOf = (iso: string) => Date.parse(iso) / 1000;
const table = (spec: ReturnType<typeof testTable>): QueryTable => ({
  spec,
  account: ACCOUNT,
  region: REGION,
  policy: "p.yaml",
});
const getObjects = () => sandbox.control.requests().filter((r) => r.operation === "GetObject").length;

beforeAll(async () => {
  process.env["AWS_ACCESS_KEY_ID"] = ACCOUNT;
  process.env["AWS_SECRET_ACCESS_KEY"] = "x";
  sandbox = await startSandbox({ seed: { defaultAccount: ACCOUNT } });
  session = createAwsSession({ endpoint: sandbox.url, serviceEndpoints: {}, maxAttempts: 2 });
  cache = mkdtempSync(join(tmpdir(), "cordon-cache-"));
  const port = await s3();
  for (const bucket of ["text-logs", "parquet-logs"])
    await port.createBucket({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REGION } });
  // Text, per hour, default layout: 10:00, 11:00 and 12:00 of 2026-12-05, 10 records each.
  for (const h of ["10", "11", "12"]) {
    const start = hourOf(`2026-12-05T${h}:00:00Z`);
    await put(
      "text-logs",
      `fl/AWSLogs/${ACCOUNT}/vpcflowlogs/${REGION}/2026/12/05/${h}/${ACCOUNT}_vpcflowlogs_${REGION}_fl-1_20261205T${h}00Z_abc.log.gz`,
      textObject(records(start, 10)),
    );
  }
  // A marker file Athena would skip.
  await put("text-logs", `fl/AWSLogs/${ACCOUNT}/vpcflowlogs/${REGION}/2026/12/05/10/_SUCCESS`, new Uint8Array([1]));
  // Parquet, per day, Hive layout: two days.
  for (const d of ["05", "06"]) {
    await put(
      "parquet-logs",
      `AWSLogs/aws-account-id=${ACCOUNT}/aws-service=vpcflowlogs/aws-region=${REGION}/year=2026/month=12/day=${d}/${ACCOUNT}_vpcflowlogs_${REGION}_fl-2_202612${d}T0000Z_abc.log.parquet`,
      await parquetObject(records(hourOf(`2026-12-${d}T08:00:00Z`), 6)),
    );
  }
});

afterAll(async () => {
  await sandbox?.stop();
  rmSync(cache, { recursive: true, force: true });
});

const TEXT = () => table(testTable({ bucket: "text-logs", prefix: "fl", perHour: true }));
const PARQUET = () => table(testTable({ bucket: "parquet-logs", hive: true, parquet: true }));

describe("local engine", () => {
  it("reads gzip text: a 1-hour window fetches only that hour's object, with partition columns from its key", async () => {
    const engine = createLocalEngine({ session, cacheDir: cache });
    try {
      sandbox.control.clearRequests();
      const r = await engine.run({
        sql: `SELECT "hour", COUNT(*) AS flows, SUM(bytes) AS bytes, MIN(srcaddr) AS first, COUNT(log_status) AS statuses FROM "net"."flows" GROUP BY "hour"`,
        tables: [TEXT()],
        window: { from: new Date("2026-12-05T11:00:00Z"), until: new Date("2026-12-05T12:00:00Z") },
      });
      expect(r.rows).toEqual([["11", 10, 5500, "10.0.0.0", 10]]);
      expect(r.columns.map((c) => c.type)).toEqual(["string", "integer", "integer", "string", "integer"]);
      expect(r.stats).toMatchObject({ engine: "local", objectsListed: 1, objectsFetched: 1, cacheHits: 0 });
      expect(getObjects()).toBe(1);
      const lists = sandbox.control.requests().filter((q) => q.operation === "ListObjectsV2");
      expect(lists).toHaveLength(1);
    } finally {
      await engine.close();
    }
  });

  it("serves an unchanged object from the cache and fetches an overwritten one again", async () => {
    const engine = createLocalEngine({ session, cacheDir: cache });
    const window = { from: new Date("2026-12-05T10:00:00Z"), until: new Date("2026-12-05T13:00:00Z") };
    const sql = `SELECT COUNT(*) FROM "net"."flows"`;
    try {
      await engine.run({ sql, tables: [TEXT()], window });
      sandbox.control.clearRequests();
      const again = await engine.run({ sql, tables: [TEXT()], window });
      expect(again.rows).toEqual([[30]]);
      expect(again.stats).toMatchObject({ objectsListed: 3, objectsFetched: 0, cacheHits: 3, bytesFetched: 0 });
      expect(getObjects()).toBe(0);
      const start = hourOf("2026-12-05T12:00:00Z");
      await put(
        "text-logs",
        `fl/AWSLogs/${ACCOUNT}/vpcflowlogs/${REGION}/2026/12/05/12/${ACCOUNT}_vpcflowlogs_${REGION}_fl-1_20261205T1200Z_abc.log.gz`,
        textObject(records(start, 4)),
      );
      const changed = await engine.run({ sql, tables: [TEXT()], window });
      expect(changed.rows).toEqual([[24]]);
      expect(changed.stats).toMatchObject({ objectsFetched: 1, cacheHits: 2 });
      expect(getObjects()).toBe(1);
    } finally {
      await engine.close();
    }
  });

  it("with snapshot (investigate), lists a window once for all the engine's queries", async () => {
    const engine = createLocalEngine({ session, cacheDir: cache, snapshot: true });
    const window = { from: new Date("2026-12-05T10:00:00Z"), until: new Date("2026-12-05T13:00:00Z") };
    const lists = () => sandbox.control.requests().filter((q) => q.operation === "ListObjectsV2").length;
    try {
      sandbox.control.clearRequests();
      const first = await engine.run({ sql: `SELECT COUNT(*) FROM "net"."flows"`, tables: [TEXT()], window });
      expect(lists()).toBe(3);
      const second = await engine.run({ sql: `SELECT SUM(bytes) FROM "net"."flows"`, tables: [TEXT()], window });
      expect(lists()).toBe(3);
      expect(second.stats).toMatchObject({ objectsListed: first.stats.objectsListed, objectsFetched: 0 });
      // Another window is listed on its own.
      await engine.run({
        sql: `SELECT COUNT(*) FROM "net"."flows"`,
        tables: [TEXT()],
        window: { from: window.from, until: new Date("2026-12-05T11:00:00Z") },
      });
      expect(lists()).toBe(4);
    } finally {
      await engine.close();
    }
  });

  it("reads Parquet in the Hive layout, typed as the table declares", async () => {
    const engine = createLocalEngine({ session, cacheDir: cache });
    try {
      const r = await engine.run({
        sql: `SELECT "day", action, COUNT(*) AS flows, SUM(packets) AS packets FROM "net"."flows" GROUP BY "day", action ORDER BY "day", action`,
        tables: [PARQUET()],
        window: { from: new Date("2026-12-05T00:00:00Z"), until: new Date("2026-12-07T00:00:00Z") },
      });
      expect(r.rows).toEqual([
        ["05", "ACCEPT", 4, 2 + 3 + 5 + 6],
        ["05", "REJECT", 2, 1 + 4],
        ["06", "ACCEPT", 4, 16],
        ["06", "REJECT", 2, 5],
      ]);
    } finally {
      await engine.close();
    }
  });

  it("refuses a scan over --max-scan before fetching anything", async () => {
    const engine = createLocalEngine({ session, cacheDir: mkdtempSync(join(tmpdir(), "cordon-cache-")) });
    try {
      sandbox.control.clearRequests();
      const run = engine.run({
        sql: "SELECT 1",
        tables: [PARQUET()],
        window: { from: new Date("2026-12-05T00:00:00Z"), until: new Date("2026-12-07T00:00:00Z") },
        maxScanBytes: 100,
      });
      await expect(run).rejects.toThrow(
        /would read [\d.]+ kB of flow logs \(2 objects\), more than the limit of 100 B/,
      );
      expect(getObjects()).toBe(0);
    } finally {
      await engine.close();
    }
  });

  it("names the cache directory it cannot use", async () => {
    const file = join(cache, "a-file");
    writeFileSync(file, "x");
    const engine = createLocalEngine({ session, cacheDir: join(file, "sub") });
    try {
      const window = { from: new Date("2026-12-05T11:00:00Z"), until: new Date("2026-12-05T12:00:00Z") };
      await expect(engine.run({ sql: "SELECT 1", tables: [TEXT()], window })).rejects.toMatchObject({
        code: "IO",
        message: expect.stringMatching(/^cannot use the cache directory .*a-file\/sub: /),
      });
    } finally {
      await engine.close();
    }
  });

  it("stops on abort with a CancelledError", async () => {
    const engine = createLocalEngine({ session, cacheDir: cache });
    const controller = new AbortController();
    controller.abort();
    try {
      await expect(
        engine.run({
          sql: "SELECT 1",
          tables: [TEXT()],
          signal: controller.signal,
          window: { from: new Date(0), until: new Date(3_600_000) },
        }),
      ).rejects.toMatchObject({ code: "CANCELLED" });
    } finally {
      await engine.close();
    }
  });
});
