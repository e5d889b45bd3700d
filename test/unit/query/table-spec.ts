// Test tables in the partition shape of issue 12 (aws_account_id, aws_region, year, month, day,
// hour per hour; year a date projection 'yyyy', month/day/hour two-digit integers), built here
// so the query tests do not depend on the table handler's derivation.
import type { GlueTableSpec } from "../../../src/model/specs.js";

export interface TestTableOptions {
  readonly bucket?: string;
  readonly prefix?: string;
  readonly hive?: boolean;
  readonly perHour?: boolean;
  readonly parquet?: boolean;
  readonly accounts?: readonly string[];
  readonly regions?: readonly string[];
  readonly columns?: readonly { Name: string; Type: string }[];
  readonly database?: string;
  readonly table?: string;
}

export const DEFAULT_COLUMNS = [
  ["version", "int"],
  ["account_id", "string"],
  ["interface_id", "string"],
  ["srcaddr", "string"],
  ["dstaddr", "string"],
  ["srcport", "int"],
  ["dstport", "int"],
  ["protocol", "bigint"],
  ["packets", "bigint"],
  ["bytes", "bigint"],
  ["start", "bigint"],
  ["end", "bigint"],
  ["action", "string"],
  ["log_status", "string"],
].map(([Name, Type]) => ({ Name: Name as string, Type: Type as string }));

export function testTable(o: TestTableOptions = {}): GlueTableSpec {
  const bucket = o.bucket ?? "logs";
  const root = `s3://${bucket}/${o.prefix ? `${o.prefix}/` : ""}AWSLogs/`;
  const hourSeg = o.perHour ? (o.hive ? `hour=\${hour}/` : `\${hour}/`) : "";
  const template = o.hive
    ? `${root}aws-account-id=\${aws_account_id}/aws-service=vpcflowlogs/aws-region=\${aws_region}/year=\${year}/month=\${month}/day=\${day}/${hourSeg}`
    : `${root}\${aws_account_id}/vpcflowlogs/\${aws_region}/\${year}/\${month}/\${day}/${hourSeg}`;
  const parameters: Record<string, string> = {
    EXTERNAL: "TRUE",
    "projection.enabled": "true",
    "projection.aws_account_id.type": "enum",
    "projection.aws_account_id.values": (o.accounts ?? ["111122223333"]).join(","),
    "projection.aws_region.type": "enum",
    "projection.aws_region.values": (o.regions ?? ["eu-west-1"]).join(","),
    "projection.year.type": "date",
    "projection.year.format": "yyyy",
    "projection.year.range": "2026,NOW",
    "projection.year.interval": "1",
    "projection.year.interval.unit": "YEARS",
    "projection.month.type": "integer",
    "projection.month.range": "1,12",
    "projection.month.digits": "2",
    "projection.day.type": "integer",
    "projection.day.range": "1,31",
    "projection.day.digits": "2",
    "storage.location.template": template,
  };
  if (o.perHour) {
    parameters["projection.hour.type"] = "integer";
    parameters["projection.hour.range"] = "0,23";
    parameters["projection.hour.digits"] = "2";
  }
  if (!o.parquet) parameters["skip.header.line.count"] = "1";
  const keys = ["aws_account_id", "aws_region", "year", "month", "day", ...(o.perHour ? ["hour"] : [])];
  return {
    database: o.database ?? "net",
    name: o.table ?? "flows",
    tableType: "EXTERNAL_TABLE",
    columns: o.columns ?? DEFAULT_COLUMNS,
    partitionKeys: keys.map((Name) => ({ Name, Type: "string" })),
    location: root,
    inputFormat: o.parquet
      ? "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
      : "org.apache.hadoop.mapred.TextInputFormat",
    outputFormat: "x",
    serializationLibrary: o.parquet
      ? "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
      : "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
    serdeParameters: o.parquet ? { "serialization.format": "1" } : { "field.delim": " ", "serialization.format": " " },
    parameters,
  };
}
