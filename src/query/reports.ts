// The named reports of `cordon query` (docs/query.md, "Reports") as SQL text over one or more
// flow-log tables, with the filters turned into partition predicates (partitions.ts) and a filter
// on each record's `start`. The SQL keeps to the subset Athena (Trino) and DuckDB both run the same
// way (docs/query.md, "One SQL for both engines"): WITH, SELECT, UNION ALL, WHERE with = IN LIKE
// AND OR NOT, CASE, COUNT, COUNT(DISTINCT), SUM, MIN, MAX, GROUP BY, ORDER BY with a total order,
// LIMIT, string and integer literals, double-quoted identifiers. Pure.

import { cidrRange, formatAddress, parseCidr } from "../domain/cidr.js";
import { epochSecondsIso } from "../domain/traffic.js";
import { UsageError } from "../model/errors.js";
import type { PartitionWindow, QueryResult, QueryTable } from "../model/query.js";
import type { GlueTableSpec } from "../model/specs.js";
import { partitionPredicate, sqlString } from "./partitions.js";
import { distinctTables } from "./tables.js";

export const REPORT_NAMES = ["rejected", "top-talkers", "outbound-by-destination", "by-port", "blocked-hits"] as const;
export type ReportName = (typeof REPORT_NAMES)[number];

export const isReportName = (s: string): s is ReportName => (REPORT_NAMES as readonly string[]).includes(s);

/** What each report shows, for --help and docs/query.md. */
export const REPORT_DESCRIPTIONS: Readonly<Record<ReportName, string>> = {
  rejected: "REJECT records by source, destination, port and protocol, most flows first",
  "top-talkers": "source → destination pairs by bytes, with their rejected flows",
  "outbound-by-destination":
    "traffic from private (RFC 1918) addresses to public ones, by destination, port and protocol, most bytes first",
  "by-port": "flows by destination port and protocol, accepted and rejected, most flows first",
  "blocked-hits":
    "traffic to or from the policies' blockedAddresses entries, by entry, direction and action, with first and last seen",
};

export interface ReportFilters {
  /** The time window: partitions, and `start` in [from, until). */
  readonly window: PartitionWindow;
  /** Only records of these VPCs (needs the vpc-id field). */
  readonly vpcs?: readonly string[] | undefined;
  /** At most this many rows. */
  readonly limit: number;
}

/** The columns of the named reports that hold a record time (epoch seconds in the SQL of both engines). */
export const REPORT_TIME_COLUMNS: readonly string[] = ["first_seen", "last_seen"];

/**
 * A named report's result for people: its time columns as ISO 8601 text (type timestamp), the
 * same whichever engine answered. The SQL keeps epoch seconds, which both dialects compare and
 * aggregate alike.
 */
export function withReportTimes(result: QueryResult): QueryResult {
  const at = result.columns.map((c) => REPORT_TIME_COLUMNS.includes(c.name.toLowerCase()));
  if (!at.includes(true)) return result;
  return {
    ...result,
    columns: result.columns.map((c, i) => (at[i] ? { name: c.name, type: "timestamp" as const } : c)),
    rows: result.rows.map((row) => row.map((cell, i) => (at[i] ? epochSecondsIso(cell) : cell))),
  };
}

export interface ReportSql {
  readonly sql: string;
  /** Things the person should know about the SQL (blocked entries it cannot match, ...). */
  readonly notes: readonly string[];
}

/** The columns each report reads (besides `start`, which every report filters on). */
const NEEDS: Readonly<Record<ReportName, readonly string[]>> = {
  rejected: ["srcaddr", "dstaddr", "dstport", "protocol", "packets", "bytes", "end", "action"],
  "top-talkers": ["srcaddr", "dstaddr", "packets", "bytes", "action"],
  "outbound-by-destination": ["srcaddr", "dstaddr", "dstport", "protocol", "packets", "bytes", "action"],
  "by-port": ["srcaddr", "dstport", "protocol", "packets", "bytes", "action"],
  "blocked-hits": ["srcaddr", "dstaddr", "packets", "bytes", "end", "action"],
};

/** A column in SQL: double-quoted (both dialects), so that `end` and `start` are never keywords. */
export const col = (name: string): string => `"${name.replace(/"/g, '""')}"`;

const tableName = (spec: GlueTableSpec): string => `${col(spec.database)}.${col(spec.name)}`;

/** The flow-log field of a column ("log_status" → "log-status"). */
const fieldOf = (column: string): string => column.replace(/_/g, "-");

/** Refuses a report over a table without a column it needs, naming the policy and the field. */
function requireColumns(report: string, t: QueryTable, columns: readonly string[]): void {
  const have = new Set(t.spec.columns.map((c) => c.Name));
  const missing = columns.filter((c) => !have.has(c));
  if (missing.length === 0) return;
  const fields = missing.map((c) => `"${fieldOf(c)}"`).join(", ");
  throw new UsageError(
    `${report} needs the flow-log field${missing.length === 1 ? "" : "s"} ${fields}, which ${t.policy} does not record (table ${t.spec.database}.${t.spec.name})`,
    [`add ${fields} to flowLogs.fields of ${t.policy} (new records only), or query another policy`],
  );
}

