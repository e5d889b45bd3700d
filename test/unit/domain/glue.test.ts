import { describe, expect, it } from "vitest";
import { DEFAULT_FIELDS, FLOW_LOG_FIELDS } from "../../../src/domain/flowlog-fields.js";
import {
  deriveGlueTable,
  type FieldLookup,
  type FlowLogLayout,
  glueTableDiff,
  normalizeLiveTable,
  rejectedFlowsQuery,
  tableInputOf,
} from "../../../src/domain/glue.js";
import type { GlueTableSpec } from "../../../src/model/specs.js";
import { partitionPrefixes as queryPrefixes } from "../../../src/query/partitions.js";
import { legacyGlueTable } from "../../helpers/legacy-glue.js";
import { projectionRejects, templateRegex } from "../../helpers/projection.js";

/** The S3 URIs of the window's prefixes (src/query/partitions.ts, the one pruning the local engine uses). */
const partitionPrefixes = (...a: Parameters<typeof queryPrefixes>): string[] =>
  queryPrefixes(...a).map((p) => `s3://${p.bucket}/${p.prefix}`);

const pad2 = (n: number) => String(n).padStart(2, "0");

/** The S3 directory a flow log writes a record of `at` into (docs/aws-behaviour.md, "S3 destination and key layout"), written independently of src. */
function flowLogKeyDir(
  bucket: string,
  prefix: string,
  layout: FlowLogLayout,
  account: string,
  region: string,
  at: Date,
): string {
  const y = String(at.getUTCFullYear());
  const m = pad2(at.getUTCMonth() + 1);
  const d = pad2(at.getUTCDate());
  const h = pad2(at.getUTCHours());
  const base = `${bucket}/${prefix === "" ? "" : `${prefix}/`}AWSLogs/`;
  if (layout.hiveCompatiblePartitions) {
    return `${base}aws-account-id=${account}/aws-service=vpcflowlogs/aws-region=${region}/year=${y}/month=${m}/day=${d}/${layout.perHourPartition ? `hour=${h}/` : ""}`;
  }
  return `${base}${account}/vpcflowlogs/${region}/${y}/${m}/${d}/${layout.perHourPartition ? `${h}/` : ""}`;
}

/**
 * The partition values Athena's projection must generate to read the directory `dir`: the
 * template, as a regular expression, matches it, and every captured value is one its column's
 * projection generates. Returns the captured values by column.
 */
