// The Glue table Cordon keeps over the flow logs, derived from the declared fields and the S3
// layout, and the normalisation of a live GetTable answer to the same shape. Pure; no SDK.
//
// Partitioning (partition projection, docs/aws-behaviour.md, "Partition projection"), for every layout:
//   table LOCATION        s3://BUCKET[/PREFIX]/AWSLogs/
//   aws_account_id        enum of every account writing there
//   aws_region            enum of every region writing there
//   day                   date, one per day, in the exact text of the key segment(s):
//                           default layout  yyyy/MM/dd
//                           Hive layout     'year='yyyy'/month='MM'/day='dd
//   hour (per-hour only)  integer 0..23, two digits
//   storage.location.template = LOCATION + the layout's segments with ${column} placeholders.
// Keeping the account and region as partitions for one account too means adding an account or a
// region later changes only projection parameters, never the partition keys.

import type { DiffResult } from "../model/change.js";
import type { GlueColumn, GlueTableSpec } from "../model/specs.js";
import { diffWithReplacement } from "./diff.js";
import { athenaColumnName, DEFAULT_FIELDS, flowLogField, PARTITION_COLUMN } from "./flowlog-fields.js";

/** What the flow-log field catalogue says about one field. */
export interface FieldInfo {
  /** Athena/Glue column name (`-` → `_`). */
  readonly column: string;
  /** Glue column type, lower-case Hive name (int, bigint, string). */
  readonly type: string;
}

/** Looks a flow-log field name ("log-status") up in the catalogue; undefined = unknown field. */
export type FieldLookup = (field: string) => FieldInfo | undefined;

/** The lookup over Cordon's flow-log field catalogue (src/domain/flowlog-fields.ts). */
export const catalogueLookup: FieldLookup = (name) => {
  const f = flowLogField(name);
  return f === undefined ? undefined : { column: f.column, type: f.athenaType };
};

export interface FlowLogLayout {
  readonly fileFormat: "plain-text" | "parquet";
  readonly hiveCompatiblePartitions: boolean;
  readonly perHourPartition: boolean;
}

export interface GlueTableInput {
  readonly database: string;
  readonly table: string;
  readonly bucket: string;
  /** Key prefix without leading/trailing slash; "" or undefined = none. */
  readonly prefix?: string | undefined;
  readonly layout: FlowLogLayout;
  /** The flow log's fields, in LogFormat order. */
  readonly fields: readonly string[];
  /** Every account and region whose flow logs write under this location. */
  readonly accounts: readonly string[];
  readonly regions: readonly string[];
  /** YYYY-MM-DD: first day of the projection range (the end is always NOW). */
  readonly projectionStartDate: string;
  /** Default: the catalogue (catalogueLookup). */
  readonly lookupField?: FieldLookup;
}

export const TEXT_FORMAT = {
  serializationLibrary: "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
  inputFormat: "org.apache.hadoop.mapred.TextInputFormat",
  outputFormat: "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
  serdeParameters: { "field.delim": " ", "serialization.format": " " },
} as const;

export const PARQUET_FORMAT = {
  serializationLibrary: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
  inputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
  outputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
  serdeParameters: { "serialization.format": "1" },
} as const;

/** The table parameters Cordon manages; anything else (added by AWS, Athena, crawlers) is ignored. */
export const isManagedTableParameter = (key: string): boolean =>
  key === "EXTERNAL" ||
  key === "skip.header.line.count" ||
  key === "storage.location.template" ||
  key.startsWith("projection.");

/** Java DateTimeFormatter pattern of the day partition for a layout. */
export const dayFormat = (hive: boolean): string => (hive ? "'year='yyyy'/month='MM'/day='dd" : "yyyy/MM/dd");

/** Formats a UTC date with the (tiny) subset of Java patterns dayFormat uses: yyyy MM dd HH and 'literals'. */
export function formatJavaDate(date: Date, pattern: string): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  let out = "";
  for (let i = 0; i < pattern.length; ) {
    const ch = pattern[i] as string;
    if (ch === "'") {
      const end = pattern.indexOf("'", i + 1);
      out += pattern.slice(i + 1, end);
      i = end + 1;
      continue;
    }
    const run = /^(yyyy|MM|dd|HH)/.exec(pattern.slice(i))?.[1];
    if (run === "yyyy") out += String(date.getUTCFullYear()).padStart(4, "0");
    else if (run === "MM") out += pad(date.getUTCMonth() + 1);
    else if (run === "dd") out += pad(date.getUTCDate());
    else if (run === "HH") out += pad(date.getUTCHours());
    else {
      out += ch;
      i += 1;
      continue;
    }
    i += run.length;
  }
  return out;
}

