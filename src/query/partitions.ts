// Partition pruning from the table's own projection (docs/query.md, "Pruning"): from a Glue table
// spec and a time window, the S3 key prefixes that hold the window's objects, and the SQL predicate
// on the partition columns that selects the same partitions. Everything is read from the spec's
// parameters — `storage.location.template` and `projection.<column>.*` — so it follows whatever
// projection the table declares:
//   enum       the listed values (the account and region columns filtered by --account/--region);
//   date       the window's instants formatted with the column's Java pattern (`yyyy`, `yyyy/MM/dd`,
//              `'year='yyyy'/month='MM'/day='dd`, ...);
//   integer    a time part when the column is named year, month, day or hour (optionally
//              `partition_`-prefixed), padded to `digits`; any other integer column: its whole range.
// The step is an hour when a column holds the hour (an hour column, HH in a date format, an
// HOURS interval), else a day. Pure: no AWS, no clock.

import { DAY_MS } from "../domain/duration.js";
import { PARTITION_COLUMN } from "../domain/flowlog-fields.js";
import { formatJavaDate } from "../domain/glue.js";
import { splitS3Uri } from "../domain/s3-uri.js";
import { UsageError } from "../model/errors.js";
import type { PartitionWindow } from "../model/query.js";
import type { GlueTableSpec } from "../model/specs.js";

/** One prefix to list, and the partition values every object under it has. */
export interface PartitionPrefix {
  readonly bucket: string;
  /** Key prefix, ending with "/". */
  readonly prefix: string;
  /** Partition column → value, for every partition key of the table. */
  readonly values: Readonly<Record<string, string>>;
}

type TimePart = "year" | "month" | "day" | "hour";

/** How one partition column takes its values. */
type ColumnRule =
  | { readonly kind: "enum"; readonly name: string; readonly values: readonly string[] }
  | { readonly kind: "date"; readonly name: string; readonly format: string; readonly hourly: boolean }
  | {
      readonly kind: "part";
      readonly name: string;
      readonly part: TimePart;
      readonly digits: number;
      readonly domain: readonly string[];
    }
  | { readonly kind: "range"; readonly name: string; readonly values: readonly string[] };

const HOUR_MS = 3_600_000;
/** More prefixes than this for one table and window is refused (a window of years per hour). */
export const MAX_PREFIXES = 200_000;

const timePartOf = (name: string): TimePart | undefined => {
  const m = /^(?:partition_)*(year|month|day|hour)$/.exec(name);
  return m === null ? undefined : (m[1] as TimePart);
};

const baseName = (name: string): string => name.replace(/^(?:partition_)+/, "");

function rangeValues(range: string | undefined, digits: number, column: string, table: string): string[] {
  const m = /^\s*(-?\d+)\s*,\s*(-?\d+)\s*$/.exec(range ?? "");
  if (m === null)
    throw new UsageError(`table ${table}: projection.${column}.range is not "MIN,MAX" (got "${range ?? ""}")`);
  const [lo, hi] = [Number(m[1]), Number(m[2])];
  if (hi - lo > 100_000) throw new UsageError(`table ${table}: projection.${column}.range is too wide to enumerate`);
  const out: string[] = [];
  for (let n = lo; n <= hi; n++) out.push(String(n).padStart(digits, "0"));
  return out;
}