function projectedValues(spec: GlueTableSpec, dir: string, now: Date): Record<string, string> {
  expect(spec.parameters["projection.enabled"]).toBe("true");
  const template = spec.parameters["storage.location.template"] as string;
  for (const key of spec.partitionKeys) expect(template).toContain(`\${${key.Name}}`);
  expect(template.match(/\$\{/g)?.length).toBe(spec.partitionKeys.length);
  const m = templateRegex(spec).exec(dir);
  expect(m, `${template} does not match ${dir}`).not.toBeNull();
  expect(m?.[0]).toBe(dir);
  const values = { ...(m?.groups ?? {}) };
  for (const key of spec.partitionKeys) {
    expect(projectionRejects(spec, key.Name, values[key.Name] as string, now)).toBeNull();
  }
  return values;
}

const layouts: { name: string; layout: FlowLogLayout }[] = [
  {
    name: "default daily",
    layout: { fileFormat: "plain-text", hiveCompatiblePartitions: false, perHourPartition: false },
  },
  {
    name: "default per hour",
    layout: { fileFormat: "plain-text", hiveCompatiblePartitions: false, perHourPartition: true },
  },
  {
    name: "Hive daily (parquet)",
    layout: { fileFormat: "parquet", hiveCompatiblePartitions: true, perHourPartition: false },
  },
  {
    name: "Hive per hour (parquet)",
    layout: { fileFormat: "parquet", hiveCompatiblePartitions: true, perHourPartition: true },
  },
];
const prefixes = ["", "flow", "team/flow"];
const estates = [
  { name: "one account and region", accounts: ["111122223333"], regions: ["eu-west-1"] },
  {
    name: "many accounts and regions",
    accounts: ["444455556666", "111122223333"],
    regions: ["us-east-1", "eu-west-1"],
  },
];
/** "Now" for the projection (the instants below are before it). */
const NOW = new Date(Date.UTC(2028, 0, 1));
const instants = [
  new Date(Date.UTC(2026, 0, 1, 0, 5)),
  new Date(Date.UTC(2026, 4, 9, 7, 30)),
  new Date(Date.UTC(2027, 11, 31, 23, 55)),
];

describe("deriveGlueTable: the location template and projection reproduce the keys flow logs write", () => {
  for (const { name, layout } of layouts) {
    for (const prefix of prefixes) {
      for (const estate of estates) {
        it(`${name}, prefix "${prefix}", ${estate.name}`, () => {
          const spec = deriveGlueTable({
            database: "Network_Logs",
            table: "VPC_Flow_Logs",
            bucket: "logs-bucket",
            prefix,
            layout,
            fields: DEFAULT_FIELDS,
            accounts: estate.accounts,
            regions: estate.regions,
            projectionStartDate: "2026-01-01",
          });
          expect(spec.location).toBe(`s3://logs-bucket/${prefix === "" ? "" : `${prefix}/`}AWSLogs/`);
          for (const account of estate.accounts) {
            for (const region of estate.regions) {
              for (const at of instants) {
                const dir = `s3://${flowLogKeyDir("logs-bucket", prefix, layout, account, region, at)}`;
                expect(dir.startsWith(spec.location)).toBe(true);
                const values = projectedValues(spec, dir, NOW);
                expect(values).toEqual({
                  aws_account_id: account,
                  aws_region: region,
                  year: String(at.getUTCFullYear()),
                  month: pad2(at.getUTCMonth() + 1),
                  day: pad2(at.getUTCDate()),
                  ...(layout.perHourPartition ? { hour: pad2(at.getUTCHours()) } : {}),
                });
              }
            }
          }
        });
      }
    }
  }
});

describe("deriveGlueTable: columns, formats and parameters", () => {
  it("derives columns in the declared order, - becomes _, AWS's Athena types, end kept as a column name", () => {
    const spec = deriveGlueTable({
      database: "db",
      table: "t",
      bucket: "b",
      layout: layouts[0]!.layout,
      fields: ["end", "log-status", "protocol", "pkt-src-aws-service", "srcport"],
      accounts: ["111122223333"],
      regions: ["eu-west-1"],
      projectionStartDate: "2026-03-15",
    });
    expect(spec.columns).toEqual([
      { Name: "end", Type: "bigint" },
      { Name: "log_status", Type: "string" },
      { Name: "protocol", Type: "bigint" },
      { Name: "pkt_src_aws_service", Type: "string" },
      { Name: "srcport", Type: "int" },
    ]);
    expect(spec.parameters["projection.year.range"]).toBe("2026,NOW");
  });

  const cases = [
    {
      reason: "plain text: LazySimpleSerDe split on spaces, header line skipped",
      layout: layouts[0]!.layout,
      serde: "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
      input: "org.apache.hadoop.mapred.TextInputFormat",
      output: "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
      serdeParameters: { "field.delim": " ", "serialization.format": " " },
      skipHeader: "1",
    },
    {
      reason: "parquet: ParquetHiveSerDe, no header to skip",
      layout: layouts[2]!.layout,
      serde: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
      input: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
      output: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
      serdeParameters: { "serialization.format": "1" },
      skipHeader: undefined,
    },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      const spec = deriveGlueTable({
        database: "db",
        table: "t",
        bucket: "b",
        layout: c.layout,
        fields: DEFAULT_FIELDS,
        accounts: ["111122223333"],
        regions: ["eu-west-1"],
        projectionStartDate: "2026-01-01",
      });
      expect(spec.serializationLibrary).toBe(c.serde);
      expect(spec.inputFormat).toBe(c.input);
      expect(spec.outputFormat).toBe(c.output);
      expect(spec.serdeParameters).toEqual(c.serdeParameters);
      expect(spec.parameters["skip.header.line.count"]).toBe(c.skipHeader);
      expect(spec.parameters["EXTERNAL"]).toBe("TRUE");
      expect(spec.tableType).toBe("EXTERNAL_TABLE");
    });
  }

  it("never lets a partition column clash with a data column, for every catalogue field", () => {
    const all = FLOW_LOG_FIELDS.map((f) => f.name);
    for (const layout of layouts) {
      const spec = deriveGlueTable({
        database: "db",
        table: "t",
        bucket: "b",
        layout: layout.layout,
        fields: all,
        accounts: ["111122223333"],
        regions: ["eu-west-1"],
        projectionStartDate: "2026-01-01",
      });
      const data = new Set(spec.columns.map((c) => c.Name));
      expect(data.has("region")).toBe(true);
      for (const k of spec.partitionKeys) expect(data.has(k.Name)).toBe(false);
    }
  });

  it("renames a partition column that would clash (a catalogue with a `day` column) and keeps the template consistent", () => {
    const lookup: FieldLookup = (f) => ({ column: f.replaceAll("-", "_"), type: "string" });
    const spec = deriveGlueTable({
      database: "db",
      table: "t",
      bucket: "b",
      layout: layouts[1]!.layout,
      fields: ["day", "action"],
      accounts: ["111122223333"],
      regions: ["eu-west-1"],
      projectionStartDate: "2026-01-01",
      lookupField: lookup,
    });
    expect(spec.partitionKeys.map((k) => k.Name)).toEqual([
      "aws_account_id",
      "aws_region",
      "year",
      "month",
      "partition_day",
      "hour",
    ]);
    const at = new Date(Date.UTC(2026, 1, 3, 4));
    const dir = `s3://${flowLogKeyDir("b", "", layouts[1]!.layout, "111122223333", "eu-west-1", at)}`;
    expect(projectedValues(spec, dir, NOW)).toMatchObject({ partition_day: "03", hour: "04" });
    expect(spec.parameters["projection.partition_day.range"]).toBe("1,31");
    expect(spec.parameters["projection.day.range"]).toBeUndefined();
  });

  it("rejects an unknown field and an impossible start date", () => {
    const base = {
      database: "db",
      table: "t",
      bucket: "b",
      layout: layouts[0]!.layout,
      accounts: ["1"],
      regions: ["r"],
    };
    expect(() => deriveGlueTable({ ...base, fields: ["nope"], projectionStartDate: "2026-01-01" })).toThrow(/nope/);
    expect(() => deriveGlueTable({ ...base, fields: ["action"], projectionStartDate: "2026-02-30" })).toThrow(
      /2026-02-30/,
    );
  });
});

