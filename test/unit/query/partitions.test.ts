import { describe, expect, it } from "vitest";
import { deriveGlueTable } from "../../../src/domain/glue.js";
import {
  parseJavaDate,
  partitionPredicate,
  partitionPrefixes,
  projectionStart,
} from "../../../src/query/partitions.js";
import { testTable } from "./table-spec.js";

const w = (from: string, until: string, extra: { accounts?: string[]; regions?: string[] } = {}) => ({
  from: new Date(from),
  until: new Date(until),
  ...extra,
});

describe("partitionPrefixes", () => {
  it("gives one prefix per account, region and day of the window (default layout)", () => {
    const spec = testTable({ accounts: ["111111111111", "222222222222"], prefix: "fl" });
    const p = partitionPrefixes(spec, w("2026-12-05T10:00:00Z", "2026-12-07T00:00:00Z"));
    expect(p.map((x) => `${x.bucket}:${x.prefix}`)).toEqual([
      "logs:fl/AWSLogs/111111111111/vpcflowlogs/eu-west-1/2026/12/05/",
      "logs:fl/AWSLogs/111111111111/vpcflowlogs/eu-west-1/2026/12/06/",
      "logs:fl/AWSLogs/222222222222/vpcflowlogs/eu-west-1/2026/12/05/",
      "logs:fl/AWSLogs/222222222222/vpcflowlogs/eu-west-1/2026/12/06/",
    ]);
    expect(p[0]?.values).toEqual({
      aws_account_id: "111111111111",
      aws_region: "eu-west-1",
      year: "2026",
      month: "12",
      day: "05",
    });
  });

  it("restricts accounts and regions to the window's", () => {
    const spec = testTable({ accounts: ["111111111111", "222222222222"], regions: ["eu-west-1", "us-east-1"] });
    const p = partitionPrefixes(
      spec,
      w("2026-12-05T00:00:00Z", "2026-12-06T00:00:00Z", { accounts: ["222222222222"], regions: ["us-east-1"] }),
    );
    expect(p.map((x) => x.prefix)).toEqual(["AWSLogs/222222222222/vpcflowlogs/us-east-1/2026/12/05/"]);
  });

  it("per hour, a 1-hour window is one prefix per account and region (Hive layout)", () => {
    const spec = testTable({ hive: true, perHour: true });
    const p = partitionPrefixes(spec, w("2026-12-05T10:00:00Z", "2026-12-05T11:00:00Z"));
    expect(p.map((x) => x.prefix)).toEqual([
      "AWSLogs/aws-account-id=111122223333/aws-service=vpcflowlogs/aws-region=eu-west-1/year=2026/month=12/day=05/hour=10/",
    ]);
    // A window inside an hour still needs that hour; one ending on the hour does not reach the next.
    expect(partitionPrefixes(spec, w("2026-12-05T10:20:00Z", "2026-12-05T10:40:00Z"))).toHaveLength(1);
    expect(partitionPrefixes(spec, w("2026-12-05T10:20:00Z", "2026-12-05T11:00:01Z"))).toHaveLength(2);
  });

  it("crosses month and year boundaries", () => {
    const spec = testTable();
    const p = partitionPrefixes(spec, w("2026-12-31T23:00:00Z", "2027-01-01T01:00:00Z"));
    expect(p.map((x) => x.prefix)).toEqual([
      "AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/12/31/",
      "AWSLogs/111122223333/vpcflowlogs/eu-west-1/2027/01/01/",
    ]);
    const hourly = partitionPrefixes(testTable({ perHour: true }), w("2026-11-30T22:30:00Z", "2026-12-01T01:00:00Z"));
    expect(hourly.map((x) => x.prefix.split("/").slice(-5, -1).join("/"))).toEqual([
      "2026/11/30/22",
      "2026/11/30/23",
      "2026/12/01/00",
    ]);
  });

  it("follows a single date column's own format (the table Cordon derived before year/month/day)", () => {
    const spec = deriveGlueTable({
      database: "d",
      table: "t",
      bucket: "b",
      layout: { fileFormat: "parquet", hiveCompatiblePartitions: true, perHourPartition: true },
      fields: ["srcaddr", "action"],
      accounts: ["111122223333"],
      regions: ["eu-west-1"],
      projectionStartDate: "2026-11-01",
    });
    const p = partitionPrefixes(spec, w("2026-12-05T23:00:00Z", "2026-12-06T01:00:00Z"));
    expect(p.map((x) => x.prefix)).toEqual([
      "AWSLogs/aws-account-id=111122223333/aws-service=vpcflowlogs/aws-region=eu-west-1/year=2026/month=12/day=05/hour=23/",
      "AWSLogs/aws-account-id=111122223333/aws-service=vpcflowlogs/aws-region=eu-west-1/year=2026/month=12/day=06/hour=00/",
    ]);
  });
});

