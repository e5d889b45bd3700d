// The findings' SQL run on DuckDB (the local engine's dialect) over records made here, and the
// pure rules that turn the rows into findings: a flood, a scan, rejected talkers and a block that
// did not hold are found, ordinary traffic is not, and thresholds move the line.
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { QueryEngine, QueryRequest, QueryResult, QueryTable } from "../../../src/model/query.js";
import {
  blockFindings,
  blockRequests,
  DEFAULT_THRESHOLDS,
  expiryAfter,
  type InvestigateScope,
  investigate,
  reasonOf,
} from "../../../src/query/investigate.js";

const COLUMNS: [string, string][] = [
  ["version", "INTEGER"],
  ["account_id", "VARCHAR"],
  ["interface_id", "VARCHAR"],
  ["srcaddr", "VARCHAR"],
  ["dstaddr", "VARCHAR"],
  ["srcport", "INTEGER"],
  ["dstport", "INTEGER"],
  ["protocol", "INTEGER"],
  ["packets", "BIGINT"],
  ["bytes", "BIGINT"],
  ["start", "BIGINT"],
  ["end", "BIGINT"],
  ["action", "VARCHAR"],
  ["log_status", "VARCHAR"],
];

const TABLE: QueryTable = {
  spec: {
    database: "net",
    name: "records",
    tableType: "EXTERNAL_TABLE",
    columns: COLUMNS.map(([Name]) => ({ Name, Type: "string" })),
    partitionKeys: [],
    location: "s3://b/",
    inputFormat: "",
    outputFormat: "",
    serializationLibrary: "",
    serdeParameters: {},
    parameters: {},
  },
  account: "111122223333",
  region: "eu-west-1",
  policy: "prod",
};

const T0 = Date.parse("2026-12-05T10:00:00Z") / 1000;
type Row = [string, string, string, number, number, number, number, number, string];
/** interface, src, dst, dstport, protocol, packets, bytes, minute, action */
function rows(): Row[] {
  const out: Row[] = [];
  for (let m = 0; m < 30; m++) {
    for (const [i, eni] of ["eni-a", "eni-b", "eni-c"].entries()) {
      out.push([eni, `10.0.1.${10 + i}`, "203.0.113.66", 80, 17, 40_000, 40_000_000, m, "ACCEPT"]);
      out.push([eni, `10.0.1.${10 + i}`, "198.51.100.10", 443, 6, 100, 100_000, m, "ACCEPT"]);
      out.push([eni, `10.0.1.${10 + i}`, "10.0.2.20", 5432, 6, 50, 20_000, m, "ACCEPT"]);
    }
    for (let p = 0; p < 8; p++) out.push(["eni-a", "192.0.2.200", "10.0.1.10", m * 8 + p + 1, 6, 1, 44, m, "ACCEPT"]);
    out.push(["eni-b", "198.51.100.99", "10.0.1.11", 22, 6, 3, 180, m, "REJECT"]);
    out.push(["eni-c", "-", "-", 0, 0, 0, 0, m, "ACCEPT"]);
    out.push(["eni-c", "2001:db8::5", "2001:db8::6", 443, 6, 5, 500, m, "ACCEPT"]);
  }
  return out;
}

let instance: DuckDBInstance;
let engine: QueryEngine;
let queries: string[] = [];

beforeAll(async () => {
  instance = await DuckDBInstance.create(":memory:");
  const c = await instance.connect();
  await c.run("CREATE SCHEMA net");
  await c.run(`CREATE TABLE net.records (${COLUMNS.map(([n, t]) => `"${n}" ${t}`).join(", ")})`);
  const values = rows()
    .map(
      ([eni, src, dst, port, proto, packets, bytes, m, action]) =>
        `(2, '111122223333', '${eni}', '${src}', '${dst}', 40000, ${port}, ${proto}, ${packets}, ${bytes}, ${T0 + m * 60}, ${T0 + m * 60 + 59}, '${action}', 'OK')`,
    )
    .join(",\n");
  await c.run(`INSERT INTO net.records VALUES ${values}`);
  engine = {
    name: "local",
    async run(request: QueryRequest): Promise<QueryResult> {
      queries.push(request.sql);
      const reader = await c.runAndReadAll(request.sql);
      return {
        columns: reader.columnNames().map((name) => ({ name, type: "string" as const })),
        rows: reader.getRowsJson() as QueryResult["rows"],
        stats: { engine: "local", bytesScanned: 10, elapsedMs: 1 },
      };
    },
    async close() {},
  };
});
afterAll(() => instance?.closeSync());