/** Parses YYYY-MM-DD as a UTC date; throws on anything else. */
export function parseIsoDay(day: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  const d = m === null ? new Date(Number.NaN) : new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== day) {
    throw new RangeError(`not a calendar date (YYYY-MM-DD): ${day}`);
  }
  return d;
}

export interface PartitionNames {
  readonly account: string;
  readonly region: string;
  readonly day: string;
  /** null for daily layouts. */
  readonly hour: string | null;
}

/** Partition column names that never clash with a data column ("partition_" is prefixed until unique). */
export function partitionNames(dataColumns: readonly string[], perHour: boolean): PartitionNames {
  const taken = new Set(dataColumns.map((c) => c.toLowerCase()));
  const pick = (name: string) => {
    let n = name;
    while (taken.has(n)) n = `partition_${n}`;
    taken.add(n);
    return n;
  };
  const account = pick(PARTITION_COLUMN.accountId);
  const region = pick(PARTITION_COLUMN.region);
  const day = pick(PARTITION_COLUMN.day);
  return { account, region, day, hour: perHour ? pick(PARTITION_COLUMN.hour) : null };
}

export const s3Root = (bucket: string, prefix?: string): string => {
  const p = (prefix ?? "").split("/").filter((s) => s !== "");
  return `s3://${[bucket, ...p].join("/")}/AWSLogs/`;
};

/** The location template: exactly the key layout the flow logs write (docs/aws-behaviour.md, "S3 destination and key layout"). */
export function locationTemplate(root: string, layout: FlowLogLayout, names: PartitionNames): string {
  const hourSeg =
    names.hour === null ? "" : layout.hiveCompatiblePartitions ? `hour=\${${names.hour}}/` : `\${${names.hour}}/`;
  return layout.hiveCompatiblePartitions
    ? `${root}aws-account-id=\${${names.account}}/aws-service=vpcflowlogs/aws-region=\${${names.region}}/\${${names.day}}/${hourSeg}`
    : `${root}\${${names.account}}/vpcflowlogs/\${${names.region}}/\${${names.day}}/${hourSeg}`;
}

/** Glue columns for the declared fields, in order. Throws when a field is not in the catalogue. */
export function columnsFor(fields: readonly string[], lookupField: FieldLookup): GlueColumn[] {
  return fields.map((f) => {
    const info = lookupField(f);
    if (info === undefined) throw new RangeError(`unknown flow-log field "${f}"`);
    return { Name: info.column, Type: info.type };
  });
}

/** The GlueTableSpec for a flow-log location (see the module comment for the partitioning). */
export function deriveGlueTable(input: GlueTableInput): GlueTableSpec {
  const columns = columnsFor(input.fields, input.lookupField ?? catalogueLookup);
  const names = partitionNames(
    columns.map((c) => c.Name),
    input.layout.perHourPartition,
  );
  const hive = input.layout.hiveCompatiblePartitions;
  const root = s3Root(input.bucket, input.prefix);
  const format = input.layout.fileFormat === "parquet" ? PARQUET_FORMAT : TEXT_FORMAT;
  const sortedUnique = (xs: readonly string[]) => [...new Set(xs)].sort().join(",");
  const start = formatJavaDate(parseIsoDay(input.projectionStartDate), dayFormat(hive));
  const parameters: Record<string, string> = {
    EXTERNAL: "TRUE",
    "projection.enabled": "true",
    [`projection.${names.account}.type`]: "enum",
    [`projection.${names.account}.values`]: sortedUnique(input.accounts),
    [`projection.${names.region}.type`]: "enum",
    [`projection.${names.region}.values`]: sortedUnique(input.regions),
    [`projection.${names.day}.type`]: "date",
    [`projection.${names.day}.format`]: dayFormat(hive),
    [`projection.${names.day}.range`]: `${start},NOW`,
    [`projection.${names.day}.interval`]: "1",
    [`projection.${names.day}.interval.unit`]: "DAYS",
    "storage.location.template": locationTemplate(root, input.layout, names),
  };
  if (names.hour !== null) {
    parameters[`projection.${names.hour}.type`] = "integer";
    parameters[`projection.${names.hour}.range`] = "0,23";
    parameters[`projection.${names.hour}.digits`] = "2";
  }
  if (input.layout.fileFormat === "plain-text") parameters["skip.header.line.count"] = "1";
  const partitionKeys: GlueColumn[] = [
    { Name: names.account, Type: "string" },
    { Name: names.region, Type: "string" },
    { Name: names.day, Type: "string" },
    ...(names.hour === null ? [] : [{ Name: names.hour, Type: "string" }]),
  ];
  return {
    database: input.database.toLowerCase(),
    name: input.table.toLowerCase(),
    tableType: "EXTERNAL_TABLE",
    columns,
    partitionKeys,
    location: root,
    inputFormat: format.inputFormat,
    outputFormat: format.outputFormat,
    serializationLibrary: format.serializationLibrary,
    serdeParameters: { ...format.serdeParameters },
    parameters: normalizeParameters(parameters),
  };
}