/** The rule of every partition key, in the table's order. */
function columnRules(spec: GlueTableSpec): ColumnRule[] {
  const table = `${spec.database}.${spec.name}`;
  const p = spec.parameters;
  return spec.partitionKeys.map((k): ColumnRule => {
    const name = k.Name;
    const type = (p[`projection.${name}.type`] ?? "").toLowerCase();
    if (type === "enum") {
      const values = (p[`projection.${name}.values`] ?? "")
        .split(",")
        .map((v) => v.trim())
        .filter((v) => v !== "");
      return { kind: "enum", name, values };
    }
    if (type === "date") {
      const format = p[`projection.${name}.format`];
      if (format === undefined) throw new UsageError(`table ${table}: projection.${name}.format is missing`);
      const unit = (p[`projection.${name}.interval.unit`] ?? "DAYS").toUpperCase();
      return { kind: "date", name, format, hourly: /HH/.test(format.replace(/'[^']*'/g, "")) || unit === "HOURS" };
    }
    if (type === "integer") {
      const digits = Number(p[`projection.${name}.digits`] ?? "1") || 1;
      const domain = rangeValues(p[`projection.${name}.range`], digits, name, table);
      const part = timePartOf(name);
      return part === undefined
        ? { kind: "range", name, values: domain }
        : { kind: "part", name, part, digits, domain };
    }
    throw new UsageError(
      `table ${table}: partition column ${name} has projection type "${type || "none"}"; the local engine enumerates enum, integer and date projections only`,
    );
  });
}

const isHourly = (rules: readonly ColumnRule[]): boolean =>
  rules.some((r) => (r.kind === "part" && r.part === "hour") || (r.kind === "date" && r.hourly));

const isTimeRule = (r: ColumnRule): boolean => r.kind === "date" || r.kind === "part";

function partValue(t: Date, part: TimePart, digits: number): string {
  const n =
    part === "year"
      ? t.getUTCFullYear()
      : part === "month"
        ? t.getUTCMonth() + 1
        : part === "day"
          ? t.getUTCDate()
          : t.getUTCHours();
  return String(n).padStart(digits, "0");
}

/** The instants the window covers, one per step (hour or day), each the start of its step. */
function steps(window: PartitionWindow, hourly: boolean): Date[] {
  const step = hourly ? HOUR_MS : DAY_MS;
  const from = Math.floor(window.from.getTime() / step) * step;
  const until = window.until.getTime();
  const out: Date[] = [];
  for (let t = from; t < until; t += step) {
    out.push(new Date(t));
    if (out.length > MAX_PREFIXES)
      throw new UsageError("the time window holds too many partitions: narrow --since/--until");
  }
  return out;
}

/** The time columns' values of every step, deduplicated, in time order. */
function timeTuples(rules: readonly ColumnRule[], window: PartitionWindow): string[][] {
  const timeRules = rules.filter(isTimeRule);
  const seen = new Set<string>();
  const out: string[][] = [];
  for (const t of steps(window, isHourly(rules))) {
    const tuple = timeRules.map((r) =>
      r.kind === "date" ? formatJavaDate(t, r.format) : r.kind === "part" ? partValue(t, r.part, r.digits) : "",
    );
    const key = tuple.join("\u0000");
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(tuple);
  }
  return out;
}

/** The enum (and plain integer) columns' values, filtered by the window's accounts and regions. */
function otherValues(rule: ColumnRule, window: PartitionWindow | undefined): readonly string[] {
  if (rule.kind !== "enum" && rule.kind !== "range") return [];
  const base = baseName(rule.name);
  const only =
    base === PARTITION_COLUMN.accountId
      ? window?.accounts
      : base === PARTITION_COLUMN.region
        ? window?.regions
        : undefined;
  return only === undefined ? rule.values : rule.values.filter((v) => only.includes(v));
}

function cartesian(lists: readonly (readonly string[])[]): string[][] {
  let out: string[][] = [[]];
  for (const l of lists) {
    const next: string[][] = [];
    for (const prefix of out) for (const v of l) next.push([...prefix, v]);
    out = next;
    if (out.length > MAX_PREFIXES)
      throw new UsageError("the time window holds too many partitions: narrow --since/--until");
  }
  return out;
}

/** The location template of the table (or, without one, its location with the Hive `col=value/` path). */
function templateOf(spec: GlueTableSpec): string {
  const t = spec.parameters["storage.location.template"];
  if (t !== undefined) return t.endsWith("/") ? t : `${t}/`;
  const loc = spec.location.endsWith("/") ? spec.location : `${spec.location}/`;
  return `${loc}${spec.partitionKeys.map((k) => `${k.Name}=\${${k.Name}}/`).join("")}`;
}

/**
 * The S3 prefixes holding the window's objects: one per combination of the enum values (accounts
 * and regions as the window restricts them) and time step, from the location template.
 */
export function partitionPrefixes(spec: GlueTableSpec, window: PartitionWindow): PartitionPrefix[] {
  const rules = columnRules(spec);
  const times = timeTuples(rules, window);
  const others = rules.filter((r) => !isTimeRule(r));
  const combos = cartesian(others.map((r) => otherValues(r, window)));
  const template = templateOf(spec);
  const timeNames = rules.filter(isTimeRule).map((r) => r.name);
  const out: PartitionPrefix[] = [];
  const seen = new Set<string>();
  for (const combo of combos) {
    for (const tuple of times) {
      const values: Record<string, string> = {};
      others.forEach((r, i) => {
        values[r.name] = combo[i] as string;
      });
      timeNames.forEach((n, i) => {
        values[n] = tuple[i] as string;
      });
      const uri = template.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
        const v = values[name];
        if (v === undefined)
          throw new UsageError(
            `table ${spec.database}.${spec.name}: the location template names \${${name}}, which is not a partition column`,
          );
        return v;
      });
      if (seen.has(uri)) continue;
      seen.add(uri);
      const { bucket, key } = splitS3Uri(uri);
      out.push({ bucket, prefix: key, values });
    }
    if (out.length > MAX_PREFIXES)
      throw new UsageError("the time window holds too many partitions: narrow --since/--until");
  }
  return out;
}

/** A SQL string literal (both dialects: single quotes, doubled inside). */
export const sqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** A partition column in SQL: always double-quoted (both dialects), so no name is a keyword. */
const column = (name: string): string => `"${name.replace(/"/g, '""')}"`;