describe("partitionPredicate", () => {
  it("selects the window's days, grouped by year and month", () => {
    const spec = testTable();
    expect(partitionPredicate(spec, w("2026-12-30T10:00:00Z", "2027-01-02T00:00:00Z"))).toBe(
      `(("year" = '2026' AND ("month" = '12' AND "day" IN ('30', '31'))) OR ("year" = '2027' AND ("month" = '01' AND "day" = '01')))`,
    );
  });

  it("per hour: whole days without an hour term, partial days with theirs", () => {
    const spec = testTable({ perHour: true });
    expect(partitionPredicate(spec, w("2026-12-05T22:00:00Z", "2026-12-07T01:00:00Z"))).toBe(
      `("year" = '2026' AND ("month" = '12' AND (("day" = '05' AND "hour" IN ('22', '23')) OR "day" = '06' OR ("day" = '07' AND "hour" = '00'))))`,
    );
    expect(partitionPredicate(spec, w("2026-12-05T10:00:00Z", "2026-12-05T11:00:00Z"))).toBe(
      `("year" = '2026' AND ("month" = '12' AND ("day" = '05' AND "hour" = '10')))`,
    );
  });

  it("restricts the enum columns only when the window does", () => {
    const spec = testTable({ accounts: ["111111111111", "222222222222"] });
    const one = partitionPredicate(
      spec,
      w("2026-12-05T00:00:00Z", "2026-12-06T00:00:00Z", { accounts: ["111111111111"] }),
    );
    expect(one).toMatch(/^"aws_account_id" = '111111111111' AND /);
    const none = partitionPredicate(spec, w("2026-12-05T00:00:00Z", "2026-12-06T00:00:00Z", { accounts: ["9"] }));
    expect(none).toMatch(/^1 = 0 AND /);
    expect(partitionPredicate(spec, w("2026-12-05T00:00:00Z", "2026-12-06T00:00:00Z"))).not.toMatch(/aws_account_id/);
  });

  it("selects exactly the partitions partitionPrefixes lists (checked by evaluating it)", () => {
    const spec = testTable({ perHour: true, hive: true });
    const window = w("2026-12-30T21:00:00Z", "2027-01-01T03:00:00Z");
    const wanted = new Set(partitionPrefixes(spec, window).map((p) => JSON.stringify(p.values)));
    const sql = partitionPredicate(spec, window) as string;
    // Evaluate the predicate over every hour of a wider range with a tiny interpreter of its grammar.
    const js = sql
      .replace(/"(\w+)" IN \(([^)]*)\)/g, (_, c, list) => `[${list}].includes(v.${c})`)
      .replace(/"(\w+)" = ('[^']*')/g, (_, c, lit) => `(v.${c} === ${lit})`)
      .replace(/ AND /g, " && ")
      .replace(/ OR /g, " || ");
    const test = new Function("v", `return ${js};`) as (v: Record<string, string>) => boolean;
    const wide = partitionPrefixes(spec, w("2026-12-29T00:00:00Z", "2027-01-03T00:00:00Z"));
    const selected = wide.filter((p) => test(p.values)).map((p) => JSON.stringify(p.values));
    expect(new Set(selected)).toEqual(wanted);
    expect(selected.length).toBe(30);
  });
});

describe("projection dates", () => {
  it("reads the start of the date projection in its own format", () => {
    expect(projectionStart(testTable())?.toISOString()).toBe("2026-01-01T00:00:00.000Z");
    expect(parseJavaDate("year=2026/month=11/day=01", "'year='yyyy'/month='MM'/day='dd")?.toISOString()).toBe(
      "2026-11-01T00:00:00.000Z",
    );
    expect(parseJavaDate("2026-11", "yyyy/MM")).toBeUndefined();
  });
});