describe("deriveGlueTable: the partition keys and their projection, for each layout", () => {
  const exact = (hive: boolean, perHour: boolean) => {
    const root = "s3://b/flow/AWSLogs/";
    const time = hive
      ? `year=\${year}/month=\${month}/day=\${day}/${perHour ? `hour=\${hour}/` : ""}`
      : `\${year}/\${month}/\${day}/${perHour ? `\${hour}/` : ""}`;
    return {
      partitionKeys: ["aws_account_id", "aws_region", "year", "month", "day", ...(perHour ? ["hour"] : [])].map(
        (Name) => ({ Name, Type: "string" }),
      ),
      projection: {
        "projection.enabled": "true",
        "projection.aws_account_id.type": "enum",
        "projection.aws_account_id.values": "111122223333,444455556666",
        "projection.aws_region.type": "enum",
        "projection.aws_region.values": "eu-west-1,us-east-1",
        "projection.year.type": "date",
        "projection.year.format": "yyyy",
        "projection.year.range": "2025,NOW",
        "projection.year.interval": "1",
        "projection.year.interval.unit": "YEARS",
        "projection.month.type": "integer",
        "projection.month.range": "1,12",
        "projection.month.digits": "2",
        "projection.day.type": "integer",
        "projection.day.range": "1,31",
        "projection.day.digits": "2",
        ...(perHour
          ? { "projection.hour.type": "integer", "projection.hour.range": "0,23", "projection.hour.digits": "2" }
          : {}),
        "storage.location.template": hive
          ? `${root}aws-account-id=\${aws_account_id}/aws-service=vpcflowlogs/aws-region=\${aws_region}/${time}`
          : `${root}\${aws_account_id}/vpcflowlogs/\${aws_region}/${time}`,
      },
    };
  };
  for (const hive of [false, true]) {
    for (const perHour of [false, true]) {
      it(`${hive ? "Hive-compatible" : "default"} layout, ${perHour ? "per hour" : "daily"}`, () => {
        const spec = deriveGlueTable({
          database: "db",
          table: "t",
          bucket: "b",
          prefix: "flow",
          layout: { fileFormat: "plain-text", hiveCompatiblePartitions: hive, perHourPartition: perHour },
          fields: DEFAULT_FIELDS,
          accounts: ["444455556666", "111122223333", "444455556666"],
          regions: ["us-east-1", "eu-west-1"],
          projectionStartDate: "2025-06-30",
        });
        const want = exact(hive, perHour);
        expect(spec.partitionKeys).toEqual(want.partitionKeys);
        const projection = Object.fromEntries(
          Object.entries(spec.parameters).filter(([k]) => k.startsWith("projection.") || k.startsWith("storage.")),
        );
        expect(projection).toEqual(want.projection);
        expect(Object.keys(spec.parameters).sort()).toEqual(
          [...Object.keys(want.projection), "EXTERNAL", "skip.header.line.count"].sort(),
        );
      });
    }
  }
});

