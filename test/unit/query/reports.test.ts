// The named reports' SQL: the common subset only, the window as partition and `start` filters, the
// fields each report needs, CIDRs as LIKE patterns; and each report run in DuckDB over a small table
// whose answers are computed here.
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { QueryTable } from "../../../src/model/query.js";
import { cidrCondition, REPORT_NAMES, reportSql, withReportTimes } from "../../../src/query/reports.js";
import { DEFAULT_COLUMNS, testTable } from "./table-spec.js";

const table = (o: Parameters<typeof testTable>[0] = {}): QueryTable => ({
  spec: testTable(o),
  account: "111122223333",
  region: "eu-west-1",
  policy: "policies/p.yaml",
});
const window = { from: new Date("2026-12-05T10:00:00Z"), until: new Date("2026-12-05T12:00:00Z") };
const T0 = Date.parse("2026-12-05T10:00:00Z") / 1000;

// srcaddr, dstaddr, dstport, protocol, packets, bytes, start offset (s), action, hour partition
const ROWS: [string, string, number, number, number, number, number, string, string][] = [
  ["10.0.0.1", "203.0.113.66", 80, 17, 100, 10_000, 0, "ACCEPT", "10"],
  ["10.0.0.1", "203.0.113.66", 80, 17, 100, 10_000, 1800, "REJECT", "10"],
  ["10.0.0.2", "203.0.113.66", 80, 17, 50, 5_000, 3700, "REJECT", "11"],
  ["192.0.2.200", "10.0.0.5", 22, 6, 1, 40, 60, "REJECT", "10"],
  ["10.0.0.3", "10.0.0.4", 443, 6, 10, 900, 120, "ACCEPT", "10"],
  ["10.0.0.3", "198.51.100.10", 443, 6, 20, 2_000, 7300, "ACCEPT", "12"], // after the window
];

let db: DuckDBInstance;
beforeAll(async () => {
  db = await DuckDBInstance.create(":memory:");
  const c = await db.connect();
  await c.run(`CREATE SCHEMA net`);
  const cols = DEFAULT_COLUMNS.map(
    (col) => `"${col.Name}" ${col.Type === "string" ? "VARCHAR" : col.Type.toUpperCase()}`,
  );
  await c.run(
    `CREATE TABLE net.flows (${[...cols, ...["aws_account_id", "aws_region", "year", "month", "day", "hour"].map((n) => `"${n}" VARCHAR`)].join(", ")})`,
  );
  for (const [src, dst, port, proto, packets, bytes, at, action, hour] of ROWS) {
    await c.run(
      `INSERT INTO net.flows VALUES (2, '111122223333', 'eni-1', '${src}', '${dst}', 40000, ${port}, ${proto}, ${packets}, ${bytes}, ${T0 + at}, ${T0 + at + 60}, '${action}', 'OK', '111122223333', 'eu-west-1', '2026', '12', '05', '${hour}')`,
    );
  }
  c.closeSync();
});
afterAll(() => db?.closeSync());

async function run(sql: string): Promise<Record<string, unknown>[]> {
  const c = await db.connect();
  try {
    const r = await c.runAndReadAll(sql);
    return r
      .getRowObjectsJS()
      .map((o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === "bigint" ? Number(v) : v])));
  } finally {
    c.closeSync();
  }
}

