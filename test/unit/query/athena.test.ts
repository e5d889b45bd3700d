// The Athena engine against a fake port: the polling schedule (100 ms doubling to 2 s), the start
// input (database, workgroup, token, output location only when given), result pages (header row
// skipped, NextToken followed, cells typed), max scan on a finished query, cost, type mapping.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AwsSession } from "../../../src/aws/config.js";
import type { AthenaPort } from "../../../src/aws/ports.js";
import { QueryError } from "../../../src/model/errors.js";
import type { QueryTable } from "../../../src/model/query.js";
import type { GlueTableSpec } from "../../../src/model/specs.js";
import { athenaCostUsd, cellOf, columnTypeOf, createAthenaEngine } from "../../../src/query/athena.js";

const TABLE: QueryTable = {
  spec: { database: "net", name: "flows" } as GlueTableSpec,
  account: "111122223333",
  region: "eu-west-1",
  policy: "p",
};

interface Fake {
  readonly port: AthenaPort;
  readonly starts: Record<string, unknown>[];
  readonly polls: number[];
  readonly stops: string[];
}

/** A port whose query runs for `runningPolls` polls, then ends in `final` with `pages` of rows. */
function fake(o: {
  runningPolls: number;
  final?: string;
  bytes?: number;
  pages?: string[][][];
  types?: string[];
}): Fake {
  const starts: Record<string, unknown>[] = [];
  const polls: number[] = [];
  const stops: string[] = [];
  const pages = o.pages ?? [[["n"], ["1"]]];
  const port = {
    async startQueryExecution(input: Record<string, unknown>) {
      starts.push(input);
      return { QueryExecutionId: "q-1" };
    },
    async getQueryExecution() {
      polls.push(Date.now());
      const done = polls.length > o.runningPolls;
      return {
        QueryExecution: {
          Status: { State: done ? (o.final ?? "SUCCEEDED") : "RUNNING", StateChangeReason: "boom" },
          Statistics: { DataScannedInBytes: o.bytes ?? 5, EngineExecutionTimeInMillis: 7 },
          ResultConfiguration: { OutputLocation: "s3://r/q-1.csv" },
        },
      };
    },
    async getQueryResults(input: { NextToken?: string }) {
      const i = input.NextToken === undefined ? 0 : Number(input.NextToken);
      return {
        ResultSet: {
          ResultSetMetadata: {
            ColumnInfo: (o.types ?? ["bigint"]).map((t, k) => ({ Name: `c${k}`, Type: t })),
          },
          Rows: (pages[i] ?? []).map((r) => ({ Data: r.map((v) => (v === "NULL" ? {} : { VarCharValue: v })) })),
        },
        ...(i + 1 < pages.length ? { NextToken: String(i + 1) } : {}),
      };
    },
    async stopQueryExecution(input: { QueryExecutionId: string }) {
      stops.push(input.QueryExecutionId);
      return {};
    },
    async getWorkGroup() {
      return {};
    },
  } as unknown as AthenaPort;
  return { port, starts, polls, stops };
}