/** The WHERE of one table: its partitions, the record's start in the window, the VPCs. */
function tableWhere(t: QueryTable, filters: ReportFilters): string {
  const terms: string[] = [];
  const partitions = partitionPredicate(t.spec, filters.window);
  if (partitions !== null) terms.push(partitions);
  const from = Math.floor(filters.window.from.getTime() / 1000);
  const until = Math.ceil(filters.window.until.getTime() / 1000);
  terms.push(`${col("start")} >= ${from}`, `${col("start")} < ${until}`);
  if (filters.vpcs !== undefined && filters.vpcs.length > 0)
    terms.push(`${col("vpc_id")} IN (${filters.vpcs.map(sqlString).join(", ")})`);
  return terms.join("\n    AND ");
}

/** `WITH flows AS (...)`: the columns over every table, UNION ALL, each filtered. */
export function flowsCte(
  report: string,
  tables: readonly QueryTable[],
  columns: readonly string[],
  filters: ReportFilters,
): string {
  const distinct = distinctTables(tables, "name");
  if (distinct.length === 0) throw new UsageError("no table to query: the selected policies have no athena section");
  const needed = [...new Set([...columns, "start", ...(filters.vpcs?.length ? ["vpc_id"] : [])])];
  for (const t of distinct) requireColumns(report, t, needed);
  const selects = distinct.map(
    (t) => `  SELECT ${columns.map(col).join(", ")}\n  FROM ${tableName(t.spec)}\n  WHERE ${tableWhere(t, filters)}`,
  );
  return `WITH flows AS (\n${selects.join("\n  UNION ALL\n")}\n)`;
}

/** RFC 1918 private IPv4 addresses, as LIKE patterns (both dialects). */
function privateIpv4(column: string): string {
  const patterns = ["10.%", "192.168.%", ...Array.from({ length: 16 }, (_, i) => `172.${16 + i}.%`)];
  return `(${patterns.map((p) => `${col(column)} LIKE ${sqlString(p)}`).join(" OR ")})`;
}

/**
 * A CIDR as a condition on an address column in the common subset: IPv4 as LIKE patterns on octet
 * boundaries (a /20 is 16 /24 patterns) or equality for a /32; IPv6 only as equality for a /128
 * (null otherwise: the caller notes it).
 */
export function cidrCondition(column: string, cidr: string): string | null {
  const parsed = parseCidr(cidr);
  if (!parsed.ok) return null;
  const c = parsed.cidr;
  const { first } = cidrRange(c);
  if (c.family === "ipv6")
    return c.prefix === 128 ? `${col(column)} = ${sqlString(formatAddress("ipv6", first))}` : null;
  if (c.prefix === 32) return `${col(column)} = ${sqlString(formatAddress("ipv4", first))}`;
  const octets = Math.max(1, Math.ceil(c.prefix / 8));
  const blocks = 2 ** (octets * 8 - c.prefix);
  const step = 2n ** BigInt(32 - octets * 8);
  const terms: string[] = [];
  for (let i = 0n; i < BigInt(blocks); i++) {
    const text = formatAddress("ipv4", first + i * step)
      .split(".")
      .slice(0, octets)
      .join(".");
    terms.push(octets === 4 ? `${col(column)} = ${sqlString(text)}` : `${col(column)} LIKE ${sqlString(`${text}.%`)}`);
  }
  return terms.length === 1 ? (terms[0] as string) : `(${terms.join(" OR ")})`;
}

const sum = (expr: string, as: string) => `SUM(${expr}) AS ${col(as)}`;
const countIf = (cond: string, as: string) => `SUM(CASE WHEN ${cond} THEN 1 ELSE 0 END) AS ${col(as)}`;