describe("report SQL", () => {
  it("keeps to the common subset and filters the window on partitions and start", () => {
    for (const name of REPORT_NAMES) {
      const { sql } = reportSql(name, [table({ perHour: true })], { window, limit: 5 }, ["203.0.113.66"]);
      expect(sql).not.toMatch(/::|\bINTERVAL\b|\bDATE '|\bsplit_part\b|\bregexp|from_unixtime|\bepoch\b/i);
      expect(sql).toContain(`"start" >= ${T0}`);
      expect(sql).toContain(`"start" < ${T0 + 7200}`);
      expect(sql).toContain(`("day" = '05' AND "hour" IN ('10', '11'))`);
      expect(sql).toMatch(/LIMIT 5$/);
    }
  });

  it("reads several tables with UNION ALL, each name once", () => {
    const a = table({ database: "a" });
    const b = table({ database: "b" });
    const { sql } = reportSql("by-port", [a, b, { ...a, account: "444455556666" }], { window, limit: 5 });
    expect(sql.match(/FROM "a"\."flows"/g)).toHaveLength(1);
    expect(sql.match(/FROM "b"\."flows"/g)).toHaveLength(1);
    expect(sql).toContain("UNION ALL");
  });

  it("refuses a report over a table without a field it needs, naming the policy and the field", () => {
    const noPort = table({ columns: DEFAULT_COLUMNS.filter((c) => c.Name !== "dstport") });
    expect(() => reportSql("by-port", [noPort], { window, limit: 5 })).toThrow(
      /by-port needs the flow-log field "dstport", which policies\/p\.yaml does not record \(table net\.flows\)/,
    );
    expect(() => reportSql("top-talkers", [table()], { window, limit: 5, vpcs: ["vpc-1"] })).toThrow(/"vpc-id"/);
    expect(() => reportSql("blocked-hits", [table()], { window, limit: 5 }, [])).toThrow(/blockedAddresses/);
  });

  it("turns CIDRs into LIKE patterns on octet boundaries", () => {
    expect(cidrCondition("dstaddr", "203.0.113.66")).toBe(`"dstaddr" = '203.0.113.66'`);
    expect(cidrCondition("dstaddr", "10.1.2.0/24")).toBe(`"dstaddr" LIKE '10.1.2.%'`);
    const twenty = cidrCondition("dstaddr", "10.1.16.0/20") as string;
    expect(twenty.match(/LIKE/g)).toHaveLength(16);
    expect(twenty).toContain(`'10.1.16.%'`);
    expect(twenty).toContain(`'10.1.31.%'`);
    expect(twenty).not.toContain(`'10.1.32.%'`);
    expect(cidrCondition("dstaddr", "10.0.0.0/8")).toBe(`"dstaddr" LIKE '10.%'`);
    expect(cidrCondition("dstaddr", "2001:db8::1/128")).toBe(`"dstaddr" = '2001:db8::1'`);
    expect(cidrCondition("dstaddr", "2001:db8::/32")).toBeNull();
  });
});

describe("reports in DuckDB", () => {
  const sql = (name: (typeof REPORT_NAMES)[number], blocked: string[] = []) =>
    reportSql(name, [table({ perHour: true })], { window, limit: 10 }, blocked).sql;

  it("rejected", async () => {
    expect(await run(sql("rejected"))).toEqual([
      {
        srcaddr: "10.0.0.1",
        dstaddr: "203.0.113.66",
        dstport: 80,
        protocol: 17,
        flows: 1,
        packets: 100,
        bytes: 10_000,
        first_seen: T0 + 1800,
        last_seen: T0 + 1860,
      },
      {
        srcaddr: "10.0.0.2",
        dstaddr: "203.0.113.66",
        dstport: 80,
        protocol: 17,
        flows: 1,
        packets: 50,
        bytes: 5_000,
        first_seen: T0 + 3700,
        last_seen: T0 + 3760,
      },
      {
        srcaddr: "192.0.2.200",
        dstaddr: "10.0.0.5",
        dstport: 22,
        protocol: 6,
        flows: 1,
        packets: 1,
        bytes: 40,
        first_seen: T0 + 60,
        last_seen: T0 + 120,
      },
    ]);
  });

  it("top-talkers", async () => {
    const rows = await run(sql("top-talkers"));
    expect(rows[0]).toEqual({
      srcaddr: "10.0.0.1",
      dstaddr: "203.0.113.66",
      flows: 2,
      packets: 200,
      bytes: 20_000,
      rejected_flows: 1,
    });
    expect(rows.map((r) => r.srcaddr)).toEqual(["10.0.0.1", "10.0.0.2", "10.0.0.3", "192.0.2.200"]);
  });

  it("outbound-by-destination: private sources to public destinations only", async () => {
    expect(await run(sql("outbound-by-destination"))).toEqual([
      {
        dstaddr: "203.0.113.66",
        dstport: 80,
        protocol: 17,
        sources: 2,
        flows: 3,
        packets: 250,
        bytes: 25_000,
        rejected_flows: 2,
      },
    ]);
  });

  it("by-port", async () => {
    expect(await run(sql("by-port"))).toEqual([
      {
        dstport: 80,
        protocol: 17,
        flows: 3,
        sources: 2,
        packets: 250,
        bytes: 25_000,
        accepted_flows: 1,
        rejected_flows: 2,
      },
      { dstport: 22, protocol: 6, flows: 1, sources: 1, packets: 1, bytes: 40, accepted_flows: 0, rejected_flows: 1 },
      {
        dstport: 443,
        protocol: 6,
        flows: 1,
        sources: 1,
        packets: 10,
        bytes: 900,
        accepted_flows: 1,
        rejected_flows: 0,
      },
    ]);
  });

  it("blocked-hits: ACCEPT before, REJECT after, by entry and direction", async () => {
    expect(await run(sql("blocked-hits", ["203.0.113.66", "192.0.2.0/24"]))).toEqual([
      {
        blocked: "192.0.2.0/24",
        direction: "inbound",
        action: "REJECT",
        flows: 1,
        packets: 1,
        bytes: 40,
        first_seen: T0 + 60,
        last_seen: T0 + 120,
      },
      {
        blocked: "203.0.113.66",
        direction: "outbound",
        action: "ACCEPT",
        flows: 1,
        packets: 100,
        bytes: 10_000,
        first_seen: T0,
        last_seen: T0 + 60,
      },
      {
        blocked: "203.0.113.66",
        direction: "outbound",
        action: "REJECT",
        flows: 2,
        packets: 150,
        bytes: 15_000,
        first_seen: T0 + 1800,
        last_seen: T0 + 3760,
      },
    ]);
  });
});

describe("withReportTimes", () => {
  it("shows the reports' first_seen/last_seen as ISO 8601 UTC and leaves every other column as it is", () => {
    const shown = withReportTimes({
      columns: [
        { name: "srcaddr", type: "string" },
        { name: "flows", type: "integer" },
        { name: "first_seen", type: "integer" },
        { name: "last_seen", type: "integer" },
      ],
      rows: [
        ["10.0.1.5", 3, 1796465040, "1796468400"],
        ["10.0.1.6", 1, null, 0],
      ],
      stats: { engine: "local", bytesScanned: 0, elapsedMs: 1 },
    });
    expect(shown.columns.map((c) => c.type)).toEqual(["string", "integer", "timestamp", "timestamp"]);
    expect(shown.rows).toEqual([
      ["10.0.1.5", 3, "2026-12-05T10:04:00Z", "2026-12-05T11:00:00Z"],
      ["10.0.1.6", 1, null, null],
    ]);
  });
});
