// The Glue table Cordon keeps over the flow logs, derived from the declared fields and the S3
// layout, and the normalisation of a live GetTable answer to the same shape. Pure; no SDK.
//
// Partitioning (partition projection, docs/aws-behaviour.md, "Partition projection"; the table as
// people query it: docs/athena-table.md), the same partition keys for every layout, all strings:
//   table LOCATION        s3://BUCKET[/PREFIX]/AWSLogs/
//   aws_account_id        enum of every account writing there
//   aws_region            enum of every region writing there
//   year                  date, format yyyy, from the year of projectionStartDate to NOW, 1 YEARS
//   month                 integer 1..12, two digits
//   day                   integer 1..31, two digits (a day a month lacks just finds no objects)
//   hour (per-hour only)  integer 0..23, two digits
//   storage.location.template = LOCATION + the layout's segments with ${column} placeholders:
//     default  ${aws_account_id}/vpcflowlogs/${aws_region}/${year}/${month}/${day}/[${hour}/]
//     Hive     aws-account-id=${aws_account_id}/aws-service=vpcflowlogs/aws-region=${aws_region}/
//              year=${year}/month=${month}/day=${day}/[hour=${hour}/]
// One shape for every layout keeps every query the same whatever the layout. Keeping the account
// and region as partitions for one account too means adding an account or a region later changes
// only projection parameters, never the partition keys.

import type { DiffResult } from "../model/change.js";
import type { GlueColumn, GlueTableSpec } from "../model/specs.js";
import { deepEqual, inPlaceDiff } from "./diff.js";
import { DAY_MS } from "./duration.js";
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

/** Java DateTimeFormatter pattern of the year partition (a `date` projection). */
export const YEAR_FORMAT = "yyyy";

/** Formats a UTC date with a tiny subset of Java DateTimeFormatter patterns: yyyy MM dd HH and 'literals'. */
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
  readonly year: string;
  readonly month: string;
  readonly day: string;
  /** null for daily layouts. */
  readonly hour: string | null;
}

/**
 * Partition column names that never clash with a data column ("partition_" is prefixed until
 * unique), picked in key order; hour is picked last, so the others do not depend on perHour.
 */
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
  const year = pick(PARTITION_COLUMN.year);
  const month = pick(PARTITION_COLUMN.month);
  const day = pick(PARTITION_COLUMN.day);
  return { account, region, year, month, day, hour: perHour ? pick(PARTITION_COLUMN.hour) : null };
}

/** The partition key names of a layout, in key order (hour last, when per-hour). */
export const partitionKeyNames = (names: PartitionNames): string[] => [
  names.account,
  names.region,
  names.year,
  names.month,
  names.day,
  ...(names.hour === null ? [] : [names.hour]),
];

export const s3Root = (bucket: string, prefix?: string): string => {
  const p = (prefix ?? "").split("/").filter((s) => s !== "");
  return `s3://${[bucket, ...p].join("/")}/AWSLogs/`;
};