const SQL_RESERVED = new Set(
  "alter and as between by case cast constraint create cross cube current_date current_path current_role current_time current_timestamp current_user deallocate delete describe distinct drop else end escape except execute exists extract false for from full group grouping having in inner insert intersect into is join left like listagg localtime localtimestamp natural normalize not null on or order outer prepare recursive right rollup select skip table then trim true uescape union unnest using values when where with".split(
    " ",
  ),
);

/** An identifier as Athena (Trino) needs it in a query: double-quoted when reserved (`end`) or unusual. */
export const sqlIdentifier = (name: string): string =>
  /^[a-z_][a-z0-9_]*$/.test(name) && !SQL_RESERVED.has(name) ? name : `"${name.replace(/"/g, '""')}"`;

/** The columns the query shows: the default record's fields without its bookkeeping (version, log-status). */
const QUERY_COLUMNS: readonly string[] = DEFAULT_FIELDS.filter((f) => f !== "version" && f !== "log-status").map(
  athenaColumnName,
);

/**
 * The query answering "what was rejected over the last day": rows with action REJECT from the
 * day partitions of yesterday and today (UTC, relative to `today`), at most 10. Null when the
 * table has no `action` column.
 */
export function rejectedFlowsQuery(spec: GlueTableSpec, today: string): string | null {
  const dataColumns = spec.columns.map((c) => c.Name);
  if (!dataColumns.includes("action")) return null;
  const dayKey = spec.partitionKeys.find((k) => spec.parameters[`projection.${k.Name}.type`] === "date");
  const dayFmt = dayKey === undefined ? undefined : spec.parameters[`projection.${dayKey.Name}.format`];
  const shown = QUERY_COLUMNS.filter((c) => dataColumns.includes(c));
  const partitions = spec.partitionKeys.filter((k) => k !== dayKey).map((k) => k.Name);
  const select = [...partitions, ...(dayKey ? [dayKey.Name] : []), ...shown].map(sqlIdentifier).join(", ");
  const where = ["action = 'REJECT'"];
  if (dayKey !== undefined && dayFmt !== undefined) {
    const yesterday = new Date(parseIsoDay(today).getTime() - 86_400_000);
    where.push(`${sqlIdentifier(dayKey.Name)} >= '${formatJavaDate(yesterday, dayFmt)}'`);
  }
  return `SELECT ${select}\nFROM ${sqlIdentifier(spec.database)}.${sqlIdentifier(spec.name)}\nWHERE ${where.join("\n  AND ")}\nLIMIT 10;`;
}

/** The subset of the SDK's Glue `Table` (GetTable output) this module reads. */
export interface LiveGlueTable {
  readonly Name?: string | undefined;
  readonly DatabaseName?: string | undefined;
  readonly TableType?: string | undefined;
  readonly Parameters?: Readonly<Record<string, string>> | undefined;
  readonly PartitionKeys?: readonly LiveGlueColumn[] | undefined;
  readonly StorageDescriptor?:
    | {
        readonly Columns?: readonly LiveGlueColumn[] | undefined;
        readonly Location?: string | undefined;
        readonly InputFormat?: string | undefined;
        readonly OutputFormat?: string | undefined;
        readonly SerdeInfo?:
          | {
              readonly SerializationLibrary?: string | undefined;
              readonly Parameters?: Readonly<Record<string, string>> | undefined;
            }
          | undefined;
      }
    | undefined;
}