describe("glueTableDiff: a table an older Cordon made (one `day` partition key) is updated in place", () => {
  for (const { name, layout } of layouts) {
    it(name, () => {
      const input = {
        database: "network_logs",
        table: "vpc_flow_logs",
        bucket: "b",
        layout,
        fields: DEFAULT_FIELDS,
        accounts: ["111122223333"],
        regions: ["eu-west-1"],
        projectionStartDate: "2026-11-01",
      };
      const desired = deriveGlueTable(input);
      const old = legacyGlueTable(input);
      const result = glueTableDiff(desired, normalizeLiveTable({ ...tableInputOf(old), DatabaseName: "network_logs" }));
      expect(result.replace).toBe(false);
      expect(result.fields[0]).toEqual({
        path: "/partitionKeys",
        before: old.partitionKeys,
        after: desired.partitionKeys,
      });
      expect(result.fields.every((f) => f.forcesReplacement !== true)).toBe(true);
      const paths = result.fields.map((f) => f.path);
      expect(paths).toContain("/parameters/storage.location.template");
      expect(paths).toContain("/parameters/projection.day.type");
      expect(paths).toContain("/parameters/projection.year.type");
      const oldKeys = `aws_account_id, aws_region, day${layout.perHourPartition ? ", hour" : ""}`;
      const newKeys = `aws_account_id, aws_region, year, month, day${layout.perHourPartition ? ", hour" : ""}`;
      expect(result.notes).toEqual([
        `partition keys (${oldKeys}) become (${newKeys}): UpdateTable replaces the table's definition in place, ` +
          "so the table stays queryable and no data moves; queries that filter the old column day must change",
      ]);
    });
  }

  it("names every old column whose projection changed, and none when only new keys are added", () => {
    const input = {
      database: "db",
      table: "t",
      bucket: "b",
      layout: layouts[0]!.layout,
      fields: DEFAULT_FIELDS,
      accounts: ["111122223333"],
      regions: ["eu-west-1"],
      projectionStartDate: "2026-11-01",
    };
    const desired = deriveGlueTable(input);
    const fewer = {
      ...desired,
      partitionKeys: desired.partitionKeys.slice(0, 4),
      parameters: { ...desired.parameters, "projection.aws_region.values": "eu-west-1,us-east-1" },
    };
    expect(glueTableDiff(desired, fewer).notes?.[0]).toMatch(
      /no data moves; queries that filter the old column aws_region must change$/,
    );
    const none = { ...desired, partitionKeys: desired.partitionKeys.slice(0, 4) };
    expect(glueTableDiff(desired, none).notes?.[0]).toMatch(
      /become \(aws_account_id, aws_region, year, month, day\): .* no data moves$/,
    );
    expect(glueTableDiff(desired, desired).notes).toBeUndefined();
  });
});

describe("partitionPrefixes: the S3 prefixes of a time window, from the table's template", () => {
  const table = (layout: FlowLogLayout) =>
    deriveGlueTable({
      database: "db",
      table: "t",
      bucket: "b",
      prefix: "flow",
      layout,
      fields: DEFAULT_FIELDS,
      accounts: ["444455556666", "111122223333"],
      regions: ["eu-west-1", "us-east-1"],
      projectionStartDate: "2026-01-01",
    });
  const window = { from: new Date("2026-12-31T22:30:00Z"), until: new Date("2027-01-01T00:15:00Z") };

  it("per hour, Hive layout: each hour the window touches, for the accounts and regions asked", () => {
    expect(
      partitionPrefixes(table(layouts[3]!.layout), { ...window, accounts: ["111122223333"], regions: ["eu-west-1"] }),
    ).toEqual(
      ["2026/12/31/22", "2026/12/31/23", "2027/01/01/00"].map((t) => {
        const [y, m, d, h] = t.split("/");
        return `s3://b/flow/AWSLogs/aws-account-id=111122223333/aws-service=vpcflowlogs/aws-region=eu-west-1/year=${y}/month=${m}/day=${d}/hour=${h}/`;
      }),
    );
  });

  it("daily, default layout: each day, for every projected account and region when none is asked", () => {
    const got = partitionPrefixes(table(layouts[0]!.layout), window);
    expect(got).toHaveLength(2 * 2 * 2);
    expect(got).toContain("s3://b/flow/AWSLogs/444455556666/vpcflowlogs/us-east-1/2027/01/01/");
    expect(got).toContain("s3://b/flow/AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/12/31/");
    expect(got.every((p) => !p.includes("${"))).toBe(true);
  });

  it("an empty window has no prefixes; a window on an hour boundary does not reach into the next hour", () => {
    const t = new Date("2026-05-01T10:00:00Z");
    expect(partitionPrefixes(table(layouts[1]!.layout), { from: t, until: t })).toEqual([]);
    const hour = partitionPrefixes(table(layouts[1]!.layout), {
      from: t,
      until: new Date("2026-05-01T11:00:00Z"),
      accounts: ["111122223333"],
      regions: ["eu-west-1"],
    });
    expect(hour).toEqual(["s3://b/flow/AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/05/01/10/"]);
  });
});