function inList(name: string, values: readonly string[]): string {
  return values.length === 1
    ? `${column(name)} = ${sqlString(values[0] as string)}`
    : `${column(name)} IN (${values.map(sqlString).join(", ")})`;
}

/**
 * The predicate over `names` true exactly for `tuples`, grouped by the leading column: values whose
 * rest is the same share an IN list, and a column whose values cover its whole domain (an hour
 * column with all 24) is left out. null = no restriction.
 */
function tuplesPredicate(
  names: readonly string[],
  domains: readonly (readonly string[] | undefined)[],
  tuples: readonly (readonly string[])[],
): string | null {
  if (names.length === 0 || tuples.length === 0) return null;
  const groups = new Map<string, string[][]>();
  for (const t of tuples) {
    const v = t[0] as string;
    groups.set(v, [...(groups.get(v) ?? []), t.slice(1)]);
  }
  const bySub = new Map<string, { sub: string | null; values: string[] }>();
  for (const [v, rest] of groups) {
    const sub = tuplesPredicate(names.slice(1), domains.slice(1), rest);
    const key = sub ?? "";
    const entry = bySub.get(key) ?? { sub, values: [] };
    entry.values.push(v);
    bySub.set(key, entry);
  }
  const domain = domains[0];
  const terms: string[] = [];
  for (const { sub, values } of bySub.values()) {
    const whole = domain?.every((d) => values.includes(d)) === true;
    const own = whole ? null : inList(names[0] as string, values);
    const parts = [own, sub].filter((x): x is string => x !== null);
    if (parts.length === 0) return null;
    terms.push(parts.length === 1 ? (parts[0] as string) : `(${parts.join(" AND ")})`);
  }
  return terms.length === 1 ? (terms[0] as string) : `(${terms.join(" OR ")})`;
}

/**
 * The SQL predicate on the partition columns selecting the same partitions as partitionPrefixes
 * (no column qualifier; the columns double-quoted): null when it selects everything. In the common
 * subset of Athena's and DuckDB's SQL (=, IN, AND, OR, string literals).
 */
export function partitionPredicate(spec: GlueTableSpec, window: PartitionWindow): string | null {
  const rules = columnRules(spec);
  const terms: string[] = [];
  for (const r of rules.filter((x) => !isTimeRule(x))) {
    const values = otherValues(r, window);
    const all = r.kind === "enum" || r.kind === "range" ? r.values : [];
    if (values.length < all.length || values.length === 0) {
      terms.push(values.length === 0 ? "1 = 0" : inList(r.name, values));
    }
  }
  const timeRules = rules.filter(isTimeRule);
  const time = tuplesPredicate(
    timeRules.map((r) => r.name),
    timeRules.map((r) => (r.kind === "part" ? r.domain : undefined)),
    timeTuples(rules, window),
  );
  if (time !== null) terms.push(time);
  return terms.length === 0 ? null : terms.join(" AND ");
}

/** The first instant the table's date projection covers (its range start), if it declares one. */
export function projectionStart(spec: GlueTableSpec): Date | undefined {
  for (const k of spec.partitionKeys) {
    if ((spec.parameters[`projection.${k.Name}.type`] ?? "").toLowerCase() !== "date") continue;
    const start = (spec.parameters[`projection.${k.Name}.range`] ?? "").split(",")[0]?.trim() ?? "";
    const format = spec.parameters[`projection.${k.Name}.format`] ?? "";
    const d = parseJavaDate(start, format);
    if (d !== undefined) return d;
  }
  return undefined;
}

/** Parses text written with a Java date pattern of yyyy MM dd HH and 'literals' (UTC); undefined if it does not match. */
export function parseJavaDate(text: string, pattern: string): Date | undefined {
  let re = "";
  const order: string[] = [];
  for (let i = 0; i < pattern.length; ) {
    const ch = pattern[i] as string;
    if (ch === "'") {
      const end = pattern.indexOf("'", i + 1);
      re += pattern.slice(i + 1, end).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      i = end + 1;
      continue;
    }
    const run = /^(yyyy|MM|dd|HH)/.exec(pattern.slice(i))?.[1];
    if (run !== undefined) {
      re += run === "yyyy" ? "(\\d{4})" : "(\\d{2})";
      order.push(run);
      i += run.length;
    } else {
      re += ch.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      i += 1;
    }
  }
  const m = new RegExp(`^${re}$`).exec(text);
  if (m === null) return undefined;
  const get = (p: string, dflt: number) => {
    const i = order.indexOf(p);
    return i < 0 ? dflt : Number(m[i + 1]);
  };
  return new Date(Date.UTC(get("yyyy", 1970), get("MM", 1) - 1, get("dd", 1), get("HH", 0)));
}
