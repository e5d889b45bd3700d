// biome-ignore-all lint/suspicious/noTemplateCurlyInString: flow-log LogFormat tokens are literally ${field}
import { describe, expect, it } from "vitest";
import {
  athenaColumnName,
  buildLogFormat,
  checkFieldName,
  DEFAULT_FIELDS,
  FLOW_LOG_FIELDS,
  flowLogField,
  type PartitionLayout,
  parseLogFormat,
  partitionClashes,
  partitionColumns,
  recordVersion,
} from "../../../src/domain/flowlog-fields.js";

const LAYOUTS: PartitionLayout[] = [{ perHour: false }, { perHour: true }];

describe("flow-log field catalogue", () => {
  it("has unique names and columns derived with - → _", () => {
    expect(new Set(FLOW_LOG_FIELDS.map((f) => f.name)).size).toBe(FLOW_LOG_FIELDS.length);
    for (const f of FLOW_LOG_FIELDS) expect(f.column).toBe(f.name.replaceAll("-", "_"));
    expect(athenaColumnName("pkt-src-aws-service")).toBe("pkt_src_aws_service");
  });

  const cases: { name: string; version: number | null; athenaType: string; parquet: string | null; reason: string }[] =
    [
      { name: "protocol", version: 2, athenaType: "bigint", parquet: "INT_32", reason: "AWS's DDL says bigint" },
      { name: "srcport", version: 2, athenaType: "int", parquet: "INT_32", reason: "ports are int" },
      { name: "end", version: 2, athenaType: "bigint", parquet: "INT_64", reason: "Unix seconds" },
      { name: "tcp-flags", version: 3, athenaType: "int", parquet: "INT_32", reason: "a v3 bitmask" },
      { name: "region", version: 4, athenaType: "string", parquet: "STRING", reason: "the v4 field" },
      { name: "traffic-path", version: 5, athenaType: "int", parquet: "INT_32", reason: "v5 integer" },
      { name: "ecs-task-id", version: 7, athenaType: "string", parquet: "STRING", reason: "v7, no v6" },
      { name: "reject-reason", version: 8, athenaType: "string", parquet: "STRING", reason: "v8 (unconfirmed)" },
      { name: "resource-id", version: null, athenaType: "string", parquet: null, reason: "version unknown" },
      { name: "encryption-status", version: null, athenaType: "string", parquet: null, reason: "version unknown" },
    ];
  it.each(cases)("$name: $reason", ({ name, version, athenaType, parquet }) => {
    const f = flowLogField(name);
    expect(f?.version).toBe(version);
    expect(f?.athenaType).toBe(athenaType);
    expect(f?.parquetType).toBe(parquet);
  });

  it("has no version-6 field", () => {
    expect(FLOW_LOG_FIELDS.some((f) => f.version === 6)).toBe(false);
  });

  it("lists the 14 version-2 fields as the default format, in AWS's order", () => {
    expect(DEFAULT_FIELDS).toEqual(FLOW_LOG_FIELDS.filter((f) => f.version === 2).map((f) => f.name));
    expect(buildLogFormat(DEFAULT_FIELDS)).toBe(
      "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}",
    );
  });

  it("computes the record version from known versions only", () => {
    expect(recordVersion(DEFAULT_FIELDS)).toBe(2);
    expect(recordVersion(["srcaddr", "flow-direction", "vpc-id"])).toBe(5);
    expect(recordVersion(["srcaddr", "resource-id"])).toBe(2);
    expect(recordVersion(["resource-id"])).toBeNull();
  });
});

describe("LogFormat", () => {
  it("round-trips through build and parse", () => {
    const fields = ["srcaddr", "dstaddr", "reject-reason", "unknown-new-field"];
    const parsed = parseLogFormat(buildLogFormat(fields));
    expect(parsed).toEqual({ ok: true, fields });
  });

  const bad: { text: string; reason: string }[] = [
    { text: "", reason: "empty" },
    { text: "   ", reason: "only spaces" },
    { text: "${srcaddr} dstaddr", reason: "a bare token" },
    { text: "${srcaddr}${dstaddr}", reason: "tokens not separated" },
    { text: "${}", reason: "empty name" },
  ];
  it.each(bad)("rejects $text: $reason", ({ text }) => {
    expect(parseLogFormat(text).ok).toBe(false);
  });

  it("accepts runs of whitespace between tokens", () => {
    expect(parseLogFormat(" ${srcaddr}  ${dstaddr}\n")).toEqual({ ok: true, fields: ["srcaddr", "dstaddr"] });
  });
});

describe("checkFieldName", () => {
  const cases: { name: string; ok: boolean; suggestion?: string | null; reason: string }[] = [
    { name: "pkt-srcaddr", ok: true, reason: "a known field" },
    { name: "reject-reason", ok: true, reason: "accepted although its version is unconfirmed" },
    { name: "srcadr", ok: false, suggestion: "srcaddr", reason: "a typo gets a did-you-mean" },
    { name: "log_status", ok: false, suggestion: "log-status", reason: "the column spelling" },
    { name: "${srcaddr}", ok: false, suggestion: "srcaddr", reason: "the LogFormat token spelling" },
    { name: "instance-tag", ok: false, suggestion: null, reason: "an unconfirmed third-party name" },
    { name: "bandwidth", ok: false, suggestion: null, reason: "nothing close" },
  ];
  it.each(cases)("$name: $reason", ({ name, ok, suggestion }) => {
    const check = checkFieldName(name);
    expect(check.ok).toBe(ok);
    if (!check.ok) expect(check.suggestion).toBe(suggestion);
  });
});

describe("partition columns", () => {
  const cases: { layout: PartitionLayout; columns: string[]; reason: string }[] = [
    {
      layout: { perHour: false },
      columns: ["aws_account_id", "aws_region", "year", "month", "day"],
      reason: "daily",
    },
    {
      layout: { perHour: true },
      columns: ["aws_account_id", "aws_region", "year", "month", "day", "hour"],
      reason: "hourly",
    },
  ];
  it.each(cases)("$reason", ({ layout, columns }) => {
    expect(partitionColumns(layout)).toEqual(columns);
  });

  it("never equals a field's column, in any layout (so region and account-id stay usable)", () => {
    const all = FLOW_LOG_FIELDS.map((f) => f.name);
    for (const layout of LAYOUTS) {
      expect(partitionClashes(all, layout)).toEqual([]);
      expect(new Set(partitionColumns(layout)).size).toBe(partitionColumns(layout).length);
    }
  });

  it("detects a clash by column name", () => {
    expect(partitionClashes(["srcaddr", "year", "day", "hour"], { perHour: false })).toEqual(["year", "day"]);
  });
});