const WINDOW = { from: new Date(T0 * 1000), until: new Date((T0 + 3600) * 1000) };
const scope = (blocks: InvestigateScope["blocks"] = [], from = WINDOW.from): InvestigateScope => ({
  table: TABLE,
  filters: { window: { ...WINDOW, from }, limit: 100 },
  blocks,
});

describe("investigate's findings on DuckDB", () => {
  it("finds the flood to one outside address, with evidence, and not the ordinary egress", async () => {
    queries = [];
    const r = await investigate(engine, [scope()], { thresholds: DEFAULT_THRESHOLDS });
    const flood = r.findings.filter((f) => f.kind === "outbound-flood");
    expect(flood.map((f) => f.address)).toEqual(["203.0.113.66"]);
    const e = flood[0]!.evidence;
    expect(e.flows).toBe(90);
    expect(e.packets).toBe(90 * 40_000);
    expect(e.bytes).toBe(90 * 40_000_000);
    expect(e.firstSeen).toBe("2026-12-05T10:00:00Z");
    expect(e.lastSeen).toBe("2026-12-05T10:29:59Z");
    expect(e.interfaceCount).toBe(3);
    expect([...e.interfaces].sort()).toEqual(["eni-a", "eni-b", "eni-c"]);
    expect(e.protocols).toEqual([17]);
    expect(e.byteShare).toBeGreaterThan(0.99);
    expect(flood[0]!.severity).toBe("warning");
    expect(flood[0]!.actionable).toBe(true);
    expect(r.queries).toBe(queries.length);
  });

  it("finds the inbound scan (distinct ports), not a client reaching one port", async () => {
    const r = await investigate(engine, [scope()], { thresholds: DEFAULT_THRESHOLDS });
    const scan = r.findings.filter((f) => f.kind === "inbound-scan");
    expect(scan.map((f) => f.address)).toEqual(["192.0.2.200"]);
    expect(scan[0]!.evidence.distinctPorts).toBe(240);
    expect(scan[0]!.evidence.distinctAddresses).toBe(1);
    const raised = await investigate(engine, [scope()], {
      thresholds: { ...DEFAULT_THRESHOLDS, scanPorts: 241, floodShare: 1.01 },
    });
    expect(raised.findings.filter((f) => f.kind !== "rejected-talker")).toEqual([]);
  });

  it("reports rejected top talkers as info, not actionable", async () => {
    const r = await investigate(engine, [scope()], { thresholds: DEFAULT_THRESHOLDS });
    const rejected = r.findings.filter((f) => f.kind === "rejected-talker");
    expect(rejected.map((f) => [f.address, f.severity, f.actionable, f.evidence.flows])).toEqual([
      ["198.51.100.99", "info", false, 30],
    ]);
    const fewer = await investigate(engine, [scope()], {
      thresholds: { ...DEFAULT_THRESHOLDS, rejectedMinFlows: 31 },
    });
    expect(fewer.findings.filter((f) => f.kind === "rejected-talker")).toEqual([]);
  });

  it("finds ACCEPTed traffic a declared block should have stopped, by its direction, as an error", async () => {
    const blocks = [
      { cidr: "198.51.100.0/24", direction: "outbound" as const, file: "p.yaml", line: 12 },
      { cidr: "192.0.2.0/24", direction: "outbound" as const, file: "p.yaml", line: 15 },
      { cidr: "2001:db8::6", direction: "both" as const, file: "p.yaml", line: 18 },
    ];
    const r = await investigate(engine, [scope(blocks)], { thresholds: DEFAULT_THRESHOLDS });
    const held = r.findings.filter((f) => f.kind === "block-not-holding");
    // 192.0.2.0/24 is only a source here (the scan): an outbound block does not apply to it.
    expect(held.map((f) => [f.declared?.cidr, f.severity, f.evidence.flows])).toEqual([
      ["198.51.100.0/24", "error", 90],
      ["2001:db8::6", "error", 30],
    ]);
    expect(r.findings[0]!.kind).toBe("block-not-holding");
  });

  it("reads only the records of the window", async () => {
    const r = await investigate(engine, [scope([], new Date((T0 + 29 * 60) * 1000))], {
      thresholds: DEFAULT_THRESHOLDS,
    });
    const flood = r.findings.find((f) => f.kind === "outbound-flood");
    expect(flood?.evidence.flows).toBe(3);
    expect(r.findings.some((f) => f.kind === "inbound-scan")).toBe(false);
  });

  it("turns actionable findings into block requests with a reason the schema accepts and an expiry", async () => {
    const r = await investigate(engine, [scope()], { thresholds: DEFAULT_THRESHOLDS });
    const requests = blockRequests(r.findings, { ticket: "INC-1", expires: "2027-01-04" });
    expect(requests.map((q) => q.cidr).sort()).toEqual(["192.0.2.200", "203.0.113.66"]);
    for (const f of r.findings.filter((x) => x.actionable)) {
      const reason = reasonOf(f);
      expect(reason.length).toBeLessThanOrEqual(256);
      expect(reason).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    }
    expect(reasonOf(r.findings.find((f) => f.kind === "outbound-flood")!)).toMatch(/over UDP/);
    expect(expiryAfter("2026-12-01", new Date("2026-12-06T00:00:00Z"), 30)).toBe("2027-01-04");
    expect(expiryAfter("2026-12-20", new Date("2026-12-06T00:00:00Z"), 30)).toBe("2027-01-19");
  });
});