/** The SQL of a named report over `tables` (blocked: the CIDRs of the policies' blockedAddresses entries). */
export function reportSql(
  name: ReportName,
  tables: readonly QueryTable[],
  filters: ReportFilters,
  blocked: readonly string[] = [],
): ReportSql {
  const limit = `LIMIT ${Math.max(1, Math.floor(filters.limit))}`;
  const c = col;
  const cte = (columns: readonly string[]) => flowsCte(name, tables, ["start", ...columns], filters);
  const reject = `${c("action")} = 'REJECT'`;
  switch (name) {
    case "rejected":
      return {
        notes: [],
        sql: `${cte(NEEDS.rejected)}
SELECT ${c("srcaddr")}, ${c("dstaddr")}, ${c("dstport")}, ${c("protocol")}, COUNT(*) AS ${c("flows")}, ${sum(c("packets"), "packets")}, ${sum(c("bytes"), "bytes")}, MIN(${c("start")}) AS ${c("first_seen")}, MAX(${c("end")}) AS ${c("last_seen")}
FROM flows
WHERE ${reject}
GROUP BY ${c("srcaddr")}, ${c("dstaddr")}, ${c("dstport")}, ${c("protocol")}
ORDER BY ${c("flows")} DESC, ${c("packets")} DESC, ${c("srcaddr")}, ${c("dstaddr")}, ${c("dstport")}, ${c("protocol")}
${limit}`,
      };
    case "top-talkers":
      return {
        notes: [],
        sql: `${cte(NEEDS["top-talkers"])}
SELECT ${c("srcaddr")}, ${c("dstaddr")}, COUNT(*) AS ${c("flows")}, ${sum(c("packets"), "packets")}, ${sum(c("bytes"), "bytes")}, ${countIf(reject, "rejected_flows")}
FROM flows
GROUP BY ${c("srcaddr")}, ${c("dstaddr")}
ORDER BY ${c("bytes")} DESC, ${c("flows")} DESC, ${c("srcaddr")}, ${c("dstaddr")}
${limit}`,
      };
    case "outbound-by-destination":
      return {
        notes: [],
        sql: `${cte(NEEDS["outbound-by-destination"])}
SELECT ${c("dstaddr")}, ${c("dstport")}, ${c("protocol")}, COUNT(DISTINCT ${c("srcaddr")}) AS ${c("sources")}, COUNT(*) AS ${c("flows")}, ${sum(c("packets"), "packets")}, ${sum(c("bytes"), "bytes")}, ${countIf(reject, "rejected_flows")}
FROM flows
WHERE ${privateIpv4("srcaddr")}
  AND NOT ${privateIpv4("dstaddr")}
GROUP BY ${c("dstaddr")}, ${c("dstport")}, ${c("protocol")}
ORDER BY ${c("bytes")} DESC, ${c("flows")} DESC, ${c("dstaddr")}, ${c("dstport")}, ${c("protocol")}
${limit}`,
      };
    case "by-port":
      return {
        notes: [],
        sql: `${cte(NEEDS["by-port"])}
SELECT ${c("dstport")}, ${c("protocol")}, COUNT(*) AS ${c("flows")}, COUNT(DISTINCT ${c("srcaddr")}) AS ${c("sources")}, ${sum(c("packets"), "packets")}, ${sum(c("bytes"), "bytes")}, ${countIf(`${c("action")} = 'ACCEPT'`, "accepted_flows")}, ${countIf(reject, "rejected_flows")}
FROM flows
GROUP BY ${c("dstport")}, ${c("protocol")}
ORDER BY ${c("flows")} DESC, ${c("dstport")}, ${c("protocol")}
${limit}`,
      };
    case "blocked-hits": {
      const notes: string[] = [];
      const matchable: { cidr: string; to: string; from: string }[] = [];
      for (const cidr of [...new Set(blocked)].sort()) {
        const to = cidrCondition("dstaddr", cidr);
        const from = cidrCondition("srcaddr", cidr);
        if (to === null || from === null) notes.push(`${cidr}: only IPv4 blocks and single IPv6 addresses are matched`);
        else matchable.push({ cidr, to, from });
      }
      if (matchable.length === 0) {
        throw new UsageError(
          "blocked-hits needs blockedAddresses entries in the selected policies, and they have none in force that can be matched",
          notes,
        );
      }
      const caseOf = (side: "to" | "from") =>
        `CASE ${matchable.map((m) => `WHEN ${m[side]} THEN ${sqlString(m.cidr)}`).join(" ")} END`;
      const any = (side: "to" | "from") => matchable.map((m) => m[side]).join(" OR ");
      const hitColumns = `${c("action")}, ${c("packets")}, ${c("bytes")}, ${c("start")}, ${c("end")}`;
      return {
        notes,
        sql: `${cte(NEEDS["blocked-hits"])},
hits AS (
  SELECT ${caseOf("to")} AS ${c("blocked")}, 'outbound' AS ${c("direction")}, ${hitColumns} FROM flows WHERE ${any("to")}
  UNION ALL
  SELECT ${caseOf("from")} AS ${c("blocked")}, 'inbound' AS ${c("direction")}, ${hitColumns} FROM flows WHERE ${any("from")}
)
SELECT ${c("blocked")}, ${c("direction")}, ${c("action")}, COUNT(*) AS ${c("flows")}, ${sum(c("packets"), "packets")}, ${sum(c("bytes"), "bytes")}, MIN(${c("start")}) AS ${c("first_seen")}, MAX(${c("end")}) AS ${c("last_seen")}
FROM hits
GROUP BY ${c("blocked")}, ${c("direction")}, ${c("action")}
ORDER BY ${c("blocked")}, ${c("direction")}, ${c("first_seen")}, ${c("action")}
${limit}`,
      };
    }
  }
}