export interface LiveGlueColumn {
  readonly Name?: string | undefined;
  readonly Type?: string | undefined;
}

const CASE_INSENSITIVE_VALUE = /^projection\.(enabled|[^.]+\.type|[^.]+\.interval\.unit)$/;

/**
 * Managed parameters only, keys sorted; values whose case does not matter to Athena
 * (EXTERNAL, projection.enabled, projection.*.type, *.interval.unit) in one case.
 */
export function normalizeParameters(params: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(params ?? {}).sort()) {
    if (!isManagedTableParameter(key)) continue;
    const value = (params as Record<string, string>)[key] as string;
    if (key === "EXTERNAL") out[key] = value.trim().toUpperCase();
    else if (key.endsWith(".interval.unit")) out[key] = value.trim().toUpperCase();
    else if (CASE_INSENSITIVE_VALUE.test(key)) out[key] = value.trim().toLowerCase();
    else out[key] = value;
  }
  return out;
}

const normalizeColumns = (cols: readonly LiveGlueColumn[] | undefined): GlueColumn[] =>
  (cols ?? []).map((c) => ({ Name: (c.Name ?? "").toLowerCase(), Type: (c.Type ?? "").trim().toLowerCase() }));

const withTrailingSlash = (uri: string): string => (uri === "" || uri.endsWith("/") ? uri : `${uri}/`);

const sortedRecord = (r: Readonly<Record<string, string>> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(r ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/**
 * A live table as a GlueTableSpec: names and types lower-cased (Glue folds them), column
 * comments dropped, the location with a trailing slash, and only Cordon's managed table
 * parameters kept (transient_lastDdlTime, classification, CrawlerSchema*, numRows… are ignored).
 */
export function normalizeLiveTable(table: LiveGlueTable): GlueTableSpec {
  const sd = table.StorageDescriptor ?? {};
  return {
    database: (table.DatabaseName ?? "").toLowerCase(),
    name: (table.Name ?? "").toLowerCase(),
    tableType: table.TableType ?? "",
    columns: normalizeColumns(sd.Columns),
    partitionKeys: normalizeColumns(table.PartitionKeys),
    location: withTrailingSlash(sd.Location ?? ""),
    inputFormat: sd.InputFormat ?? "",
    outputFormat: sd.OutputFormat ?? "",
    serializationLibrary: sd.SerdeInfo?.SerializationLibrary ?? "",
    serdeParameters: sortedRecord(sd.SerdeInfo?.Parameters),
    parameters: normalizeParameters(table.Parameters),
  };
}

/** The TableInput for CreateTable / UpdateTable (UpdateTable replaces the whole definition). */
export function tableInputOf(spec: GlueTableSpec): {
  Name: string;
  TableType: string;
  Parameters: Record<string, string>;
  PartitionKeys: GlueColumn[];
  StorageDescriptor: {
    Columns: GlueColumn[];
    Location: string;
    InputFormat: string;
    OutputFormat: string;
    SerdeInfo: { SerializationLibrary: string; Parameters: Record<string, string> };
  };
} {
  return {
    Name: spec.name,
    TableType: spec.tableType,
    Parameters: { ...spec.parameters },
    PartitionKeys: spec.partitionKeys.map((c) => ({ ...c })),
    StorageDescriptor: {
      Columns: spec.columns.map((c) => ({ ...c })),
      Location: spec.location,
      InputFormat: spec.inputFormat,
      OutputFormat: spec.outputFormat,
      SerdeInfo: { SerializationLibrary: spec.serializationLibrary, Parameters: { ...spec.serdeParameters } },
    },
  };
}

/**
 * Glue table diff. Partition keys (and the identity fields) force replacement — UpdateTable's
 * behaviour on partition-key changes is unconfirmed, delete + create is predictable and the
 * table holds no data; everything else is an UpdateTable. Parameters diff per key.
 */
export function glueTableDiff(desired: GlueTableSpec, live: GlueTableSpec): DiffResult {
  const norm = (s: GlueTableSpec): GlueTableSpec => ({ ...s, parameters: normalizeParameters(s.parameters) });
  return diffWithReplacement(norm(desired), norm(live), (field) =>
    ["partitionKeys", "database", "name", "tableType"].includes(field),
  );
}