const sessionOf = (port: AthenaPort): AwsSession =>
  ({ ports: () => ({ athena: async () => port }) }) as unknown as AwsSession;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("the Athena engine's protocol", () => {
  it("polls after 100, 200, 400, 800, 1600, 2000, 2000 ms and starts with the table's database and a token", async () => {
    const f = fake({ runningPolls: 7 });
    const run = createAthenaEngine({ session: sessionOf(f.port), workgroup: "wg" }).run({
      sql: "SELECT 1",
      tables: [TABLE],
    });
    await vi.runAllTimersAsync();
    await run;
    const gaps = f.polls.slice(1).map((t, i) => t - (f.polls[i] as number));
    expect(gaps).toEqual([100, 200, 400, 800, 1600, 2000, 2000]);
    expect(f.starts[0]).toMatchObject({ QueryExecutionContext: { Database: "net" }, WorkGroup: "wg" });
    expect(f.starts[0]).not.toHaveProperty("ResultConfiguration");
    expect(String(f.starts[0]?.["ClientRequestToken"])).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("sends the output location when given; reads every page, skipping only the first page's header row", async () => {
    const f = fake({
      runningPolls: 0,
      types: ["varchar", "bigint", "double", "boolean", "timestamp"],
      pages: [
        [
          ["a", "b", "c", "d", "e"],
          ["x", "1", "1.5", "true", "2026-12-05 10:00:00.000"],
        ],
        [["a", "NULL", "2", "false", "2026-12-05 11:00:00.123"]],
      ],
    });
    const run = createAthenaEngine({ session: sessionOf(f.port), outputLocation: "s3://r/" }).run({
      sql: "SELECT 1",
      tables: [TABLE],
    });
    await vi.runAllTimersAsync();
    const result = await run;
    expect(f.starts[0]).toMatchObject({ ResultConfiguration: { OutputLocation: "s3://r/" } });
    expect(f.starts[0]).not.toHaveProperty("WorkGroup");
    expect(result.columns.map((c) => c.type)).toEqual(["string", "integer", "double", "boolean", "timestamp"]);
    expect(result.rows).toEqual([
      ["x", 1, 1.5, true, "2026-12-05T10:00:00.000Z"],
      ["a", null, 2, false, "2026-12-05T11:00:00.123Z"],
    ]);
    expect(result.stats).toMatchObject({
      queryId: "q-1",
      bytesScanned: 5,
      outputLocation: "s3://r/q-1.csv",
      queryMs: 7,
    });
  });

  it("a finished query past maxScanBytes is refused too; a running one is stopped", async () => {
    const done = fake({ runningPolls: 0, bytes: 2000 });
    const a = createAthenaEngine({ session: sessionOf(done.port) })
      .run({ sql: "SELECT 1", tables: [TABLE], maxScanBytes: 1000 })
      .catch((e: unknown) => e);
    await vi.runAllTimersAsync();
    const ea = await a;
    expect(ea).toBeInstanceOf(QueryError);
    expect((ea as Error).message).toMatch(/scanned 2000 bytes .*more than --max-scan 1000 bytes/);
    expect(done.stops).toEqual([]);

    const running = fake({ runningPolls: 5, bytes: 2000 });
    const b = createAthenaEngine({ session: sessionOf(running.port) })
      .run({ sql: "SELECT 1", tables: [TABLE], maxScanBytes: 1000 })
      .catch((e: unknown) => e);
    await vi.runAllTimersAsync();
    expect((await b) as Error).toBeInstanceOf(QueryError);
    expect(running.stops).toEqual(["q-1"]);
    expect(running.polls).toHaveLength(1);
  });

  it("refuses tables of several accounts or regions in one query", async () => {
    const f = fake({ runningPolls: 0 });
    const other = { ...TABLE, region: "us-east-1", policy: "q" };
    await expect(
      createAthenaEngine({ session: sessionOf(f.port) }).run({ sql: "SELECT 1", tables: [TABLE, other] }),
    ).rejects.toThrow(
      /one Athena query reads the tables of one account and region: p is in .*eu-west-1, q in .*us-east-1/,
    );
    expect(f.starts).toEqual([]);
  });
});

describe("Athena values", () => {
  it("prices USD 5 per TB, rounded up to the MB, at least 10 MB", () => {
    expect(athenaCostUsd(0)).toBe((10 * 5) / 2 ** 20);
    expect(athenaCostUsd(10 * 2 ** 20 + 1)).toBe((11 * 5) / 2 ** 20);
    expect(athenaCostUsd(2 ** 40)).toBe(5);
  });

  it("maps Athena types and keeps integers past 2^53 as decimal text", () => {
    expect(
      ["bigint", "integer", "decimal(10,2)", "real", "boolean", "timestamp", "date", "array(varchar)"].map(
        columnTypeOf,
      ),
    ).toEqual(["integer", "integer", "double", "double", "boolean", "timestamp", "string", "string"]);
    expect(cellOf("9007199254740993", "integer")).toBe("9007199254740993");
    expect(cellOf(undefined, "string")).toBeNull();
  });
});
