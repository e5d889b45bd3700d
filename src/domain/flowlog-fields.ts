// The VPC Flow Logs field catalogue (docs/aws-behaviour.md, "Log format and fields"), the LogFormat string, and the partition
// columns of the Glue table Cordon derives from a flow-log section.
//
// Column names follow AWS's Athena DDL: "-" becomes "_" (log-status → log_status). Column types
// follow AWS's published DDL for versions 2–5 (note protocol is bigint although Parquet stores
// INT_32) and the same convention for later versions.
import { nearest } from "./nearest.js";

export type ParquetType = "INT_32" | "INT_64" | "STRING";
export type AthenaType = "int" | "bigint" | "string";

export interface FlowLogField {
  /** The name in LogFormat, e.g. "log-status". */
  readonly name: string;
  /** The flow-log record version that introduced the field; null = not confirmed by AWS text. */
  readonly version: number | null;
  /** Parquet physical type; null = not confirmed. */
  readonly parquetType: ParquetType | null;
  /** Athena/Glue column name: name with "-" replaced by "_". */
  readonly column: string;
  readonly athenaType: AthenaType;
}

const field = (
  name: string,
  version: number | null,
  parquetType: ParquetType | null,
  athenaType: AthenaType,
): FlowLogField => ({ name, version, parquetType, column: athenaColumnName(name), athenaType });

/** Every field Cordon accepts, in AWS's table order. */
export const FLOW_LOG_FIELDS: readonly FlowLogField[] = [
  field("version", 2, "INT_32", "int"),
  field("account-id", 2, "STRING", "string"),
  field("interface-id", 2, "STRING", "string"),
  field("srcaddr", 2, "STRING", "string"),
  field("dstaddr", 2, "STRING", "string"),
  field("srcport", 2, "INT_32", "int"),
  field("dstport", 2, "INT_32", "int"),
  field("protocol", 2, "INT_32", "bigint"),
  field("packets", 2, "INT_64", "bigint"),
  field("bytes", 2, "INT_64", "bigint"),
  field("start", 2, "INT_64", "bigint"),
  field("end", 2, "INT_64", "bigint"),
  field("action", 2, "STRING", "string"),
  field("log-status", 2, "STRING", "string"),
  field("vpc-id", 3, "STRING", "string"),
  field("subnet-id", 3, "STRING", "string"),
  field("instance-id", 3, "STRING", "string"),
  field("tcp-flags", 3, "INT_32", "int"),
  field("type", 3, "STRING", "string"),
  field("pkt-srcaddr", 3, "STRING", "string"),
  field("pkt-dstaddr", 3, "STRING", "string"),
  field("region", 4, "STRING", "string"),
  field("az-id", 4, "STRING", "string"),
  field("sublocation-type", 4, "STRING", "string"),
  field("sublocation-id", 4, "STRING", "string"),
  field("pkt-src-aws-service", 5, "STRING", "string"),
  field("pkt-dst-aws-service", 5, "STRING", "string"),
  field("flow-direction", 5, "STRING", "string"),
  field("traffic-path", 5, "INT_32", "int"),
  // There is no version 6; version 7 adds the ECS fields.
  field("ecs-cluster-arn", 7, "STRING", "string"),
  field("ecs-cluster-name", 7, "STRING", "string"),
  field("ecs-container-instance-arn", 7, "STRING", "string"),
  field("ecs-container-instance-id", 7, "STRING", "string"),
  field("ecs-container-id", 7, "STRING", "string"),
  field("ecs-second-container-id", 7, "STRING", "string"),
  field("ecs-service-name", 7, "STRING", "string"),
  field("ecs-task-definition-arn", 7, "STRING", "string"),
  field("ecs-task-arn", 7, "STRING", "string"),
  field("ecs-task-id", 7, "STRING", "string"),
  // Version 8 per third-party code; the AWS table row was not retrieved (UNCONFIRMED). Parquet
  // type assumed STRING like every other text field.
  field("reject-reason", 8, "STRING", "string"),
  // Names seen in recent formats; version and Parquet type UNCONFIRMED, so version is null.
  field("resource-id", null, null, "string"),
  field("encryption-status", null, null, "string"),
];

/**
 * Names third-party tools list that no AWS text confirms (docs/aws-behaviour.md, "Log format and fields"). Rejected, with a
 * message saying so rather than a did-you-mean.
 */
export const UNCONFIRMED_THIRD_PARTY_FIELDS: ReadonlySet<string> = new Set([
  "instance-tag",
  "interface-tag",
  "asg-tag",
  "interface-type",
  "next-hop-type",
  "next-hop-id",
  "next-hop-ip",
]);

const BY_NAME: ReadonlyMap<string, FlowLogField> = new Map(FLOW_LOG_FIELDS.map((f) => [f.name, f]));

/** AWS's default format: every version-2 field, in this order. */
export const DEFAULT_FIELDS: readonly string[] = [
  "version",
  "account-id",
  "interface-id",
  "srcaddr",
  "dstaddr",
  "srcport",
  "dstport",
  "protocol",
  "packets",
  "bytes",
  "start",
  "end",
  "action",
  "log-status",
];

