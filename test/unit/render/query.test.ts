import { describe, expect, it } from "vitest";
import type { QueryResult } from "../../../src/model/query.js";
import { csvField, renderQueryResult, renderQueryStats } from "../../../src/render/query.js";

const result: QueryResult = {
  columns: [
    { name: "srcaddr", type: "string" },
    { name: "bytes", type: "integer" },
  ],
  rows: [
    ["10.0.0.1", 12345],
    ["a\u001b[31m|b\nc", null],
  ],
  stats: {
    engine: "local",
    bytesScanned: 2_500_000,
    objectsListed: 3,
    objectsFetched: 1,
    cacheHits: 2,
    bytesFetched: 800_000,
    elapsedMs: 1234,
    queryMs: 56,
  },
};

describe("query result renderers", () => {
  it("table: aligned, numbers right, NULL as -, control characters escaped", () => {
    const lines = renderQueryResult(result, "table").split("\n");
    expect(lines[0]).toBe(`srcaddr${" ".repeat(11)}bytes`);
    expect(lines[1]).toBe(`${"-".repeat(16)}  -----`);
    expect(lines[2]).toBe(`10.0.0.1${" ".repeat(10)}12345`);
    expect(lines[3]).toBe(`a\\u{1b}[31m|b\\nc${" ".repeat(6)}-`);
    expect(lines.join("\n")).not.toMatch(/\u001b/);
  });

  it("csv: RFC 4180 quoting", () => {
    expect(csvField('say "hi", then')).toBe('"say ""hi"", then"');
    expect(csvField(" lead")).toBe('" lead"');
    expect(csvField("plain")).toBe("plain");
    expect(renderQueryResult(result, "csv").split("\n")).toEqual([
      "srcaddr,bytes",
      "10.0.0.1,12345",
      "a\\u{1b}[31m|b\\nc,",
    ]);
  });

  it("markdown: a table whose cells cannot break it", () => {
    const md = renderQueryResult(result, "markdown").split("\n");
    expect(md.slice(0, 3)).toEqual(["| srcaddr | bytes |", "| --- | ---: |", "| 10.0.0.1 | 12345 |"]);
    expect(md[3]).toBe("| a\\\\u{1b}\\[31m\\|b\\\\nc |  |");
  });

  it("json: rows as objects, with columns and stats", () => {
    const doc = JSON.parse(renderQueryResult(result, "json"));
    expect(doc.rows).toEqual([
      { srcaddr: "10.0.0.1", bytes: 12345 },
      { srcaddr: "a\u001b[31m|b\nc", bytes: null },
    ]);
    expect(doc.columns).toEqual(result.columns);
    expect(renderQueryResult(result, "json")).not.toMatch(/\u001b/);
  });

  it("stats line", () => {
    expect(renderQueryStats(result.stats, 2)).toBe(
      "local engine, 2 rows, 2.5 MB scanned, 3 objects (1 fetched, 800 kB; 2 cached), 1.23 s (query 0.06 s)",
    );
    expect(
      renderQueryStats(
        {
          engine: "athena",
          bytesScanned: 10_485_760,
          costUsd: 0.00005,
          queryId: "q-1",
          elapsedMs: 900,
          outputLocation: "s3://r/q-1.csv",
        },
        1,
      ),
    ).toBe("athena engine, 1 row, 10.5 MB scanned, cost $0.00005, query q-1, 0.90 s\nResults: s3://r/q-1.csv");
  });
});
