// The Glue table definition an older Cordon derived (before year, month and day became partition
// keys): partition keys aws_account_id, aws_region, day (and hour per hour), `day` one date
// projection in the exact text of the key segments ('yyyy/MM/dd', or
// 'year=yyyy/month=MM/day=dd' with Hive-compatible partitions). Written out here, not derived from
// src, so the tests that upgrade such a table start from what was really in AWS.
import { deriveGlueTable, type GlueTableInput, tableInputOf } from "../../src/domain/glue.js";
import type { GlueTableSpec } from "../../src/model/specs.js";

/** The definition an older Cordon wrote for `input`. */
export const legacyGlueTable = (input: GlueTableInput): GlueTableSpec =>
  legacyOf(deriveGlueTable(input), {
    hive: input.layout.hiveCompatiblePartitions,
    perHour: input.layout.perHourPartition,
    projectionStartDate: input.projectionStartDate,
  });

/** `current` (today's derivation) as an older Cordon defined the same table. */
export function legacyOf(
  current: GlueTableSpec,
  o: { hive: boolean; perHour: boolean; projectionStartDate: string },
): GlueTableSpec {
  const { hive, perHour } = o;
  const format = hive ? "'year='yyyy'/month='MM'/day='dd" : "yyyy/MM/dd";
  const [y, m, d] = o.projectionStartDate.split("-");
  const start = hive ? `year=${y}/month=${m}/day=${d}` : `${y}/${m}/${d}`;
  const parameters: Record<string, string> = Object.fromEntries(
    Object.entries(current.parameters).filter(
      ([k]) => !/^projection\.(year|month|day|hour)\./.test(k) && k !== "storage.location.template",
    ),
  );
  Object.assign(parameters, {
    "projection.day.type": "date",
    "projection.day.format": format,
    "projection.day.range": `${start},NOW`,
    "projection.day.interval": "1",
    "projection.day.interval.unit": "DAYS",
  });
  if (perHour) {
    Object.assign(parameters, {
      "projection.hour.type": "integer",
      "projection.hour.range": "0,23",
      "projection.hour.digits": "2",
    });
  }
  const root = current.location;
  const hour = perHour ? (hive ? `hour=\${hour}/` : `\${hour}/`) : "";
  parameters["storage.location.template"] = hive
    ? `${root}aws-account-id=\${aws_account_id}/aws-service=vpcflowlogs/aws-region=\${aws_region}/\${day}/${hour}`
    : `${root}\${aws_account_id}/vpcflowlogs/\${aws_region}/\${day}/${hour}`;
  return {
    ...current,
    partitionKeys: [
      { Name: "aws_account_id", Type: "string" },
      { Name: "aws_region", Type: "string" },
      { Name: "day", Type: "string" },
      ...(perHour ? [{ Name: "hour", Type: "string" }] : []),
    ],
    parameters: Object.fromEntries(Object.entries(parameters).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  };
}

/** The CreateTable input of that older definition, with Cordon's ownership parameter, as it wrote it. */
export function legacyCreateTableInput(input: GlueTableInput, ownership: { tagKey: string; tagValue: string }) {
  const t = tableInputOf(legacyGlueTable(input));
  return {
    DatabaseName: input.database.toLowerCase(),
    TableInput: { ...t, Parameters: { ...t.Parameters, [ownership.tagKey]: ownership.tagValue } },
  };
}