describe("rejectedFlowsQuery", () => {
  const spec = (layout: FlowLogLayout, fields = DEFAULT_FIELDS) =>
    deriveGlueTable({
      database: "network_logs",
      table: "vpc_flow_logs",
      bucket: "b",
      layout,
      fields,
      accounts: ["111122223333"],
      regions: ["eu-west-1"],
      projectionStartDate: "2026-01-01",
    });
  const cases = [
    {
      reason: "default layout: yesterday's and today's year, month and day partitions",
      layout: layouts[0]!.layout,
      today: "2026-03-01",
      filter: "((year = '2026' AND month = '02' AND day = '28') OR (year = '2026' AND month = '03' AND day = '01'))",
    },
    {
      reason: "Hive layout per hour: the same columns and the same filter (crossing a year)",
      layout: layouts[3]!.layout,
      today: "2027-01-01",
      filter: "((year = '2026' AND month = '12' AND day = '31') OR (year = '2027' AND month = '01' AND day = '01'))",
    },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      const sql = rejectedFlowsQuery(spec(c.layout), c.today) as string;
      expect(sql).toContain("FROM network_logs.vpc_flow_logs");
      expect(sql).toContain("WHERE action = 'REJECT'");
      expect(sql).toContain(`\n  AND ${c.filter}\n`);
      expect(sql).toMatch(/^SELECT aws_account_id, aws_region, year, month, day, /);
      expect(sql).toMatch(/LIMIT 10;$/);
      expect(sql).toContain(', "end", ');
      expect(sql).not.toMatch(/[^"]end[^"]/);
    });
  }

  it("runs in DuckDB and returns exactly yesterday's and today's rejected rows", async () => {
    const table = spec(layouts[3]!.layout);
    const sql = rejectedFlowsQuery(table, "2027-01-01") as string;
    const { DuckDBInstance } = await import("@duckdb/node-api");
    const db = await DuckDBInstance.create(":memory:");
    const c = await db.connect();
    try {
      const columns = [...table.partitionKeys, ...table.columns]
        .map((k) => `"${k.Name}" ${k.Type === "string" ? "VARCHAR" : k.Type === "int" ? "INTEGER" : "BIGINT"}`)
        .join(", ");
      await c.run(`CREATE SCHEMA network_logs; CREATE TABLE network_logs.vpc_flow_logs (${columns})`);
      const rows: [string, string, string, string][] = [
        ["2026", "12", "30", "REJECT"], // two days ago
        ["2026", "12", "31", "REJECT"], // yesterday
        ["2026", "12", "31", "ACCEPT"],
        ["2027", "01", "01", "REJECT"], // today
        ["2027", "12", "31", "REJECT"], // the same day and month, another year
        ["2026", "01", "01", "REJECT"],
      ];
      for (const [i, [y, m, d, action]] of rows.entries()) {
        const values = [...table.partitionKeys, ...table.columns].map((k) => {
          const v: Record<string, string> = { year: y, month: m, day: d, action, hour: "00" };
          if (k.Name in v) return `'${v[k.Name]}'`;
          return k.Type === "string" ? `'x'` : String(i);
        });
        await c.run(`INSERT INTO network_logs.vpc_flow_logs VALUES (${values.join(", ")})`);
      }
      const got = (await c.runAndReadAll(sql.replace(/;$/, ""))).getRowObjects();
      expect(got.map((r) => `${r["year"]}-${r["month"]}-${r["day"]} ${r["action"]}`).sort()).toEqual([
        "2026-12-31 REJECT",
        "2027-01-01 REJECT",
      ]);
    } finally {
      c.closeSync();
    }
  });

  it("is null when the table has no action column", () => {
    expect(rejectedFlowsQuery(spec(layouts[0]!.layout, ["srcaddr", "dstaddr"]), "2026-03-01")).toBeNull();
  });
});