export function flowLogField(name: string): FlowLogField | undefined {
  return BY_NAME.get(name);
}

export function athenaColumnName(fieldName: string): string {
  return fieldName.replaceAll("-", "_");
}

/** The policy's `fields` value as a concrete list ("default" → DEFAULT_FIELDS). */
export function resolveFields(fields: "default" | readonly string[]): readonly string[] {
  return fields === "default" ? DEFAULT_FIELDS : fields;
}

/**
 * The record version AWS writes for these fields: the highest version among them. Fields whose
 * version is unconfirmed do not count; null when none has a known version.
 */
export function recordVersion(fieldNames: readonly string[]): number | null {
  let max: number | null = null;
  for (const name of fieldNames) {
    const v = BY_NAME.get(name)?.version ?? null;
    if (v !== null && (max === null || v > max)) max = v;
  }
  return max;
}

/** "${a} ${b} …": the LogFormat string for CreateFlowLogs. */
export function buildLogFormat(fieldNames: readonly string[]): string {
  return fieldNames.map((name) => "${" + name + "}").join(" ");
}

export type LogFormatParse =
  | { readonly ok: true; readonly fields: readonly string[] }
  | { readonly ok: false; readonly reason: string };

/**
 * Parses a LogFormat as DescribeFlowLogs returns it. Tokens may be separated by any run of
 * whitespace; each must be "${name}". Names are returned as written, known or not, so a caller
 * diffing live state sees exactly what AWS has.
 */
export function parseLogFormat(text: string): LogFormatParse {
  const tokens = text
    .trim()
    .split(/\s+/)
    .filter((t) => t !== "");
  if (tokens.length === 0) return { ok: false, reason: "the format lists no fields" };
  const fields: string[] = [];
  for (const token of tokens) {
    const match = /^\$\{([^${}\s]+)\}$/.exec(token);
    if (match === null) return { ok: false, reason: `"${token}" is not a \${field} token` };
    fields.push(match[1]!);
  }
  return { ok: true, fields };
}

export type FieldNameCheck =
  | { readonly ok: true; readonly field: FlowLogField }
  | { readonly ok: false; readonly reason: string; readonly suggestion: string | null };

/** Whether Cordon accepts a field name; when not, why and the name probably meant. */
export function checkFieldName(name: string): FieldNameCheck {
  const known = BY_NAME.get(name);
  if (known !== undefined) return { ok: true, field: known };
  const token = /^\$\{(.*)\}$/.exec(name);
  if (token !== null && BY_NAME.has(token[1]!)) {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the text shows the LogFormat token syntax
    return { ok: false, reason: "write the bare field name, without ${…}", suggestion: token[1]! };
  }
  if (UNCONFIRMED_THIRD_PARTY_FIELDS.has(name)) {
    return {
      ok: false,
      reason: "it is listed by third-party tools but not by any AWS documentation Cordon relies on",
      suggestion: null,
    };
  }
  const hyphenated = name.toLowerCase().replaceAll("_", "-");
  if (BY_NAME.has(hyphenated)) {
    return { ok: false, reason: "field names are lower case with hyphens", suggestion: hyphenated };
  }
  return {
    ok: false,
    reason: "it is not a VPC Flow Logs field",
    suggestion: nearest(name, BY_NAME.keys()),
  };
}

// --- Partition columns of the derived Glue table -------------------------------------------

export interface PartitionLayout {
  /** DestinationOptions.PerHourPartition. */
  readonly perHour: boolean;
}

/**
 * Partition column names of the derived Glue table (src/domain/glue.ts uses these), in order:
 * aws_account_id, aws_region, year, month, day for every layout — Hive or not, one account or many,
 * so adding an account or region later changes only projection parameters and one query works on
 * every table — plus hour when per-hour.
 * Chosen so that none can equal a field's column (checked by a test over the whole catalogue):
 * not account_id (the v2 field account-id) nor region (the v4 field region, which AWS's own
 * multi-region example has to drop).
 */
export const PARTITION_COLUMN = {
  accountId: "aws_account_id",
  region: "aws_region",
  year: "year",
  month: "month",
  day: "day",
  hour: "hour",
} as const;

export function partitionColumns(layout: PartitionLayout): readonly string[] {
  const columns: string[] = [
    PARTITION_COLUMN.accountId,
    PARTITION_COLUMN.region,
    PARTITION_COLUMN.year,
    PARTITION_COLUMN.month,
    PARTITION_COLUMN.day,
  ];
  if (layout.perHour) columns.push(PARTITION_COLUMN.hour);
  return columns;
}

/** Fields whose column would equal a partition column of the layout (none with today's names). */
export function partitionClashes(fieldNames: readonly string[], layout: PartitionLayout): readonly string[] {
  const partitions = new Set(partitionColumns(layout));
  return fieldNames.filter((name) => partitions.has(athenaColumnName(name)));
}