/** The location template: exactly the key layout the flow logs write (docs/aws-behaviour.md, "S3 destination and key layout"). */
export function locationTemplate(root: string, layout: FlowLogLayout, names: PartitionNames): string {
  const v = (column: string) => `\${${column}}`;
  const time = [
    ["year", names.year],
    ["month", names.month],
    ["day", names.day],
    ...(names.hour === null ? [] : [["hour", names.hour]]),
  ] as const;
  return layout.hiveCompatiblePartitions
    ? `${root}aws-account-id=${v(names.account)}/aws-service=vpcflowlogs/aws-region=${v(names.region)}/${time.map(([seg, col]) => `${seg}=${v(col)}/`).join("")}`
    : `${root}${v(names.account)}/vpcflowlogs/${v(names.region)}/${time.map(([, col]) => `${v(col)}/`).join("")}`;
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
  const root = s3Root(input.bucket, input.prefix);
  const format = input.layout.fileFormat === "parquet" ? PARQUET_FORMAT : TEXT_FORMAT;
  const sortedUnique = (xs: readonly string[]) => [...new Set(xs)].sort().join(",");
  const startYear = formatJavaDate(parseIsoDay(input.projectionStartDate), YEAR_FORMAT);
  // Two-digit integers: the key segments are zero-padded (01..12, 01..31, 00..23).
  const twoDigits = (column: string, range: string) => ({
    [`projection.${column}.type`]: "integer",
    [`projection.${column}.range`]: range,
    [`projection.${column}.digits`]: "2",
  });
  const parameters: Record<string, string> = {
    EXTERNAL: "TRUE",
    "projection.enabled": "true",
    [`projection.${names.account}.type`]: "enum",
    [`projection.${names.account}.values`]: sortedUnique(input.accounts),
    [`projection.${names.region}.type`]: "enum",
    [`projection.${names.region}.values`]: sortedUnique(input.regions),
    // A year-precision date: Athena requires the interval and its unit (they default only for day
    // or month precision).
    [`projection.${names.year}.type`]: "date",
    [`projection.${names.year}.format`]: YEAR_FORMAT,
    [`projection.${names.year}.range`]: `${startYear},NOW`,
    [`projection.${names.year}.interval`]: "1",
    [`projection.${names.year}.interval.unit`]: "YEARS",
    ...twoDigits(names.month, "1,12"),
    ...twoDigits(names.day, "1,31"),
    ...(names.hour === null ? {} : twoDigits(names.hour, "0,23")),
    "storage.location.template": locationTemplate(root, input.layout, names),
  };
  if (input.layout.fileFormat === "plain-text") parameters["skip.header.line.count"] = "1";
  const partitionKeys: GlueColumn[] = partitionKeyNames(names).map((Name) => ({ Name, Type: "string" }));
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
 * partitions of yesterday and today (UTC, relative to `today`), at most 10. The days are an OR of
 * year, month and day equalities: plain SQL that Athena and DuckDB both run, and that prunes
 * partitions in both. Null when the table has no `action` column.
 */
export function rejectedFlowsQuery(spec: GlueTableSpec, today: string): string | null {
  const dataColumns = spec.columns.map((c) => c.Name);
  if (!dataColumns.includes("action")) return null;
  const names = partitionNames(dataColumns, false);
  const keys = spec.partitionKeys.map((k) => k.Name);
  const shown = QUERY_COLUMNS.filter((c) => dataColumns.includes(c));
  const select = [...keys, ...shown].map(sqlIdentifier).join(", ");
  const where = ["action = 'REJECT'"];
  if ([names.year, names.month, names.day].every((k) => keys.includes(k))) {
    const parts: readonly (readonly [string, string])[] = [
      [names.year, "yyyy"],
      [names.month, "MM"],
      [names.day, "dd"],
    ];
    const oneDay = (d: Date) =>
      `(${parts.map(([column, pattern]) => `${sqlIdentifier(column)} = '${formatJavaDate(d, pattern)}'`).join(" AND ")})`;
    const t = parseIsoDay(today);
    where.push(`(${oneDay(new Date(t.getTime() - DAY_MS))} OR ${oneDay(t)})`);
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
 * Glue table diff. Nothing forces a replacement: every difference, partition keys and table type
 * included, is an UpdateTable, which replaces the whole definition in place (the database and
 * name are the address, so they never differ). The table never disappears, and with projection
 * Glue holds no partitions, so no data moves. A change of partition keys carries a note for the
 * reviewer (queries on the old columns must change). Parameters diff per key; partition keys
 * are listed first.
 */
export function glueTableDiff(desired: GlueTableSpec, live: GlueTableSpec): DiffResult {
  const norm = (s: GlueTableSpec): GlueTableSpec => ({ ...s, parameters: normalizeParameters(s.parameters) });
  const d = norm(desired);
  const l = norm(live);
  const result = inPlaceDiff(d, l);
  const keys = result.fields.filter((f) => f.path === "/partitionKeys");
  if (keys.length === 0) return result;
  return {
    ...result,
    fields: [...keys, ...result.fields.filter((f) => f.path !== "/partitionKeys")],
    notes: [partitionKeysNote(d, l)],
  };
}

/**
 * The reviewer's note on a change of partition keys: what UpdateTable does, and which old
 * partition columns queries may no longer filter as before (gone, or projected differently).
 */
function partitionKeysNote(desired: GlueTableSpec, live: GlueTableSpec): string {
  const projectionOf = (s: GlueTableSpec, column: string) =>
    Object.fromEntries(Object.entries(s.parameters).filter(([k]) => k.startsWith(`projection.${column}.`)));
  const newKeys = desired.partitionKeys.map((k) => k.Name);
  const changed = live.partitionKeys
    .map((k) => k.Name)
    .filter((name) => !newKeys.includes(name) || !deepEqual(projectionOf(live, name), projectionOf(desired, name)));
  const list = (xs: readonly string[]) => xs.join(", ") || "none";
  const queries =
    changed.length === 0
      ? ""
      : `; queries that filter the old ${changed.length === 1 ? "column" : "columns"} ${list(changed)} must change`;
  return (
    `partition keys (${list(live.partitionKeys.map((k) => k.Name))}) become (${list(newKeys)}): ` +
    `UpdateTable replaces the table's definition in place, so the table stays queryable and no data moves${queries}`
  );
}