describe("normalizeLiveTable and glueTableDiff: no false drift", () => {
  const desired = deriveGlueTable({
    database: "network_logs",
    table: "vpc_flow_logs",
    bucket: "b",
    prefix: "flow",
    layout: layouts[1]!.layout,
    fields: DEFAULT_FIELDS,
    accounts: ["111122223333"],
    regions: ["eu-west-1"],
    projectionStartDate: "2026-01-01",
  });
  const input = tableInputOf(desired);
  const live = {
    ...input,
    DatabaseName: "network_logs",
    CreateTime: 1714566896,
    Parameters: {
      ...input.Parameters,
      transient_lastDdlTime: "1714566896",
      classification: "csv",
      has_encrypted_data: "false",
      CrawlerSchemaDeserializerVersion: "1.0",
      numRows: "-1",
    },
  };

  it("round-trips through TableInput with AWS-added parameters ignored", () => {
    const n = normalizeLiveTable(live);
    expect(n).toEqual(desired);
    expect(glueTableDiff(desired, n)).toEqual({ fields: [], replace: false });
  });

  const drift: {
    reason: string;
    mutate: (t: typeof live) => unknown;
    paths: string[];
    replace: boolean;
  }[] = [
    {
      reason: "Glue folds names and types to lower case; a column comment is not Cordon's",
      mutate: (t) => ({
        ...t,
        Name: "VPC_Flow_Logs",
        StorageDescriptor: {
          ...t.StorageDescriptor,
          Columns: t.StorageDescriptor.Columns.map((c) => ({ ...c, Name: c.Name.toUpperCase(), Comment: "x" })),
        },
      }),
      paths: [],
      replace: false,
    },
    {
      reason: "location without trailing slash, projection type in another case",
      mutate: (t) => ({
        ...t,
        StorageDescriptor: { ...t.StorageDescriptor, Location: "s3://b/flow/AWSLogs" },
        Parameters: { ...t.Parameters, "projection.year.type": "DATE", EXTERNAL: "true" },
      }),
      paths: [],
      replace: false,
    },
    {
      reason: "a dropped column is drift, updated in place",
      mutate: (t) => ({
        ...t,
        StorageDescriptor: { ...t.StorageDescriptor, Columns: t.StorageDescriptor.Columns.slice(1) },
      }),
      paths: ["/columns"],
      replace: false,
    },
    {
      reason: "a changed projection range is drift on that parameter only",
      mutate: (t) => ({ ...t, Parameters: { ...t.Parameters, "projection.year.range": "2020,NOW" } }),
      paths: ["/parameters/projection.year.range"],
      replace: false,
    },
    {
      reason: "a projection parameter someone added is drift (it changes what Athena reads)",
      mutate: (t) => ({ ...t, Parameters: { ...t.Parameters, "projection.day.interval": "2" } }),
      paths: ["/parameters/projection.day.interval"],
      replace: false,
    },
    {
      reason: "changed partition keys are an update in place (UpdateTable replaces the definition), listed first",
      mutate: (t) => ({
        ...t,
        PartitionKeys: t.PartitionKeys.slice(0, 5),
        Parameters: { ...t.Parameters, "projection.month.digits": "1" },
      }),
      paths: ["/partitionKeys", "/parameters/projection.month.digits"],
      replace: false,
    },
    {
      reason: "a changed table type is an update in place too: the table is never replaced",
      mutate: (t) => ({ ...t, TableType: "VIRTUAL_VIEW" }),
      paths: ["/tableType"],
      replace: false,
    },
  ];
  for (const d of drift) {
    it(d.reason, () => {
      const result = glueTableDiff(
        desired,
        normalizeLiveTable(d.mutate(live) as Parameters<typeof normalizeLiveTable>[0]),
      );
      expect(result.fields.map((f) => f.path)).toEqual(d.paths);
      expect(result.replace).toBe(d.replace);
    });
  }
});
