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

/** An independent reading of a Java DateTimeFormatter pattern (yyyy MM dd HH, 'quoted' literals). */
function javaFormat(pattern: string, at: Date): string {
  return pattern.replace(/'([^']*)'|yyyy|MM|dd|HH/g, (tok, lit: string | undefined) => {
    if (lit !== undefined) return lit;
    if (tok === "yyyy") return String(at.getUTCFullYear());
    if (tok === "MM") return pad2(at.getUTCMonth() + 1);
    if (tok === "dd") return pad2(at.getUTCDate());
    return pad2(at.getUTCHours());
  });
}

/**
 * What Athena's partition projection computes for one partition: every partition column gets a
 * value according to its projection type; the template is filled in. Asserts the values are
 * inside the projected ranges.
 */
function projectLocation(spec: GlueTableSpec, enumValues: Record<string, string>, at: Date): string {
  const p = spec.parameters;
  expect(p["projection.enabled"]).toBe("true");
  let location = p["storage.location.template"] as string;
  for (const key of spec.partitionKeys) {
    const type = p[`projection.${key.Name}.type`];
    let value: string;
    if (type === "enum") {
      value = enumValues[key.Name] as string;
      expect((p[`projection.${key.Name}.values`] as string).split(",")).toContain(value);
    } else if (type === "date") {
      const fmt = p[`projection.${key.Name}.format`] as string;
      value = javaFormat(fmt, at);
      const [start, end] = (p[`projection.${key.Name}.range`] as string).split(",");
      expect(end).toBe("NOW");
      expect(start).toBe(javaFormat(fmt, new Date(Date.UTC(2026, 0, 1))));
      expect(p[`projection.${key.Name}.interval.unit`]).toBe("DAYS");
    } else if (type === "integer") {
      const digits = Number(p[`projection.${key.Name}.digits`] ?? "1");
      value = String(at.getUTCHours()).padStart(digits, "0");
      const [lo, hi] = (p[`projection.${key.Name}.range`] as string).split(",").map(Number);
      expect(at.getUTCHours()).toBeGreaterThanOrEqual(lo as number);
      expect(at.getUTCHours()).toBeLessThanOrEqual(hi as number);
    } else {
      throw new Error(`unexpected projection type ${type} for ${key.Name}`);
    }
    expect(location).toContain(`\${${key.Name}}`);
    location = location.replace(`\${${key.Name}}`, value);
  }
  expect(location).not.toMatch(/\$\{/);
  return location;
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
                const expected = `s3://${flowLogKeyDir("logs-bucket", prefix, layout, account, region, at)}`;
                const projected = projectLocation(spec, { aws_account_id: account, aws_region: region }, at);
                expect(projected).toBe(expected);
                expect(projected.startsWith(spec.location)).toBe(true);
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
    expect(spec.parameters["projection.day.range"]).toBe("2026/03/15,NOW");
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
    expect(spec.partitionKeys.map((k) => k.Name)).toEqual(["aws_account_id", "aws_region", "partition_day", "hour"]);
    const at = new Date(Date.UTC(2026, 1, 3, 4));
    expect(projectLocation(spec, { aws_account_id: "111122223333", aws_region: "eu-west-1" }, at)).toBe(
      `s3://${flowLogKeyDir("b", "", layouts[1]!.layout, "111122223333", "eu-west-1", at)}`,
    );
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
      reason: "default layout: the day partition from yesterday, in the projection's format",
      layout: layouts[0]!.layout,
      today: "2026-03-01",
      filter: "day >= '2026/02/28'",
    },
    {
      reason: "Hive layout: the same filter in the Hive day format (crossing a year)",
      layout: layouts[3]!.layout,
      today: "2027-01-01",
      filter: "day >= 'year=2026/month=12/day=31'",
    },
  ];
  for (const c of cases) {
    it(c.reason, () => {
      const sql = rejectedFlowsQuery(spec(c.layout), c.today) as string;
      expect(sql).toContain("FROM network_logs.vpc_flow_logs");
      expect(sql).toContain("WHERE action = 'REJECT'");
      expect(sql).toContain(`AND ${c.filter}`);
      expect(sql).toMatch(/LIMIT 10;$/);
      expect(sql).toContain(', "end", ');
      expect(sql).not.toMatch(/[^"]end[^"]/);
    });
  }
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
        Parameters: { ...t.Parameters, "projection.day.type": "DATE", EXTERNAL: "true" },
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
      mutate: (t) => ({ ...t, Parameters: { ...t.Parameters, "projection.day.range": "2020/01/01,NOW" } }),
      paths: ["/parameters/projection.day.range"],
      replace: false,
    },
    {
      reason: "a projection parameter someone added is drift (it changes what Athena reads)",
      mutate: (t) => ({ ...t, Parameters: { ...t.Parameters, "projection.day.interval": "2" } }),
      paths: ["/parameters/projection.day.interval"],
      replace: false,
    },
    {
      reason: "changed partition keys force replacement",
      mutate: (t) => ({ ...t, PartitionKeys: t.PartitionKeys.slice(0, 3) }),
      paths: ["/partitionKeys"],
      replace: true,
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