describe("a declared block that did not hold, against the window's REJECTs", () => {
  const blocks = [
    { cidr: "203.0.113.77", direction: "outbound" as const, file: "p.yaml", line: 20 },
    { cidr: "203.0.113.88", direction: "outbound" as const, file: "p.yaml", line: 24 },
    { cidr: "203.0.113.99", direction: "outbound" as const, file: "p.yaml", line: 28 },
  ];
  const at = (minute: number) => T0 + minute * 60;
  /** block, action, flows, first start, last end, last start */
  const row = (block: number, action: string, flows: number, first: number, lastStart: number) => [
    block,
    action,
    flows,
    flows * 1000,
    flows * 10,
    at(first),
    at(lastStart) + 59,
    1,
    at(lastStart),
  ];
  const result = (rows: unknown[][]): QueryResult => ({
    columns: [
      "block",
      "action",
      "flows",
      "bytes",
      "packets",
      "first_seen",
      "last_seen",
      "interfaces",
      "last_start",
    ].map((name) => ({ name, type: "string" as const })),
    rows: rows as QueryResult["rows"],
    stats: { engine: "local", bytesScanned: 0, elapsedMs: 1 },
  });
  const totals = { flows: 1000, bytes: 1_000_000, packets: 10_000 };

  it("took effect in the window (every ACCEPT started before the first REJECT): no finding", () => {
    const found = blockFindings(
      result([row(0, "ACCEPT", 10, 0, 9), row(0, "REJECT", 20, 10, 29)]),
      totals,
      scope(blocks),
    );
    expect(found).toEqual([]);
  });

  it("ACCEPTs after the first REJECT: it stopped holding, an error that says since when it had held", () => {
    const found = blockFindings(
      result([row(1, "ACCEPT", 20, 0, 29), row(1, "REJECT", 10, 10, 19)]),
      totals,
      scope(blocks),
    );
    expect(found.map((f) => [f.kind, f.severity, f.declared?.cidr, f.declared?.heldFrom, f.evidence.flows])).toEqual([
      ["block-not-holding", "error", "203.0.113.88", "2026-12-05T10:10:00Z", 20],
    ]);
    expect(found[0]!.summary).toMatch(
      /rejected traffic from 2026-12-05T10:10:00Z, yet accepted traffic after that, the last at 2026-12-05T\d\d:\d\d:\d\dZ \(in the window: 20 accepted flows/,
    );
  });

  it("ACCEPTs and no REJECT at all: an error (not applied, removed, or after an allow)", () => {
    const found = blockFindings(result([row(2, "ACCEPT", 5, 0, 29)]), totals, scope(blocks));
    expect(found.map((f) => [f.declared?.cidr, f.declared?.heldFrom, f.severity])).toEqual([
      ["203.0.113.99", undefined, "error"],
    ]);
    expect(found[0]!.summary).toMatch(/and none rejected/);
    // REJECTs only: the block holds.
    expect(blockFindings(result([row(2, "REJECT", 5, 0, 29)]), totals, scope(blocks))).toEqual([]);
  });
});
